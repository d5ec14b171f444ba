package resolve

import "math/bits"

// vset is a set of versions of one package, as a bitset over the indexes of
// the package's sorted version list. Every package's universe is finite (the
// releases the index lists), so set algebra on bitsets is exact — including
// the parts of PEP 440 that are not intervals (local versions, the
// pre-release exclusions of < and >). Values are treated as immutable: every
// operation returns a fresh set.
type vset []uint64

func words(n int) int { return (n + 63) / 64 }

func emptySet(n int) vset { return make(vset, words(n)) }

func fullSet(n int) vset {
	s := make(vset, words(n))
	for i := range s {
		s[i] = ^uint64(0)
	}
	if r := n % 64; r != 0 {
		s[len(s)-1] = (1 << r) - 1
	}
	return s
}

func singleton(n, i int) vset {
	s := emptySet(n)
	s[i/64] |= 1 << (i % 64)
	return s
}

func (a vset) has(i int) bool { return a[i/64]&(1<<(i%64)) != 0 }

func (a vset) and(b vset) vset {
	s := make(vset, len(a))
	for i := range a {
		s[i] = a[i] & b[i]
	}
	return s
}

func (a vset) or(b vset) vset {
	s := make(vset, len(a))
	for i := range a {
		s[i] = a[i] | b[i]
	}
	return s
}

func (a vset) andNot(b vset) vset {
	s := make(vset, len(a))
	for i := range a {
		s[i] = a[i] &^ b[i]
	}
	return s
}

// complement returns the versions of an n-version universe not in a.
func (a vset) complement(n int) vset { return fullSet(n).andNot(a) }

func (a vset) isEmpty() bool {
	for _, w := range a {
		if w != 0 {
			return false
		}
	}
	return true
}

// intersects reports whether a and b share a version.
func (a vset) intersects(b vset) bool {
	for i := range a {
		if a[i]&b[i] != 0 {
			return true
		}
	}
	return false
}

func (a vset) subsetOf(b vset) bool {
	for i := range a {
		if a[i]&^b[i] != 0 {
			return false
		}
	}
	return true
}

func (a vset) disjoint(b vset) bool {
	for i := range a {
		if a[i]&b[i] != 0 {
			return false
		}
	}
	return true
}

func (a vset) equal(b vset) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (a vset) count() int {
	c := 0
	for _, w := range a {
		c += bits.OnesCount64(w)
	}
	return c
}

// highest returns the largest index in a, or -1.
func (a vset) highest() int {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != 0 {
			return i*64 + 63 - bits.LeadingZeros64(a[i])
		}
	}
	return -1
}
