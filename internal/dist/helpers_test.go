package dist

import "strings"

// CompareBuild orders build tags as installers do: no build tag sorts
// before any build tag, then by number, then by the rest as a string.
func CompareBuild(a, b *Build) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	case a.Num != b.Num:
		if a.Num < b.Num {
			return -1
		}
		return 1
	}
	return strings.Compare(a.Tag, b.Tag)
}
