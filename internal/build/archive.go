package build

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Limits on the archives Unpack accepts. Real sdists are far below them
// (the largest on PyPI hold a few GiB of sources and data).
const (
	MaxFiles            = 100_000 // entries in one archive
	MaxFileSize         = 1 << 30 // bytes of one file, as written
	MaxTotalSize        = 4 << 30 // bytes of all files, as written
	MaxCompressionRatio = 200     // bytes written / archive size
	MinRatioCheckSize   = 64 << 20
	MaxPathLength       = 1024 // bytes of one entry name
	MaxLinkTarget       = 4096 // bytes of one symbolic link target
	MaxProblems         = 100  // problems reported before giving up
)

// Rule names one archive rule of the package comment.
type Rule string

// The archive rules; see the package comment.
const (
	RulePath      Rule = "path"
	RuleLayout    Rule = "layout"
	RuleType      Rule = "type"
	RuleDuplicate Rule = "duplicate"
	RuleLink      Rule = "link"
	RuleFiles     Rule = "files"
	RuleFileSize  Rule = "file-size"
	RuleTotalSize Rule = "total-size"
	RuleRatio     Rule = "ratio"
	RuleCorrupt   Rule = "corrupt"
)

// ErrUnsafeArchive is matched (errors.Is) by *ArchiveError and *Problem.
var ErrUnsafeArchive = errors.New("unsafe sdist archive")

// Problem is one broken rule.
type Problem struct {
	Rule  Rule
	Entry string // archive entry name; "" for the whole archive
	Msg   string
}

func (p *Problem) Error() string {
	if p.Entry == "" {
		return fmt.Sprintf("[%s] %s", p.Rule, p.Msg)
	}
	return fmt.Sprintf("[%s] %q: %s", p.Rule, p.Entry, p.Msg)
}

// Is matches ErrUnsafeArchive.
func (p *Problem) Is(target error) bool { return target == ErrUnsafeArchive }

// ArchiveError lists every problem found in an archive.
type ArchiveError struct {
	Archive  string // file name
	Problems []*Problem
}

func (e *ArchiveError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: unsafe archive refused (%d problem", e.Archive, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString(")")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Is matches ErrUnsafeArchive.
func (e *ArchiveError) Is(target error) bool { return target == ErrUnsafeArchive }

// Unwrap returns the problems.
func (e *ArchiveError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// Has reports whether some problem broke rule r.
func (e *ArchiveError) Has(r Rule) bool {
	for _, p := range e.Problems {
		if p.Rule == r {
			return true
		}
	}
	return false
}

// errStop aborts unpacking after a fatal (bomb) problem.
var errStop = errors.New("stop")

type entryKind int

const (
	kindDir entryKind = iota
	kindFile
	kindSymlink
	kindHardlink
	kindOther
)

// unpacker writes one archive below dir, enforcing the rules.
type unpacker struct {
	name        string // archive file name, for errors
	dir         string // destination (exists, empty)
	archiveSize int64
	problems    []*Problem
	top         string               // the single top-level directory
	kinds       map[string]entryKind // cleaned name → kind of what was written
	links       map[string]string    // symlink name → target, created at the end
	files       int
	total       int64
	lim         limits
}

// limits are the bomb limits in force (the named constants, except in tests).
type limits struct {
	files             int
	fileSize, total   int64
	ratio, ratioAfter int64
}

var defaultLimits = limits{files: MaxFiles, fileSize: MaxFileSize, total: MaxTotalSize, ratio: MaxCompressionRatio, ratioAfter: MinRatioCheckSize}

func (u *unpacker) add(r Rule, entry, format string, args ...any) {
	if len(u.problems) < MaxProblems {
		u.problems = append(u.problems, &Problem{Rule: r, Entry: entry, Msg: fmt.Sprintf(format, args...)})
	}
}

// Unpack extracts the sdist archive at archive (.tar.gz or .zip, by name)
// into dir, which must not exist yet, and returns the project root (dir
// joined with the single top-level directory). On error dir is removed and
// the error is an *ArchiveError for rule violations.
func Unpack(archive, dir string) (root string, err error) {
	return unpack(archive, dir, defaultLimits)
}

func unpack(archive, dir string, lim limits) (root string, err error) {
	fh, err := os.Open(archive)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return "", err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	u := &unpacker{name: filepath.Base(archive), dir: dir, archiveSize: st.Size(),
		kinds: map[string]entryKind{}, links: map[string]string{}, lim: lim}
	var ioErr error
	switch lower := strings.ToLower(archive); {
	case strings.HasSuffix(lower, ".zip"):
		ioErr = u.zip(fh, st.Size())
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		ioErr = u.tar(fh)
	default:
		u.add(RuleCorrupt, "", "unsupported archive format (want .tar.gz or .zip)")
	}
	if ioErr != nil && !errors.Is(ioErr, errStop) {
		return "", fmt.Errorf("%s: %w", u.name, ioErr)
	}
	if ioErr == nil {
		u.makeLinks()
		if u.top == "" && len(u.problems) == 0 {
			u.add(RuleLayout, "", "the archive is empty")
		}
	}
	if len(u.problems) > 0 {
		return "", &ArchiveError{Archive: u.name, Problems: u.problems}
	}
	return filepath.Join(dir, filepath.FromSlash(u.top)), nil
}

func (u *unpacker) tar(r io.Reader) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		u.add(RuleCorrupt, "", "not a gzip stream: %v", err)
		return nil
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			u.add(RuleCorrupt, "", "%v", err)
			return nil
		}
		var kind entryKind
		switch h.Typeflag {
		case tar.TypeXGlobalHeader, tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
			continue // metadata records (the reader applies them)
		case tar.TypeDir:
			kind = kindDir
		case tar.TypeReg:
			kind = kindFile
		case tar.TypeSymlink:
			kind = kindSymlink
		case tar.TypeLink:
			kind = kindHardlink
		default:
			kind = kindOther
		}
		if err := u.entry(h.Name, kind, h.Linkname, h.Mode&0o111 != 0, tr); err != nil {
			return err
		}
	}
}

func (u *unpacker) zip(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		u.add(RuleCorrupt, "", "not a zip archive: %v", err)
		return nil
	}
	for _, f := range zr.File {
		mode := f.Mode()
		kind := kindFile
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			kind = kindDir
		case mode&os.ModeSymlink != 0:
			kind = kindSymlink
		case !mode.IsRegular():
			kind = kindOther
		}
		if err := u.zipEntry(f, kind); err != nil {
			return err
		}
	}
	return nil
}

// zipEntry handles one zip member; like entry, it returns errStop after a
// fatal problem and other errors for local I/O failures.
func (u *unpacker) zipEntry(f *zip.File, kind entryKind) error {
	if kind != kindFile && kind != kindSymlink {
		return u.entry(f.Name, kind, "", false, nil)
	}
	rc, err := f.Open()
	if err != nil {
		u.add(RuleCorrupt, f.Name, "%v", err)
		return nil
	}
	defer rc.Close()
	var body io.Reader = rc
	var link string
	if kind == kindSymlink { // a zip symlink's target is its content
		data, err := io.ReadAll(io.LimitReader(rc, MaxLinkTarget+1))
		if err != nil {
			u.add(RuleCorrupt, f.Name, "%v", err)
			return nil
		}
		link = string(data)
	}
	return u.entry(f.Name, kind, link, f.Mode()&0o111 != 0, body)
}

// cleanName checks an entry name against RulePath and returns it without a
// leading "./" and trailing "/".
func cleanName(name string) (string, string) {
	n := strings.TrimPrefix(name, "./")
	n = strings.TrimSuffix(n, "/")
	switch {
	case n == "" || n == ".":
		return "", "empty name"
	case len(n) > MaxPathLength:
		return "", fmt.Sprintf("name longer than %d bytes", MaxPathLength)
	case strings.ContainsRune(n, 0):
		return "", "NUL byte in name"
	case strings.ContainsRune(n, '\\'):
		return "", "backslash in name"
	case strings.HasPrefix(n, "/"):
		return "", "absolute path"
	case len(n) >= 2 && n[1] == ':' && isLetter(n[0]):
		return "", "drive letter"
	}
	for _, el := range strings.Split(n, "/") {
		switch el {
		case "":
			return "", "empty path element"
		case ".":
			return "", `"." path element`
		case "..":
			return "", `".." path element`
		}
	}
	return n, ""
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// entry handles one archive member. It returns errStop after a fatal
// problem and other errors for local I/O failures.
func (u *unpacker) entry(raw string, kind entryKind, link string, exec bool, body io.Reader) error {
	name, why := cleanName(raw)
	if why != "" {
		u.add(RulePath, raw, "%s", why)
		return nil
	}
	u.files++
	if u.files > u.lim.files {
		u.add(RuleFiles, "", "more than %d entries", u.lim.files)
		return errStop
	}
	top, _, _ := strings.Cut(name, "/")
	if u.top == "" {
		u.top = top
	} else if top != u.top {
		u.add(RuleLayout, raw, "outside the top-level directory %q (an sdist has exactly one)", u.top)
		return nil
	}
	if kind != kindDir && name == top {
		u.add(RuleLayout, raw, "the top-level entry must be a directory")
		return nil
	}
	if prev, seen := u.kinds[name]; seen && !(prev == kindDir && kind == kindDir) {
		u.add(RuleDuplicate, raw, "appears more than once")
		return nil
	}
	// A parent must be (or become) a directory, never a file or link.
	for p := path.Dir(name); p != "."; p = path.Dir(p) {
		if k, seen := u.kinds[p]; seen && k != kindDir {
			u.add(RuleDuplicate, raw, "its parent %q is not a directory", p)
			return nil
		}
	}
	dst := filepath.Join(u.dir, filepath.FromSlash(name))
	switch kind {
	case kindOther:
		u.add(RuleType, raw, "not a directory, regular file or link")
		return nil
	case kindDir:
		u.kinds[name] = kindDir
		return u.mkdirs(name)
	case kindSymlink:
		if link == "" || len(link) > MaxLinkTarget {
			u.add(RuleLink, raw, "symbolic link with an empty or overlong target")
			return nil
		}
		u.kinds[name] = kindSymlink
		u.links[name] = link
		return u.mkdirs(path.Dir(name))
	case kindHardlink:
		target, why := cleanName(link)
		if why != "" || u.kinds[target] != kindFile {
			u.add(RuleLink, raw, "hard link to %q, which is not a regular file earlier in the archive", link)
			return nil
		}
		src, err := os.Open(filepath.Join(u.dir, filepath.FromSlash(target)))
		if err != nil {
			return err
		}
		defer src.Close()
		body, exec = src, false
		if st, err := src.Stat(); err == nil {
			exec = st.Mode()&0o111 != 0
		}
	}
	if err := u.mkdirs(path.Dir(name)); err != nil {
		return err
	}
	u.kinds[name] = kindFile
	mode := os.FileMode(0o644)
	if exec {
		mode = 0o755
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	w := &limitWriter{u: u, entry: raw, w: f}
	_, cerr := io.Copy(w, body)
	if err := f.Close(); cerr == nil {
		cerr = err
	}
	if w.stop != nil {
		return errStop
	}
	if cerr != nil {
		u.add(RuleCorrupt, raw, "%v", cerr)
	}
	return nil
}

// mkdirs creates the directory name (slash path) and its parents.
func (u *unpacker) mkdirs(name string) error {
	if name == "." {
		return nil
	}
	for p := name; p != "."; p = path.Dir(p) {
		if _, seen := u.kinds[p]; !seen {
			u.kinds[p] = kindDir
		}
	}
	return os.MkdirAll(filepath.Join(u.dir, filepath.FromSlash(name)), 0o755)
}

// limitWriter counts written bytes against the bomb limits.
type limitWriter struct {
	u     *unpacker
	entry string
	w     io.Writer
	n     int64
	stop  error
}

func (l *limitWriter) Write(p []byte) (int, error) {
	u := l.u
	l.n += int64(len(p))
	u.total += int64(len(p))
	switch {
	case l.n > u.lim.fileSize:
		u.add(RuleFileSize, l.entry, "larger than %d bytes", u.lim.fileSize)
		l.stop = errStop
	case u.total > u.lim.total:
		u.add(RuleTotalSize, "", "more than %d bytes in all", u.lim.total)
		l.stop = errStop
	case u.total > u.lim.ratioAfter && u.total/max(u.archiveSize, 1) > u.lim.ratio:
		u.add(RuleRatio, l.entry, "%d bytes written from a %d-byte archive (ratio above %d)", u.total, u.archiveSize, u.lim.ratio)
		l.stop = errStop
	}
	if l.stop != nil {
		return 0, l.stop
	}
	return l.w.Write(p)
}

// makeLinks validates and creates the symbolic links, after every file.
func (u *unpacker) makeLinks() {
	names := make([]string, 0, len(u.links))
	for n := range u.links {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		target := u.links[name]
		if why := u.linkEscapes(name, target); why != "" {
			u.add(RuleLink, name, "symbolic link to %q %s", target, why)
			continue
		}
		if len(u.problems) > 0 {
			continue // the tree is discarded anyway
		}
		if err := os.Symlink(target, filepath.Join(u.dir, filepath.FromSlash(name))); err != nil {
			u.add(RuleLink, name, "%v", err)
		}
	}
}

// linkEscapes walks target from the link's directory and explains why it
// is refused, or returns "".
func (u *unpacker) linkEscapes(name, target string) string {
	if strings.HasPrefix(target, "/") || strings.ContainsAny(target, "\\\x00") ||
		(len(target) >= 2 && target[1] == ':' && isLetter(target[0])) {
		return "is absolute or malformed"
	}
	cur := strings.Split(path.Dir(name), "/") // inside the top directory: cur[0] == u.top
	els := strings.Split(target, "/")
	for i, el := range els {
		switch el {
		case "", ".":
			continue
		case "..":
			if len(cur) <= 1 {
				return "leaves the top-level directory"
			}
			cur = cur[:len(cur)-1]
		default:
			cur = append(cur, el)
			if i < len(els)-1 && u.kinds[strings.Join(cur, "/")] == kindSymlink {
				return "passes through another symbolic link"
			}
		}
	}
	return ""
}
