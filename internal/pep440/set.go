package pep440

import (
	"errors"
	"slices"
	"strings"
)

// SpecifierSet is a comma-separated conjunction of specifiers. The zero
// value (and the parse of "") matches every version. It is an immutable
// value.
type SpecifierSet struct {
	specs  []Specifier // as written, in input order
	canon  []Specifier // sorted by text, equal members merged
	pre    *bool       // explicit pre-release override, nil if none
	hasArb bool        // a member uses ===
}

// ParseSpecifierSet parses a comma-separated list of specifiers. Empty
// members and whitespace around members are ignored, so "" (and ",")
// match everything.
func ParseSpecifierSet(s string) (SpecifierSet, error) {
	var specs []Specifier
	off := 0
	for part := range strings.SplitSeq(s, ",") {
		if trimSpace(part) != "" {
			sp, err := ParseSpecifier(part)
			if err != nil {
				col := off + 1
				if pe := (*ParseError)(nil); errors.As(err, &pe) && pe.Column > 0 {
					col = off + pe.Column
				}
				return SpecifierSet{}, &ParseError{Kind: "specifier set", Input: s, Column: col, Err: err}
			}
			specs = append(specs, sp)
		}
		off += len(part) + 1
	}
	return newSet(specs, nil), nil
}

// MustParseSpecifierSet is like ParseSpecifierSet but panics on error. Use
// it only for constants and tests.
func MustParseSpecifierSet(s string) SpecifierSet {
	ss, err := ParseSpecifierSet(s)
	if err != nil {
		panic(err)
	}
	return ss
}

func newSet(specs []Specifier, pre *bool) SpecifierSet {
	ss := SpecifierSet{specs: specs, pre: pre}
	for _, sp := range specs {
		if sp.Op == OpArbitrary {
			ss.hasArb = true
		}
	}
	// Sort by text, then keep the first of each group of equal members,
	// as packaging's str(SpecifierSet) does.
	if len(specs) <= 1 {
		ss.canon = specs
		return ss
	}
	type entry struct {
		text string
		sp   Specifier
	}
	entries := make([]entry, len(specs))
	for i, sp := range specs {
		entries[i] = entry{sp.String(), sp}
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return strings.Compare(a.text, b.text) })
	ss.canon = make([]Specifier, 0, len(specs))
	for _, e := range entries {
		if !slices.ContainsFunc(ss.canon, e.sp.Equal) {
			ss.canon = append(ss.canon, e.sp)
		}
	}
	return ss
}

// WithPrereleases returns a copy of s with an explicit pre-release
// override (packaging's SpecifierSet(..., prereleases=p)); nil removes it.
func (s SpecifierSet) WithPrereleases(p *bool) SpecifierSet {
	if p != nil {
		v := *p
		p = &v
	}
	s.pre = p
	return s
}

// Specifiers returns the members in canonical order (sorted by text, equal
// members merged).
func (s SpecifierSet) Specifiers() []Specifier { return slices.Clone(s.canon) }

// ExactVersion returns the version text of a set that pins exactly one
// version: a single "==V" without a wildcard, or a single "===V". This is
// what pip's hash-checking mode and every lock format call pinned.
func (s SpecifierSet) ExactVersion() (string, bool) {
	if len(s.canon) != 1 {
		return "", false
	}
	sp := s.canon[0]
	if sp.Op == OpArbitrary || (sp.Op == OpEqual && !strings.HasSuffix(sp.Version, ".*")) {
		return sp.Version, true
	}
	return "", false
}

// String returns the canonical text: members sorted by text, equal members
// merged, joined by ",".
func (s SpecifierSet) String() string {
	var b strings.Builder
	for i, sp := range s.canon {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(sp.String())
	}
	return b.String()
}

// MarshalText returns the canonical text.
func (s SpecifierSet) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses text as a specifier set (without override).
func (s *SpecifierSet) UnmarshalText(text []byte) error {
	t, err := ParseSpecifierSet(string(text))
	if err != nil {
		return err
	}
	*s = t
	return nil
}

// Equal reports whether s and t have the same canonical members.
func (s SpecifierSet) Equal(t SpecifierSet) bool {
	return slices.EqualFunc(s.canon, t.canon, Specifier.Equal)
}

// IsEmpty reports whether s has no members (and so matches everything).
func (s SpecifierSet) IsEmpty() bool { return len(s.specs) == 0 }

// Prereleases reports the set's pre-release policy: the explicit override
// if one was given, otherwise whether a member explicitly names a
// pre-release (e.g. ">=1.0b1"), as packaging's SpecifierSet.prereleases.
func (s SpecifierSet) Prereleases() bool {
	p := s.policy()
	return p != nil && *p
}

var (
	yes = true
	no  = false
)

// policy is packaging's tri-state SpecifierSet.prereleases.
func (s SpecifierSet) policy() *bool {
	if s.pre != nil {
		return s.pre
	}
	for _, sp := range s.specs {
		if sp.Prereleases() {
			return &yes
		}
	}
	return nil
}

// Contains is the resolver-facing membership test: v must satisfy every
// member, and a pre-release or dev release is accepted only if allowPre is
// set or the set's policy (Prereleases) allows it. === members compare
// v's normalized text.
func (s SpecifierSet) Contains(v Version, allowPre bool) bool {
	if !allowPre && v.IsPrerelease() && !s.Prereleases() {
		return false
	}
	for i := range s.specs {
		if !s.specs[i].Contains(v) {
			return false
		}
	}
	return true
}

// ContainsString is packaging's SpecifierSet.contains(version,
// prereleases): prereleases nil means the default policy, under which a
// lone pre-release is accepted. Text that is not a valid version matches
// only === members (compared case-insensitively); an empty set accepts it.
func (s SpecifierSet) ContainsString(version string, prereleases *bool) bool {
	return s.Match(version, MatchOptions{Prereleases: prereleases})
}

// MatchOptions are the optional arguments of packaging's
// SpecifierSet.contains.
type MatchOptions struct {
	Prereleases *bool // nil: default policy
	Installed   bool  // the version is already installed: accept it even if it is a pre-release
}

// Match is ContainsString with every packaging option.
func (s SpecifierSet) Match(version string, opt MatchOptions) bool {
	v, err := Parse(version)
	ok := err == nil
	pre := opt.Prereleases
	if ok && opt.Installed && v.IsPrerelease() {
		pre = &yes
	}
	if pre == nil {
		pre = s.policy()
	}
	if !s.matchAll(version, v, ok) {
		return false
	}
	// A single candidate: the default policy keeps a lone pre-release.
	return !(pre != nil && !*pre && ok && v.IsPrerelease())
}

// matchAll reports whether every member accepts the item, ignoring
// pre-release policy. Unparsable text passes an empty set and === only.
func (s SpecifierSet) matchAll(item string, v Version, ok bool) bool {
	if !ok && !s.hasArb && len(s.specs) > 0 {
		return false
	}
	for i := range s.specs {
		if !s.specs[i].containsText(item, v, ok) {
			return false
		}
	}
	return true
}

// Filter returns the versions s accepts, in input order, with packaging's
// SpecifierSet.filter semantics. With prereleases nil and no pre-release
// policy on the set, pre-releases survive only if no final release does.
// Text that is not a valid version survives only an empty set or ===.
func (s SpecifierSet) Filter(versions []string, prereleases *bool) []string {
	pre := prereleases
	if pre == nil {
		pre = s.policy()
	}
	out := make([]string, 0, len(versions))
	isPre := make([]bool, 0, len(versions))
	final := false
	for _, item := range versions {
		v, err := Parse(item)
		ok := err == nil
		if !s.matchAll(item, v, ok) {
			continue
		}
		p := ok && v.IsPrerelease()
		if p && pre != nil && !*pre {
			continue
		}
		if ok && !p {
			final = true
		}
		out = append(out, item)
		isPre = append(isPre, p)
	}
	if pre == nil && final {
		// PEP 440: pre-releases only when nothing else matches.
		kept := out[:0]
		for i, item := range out {
			if !isPre[i] {
				kept = append(kept, item)
			}
		}
		out = kept
	}
	return out
}

// Intersect returns the conjunction of s and t. Duplicate members are
// merged in the canonical form. If both carry explicit pre-release
// overrides that disagree, the result forbids pre-releases (packaging
// raises an error there).
func (s SpecifierSet) Intersect(t SpecifierSet) SpecifierSet {
	specs := make([]Specifier, 0, len(s.specs)+len(t.specs))
	specs = append(specs, s.specs...)
	for _, sp := range t.specs {
		// An equal member adds no constraint; dropping it keeps sets that
		// a resolver intersects over and over from growing.
		if !slices.ContainsFunc(specs, sp.Equal) {
			specs = append(specs, sp)
		}
	}
	var pre *bool
	switch {
	case s.pre == nil:
		pre = t.pre
	case t.pre == nil || *t.pre == *s.pre:
		pre = s.pre
	default:
		pre = &no
	}
	return newSet(specs, pre)
}
