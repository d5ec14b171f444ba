package resolve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/testindex"
)

// bigGraph generates a layered index: nPkgs projects with nVersions
// releases each; every release depends on up to maxDeps projects of later
// layers with a random lower or upper bound, so many combinations
// conflict and the solver has to backtrack.
func bigGraph(tb testing.TB, seed uint64, nPkgs, nVersions, maxDeps int) (*MemoryProvider, []string) {
	r := rand.New(rand.NewPCG(seed, 7))
	mp := NewMemoryProvider()
	for i := 0; i < nPkgs; i++ {
		for v := 1; v <= nVersions; v++ {
			var deps []string
			if i+1 < nPkgs {
				for d := r.IntN(maxDeps + 1); d > 0; d-- {
					j := i + 1 + r.IntN(min(50, nPkgs-i-1))
					k := 1 + r.IntN(nVersions)
					op := ">="
					if r.IntN(3) == 0 {
						op = "<"
						k = max(k, 2)
					}
					deps = append(deps, fmt.Sprintf("p%d%s%d.0", j, op, k))
				}
			}
			if err := mp.Add(MemoryRelease{Name: fmt.Sprintf("p%d", i), Version: fmt.Sprintf("%d.0", v), Requires: deps}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var root []string
	for i := 0; i < min(20, nPkgs); i++ {
		root = append(root, fmt.Sprintf("p%d", i))
	}
	return mp, root
}

func BenchmarkResolveLargeGraph(b *testing.B) {
	for _, size := range []int{200, 1000} {
		b.Run(fmt.Sprintf("pkgs=%d", size), func(b *testing.B) {
			mp, root := bigGraph(b, 42, size, 20, 4)
			o := Options{Requirements: reqs(b, root...)}
			var n int
			for i := 0; i < b.N; i++ {
				res, err := Resolve(context.Background(), mp, o)
				var nse *NoSolutionError
				switch {
				case err == nil:
					n = len(res.Packages)
				case errors.As(err, &nse):
					n = -1
				default:
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "packages")
		})
	}
}

func TestLargeGraphResolves(t *testing.T) {
	mp, root := bigGraph(t, 42, 300, 10, 3)
	res, err := Resolve(context.Background(), mp, Options{Requirements: reqs(t, root...)})
	var nse *NoSolutionError
	switch {
	case err == nil:
		t.Logf("%d packages", len(res.Packages))
		// Every dependency of every chosen release must hold.
		chosen := map[string]*Resolved{}
		for i := range res.Packages {
			chosen[res.Packages[i].Name] = &res.Packages[i]
		}
		for _, p := range res.Packages {
			deps, err := mp.Dependencies(context.Background(), p.Candidate, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range deps.Requires {
				q, ok := chosen[d.NormalizedName()]
				if !ok || !d.Specifier.Contains(q.Version, true) {
					t.Fatalf("%s %s requires %s: not satisfied", p.Name, p.Version, d)
				}
			}
		}
	case errors.As(err, &nse):
		t.Logf("unsatisfiable:\n%s", nse.Explanation())
	default:
		t.Fatal(err)
	}
}

// FuzzResolve checks, on random small graphs, that every solution is
// consistent and that "no solution" is only reported when brute force
// finds none; no input may panic.
func FuzzResolve(f *testing.F) {
	f.Add(uint64(1), uint8(3))
	f.Add(uint64(99), uint8(6))
	f.Fuzz(func(t *testing.T, seed uint64, size uint8) {
		r := rand.New(rand.NewPCG(seed, 3))
		index, root := randomIndex(r, 2+int(size%5))
		res, err := Resolve(context.Background(), memIndex(t, index), Options{Requirements: reqs(t, root...)})
		var nse *NoSolutionError
		switch {
		case err == nil:
			choice := map[string]string{}
			for _, p := range res.Packages {
				choice[p.Name] = p.Version.String()
			}
			if !consistent(t, index, root, choice) {
				t.Fatalf("inconsistent solution %v", choice)
			}
		case errors.As(err, &nse):
			if bruteForce(t, index, root) {
				t.Fatalf("no solution reported but one exists:\n%s", nse.Explanation())
			}
			_ = nse.Error()
		default:
			t.Fatal(err)
		}
	})
}

// BenchmarkResolveLockSuite resolves the lock suite's index (bench/,
// testindex.RandomGraph seed 1, 300 projects × 15 releases) for 50
// top-level names from memory, for one environment and universally: the
// CPU cost a universal lock adds, without the network.
func BenchmarkResolveLockSuite(b *testing.B) {
	mp := NewMemoryProvider()
	names := map[string]bool{}
	for _, d := range testindex.RandomGraph(1, 300, 15, 3) {
		names[d.Name] = true
		if err := mp.Add(MemoryRelease{Name: d.Name, Version: d.Version, Requires: d.Requires, Extras: d.Extras,
			RequiresPython: d.RequiresPython, Yanked: d.Yanked, NoSdist: !d.Sdist}); err != nil {
			b.Fatal(err)
		}
	}
	sorted := slices.Sorted(maps.Keys(names))
	r := rand.New(rand.NewPCG(1, 2))
	var roots []string
	for _, i := range r.Perm(len(sorted))[:50] {
		roots = append(roots, sorted[i])
	}
	env, err := pep508.TargetEnvironment("3.11", pep508.PlatformLinux)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"single", Options{Requirements: reqs(b, roots...), Environment: env, Python: pep440.MustParse("3.11")}},
		{"universal", Options{Requirements: reqs(b, roots...), Universal: &Universe{}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				res, err := Resolve(context.Background(), mp, tc.opts)
				if err != nil {
					b.Fatal(err)
				}
				n = len(res.Packages)
			}
			b.ReportMetric(float64(n), "packages")
		})
	}
}
