package install

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/metadata"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
)

// Default limits against decompression bombs and pathological wheels.
// The largest real wheels (CUDA builds of torch) hold single files of about
// 2 GiB and a few GiB in total.
const (
	MaxFiles            = 100_000  // entries in one wheel
	MaxFileSize         = 4 << 30  // uncompressed bytes of one entry
	MaxTotalSize        = 16 << 30 // uncompressed bytes of all entries
	MaxCompressionRatio = 200      // uncompressed/compressed for one entry (deflate peaks near 1032)
	MinRatioCheckSize   = 1 << 20  // entries smaller than this are exempt from the ratio rule
	MaxMetaFileSize     = 16 << 20 // RECORD, METADATA, WHEEL, entry_points.txt
	MaxPthSize          = 1 << 20  // a .pth file site.py would read, read whole; real ones hold a few lines
	MaxProblems         = 100      // problems reported before giving up
)

// Limits bounds what a wheel may contain. The zero value of a field means
// the default constant of the same name.
type Limits struct {
	MaxFiles            int
	MaxFileSize         int64
	MaxTotalSize        int64
	MaxCompressionRatio int64
	MinRatioCheckSize   int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = MaxFiles
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = MaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = MaxTotalSize
	}
	if l.MaxCompressionRatio <= 0 {
		l.MaxCompressionRatio = MaxCompressionRatio
	}
	if l.MinRatioCheckSize <= 0 {
		l.MinRatioCheckSize = MinRatioCheckSize
	}
	return l
}

// Rule names one safety rule of the package comment.
type Rule string

// The rules; see the package comment.
const (
	RulePath         Rule = "path"
	RuleDrive        Rule = "drive-letter"
	RuleSymlink      Rule = "symlink"
	RuleOutside      Rule = "outside-target"
	RuleDuplicate    Rule = "duplicate"
	RuleDistInfo     Rule = "dist-info"
	RuleWheelVersion Rule = "wheel-version"
	RuleRecord       Rule = "record"
	RuleHash         Rule = "hash"
	RuleFiles        Rule = "too-many-files"
	RuleFileSize     Rule = "file-size"
	RuleTotalSize    Rule = "total-size"
	RuleRatio        Rule = "compression-ratio"
	RuleStartup      Rule = "startup-code"
	RuleMetadata     Rule = "metadata"
	RuleCorrupt      Rule = "corrupt"
	RuleEntryPoint   Rule = "entry-point"
	RuleOverlap      Rule = "overlap"
	RuleLocalHeader  Rule = "local-header"
)

// ErrUnsafe is matched (errors.Is) by every *CheckError and *Problem.
var ErrUnsafe = errors.New("unsafe wheel")

// Problem is one broken rule.
type Problem struct {
	Rule  Rule
	Entry string // zip entry name; "" for the whole wheel
	Msg   string
}

func (p *Problem) Error() string {
	if p.Entry == "" {
		return fmt.Sprintf("[%s] %s", p.Rule, p.Msg)
	}
	return fmt.Sprintf("%s: [%s] %s", p.Entry, p.Rule, p.Msg)
}

// Is matches ErrUnsafe.
func (p *Problem) Is(target error) bool { return target == ErrUnsafe }

// CheckError lists every problem found in one wheel.
type CheckError struct {
	Wheel    string // file name
	Problems []*Problem
}

func (e *CheckError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wheel %s refused:", e.Wheel)
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString(";")
		}
		b.WriteString(" ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Is matches ErrUnsafe.
func (e *CheckError) Is(target error) bool { return target == ErrUnsafe }

// Unwrap returns the problems.
func (e *CheckError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Has reports whether some problem broke rule r.
func (e *CheckError) Has(r Rule) bool {
	return slices.ContainsFunc(e.Problems, func(p *Problem) bool { return p.Rule == r })
}

// Options says what a wheel is expected to be.
type Options struct {
	// Name and Version expected (from the lock); "" skips the comparison.
	Name, Version string
	// Metadata is the PEP 658 metadata file served by the index for this
	// wheel, nil when there is none.
	Metadata []byte
	// AllowStartup permits start-up code (RuleStartup).
	AllowStartup bool
	Limits       Limits
}

// Entry is one file of a checked wheel, as named in the zip.
type Entry struct {
	Name string // zip path
	Size int64
	Hash string // "sha256=<urlsafe b64 nopad>" of the content
	Exec bool   // an executable bit is set in the zip
}

// Wheel is a checked wheel.
type Wheel struct {
	Filename      string
	Name, Version string // from METADATA
	DistInfo      string // "{name}-{version}.dist-info"
	RootIsPurelib bool
	Entries       []Entry           // regular files, zip order
	Metadata      []byte            // METADATA (Unpack and LoadUnpacked: its header section only)
	EntryPoints   []byte            // entry_points.txt, nil when absent
	Startup       map[string]string // entries that are start-up code (RuleStartup) → why

	// seal holds the fingerprints UnpackSealed recorded as it wrote the
	// tree (not kept in the manifest), and sealFP the fingerprint of the
	// seal file it wrote them to: while that file is unchanged, Install
	// checks the links it makes against seal without reading the file
	// back (another tree, or a seal file replaced since, is read).
	seal   map[string]fingerprint
	sealFP fingerprint
}

// dataKeys are the install scheme keys allowed under "<name>.data/".
var dataKeys = []string{"data", "headers", "platlib", "purelib", "scripts"}

// checker applies the rules to one wheel. The passes run in order, each
// adding problems: entries (names, types, declared sizes), archive (local
// headers, overlaps), distInfo (the .dist-info directory and its files),
// content (hashes and counted sizes; skipped when a whole-archive limit is
// broken, so that a bomb is never expanded), then policy (the rules that
// depend on Options).
type checker struct {
	filename string
	size     int64 // of the archive
	opts     Options
	lim      Limits
	problems []*Problem

	wheelName dist.WheelName  // from the file name; zero when it does not parse
	w         *Wheel          // filled in by the passes
	files     []*zip.File     // regular files that passed the entries pass, zip order
	names     map[string]bool // every entry name, directories without their slash
	reported  map[string]bool // entries already refused by the entries pass
	pthDirs   map[string]bool // directories the .pth files add to sys.path (see pthDirs)
	distInfos map[string]bool // top-level directories named *.dist-info
	bomb      bool            // a whole-archive limit is broken: content is not read
}

func (c *checker) add(r Rule, entry, format string, args ...any) {
	if len(c.problems) < MaxProblems {
		c.problems = append(c.problems, &Problem{Rule: r, Entry: entry, Msg: fmt.Sprintf(format, args...)})
	}
}

// sinkFunc receives each regular file of a wheel that passed the path rules.
type sinkFunc func(name string, exec bool, content io.Reader) error

// Check verifies the wheel in r (size bytes) against every rule of the
// package comment, reading all its content. filename is the wheel's file
// name.
func Check(r io.ReaderAt, size int64, filename string, opts Options) (*Wheel, error) {
	return check(r, size, filename, opts, nil)
}

func check(r io.ReaderAt, size int64, filename string, opts Options, sink sinkFunc) (*Wheel, error) {
	c := &checker{filename: filename, opts: opts, lim: opts.Limits.withDefaults(), w: &Wheel{Filename: filename}, size: size}
	hr := &headerReader{ReaderAt: r}
	zr, err := zip.NewReader(hr, size)
	if err != nil {
		c.add(RuleCorrupt, "", "not a zip archive: %v", err)
		return nil, c.err()
	}
	wn, err := dist.ParseWheelName(filename, false)
	if err != nil {
		c.add(RuleDistInfo, "", "bad wheel file name: %v", err)
	}
	c.wheelName = wn
	if !c.entries(zr) {
		return nil, c.err()
	}
	c.archive(zr, hr)
	listed, ok := c.distInfo()
	if !ok || c.bomb {
		return nil, c.err()
	}
	if err := c.content(listed, sink); err != nil {
		return nil, err
	}
	c.unlisted(listed)
	c.startupInDirs()
	c.policy(c.w)
	if err := c.err(); err != nil {
		return nil, err
	}
	return c.w, nil
}

// entries is the first pass: names, types and declared sizes, without
// reading content. It reports false when the wheel is not worth reading on.
func (c *checker) entries(zr *zip.Reader) bool {
	if len(zr.File) > c.lim.MaxFiles {
		c.add(RuleFiles, "", "%d entries, more than the limit of %d", len(zr.File), c.lim.MaxFiles)
		return false
	}
	c.names = map[string]bool{}
	c.reported = map[string]bool{}
	c.distInfos = map[string]bool{}
	folded := map[string]string{}
	dirs := map[string]bool{} // every parent directory of a file
	var declared int64
	for _, f := range zr.File {
		name := f.Name
		if !c.checkPath(name) {
			c.reported[name] = true
			continue
		}
		if !strings.HasSuffix(name, "/") {
			for d := path.Dir(name); d != "."; d = path.Dir(d) {
				dirs[d] = true
			}
		}
		isDir := strings.HasSuffix(name, "/")
		key := strings.TrimSuffix(name, "/")
		if c.names[key] {
			c.add(RuleDuplicate, name, "entry appears more than once")
			continue
		}
		c.names[key] = true
		if other, ok := folded[fold(key)]; ok && !isDir {
			c.add(RuleDuplicate, name, "differs only in case from %s", other)
			continue
		}
		folded[fold(key)] = name
		mode := f.Mode()
		if isDir || mode.IsDir() {
			continue
		}
		if !mode.IsRegular() {
			c.add(RuleSymlink, name, "not a regular file (%s)", mode.Type())
			continue
		}
		if !c.checkScheme(name) {
			continue
		}
		if top, _, _ := strings.Cut(name, "/"); strings.HasSuffix(top, ".dist-info") {
			c.distInfos[top] = true
		}
		if f.UncompressedSize64 > uint64(c.lim.MaxFileSize) {
			c.add(RuleFileSize, name, "declares %d bytes, more than the limit of %d", f.UncompressedSize64, c.lim.MaxFileSize)
			continue
		}
		declared += int64(f.UncompressedSize64)
		if c.ratioExceeded(int64(f.UncompressedSize64), int64(f.CompressedSize64)) {
			c.add(RuleRatio, name, "compression ratio %d:1 above the limit of %d:1", f.UncompressedSize64/max(f.CompressedSize64, 1), c.lim.MaxCompressionRatio)
			continue
		}
		c.files = append(c.files, f)
	}
	for _, f := range c.files {
		if dirs[f.Name] {
			c.add(RuleDuplicate, f.Name, "is both a file and a directory")
		}
	}
	if declared > c.lim.MaxTotalSize {
		c.add(RuleTotalSize, "", "declares %d bytes in total, more than the limit of %d", declared, c.lim.MaxTotalSize)
		c.bomb = true
	}
	c.checkArchiveRatio(declared)
	return true
}

// checkScheme applies the rules about where a regular file is installed
// (RuleOutside, and RuleEntryPoint for .data/scripts); it reports whether
// the entry is usable.
func (c *checker) checkScheme(name string) bool {
	top, rest, _ := strings.Cut(name, "/")
	if !strings.HasSuffix(top, ".data") {
		return true
	}
	k, sub, ok := strings.Cut(rest, "/")
	if !ok || !slices.Contains(dataKeys, k) {
		c.add(RuleOutside, name, "%s/ may only contain %s", top, strings.Join(dataKeys, ", "))
		return false
	}
	if k == "scripts" && reservedScript(path.Base(sub)) {
		c.add(RuleEntryPoint, name, "script would replace the environment's %s", path.Base(sub))
		return false
	}
	// "data" is the environment's root: it must not replace the
	// interpreter, its activation scripts or pyvenv.cfg.
	if k == "data" && (sub == "pyvenv.cfg" || (path.Dir(sub) == "bin" || path.Dir(sub) == "Scripts") && reservedScript(path.Base(sub))) {
		c.add(RuleOutside, name, "would replace the environment's own %s", sub)
		return false
	}
	return true
}

// distInfo is the second pass: it finds the .dist-info directory, reads
// WHEEL, METADATA, entry_points.txt and RECORD, and returns RECORD's rows by
// path. It reports false when the content pass cannot run.
func (c *checker) distInfo() (map[string]RecordEntry, bool) {
	names := slices.Sorted(maps.Keys(c.distInfos))
	switch len(names) {
	case 0:
		c.add(RuleDistInfo, "", "no .dist-info directory")
		return nil, false
	case 1:
	default:
		c.add(RuleDistInfo, "", "more than one .dist-info directory: %s", strings.Join(names, ", "))
		return nil, false
	}
	di := names[0]
	w := c.w
	w.DistInfo = di
	diName, diVersion, _ := strings.Cut(strings.TrimSuffix(di, ".dist-info"), "-")
	if wn := c.wheelName; wn.Name != "" && (pep503.Normalize(diName) != wn.Name || !sameVersion(diVersion, wn.Version.String())) {
		c.add(RuleDistInfo, di+"/", "does not match the file name %s", c.filename)
	}
	byName := map[string]*zip.File{}
	for _, f := range c.files {
		byName[f.Name] = f
	}
	meta := func(file string, required bool) []byte {
		f := byName[di+"/"+file]
		if f == nil {
			if required {
				c.add(RuleDistInfo, di+"/"+file, "missing")
			}
			return nil
		}
		data, err := readLimited(f, MaxMetaFileSize)
		if err != nil {
			c.add(RuleCorrupt, f.Name, "%v", err)
			return nil
		}
		return data
	}
	recordData := meta("RECORD", true)
	wheelData := meta("WHEEL", true)
	w.Metadata = meta("METADATA", true)
	w.EntryPoints = meta("entry_points.txt", false)
	if recordData == nil || wheelData == nil || w.Metadata == nil {
		return nil, false
	}
	c.checkWheelFile(di+"/WHEEL", wheelData, w)
	if w.EntryPoints != nil {
		c.checkEntryPoints(di+"/entry_points.txt", w.EntryPoints)
	}
	record, err := ParseRecord(recordData)
	if err != nil {
		c.add(RuleRecord, di+"/RECORD", "%v", err)
		return nil, false
	}
	listed := map[string]RecordEntry{}
	for _, r := range record {
		listed[r.Path] = r
	}
	return listed, true
}

func (c *checker) checkEntryPoints(entry string, data []byte) {
	eps, err := ParseEntryPoints(data)
	if err != nil {
		c.add(RuleEntryPoint, entry, "%v", err)
	}
	for _, ep := range eps {
		if reservedScript(ep.Name) {
			c.add(RuleEntryPoint, entry, "script %q would replace the environment's interpreter or activation script", ep.Name)
		}
	}
}

// content is the third pass: every regular file is decompressed once,
// counted, hashed and compared with its RECORD row (which it removes from
// listed), and handed to sink. A non-nil error ends the check: an I/O
// failure of the sink, or a *CheckError once the total size is exceeded.
func (c *checker) content(listed map[string]RecordEntry, sink sinkFunc) error {
	recordName := c.w.DistInfo + "/RECORD"
	var total int64
	for _, f := range c.files {
		name := f.Name
		r, inRecord := listed[name]
		delete(listed, name)
		unlisted := name == recordName || name == recordName+".jws" || name == recordName+".p7s"
		if !inRecord && !unlisted {
			c.add(RuleRecord, name, "not listed in RECORD")
			continue
		}
		if inRecord && r.Hash == "" && !unlisted {
			c.add(RuleRecord, name, "listed in RECORD without a hash")
			continue
		}
		n, err := c.verify(f, r, sink)
		if err != nil {
			return fmt.Errorf("wheel %s: %s: %w", c.filename, name, err)
		}
		total += n
		if total > c.lim.MaxTotalSize {
			c.add(RuleTotalSize, "", "more than %d bytes uncompressed in total", c.lim.MaxTotalSize)
			return c.err()
		}
	}
	return nil
}

// verify reads one file through sink, checks its counted size and hash,
// and records it in the wheel. It returns the bytes read, and an error only
// for failures that are not the wheel's fault.
func (c *checker) verify(f *zip.File, r RecordEntry, sink sinkFunc) (int64, error) {
	name := f.Name
	var alg string
	var want []byte
	if r.Hash != "" {
		var err error
		alg, want, err = decodeRecordHash(r.Hash)
		if err != nil {
			c.add(RuleRecord, name, "%v", err)
			return 0, nil
		}
	}
	rc, err := f.Open()
	if err != nil {
		c.add(RuleCorrupt, name, "%v", err)
		return 0, nil
	}
	defer rc.Close()
	h256 := sha256.New()
	var hAlg hash.Hash
	switch alg {
	case "sha384":
		hAlg = sha512.New384()
	case "sha512":
		hAlg = sha512.New()
	}
	hs := []io.Writer{h256}
	if hAlg != nil {
		hs = append(hs, hAlg)
	}
	counter := &countWriter{}
	hs = append(hs, counter)
	var pth *bytes.Buffer
	if isPth(name) {
		pth = &bytes.Buffer{}
		hs = append(hs, &limitedBuffer{b: pth, n: MaxPthSize})
	}
	exec := f.Mode()&0o111 != 0
	src := io.TeeReader(io.LimitReader(rc, c.lim.MaxFileSize+1), io.MultiWriter(hs...))
	if sink != nil {
		err = sink(name, exec, src)
	} else {
		_, err = io.Copy(io.Discard, src)
	}
	if err == nil {
		// Drain what the sink did not read so the checksum is verified.
		_, err = io.Copy(io.Discard, src)
	}
	n := counter.n
	switch {
	case n > c.lim.MaxFileSize:
		c.add(RuleFileSize, name, "more than %d bytes uncompressed", c.lim.MaxFileSize)
	case errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF):
		c.add(RuleCorrupt, name, "%v", err)
	case err != nil:
		return n, err
	case n != int64(f.UncompressedSize64):
		c.add(RuleCorrupt, name, "header declares %d bytes, content has %d", f.UncompressedSize64, n)
	case c.ratioExceeded(n, int64(f.CompressedSize64)):
		c.add(RuleRatio, name, "compression ratio %d:1 above the limit of %d:1", n/max(int64(f.CompressedSize64), 1), c.lim.MaxCompressionRatio)
	}
	sum256 := h256.Sum(nil)
	if want != nil {
		got := sum256
		if hAlg != nil {
			got = hAlg.Sum(nil)
		}
		if !bytes.Equal(got, want) {
			c.add(RuleHash, name, "%s is %s, RECORD says %s", alg, b64(got), b64(want))
		} else if r.Size >= 0 && r.Size != n {
			c.add(RuleHash, name, "size is %d, RECORD says %d", n, r.Size)
		}
	}
	if why := startupByName(name); why != "" {
		c.startup(name, why)
	}
	if pth != nil {
		c.checkPth(name, n, pth.Bytes())
	}
	c.w.Entries = append(c.w.Entries, Entry{Name: name, Size: n, Hash: "sha256=" + b64(sum256), Exec: exec})
	return n, nil
}

// checkPth applies RuleStartup to a .pth file site.py could process, read
// whole, and notes the directories it adds to sys.path.
func (c *checker) checkPth(name string, size int64, data []byte) {
	if size > MaxPthSize {
		c.add(RuleFileSize, name, ".pth file of %d bytes, more than the limit of %d: site.py would read all of it", size, MaxPthSize)
		return
	}
	if line, ok := executableLine(data); ok {
		c.startup(name, fmt.Sprintf("runs %q at every interpreter start-up", line))
	}
	if rel, ok := siteRel(name); !ok || strings.Contains(rel, "/") {
		return // not at the top of a site directory: its lines are not paths of one
	}
	dirs, escape := pthDirs(data)
	if escape != "" {
		c.startup(name, fmt.Sprintf("adds %q, outside its site directory, to sys.path at every interpreter start-up", escape))
	}
	for _, d := range dirs {
		if c.pthDirs == nil {
			c.pthDirs = map[string]bool{}
		}
		c.pthDirs[d] = true
	}
}

// startup records start-up code; the first reason found for an entry wins.
func (c *checker) startup(name, why string) {
	if c.w.Startup == nil {
		c.w.Startup = map[string]string{}
	}
	if c.w.Startup[name] == "" {
		c.w.Startup[name] = why
	}
}

// unlisted reports RECORD rows left after the content pass: paths that are
// not in the wheel.
func (c *checker) unlisted(listed map[string]RecordEntry) {
	for _, p := range slices.Sorted(maps.Keys(listed)) {
		if c.names[p] || c.reported[p] {
			continue // a directory, or an entry already reported
		}
		c.add(RuleRecord, p, "listed in RECORD but not in the wheel")
	}
}

// Recheck applies the rules that depend on Options (RuleMetadata, RuleStartup)
// to a wheel checked earlier, e.g. one unpacked into a cache under other
// options.
func Recheck(w *Wheel, opts Options) error {
	c := &checker{filename: w.Filename, opts: opts, lim: opts.Limits.withDefaults()}
	c.policy(w)
	return c.err()
}

// policy applies the Options-dependent rules.
func (c *checker) policy(w *Wheel) {
	c.checkMetadata(w.DistInfo+"/METADATA", w)
	if !c.opts.AllowStartup {
		project := pep503.Normalize(w.Name)
		for _, n := range slices.Sorted(maps.Keys(w.Startup)) {
			c.add(RuleStartup, n, "%s; allow it explicitly with --allow-startup %s", w.Startup[n], project)
		}
	}
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &CheckError{Wheel: c.filename, Problems: c.problems}
}

func (c *checker) ratioExceeded(uncompressed, compressed int64) bool {
	return uncompressed > c.lim.MinRatioCheckSize && uncompressed > c.lim.MaxCompressionRatio*max(compressed, 1)
}

// checkPath applies RulePath and RuleDrive; it reports whether name is usable.
func (c *checker) checkPath(name string) bool {
	switch {
	case name == "" || name == "/":
		c.add(RulePath, name, "empty name")
		return false
	case !utf8.ValidString(name) || strings.ContainsRune(name, 0):
		c.add(RulePath, name, "not valid UTF-8 or contains NUL")
		return false
	case strings.ContainsFunc(name, unicode.IsControl):
		// Newlines split names in line-based tools (compileall -i), and
		// escape sequences rewrite the terminal that shows them.
		c.add(RulePath, strconv.QuoteToASCII(name), "control character in name")
		return false
	case strings.HasPrefix(name, "/"):
		c.add(RulePath, name, "absolute path")
		return false
	case strings.HasPrefix(name, `\\`) || len(name) >= 2 && name[1] == ':' && isLetter(name[0]):
		c.add(RuleDrive, name, "Windows drive or UNC path")
		return false
	case strings.ContainsRune(name, '\\'):
		c.add(RulePath, name, "backslash in path")
		return false
	}
	elems := strings.Split(strings.TrimSuffix(name, "/"), "/")
	for _, e := range elems {
		switch {
		case e == "..":
			c.add(RulePath, name, `".." element escapes the target directory`)
			return false
		case e == "" || e == ".":
			c.add(RulePath, name, "empty or \".\" path element")
			return false
		case strings.ContainsRune(e, ':'):
			// A colon selects an NTFS alternate data stream or a drive.
			c.add(RuleDrive, name, "colon in path element")
			return false
		}
	}
	if strings.HasPrefix(strings.ToLower(elems[0]), ".pyward") {
		// The unpacked-wheel cache keeps its record and seal beside the
		// wheel's root entries (.pyward-wheel.json, .pyward-seal.json).
		c.add(RuleReserved, name, "names pyward's own state (a root path starting with .pyward)")
		return false
	}
	return true
}

// reservedScript reports whether a script name would overwrite a file the
// environment itself needs (bin/python*, bin/activate*): a wheel could
// otherwise replace the interpreter every other script runs with.
func reservedScript(name string) bool {
	n := strings.ToLower(name)
	return n == "python" || n == "pythonw" || strings.HasPrefix(n, "python3") || strings.HasPrefix(n, "python2") ||
		strings.HasPrefix(n, "activate") || n == "pyvenv.cfg"
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// fold maps names that a case-insensitive file system would confuse to the
// same key.
func fold(s string) string { return strings.ToLower(strings.ToUpper(s)) }

func (c *checker) checkWheelFile(entry string, data []byte, w *Wheel) {
	fields := parseHeaders(data)
	v := fields["wheel-version"]
	major, _, _ := strings.Cut(v, ".")
	if major != "1" {
		c.add(RuleWheelVersion, entry, "Wheel-Version %q is not 1.x", v)
	}
	w.RootIsPurelib = strings.EqualFold(fields["root-is-purelib"], "true")
}

func (c *checker) checkMetadata(entry string, w *Wheel) {
	m, err := metadata.Parse(w.Metadata)
	if err != nil {
		c.add(RuleMetadata, entry, "%v", err)
		return
	}
	// Copies: the parsed values share the whole file's text, which the
	// wheel would keep alive for the rest of the sync.
	w.Name, w.Version = strings.Clone(m.Name), strings.Clone(m.Version)
	di := strings.TrimSuffix(w.DistInfo, ".dist-info")
	diName, diVersion, _ := strings.Cut(di, "-")
	if pep503.Normalize(m.Name) != pep503.Normalize(diName) || !sameVersion(m.Version, diVersion) {
		c.add(RuleMetadata, entry, "names %s %s, but the directory is %s", m.Name, m.Version, w.DistInfo)
	}
	if c.opts.Name != "" && pep503.Normalize(m.Name) != pep503.Normalize(c.opts.Name) {
		c.add(RuleMetadata, entry, "names project %q, the lock expects %q", m.Name, c.opts.Name)
	}
	if c.opts.Version != "" && !sameVersion(m.Version, c.opts.Version) {
		c.add(RuleMetadata, entry, "names version %s, the lock expects %s", m.Version, c.opts.Version)
	}
	if c.opts.Metadata != nil {
		idx, err := metadata.Parse(c.opts.Metadata)
		if err != nil {
			c.add(RuleMetadata, "", "index metadata file: %v", err)
			return
		}
		if pep503.Normalize(idx.Name) != pep503.Normalize(m.Name) || !sameVersion(idx.Version, m.Version) {
			c.add(RuleMetadata, entry, "names %s %s, the index's metadata file names %s %s", m.Name, m.Version, idx.Name, idx.Version)
		}
		a, b := requiresDist(m), requiresDist(idx)
		if !slices.Equal(a, b) {
			c.add(RuleMetadata, entry, "Requires-Dist [%s] differs from the index's metadata file [%s]", strings.Join(a, ", "), strings.Join(b, ", "))
		}
		if m.RequiresPython.String() != idx.RequiresPython.String() {
			c.add(RuleMetadata, entry, "Requires-Python %q differs from the index's metadata file %q", m.RequiresPython.String(), idx.RequiresPython.String())
		}
	}
}

func requiresDist(m *metadata.Metadata) []string {
	out := make([]string, 0, len(m.RequiresDist))
	for _, r := range m.RequiresDist {
		out = append(out, r.String())
	}
	slices.Sort(out)
	return out
}

// sameVersion compares two versions by PEP 440 equality, falling back to
// text for invalid ones.
func sameVersion(a, b string) bool {
	if a == b {
		return true // equality is reflexive, valid or not: no parsing
	}
	va, err1 := pep440.Parse(a)
	vb, err2 := pep440.Parse(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return va.Equal(vb)
}

// parseHeaders reads "Key: value" lines (WHEEL); keys lower-cased, first wins.
func parseHeaders(data []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, seen := out[k]; !seen {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

func readLimited(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// Sized from the entry's declared size, which the reader enforces:
	// one allocation rather than io.ReadAll's doublings. A declared size
	// above maxMetaPrealloc (a hostile one costs nothing until read)
	// grows as it is read.
	var b bytes.Buffer
	b.Grow(int(min(int64(f.UncompressedSize64), limit, maxMetaPrealloc)) + bytes.MinRead)
	_, err = b.ReadFrom(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	data := b.Bytes()
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// maxMetaPrealloc bounds what readLimited allocates from a declared size.
const maxMetaPrealloc = 1 << 20

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (w *limitedBuffer) Write(p []byte) (int, error) {
	if room := w.n - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func b64(sum []byte) string { return base64.RawURLEncoding.EncodeToString(sum) }
