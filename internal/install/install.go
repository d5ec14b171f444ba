package install

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pyward/pyward/internal/redact"
)

// InstallerName is written to INSTALLER.
const InstallerName = "pyward"

// Target is an environment's install scheme.
type Target struct {
	Root                            string // the environment; nothing is written or removed outside it
	Purelib, Platlib, Scripts, Data string // absolute directories
	Headers                         string // headers root; a distribution's go to Headers/<name>
	Python                          string // interpreter for script shebangs
	Staging                         string // staging directory inside Root (same file system)
	PycacheTag                      string // sys.implementation.cache_tag, for RECORD entries of .pyc files

	clone cloneState
	// passed holds the wheels CheckPlan found no problem with, whose
	// destinations Install need not list and check again.
	passed sync.Map // *Wheel → struct{}
}

// DirectURL describes a direct URL install for direct_url.json (PEP 610).
type DirectURL struct {
	URL    string
	SHA256 string // hex
}

// json renders direct_url.json. PEP 610 requires the URL "stripped of any
// sensitive authentication information": its user information is dropped
// (also the ${VAR} placeholders the spec permits; pyward writes none).
func (d *DirectURL) json() []byte {
	data, _ := json.Marshal(map[string]any{
		"url":          redact.URLs(d.URL),
		"archive_info": map[string]any{"hash": "sha256=" + d.SHA256, "hashes": map[string]string{"sha256": d.SHA256}},
	})
	return data
}

// InstallOptions adjusts one installation.
type InstallOptions struct {
	// Link hard-links files from the unpacked tree, which must be private
	// to this installation and removed afterwards (a temporary tree).
	// Otherwise (a tree shared by environments, such as a cache entry) a
	// tree sealed by Seal is hard-linked (read-only files; each link's inode
	// is checked against the seal), and any other tree, or every tree with
	// Copy, is reflinked or copied, each file checked against its RECORD
	// hash as it is written. A check that fails returns ErrTreeChanged.
	Link bool
	// Copy gives the environment files of its own even from a sealed tree.
	Copy bool
	// DirectURL, when set, is recorded in direct_url.json.
	DirectURL *DirectURL
	// Compile lists future .pyc files in RECORD; call Compile afterwards.
	Compile bool
}

// Installed describes an installed distribution.
type Installed struct {
	Name, Version string
	DistInfo      string // absolute path of the .dist-info directory
	Incomplete    bool   // an interrupted install or removal (see Scan and Target.Scan)
	// Installer is the content of INSTALLER; Target.Scan reads it only for
	// a distribution pyward has no complete record of (where it matters).
	Installer string
}

type placed struct {
	key  string // purelib, platlib, scripts, data, headers
	rel  string // slash path below the key's directory
	hash string
	size int64
}

// Install installs the unpacked wheel in src (written by Unpack) into t.
// It returns the installed .py files (absolute) for Compile. A wheel that
// would write a reserved path, another distribution's metadata or one path
// twice is refused before anything is written; CheckPlan also checks the
// environment. That first check is CheckPlan's own first step, so it is
// not repeated for a wheel (the same *Wheel, unchanged since) that
// CheckPlan passed on t.
func (t *Target) Install(ctx context.Context, w *Wheel, src string, opts InstallOptions) (pyFiles []string, err error) {
	if _, passed := t.passed.Load(w); !passed {
		if _, problems := t.destinations(w); len(problems) > 0 {
			return nil, &CheckError{Wheel: w.Filename, Problems: problems}
		}
	}
	if err := os.MkdirAll(t.Staging, 0o755); err != nil {
		return nil, err
	}
	rootKey := "platlib"
	if w.RootIsPurelib {
		rootKey = "purelib"
	}
	project := projectOf(w)
	var seal map[string]fingerprint
	if !opts.Link && !opts.Copy {
		if seal, err = w.sealOf(src); err != nil {
			return nil, err
		}
	}
	st := &stage{dir: t.Staging, prefix: rand.Text() + "-", made: map[string]bool{t.Staging: true}, tops: map[stageTop]string{}}
	defer st.remove()
	var files []placed
	put := st.put
	for _, e := range w.Entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		key, rel, ok := placeEntry(w, e.Name)
		if !ok {
			continue // rewritten below (signatures no longer match an installed RECORD)
		}
		dst, err := put(key, rel)
		if err != nil {
			return nil, err
		}
		from := filepath.Join(src, filepath.FromSlash(e.Name))
		if key == "scripts" {
			if fp, sealed := seal[e.Name]; sealed {
				if got, err := fingerprintOf(from); err != nil || got != fp {
					return nil, fmt.Errorf("%s: %w: its inode changed since it was sealed", from, ErrTreeChanged)
				}
			} else if !opts.Link {
				if err := checkFileHash(from, e.Hash); err != nil {
					return nil, fmt.Errorf("%w: %w", ErrTreeChanged, err)
				}
			}
			h, n, err := installScript(from, dst, t.Python)
			if err != nil {
				return nil, err
			}
			files = append(files, placed{key, rel, h, n})
			continue
		}
		if fp, sealed := seal[e.Name]; sealed {
			err = linkSealed(from, dst, fp)
		} else if opts.Link {
			if err = os.Link(from, dst); err != nil {
				err = t.copyVerified(from, dst, e.Hash, e.Size) // another file system
			}
		} else {
			err = t.copyVerified(from, dst, e.Hash, e.Size)
		}
		if err != nil {
			return nil, err
		}
		files = append(files, placed{key, rel, e.Hash, e.Size})
	}
	// Entry points.
	eps, err := ParseEntryPoints(w.EntryPoints)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.Filename, err)
	}
	for _, ep := range eps {
		dst, err := put("scripts", ep.Name)
		if err != nil {
			return nil, err
		}
		data := ep.Script(t.Python)
		if err := writePlain(dst, data, 0o755); err != nil {
			return nil, err
		}
		files = append(files, placed{"scripts", ep.Name, hashOf(data), int64(len(data))})
	}
	// INSTALLER and direct_url.json.
	extra := map[string][]byte{"INSTALLER": []byte(InstallerName + "\n")}
	if opts.DirectURL != nil {
		extra["direct_url.json"] = opts.DirectURL.json()
	}
	for _, name := range []string{"INSTALLER", "direct_url.json"} {
		data, ok := extra[name]
		if !ok {
			continue
		}
		rel := w.DistInfo + "/" + name
		dst, err := put(rootKey, rel)
		if err != nil {
			return nil, err
		}
		if err := writePlain(dst, data, 0o644); err != nil {
			return nil, err
		}
		files = append(files, placed{rootKey, rel, hashOf(data), int64(len(data))})
	}
	// RECORD, with paths relative to the directory holding the dist-info.
	site := t.dir(rootKey, project)
	var record, own []RecordEntry // own: pyward's record, absolute paths
	for _, f := range files {
		final := filepath.Join(t.dir(f.key, project), filepath.FromSlash(f.rel))
		rel, err := filepath.Rel(site, final)
		if err != nil {
			return nil, err
		}
		rel = filepath.ToSlash(rel)
		record = append(record, RecordEntry{Path: rel, Hash: f.hash, Size: f.size})
		own = append(own, RecordEntry{Path: final, Hash: f.hash, Size: f.size})
		if strings.HasSuffix(f.rel, ".py") && (f.key == "purelib" || f.key == "platlib") {
			pyFiles = append(pyFiles, final)
			if opts.Compile && t.PycacheTag != "" {
				dir, base := filepath.Split(rel)
				pyc := dir + "__pycache__/" + strings.TrimSuffix(base, ".py") + "." + t.PycacheTag + ".pyc"
				record = append(record, RecordEntry{Path: pyc, Size: -1})
				own = append(own, RecordEntry{Path: filepath.Join(site, filepath.FromSlash(pyc)), Size: -1})
			}
		}
	}
	record = append(record, RecordEntry{Path: w.DistInfo + "/RECORD", Size: -1})
	recDst, err := put(rootKey, w.DistInfo+"/RECORD")
	if err != nil {
		return nil, err
	}
	recData := FormatRecord(record)
	if err := writePlain(recDst, recData, 0o644); err != nil {
		return nil, err
	}
	stagedDI := st.tops[stageTop{rootKey, w.DistInfo}]
	finalDI := filepath.Join(site, w.DistInfo)
	own = append(own, RecordEntry{Path: filepath.Join(finalDI, "RECORD"), Hash: hashOf(recData), Size: int64(len(recData))})
	// pyward's record goes first, under its partial name: an interruption
	// from here on leaves a distribution that Target.Scan reports as
	// Incomplete and that Uninstall can remove by that record. Then the
	// dist-info, the rest, and the record's final name.
	if err := t.writeOwnRecord(finalDI, own); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(finalDI); err == nil {
		if err := os.RemoveAll(finalDI); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(site, 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(stagedDI, finalDI); err != nil {
		return nil, err
	}
	delete(st.tops, stageTop{rootKey, w.DistInfo})
	if err := st.move(func(key string) string { return t.dir(key, project) }); err != nil {
		return nil, err
	}
	rp := t.recordPath(finalDI)
	if err := os.Rename(rp+partialSuffix, rp); err != nil {
		return nil, err
	}
	return pyFiles, nil
}

// stage holds an installation's files until they are moved into place.
// Each top-level entry of a scheme directory (a package directory, a
// module, a script, the .dist-info) is staged directly in the shared
// staging directory under a name unique to the installation, and renamed
// onto its final path: no directory is made and removed per installation
// or per scheme key, which on a loaded file system costs as much as
// creating a file.
type stage struct {
	dir    string // the Target's staging directory
	prefix string // unique to the installation
	made   map[string]bool
	tops   map[stageTop]string // staged path of each top-level entry
}

type stageTop struct{ key, name string }

// put returns the staged path of rel (a slash path below key's
// directory), creating its parent directories.
func (s *stage) put(key, rel string) (string, error) {
	name, below, _ := strings.Cut(rel, "/")
	top, ok := s.tops[stageTop{key, name}]
	if !ok {
		top = filepath.Join(s.dir, s.prefix+strconv.Itoa(len(s.tops)))
		s.tops[stageTop{key, name}] = top
	}
	if below == "" {
		return top, nil
	}
	dst := filepath.Join(top, filepath.FromSlash(below))
	return dst, mkdirs(filepath.Dir(dst), s.made)
}

// move moves every staged entry onto its path in the directory dir
// returns for its key (see moveTree), in a fixed order.
func (s *stage) move(dir func(key string) string) error {
	keys := slices.SortedFunc(maps.Keys(s.tops), func(a, b stageTop) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.name, b.name))
	})
	checked := map[string]bool{}
	for _, k := range keys {
		d := dir(k.key)
		if !checked[d] {
			// The scheme directory itself is never a link or a file.
			if fi, err := os.Lstat(d); err == nil && !fi.IsDir() {
				return fmt.Errorf("%s: %w: would install into a %s", d, ErrUnsafe, kind(fi))
			}
			checked[d] = true
		}
		if err := moveTree(s.tops[k], filepath.Join(d, k.name)); err != nil {
			return err
		}
	}
	return nil
}

// remove removes what is left of the staged entries: all of them after a
// failure, the emptied directories of those merged into existing ones.
func (s *stage) remove() {
	for _, top := range s.tops {
		if _, err := os.Lstat(top); err == nil {
			os.RemoveAll(top)
		}
	}
}

// Cleanup removes the staging directory and anything an interrupted run
// left in it. Call it when no Install is running.
func (t *Target) Cleanup() error {
	return os.RemoveAll(t.Staging)
}

func (t *Target) dir(key, project string) string {
	switch key {
	case "purelib":
		return t.Purelib
	case "platlib":
		return t.Platlib
	case "scripts":
		return t.Scripts
	case "headers":
		return filepath.Join(t.Headers, project)
	default:
		return t.Data
	}
}

// moveTree renames src onto dst, merging into existing directories and
// replacing existing files; it refuses to replace a directory by a file,
// a file by a directory, or a symbolic link.
func moveTree(src, dst string) error {
	st, err := os.Lstat(dst)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		err = os.Rename(src, dst)
		if err == nil {
			return nil
		}
		// A concurrent install (a namespace package shared by two
		// distributions) may have created dst in between: merge.
		var lerr error
		if st, lerr = os.Lstat(dst); lerr != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	sst, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if st.Mode()&os.ModeSymlink != 0 || sst.IsDir() != st.IsDir() {
		// CheckPlan refuses these; a directory is never replaced (that
		// would be a recursive delete) and a link never followed.
		return fmt.Errorf("%s: %w: would replace a %s with a %s", dst, ErrUnsafe, kind(st), kind(sst))
	}
	if !sst.IsDir() {
		return os.Rename(src, dst)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := moveTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func kind(fi os.FileInfo) string {
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return "symbolic link"
	case fi.IsDir():
		return "directory"
	}
	return "file"
}

// installScript copies a .data/scripts file and makes it executable. A
// first line starting with "#!python" (the wheel spec's marker, which pip
// also reads in "#!pythonw" and "#!python3.11") is rewritten to run the
// environment's interpreter, keeping the arguments after the name. It
// returns the hash and size of what was written.
func installScript(from, to, python string) (string, int64, error) {
	data, err := readPlain(from)
	if err != nil {
		return "", 0, err
	}
	data = rewriteShebang(data, python)
	if err := writePlain(to, data, 0o755); err != nil {
		return "", 0, err
	}
	return hashOf(data), int64(len(data)), nil
}

// rewriteShebang returns script with a first line starting with "#!python"
// replaced by one that runs python with the line's arguments; any other
// script is returned as it is.
func rewriteShebang(script []byte, python string) []byte {
	if !bytes.HasPrefix(script, []byte("#!python")) {
		return script
	}
	first, rest, _ := bytes.Cut(script, []byte("\n"))
	line := strings.TrimRight(string(first), "\r")
	args := ""
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		args = strings.TrimSpace(line[i:])
	}
	return append(shebang(python, args), rest...)
}

// maxShebang is the longest "#!" line Linux executes (BINPRM_BUF_SIZE 128
// minus "#!" and the newline).
const maxShebang = 127

// shebang returns the first line(s) that run a script with python and args
// ("" for none; the kernel passes them as one argument). A path with white
// space, or a line too long for the kernel, uses a /bin/sh trampoline that
// Python reads as a string literal.
func shebang(python, args string) []byte {
	line := python
	if args != "" {
		line += " " + args
	}
	if len(line)+2 <= maxShebang && !strings.ContainsAny(python, " \t\n") {
		return []byte("#!" + line + "\n")
	}
	cmd := shellQuote(python)
	if args != "" {
		cmd += " " + shellQuote(args)
	}
	return []byte("#!/bin/sh\n'''exec' " + cmd + " \"$0\" \"$@\"\n' '''\n")
}

// shellQuote quotes s as one POSIX shell word. The result never holds three
// quotes in a row, which would end the trampoline's Python string.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256=" + b64(sum[:])
}

// EntryPoint is a console_scripts or gui_scripts entry.
type EntryPoint struct {
	Name   string // script name
	Module string // dotted module
	Attr   string // dotted attribute to call
	GUI    bool
}

// Entry-point patterns, compiled on first use rather than at start-up.
var (
	dotted = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	})
	scriptName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+-]*$`) })
)

// ParseEntryPoints reads the console_scripts and gui_scripts sections of an
// entry_points.txt (INI syntax). Names must be plain file names and targets
// "module:attr" with Python identifiers, since both end up in files and
// generated code.
func ParseEntryPoints(data []byte) ([]EntryPoint, error) {
	var out []EntryPoint
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, MaxMetaFileSize)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' || s[0] == ';' {
			continue
		}
		if s[0] == '[' {
			section = strings.TrimSpace(strings.Trim(s, "[]"))
			continue
		}
		if section != "console_scripts" && section != "gui_scripts" {
			continue
		}
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("entry_points.txt:%d: expected name = module:attr", line)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if i := strings.IndexByte(value, '['); i >= 0 {
			value = strings.TrimSpace(value[:i]) // extras are not installed by entry points
		}
		mod, attr, _ := strings.Cut(value, ":")
		mod, attr = strings.TrimSpace(mod), strings.TrimSpace(attr)
		if !scriptName().MatchString(name) || name == "." || name == ".." {
			return nil, fmt.Errorf("entry_points.txt:%d: script name %q is not a plain file name", line, name)
		}
		if !dotted().MatchString(mod) || !dotted().MatchString(attr) {
			return nil, fmt.Errorf("entry_points.txt:%d: %q is not module:attr", line, value)
		}
		out = append(out, EntryPoint{Name: name, Module: mod, Attr: attr, GUI: section == "gui_scripts"})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("entry_points.txt: %w", err)
	}
	return out, nil
}

// Script renders the launcher for python.
func (ep EntryPoint) Script(python string) []byte {
	top, rest, _ := strings.Cut(ep.Attr, ".")
	call := "_entry"
	if rest != "" {
		call += "." + rest
	}
	var b bytes.Buffer
	b.Write(shebang(python, ""))
	fmt.Fprintf(&b, "# Entry point %s = %s:%s, installed by pyward.\nimport sys\nfrom %s import %s as _entry\nif __name__ == \"__main__\":\n    sys.exit(%s())\n",
		ep.Name, ep.Module, ep.Attr, ep.Module, top, call)
	return b.Bytes()
}

// ErrOutside is returned by Uninstall for a RECORD path outside the
// environment; such paths are never removed.
var ErrOutside = errors.New("RECORD path outside the environment")

// Uninstall removes the distribution whose dist-info directory is distInfo
// (absolute): every file of pyward's record of it (the files pyward wrote
// when it installed it), the .pyc files of listed .py files, directories left
// empty, then the dist-info directory. A distribution pyward did not install
// (or whose record is lost) is removed by its RECORD, but never a reserved
// path, another distribution's metadata or a file pyward recorded for
// another distribution. Paths that would leave t.Root are not touched and
// reported.
func (t *Target) Uninstall(distInfo string) error {
	if !within(t.Root, distInfo) {
		return fmt.Errorf("%s: %w", distInfo, ErrOutside)
	}
	site := filepath.Dir(distInfo)
	entries, own, err := t.installedFiles(distInfo)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("uninstall %s: %w", filepath.Base(distInfo), err)
	}
	var outside []string
	var files []RecordEntry
	var others map[string]bool
	for _, e := range entries {
		switch {
		case !within(t.Root, e.Path):
			rel, _ := filepath.Rel(site, e.Path)
			outside = append(outside, filepath.ToSlash(rel))
			continue
		case within(distInfo, e.Path):
			continue // removed with the directory
		}
		if r, _ := t.reserved(e.Path); r != "" {
			continue
		}
		if !own {
			if t.foreignMetadata(distInfo, e.Path) {
				continue
			}
			if others == nil {
				others = t.recordedFiles(distInfo)
			}
			if others[e.Path] {
				continue
			}
		}
		files = append(files, e)
	}
	// Mark first, so an interruption is visible to the next Scan.
	rp := t.recordPath(distInfo)
	if own {
		if err := os.Rename(rp, rp+partialSuffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	} else if err := t.writeOwnRecord(distInfo, files); err != nil {
		return fmt.Errorf("uninstall %s: %w", filepath.Base(distInfo), err)
	}
	dirs := map[string]bool{}
	for _, e := range files {
		p := e.Path
		if st, err := os.Lstat(p); err == nil && st.IsDir() {
			continue // a record lists files; a directory is left to the empty-dir sweep
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("uninstall %s: %w", filepath.Base(distInfo), err)
		}
		dirs[filepath.Dir(p)] = true
		if strings.HasSuffix(p, ".py") {
			cache := filepath.Join(filepath.Dir(p), "__pycache__")
			stem := strings.TrimSuffix(filepath.Base(p), ".py")
			if matches, _ := filepath.Glob(filepath.Join(cache, globEscape(stem)+".*.pyc")); len(matches) > 0 {
				for _, m := range matches {
					os.Remove(m)
				}
			}
			dirs[cache] = true
		}
	}
	if err := os.RemoveAll(distInfo); err != nil {
		return err
	}
	if err := os.Remove(rp + partialSuffix); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// The state directory goes with the last record (fails while not empty).
	if os.Remove(filepath.Dir(rp)) == nil {
		os.Remove(filepath.Dir(filepath.Dir(rp)))
	}
	// Remove directories left empty, deepest first, never a scheme root.
	keep := map[string]bool{t.Root: true, t.Purelib: true, t.Platlib: true, t.Scripts: true, t.Data: true, t.Headers: true, site: true}
	list := make([]string, 0, len(dirs))
	for d := range dirs {
		list = append(list, d)
	}
	slices.SortFunc(list, func(a, b string) int { return len(b) - len(a) })
	for _, d := range list {
		for d != "" && !keep[d] && within(t.Root, d) {
			if os.Remove(d) != nil {
				break
			}
			d = filepath.Dir(d)
		}
	}
	if len(outside) > 0 {
		return fmt.Errorf("uninstall %s: %w, not removed: %s", filepath.Base(distInfo), ErrOutside, strings.Join(outside, ", "))
	}
	return nil
}

// foreignMetadata reports whether p is inside a site directory's metadata
// directory other than distInfo.
func (t *Target) foreignMetadata(distInfo, p string) bool {
	for _, site := range []string{t.Purelib, t.Platlib} {
		rel, err := filepath.Rel(site, p)
		if err != nil || !within(site, p) || rel == "." {
			continue
		}
		first, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		if metadataDir(first) && first != filepath.Base(distInfo) {
			return true
		}
	}
	return false
}

// recordedFiles returns every file (absolute) of pyward's records other
// than distInfo's.
func (t *Target) recordedFiles(distInfo string) map[string]bool {
	out := map[string]bool{}
	dir := filepath.Join(t.Root, StateDir, recordsDir)
	self := filepath.Base(t.recordPath(distInfo))
	names, _ := os.ReadDir(dir)
	for _, n := range names {
		if n.Name() == self || n.Name() == self+partialSuffix || strings.HasPrefix(n.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n.Name()))
		if err != nil {
			continue
		}
		entries, err := parseOwnRecord(data)
		if err != nil {
			continue
		}
		for _, e := range entries {
			out[filepath.Join(t.Root, filepath.FromSlash(e.Path))] = true
		}
	}
	return out
}

func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	return r.Replace(s)
}

// within reports whether p is root or below it.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// Scan lists the distributions installed in the site directories (purelib
// and platlib; duplicates removed), sorted by directory name.
func Scan(siteDirs ...string) ([]Installed, error) {
	return scan(siteDirs, nil)
}

// scan is Scan; INSTALLER is read only for the distributions for which
// wantInstaller (nil: all) returns true, since it costs a file open each.
// The dist-info directories are read on as many workers as there are CPUs:
// in a sync that changes nothing, this scan is on the critical path, and
// each distribution costs a few system calls of its own.
func scan(siteDirs []string, wantInstaller func(distInfo string) bool) ([]Installed, error) {
	var out []Installed
	seen := map[string]bool{}
	for _, dir := range siteDirs {
		if seen[dir] {
			continue
		}
		seen[dir] = true
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !e.IsDir() || !strings.HasSuffix(e.Name(), ".dist-info") {
				continue
			}
			name, version, _ := strings.Cut(strings.TrimSuffix(e.Name(), ".dist-info"), "-")
			out = append(out, Installed{DistInfo: filepath.Join(dir, e.Name()), Name: name, Version: version})
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(out)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(out) {
					return
				}
				readDistInfo(&out[i], wantInstaller)
			}
		})
	}
	wg.Wait()
	return out, nil
}

// readDistInfo fills in from its dist-info directory what scan reports of
// in: name and version from METADATA, whether RECORD is there, INSTALLER.
func readDistInfo(in *Installed, wantInstaller func(distInfo string) bool) {
	di := in.DistInfo
	if n, v, ok := readNameVersion(filepath.Join(di, "METADATA")); ok {
		in.Name, in.Version = n, v
	} else {
		in.Incomplete = true // no usable METADATA: broken
	}
	if _, err := os.Lstat(filepath.Join(di, "RECORD")); err != nil {
		in.Incomplete = true
	}
	if wantInstaller == nil || wantInstaller(di) {
		if b, err := os.ReadFile(filepath.Join(di, "INSTALLER")); err == nil {
			in.Installer = strings.TrimSpace(string(b))
		}
	}
}

// Verify checks that every file pyward recorded for an installed
// distribution (or, for one it did not install, its RECORD lists) exists
// with the recorded size, at the cost of one stat per file; with full, it
// also reads every file and compares its hash, so that an edit that keeps
// the size is found too.
func (t *Target) Verify(in Installed, full bool) error {
	if !full {
		if ok, err := t.verifyOwnSizes(in.DistInfo); ok {
			return err
		}
	}
	return t.verifyFiles(in.DistInfo, full)
}

// verifyFiles is Verify through installedFiles, for any distribution.
func (t *Target) verifyFiles(distInfo string, full bool) error {
	entries, _, err := t.installedFiles(distInfo)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Hash == "" {
			continue // .pyc files: may legitimately be absent
		}
		if !within(t.Root, e.Path) {
			return fmt.Errorf("%s: %w", e.Path, ErrOutside)
		}
		st, err := os.Lstat(e.Path)
		if err != nil {
			return err
		}
		if err := checkInstalledStat(func() string { return e.Path }, st.Mode().IsRegular(), st.Size(), e.Size); err != nil {
			return err
		}
		if full {
			if err := checkFileHash(e.Path, e.Hash); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkInstalledStat is Verify's check of one installed file's lstat: a
// regular file (a link is not followed) of the recorded size (recorded < 0:
// none recorded). path names the file in an error only, so that a file
// that passes costs no path string.
func checkInstalledStat(path func() string, regular bool, size, recorded int64) error {
	if !regular {
		return fmt.Errorf("%s: not a regular file", path())
	}
	if recorded >= 0 && size != recorded {
		return fmt.Errorf("%s: size %d, the record says %d", path(), size, recorded)
	}
	return nil
}

// scanBuffers hold the first buffer of readNameVersion's scanner (a
// scanner allocates and clears one per file otherwise).
var scanBuffers = sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}

// readNameVersion reads Name and Version from the header of a METADATA file.
func readNameVersion(path string) (name, version string, ok bool) {
	f, err := openPlain(path)
	if err != nil {
		return "", "", false
	}
	defer f.Close()
	buf := scanBuffers.Get().(*[]byte)
	defer scanBuffers.Put(buf)
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	sc.Buffer(*buf, bufio.MaxScanTokenSize)
	// Lines are read as bytes: only the two values become strings, not
	// every header line (classifiers make up most of them).
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			break
		}
		k, v, found := bytes.Cut(line, []byte(":"))
		if !found {
			continue
		}
		switch k = bytes.TrimSpace(k); {
		case bytes.EqualFold(k, []byte("name")):
			name = string(bytes.TrimSpace(v))
		case bytes.EqualFold(k, []byte("version")):
			version = string(bytes.TrimSpace(v))
		}
	}
	return name, version, name != "" && version != ""
}
