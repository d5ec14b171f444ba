package pep440

// This file decides IsUnsatisfiable. Every member becomes a sorted list of
// intervals of the version line, the lists are intersected, and the set is
// unsatisfiable when nothing is left.
//
// Interval ends are cuts: a cut splits the versions into those below and
// those above it. Cuts are normalized so that two different cuts always
// have a version between them, which makes "is this interval empty?" a
// plain comparison of its ends:
//
//	before(V)   just below V; used whenever a least version above exists
//	after(V)    just above V; V+local labels (no least one) follow it
//	endRelease  just above every version of one epoch+release; releases
//	            such as 1.0.0.1, 1.0.0.0.1, ... approach it from above
//	+inf
//
// packaging compares some interval ends only approximately (e.g. it does
// not see that nothing lies between ">1.0a1" and "<1.0a2.dev0"); the
// conformance table expects the exact answer, which this gives.

type cutKind uint8

const (
	cutBefore cutKind = iota
	cutAfter
	cutEndRelease
	cutPosInf
)

type cut struct {
	kind cutKind
	v    Version // for cutEndRelease only the epoch and release matter
}

type interval struct{ lo, hi cut }

var (
	cutMin    = cut{cutBefore, minVersion}
	cutInf    = cut{kind: cutPosInf}
	fullRange = []interval{{cutMin, cutInf}}
)

// cmpRel compares epoch and release (trailing zeros ignored) only.
func cmpRel(a, b Version) int {
	x, y := a.data(), b.data()
	if c := x.epoch.cmp(y.epoch); c != 0 {
		return c
	}
	return cmpRelease(x.release[:x.relLen], y.release[:y.relLen])
}

// cutLess reports whether some version lies above a and below b.
func cutLess(a, b cut) bool {
	if a.kind == cutPosInf {
		return false
	}
	if b.kind == cutPosInf {
		return true
	}
	switch a.kind {
	case cutBefore:
		switch b.kind {
		case cutBefore:
			return a.v.Compare(b.v) < 0
		case cutAfter:
			return a.v.Compare(b.v) <= 0
		default:
			return cmpRel(a.v, b.v) <= 0
		}
	case cutAfter:
		switch b.kind {
		case cutBefore, cutAfter:
			return a.v.Compare(b.v) < 0
		default:
			return cmpRel(a.v, b.v) <= 0
		}
	default: // cutEndRelease
		return cmpRel(a.v, b.v) < 0
	}
}

func maxCut(a, b cut) cut {
	if cutLess(a, b) {
		return b
	}
	return a
}

func minCut(a, b cut) cut {
	if cutLess(b, a) {
		return b
	}
	return a
}

// afterLocalsCut is the cut just above V and every V+local.
func afterLocalsCut(v Version) cut {
	d := v.data()
	switch {
	case d.hasDev:
		return cut{cutBefore, build(d.epoch, d.release, d.preKind, d.preN, d.hasPost, d.post, true, d.dev.succ(), nil)}
	case d.hasPost:
		return cut{cutBefore, build(d.epoch, d.release, d.preKind, d.preN, true, d.post.succ(), true, num{}, nil)}
	}
	return cut{cutBefore, build(d.epoch, d.release, d.preKind, d.preN, true, num{}, true, num{}, nil)}
}

// afterPostsCut is the cut just above V and all of V's post-releases, for
// V without dev or post segment (what ">V" excludes).
func afterPostsCut(v Version) cut {
	d := v.data()
	if d.preKind != preNone {
		return cut{cutBefore, build(d.epoch, d.release, d.preKind, d.preN.succ(), false, num{}, true, num{}, nil)}
	}
	return cut{kind: cutEndRelease, v: v}
}

// intervals returns the member's set of versions as sorted, disjoint
// intervals [lo, hi).
func (s Specifier) intervals() []interval {
	d := s.data()
	if d == nil {
		return nil
	}
	if s.Op == OpArbitrary {
		return fullRange
	}
	v := d.v
	if d.wildcard {
		lo, hi := cut{cutBefore, d.boundMin}, cut{cutBefore, d.bound}
		if s.Op == OpEqual {
			return []interval{{lo, hi}}
		}
		return nonEmpty(interval{cutMin, lo}, interval{hi, cutInf})
	}
	switch s.Op {
	case OpGreaterEqual:
		return []interval{{cut{cutBefore, v}, cutInf}}
	case OpLessEqual:
		return nonEmpty(interval{cutMin, afterLocalsCut(v)})
	case OpGreater:
		if d.greaterPlain {
			return []interval{{afterPostsCut(v), cutInf}}
		}
		return []interval{{cut{cutBefore, d.bound}, cutInf}}
	case OpLess:
		return nonEmpty(interval{cutMin, cut{cutBefore, d.bound}})
	case OpCompatible:
		return nonEmpty(interval{cut{cutBefore, v}, cut{cutBefore, d.bound}})
	}
	lo, hi := cut{cutBefore, v}, afterLocalsCut(v)
	if d.hasLocal {
		hi = cut{cutAfter, v}
	}
	if s.Op == OpEqual {
		return []interval{{lo, hi}}
	}
	lower := hi
	if d.hasLocal {
		lower = cut{cutAfter, v}
	}
	return nonEmpty(interval{cutMin, lo}, interval{lower, cutInf})
}

func nonEmpty(rs ...interval) []interval {
	out := rs[:0]
	for _, r := range rs {
		if cutLess(r.lo, r.hi) {
			out = append(out, r)
		}
	}
	return out
}

func intersect(left, right []interval) []interval {
	var out []interval
	i, j := 0, 0
	for i < len(left) && j < len(right) {
		l, r := left[i], right[j]
		lo, hi := maxCut(l.lo, r.lo), minCut(l.hi, r.hi)
		if cutLess(lo, hi) {
			out = append(out, interval{lo, hi})
		}
		if cutLess(l.hi, r.hi) {
			i++
		} else {
			j++
		}
	}
	return out
}

// IsUnsatisfiable reports whether no version can satisfy s, as packaging's
// SpecifierSet.is_unsatisfiable: the members' intervals do not overlap,
// === members disagree or their one candidate text fails another member,
// or an explicit "no pre-releases" override leaves only pre-releases.
func (s SpecifierSet) IsUnsatisfiable() bool {
	if len(s.specs) == 0 {
		return false
	}
	ranges := fullRange
	for _, sp := range s.specs {
		ranges = intersect(ranges, sp.intervals())
		if len(ranges) == 0 {
			return true
		}
	}
	if s.arbitraryUnsatisfiable() {
		return true
	}
	if p := s.policy(); p != nil && !*p {
		return prereleaseOnly(ranges)
	}
	return false
}

func (s SpecifierSet) arbitraryUnsatisfiable() bool {
	var arb, std []Specifier
	for _, sp := range s.specs {
		if sp.Op == OpArbitrary {
			arb = append(arb, sp)
		} else {
			std = append(std, sp)
		}
	}
	if len(arb) == 0 {
		return false
	}
	first := pyLower(arb[0].Version)
	for _, sp := range arb[1:] {
		if pyLower(sp.Version) != first {
			return true
		}
	}
	ad := arb[0].data()
	if ad == nil {
		return true
	}
	cand, ok := ad.v, ad.vOK
	if p := s.policy(); p != nil && !*p && ok && cand.IsPrerelease() {
		return true
	}
	if len(std) == 0 {
		return false
	}
	if !ok {
		return true
	}
	for _, sp := range std {
		if !sp.Contains(cand) {
			return true
		}
	}
	return false
}

// prereleaseOnly reports whether every interval holds only pre-releases.
func prereleaseOnly(ranges []interval) bool {
	for _, r := range ranges {
		switch r.lo.kind {
		case cutAfter, cutEndRelease:
			// Just above lies a final release (V+local, or a longer
			// release such as 1.0.0.1) inside the non-empty interval.
			if !r.lo.v.IsPrerelease() || r.lo.kind == cutEndRelease {
				return false
			}
		}
		d := r.lo.v.data()
		f := r.lo.v
		switch {
		case d.preKind != preNone:
			f = build(d.epoch, d.release, preNone, num{}, false, num{}, false, num{}, nil)
		case d.hasDev:
			f = build(d.epoch, d.release, preNone, num{}, d.hasPost, d.post, false, num{}, nil)
		}
		if cutLess(cut{cutBefore, f}, r.hi) {
			return false
		}
	}
	return true
}
