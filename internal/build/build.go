package build

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/metadata"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/pyproject"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/venv"
)

//go:embed hook.py
var hookScript string

// Limits and defaults.
const (
	// HookTimeout bounds one hook subprocess (Options.Timeout overrides).
	HookTimeout = 5 * time.Minute
	// DefaultJobs bounds concurrent builds: each one is a Python process
	// and a virtual environment.
	DefaultJobs = 2
	// OutputTailLines is how many trailing lines of a failed hook's output
	// the error shows.
	OutputTailLines = 25
	// maxOutput is how many trailing bytes of hook output are kept.
	maxOutput = 64 << 10
	// killGrace is how long a killed hook may keep its output pipes open.
	killGrace = 5 * time.Second
	// cacheSubdir holds built metadata below Options.CacheDir.
	cacheSubdir = "build-metadata-v1"
)

// ErrTimeout is wrapped by a *HookError when a hook ran out of time.
var ErrTimeout = errors.New("timed out")

// Options configures a Builder.
type Options struct {
	// Python is the interpreter to build with: a path or a command name
	// ("" means python3 on PATH; see venv.Find).
	Python string
	// CacheDir is pyward's cache root: built metadata goes to
	// <CacheDir>/build-metadata-v1 and interpreter queries are cached as
	// venv.Query does. "" disables both caches.
	CacheDir string
	// TempDir holds the temporary build directories ("" → os.TempDir()).
	TempDir string
	// Timeout bounds each hook subprocess (0 → HookTimeout).
	Timeout time.Duration
	// Jobs bounds concurrent builds (0 → DefaultJobs).
	Jobs int
	// Logf receives progress messages (nil → silent).
	Logf func(format string, args ...any)
}

// Builder builds metadata of sdists. It is safe for concurrent use; one
// sdist is built at most once per Builder (failures caused by a cancelled
// context excepted).
type Builder struct {
	client *index.Client
	opts   Options
	sem    chan struct{}

	mu      sync.Mutex
	flights map[string]*flight // sdist URL → build

	interpMu sync.Mutex // held while locating and querying the interpreter
	interp   *venv.Interpreter
}

type flight struct {
	done chan struct{}
	md   *metadata.Metadata
	raw  []byte
	err  error
}

// New returns a Builder that downloads sdists and build requirements with
// client.
func New(client *index.Client, opts Options) *Builder {
	if opts.Timeout <= 0 {
		opts.Timeout = HookTimeout
	}
	if opts.Jobs <= 0 {
		opts.Jobs = DefaultJobs
	}
	return &Builder{client: client, opts: opts, sem: make(chan struct{}, opts.Jobs), flights: map[string]*flight{}}
}

func (b *Builder) logf(format string, args ...any) {
	if b.opts.Logf != nil {
		b.opts.Logf(format, args...)
	}
}

// HookError reports a PEP 517 hook that failed.
type HookError struct {
	Project string // normalized
	Sdist   string // file name
	Backend string
	Hook    string // e.g. "prepare_metadata_for_build_wheel"
	Err     error
	Output  string // last lines of stdout and stderr, combined
}

func (e *HookError) Error() string {
	msg := fmt.Sprintf("%s: building metadata from %s: build backend %q: %s failed: %v", e.Project, e.Sdist, e.Backend, e.Hook, e.Err)
	if e.Output != "" {
		msg += "\nlast lines of its output:\n" + indent(e.Output)
	}
	return msg
}

func (e *HookError) Unwrap() error { return e.Err }

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  | " + l
	}
	return strings.Join(lines, "\n")
}

// Metadata returns the core metadata of the sdist f (and its raw bytes),
// built by the project's PEP 517 backend as the package comment describes.
func (b *Builder) Metadata(ctx context.Context, f index.File) (*metadata.Metadata, []byte, error) {
	for {
		b.mu.Lock()
		fl, running := b.flights[f.URL]
		if !running {
			fl = &flight{done: make(chan struct{})}
			b.flights[f.URL] = fl
		}
		b.mu.Unlock()
		if running {
			select {
			case <-fl.done:
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
			if isCancel(fl.err) && ctx.Err() == nil {
				continue // the first caller gave up; build for this one
			}
			return fl.md, fl.raw, fl.err
		}
		fl.md, fl.raw, fl.err = b.buildLimited(ctx, f)
		if isCancel(fl.err) {
			b.mu.Lock()
			delete(b.flights, f.URL)
			b.mu.Unlock()
		}
		close(fl.done)
		return fl.md, fl.raw, fl.err
	}
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (b *Builder) buildLimited(ctx context.Context, f index.File) (*metadata.Metadata, []byte, error) {
	s, err := dist.ParseSdistName(f.Filename)
	if err != nil || filepath.Base(f.Filename) != f.Filename {
		return nil, nil, fmt.Errorf("build: %q is not an sdist file name: %w", f.Filename, err)
	}
	project := pep503.Normalize(s.Name)
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	defer func() { <-b.sem }()
	md, raw, err := b.build(ctx, f, project, s.Version)
	if err != nil {
		var he *HookError
		if errors.As(err, &he) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%s: building metadata from %s: %w", project, f.Filename, err)
	}
	return md, raw, nil
}

// interpreter locates and queries the build interpreter once.
func (b *Builder) interpreter(ctx context.Context) (*venv.Interpreter, error) {
	b.interpMu.Lock()
	defer b.interpMu.Unlock()
	if b.interp != nil {
		return b.interp, nil
	}
	p, err := venv.Find(b.opts.Python)
	if err != nil {
		return nil, err
	}
	in, err := venv.Query(ctx, p, b.opts.CacheDir)
	if err != nil {
		return nil, err
	}
	b.interp = in
	return in, nil
}

func (b *Builder) build(ctx context.Context, f index.File, project string, version pep440.Version) (*metadata.Metadata, []byte, error) {
	in, err := b.interpreter(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("locating the build interpreter: %w", err)
	}
	envKey := envDigest(in)
	check := func(raw []byte, from string) (*metadata.Metadata, error) {
		return checkMetadata(raw, from, project, version)
	}
	if sum := f.Hashes["sha256"]; validSHA256(sum) {
		if md, raw, ok := b.cached(sum, envKey, check); ok {
			return md, raw, nil
		}
	}
	tmp, err := os.MkdirTemp(b.opts.TempDir, "pyward-build-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	archive := filepath.Join(tmp, f.Filename)
	sum, err := download(ctx, b.client, f, archive)
	if err != nil {
		return nil, nil, err
	}
	if f.Hashes["sha256"] == "" {
		if md, raw, ok := b.cached(sum, envKey, check); ok {
			return md, raw, nil
		}
	}
	root, err := Unpack(archive, filepath.Join(tmp, "src"))
	if err != nil {
		return nil, nil, err
	}
	bs, err := readBuildSystem(root, f.Filename)
	if err != nil {
		return nil, nil, err
	}
	b.logf("building metadata of %s with %s in an isolated environment", f.Filename, bs.Backend)
	home := filepath.Join(tmp, "home")
	for _, d := range []string{home, filepath.Join(home, "tmp"), filepath.Join(tmp, "out")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, nil, err
		}
	}
	v, err := venv.Create(ctx, filepath.Join(tmp, "env"), in)
	if err != nil {
		return nil, nil, err
	}
	env := &buildEnv{b: b, in: in, v: v, tmp: tmp, installed: map[string]installedDist{},
		target: &install.Target{
			Root: v.Dir, Purelib: v.Paths.Purelib, Platlib: v.Paths.Platlib, Scripts: v.Paths.Scripts, Data: v.Paths.Data,
			Headers: filepath.Dir(v.Headers("x")), Python: v.Python, Staging: filepath.Join(v.Dir, ".pyward-staging"),
			PycacheTag: in.Info.CacheTag,
		}}
	if err := env.install(ctx, bs.Requires); err != nil {
		return nil, nil, fmt.Errorf("build requirements: %w", err)
	}
	h := &hookRunner{b: b, python: v.Python, root: root, home: home, venv: v.Dir, tmp: tmp,
		project: project, sdist: f.Filename, backend: bs.Backend}
	for _, p := range bs.BackendPath {
		h.backendPath = append(h.backendPath, filepath.Join(root, filepath.FromSlash(p)))
	}
	extra, err := h.requires(ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(extra) > 0 {
		if err := env.install(ctx, append(append([]*pep508.Requirement(nil), bs.Requires...), extra...)); err != nil {
			return nil, nil, fmt.Errorf("requirements from get_requires_for_build_wheel: %w", err)
		}
	}
	raw, err := h.metadata(ctx, filepath.Join(tmp, "out"))
	if err != nil {
		return nil, nil, err
	}
	md, err := check(raw, fmt.Sprintf("the metadata built by %q", bs.Backend))
	if err != nil {
		return nil, nil, err
	}
	b.store(sum, envKey, raw)
	return md, raw, nil
}

// download fetches f (hash-verified by the client) into path.
func download(ctx context.Context, c *index.Client, f index.File, path string) (string, error) {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	sum, err := c.Download(ctx, f, fh)
	if cerr := fh.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return sum, err
}

// readBuildSystem reads <root>/pyproject.toml, if any.
func readBuildSystem(root, sdist string) (*BuildSystem, error) {
	p := filepath.Join(root, "pyproject.toml")
	name := sdist + ":pyproject.toml"
	st, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return ParseBuildSystem(name, nil)
	}
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if st.Size() > pyproject.MaxSize {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d-byte limit", name, st.Size(), pyproject.MaxSize)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if data == nil {
		data = []byte{}
	}
	return ParseBuildSystem(name, data)
}

// checkMetadata parses built metadata and checks it against the sdist.
func checkMetadata(raw []byte, from, project string, version pep440.Version) (*metadata.Metadata, error) {
	md, err := metadata.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	if err := md.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	mv, err := pep440.Parse(md.Version)
	if err != nil {
		return nil, fmt.Errorf("%s: version %q: %w", from, md.Version, err)
	}
	if pep503.Normalize(md.Name) != project || !mv.Equal(version) {
		return nil, fmt.Errorf("%s names %s %s, but the sdist is %s %s", from, md.Name, md.Version, project, version)
	}
	return md, nil
}

// envDigest identifies the interpreter's marker environment: metadata
// built by a setup.py may depend on it.
func envDigest(in *venv.Interpreter) string {
	keys := make([]string, 0, len(in.Info.Markers))
	for k := range in.Info.Markers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\n", k, in.Info.Markers[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func (b *Builder) cachePath(sum, envKey string) string {
	return filepath.Join(b.opts.CacheDir, cacheSubdir, sum[:2], sum+"-"+envKey+".METADATA")
}

// cached returns metadata built earlier from the sdist with sha256 sum.
func (b *Builder) cached(sum, envKey string, check func([]byte, string) (*metadata.Metadata, error)) (*metadata.Metadata, []byte, bool) {
	if b.opts.CacheDir == "" {
		return nil, nil, false
	}
	p := b.cachePath(sum, envKey)
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, false
	}
	md, err := check(raw, p)
	if err != nil {
		b.logf("build cache: discarding %s: %v", p, err)
		os.Remove(p)
		return nil, nil, false
	}
	return md, raw, true
}

// store caches built metadata; a cache that cannot be written only costs
// a build next time.
func (b *Builder) store(sum, envKey string, raw []byte) {
	if b.opts.CacheDir == "" || !validSHA256(sum) {
		return
	}
	p := b.cachePath(sum, envKey)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
		if err := atomicfile.WriteFile(p, raw, 0o644); err != nil {
			b.logf("build cache: %v", err)
		}
	}
}

// installedDist is a distribution installed in the build environment.
type installedDist struct {
	version  pep440.Version
	distInfo string // absolute
}

// buildEnv installs build requirements into the build environment.
type buildEnv struct {
	b         *Builder
	in        *venv.Interpreter
	v         *venv.Venv
	target    *install.Target
	tmp       string
	installed map[string]installedDist
	n         int // wheels installed so far, for unique directory names
}

// install resolves reqs (wheels only, for the build interpreter) and makes
// the environment contain the result, keeping what is installed already
// when it still fits.
func (e *buildEnv) install(ctx context.Context, reqs []*pep508.Requirement) error {
	if len(reqs) == 0 {
		return nil
	}
	py, err := pep440.Parse(e.in.VersionString())
	if err != nil {
		return err
	}
	prefs := map[string]pep440.Version{}
	for name, d := range e.installed {
		prefs[name] = d.version
	}
	res, err := resolve.Resolve(ctx, resolve.NewIndexProvider(e.b.client), resolve.Options{
		Requirements: reqs, Python: py, Environment: e.in.Environment(), Tags: e.in.Tags(),
		NoBuild: []string{":all:"}, Preferences: prefs,
	})
	if err != nil {
		return fmt.Errorf("resolving %s (wheels only): %w", reqList(reqs), err)
	}
	for _, w := range res.Warnings {
		e.b.logf("build requirements: %s", w)
	}
	for _, p := range res.Packages {
		if old, ok := e.installed[p.Name]; ok {
			if old.version.Equal(p.Version) {
				continue
			}
			if err := e.target.Uninstall(old.distInfo); err != nil {
				return fmt.Errorf("replacing %s %s: %w", p.Name, old.version, err)
			}
			delete(e.installed, p.Name)
		}
		if err := e.installOne(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func reqList(reqs []*pep508.Requirement) string {
	s := make([]string, len(reqs))
	for i, r := range reqs {
		s[i] = r.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// installOne downloads (hash-verified), checks and installs one wheel.
func (e *buildEnv) installOne(ctx context.Context, p resolve.Resolved) error {
	if p.File == nil || p.File.Kind != resolve.Wheel {
		return fmt.Errorf("%s %s: no wheel for the build interpreter", p.Name, p.Version)
	}
	f := index.File{Filename: p.File.Filename, URL: p.File.URL, Hashes: p.File.Hashes, Size: p.File.Size}
	if ixf, ok := p.File.Data.(*index.File); ok {
		f = *ixf
	}
	if filepath.Base(f.Filename) != f.Filename {
		return fmt.Errorf("%s %s: bad wheel file name %q", p.Name, p.Version, f.Filename)
	}
	e.n++
	dir := filepath.Join(e.tmp, "wheels", fmt.Sprint(e.n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, f.Filename)
	if _, err := download(ctx, e.b.client, f, path); err != nil {
		return fmt.Errorf("%s %s: %w", p.Name, p.Version, err)
	}
	opts := install.Options{Name: p.Name, Version: p.Version.String(), AllowStartup: true}
	if f.MetadataHashes != nil {
		if _, raw, err := e.b.client.Metadata(ctx, f); err == nil {
			opts.Metadata = raw
		}
	}
	w, err := install.Unpack(ctx, path, filepath.Join(dir, "unpacked"), opts)
	if err != nil {
		return fmt.Errorf("%s %s: %w", p.Name, p.Version, err)
	}
	if _, err := e.target.Install(ctx, w, filepath.Join(dir, "unpacked"), install.InstallOptions{}); err != nil {
		return fmt.Errorf("installing %s %s into the build environment: %w", p.Name, p.Version, err)
	}
	site := e.target.Platlib
	if w.RootIsPurelib {
		site = e.target.Purelib
	}
	e.installed[p.Name] = installedDist{version: p.Version, distInfo: filepath.Join(site, w.DistInfo)}
	e.b.logf("build environment: installed %s %s", p.Name, p.Version)
	return nil
}

// hookRunner runs PEP 517 hooks in subprocesses.
type hookRunner struct {
	b                  *Builder
	python, root, home string
	venv, tmp          string
	project, sdist     string
	backend            string
	backendPath        []string
	runs               int
}

// env is the hook's whole environment; nothing else is inherited.
func (h *hookRunner) env() []string {
	path := filepath.Join(h.venv, "bin")
	if p := os.Getenv("PATH"); p != "" {
		path += string(os.PathListSeparator) + p
	}
	return []string{
		"PATH=" + path,
		"HOME=" + h.home,
		"TMPDIR=" + filepath.Join(h.home, "tmp"),
		"VIRTUAL_ENV=" + h.venv,
		"LANG=C.UTF-8",
		"PYTHONNOUSERSITE=1",
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONHASHSEED=0",
		"PIP_NO_INDEX=1",
	}
}

// run runs the hook script in mode and decodes its answer into out.
func (h *hookRunner) run(ctx context.Context, mode, hook, outdir string, out any) error {
	h.runs++
	result := filepath.Join(h.tmp, fmt.Sprintf("hook-result-%d.json", h.runs))
	bp, err := json.Marshal(append([]string{}, h.backendPath...))
	if err != nil {
		return err
	}
	hctx, cancel := context.WithTimeoutCause(ctx, h.b.opts.Timeout, ErrTimeout)
	defer cancel()
	cmd := exec.CommandContext(hctx, h.python, "-I", "-B", "-u", "-c", hookScript, mode, h.backend, outdir, result, string(bp))
	cmd.Dir = h.root
	cmd.Env = h.env()
	cmd.Stdin = nil
	tail := &tailBuffer{max: maxOutput}
	cmd.Stdout, cmd.Stderr = tail, tail
	cmd.WaitDelay = killGrace
	ownProcessGroup(cmd)
	fail := func(err error) error {
		return &HookError{Project: h.project, Sdist: h.sdist, Backend: h.backend, Hook: hook, Err: err, Output: tail.lastLines(OutputTailLines)}
	}
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(context.Cause(hctx), ErrTimeout) {
		return fail(fmt.Errorf("%w after %v", ErrTimeout, h.b.opts.Timeout))
	}
	if runErr != nil {
		return fail(runErr)
	}
	data, err := os.ReadFile(result)
	if err != nil {
		return fail(fmt.Errorf("no answer from the hook: %w", err))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fail(fmt.Errorf("unreadable answer from the hook: %w", err))
	}
	return nil
}

// requires calls get_requires_for_build_wheel (when the backend has it).
func (h *hookRunner) requires(ctx context.Context) ([]*pep508.Requirement, error) {
	var ans struct {
		Requires []string `json:"requires"`
	}
	if err := h.run(ctx, "requires", "get_requires_for_build_wheel", filepath.Join(h.tmp, "out"), &ans); err != nil {
		return nil, err
	}
	var out []*pep508.Requirement
	for _, s := range ans.Requires {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return nil, &HookError{Project: h.project, Sdist: h.sdist, Backend: h.backend, Hook: "get_requires_for_build_wheel",
				Err: fmt.Errorf("returned %q, which is not a PEP 508 requirement: %w", s, err)}
		}
		out = append(out, r)
	}
	return out, nil
}

// metadata calls prepare_metadata_for_build_wheel, or build_wheel, and
// returns the METADATA bytes.
func (h *hookRunner) metadata(ctx context.Context, outdir string) ([]byte, error) {
	var ans struct {
		Hook     string `json:"hook"`
		DistInfo string `json:"dist_info"`
		Wheel    string `json:"wheel"`
	}
	if err := h.run(ctx, "metadata", "prepare_metadata_for_build_wheel", outdir, &ans); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return &HookError{Project: h.project, Sdist: h.sdist, Backend: h.backend, Hook: ans.Hook, Err: fmt.Errorf(format, args...)}
	}
	switch ans.Hook {
	case "prepare_metadata_for_build_wheel":
		if !plainName(ans.DistInfo) || !strings.HasSuffix(ans.DistInfo, ".dist-info") {
			return nil, bad("returned %q, not the name of a .dist-info directory in the output directory", ans.DistInfo)
		}
		raw, err := readFileLimited(filepath.Join(outdir, ans.DistInfo, "METADATA"), index.MaxMetadataFile)
		if err != nil {
			return nil, bad("%v", err)
		}
		return raw, nil
	case "build_wheel":
		if !plainName(ans.Wheel) || !strings.HasSuffix(ans.Wheel, ".whl") {
			return nil, bad("returned %q, not the name of a wheel in the output directory", ans.Wheel)
		}
		raw, err := wheelMetadata(filepath.Join(outdir, ans.Wheel))
		if err != nil {
			return nil, bad("%v", err)
		}
		return raw, nil
	}
	return nil, bad("unexpected answer %q", ans.Hook)
}

func plainName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\\\x00")
}

func readFileLimited(p string, limit int64) ([]byte, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", p, limit)
	}
	return data, nil
}

// wheelMetadata reads the single top-level *.dist-info/METADATA of a wheel.
func wheelMetadata(p string) ([]byte, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var found *zip.File
	for _, f := range zr.File {
		top, rest, ok := strings.Cut(f.Name, "/")
		if ok && rest == "METADATA" && strings.HasSuffix(top, ".dist-info") {
			if found != nil {
				return nil, fmt.Errorf("%s has more than one .dist-info/METADATA", filepath.Base(p))
			}
			found = f
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%s has no .dist-info/METADATA", filepath.Base(p))
	}
	rc, err := found.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, index.MaxMetadataFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > index.MaxMetadataFile {
		return nil, fmt.Errorf("METADATA in %s is larger than %d bytes", filepath.Base(p), index.MaxMetadataFile)
	}
	return data, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
	cut bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0:0], t.buf[len(t.buf)-t.max:]...)
		t.cut = true
	}
	return len(p), nil
}

// lastLines returns the last n lines.
func (t *tailBuffer) lastLines(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(bytes.TrimRight(t.buf, "\n"))
	lines := strings.Split(s, "\n")
	if t.cut && len(lines) > 1 {
		lines = lines[1:] // the first line may be partial
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
