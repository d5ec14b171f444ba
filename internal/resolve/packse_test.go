package resolve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
)

const packseDir = "../../../shared/conformance/packse/scenarios"

// packseSkip lists scenarios we do not run, with the reason. Universal
// (multi-platform fork) scenarios are filtered separately.
var packseSkip = map[string]string{}

// packseUniversalDiffers lists universal scenarios where pyward finds a
// lock that packse (following uv) expects no resolution for. For each, the
// lock is checked to be a valid installation on every environment instead.
var packseUniversalDiffers = map[string]string{
	"fork-non-local-fork-marker-direct": "uv forks only on sibling requirements and so fails on the conflict " +
		"between c<2 (via a, linux) and c>=2 (via b, darwin); pyward splits a failed fork on the markers of " +
		"the requirements in the conflict, and each platform has a solution",
	"fork-non-local-fork-marker-transitive": "as fork-non-local-fork-marker-direct, with the markers on the " +
		"requirements of c itself",
	"preferences-dependent-forking-conflicting": "the scenario's own description shows a valid lock " +
		"(linux: cleaver 1, foo 1, bar 2; elsewhere: cleaver 1, foo 2, bar 1); uv fails because it does " +
		"not re-fork after rejecting cleaver 2, while pyward solves each fork from its start",
}

// packseExplanations pins the full explanation of some failing scenarios.
var packseExplanations = map[string]string{
	"backtrack-to-missing-package": "Because c was not found in the package registry and a==1.0.0 depends on c, a==1.0.0 cannot be used.\n" +
		"And because b depends on a==1.0.0 and you require b, we can conclude that your requirements are unsatisfiable.",
	"requires-package-does-not-exist": "Because a was not found in the package registry and you require a, we can conclude that your requirements are unsatisfiable.",
	"dependency-excludes-range-of-compatible-versions": "Because c==1.0.0 depends on a<2.0.0 and a==1.0.0 depends on b==1.0.0, c==1.0.0 depends on b==1.0.0.\n" +
		"And because c==2.0.0 depends on a>=3.0.0 and a==3.0.0 depends on b==3.0.0, c depends on b!=2.0.0.\n" +
		"And because you require b<3.0.0,>=2.0.0 and you require c, we can conclude that your requirements are unsatisfiable.",
	"extra-incompatible-with-root": "Because a[extra]==1.0.0 depends on b==1.0.0 and you require a[extra], b==1.0.0 is required.\n" +
		"And because you require b==2.0.0, we can conclude that your requirements are unsatisfiable.",
	"package-only-prereleases-in-range":         "Because a==1.0.0a1 is a pre-release and pre-releases of a are not enabled and you require a>0.1.0, we can conclude that your requirements are unsatisfiable.",
	"python-greater-than-current":               "Because a==1.0.0 requires Python >=3.10 (the target is Python 3.9) and you require a==1.0.0, we can conclude that your requirements are unsatisfiable.",
	"no-sdist-no-wheels-with-matching-platform": "Because a==1.0.0 has no wheel compatible with the target platform and no source distribution and you require a, we can conclude that your requirements are unsatisfiable.",
	"requires-exact-version-does-not-exist":     "Because there is no version of a==2.0.0 and you require a==2.0.0, we can conclude that your requirements are unsatisfiable.",
}

type packseScenario struct {
	raw  string // the TOML text
	Name string `toml:"name"`
	Root struct {
		Requires       []string `toml:"requires"`
		RequiresPython string   `toml:"requires_python"`
	} `toml:"root"`
	Packages map[string]struct {
		Versions map[string]packseRelease `toml:"versions"`
	} `toml:"packages"`
	Expected struct {
		Satisfiable bool              `toml:"satisfiable"`
		Packages    map[string]string `toml:"packages"`
		Explanation string            `toml:"explanation"`
	} `toml:"expected"`
	ResolverOptions struct {
		Python               string   `toml:"python"`
		Prereleases          bool     `toml:"prereleases"`
		Universal            bool     `toml:"universal"`
		RequiredEnvironments []string `toml:"required_environments"`
		NoBinary             []string `toml:"no_binary"`
		NoBuild              []string `toml:"no_build"`
		PythonPlatform       string   `toml:"python_platform"`
	} `toml:"resolver_options"`
	Environment struct {
		Python           string   `toml:"python"`
		AdditionalPython []string `toml:"additional_python"`
	} `toml:"environment"`
}

type packseRelease struct {
	Requires       []string            `toml:"requires"`
	Extras         map[string][]string `toml:"extras"`
	RequiresPython *string             `toml:"requires_python"`
	Sdist          *bool               `toml:"sdist"`
	Wheel          *bool               `toml:"wheel"`
	WheelTags      []string            `toml:"wheel_tags"`
	Yanked         bool                `toml:"yanked"`
}

// singleEnvironment reports whether the scenario can run in single-
// environment mode. Universal scenarios can when nothing in them depends on
// the environment (no marker variables, no Requires-Python, no platform
// options): a universal resolution then never forks, so it is the single
// resolution for the default target.
func (sc *packseScenario) singleEnvironment() bool {
	if !sc.ResolverOptions.Universal {
		return true
	}
	for _, word := range []string{"sys_platform", "python_version", "python_full_version", "implementation",
		"platform_", "os_name", "extra ==", "requires_python", "required_environments", "python_platform", "[environment]"} {
		if strings.Contains(sc.raw, word) {
			return false
		}
	}
	return true
}

func loadPackse(t *testing.T) []*packseScenario {
	t.Helper()
	if _, err := os.Stat(packseDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("packse scenarios missing: %v", err)
		}
		t.Skipf("packse scenarios missing: %v", err)
	}
	var files []string
	err := filepath.WalkDir(packseDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".toml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	var out []*packseScenario
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var sc packseScenario
		if _, err := toml.Decode(string(data), &sc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sc.raw = string(data)
		out = append(out, &sc)
	}
	return out
}

// releases flattens a scenario's index into MemoryReleases, applying the
// packse defaults (requires_python ">=3.12", sdist and wheel true, one
// py3-none-any wheel).
func (sc *packseScenario) releases() []MemoryRelease {
	var out []MemoryRelease
	names := make([]string, 0, len(sc.Packages))
	for n := range sc.Packages {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		for ver, r := range sc.Packages[name].Versions {
			rp := ">=3.12"
			if r.RequiresPython != nil {
				rp = *r.RequiresPython
			}
			out = append(out, MemoryRelease{
				Name: name, Version: ver, Requires: r.Requires, Extras: r.Extras,
				RequiresPython: rp, Yanked: r.Yanked, WheelTags: r.WheelTags,
				NoWheel: r.Wheel != nil && !*r.Wheel, NoSdist: r.Sdist != nil && !*r.Sdist,
			})
		}
	}
	return out
}

// options builds resolver options for the scenario's target: CPython
// (resolver_options.python, else environment.python, else 3.12) on
// x86_64 manylinux.
func (sc *packseScenario) options(t *testing.T) Options {
	t.Helper()
	py := sc.ResolverOptions.Python
	if py == "" {
		py = sc.Environment.Python
	}
	if py == "" {
		py = "3.12"
	}
	pyv := pep440.MustParse(py)
	env, err := pep508.TargetEnvironment(py, pep508.PlatformLinux)
	if err != nil {
		t.Fatal(err)
	}
	interp, err := pep425.Target("manylinux_x86_64", [2]int{pyv.Major(), pyv.Minor()})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		Python: pyv, Environment: env, Tags: interp.Tags(),
		Prereleases: sc.ResolverOptions.Prereleases,
		NoBinary:    sc.ResolverOptions.NoBinary, NoBuild: sc.ResolverOptions.NoBuild,
	}
	for _, s := range sc.Root.Requires {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			t.Fatalf("root requirement %q: %v", s, err)
		}
		o.Requirements = append(o.Requirements, r)
	}
	if !sc.singleEnvironment() {
		rp := sc.Root.RequiresPython
		if rp == "" {
			rp = ">=3.12"
		}
		u := &Universe{RequiresPython: pep440.MustParseSpecifierSet(rp)}
		for _, m := range sc.ResolverOptions.RequiredEnvironments {
			pm, err := pep508.ParseMarker(m)
			if err != nil {
				t.Fatal(err)
			}
			u.Required = append(u.Required, pm)
		}
		o.Universal = u
	}
	return o
}

func (sc *packseScenario) check(t *testing.T, res *Resolution, err error, satisfiable bool) {
	t.Helper()
	var nse *NoSolutionError
	if err != nil && !errors.As(err, &nse) {
		t.Fatalf("unexpected error: %v", err)
	}
	if !satisfiable {
		if err == nil {
			t.Fatalf("expected no solution, got %v", describeResolution(res))
		}
		if strings.TrimSpace(nse.Explanation()) == "" {
			t.Fatalf("empty explanation")
		}
		t.Logf("explanation:\n%s", nse.Explanation())
		if want, ok := packseExplanations[sc.Name]; ok && nse.Explanation() != want {
			t.Fatalf("explanation:\n%s\nwant:\n%s", nse.Explanation(), want)
		}
		return
	}
	if err != nil {
		t.Fatalf("expected a solution, got: %v", err)
	}
	if sc.Expected.Packages == nil {
		return
	}
	want := map[string]pep440.Version{}
	for n, v := range sc.Expected.Packages {
		want[pep503.Normalize(n)] = pep440.MustParse(v)
	}
	got := map[string]pep440.Version{}
	for _, p := range res.Packages {
		got[p.Name] = p.Version
	}
	ok := len(got) == len(want)
	for n, v := range want {
		if g, found := got[n]; !found || g.Compare(v) != 0 {
			ok = false
		}
	}
	if !ok {
		t.Fatalf("got %v, want %v", describeResolution(res), sc.Expected.Packages)
	}
}

func describeResolution(res *Resolution) string {
	var parts []string
	for _, p := range res.Packages {
		parts = append(parts, p.Name+"=="+p.Version.String())
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// run resolves the scenario with p and checks the outcome; a universal
// lock is also checked to be a valid installation on each environment.
func (sc *packseScenario) run(t *testing.T, p Provider) {
	t.Helper()
	opts := sc.options(t)
	res, err := Resolve(context.Background(), p, opts)
	want := sc.Expected.Satisfiable
	if reason, ok := packseUniversalDiffers[sc.Name]; ok {
		t.Logf("expected outcome differs on purpose: %s", reason)
		want = true
	}
	sc.check(t, res, err, want)
	if opts.Universal != nil && err == nil {
		universe, uerr := opts.Universal.markerSet()
		if uerr != nil {
			t.Fatal(uerr)
		}
		checkUniversal(t, p, opts.Requirements, res, checkEnvironments(t, "3.9", "3.10", "3.12", "3.13"), universe)
	}
}

func TestPackseMemory(t *testing.T) {
	ran := 0
	for _, sc := range loadPackse(t) {
		t.Run(sc.Name, func(t *testing.T) {
			if reason, ok := packseSkip[sc.Name]; ok {
				t.Skip(reason)
			}
			ran++
			mp := NewMemoryProvider()
			for _, r := range sc.releases() {
				if err := mp.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			for n := range sc.Packages {
				mp.AddProject(n)
			}
			sc.run(t, mp)
		})
	}
	if ran < 100 {
		t.Errorf("ran only %d packse scenarios", ran)
	}
}
