package typosquat

import "testing"

// TestCheckAllocations bounds the allocations of checking 1,000 names, a
// count that does not depend on the machine. The look-ups made for every
// deletion of a name used to allocate their closures on each call (57,000
// allocations for these names); now what remains is mostly findings and
// their text.
func TestCheckAllocations(t *testing.T) {
	names := sampleNames(t, 1000)
	ref := Embedded()
	ref.Check("pyward") // the reference is loaded once, outside the count
	allocs := testing.AllocsPerRun(2, func() {
		for _, n := range names {
			ref.Check(n)
		}
	})
	if allocs > 20000 {
		t.Errorf("checking %d names made %.0f allocations, want at most 20,000", len(names), allocs)
	}
}
