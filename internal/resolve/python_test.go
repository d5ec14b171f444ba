package resolve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
)

func linuxOptions(t testing.TB, python string, root ...string) Options {
	t.Helper()
	env, err := pep508.TargetEnvironment(python, pep508.PlatformLinux)
	if err != nil {
		t.Fatal(err)
	}
	v := pep440.MustParse(python)
	in, err := pep425.Target("manylinux_x86_64", [2]int{v.Major(), v.Minor()})
	if err != nil {
		t.Fatal(err)
	}
	return Options{Requirements: reqs(t, root...), Python: v, Environment: env, Tags: in.Tags()}
}

func releases(t testing.TB, rs ...MemoryRelease) *MemoryProvider {
	t.Helper()
	mp := NewMemoryProvider()
	for _, r := range rs {
		if err := mp.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return mp
}

func TestPythonPolicies(t *testing.T) {
	rel := func(name, version string, requires ...string) MemoryRelease {
		return MemoryRelease{Name: name, Version: version, Requires: requires}
	}
	tests := []struct {
		name   string
		index  []MemoryRelease
		root   []string
		tweak  func(*Options)
		want   string // pins; "" means failure
		why    string // substring of the explanation on failure
		hint   string // expected hint on failure
		python string
	}{{
		name:  "marker excludes a dependency on linux",
		index: []MemoryRelease{rel("a", "1.0", "b; sys_platform == 'win32'", "c; sys_platform == 'linux'"), rel("b", "1.0"), rel("c", "1.0")},
		root:  []string{"a"},
		want:  "a==1.0 c==1.0",
	}, {
		name:  "root marker",
		index: []MemoryRelease{rel("a", "1.0"), rel("b", "1.0")},
		root:  []string{"a; python_version < '3'", "b; python_version >= '3.10'"},
		want:  "b==1.0",
	}, {
		name: "self-referencing extras",
		index: []MemoryRelease{{Name: "a", Version: "1.0", Extras: map[string][]string{
			"all": {"a[x,y]"}, "x": {"b"}, "y": {"c>=2"}}}, rel("b", "1.0"), rel("c", "1.0"), rel("c", "2.0")},
		root: []string{"a[all]"},
		want: "a==1.0 b==1.0 c==2.0",
	}, {
		name: "extra with marker",
		index: []MemoryRelease{{Name: "a", Version: "1.0", Extras: map[string][]string{
			"x": {"b; sys_platform == 'win32'", "c"}}}, rel("b", "1.0"), rel("c", "1.0")},
		root: []string{"a[X]"},
		want: "a==1.0 c==1.0",
	}, {
		name:  "constraint applies when required",
		index: []MemoryRelease{rel("a", "1.0", "b"), rel("b", "1.0"), rel("b", "2.0"), rel("d", "1.0")},
		root:  []string{"a"},
		tweak: func(o *Options) { o.Constraints = reqs(t, "b<2", "d==1.0") },
		want:  "a==1.0 b==1.0",
	}, {
		name:  "constraint conflict is explained",
		index: []MemoryRelease{rel("a", "1.0", "b>=2"), rel("b", "1.0"), rel("b", "2.0")},
		root:  []string{"a"},
		tweak: func(o *Options) { o.Constraints = reqs(t, "b<2") },
		why:   "you constrain b to b<2",
	}, {
		name:  "preferences keep locked versions",
		index: []MemoryRelease{rel("a", "1.0", "b"), rel("a", "2.0", "b"), rel("b", "1.0"), rel("b", "2.0")},
		root:  []string{"a"},
		tweak: func(o *Options) { o.Preferences = map[string]pep440.Version{"b": pep440.MustParse("1.0")} },
		want:  "a==2.0 b==1.0",
	}, {
		name:  "upgrade package ignores its preference",
		index: []MemoryRelease{rel("a", "1.0", "b"), rel("a", "2.0", "b"), rel("b", "1.0"), rel("b", "2.0")},
		root:  []string{"a"},
		tweak: func(o *Options) {
			o.Preferences = map[string]pep440.Version{"a": pep440.MustParse("1.0"), "B": pep440.MustParse("1.0")}
			o.UpgradePackages = []string{"b"}
		},
		want: "a==1.0 b==2.0",
	}, {
		name:  "upgrade all",
		index: []MemoryRelease{rel("a", "1.0"), rel("a", "2.0")},
		root:  []string{"a"},
		tweak: func(o *Options) {
			o.Preferences = map[string]pep440.Version{"a": pep440.MustParse("1.0")}
			o.Upgrade = true
		},
		want: "a==2.0",
	}, {
		name:  "preference outside the allowed range is ignored",
		index: []MemoryRelease{rel("a", "1.0"), rel("a", "2.0"), rel("a", "3.0")},
		root:  []string{"a>=2"},
		tweak: func(o *Options) { o.Preferences = map[string]pep440.Version{"a": pep440.MustParse("1.0")} },
		want:  "a==3.0",
	}, {
		name:  "requires-python explained",
		index: []MemoryRelease{{Name: "a", Version: "1.0", RequiresPython: ">=3.13"}},
		root:  []string{"a"},
		why:   "a==1.0 requires Python >=3.13 (the target is Python 3.12)",
	}, {
		name: "requires-python of several versions explained",
		index: []MemoryRelease{rel("a", "1.0"), {Name: "a", Version: "2.0", RequiresPython: ">=3.13"},
			{Name: "a", Version: "2.1", RequiresPython: ">=3.13"}},
		root: []string{"a>=2"},
		why:  "Because the versions a>=2.0 require Python >=3.13 (the target is Python 3.12) and you require a>=2,",
	}, {
		name:  "requires-python upper bound ignored by default",
		index: []MemoryRelease{{Name: "a", Version: "1.0", RequiresPython: ">=3.8,<3.11"}},
		root:  []string{"a"},
		want:  "a==1.0",
	}, {
		name:  "requires-python upper bound honoured when strict",
		index: []MemoryRelease{{Name: "a", Version: "1.0", RequiresPython: ">=3.8,<3.11"}, {Name: "a", Version: "0.9"}},
		root:  []string{"a"},
		tweak: func(o *Options) { o.StrictRequiresPython = true; o.Python = pep440.MustParse("3.11") },
		want:  "a==0.9",
	}, {
		name:  "no compatible wheel explained",
		index: []MemoryRelease{{Name: "a", Version: "1.0", WheelTags: []string{"cp312-cp312-win_amd64"}, NoSdist: true}},
		root:  []string{"a"},
		why:   "a==1.0 has no wheel compatible with the target platform and no source distribution",
	}, {
		name:  "best platform wheel preferred",
		index: []MemoryRelease{{Name: "a", Version: "1.0", WheelTags: []string{"py3-none-any", "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"}}},
		root:  []string{"a"},
		want:  "a==1.0",
	}, {
		name:  "yanked explained",
		index: []MemoryRelease{{Name: "a", Version: "1.0", Yanked: true}},
		root:  []string{"a>=1"},
		why:   "a==1.0 was yanked",
		hint:  "a 1.0 was yanked; to use it anyway, pin it in your requirements or constraints (a==1.0)",
	}, {
		name:  "local version matches ==",
		index: []MemoryRelease{rel("a", "1.0+cpu"), rel("a", "0.9")},
		root:  []string{"a==1.0"},
		want:  "a==1.0+cpu",
	}, {
		name:  "pre-release explained",
		index: []MemoryRelease{rel("a", "1.0"), rel("a", "2.0b1")},
		root:  []string{"a>1.0"},
		why:   "a==2.0b1 is a pre-release and pre-releases of a are not enabled",
		hint:  "pre-releases of a are available (e.g. 2.0b1); allow them with --pre, or require one explicitly (e.g. a>=2.0b1)",
	}, {
		name:  "global pre-releases",
		index: []MemoryRelease{rel("a", "1.0"), rel("a", "2.0b1")},
		root:  []string{"a"},
		tweak: func(o *Options) { o.Prereleases = true },
		want:  "a==2.0b1",
	}, {
		name:  "name normalization",
		index: []MemoryRelease{rel("Foo.Bar", "1.0", "Baz_Qux"), rel("baz-qux", "1.0")},
		root:  []string{"FOO_bar"},
		want:  "baz-qux==1.0 foo-bar==1.0",
	}, {
		name:  "missing transitive package explained",
		index: []MemoryRelease{rel("a", "1.0", "nope>=1")},
		root:  []string{"a"},
		why:   "Because nope was not found in the package registry and a==1.0 depends on nope>=1, a==1.0 cannot be used.",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			py := tt.python
			if py == "" {
				py = "3.12"
			}
			o := linuxOptions(t, py, tt.root...)
			if tt.tweak != nil {
				tt.tweak(&o)
			}
			res, err := Resolve(context.Background(), releases(t, tt.index...), o)
			if tt.want != "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if got := pins(res); got != tt.want {
					t.Fatalf("got %s, want %s", got, tt.want)
				}
				return
			}
			var nse *NoSolutionError
			if !errors.As(err, &nse) {
				t.Fatalf("want NoSolutionError, got %v", err)
			}
			if !strings.Contains(nse.Explanation(), tt.why) {
				t.Fatalf("explanation lacks %q:\n%s", tt.why, nse.Explanation())
			}
			if tt.hint != "" && !slices.Contains(nse.Hints(), tt.hint) {
				t.Fatalf("hints %q lack %q", nse.Hints(), tt.hint)
			}
		})
	}
}

func TestResolutionGraph(t *testing.T) {
	mp := releases(t,
		MemoryRelease{Name: "a", Version: "1.0", Requires: []string{"b"}, Extras: map[string][]string{"x": {"c"}}},
		MemoryRelease{Name: "b", Version: "1.0", Requires: []string{"c"}},
		MemoryRelease{Name: "c", Version: "1.0"},
	)
	res, err := Resolve(context.Background(), mp, linuxOptions(t, "3.12", "a[x]"))
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		extras, by, deps string
		direct           bool
	}
	want := map[string]view{
		"a": {extras: "x", deps: "b c", direct: true},
		"b": {by: "a", deps: "c"},
		"c": {by: "a b"},
	}
	if len(res.Packages) != len(want) {
		t.Fatalf("got %s", pins(res))
	}
	for _, p := range res.Packages {
		got := view{strings.Join(p.Extras, " "), strings.Join(p.RequiredBy, " "), strings.Join(p.Dependencies, " "), p.Direct}
		if got != want[p.Name] {
			t.Errorf("%s: got %+v, want %+v", p.Name, got, want[p.Name])
		}
		if p.File == nil || p.File.Kind != Wheel || len(p.Files) != 2 {
			t.Errorf("%s: files %v (best %v)", p.Name, p.Files, p.File)
		}
	}
}

func TestDirectURL(t *testing.T) {
	mp := releases(t, MemoryRelease{Name: "a", Version: "2.0"}, MemoryRelease{Name: "b", Version: "1.0", Requires: []string{"a>=1"}})
	const u = "https://example.com/a-1.5-py3-none-any.whl"
	if err := mp.AddURL(u, MemoryRelease{Name: "a", Version: "1.5", Requires: []string{"c"}}); err != nil {
		t.Fatal(err)
	}
	mp.Add(MemoryRelease{Name: "c", Version: "1.0"})
	res, err := Resolve(context.Background(), mp, linuxOptions(t, "3.12", "a @ "+u, "b"))
	if err != nil {
		t.Fatal(err)
	}
	if got := pins(res); got != "a==1.5 b==1.0 c==1.0" {
		t.Fatalf("got %s", got)
	}
	if a, _ := res.Get("a"); a.Candidate.URL != u {
		t.Fatalf("a not pinned to the URL: %+v", a.Candidate)
	}
	// A dependency that the URL's version does not satisfy is a conflict.
	mp.Add(MemoryRelease{Name: "d", Version: "1.0", Requires: []string{"a>=2"}})
	_, err = Resolve(context.Background(), mp, linuxOptions(t, "3.12", "a @ "+u, "d"))
	var nse *NoSolutionError
	if !errors.As(err, &nse) {
		t.Fatalf("want NoSolutionError, got %v", err)
	}
	// A transitive URL dependency is refused.
	mp.Add(MemoryRelease{Name: "e", Version: "1.0", Requires: []string{"a @ " + u}})
	if _, err = Resolve(context.Background(), mp, linuxOptions(t, "3.12", "e")); err == nil || errors.As(err, &nse) {
		t.Fatalf("want a direct-URL error, got %v", err)
	}
}

type failingProvider struct{ *MemoryProvider }

var errBoom = errors.New("boom")

func (f failingProvider) Dependencies(ctx context.Context, c *Candidate, file *File) (*Dependencies, error) {
	if c.Name == "b" {
		return nil, errBoom
	}
	return f.MemoryProvider.Dependencies(ctx, c, file)
}

func TestProviderErrorsAreWrapped(t *testing.T) {
	mp := releases(t, MemoryRelease{Name: "a", Version: "1.0", Requires: []string{"b"}}, MemoryRelease{Name: "b", Version: "1.0"})
	_, err := Resolve(context.Background(), failingProvider{mp}, linuxOptions(t, "3.12", "a"))
	if !errors.Is(err, errBoom) {
		t.Fatalf("got %v, want wrapped errBoom", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Resolve(ctx, mp, linuxOptions(t, "3.12", "a")); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestPrefetchParallel checks that wall time follows graph depth, not
// package count: a tree of depth 3 and fan-out 6 (259 packages) with a
// round trip per provider call would take 518 round trips sequentially.
// The test runs in a synctest bubble, so the provider's latency is virtual
// time and elapsed time counts the round trips on the critical path
// exactly, whatever the machine's load (and under the race detector too).
func TestPrefetchParallel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const latency = 20 * time.Millisecond
		mp := NewMemoryProvider()
		mp.Latency = latency
		var add func(name string, depth int)
		add = func(name string, depth int) {
			var deps []string
			if depth < 3 {
				for i := 0; i < 6; i++ {
					child := name + "x" + string(rune('a'+i))
					deps = append(deps, child)
					add(child, depth+1)
				}
			}
			for _, v := range []string{"1.0", "2.0"} {
				if err := mp.Add(MemoryRelease{Name: name, Version: v, Requires: deps}); err != nil {
					t.Fatal(err)
				}
			}
		}
		add("r", 0)
		o := linuxOptions(t, "3.12", "r")
		o.Concurrency = 64
		start := time.Now()
		res, err := Resolve(context.Background(), mp, o)
		if err != nil {
			t.Fatal(err)
		}
		rounds := time.Since(start) / latency
		if len(res.Packages) != 259 {
			t.Fatalf("got %d packages", len(res.Packages))
		}
		vc, dc := mp.Calls()
		t.Logf("%d packages in %d round trips (%d version calls, %d metadata calls)", len(res.Packages), rounds, vc, dc)
		// Four levels of a release list then a metadata file each: 8 round
		// trips when each level is fetched at once, plus a few for the 216
		// leaves at a concurrency of 64 (13 in all when this was written).
		// Without prefetching it takes 518.
		if rounds > 16 {
			t.Fatalf("took %d round trips (want <= 16): prefetching is not parallel", rounds)
		}
		if vc != 259 || dc != 259 {
			t.Errorf("calls: %d versions, %d metadata; want 259 each (memoized, no wasted guesses)", vc, dc)
		}
	})
}

// TestPrefetchWalkDown checks that walking down the releases of a project
// after a conflict costs a few round trips, not one per release: twelve
// releases of a each need c>=2, which b's pin rules out, so the solver
// rejects eleven of them before a==1 fits. Fetched one at a time that is
// at least 11 round trips (17 without prefetching; 6 when this was
// written). Latency is virtual time (synctest), so elapsed time counts
// round trips exactly.
func TestPrefetchWalkDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const latency = 100 * time.Millisecond
		mp := NewMemoryProvider()
		mp.Latency = latency
		add := func(r MemoryRelease) {
			if err := mp.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		add(MemoryRelease{Name: "b", Version: "1.0", Requires: []string{"c==1.0"}})
		add(MemoryRelease{Name: "c", Version: "1.0"})
		add(MemoryRelease{Name: "c", Version: "2.0"})
		add(MemoryRelease{Name: "a", Version: "1"})
		for i := 2; i <= 12; i++ {
			add(MemoryRelease{Name: "a", Version: fmt.Sprint(i), Requires: []string{"c>=2"}})
		}
		start := time.Now()
		res, err := Resolve(context.Background(), mp, linuxOptions(t, "3.12", "a", "b"))
		if err != nil {
			t.Fatal(err)
		}
		rounds := time.Since(start) / latency
		if r, _ := res.Get("a"); r == nil || r.Version.String() != "1" {
			t.Fatalf("a = %+v, want 1", r)
		}
		_, dc := mp.Calls()
		t.Logf("walk down 12 releases in %d round trips (%d metadata calls)", rounds, dc)
		if rounds >= 11 {
			t.Errorf("took %d round trips (want < 11): rejected releases were fetched one round trip at a time", rounds)
		}
	})
}

func TestPythonAllows(t *testing.T) {
	tests := []struct {
		spec, python string
		lenient      bool // only lower bounds (the default)
		strict       bool
	}{
		{"", "3.12", true, true},
		{">=3.8", "3.12", true, true},
		{">=3.13", "3.12", false, false},
		{">3.12", "3.12", false, false},
		{">3.12", "3.12.1", true, true},
		{">=3.9.4", "3.9", false, false},
		{">=3.9.0", "3.9", true, true},
		{"<3.11", "3.12", true, false},
		{">=3.8,<3.11", "3.12", true, false},
		{"~=3.8", "3.12", true, true},
		{"~=3.8.1", "3.12", true, false},
		{"~=3.13", "3.12", false, false},
		{"==3.*", "3.12", true, true},
		{"==2.7.*", "3.12", true, false},
		{"==3.13.*", "3.12", false, false},
		{"!=3.12.*", "3.12", true, false},
		{"not a specifier", "3.12", true, true},
	}
	for _, tt := range tests {
		for _, strict := range []bool{false, true} {
			c := &config{python: pep440.MustParse(tt.python), strictPython: strict}
			want := tt.lenient
			if strict {
				want = tt.strict
			}
			if got := c.pythonAllows(tt.spec); got != want {
				t.Errorf("pythonAllows(%q, %s, strict=%v) = %v, want %v", tt.spec, tt.python, strict, got, want)
			}
		}
	}
	// One config answers every spec twice: the second round comes from
	// its memo and must not differ from the first.
	for _, strict := range []bool{false, true} {
		configs := map[string]*config{}
		for round := range 2 {
			for _, tt := range tests {
				c := configs[tt.python]
				if c == nil {
					c = &config{python: pep440.MustParse(tt.python), strictPython: strict}
					configs[tt.python] = c
				}
				want := tt.lenient
				if strict {
					want = tt.strict
				}
				if got := c.pythonAllows(tt.spec); got != want {
					t.Errorf("round %d: pythonAllows(%q, %s, strict=%v) = %v, want %v", round, tt.spec, tt.python, strict, got, want)
				}
			}
		}
		if c := configs["3.12"]; len(c.allowsMemo) == 0 {
			t.Errorf("strict=%v: no answer was memoized", strict)
		}
	}
}

func TestDirectURLIncompatibleWheel(t *testing.T) {
	mp := NewMemoryProvider()
	const u = "https://example.com/a-1.0b1-cp312-cp312-win_amd64.whl"
	if err := mp.AddURL(u, MemoryRelease{Name: "a", Version: "1.0b1", WheelTags: []string{"cp312-cp312-win_amd64"}, NoSdist: true}); err != nil {
		t.Fatal(err)
	}
	_, err := Resolve(context.Background(), mp, linuxOptions(t, "3.12", "a @ "+u))
	var nse *NoSolutionError
	if !errors.As(err, &nse) || !strings.Contains(nse.Explanation(), "a==1.0b1 has no wheel compatible with the target platform") {
		t.Fatalf("got %v", err)
	}
}
