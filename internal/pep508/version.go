package pep508

import (
	"strings"

	"github.com/pyward/pyward/internal/pep440"
)

// versionSpec is "op value" read as one PEP 440 specifier, the first thing
// packaging tries when a marker compares a version-like variable.
type versionSpec struct {
	valid bool
	spec  pep440.Specifier
	// arbitrary holds an "===" specifier as a one-member set, whose
	// ContainsString compares raw text as packaging does; arbOK is false in
	// the odd case of a "," in the text, which a set cannot hold.
	arbitrary pep440.SpecifierSet
	arbOK     bool
}

func parseVersionSpec(text string) *versionSpec {
	sp, err := pep440.ParseSpecifier(text)
	if err != nil {
		return &versionSpec{}
	}
	vs := &versionSpec{valid: true, spec: sp}
	if sp.Op == pep440.OpArbitrary {
		set, err := pep440.ParseSpecifierSet(sp.String())
		vs.arbitrary, vs.arbOK = set, err == nil && len(set.Specifiers()) == 1
	}
	return vs
}

// prereleasesAllowed is the prereleases=True argument packaging passes.
var prereleasesAllowed = true

// contains is packaging's Specifier.contains(v, prereleases=True): ===
// compares the text, every other operator needs v to be a valid version.
func (vs *versionSpec) contains(v string) bool {
	if vs.spec.Op == pep440.OpArbitrary {
		if vs.arbOK {
			return vs.arbitrary.ContainsString(v, &prereleasesAllowed)
		}
		// packaging compares str.lower() of both sides, not Unicode case folding.
		return strings.ToLower(v) == strings.ToLower(vs.spec.Version) //lint:ignore SA6005 keep lower() semantics
	}
	ver, err := pep440.Parse(v)
	return err == nil && vs.spec.Contains(ver)
}

// specifierSetsEqual is packaging's SpecifierSet equality: the same
// members after canonicalization.
func specifierSetsEqual(a, b pep440.SpecifierSet) bool { return a.Equal(b) }
