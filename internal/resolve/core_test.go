package resolve

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
)

// memIndex builds a MemoryProvider from "name version" → requirements.
func memIndex(t testing.TB, index map[string][]string) *MemoryProvider {
	t.Helper()
	mp := NewMemoryProvider()
	keys := make([]string, 0, len(index))
	for k := range index {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name, version, ok := strings.Cut(k, " ")
		if !ok {
			t.Fatalf("bad key %q", k)
		}
		if err := mp.Add(MemoryRelease{Name: name, Version: version, Requires: index[k]}); err != nil {
			t.Fatal(err)
		}
	}
	return mp
}

func reqs(t testing.TB, ss ...string) []*pep508.Requirement {
	t.Helper()
	var out []*pep508.Requirement
	for _, s := range ss {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		out = append(out, r)
	}
	return out
}

func pins(res *Resolution) string {
	var parts []string
	for _, p := range res.Packages {
		parts = append(parts, p.Name+"=="+p.Version.String())
	}
	return strings.Join(parts, " ")
}

// The examples of the PubGrub documentation (dart-lang/pub, doc/solver.md),
// with ^x.y.z written as >=x.y.z,<x+1.
func TestClassicExamples(t *testing.T) {
	tests := []struct {
		name  string
		index map[string][]string
		root  []string
		want  string // pins, or "" when failure is expected
		why   string // expected explanation on failure
	}{{
		name: "no conflicts",
		index: map[string][]string{
			"foo 1.0.0": {"bar>=1.0.0,<2"},
			"bar 1.0.0": nil, "bar 2.0.0": nil,
		},
		root: []string{"foo>=1.0.0,<2"},
		want: "bar==1.0.0 foo==1.0.0",
	}, {
		name: "avoiding conflict during decision making",
		index: map[string][]string{
			"foo 1.0.0": nil, "foo 1.1.0": {"bar>=2.0.0,<3"},
			"bar 1.0.0": nil, "bar 1.1.0": nil, "bar 2.0.0": nil,
		},
		root: []string{"foo>=1.0.0,<2", "bar>=1.0.0,<2"},
		want: "bar==1.1.0 foo==1.0.0",
	}, {
		name: "performing conflict resolution",
		index: map[string][]string{
			"foo 1.0.0": nil, "foo 2.0.0": {"bar>=1.0.0,<2"},
			"bar 1.0.0": {"foo>=1.0.0,<2"},
		},
		root: []string{"foo>=1.0.0"},
		want: "foo==1.0.0",
	}, {
		name: "conflict resolution with a partial satisfier",
		index: map[string][]string{
			"foo 1.0.0": nil, "foo 1.1.0": {"left>=1.0.0,<2", "right>=1.0.0,<2"},
			"left 1.0.0":   {"shared>=1.0.0"},
			"right 1.0.0":  {"shared<2.0.0"},
			"shared 2.0.0": nil, "shared 1.0.0": {"target>=1.0.0,<2"},
			"target 2.0.0": nil, "target 1.0.0": nil,
		},
		root: []string{"foo>=1.0.0,<2", "target>=2.0.0,<3"},
		want: "foo==1.0.0 target==2.0.0",
	}, {
		name: "linear error reporting",
		index: map[string][]string{
			"foo 1.0.0": {"bar>=2.0.0,<3"},
			"bar 2.0.0": {"baz>=3.0.0,<4"},
			"baz 1.0.0": nil, "baz 3.0.0": nil,
		},
		root: []string{"foo>=1.0.0,<2", "baz>=1.0.0,<2"},
		why: "Because bar==2.0.0 depends on baz<4,>=3.0.0 and foo==1.0.0 depends on bar<3,>=2.0.0, foo==1.0.0 depends on baz<4,>=3.0.0.\n" +
			"And because you require foo<2,>=1.0.0 and you require baz<2,>=1.0.0, we can conclude that your requirements are unsatisfiable.",
	}, {
		name: "branching error reporting",
		index: map[string][]string{
			"foo 1.0.0": {"a>=1.0.0,<2", "b>=1.0.0,<2"},
			"foo 1.1.0": {"x>=1.0.0,<2", "y>=1.0.0,<2"},
			"a 1.0.0":   {"b>=2.0.0,<3"},
			"b 1.0.0":   nil, "b 2.0.0": nil,
			"x 1.0.0": {"y>=2.0.0,<3"},
			"y 1.0.0": nil, "y 2.0.0": nil,
		},
		root: []string{"foo>=1.0.0,<2"},
		why: "Because a==1.0.0 depends on b<3,>=2.0.0 and foo==1.0.0 depends on a<2,>=1.0.0, foo==1.0.0 depends on b<3,>=2.0.0.\n" +
			"And because foo==1.0.0 depends on b<2,>=1.0.0, foo==1.0.0 cannot be used. (1)\n" +
			"\n" +
			"Because x==1.0.0 depends on y<3,>=2.0.0 and foo==1.1.0 depends on x<2,>=1.0.0, foo==1.1.0 depends on y<3,>=2.0.0.\n" +
			"And because foo==1.1.0 depends on y<2,>=1.0.0, foo==1.1.0 cannot be used.\n" +
			"And because foo==1.0.0 cannot be used (1), foo cannot be used.\n" +
			"And because you require foo<2,>=1.0.0, we can conclude that your requirements are unsatisfiable.",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Resolve(context.Background(), memIndex(t, tt.index), Options{Requirements: reqs(t, tt.root...)})
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
				t.Fatalf("want NoSolutionError, got %v (%v)", err, res)
			}
			if got := nse.Explanation(); got != tt.why {
				t.Errorf("explanation:\n%s\nwant:\n%s", got, tt.why)
			}
		})
	}
}

// randomIndex generates a small random index and root requirements.
func randomIndex(r *rand.Rand, nPkgs int) (map[string][]string, []string) {
	specs := []string{"", ">=2.0", "<2.0", "==1.0", "!=2.0", ">=3.0", "<=2.0", "==2.0"}
	index := map[string][]string{}
	name := func(i int) string { return fmt.Sprintf("p%d", i) }
	for i := 0; i < nPkgs; i++ {
		if r.IntN(10) == 0 {
			continue // referenced but missing from the index
		}
		nv := 1 + r.IntN(3)
		for v := 1; v <= nv; v++ {
			var deps []string
			for d := r.IntN(3); d > 0; d-- {
				j := r.IntN(nPkgs) // may be i itself: self-dependencies are legal
				deps = append(deps, name(j)+specs[r.IntN(len(specs))])
			}
			index[fmt.Sprintf("%s %d.0", name(i), v)] = deps
		}
	}
	var root []string
	for d := 1 + r.IntN(2); d > 0; d-- {
		root = append(root, name(r.IntN(nPkgs))+specs[r.IntN(len(specs))])
	}
	return index, root
}

// consistent reports whether choice (name → version, absent = not
// installed) satisfies root and every dependency of every chosen release.
func consistent(t testing.TB, index map[string][]string, root []string, choice map[string]string) bool {
	sat := func(req string) bool {
		r := reqs(t, req)[0]
		v, ok := choice[r.NormalizedName()]
		return ok && r.Specifier.Contains(pep440.MustParse(v), true)
	}
	for _, req := range root {
		if !sat(req) {
			return false
		}
	}
	for name, v := range choice {
		deps, ok := index[name+" "+v]
		if !ok {
			return false
		}
		for _, d := range deps {
			if !sat(d) {
				return false
			}
		}
	}
	return true
}

// bruteForce reports whether any assignment is consistent.
func bruteForce(t testing.TB, index map[string][]string, root []string) bool {
	versions := map[string][]string{}
	for k := range index {
		n, v, _ := strings.Cut(k, " ")
		versions[n] = append(versions[n], v)
	}
	names := make([]string, 0, len(versions))
	for n := range versions {
		names = append(names, n)
	}
	slices.Sort(names)
	choice := map[string]string{}
	var rec func(i int) bool
	rec = func(i int) bool {
		if i == len(names) {
			return consistent(t, index, root, choice)
		}
		delete(choice, names[i])
		if rec(i + 1) {
			return true
		}
		for _, v := range versions[names[i]] {
			choice[names[i]] = v
			if rec(i + 1) {
				return true
			}
		}
		delete(choice, names[i])
		return false
	}
	return rec(0)
}

// TestRandomAgainstBruteForce checks soundness (every solution is
// consistent) and completeness (no solution ⇒ none exists) on random
// graphs small enough to enumerate.
func TestRandomAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	solved, failed := 0, 0
	for iter := 0; iter < 1500; iter++ {
		index, root := randomIndex(r, 2+r.IntN(5))
		res, err := Resolve(context.Background(), memIndex(t, index), Options{Requirements: reqs(t, root...)})
		exists := bruteForce(t, index, root)
		var nse *NoSolutionError
		switch {
		case err == nil:
			solved++
			choice := map[string]string{}
			for _, p := range res.Packages {
				choice[p.Name] = p.Version.String()
			}
			if !consistent(t, index, root, choice) {
				t.Fatalf("iter %d: inconsistent solution %v for root %v index %v", iter, choice, root, index)
			}
		case errors.As(err, &nse):
			failed++
			if exists {
				t.Fatalf("iter %d: no solution reported but one exists; root %v index %v\n%s", iter, root, index, nse.Explanation())
			}
			if nse.Explanation() == "" {
				t.Fatalf("iter %d: empty explanation", iter)
			}
		default:
			t.Fatalf("iter %d: %v", iter, err)
		}
	}
	t.Logf("%d solved, %d unsatisfiable", solved, failed)
	if solved == 0 || failed == 0 {
		t.Fatalf("generator is degenerate: %d solved, %d failed", solved, failed)
	}
}

// TestRandomExtrasAndMarkers checks soundness on random graphs that use
// extras (including extras requiring other extras of the same project) and
// markers: every solution must satisfy every applicable requirement.
func TestRandomExtrasAndMarkers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	specs := []string{"", ">=2.0", "<3.0", "==1.0", "!=2.0"}
	markers := []string{"", "; sys_platform == 'linux'", "; sys_platform == 'win32'", "; python_version >= '3.10'"}
	extras := []string{"x", "y"}
	solved := 0
	for iter := 0; iter < 400; iter++ {
		n := 3 + r.IntN(4)
		mp := NewMemoryProvider()
		dep := func(self int) string {
			j := r.IntN(n)
			s := fmt.Sprintf("p%d", j)
			if r.IntN(3) == 0 {
				s += "[" + extras[r.IntN(2)] + "]"
			}
			return s + specs[r.IntN(len(specs))] + markers[r.IntN(len(markers))]
		}
		for i := 0; i < n; i++ {
			for v := 1; v <= 1+r.IntN(3); v++ {
				rel := MemoryRelease{Name: fmt.Sprintf("p%d", i), Version: fmt.Sprintf("%d.0", v), Extras: map[string][]string{}}
				for d := r.IntN(3); d > 0; d-- {
					rel.Requires = append(rel.Requires, dep(i))
				}
				for _, e := range extras {
					for d := r.IntN(3); d > 0; d-- {
						rel.Extras[e] = append(rel.Extras[e], dep(i))
					}
				}
				if err := mp.Add(rel); err != nil {
					t.Fatal(err)
				}
			}
		}
		o := linuxOptions(t, "3.12", dep(-1), dep(-1))
		res, err := Resolve(context.Background(), mp, o)
		var nse *NoSolutionError
		switch {
		case err == nil:
			solved++
			checkResolution(t, mp, o, res)
		case errors.As(err, &nse):
			if nse.Explanation() == "" {
				t.Fatal("empty explanation")
			}
		default:
			t.Fatalf("iter %d: %v", iter, err)
		}
	}
	t.Logf("%d/400 solved", solved)
	if solved == 0 {
		t.Fatal("generator is degenerate")
	}
}

// TestRandomExtrasAgainstBruteForce checks completeness with extras and
// markers: when the resolver reports no solution, no assignment of
// (version, enabled extras) per project satisfies every applicable
// requirement.
func TestRandomExtrasAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	specs := []string{"", ">=2.0", "<2.0", "!=1.0"}
	markers := []string{"", "; sys_platform == 'linux'", "; sys_platform == 'win32'"}
	extras := []string{"x", "y"}
	failed := 0
	for iter := 0; iter < 500; iter++ {
		n := 2 + r.IntN(2)
		type rel struct {
			version string
			deps    map[string][]*pep508.Requirement // extra ("" = base) → requirements
		}
		index := map[string][]rel{}
		mp := NewMemoryProvider()
		dep := func() string {
			s := fmt.Sprintf("p%d", r.IntN(n))
			if r.IntN(3) == 0 {
				s += "[" + extras[r.IntN(2)] + "]"
			}
			return s + specs[r.IntN(len(specs))] + markers[r.IntN(len(markers))]
		}
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("p%d", i)
			for v := 1; v <= 1+r.IntN(2); v++ {
				mr := MemoryRelease{Name: name, Version: fmt.Sprintf("%d.0", v), Extras: map[string][]string{}}
				for d := r.IntN(3); d > 0; d-- {
					mr.Requires = append(mr.Requires, dep())
				}
				for _, e := range extras {
					for d := r.IntN(2); d > 0; d-- {
						mr.Extras[e] = append(mr.Extras[e], dep())
					}
				}
				if err := mp.Add(mr); err != nil {
					t.Fatal(err)
				}
				index[name] = append(index[name], rel{version: mr.Version})
			}
		}
		o := linuxOptions(t, "3.12", dep(), dep())
		cfg := newConfig(&o)
		// Collect each release's applicable requirements per extra, as the
		// provider reports them.
		for name, rels := range index {
			cands, _ := mp.Versions(context.Background(), name)
			for k := range rels {
				for _, c := range cands {
					if c.Version.String() != rels[k].version {
						continue
					}
					d, _ := mp.Dependencies(context.Background(), c, nil)
					rels[k].deps = map[string][]*pep508.Requirement{}
					for _, e := range append([]string{""}, extras...) {
						rels[k].deps[e] = cfg.filterRequires(d.Requires, e)
					}
				}
			}
		}
		names := make([]string, 0, len(index))
		for name := range index {
			names = append(names, name)
		}
		slices.Sort(names)
		type state struct {
			rel    int // -1: absent
			extras int // bitmask over extras
		}
		choice := map[string]state{}
		sat := func(q *pep508.Requirement) bool {
			st, ok := choice[q.NormalizedName()]
			if !ok || st.rel < 0 || !q.Specifier.Contains(pep440.MustParse(index[q.NormalizedName()][st.rel].version), true) {
				return false
			}
			for _, e := range q.NormalizedExtras() {
				if st.extras&(1<<slices.Index(extras, e)) == 0 {
					return false
				}
			}
			return true
		}
		consistentNow := func() bool {
			for _, q := range cfg.filterRequires(o.Requirements, "") {
				if !sat(q) {
					return false
				}
			}
			for name, st := range choice {
				if st.rel < 0 {
					continue
				}
				deps := index[name][st.rel].deps
				for bit, e := range append([]string{""}, extras...) {
					if bit > 0 && st.extras&(1<<(bit-1)) == 0 {
						continue
					}
					for _, q := range deps[e] {
						if !sat(q) {
							return false
						}
					}
				}
			}
			return true
		}
		var search func(i int) bool
		search = func(i int) bool {
			if i == len(names) {
				return consistentNow()
			}
			choice[names[i]] = state{rel: -1}
			if search(i + 1) {
				return true
			}
			for k := range index[names[i]] {
				for mask := 0; mask < 1<<len(extras); mask++ {
					choice[names[i]] = state{rel: k, extras: mask}
					if search(i + 1) {
						return true
					}
				}
			}
			return false
		}
		res, err := Resolve(context.Background(), mp, o)
		var nse *NoSolutionError
		switch {
		case err == nil:
			checkResolution(t, mp, o, res)
		case errors.As(err, &nse):
			failed++
			if search(0) {
				t.Fatalf("iter %d: no solution reported but one exists: %v\nroot %v\n%s", iter, choice, o.Requirements, nse.Explanation())
			}
		default:
			t.Fatal(err)
		}
	}
	t.Logf("%d/500 unsatisfiable (verified by search)", failed)
	if failed == 0 {
		t.Fatal("generator never produced an unsatisfiable case")
	}
}

// TestForkPrefixAfterFirstExplanation: the universal solver names the failed
// fork after the error exists; a message formatted before that (by a log
// line, say) must not freeze the text without it.
func TestForkPrefixAfterFirstExplanation(t *testing.T) {
	index := map[string][]string{"foo 1.0.0": {"bar>=2"}, "bar 1.0.0": nil}
	_, err := Resolve(context.Background(), memIndex(t, index), Options{Requirements: reqs(t, "foo")})
	var nse *NoSolutionError
	if !errors.As(err, &nse) {
		t.Fatalf("want NoSolutionError, got %v", err)
	}
	plain := nse.Explanation()
	if strings.HasPrefix(plain, "On ") {
		t.Fatalf("no fork yet, got %q", plain)
	}
	nse.fork = `python_version < "3.9"`
	want := `On python_version < "3.9", ` + strings.ToLower(plain[:1]) + plain[1:]
	if got := nse.Explanation(); got != want {
		t.Errorf("explanation after the fork was set:\n%s\nwant:\n%s", got, want)
	}
	if got := nse.Error(); !strings.Contains(got, want) {
		t.Errorf("Error() lacks the fork prefix:\n%s", got)
	}
}
