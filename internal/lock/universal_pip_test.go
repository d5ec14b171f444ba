package lock

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/testindex"
)

// universalPipGraphs is how many seeded random graphs
// TestUniversalAgainstPip compares with pip, environment by environment.
const universalPipGraphs = 50

// pipEnvironment is one concrete environment of the universal differential:
// how pyward names it (pep508 platform, Python) and how pip is told to
// target it (--platform, --python-version).
type pipEnvironment struct {
	python, platform, pipPlatform, tagTarget string
}

func (e pipEnvironment) String() string {
	return "cp" + strings.ReplaceAll(e.python, ".", "") + "-" + e.platform
}

// marker is the PEP 508 marker that holds in e and (for the values the
// generated graphs test) nowhere else.
func (e pipEnvironment) marker(t testing.TB) *pep508.Marker {
	env := e.environment(t)
	m, err := pep508.ParseMarker(fmt.Sprintf(`python_version == %q and sys_platform == %q and platform_machine == %q and implementation_name == "cpython"`,
		env["python_version"], env["sys_platform"], env["platform_machine"]))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e pipEnvironment) environment(t testing.TB) pep508.Environment {
	env, err := pep508.TargetEnvironment(e.python, e.platform)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// pipEnvironments: Linux (x86_64), macOS (arm64) and Windows (AMD64), each
// on CPython 3.9 and 3.12.
var pipEnvironments = func() []pipEnvironment {
	var out []pipEnvironment
	for _, py := range []string{"3.9", "3.12"} {
		out = append(out,
			pipEnvironment{py, pep508.PlatformLinux, "manylinux_2_17_x86_64", "manylinux_x86_64"},
			pipEnvironment{py, pep508.PlatformMacOS, "macosx_11_0_arm64", "macos_arm64"},
			pipEnvironment{py, pep508.PlatformWindows, "win_amd64", "win_amd64"})
	}
	return out
}()

// pipSolution is pip's answer for one environment.
type pipSolution struct {
	ok   bool
	pins map[string]string
}

// pipPerEnvironment asks pip's resolver, once per environment, to install
// roots from the index with wheels only, its markers evaluated for that
// environment (see testdata/pipdriver.py):
//
//	pip install --dry-run --report FILE --ignore-installed --only-binary=:all:
//	    --python-version X --platform P --target DIR --index-url URL -r reqs.txt
func pipPerEnvironment(t *testing.T, pip *pipPool, indexURL, host string, roots []string, envs []pipEnvironment) []pipSolution {
	t.Helper()
	dir := t.TempDir()
	reqs := filepath.Join(dir, "reqs.txt")
	if err := os.WriteFile(reqs, []byte(strings.Join(roots, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sols := make([]pipSolution, len(envs))
	for i, e := range envs {
		report := filepath.Join(dir, fmt.Sprintf("report-%d.json", i))
		code, out := pip.runFor(t, []string{"install", "--dry-run", "--report", report, "--quiet", "--ignore-installed",
			"--no-cache-dir", "--disable-pip-version-check", "--only-binary=:all:", "--python-version", e.python,
			"--platform", e.pipPlatform, "--index-url", indexURL, "--trusted-host", host, "-r", reqs,
			// pip 23.2 takes --platform only with --target; --dry-run writes nothing there.
			"--target", filepath.Join(dir, "target")}, e.environment(t))
		if code != 0 {
			if pipFoundNoSolution(out) {
				continue
			}
			t.Fatalf("pip on %s failed unexpectedly (exit %d):\n%s", e, code, out)
		}
		sols[i] = pipSolution{ok: true, pins: readPipReport(t, report)}
	}
	return sols
}

// Root requirements whose markers only hold on Windows and on CPython 3.9.
const (
	canaryWin  = `canary-win ; sys_platform == "win32"`
	canaryPy39 = `canary-py39 ; python_version < "3.10"`
)

// universalPipGraph builds a seeded random index of ten projects with
// three releases each. Dependencies carry sys_platform, platform_machine,
// python_version and implementation_name markers, and some diverge by
// marker (x>=2 where m holds, x<2 where it does not). Some newest releases
// require Python 3.10; some projects ship compiled wheels, whose newest
// release may lack a platform or CPython 3.9; a few releases add an sdist.
func universalPipGraph(seed uint64) ([]testindex.Dist, []string) {
	r := rand.New(rand.NewPCG(seed, 0x756e6976))
	const n = 10
	name := func(i int) string { return fmt.Sprintf("u%d", i) }
	// Each marker with its complement, for diverging pairs.
	markers := [][2]string{
		{`sys_platform == "win32"`, `sys_platform != "win32"`},
		{`sys_platform == "linux"`, `sys_platform != "linux"`},
		{`sys_platform != "darwin"`, `sys_platform == "darwin"`},
		{`platform_machine == "arm64"`, `platform_machine != "arm64"`},
		{`platform_machine == "aarch64"`, `platform_machine != "aarch64"`},
		{`python_version >= "3.11"`, `python_version < "3.11"`},
		{`python_version < "3.10"`, `python_version >= "3.10"`},
		{`implementation_name == "cpython"`, `implementation_name != "cpython"`},
		{`implementation_name == "pypy"`, `implementation_name != "pypy"`},
		{`sys_platform == "linux" and python_version < "3.11"`, `sys_platform != "linux" or python_version >= "3.11"`},
	}
	specs := []string{"", "", ">=2", ">=3", "<3", "<2"}
	plats := []string{"manylinux_2_17_x86_64", "macosx_11_0_arm64", "win_amd64"}
	var out []testindex.Dist
	for i := range n {
		compiled := r.IntN(4) // 0: abi3 wheels, 1: per-version wheels, else pure
		for v := 1; v <= 3; v++ {
			d := testindex.Dist{Name: name(i), Version: fmt.Sprintf("%d.0", v), RequiresPython: ">=3.8"}
			if v == 3 && r.IntN(5) == 0 {
				d.RequiresPython = ">=3.10"
			}
			for j := i + 1; j < n; j++ {
				if r.IntN(3) != 0 {
					continue
				}
				spec := specs[r.IntN(len(specs))]
				if r.IntN(2) == 0 {
					d.Requires = append(d.Requires, name(j)+spec)
					continue
				}
				m := markers[r.IntN(len(markers))]
				if r.IntN(3) == 0 {
					d.Requires = append(d.Requires, name(j)+">=2 ; "+m[0], name(j)+"<2 ; "+m[1])
					continue
				}
				d.Requires = append(d.Requires, name(j)+spec+" ; "+m[0])
			}
			switch compiled {
			case 0, 1:
				abis := []string{"cp39-abi3"}
				if compiled == 1 {
					abis = []string{"cp39-cp39", "cp312-cp312"}
				}
				gap := v == 3 && r.IntN(2) == 0
				dropPlat, dropABI := r.IntN(len(plats)), r.IntN(len(abis))
				for a, abi := range abis {
					for p, plat := range plats {
						if gap && (p == dropPlat || len(abis) > 1 && a == dropABI && r.IntN(2) == 0) {
							continue
						}
						d.WheelTags = append(d.WheelTags, abi+"-"+plat)
					}
				}
				if len(d.WheelTags) == 0 {
					d.NoWheel = true
				}
			default:
				d.Sdist = r.IntN(8) == 0
			}
			out = append(out, d)
		}
	}
	roots := []string{name(0), name(1 + r.IntN(4))}
	if r.IntN(3) == 0 {
		roots[1] += "<3"
	}
	// Canaries show that pip evaluates markers for the target environment.
	out = append(out, testindex.Dist{Name: "canary-win", Version: "1.0"}, testindex.Dist{Name: "canary-py39", Version: "1.0"})
	roots = append(roots, canaryWin, canaryPy39)
	return out, roots
}

// TestUniversalAgainstPip locks seeded random graphs universally and asks
// real pip to resolve each of six environments (Linux, macOS, Windows ×
// CPython 3.9, 3.12) on the same loopback index. The lock evaluated for an
// environment must be a valid installation there (every requirement and
// marker holds, every pinned release has a wheel for it or an sdist); it
// must be one wherever pip finds a solution, which the lock requires with
// --required-environment. The universe is the six environments; when it has
// no universal solution, pip must fail somewhere, and the lock of the
// environments pip solves must cover each of them.
func TestUniversalAgainstPip(t *testing.T) {
	python := pythonWithPip(t)
	pip := newPipPool(t, python)
	var graphs, pipSolved, narrowed, forks, multi atomic.Int64
	t.Cleanup(func() {
		t.Logf("%d graphs × %d environments: pip solved %d; universal locks needed %d forks, %d had a project at two versions; %d universes narrowed to pip's solvable environments",
			graphs.Load(), len(pipEnvironments), pipSolved.Load(), forks.Load(), multi.Load(), narrowed.Load())
		// The graphs are meant to make the resolver fork and pip fail
		// somewhere; a generator that stops doing so proves little.
		if graphs.Load() == universalPipGraphs && (multi.Load() == 0 || narrowed.Load() == 0 || pipSolved.Load() == graphs.Load()*int64(len(pipEnvironments))) {
			t.Errorf("the graphs no longer exercise forks (%d locks with two versions of a project) or environments pip cannot solve (%d)",
				multi.Load(), narrowed.Load())
		}
	})
	for seed := uint64(1); seed <= universalPipGraphs; seed++ {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			t.Parallel()
			dists, roots := universalPipGraph(seed)
			ix, err := testindex.New(dists, testindex.Options{})
			if err != nil {
				t.Fatal(err)
			}
			base := ix.Start()
			defer ix.Close()
			u, _ := url.Parse(base)
			sols := pipPerEnvironment(t, pip, base, u.Host, roots, pipEnvironments)
			graphs.Add(1)
			for i, s := range sols {
				e := pipEnvironments[i]
				_, win := s.pins["canary-win"]
				_, py39 := s.pins["canary-py39"]
				if s.ok && (win != (e.platform == pep508.PlatformWindows) || py39 != (e.python == "3.9")) {
					t.Fatalf("pip on %s did not evaluate markers for it: installs %v", e, s.pins)
				}
			}
			var solvable []pipEnvironment
			for i, s := range sols {
				if s.ok {
					solvable = append(solvable, pipEnvironments[i])
					pipSolved.Add(1)
				}
			}
			lockFor := func(universe, required []pipEnvironment) (*Result, error) {
				client, err := index.New(index.Options{Sources: []index.Source{{Name: "test", URL: base}}, TrustedHosts: []string{u.Host}, NoCache: true})
				if err != nil {
					t.Fatal(err)
				}
				uv := &resolve.Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.9")}
				for _, e := range universe {
					uv.Environments = append(uv.Environments, e.marker(t))
				}
				for _, e := range required {
					uv.Required = append(uv.Required, e.marker(t))
				}
				var reqs []Requirement
				for _, r := range roots {
					reqs = append(reqs, Requirement{Req: mustReq(t, r)})
				}
				return Lock(context.Background(), Options{Requirements: reqs, Provider: resolve.NewIndexProvider(client),
					Downloader: client, Universal: uv, RequiresPython: ">=3.9"})
			}
			universe := pipEnvironments
			res, err := lockFor(universe, solvable)
			var nse *resolve.NoSolutionError
			switch {
			case errors.As(err, &nse):
				if len(solvable) == len(pipEnvironments) {
					t.Fatalf("pip solves every environment, the universal lock fails:\n%v", err)
				}
				if len(solvable) == 0 {
					return
				}
				narrowed.Add(1)
				universe = solvable
				if res, err = lockFor(universe, solvable); err != nil {
					t.Fatalf("pip solves %v, the universal lock of those environments fails:\n%v", solvable, err)
				}
			case err != nil:
				t.Fatal(err)
			}
			forks.Add(int64(len(res.Resolution.Forks)))
			if len(res.Lock.Forked()) > 0 {
				multi.Add(1)
			}
			for i, e := range pipEnvironments {
				if !slices.Contains(universe, e) {
					continue
				}
				reqErr, fileErr := installation(t, res.Lock, dists, roots, e)
				if reqErr != nil {
					t.Errorf("on %s: %v\nlock: %s\npip: %v", e, reqErr, describeLock(res.Lock), sols[i].pins)
				}
				if fileErr != nil && sols[i].ok {
					t.Errorf("on %s pip installs %v, but the lock has no file: %v\nlock: %s", e, sols[i].pins, fileErr, describeLock(res.Lock))
				}
			}
		})
	}
}

// installation evaluates the lock's markers for e, as pyward sync and pip
// do, and checks the result against the index: reqErr when a requirement
// of the roots or of an installed release is missing or unsatisfied, a
// project is installed twice or without being needed; fileErr when an
// installed release has no wheel for e (and no sdist) or excludes e's
// Python.
func installation(t *testing.T, l *lockfile.Lock, dists []testindex.Dist, roots []string, e pipEnvironment) (reqErr, fileErr error) {
	t.Helper()
	env := e.environment(t)
	py := pep440.MustParse(e.python)
	interp, err := pep425.Target(e.tagTarget, [2]int{py.Release()[0], py.Release()[1]})
	if err != nil {
		t.Fatal(err)
	}
	supported := map[pep425.Tag]bool{}
	for _, tg := range interp.Tags() {
		supported[tg] = true
	}
	installed := map[string]*lockfile.Package{}
	for i := range l.Packages {
		p := &l.Packages[i]
		if p.Marker != "" {
			m, err := pep508.ParseMarker(p.Marker)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Evaluate(env) {
				continue
			}
		}
		if prev, ok := installed[p.NormalizedName()]; ok {
			return fmt.Errorf("%s is installed at %s and %s", p.Name, prev.Version, p.Version), nil
		}
		installed[p.NormalizedName()] = p
	}
	release := func(name, version string) *testindex.Dist {
		for i := range dists {
			if dists[i].ProjectName() == name && pep440.MustParse(dists[i].Version).Equal(pep440.MustParse(version)) {
				return &dists[i]
			}
		}
		return nil
	}
	needed := map[string]bool{}
	var errs, files []error
	var require func(req, from string)
	require = func(req, from string) {
		r := mustReq(t, req)
		if r.Marker != nil && !r.Marker.Evaluate(env) {
			return
		}
		name := r.NormalizedName()
		p, ok := installed[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s requires %s, which is not installed", from, r))
			return
		}
		if !r.Specifier.Contains(pep440.MustParse(p.Version), true) {
			errs = append(errs, fmt.Errorf("%s requires %s, but %s is installed", from, r, p.Version))
		}
		if needed[name] {
			return
		}
		needed[name] = true
		d := release(name, p.Version)
		if d == nil {
			errs = append(errs, fmt.Errorf("%s %s is not a release of the index", name, p.Version))
			return
		}
		if d.RequiresPython != "" && !pep440.MustParseSpecifierSet(d.RequiresPython).Contains(py, true) {
			files = append(files, fmt.Errorf("%s %s requires Python %s", name, p.Version, d.RequiresPython))
		}
		usable := p.Sdist != nil
		for _, w := range p.Wheels {
			parts := strings.Split(strings.TrimSuffix(w.Name, ".whl"), "-")
			tags, err := pep425.ParseCompressedTag(strings.Join(parts[len(parts)-3:], "-"), false)
			if err != nil {
				t.Fatal(err)
			}
			for _, tg := range tags {
				usable = usable || supported[tg]
			}
		}
		if !usable {
			files = append(files, fmt.Errorf("%s %s has no wheel for %s and no sdist", name, p.Version, e))
		}
		for _, dep := range d.Requires {
			require(dep, name+"=="+p.Version)
		}
	}
	for _, r := range roots {
		require(r, "the root")
	}
	for name, p := range installed {
		if !needed[name] {
			errs = append(errs, fmt.Errorf("%s %s is installed but nothing requires it here", name, p.Version))
		}
	}
	return errors.Join(errs...), errors.Join(files...)
}

func describeLock(l *lockfile.Lock) string {
	var parts []string
	for _, p := range l.Packages {
		s := p.Name + "==" + p.Version
		if p.Marker != "" {
			s += " ; " + p.Marker
		}
		parts = append(parts, s)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
