package resolve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
)

// checkEnvironments are the concrete environments a universal resolution
// is checked on: CPython and PyPy on Linux (x86_64, aarch64), macOS and
// Windows, and an unknown platform, at each Python version given.
func checkEnvironments(t testing.TB, pythons ...string) []pep508.Environment {
	t.Helper()
	var out []pep508.Environment
	for _, py := range pythons {
		for _, plat := range []string{pep508.PlatformLinux, pep508.PlatformLinuxAarch64, pep508.PlatformMacOS, pep508.PlatformWindows} {
			env, err := pep508.TargetEnvironment(py, plat)
			if err != nil {
				t.Fatal(err)
			}
			pypy := maps.Clone(env)
			pypy["implementation_name"], pypy["platform_python_implementation"] = "pypy", "PyPy"
			out = append(out, env, pypy)
		}
		odd, _ := pep508.TargetEnvironment(py, pep508.PlatformLinux)
		odd["sys_platform"], odd["os_name"] = "os1", "os1"
		out = append(out, odd)
	}
	return out
}

// installFor evaluates a universal resolution for one environment, as
// pyward sync and pip do: the entries whose marker holds. It fails when a
// project has two entries there.
func installFor(res *Resolution, env pep508.Environment) (map[string]*Resolved, error) {
	out := map[string]*Resolved{}
	for i := range res.Packages {
		r := &res.Packages[i]
		if !r.Marker.Evaluate(env) {
			continue
		}
		if prev, ok := out[r.Name]; ok {
			return nil, fmt.Errorf("%s: both %s and %s apply", r.Name, prev.Version, r.Version)
		}
		out[r.Name] = r
	}
	return out, nil
}

// validInstallation checks that the set chosen for env satisfies every
// requirement that applies in env, transitively from the root
// requirements, with extras, and that each release has a file for the
// interpreter's Requires-Python lower bound.
func validInstallation(ctx context.Context, p Provider, reqs []*pep508.Requirement, set map[string]*Resolved, env pep508.Environment) error {
	type node struct{ name, extra string }
	seen := map[node]bool{}
	var queue []*pep508.Requirement
	var via []string
	push := func(rs []*pep508.Requirement, extra, from string) {
		for _, r := range rs {
			if r.Marker.EvaluateExtras(env, []string{extra}) && (extra == "" || !r.Marker.EvaluateExtras(env, nil)) {
				queue = append(queue, r)
				via = append(via, from)
			}
		}
	}
	push(reqs, "", "root")
	py := pep440.MustParse(env["python_full_version"])
	for len(queue) > 0 {
		r, from := queue[0], via[0]
		queue, via = queue[1:], via[1:]
		name := r.NormalizedName()
		got, ok := set[name]
		if !ok {
			return fmt.Errorf("%s requires %s, which is not installed", from, r)
		}
		if !r.Specifier.Contains(got.Version, true) {
			return fmt.Errorf("%s requires %s, but %s is installed", from, r, got.Version)
		}
		for _, extra := range append([]string{""}, r.NormalizedExtras()...) {
			if seen[node{name, extra}] {
				continue
			}
			seen[node{name, extra}] = true
			deps, err := p.Dependencies(ctx, got.Candidate, got.File)
			if err != nil {
				return err
			}
			if extra == "" && !lowerBoundsAllow(py, deps.RequiresPython) {
				return fmt.Errorf("%s %s requires Python %s", name, got.Version, deps.RequiresPython)
			}
			push(deps.Requires, extra, name+"=="+got.Version.String())
		}
	}
	return nil
}

func checkUniversal(t *testing.T, p Provider, reqs []*pep508.Requirement, res *Resolution, envs []pep508.Environment, universe pep508.MarkerSet) {
	t.Helper()
	for _, env := range envs {
		if !universe.Evaluate(env) {
			continue
		}
		set, err := installFor(res, env)
		if err == nil {
			err = validInstallation(context.Background(), p, reqs, set, env)
		}
		if err != nil {
			t.Fatalf("on %s %s %s/%s: %v\nlock: %s", env["sys_platform"], env["platform_machine"], env["implementation_name"],
				env["python_full_version"], err, describeUniversal(res))
		}
	}
}

func describeUniversal(res *Resolution) string {
	var parts []string
	for _, p := range res.Packages {
		s := p.Name + "==" + p.Version.String()
		if p.Marker != nil {
			s += " ; " + p.Marker.String()
		}
		parts = append(parts, s)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func mustReqs(t testing.TB, texts ...string) []*pep508.Requirement {
	t.Helper()
	var out []*pep508.Requirement
	for _, s := range texts {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestUniversalForks(t *testing.T) {
	releases := []MemoryRelease{
		{Name: "app", Version: "1.0", RequiresPython: ">=3.9", Requires: []string{
			"numpy>=2 ; python_version >= '3.10'", "numpy<2 ; python_version < '3.10'",
			"colorama ; sys_platform == 'win32'", "tomli ; python_version < '3.11'"}},
		{Name: "numpy", Version: "1.26.4", RequiresPython: ">=3.9"},
		{Name: "numpy", Version: "2.1.0", RequiresPython: ">=3.10"},
		{Name: "colorama", Version: "0.4.6", RequiresPython: ">=3.7"},
		{Name: "tomli", Version: "2.0.1", RequiresPython: ">=3.7"},
	}
	mp := NewMemoryProvider()
	for _, r := range releases {
		if err := mp.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	reqs := mustReqs(t, "app")
	u := &Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.9")}
	res, err := Resolve(context.Background(), mp, Options{Requirements: reqs, Universal: u})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`app==1.0`,
		`colorama==0.4.6 ; sys_platform == "win32"`,
		`numpy==1.26.4 ; python_version < "3.10"`,
		`numpy==2.1.0 ; python_version >= "3.10"`,
		`tomli==2.0.1 ; python_version < "3.11"`,
	}
	if got := describeUniversal(res); got != "{"+strings.Join(want, ", ")+"}" {
		t.Errorf("got  %s\nwant %v", got, want)
	}
	if len(res.Forks) != 2 {
		t.Errorf("forks = %q, want 2", res.Forks)
	}
	universe, _ := u.markerSet()
	checkUniversal(t, mp, reqs, res, checkEnvironments(t, "3.9", "3.10", "3.12"), universe)
}

// TestUniversalForksPreferOneVersion: the fork below Python 3.10 is solved
// first and can take only leaf 1.0 (dep 1.5 needs leaf<2); the fork above
// accepts any leaf and takes the same 1.0 rather than the newest, so the
// lock pins leaf once, everywhere. The earlier fork's choice is only a
// preference: where the later fork needs another leaf (on Windows, other
// needs leaf>=2), that fork takes the newest.
func TestUniversalForksPreferOneVersion(t *testing.T) {
	mp := NewMemoryProvider()
	for _, r := range []MemoryRelease{
		{Name: "app", Version: "1.0", Requires: []string{"dep<2 ; python_version < '3.10'", "dep>=2 ; python_version >= '3.10'"}},
		{Name: "dep", Version: "1.5", Requires: []string{"leaf<2"}},
		{Name: "dep", Version: "2.3", Requires: []string{"leaf", "other ; sys_platform == 'win32'"}},
		{Name: "other", Version: "1.0", Requires: []string{"leaf>=2"}},
		{Name: "leaf", Version: "1.0"}, {Name: "leaf", Version: "2.0"}, {Name: "leaf", Version: "3.0"},
	} {
		if err := mp.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name        string
		environment string
		want        []string
	}{
		{"one version across forks", `sys_platform != "win32"`, []string{
			`app==1.0`,
			`dep==1.5 ; python_version < "3.10"`,
			`dep==2.3 ; python_version >= "3.10"`,
			`leaf==1.0`,
		}},
		{"a later fork that cannot keep the choice", "", []string{
			`app==1.0`,
			`dep==1.5 ; python_version < "3.10"`,
			`dep==2.3 ; python_version >= "3.10"`,
			`leaf==1.0 ; python_version < "3.10"`,
			`leaf==3.0 ; python_version >= "3.10"`,
			`other==1.0 ; python_version >= "3.10" and sys_platform == "win32"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := mustReqs(t, "app")
			u := &Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.9")}
			if tt.environment != "" {
				m, err := pep508.ParseMarker(tt.environment)
				if err != nil {
					t.Fatal(err)
				}
				u.Environments = []*pep508.Marker{m}
			}
			res, err := Resolve(context.Background(), mp, Options{Requirements: reqs, Universal: u})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := describeUniversal(res), "{"+strings.Join(tt.want, ", ")+"}"; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			universe, _ := u.markerSet()
			checkUniversal(t, mp, reqs, res, checkEnvironments(t, "3.9", "3.12"), universe)
		})
	}
}

func TestUniversalForkExplanation(t *testing.T) {
	mp := NewMemoryProvider()
	for _, r := range []MemoryRelease{
		{Name: "a", Version: "1.0", Requires: []string{"b", "c"}}, {Name: "a", Version: "2.0"},
		{Name: "b", Version: "1.0", Requires: []string{"d==1"}}, {Name: "c", Version: "1.0", Requires: []string{"d==2"}},
		{Name: "d", Version: "1.0"}, {Name: "d", Version: "2.0"},
	} {
		if err := mp.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Resolve(context.Background(), mp, Options{
		Requirements: mustReqs(t, "a>=2 ; sys_platform == 'linux'", "a<2 ; sys_platform == 'win32'"),
		Universal:    &Universe{},
	})
	nse, ok := err.(*NoSolutionError)
	if !ok {
		t.Fatalf("err = %v, want NoSolutionError", err)
	}
	if got := nse.Explanation(); !strings.HasPrefix(got, `On sys_platform == "win32", because `) {
		t.Errorf("explanation:\n%s\nwant it to start with the fork's marker", got)
	}
}

func TestUniversalRequiredEnvironment(t *testing.T) {
	mp := NewMemoryProvider()
	for _, r := range []MemoryRelease{
		{Name: "a", Version: "1.0", RequiresPython: ">=3.9", WheelTags: []string{"py3-none-any"}, NoSdist: true},
		{Name: "a", Version: "2.0", RequiresPython: ">=3.9", WheelTags: []string{"cp312-abi3-manylinux_2_17_x86_64", "cp312-abi3-win_amd64"}, NoSdist: true},
	} {
		if err := mp.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	linux, _ := pep508.ParseMarker(`sys_platform == "linux"`)
	mac, _ := pep508.ParseMarker(`sys_platform == "darwin"`)
	tests := []struct {
		name     string
		required []*pep508.Marker
		want     string
	}{
		{"no required environment takes the newest", nil, "2.0"},
		{"linux on x86_64 and aarch64 needs the older", []*pep508.Marker{linux}, "1.0"},
		{"macOS needs the older", []*pep508.Marker{mac}, "1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Resolve(context.Background(), mp, Options{Requirements: mustReqs(t, "a"),
				Universal: &Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.12"), Required: tt.required}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Packages) != 1 || res.Packages[0].Version.String() != tt.want {
				t.Fatalf("got %s, want a==%s", describeUniversal(res), tt.want)
			}
			if tt.want == "2.0" && !slices.Contains(res.Packages[0].Uncovered, "cp312-macos") {
				t.Errorf("uncovered = %q, want cp312-macos listed", res.Packages[0].Uncovered)
			}
		})
	}
	_, err := Resolve(context.Background(), mp, Options{Requirements: mustReqs(t, "a==2.0"),
		Universal: &Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.12"), Required: []*pep508.Marker{mac}}})
	if err == nil || !strings.Contains(err.Error(), "cp312-macos") || !strings.Contains(err.Error(), "a==2.0") {
		t.Errorf("err = %v, want one naming a==2.0 and cp312-macos", err)
	}
}

// randomGraph builds a seeded random index whose dependencies carry
// sys_platform, platform_machine, python_version and implementation_name
// markers, sometimes diverging on one project.
func randomGraph(r *rand.Rand) ([]MemoryRelease, []string) {
	names := []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"}
	markers := []string{"", "", "", "sys_platform == 'linux'", "sys_platform == 'win32'", "sys_platform != 'darwin'",
		"platform_machine == 'aarch64'", "python_version >= '3.11'", "python_version < '3.11'",
		"implementation_name == 'cpython'", "implementation_name == 'pypy'"}
	var out []MemoryRelease
	for i, n := range names {
		for v := 1; v <= 3; v++ {
			rel := MemoryRelease{Name: n, Version: fmt.Sprintf("%d.0", v), RequiresPython: ">=3.9"}
			if r.IntN(6) == 0 {
				rel.RequiresPython = ">=3.11"
			}
			for j := i + 1; j < len(names); j++ {
				if r.IntN(4) != 0 {
					continue
				}
				m := markers[r.IntN(len(markers))]
				spec := []string{"", fmt.Sprintf(">=%d", 1+r.IntN(3)), fmt.Sprintf("<%d", 2+r.IntN(2))}[r.IntN(3)]
				if m != "" && r.IntN(3) == 0 {
					// Diverge: the complementary marker with another range.
					rel.Requires = append(rel.Requires, names[j]+">=2 ; "+m, names[j]+"<2 ; not_"+m)
					continue
				}
				req := names[j] + spec
				if m != "" {
					req += " ; " + m
				}
				rel.Requires = append(rel.Requires, req)
			}
			out = append(out, rel)
		}
	}
	for i := range out {
		for k, req := range out[i].Requires {
			if a, b, ok := strings.Cut(req, "; not_"); ok {
				out[i].Requires[k] = a + "; not (" + b + ")"
			}
		}
	}
	return out, []string{"p0", names[1+r.IntN(3)]}
}

// TestUniversalDifferential resolves 60 random graphs universally and
// checks that the lock, evaluated for each of 18 concrete environments, is
// a valid installation there; and that where a single-environment
// resolution succeeds, the universal one does too.
func TestUniversalDifferential(t *testing.T) {
	ctx := context.Background()
	envs := checkEnvironments(t, "3.9", "3.12")
	solved, forks := 0, 0
	for seed := uint64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		releases, root := randomGraph(r)
		for i := range releases {
			// "not (...)" is not PEP 508; write the complement out.
			for k, req := range releases[i].Requires {
				releases[i].Requires[k] = complementNot(req)
			}
		}
		mp := NewMemoryProvider()
		for _, rel := range releases {
			if err := mp.Add(rel); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
		}
		reqs := mustReqs(t, root...)
		u := &Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.9")}
		universe, _ := u.markerSet()
		res, err := Resolve(ctx, mp, Options{Requirements: reqs, Universal: u})
		single := 0 // environments a single-environment resolution solves
		for _, env := range envs {
			_, serr := Resolve(ctx, mp, Options{Requirements: reqs, Environment: env})
			if serr == nil {
				single++
			}
		}
		if err != nil {
			// Then some environment has no solution of its own.
			if single == len(envs) {
				t.Errorf("seed %d: every environment resolves alone, but universally: %v", seed, err)
			}
			continue
		}
		solved++
		forks += len(res.Forks)
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkUniversal(t, mp, reqs, res, envs, universe) })
	}
	t.Logf("%d of 60 graphs resolved universally, %d forks in all", solved, forks)
	if solved < 50 {
		t.Errorf("only %d of 60 graphs resolved universally", solved)
	}
}

// complementNot rewrites "x ; not (m)" for the markers randomGraph uses.
func complementNot(req string) string {
	a, m, ok := strings.Cut(req, "; not (")
	if !ok {
		return req
	}
	m = strings.TrimSuffix(m, ")")
	for _, sw := range [][2]string{{"==", "!="}, {"!=", "=="}, {">=", "<"}, {"<", ">="}} {
		if strings.Contains(m, " "+sw[0]+" ") {
			return a + "; " + strings.Replace(m, " "+sw[0]+" ", " "+sw[1]+" ", 1)
		}
	}
	return req
}

// TestUniversalCoverage checks which targets each release covers: a
// release needed everywhere is checked on every target of the universe
// (and none outside it), one with a marker on the targets where it holds,
// each against its files' tags and Requires-Python.
func TestUniversalCoverage(t *testing.T) {
	mp := NewMemoryProvider()
	for _, r := range []MemoryRelease{
		{Name: "app", Version: "1.0", Requires: []string{"native", "new ; python_version >= '3.12'"}},
		{Name: "native", Version: "1.0", NoSdist: true, WheelTags: []string{"cp39-abi3-manylinux_2_17_x86_64"}},
		{Name: "new", Version: "1.0", RequiresPython: ">=3.12"},
	} {
		if err := mp.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	var targets []*Target
	for _, tp := range [][2]string{{"3.9", pep508.PlatformLinux}, {"3.12", pep508.PlatformLinux},
		{"3.12", pep508.PlatformLinuxAarch64}, {"3.12", pep508.PlatformWindows}} {
		tg, err := NewTarget(tp[0], tp[1])
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	linux, err := pep508.ParseMarker(`sys_platform == "linux"`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Resolve(context.Background(), mp, Options{Requirements: mustReqs(t, "app"), Universal: &Universe{
		RequiresPython: pep440.MustParseSpecifierSet(">=3.9"), Environments: []*pep508.Marker{linux}, Targets: targets}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"app":    {"cp39-linux cp312-linux cp312-linux-aarch64", ""},
		"native": {"cp39-linux cp312-linux", "cp312-linux-aarch64"},
		"new":    {"cp312-linux cp312-linux-aarch64", ""},
	}
	for _, p := range res.Packages {
		got := [2]string{strings.Join(p.Covers, " "), strings.Join(p.Uncovered, " ")}
		if got != want[p.Name] {
			t.Errorf("%s covers %q, uncovered %q; want %q", p.Name, got[0], got[1], want[p.Name])
		}
	}
	if len(res.Packages) != len(want) {
		t.Errorf("got %s, want %d packages", describeUniversal(res), len(want))
	}
}

// TestUniversalEnvironmentErrors: environments that leave nothing to lock,
// or a required environment outside them, are errors the caller fixes
// (ErrEnvironments), told apart from failures of the index.
func TestUniversalEnvironmentErrors(t *testing.T) {
	mp := NewMemoryProvider()
	if err := mp.Add(MemoryRelease{Name: "a", Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	marker := func(s string) *pep508.Marker {
		m, err := pep508.ParseMarker(s)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		name string
		u    Universe
		want string
	}{
		{"environments outside requires-python", Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.12"),
			Environments: []*pep508.Marker{marker(`python_version < "3.10"`)}}, "leave nothing to resolve for"},
		{"required environment outside the environments", Universe{Environments: []*pep508.Marker{marker(`sys_platform == "linux"`)},
			Required: []*pep508.Marker{marker(`sys_platform == "win32"`)}}, `"sys_platform == \"win32\"" is outside the resolved environments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(context.Background(), mp, Options{Requirements: mustReqs(t, "a"), Universal: &tt.u})
			if !errors.Is(err, ErrEnvironments) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrEnvironments saying %q", err, tt.want)
			}
		})
	}
}
