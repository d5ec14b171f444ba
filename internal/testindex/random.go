package testindex

import (
	"fmt"
	"math/rand/v2"
)

// Shape of RandomGraph, as probabilities (chosen to resemble PyPI: most
// edges are unconstrained or lower-bounded, a few pin a major series).
const (
	probNoSpec      = 0.35 // dependency without a version specifier
	probLowerBound  = 0.35 // ">=x"
	probRange       = 0.20 // ">=x,<M"; the remaining 10% are "~=M.m"
	probLocalEdge   = 0.5  // edge to one of the next localWindow packages (builds depth)
	localWindow     = 8
	probMarker      = 0.05 // dependency with an environment marker
	probExtra       = 0.10 // project with a "test" extra
	probSdist       = 0.10 // release that also publishes an sdist
	probYanked      = 0.03 // non-latest release yanked
	probPrerelease  = 0.10 // project with a trailing pre-release
	probLateDep     = 0.4  // dependency introduced after the first release
	leafFraction    = 0.1  // the last 10% of packages have no dependencies
	minVersionsEach = 1
)

// RandomGraph returns a seeded, reproducible dependency graph of nDists
// projects named "pkg-0000"… with versionsPer releases each and about fanout
// dependencies per project. Package i depends only on packages j > i, so the
// graph is acyclic; half the edges go to nearby packages (depth) and half are
// skewed toward the highest indices (a few very popular low-level packages,
// as on PyPI). Newer releases add dependencies and raise lower bounds, some
// edges carry upper bounds or ~= pins, so resolution can need backtracking.
// Every specifier is satisfiable by at least one release of its target.
// pkg-0000 is the natural root.
func RandomGraph(seed int64, nDists, versionsPer, fanout int) []Dist {
	if versionsPer < minVersionsEach {
		versionsPer = minVersionsEach
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x7079776172640000))
	name := func(i int) string { return fmt.Sprintf("pkg-%04d", i) }
	// versions[i][k]: the k-th (ascending) final release of package i.
	versions := make([][]string, nDists)
	for i := range versions {
		for k := range versionsPer {
			versions[i] = append(versions[i], fmt.Sprintf("%d.%d.0", 1+k/5, k%5))
		}
	}
	type edge struct {
		target, intro int
		marker        string
	}
	var out []Dist
	for i := range nDists {
		var edges []edge
		if float64(i) < float64(nDists)*(1-leafFraction) && i < nDists-1 {
			n := rng.IntN(2*fanout + 1)
			seen := map[int]bool{}
			for range n {
				var j int
				if rng.Float64() < probLocalEdge {
					j = i + 1 + rng.IntN(min(localWindow, nDists-i-1))
				} else {
					u := rng.Float64()
					j = nDists - 1 - int(float64(nDists-i-1)*u*u*u)
				}
				if j <= i || j >= nDists || seen[j] {
					continue
				}
				seen[j] = true
				e := edge{target: j}
				if rng.Float64() < probLateDep {
					e.intro = rng.IntN(versionsPer)
				}
				if rng.Float64() < probMarker {
					e.marker = []string{`python_version < "3"`, `sys_platform == "win32"`, `python_version >= "3.6"`}[rng.IntN(3)]
				}
				edges = append(edges, e)
			}
		}
		var extra []int
		if rng.Float64() < probExtra && i+1 < nDists {
			extra = append(extra, i+1+rng.IntN(nDists-i-1))
		}
		for k := range versionsPer {
			d := Dist{Name: name(i), Version: versions[i][k]}
			for _, e := range edges {
				if k < e.intro {
					continue
				}
				r := name(e.target) + spec(rng, versions[e.target], k, versionsPer)
				if e.marker != "" {
					r += "; " + e.marker
				}
				d.Requires = append(d.Requires, r)
			}
			for _, j := range extra {
				d.Extras = map[string][]string{"test": {name(j) + spec(rng, versions[j], k, versionsPer)}}
			}
			if k >= versionsPer/2 && i%3 == 0 {
				d.RequiresPython = ">=3.7"
			}
			d.Sdist = rng.Float64() < probSdist
			d.Yanked = k < versionsPer-1 && rng.Float64() < probYanked
			out = append(out, d)
		}
		if rng.Float64() < probPrerelease {
			out = append(out, Dist{Name: name(i), Version: fmt.Sprintf("%d.0.0rc1", 2+(versionsPer-1)/5)})
		}
	}
	return out
}

// spec returns a specifier (possibly "") on a target with releases vs, for
// the k-th of n releases of the dependent: later releases need later deps.
func spec(rng *rand.Rand, vs []string, k, n int) string {
	lo := int(float64(k) / float64(n) * float64(len(vs)) * (0.3 + 0.6*rng.Float64()))
	lo = min(lo, len(vs)-1)
	var major, minor int
	fmt.Sscanf(vs[lo], "%d.%d", &major, &minor)
	switch u := rng.Float64(); {
	case u < probNoSpec:
		return ""
	case u < probNoSpec+probLowerBound:
		return ">=" + vs[lo]
	case u < probNoSpec+probLowerBound+probRange:
		return fmt.Sprintf(">=%s,<%d", vs[lo], major+1+rng.IntN(2))
	default:
		return fmt.Sprintf("~=%d.%d", major, minor)
	}
}
