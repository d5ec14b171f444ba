package pep440

import (
	"slices"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

var fuzzVersionSeeds = []string{
	"1.0", "v1.0", " 1!2.0.0rc1-POST2_dev3+Ubuntu.1 ", "1.0-1", "1.0a", "1.0.post", "1.0.dev",
	"0", "1.0+a.B-c_1", "1..0", "1.0+", "٠١", "1.0.rc_5-1dev.6", "01.002.0003",
	"1." + "99999999999999999999999", "\u202f1.0\u2029", "1.0a1a2",
}

// FuzzParse checks that Parse never panics and that the normalized form
// parses back to an equal version with the same text.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzVersionSeeds {
		f.Add(s)
	}
	ref := MustParse("1.0")
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		v, err := Parse(s)
		budgettest.Check(t, len(s), start)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("Parse(%q) error %T is not *ParseError", s, err)
			}
			if Canonicalize(s, true) != s {
				t.Fatalf("Canonicalize changed a non-version %q", s)
			}
			return
		}
		w, err := Parse(v.String())
		if err != nil {
			t.Fatalf("Parse(%q) ok but its String %q does not parse: %v", s, v.String(), err)
		}
		if w.Compare(v) != 0 || v.Compare(w) != 0 || w.String() != v.String() {
			t.Fatalf("round trip %q -> %q -> %q not equal", s, v, w)
		}
		if c, d := v.Compare(ref), ref.Compare(v); c != -d {
			t.Fatalf("Compare not antisymmetric for %q: %d %d", s, c, d)
		}
		if p := v.Public(); p.Local() != "" || p.Compare(v) > 0 {
			t.Fatalf("Public(%q) = %q", s, p)
		}
		if b := v.BaseVersion(); b.IsPrerelease() || b.IsPostrelease() {
			t.Fatalf("BaseVersion(%q) = %q", s, b)
		}
		c := Canonicalize(s, true)
		if cv, err := Parse(c); err != nil || cv.Compare(v) != 0 {
			t.Fatalf("Canonicalize(%q) = %q is not an equal version: %v", s, c, err)
		}
	})
}

// FuzzSpecifierSet checks that parsing never panics, that the canonical
// text parses back to an equal set, and that membership agrees with the
// interval model behind IsUnsatisfiable.
func FuzzSpecifierSet(f *testing.F) {
	for _, s := range []string{
		"", ">=1.0,<2", "~=1.4.5", "==1.*,!=1.5.*", ">1.0a1,<1.0a2.dev0", "===foo", "== 1.0+local",
		"!=0.dev0,<=0.dev0", ">1.0,<=1.0.post1", "<0", ">1!1.0.post1.dev2", "~=1.0.0rc1, >= 0.9",
	} {
		f.Add(s, "1.0")
	}
	f.Add(">1.0", "1.0.0.1")
	f.Add("<=1.0", "1.0+x")
	f.Fuzz(func(t *testing.T, s, version string) {
		start := time.Now()
		ss, err := ParseSpecifierSet(s)
		budgettest.Check(t, len(s), start)
		if err != nil {
			return
		}
		back, err := ParseSpecifierSet(ss.String())
		if err != nil || !back.Equal(ss) || back.String() != ss.String() {
			t.Fatalf("%q: canonical text %q does not round-trip: %v", s, ss.String(), err)
		}
		unsat := ss.IsUnsatisfiable()
		_ = ss.Filter([]string{version, "1.0", "2.0a1"}, nil)
		_ = ss.ContainsString(version, nil)

		// Candidates: the fuzzed version plus every member's version and
		// derived bounds, which sit on the interesting edges.
		cands := []Version{}
		if v, err := Parse(version); err == nil {
			cands = append(cands, v)
		}
		for _, sp := range ss.specs {
			if d := sp.data(); d != nil && d.vOK {
				cands = append(cands, d.v, d.bound, d.boundMin)
			}
		}
		for _, v := range slices.Clone(cands) {
			if v.IsZero() {
				continue
			}
			// Neighbours on the edges of locals, posts, devs and releases.
			txt, base := v.String(), v.BaseVersion().String()
			for _, n := range []string{txt + "+x", txt + "+0", txt + ".post0", txt + ".post1.dev0", txt + ".dev0",
				txt + ".dev1", base + ".0.1", base + ".0.1.dev0", base + "a0", base + "rc9.post3", base + ".post0.dev0"} {
				if w, err := Parse(n); err == nil {
					cands = append(cands, w)
				}
			}
		}
		for _, v := range cands {
			if v.IsZero() {
				continue
			}
			in := ss.Contains(v, true)
			if in && unsat && !ss.hasArb {
				t.Fatalf("%q claims unsatisfiable but contains %q", s, v)
			}
			if !ss.hasArb && in != ss.rangesContain(v) {
				t.Fatalf("%q: Contains(%q) = %v but the interval model says %v", s, v, in, !in)
			}
		}
	})
}

// rangesContain reports whether v lies in the intersection of the members'
// intervals, an independent model of membership used to cross-check
// Contains.
func (s SpecifierSet) rangesContain(v Version) bool {
	ranges := fullRange
	for _, sp := range s.specs {
		ranges = intersect(ranges, sp.intervals())
	}
	at := cut{cutBefore, v}
	for _, r := range ranges {
		if !cutLess(at, r.lo) && cutLess(at, r.hi) {
			return true
		}
	}
	return false
}
