package build

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/testindex"
	"github.com/pyward/pyward/internal/venv"
)

// unavailable fails the test in CI (CI=true), where python3 and the
// Debian wheels are installed, and skips it elsewhere.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// python returns the queried python3, or skips/fails.
func python(t *testing.T) *venv.Interpreter {
	t.Helper()
	p, err := venv.Find("")
	if err != nil {
		unavailable(t, "python3 not found: %v", err)
	}
	in, err := venv.Query(context.Background(), p, "")
	if err != nil {
		unavailable(t, "python3 unusable: %v", err)
	}
	return in
}

// systemWheelsDir is where Debian's python3-setuptools-whl and
// python3-wheel-whl put real wheels.
const systemWheelsDir = "/usr/share/python-wheels"

// copySystemWheels copies the real setuptools and wheel wheels into dir.
func copySystemWheels(t *testing.T, dir string) {
	t.Helper()
	for _, pat := range []string{"setuptools-*.whl", "wheel-*.whl"} {
		m, _ := filepath.Glob(filepath.Join(systemWheelsDir, pat))
		if len(m) == 0 {
			unavailable(t, "no %s in %s (apt-get install python3-setuptools-whl python3-wheel-whl)", pat, systemWheelsDir)
		}
		data, err := os.ReadFile(m[len(m)-1])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(m[len(m)-1])), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newClient serves dists over a test index (first source) and the
// find-links directory links (second source).
func newClient(t *testing.T, dists []testindex.Dist, links string) (*index.Client, *testindex.Index) {
	t.Helper()
	var sources []index.Source
	var ix *testindex.Index
	if dists != nil {
		var err error
		ix, err = testindex.New(dists, testindex.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, index.Source{Name: "test", URL: ix.Start()})
		t.Cleanup(ix.Close)
	}
	if links != "" {
		sources = append(sources, index.Source{Name: "links", URL: links, FindLinks: true})
	}
	c, err := index.New(index.Options{Sources: sources, TrustedHosts: []string{"127.0.0.1"}, Netrc: "-",
		Getenv: func(string) string { return "" }, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c, ix
}

// sdistFile returns the index record of a project's sdist.
func sdistFile(t *testing.T, c *index.Client, project string) index.File {
	t.Helper()
	proj, err := c.Project(context.Background(), project)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range proj.Files {
		if !f.IsWheel() {
			return f
		}
	}
	t.Fatalf("%s has no sdist", project)
	return index.File{}
}

// inTree writes name-version.tar.gz into dir: a project whose backend is
// backendSrc in _build/backend.py (PEP 517 backend-path), with a
// Metadata-Version 2.1 PKG-INFO (not static under PEP 643).
func inTree(t *testing.T, dir, name, version, backendSrc, buildSystem string) {
	t.Helper()
	if buildSystem == "" {
		buildSystem = "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\"_build\"]\n"
	}
	top := name + "-" + version
	data := tarGz(t, []ent{
		{name: top + "/PKG-INFO", body: fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n", name, version)},
		{name: top + "/pyproject.toml", body: buildSystem},
		{name: top + "/_build/backend.py", body: backendSrc},
	})
	if err := os.WriteFile(filepath.Join(dir, top+".tar.gz"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func reqStrings(rs []*pep508.Requirement) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// TestSetuptoolsDynamicRequiresDist builds a setup.py-based sdist whose
// PKG-INFO declares Requires-Dist dynamic, with the real setuptools and
// wheel wheels installed into the build environment by pyward.
func TestSetuptoolsDynamicRequiresDist(t *testing.T) {
	python(t)
	links := t.TempDir()
	copySystemWheels(t, links)
	dyn := testindex.Dist{Name: "Dyn-Pkg", Version: "1.0", NoWheel: true, Dynamic: []string{"Requires-Dist"},
		Requires: []string{"alpha>=1", `beta<3; python_version >= "3"`}}
	c, _ := newClient(t, []testindex.Dist{dyn, {Name: "alpha", Version: "1.0"}}, links)
	ctx := context.Background()
	sd := sdistFile(t, c, "dyn-pkg")
	if _, _, err := c.Metadata(ctx, sd); !errors.Is(err, index.ErrNeedsBuild) {
		t.Fatalf("index client: want ErrNeedsBuild for a dynamic sdist, got %v", err)
	}
	var log []string
	var mu sync.Mutex
	b := New(c, Options{TempDir: t.TempDir(), Logf: func(f string, a ...any) { mu.Lock(); log = append(log, fmt.Sprintf(f, a...)); mu.Unlock() }})
	md, raw, err := b.Metadata(ctx, sd)
	if err != nil {
		t.Fatal(err)
	}
	got := reqStrings(md.RequiresDist)
	want := []string{"alpha>=1", `beta<3; python_version >= "3"`}
	if !slices.Equal(got, want) {
		t.Fatalf("Requires-Dist = %q, want %q\n%s", got, want, raw)
	}
	if md.Name != "Dyn-Pkg" && md.Name != "dyn-pkg" && md.Name != "Dyn_Pkg" && md.Name != "dyn_pkg" {
		t.Errorf("Name = %q", md.Name)
	}
	joined := strings.Join(log, "\n")
	for _, w := range []string{"installed setuptools", "installed wheel"} { // wheel comes from get_requires_for_build_wheel
		if !strings.Contains(joined, w) {
			t.Errorf("log lacks %q:\n%s", w, joined)
		}
	}
}

const goodBackend = `import os
def get_requires_for_build_wheel(config_settings=None):
    return ["alpha>=1"]

def prepare_metadata_for_build_wheel(outdir, config_settings=None):
    import alpha  # installed into the build environment by pyward
    d = os.path.join(outdir, "intree-1.0.dist-info")
    os.makedirs(d)
    with open(os.path.join(d, "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\nName: intree\nVersion: 1.0\n")
        f.write("Summary: %s\n" % " ".join(sorted(os.environ)))
        f.write("Requires-Dist: alpha>=%s\nRequires-Dist: beta; extra == 'x'\nProvides-Extra: x\n" % alpha.__version__)
    print("noise on stdout")
    return "intree-1.0.dist-info"
`

func TestInTreeBackend(t *testing.T) {
	python(t)
	links := t.TempDir()
	inTree(t, links, "intree", "1.0", goodBackend, "")
	c, _ := newClient(t, []testindex.Dist{{Name: "alpha", Version: "1.5"}, {Name: "beta", Version: "1.0"}}, links)
	t.Setenv("PYWARD_TEST_SECRET", "hunter2")
	t.Setenv("HTTPS_PROXY", "http://user:pass@proxy.invalid:3128")
	cache := t.TempDir()
	b := New(c, Options{TempDir: t.TempDir(), CacheDir: cache})
	ctx := context.Background()
	sd := sdistFile(t, c, "intree")
	md, _, err := b.Metadata(ctx, sd)
	if err != nil {
		t.Fatal(err)
	}
	if got := reqStrings(md.RequiresDist); !slices.Equal(got, []string{"alpha>=1.5", `beta; extra == "x"`}) {
		t.Fatalf("Requires-Dist = %q", got)
	}
	allowed := map[string]bool{"PATH": true, "HOME": true, "TMPDIR": true, "VIRTUAL_ENV": true, "LANG": true, "LC_CTYPE": true,
		"PYTHONNOUSERSITE": true, "PYTHONDONTWRITEBYTECODE": true, "PYTHONHASHSEED": true, "PIP_NO_INDEX": true}
	for _, k := range strings.Fields(md.Summary) {
		if !allowed[k] {
			t.Errorf("hook environment contains %s", k)
		}
	}
	if !strings.Contains(md.Summary, "HOME") {
		t.Errorf("hook environment lacks HOME: %q", md.Summary)
	}

	// The cache answers a new Builder without downloading: remove the sdist.
	if err := os.Remove(filepath.Join(links, "intree-1.0.tar.gz")); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(cache, cacheSubdir, "*", "*.METADATA")); len(m) != 1 {
		t.Fatalf("cache entries: %v", m)
	}
	md2, _, err := New(c, Options{TempDir: t.TempDir(), CacheDir: cache}).Metadata(ctx, sd)
	if err != nil {
		t.Fatalf("cached metadata: %v", err)
	}
	if !slices.Equal(reqStrings(md2.RequiresDist), reqStrings(md.RequiresDist)) {
		t.Fatalf("cached Requires-Dist differs: %q", reqStrings(md2.RequiresDist))
	}
	// Without the cache the download now fails: the cache really was used.
	if _, _, err := New(c, Options{TempDir: t.TempDir()}).Metadata(ctx, sd); err == nil {
		t.Fatal("building without the sdist succeeded")
	}
}

func TestBuildWheelFallback(t *testing.T) {
	python(t)
	links := t.TempDir()
	inTree(t, links, "wheelonly", "2.0", `import os, zipfile
def build_wheel(outdir, config_settings=None, metadata_directory=None):
    name = "wheelonly-2.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(outdir, name), "w") as z:
        z.writestr("wheelonly/__init__.py", "")
        z.writestr("wheelonly-2.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: wheelonly\nVersion: 2.0\nRequires-Dist: gamma<3\n")
    return name
`, "")
	c, _ := newClient(t, nil, links)
	md, _, err := New(c, Options{TempDir: t.TempDir()}).Metadata(context.Background(), sdistFile(t, c, "wheelonly"))
	if err != nil {
		t.Fatal(err)
	}
	if got := reqStrings(md.RequiresDist); !slices.Equal(got, []string{"gamma<3"}) {
		t.Fatalf("Requires-Dist = %q", got)
	}
}

func TestBackendFailures(t *testing.T) {
	python(t)
	// The slow hook records its pid, then would write "finished" after
	// two minutes: the timeout case checks the hook was killed, neither
	// waited for nor left running.
	marks := t.TempDir()
	slowBackend := fmt.Sprintf("import os, time\ndef prepare_metadata_for_build_wheel(outdir, config_settings=None):\n"+
		"    open(%[1]q, 'w').write(str(os.getpid()))\n    print('sleeping', flush=True)\n    time.sleep(120)\n    open(%[2]q, 'w').write('yes')\n",
		filepath.Join(marks, "pid"), filepath.Join(marks, "finished"))
	tests := []struct {
		name, project, backend, buildSystem string
		timeout                             time.Duration
		want                                []string // substrings of the error
		hook                                bool     // a *HookError
		is                                  error
	}{
		{name: "raises", project: "boom", backend: "def prepare_metadata_for_build_wheel(outdir, config_settings=None):\n    print('compiling things')\n    raise RuntimeError('backend exploded on purpose')\n",
			want: []string{"boom", "boom-1.0.tar.gz", `build backend "backend"`, "prepare_metadata_for_build_wheel", "exit status 1", "RuntimeError: backend exploded on purpose", "compiling things"}, hook: true},
		{name: "import error", project: "noimp", backend: "import does_not_exist\n",
			want: []string{"noimp", "ModuleNotFoundError", "does_not_exist"}, hook: true},
		{name: "timeout", project: "slow", backend: slowBackend,
			timeout: 2 * time.Second, want: []string{"slow", "timed out after 2s", "sleeping"}, hook: true, is: ErrTimeout},
		{name: "wrong project", project: "liar", backend: "import os\ndef prepare_metadata_for_build_wheel(outdir, config_settings=None):\n    os.makedirs(os.path.join(outdir, 'x-1.0.dist-info'))\n    open(os.path.join(outdir, 'x-1.0.dist-info', 'METADATA'), 'w').write('Metadata-Version: 2.1\\nName: other\\nVersion: 1.0\\n')\n    return 'x-1.0.dist-info'\n",
			want: []string{"liar", "names other 1.0, but the sdist is liar 1.0"}},
		{name: "escaping answer", project: "escape", backend: "def prepare_metadata_for_build_wheel(outdir, config_settings=None):\n    return '../../etc'\n",
			want: []string{"escape", "not the name of a .dist-info directory"}, hook: true},
		{name: "backend not from backend-path", project: "stdlib", backend: "",
			buildSystem: "[build-system]\nrequires = []\nbuild-backend = \"json\"\nbackend-path = [\"_build\"]\n",
			want:        []string{"stdlib", "not from backend-path"}, hook: true},
		{name: "unresolvable build requirement", project: "noreq", backend: "",
			buildSystem: "[build-system]\nrequires = [\"no-such-build-tool>=1\"]\nbuild-backend = \"backend\"\n",
			want:        []string{"noreq", "build requirements", "no-such-build-tool"}},
		{name: "bad pyproject", project: "badcfg", backend: "",
			buildSystem: "[build-system]\nrequires = \"setuptools\"\n",
			want:        []string{"badcfg", "badcfg-1.0.tar.gz:pyproject.toml", "build-system.requires"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			links := t.TempDir()
			inTree(t, links, tc.project, "1.0", tc.backend, tc.buildSystem)
			c, _ := newClient(t, []testindex.Dist{{Name: "alpha", Version: "1.0"}}, links)
			_, _, err := New(c, Options{TempDir: t.TempDir(), Timeout: tc.timeout}).Metadata(context.Background(), sdistFile(t, c, tc.project))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			var he *HookError
			if tc.hook != errors.As(err, &he) {
				t.Errorf("HookError: %v, want %v (%T)", errors.As(err, &he), tc.hook, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error does not match %v", tc.is)
			}
			if tc.timeout > 0 {
				if _, err := os.Stat(filepath.Join(marks, "finished")); err == nil {
					t.Error("the timed-out hook ran to completion: Metadata waited for it")
				}
				pid, err := os.ReadFile(filepath.Join(marks, "pid"))
				if err != nil {
					t.Fatal(err)
				}
				if processRunning(string(pid)) {
					t.Errorf("the timed-out hook (pid %s) is still running", pid)
				}
			}
			if testing.Verbose() {
				t.Logf("error:\n%v", err)
			}
		})
	}
}

func TestUnsafeSdistRefused(t *testing.T) {
	python(t)
	links := t.TempDir()
	data := tarGz(t, []ent{
		{name: "evil-1.0/PKG-INFO", body: "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n"},
		{name: "evil-1.0/../../../tmp/pwned", body: "x"},
	})
	if err := os.WriteFile(filepath.Join(links, "evil-1.0.tar.gz"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := newClient(t, nil, links)
	_, _, err := New(c, Options{TempDir: t.TempDir()}).Metadata(context.Background(), sdistFile(t, c, "evil"))
	var ae *ArchiveError
	if !errors.As(err, &ae) || !ae.Has(RulePath) || !strings.Contains(err.Error(), "evil") {
		t.Fatalf("want an archive error naming evil, got %v", err)
	}
}

func TestTamperedSdistRefused(t *testing.T) {
	dyn := testindex.Dist{Name: "dyn", Version: "1.0", NoWheel: true, Dynamic: []string{"Requires-Dist"}}
	c, ix := newClient(t, []testindex.Dist{dyn}, "")
	sd := sdistFile(t, c, "dyn")
	if err := ix.Tamper(sd.Filename); err != nil {
		t.Fatal(err)
	}
	python(t)
	_, _, err := New(c, Options{TempDir: t.TempDir()}).Metadata(context.Background(), sd)
	if !errors.Is(err, index.ErrHashMismatch) || !strings.Contains(err.Error(), "dyn") {
		t.Fatalf("want a hash mismatch naming dyn, got %v", err)
	}
}

func TestConcurrentCallsBuildOnce(t *testing.T) {
	python(t)
	links := t.TempDir()
	// The backend appends to a counter file given through the source tree
	// (the only place shared between runs is outside the temp dirs).
	counter := filepath.Join(t.TempDir(), "runs")
	inTree(t, links, "once", "1.0", fmt.Sprintf(`import os
def prepare_metadata_for_build_wheel(outdir, config_settings=None):
    with open(%q, "a") as f:
        f.write("x")
    d = os.path.join(outdir, "once-1.0.dist-info")
    os.makedirs(d)
    open(os.path.join(d, "METADATA"), "w").write("Metadata-Version: 2.1\nName: once\nVersion: 1.0\n")
    return "once-1.0.dist-info"
`, counter), "")
	c, _ := newClient(t, nil, links)
	b := New(c, Options{TempDir: t.TempDir()})
	sd := sdistFile(t, c, "once")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = b.Metadata(context.Background(), sd)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if data, _ := os.ReadFile(counter); string(data) != "x" {
		t.Fatalf("backend ran %d times, want 1", len(data))
	}
}

func TestProviderFallsBackToBuild(t *testing.T) {
	in := python(t)
	links := t.TempDir()
	inTree(t, links, "intree", "1.0", goodBackend, "")
	c, _ := newClient(t, []testindex.Dist{{Name: "alpha", Version: "1.5"}, {Name: "alpha", Version: "1.0"}, {Name: "beta", Version: "1.0"}}, links)
	py, err := pep440.Parse(in.VersionString())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := pep508.ParseRequirement("intree[x]")
	opts := resolve.Options{Requirements: []*pep508.Requirement{req}, Python: py, Environment: in.Environment(), Tags: in.Tags()}
	ctx := context.Background()

	// Without building, the release is unusable.
	if _, err := resolve.Resolve(ctx, resolve.NewIndexProvider(c), opts); err == nil {
		t.Fatal("resolution without building succeeded")
	}

	p := &Provider{Inner: resolve.NewIndexProvider(c), Builder: New(c, Options{TempDir: t.TempDir()})}
	var _ resolve.URLProvider = p
	res, err := resolve.Resolve(ctx, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Packages {
		got = append(got, r.Name+"=="+r.Version.String())
	}
	if want := []string{"alpha==1.5", "beta==1.0", "intree==1.0"}; !slices.Equal(got, want) {
		t.Fatalf("resolution = %q, want %q", got, want)
	}
}

// errProvider fails every call with err.
type errProvider struct{ err error }

func (e errProvider) Versions(context.Context, string) ([]*resolve.Candidate, error) {
	return nil, e.err
}
func (e errProvider) Dependencies(context.Context, *resolve.Candidate, *resolve.File) (*resolve.Dependencies, error) {
	return nil, e.err
}

func TestProviderPassesOtherErrors(t *testing.T) {
	boom := errors.New("index down")
	p := &Provider{Inner: errProvider{boom}} // a nil Builder must not be reached
	cand := &resolve.Candidate{Name: "x", Files: []*resolve.File{{Filename: "x-1.tar.gz", Kind: resolve.Sdist}}}
	if _, err := p.Dependencies(context.Background(), cand, cand.Files[0]); err != boom {
		t.Fatalf("Dependencies: %v", err)
	}
	if _, err := p.Versions(context.Background(), "x"); err != boom {
		t.Fatalf("Versions: %v", err)
	}
	if _, err := p.FromURL(context.Background(), "x", "https://h/x-1.tar.gz"); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("FromURL: %v", err)
	}
	// A needs-build error without any sdist to build is passed through.
	nb := fmt.Errorf("x 1: %w", &index.NeedsBuildError{Project: "x", Filename: "x-1.whl", Reason: "test"})
	p = &Provider{Inner: errProvider{nb}}
	wheelOnly := &resolve.Candidate{Name: "x", Files: []*resolve.File{{Filename: "x-1-py3-none-any.whl", Kind: resolve.Wheel}}}
	if _, err := p.Dependencies(context.Background(), wheelOnly, wheelOnly.Files[0]); err != nb {
		t.Fatalf("Dependencies without sdist: %v", err)
	}
}

func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 20}
	io.WriteString(tb, "line1\nline2\nline3\nline4\nline5\n")
	if got := tb.lastLines(2); got != "line4\nline5" {
		t.Fatalf("lastLines = %q", got)
	}
	if got := tb.lastLines(10); strings.Contains(got, "line1") {
		t.Fatalf("kept cut-off text: %q", got)
	}
}

var _ = tar.TypeReg

// processRunning reports whether a process with this pid exists and is
// not a zombie (a killed grandchild may wait a moment to be reaped).
func processRunning(pid string) bool {
	status, err := os.ReadFile(filepath.Join("/proc", pid, "status"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if state, ok := strings.CutPrefix(line, "State:"); ok {
			return !strings.HasPrefix(strings.TrimSpace(state), "Z")
		}
	}
	return true
}
