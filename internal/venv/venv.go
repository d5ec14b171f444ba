// Package venv finds a Python interpreter, learns what pyward needs to know
// about it, and creates and opens virtual environments without running
// "python -m venv".
//
// # Interpreter query
//
// The interpreter is asked once, with "python -I -S -c <script>" (isolated
// mode, no site module: no sitecustomize, no .pth file, no package code runs),
// for its version, implementation, sys.platform, platform.machine, glibc
// version (os.confstr), macOS version, ABI flags, SOABI, EXT_SUFFIX, the
// sysconfig "venv" install scheme with a placeholder prefix, and the PEP 508
// marker environment. The answer is cached as JSON under the cache directory,
// keyed by the interpreter path, size and modification time, and also
// records the real executable's size and mtime so that an upgraded Python
// (or a pyenv shim now pointing elsewhere) is queried again.
//
// PEP 425 tags are derived in Go by package pep425 from that answer, following
// pypa/packaging's sys_tags: CPython ABI cpXY (+"d" for debug builds, "t" for
// free-threaded ones), platforms manylinux (PEP 600, newest glibc first) then
// linux_<arch> on glibc Linux, macOS via pep425.MacPlatforms, win_amd64 /
// win32 / win_arm64 on Windows. Deviation: musllinux tags are not derived
// (packaging reads the musl loader's version from the interpreter's ELF
// header); a musl interpreter accepts only linux_<arch> and pure wheels.
//
// # Virtual environments (the "venv" module's layout, PEP 405)
//
// Create writes, for POSIX systems (Linux and macOS; Windows' Scripts\ layout
// is not produced):
//
//	<dir>/pyvenv.cfg        home, include-system-site-packages = false,
//	                        version, executable, command
//	<dir>/bin/<exe>         symlink to the base interpreter (absolute),
//	                        <exe> being its file name (python3, python3.X...)
//	<dir>/bin/python, python3, python3.X
//	                        symlinks to <exe> (those not named <exe>)
//	<dir>/bin/activate      a POSIX shell activation script
//	<dir>/include/
//	<dir>/lib/python3.X/site-packages/
//	<dir>/lib64 -> lib      on 64-bit non-macOS POSIX, as CPython's venv does
//
// The interpreter's site module recognises the environment by pyvenv.cfg
// next to (or one level above) the executable, so python, pip ("pip
// --python") and every venv-aware tool see a normal virtual environment.
// pip itself is not installed into it.
package venv

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
)

//go:embed query.py
var queryScript string

// placeholder is substituted by the environment directory in the sysconfig
// paths returned by the query script.
const placeholder = "@PYWARD_VENV@"

// QueryTimeout bounds one interpreter query.
const QueryTimeout = 30 * time.Second

// cacheVersion is bumped whenever the query script or Info changes shape.
const cacheVersion = 1

// Info is what the interpreter reported about itself.
type Info struct {
	Executable     string            `json:"executable"`
	BaseExecutable string            `json:"base_executable"`
	Prefix         string            `json:"prefix"`
	BasePrefix     string            `json:"base_prefix"`
	Version        [3]int            `json:"version"`
	Implementation string            `json:"implementation"` // sys.implementation.name, e.g. "cpython"
	CacheTag       string            `json:"cache_tag"`
	PlatLibDir     string            `json:"platlibdir"`
	ABIFlags       string            `json:"abiflags"`
	SOABI          string            `json:"soabi"`
	ExtSuffix      string            `json:"ext_suffix"`
	PyDebug        bool              `json:"py_debug"`
	GILDisabled    bool              `json:"gil_disabled"`
	Is64           bool              `json:"is64"`
	Glibc          string            `json:"glibc"`   // "glibc 2.36" or ""
	MacVer         string            `json:"mac_ver"` // "14.4" or ""
	Paths          map[string]string `json:"paths"`   // sysconfig venv scheme, prefix = placeholder
	Markers        map[string]string `json:"markers"` // PEP 508 environment
}

// Interpreter is a queried Python interpreter.
type Interpreter struct {
	Path string // as given or found on PATH
	Info Info
}

// Find returns the interpreter to use: path when it is not empty (a file
// path or a command name looked up on PATH), else "python3" on PATH.
func Find(path string) (string, error) {
	if path == "" {
		path = "python3"
	}
	if strings.ContainsRune(path, os.PathSeparator) {
		st, err := os.Stat(path)
		if err != nil {
			return "", fmt.Errorf("python interpreter %s: %w", path, err)
		}
		if st.IsDir() {
			// A virtual environment directory: use its interpreter.
			return Find(filepath.Join(path, "bin", "python"))
		}
		return filepath.Abs(path)
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("no Python interpreter: %w (use --python PATH)", err)
	}
	return filepath.Abs(p)
}

type cacheEntry struct {
	Version   int    `json:"v"`
	Path      string `json:"path"`
	Size      int64  `json:"size"`
	MTime     int64  `json:"mtime"`
	RealSize  int64  `json:"real_size"`
	RealMTime int64  `json:"real_mtime"`
	Info      Info   `json:"info"`
}

func stamp(path string) (size, mtime int64, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	return st.Size(), st.ModTime().UnixNano(), nil
}

// Query runs the query script in the interpreter at path, or returns the
// cached answer from cacheDir ("" disables caching).
func Query(ctx context.Context, path, cacheDir string) (*Interpreter, error) {
	size, mtime, err := stamp(path)
	if err != nil {
		return nil, fmt.Errorf("python interpreter: %w", err)
	}
	cacheFile := cachePath(path, cacheDir)
	if in := fromCache(path, cacheFile, size, mtime); in != nil {
		return in, nil
	}
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	cmd := exec.CommandContext(qctx, path, "-I", "-S", "-c", queryScript)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// A stopped query reports why it was stopped, not the
		// "signal: killed" of the process.
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("query python interpreter %s: %w", path, cerr)
		}
		if qctx.Err() != nil {
			return nil, fmt.Errorf("query python interpreter %s: no answer within %s: %w", path, QueryTimeout, qctx.Err())
		}
		return nil, fmt.Errorf("query python interpreter %s: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	var info Info
	if err := json.Unmarshal(out, &info); err != nil {
		return nil, fmt.Errorf("query python interpreter %s: unexpected answer: %w", path, err)
	}
	if info.Version[0] < 3 {
		return nil, fmt.Errorf("python interpreter %s is Python %d.%d; pyward needs Python 3", path, info.Version[0], info.Version[1])
	}
	in := &Interpreter{Path: path, Info: info}
	if cacheFile != "" {
		rs, rm, err := stamp(info.Executable)
		if err == nil {
			e := cacheEntry{cacheVersion, path, size, mtime, rs, rm, info}
			if data, err := json.Marshal(e); err == nil {
				// A cache that cannot be written (or is lost in a crash)
				// only costs a query next time: no fsync, which on a
				// cold sync would wait for the journal to commit the
				// files unpacked meanwhile.
				if os.MkdirAll(filepath.Dir(cacheFile), 0o755) == nil {
					_ = atomicfile.WriteFileNoSync(cacheFile, data, 0o644)
				}
			}
		}
	}
	return in, nil
}

// Cached reports whether Query would answer for path from cacheDir,
// without running the interpreter.
func Cached(path, cacheDir string) bool {
	size, mtime, err := stamp(path)
	return err == nil && fromCache(path, cachePath(path, cacheDir), size, mtime) != nil
}

// cachePath is the file in cacheDir that caches the answer of the
// interpreter at path; "" if cacheDir is.
func cachePath(path, cacheDir string) string {
	if cacheDir == "" {
		return ""
	}
	return filepath.Join(cacheDir, "interpreters", strconv.FormatUint(fnv64(path), 16)+".json")
}

// fromCache returns the answer cached in cacheFile for the interpreter at
// path, if neither path (size, mtime) nor the executable it runs changed
// since; nil otherwise.
func fromCache(path, cacheFile string, size, mtime int64) *Interpreter {
	if cacheFile == "" {
		return nil
	}
	data, err := os.ReadFile(cacheFile)
	if err != nil {
		return nil
	}
	var e cacheEntry
	if json.Unmarshal(data, &e) != nil || e.Version != cacheVersion || e.Path != path || e.Size != size || e.MTime != mtime {
		return nil
	}
	if rs, rm, err := stamp(e.Info.Executable); err != nil || rs != e.RealSize || rm != e.RealMTime {
		return nil
	}
	return &Interpreter{Path: path, Info: e.Info}
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// VersionString returns "X.Y.Z".
func (in *Interpreter) VersionString() string {
	v := in.Info.Version
	return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2])
}

// Short returns "X.Y".
func (in *Interpreter) Short() string {
	return fmt.Sprintf("%d.%d", in.Info.Version[0], in.Info.Version[1])
}

// Environment returns the PEP 508 marker environment of the interpreter.
func (in *Interpreter) Environment() pep508.Environment {
	env := pep508.Environment{}
	for k, v := range in.Info.Markers {
		env[k] = v
	}
	return env
}

// CheckRequiresPython reports whether the interpreter's full version is in the
// specifier set spec ("" always holds).
func (in *Interpreter) CheckRequiresPython(spec string) error {
	if strings.TrimSpace(spec) == "" {
		return nil
	}
	set, err := pep440.ParseSpecifierSet(spec)
	if err != nil {
		return fmt.Errorf("requires-python %q: %w", spec, err)
	}
	v, err := pep440.Parse(in.Info.Markers["python_full_version"])
	if err != nil {
		v, err = pep440.Parse(in.VersionString())
		if err != nil {
			return err
		}
	}
	if !set.Contains(v, true) {
		return fmt.Errorf("python %s (%s) does not satisfy requires-python %q", in.VersionString(), in.Path, spec)
	}
	return nil
}

// Tags returns the interpreter's PEP 425 tags, most preferred first.
func (in *Interpreter) Tags() []pep425.Tag {
	return in.Pep425().Tags()
}

// Pep425 returns the pep425 description of the interpreter.
func (in *Interpreter) Pep425() pep425.Interpreter {
	i := in.Info
	ver := [2]int{i.Version[0], i.Version[1]}
	xy := strconv.Itoa(ver[0]) + strconv.Itoa(ver[1])
	var p pep425.Interpreter
	p.Version = ver
	switch i.Implementation {
	case "cpython":
		p.Implementation = pep425.CPython
		flags := ""
		if i.GILDisabled {
			flags += "t"
		}
		if i.PyDebug {
			flags += "d"
		}
		p.ABIs = []string{"cp" + xy + flags}
		if i.PyDebug {
			// packaging also accepts the release ABI for debug builds.
			p.ABIs = append(p.ABIs, "cp"+xy+strings.TrimSuffix(flags, "d"))
		}
	case "pypy":
		p.Implementation = pep425.PyPy
		p.Name = "pp" + xy
		if i.SOABI != "" {
			p.ABIs = []string{strings.NewReplacer("-", "_", ".", "_").Replace(i.SOABI)}
		}
	default:
		p.Implementation = i.Implementation
		if i.SOABI != "" {
			p.ABIs = []string{strings.NewReplacer("-", "_", ".", "_").Replace(i.SOABI)}
		}
	}
	p.Platforms = platforms(i)
	return p
}

// platforms returns the platform tags of the interpreter, most preferred
// first, as packaging's platform_tags.
func platforms(i Info) []string {
	machine := strings.ToLower(i.Markers["platform_machine"])
	switch sp := i.Markers["sys_platform"]; {
	case strings.HasPrefix(sp, "linux"):
		arch := machine
		if !i.Is64 {
			switch arch {
			case "x86_64":
				arch = "i686"
			case "aarch64":
				arch = "armv8l"
			}
		}
		var out []string
		if maj, min, ok := glibcVersion(i.Glibc); ok {
			out = pep425.ManylinuxPlatforms(arch, maj, min)
		}
		return append(out, "linux_"+arch)
	case sp == "darwin":
		maj, min := 10, 16
		if f := strings.Split(i.MacVer, "."); len(f) >= 2 {
			maj, _ = strconv.Atoi(f[0])
			min, _ = strconv.Atoi(f[1])
		} else if len(f) == 1 && f[0] != "" {
			maj, _ = strconv.Atoi(f[0])
			min = 0
		}
		return pep425.MacPlatforms(maj, min, machine)
	case sp == "win32":
		switch machine {
		case "amd64", "x86_64":
			if i.Is64 {
				return []string{"win_amd64"}
			}
			return []string{"win32"}
		case "arm64":
			return []string{"win_arm64"}
		}
		return []string{"win32"}
	}
	return []string{strings.NewReplacer("-", "_", ".", "_", " ", "_").Replace(i.Markers["sys_platform"] + "_" + machine)}
}

// glibcVersion parses os.confstr("CS_GNU_LIBC_VERSION"), e.g. "glibc 2.36".
func glibcVersion(s string) (maj, min int, ok bool) {
	name, ver, found := strings.Cut(strings.TrimSpace(s), " ")
	if !found || name != "glibc" {
		return 0, 0, false
	}
	a, b, found := strings.Cut(ver, ".")
	if !found {
		return 0, 0, false
	}
	// Some distributions append text ("2.17-custom"); keep leading digits.
	if i := strings.IndexFunc(b, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		b = b[:i]
	}
	maj, err1 := strconv.Atoi(a)
	min, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return maj, min, true
}

// Venv is a virtual environment on disk.
type Venv struct {
	Dir    string       // absolute
	Python string       // Dir/bin/python
	Base   *Interpreter // the interpreter it was created from (queried)
	Paths  Paths
}

// Paths are the install scheme directories of a virtual environment.
type Paths struct {
	Purelib, Platlib, Scripts, Data, Include string
}

// Headers returns the directory where a wheel's .data/headers of dist go
// (pip's layout: <venv>/include/site/pythonX.Y/<dist>).
func (v *Venv) Headers(dist string) string {
	return filepath.Join(v.Dir, "include", "site", "python"+v.Base.Short(), dist)
}

// ErrNotVenv is returned by Open for a directory without pyvenv.cfg, and
// by CheckNew and Create for a directory that holds something else.
var ErrNotVenv = errors.New("not a virtual environment (no pyvenv.cfg)")

// CheckNew reports whether a virtual environment may be created in dir:
// dir must not exist yet or be an empty directory. A directory that holds
// anything else (a project, a home directory, ".") is refused, so that a
// mistyped --venv never turns it into an environment.
func CheckNew(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %w: it is a file", dir, ErrNotVenv)
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if len(names) > 0 {
		return fmt.Errorf("%s: %w, and not empty: refusing to create a virtual environment there (name a new or empty directory, or an existing environment)", dir, ErrNotVenv)
	}
	return nil
}

// Open opens the virtual environment in dir, querying (with cache) its
// interpreter.
func Open(ctx context.Context, dir, cacheDir string) (*Venv, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "pyvenv.cfg")); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotVenv)
	}
	py := filepath.Join(dir, "bin", "python")
	in, err := Query(ctx, py, cacheDir)
	if err != nil {
		return nil, fmt.Errorf("virtual environment %s: %w", dir, err)
	}
	return newVenv(dir, in), nil
}

// Layout returns the environment Create would make in dir, without
// creating anything (to check an install plan before the environment
// exists).
func Layout(dir string, in *Interpreter) *Venv { return newVenv(dir, in) }

func newVenv(dir string, in *Interpreter) *Venv {
	sub := func(k string) string {
		p := in.Info.Paths[k]
		if p == "" {
			return ""
		}
		return filepath.Clean(strings.ReplaceAll(p, placeholder, dir))
	}
	v := &Venv{Dir: dir, Python: filepath.Join(dir, "bin", "python"), Base: in}
	v.Paths = Paths{Purelib: sub("purelib"), Platlib: sub("platlib"), Scripts: sub("scripts"), Data: sub("data"), Include: sub("include")}
	short := "python" + in.Short()
	if v.Paths.Purelib == "" {
		v.Paths.Purelib = filepath.Join(dir, "lib", short, "site-packages")
	}
	if v.Paths.Platlib == "" {
		v.Paths.Platlib = v.Paths.Purelib
	}
	if v.Paths.Scripts == "" {
		v.Paths.Scripts = filepath.Join(dir, "bin")
	}
	if v.Paths.Data == "" {
		v.Paths.Data = dir
	}
	return v
}

// Create creates a virtual environment for the interpreter in dir (which
// must not contain pyvenv.cfg yet; an empty or missing directory is fine).
// It does what "python -m venv --without-pip dir" does on POSIX; see the
// package comment.
func Create(ctx context.Context, dir string, in *Interpreter) (*Venv, error) {
	if runtime.GOOS == "windows" {
		return nil, errors.New("creating virtual environments on Windows is not supported; create it with python -m venv")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "pyvenv.cfg")); err == nil {
		return nil, fmt.Errorf("%s already is a virtual environment", dir)
	}
	if err := CheckNew(dir); err != nil {
		return nil, err
	}
	base := in.Info.BaseExecutable
	if base == "" {
		base = in.Info.Executable
	}
	base, err = filepath.Abs(base)
	if err != nil {
		return nil, err
	}
	v := newVenv(dir, in)
	short := "python" + in.Short()
	for _, d := range []string{filepath.Join(dir, "bin"), filepath.Join(dir, "include"), v.Paths.Purelib, v.Paths.Platlib} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("create virtual environment: %w", err)
		}
	}
	if in.Info.Is64 && runtime.GOOS != "darwin" {
		lib64 := filepath.Join(dir, "lib64")
		if _, err := os.Lstat(lib64); errors.Is(err, os.ErrNotExist) {
			if err := os.Symlink("lib", lib64); err != nil {
				return nil, fmt.Errorf("create virtual environment: %w", err)
			}
		}
	}
	// As CPython's venv: the interpreter's own name links to it, the
	// other names link to that name.
	exe := filepath.Base(base)
	links := [][2]string{{exe, base}}
	for _, n := range []string{"python", "python3", short} {
		if n != exe {
			links = append(links, [2]string{n, exe})
		}
	}
	for _, l := range links {
		p := filepath.Join(dir, "bin", l[0])
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if err := os.Symlink(l[1], p); err != nil {
			return nil, fmt.Errorf("create virtual environment: %w", err)
		}
	}
	// Neither file is synced: like the files installed into the
	// environment (and like python -m venv), they are not worth waiting
	// for a journal commit of everything written before them.
	if err := atomicfile.WriteFileNoSync(filepath.Join(dir, "bin", "activate"), []byte(activateScript(dir)), 0o644); err != nil {
		return nil, fmt.Errorf("create virtual environment: %w", err)
	}
	real, err := filepath.EvalSymlinks(base)
	if err != nil {
		real = base
	}
	cfg := fmt.Sprintf("home = %s\ninclude-system-site-packages = false\nversion = %s\nexecutable = %s\ncommand = %s -m venv --without-pip %s\n",
		filepath.Dir(base), in.VersionString(), real, base, dir)
	// pyvenv.cfg is written last: its presence marks a complete environment.
	if err := atomicfile.WriteFileNoSync(filepath.Join(dir, "pyvenv.cfg"), []byte(cfg), 0o644); err != nil {
		return nil, fmt.Errorf("create virtual environment: %w", err)
	}
	return v, nil
}

// activateScript is a minimal POSIX sh activation script (source it).
func activateScript(dir string) string {
	q := "'" + strings.ReplaceAll(dir, "'", `'\''`) + "'"
	return `# Source this file in a POSIX shell: . bin/activate
deactivate () {
    if [ -n "${_OLD_VIRTUAL_PATH:-}" ]; then PATH="$_OLD_VIRTUAL_PATH"; export PATH; unset _OLD_VIRTUAL_PATH; fi
    if [ -n "${_OLD_VIRTUAL_PS1:-}" ]; then PS1="$_OLD_VIRTUAL_PS1"; export PS1; unset _OLD_VIRTUAL_PS1; fi
    unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT
    hash -r 2>/dev/null
    if [ "${1:-}" != nondestructive ]; then unset -f deactivate; fi
}
deactivate nondestructive
VIRTUAL_ENV=` + q + `
export VIRTUAL_ENV
_OLD_VIRTUAL_PATH="$PATH"
PATH="$VIRTUAL_ENV/bin:$PATH"
export PATH
VIRTUAL_ENV_PROMPT="($(basename "$VIRTUAL_ENV")) "
export VIRTUAL_ENV_PROMPT
if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT:-}" ]; then _OLD_VIRTUAL_PS1="${PS1:-}"; PS1="$VIRTUAL_ENV_PROMPT${PS1:-}"; export PS1; fi
hash -r 2>/dev/null
`
}
