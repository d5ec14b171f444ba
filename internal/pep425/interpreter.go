package pep425

import (
	"strconv"
	"strings"
)

// Implementation short names used in tags (PEP 425 "Python tag").
const (
	CPython = "cp"
	PyPy    = "pp"
)

// Special ABI tags.
const (
	abi3    = "abi3"  // the stable ABI of PEP 384, CPython 3.2+
	abi3t   = "abi3t" // the stable ABI of free-threaded builds
	abiNone = "none"  // pure Python, or no ABI dependency
	anyPlat = "any"
)

// abi3Since is the first CPython version with the stable ABI (PEP 384).
var abi3Since = [2]int{3, 2}

// Interpreter describes the target Python for which tags are generated.
type Interpreter struct {
	Implementation string // CPython ("cp"), PyPy ("pp") or another short name
	Version        [2]int // major, minor
	ABIs           []string
	Platforms      []string // most preferred first
	// Name overrides the interpreter tag of a non-CPython implementation
	// (default Implementation + major + minor), e.g. "pp310". CPython
	// always uses cpXY, as packaging's cpython_tags does.
	Name string
}

func nodot(major, minor int) string {
	return strconv.Itoa(major) + strconv.Itoa(minor)
}

func (in Interpreter) name() string {
	if in.Name != "" {
		return in.Name
	}
	return in.Implementation + nodot(in.Version[0], in.Version[1])
}

// Tags returns every tag the interpreter accepts, most preferred first. See
// the package comment for the order.
func (in Interpreter) Tags() []Tag {
	var tags []Tag
	var anyInterp string
	switch in.Implementation {
	case CPython:
		tags = in.cpythonTags()
		anyInterp = CPython + nodot(in.Version[0], in.Version[1])
	default:
		tags = in.genericTags()
		anyInterp = in.name()
		if in.Implementation == PyPy {
			// packaging's sys_tags: PyPy's own pure-Python tag is "pp3".
			anyInterp = PyPy + strconv.Itoa(in.Version[0])
		}
	}
	return append(tags, compatibleTags(in.Version, anyInterp, in.Platforms)...)
}

// cpythonTags follows packaging's cpython_tags with explicit arguments.
func (in Interpreter) cpythonTags() []Tag {
	interp := CPython + nodot(in.Version[0], in.Version[1])
	abis := make([]string, 0, len(in.ABIs))
	for _, a := range in.ABIs {
		if a != abi3 && a != abi3t && a != abiNone { // these keep their normal position
			abis = append(abis, a)
		}
	}
	var tags []Tag
	for _, a := range abis {
		for _, p := range in.Platforms {
			tags = append(tags, Tag{interp, a, p})
		}
	}
	useABI3 := !versionLess(in.Version, abi3Since)
	stable := abi3
	if freeThreaded(abis) {
		stable = abi3t
	}
	if useABI3 {
		for _, p := range in.Platforms {
			tags = append(tags, Tag{interp, stable, p})
		}
	}
	for _, p := range in.Platforms {
		tags = append(tags, Tag{interp, abiNone, p})
	}
	if useABI3 {
		for minor := in.Version[1] - 1; minor > 1; minor-- {
			older := CPython + nodot(in.Version[0], minor)
			for _, p := range in.Platforms {
				tags = append(tags, Tag{older, stable, p})
			}
		}
	}
	return tags
}

// freeThreaded reports whether the first ABI is a free-threaded CPython ABI
// (cpNN followed by flags containing "t", e.g. cp313t); those load abi3t
// instead of abi3 extensions.
func freeThreaded(abis []string) bool {
	if len(abis) == 0 {
		return false
	}
	rest, ok := strings.CutPrefix(abis[0], CPython)
	if !ok {
		return false
	}
	digits := 0
	for digits < len(rest) && '0' <= rest[digits] && rest[digits] <= '9' {
		digits++
	}
	return digits > 0 && strings.Contains(rest[digits:], "t")
}

// genericTags follows packaging's generic_tags with explicit arguments.
func (in Interpreter) genericTags() []Tag {
	interp := in.name()
	abis := in.ABIs
	hasNone := false
	for _, a := range abis {
		hasNone = hasNone || a == abiNone
	}
	if !hasNone {
		abis = append(abis[:len(abis):len(abis)], abiNone)
	}
	var tags []Tag
	for _, a := range abis {
		for _, p := range in.Platforms {
			tags = append(tags, Tag{interp, a, p})
		}
	}
	return tags
}

// pyRange is packaging's _py_interpreter_range: pyXY, pyX, then pyXW for
// W = Y-1 … 0.
func pyRange(v [2]int) []string {
	out := []string{"py" + nodot(v[0], v[1]), "py" + strconv.Itoa(v[0])}
	for minor := v[1] - 1; minor >= 0; minor-- {
		out = append(out, "py"+nodot(v[0], minor))
	}
	return out
}

// compatibleTags follows packaging's compatible_tags.
func compatibleTags(v [2]int, interp string, platforms []string) []Tag {
	pys := pyRange(v)
	tags := make([]Tag, 0, len(pys)*(len(platforms)+1)+1)
	for _, py := range pys {
		for _, p := range platforms {
			tags = append(tags, Tag{py, abiNone, p})
		}
	}
	if interp != "" {
		tags = append(tags, Tag{interp, abiNone, anyPlat})
	}
	for _, py := range pys {
		tags = append(tags, Tag{py, abiNone, anyPlat})
	}
	return tags
}

func versionLess(a, b [2]int) bool {
	return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
}
