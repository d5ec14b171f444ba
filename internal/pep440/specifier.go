package pep440

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Operator is a PEP 440 comparison operator.
type Operator string

// The PEP 440 operators.
const (
	OpEqual        Operator = "=="
	OpNotEqual     Operator = "!="
	OpLessEqual    Operator = "<="
	OpGreaterEqual Operator = ">="
	OpLess         Operator = "<"
	OpGreater      Operator = ">"
	OpCompatible   Operator = "~="
	OpArbitrary    Operator = "==="
)

// operatorsLongestFirst lists operators so that a prefix match picks the
// longest one ("===" before "==", "<=" before "<").
var operatorsLongestFirst = [...]Operator{
	OpArbitrary, OpCompatible, OpEqual, OpNotEqual, OpLessEqual, OpGreaterEqual, OpLess, OpGreater,
}

// Specifier is one version clause such as ">=1.0" or "==2.1.*". Op and
// Version are the text as written (whitespace removed); the parsed form is
// kept unexported. Construct Specifiers with ParseSpecifier: a Specifier
// built as a literal is parsed again on every use (slow), and matches
// nothing if Op+Version is not a valid specifier.
type Specifier struct {
	Op      Operator
	Version string // text after the operator, e.g. "1.0.*"
	p       *specData
}

type specData struct {
	v        Version // the version (the prefix for wildcards); for === only if vOK
	vOK      bool    // v parsed (always true except === with arbitrary text)
	wildcard bool    // "==V.*" / "!=V.*"
	hasLocal bool    // the version text has a "+local" label
	// bound is the derived edge used by <, >, ~= and wildcards: see contains.
	bound    Version
	boundMin Version // wildcard lower edge V.dev0
	matchNo  bool    // the specifier matches no version at all ("<0")
	// greaterPlain: ">V" where V has neither dev nor post: excludes V's
	// post releases, so it is not a plain comparison.
	greaterPlain bool
	implied      bool   // the specifier explicitly names a pre-release
	key          string // canonical identity used for equality and dedup
}

// minVersion is the smallest PEP 440 version ("0.dev0").
var minVersion = MustParse("0.dev0")

// ParseSpecifier parses a single specifier such as ">= 1.0" or "===foo".
// Surrounding whitespace and whitespace after the operator are ignored.
func ParseSpecifier(s string) (Specifier, error) {
	t := trimSpace(s)
	lead := len(s) - len(strings.TrimLeftFunc(s, pyIsSpace))
	fail := func(col int, msg string) (Specifier, error) {
		return Specifier{}, &ParseError{Kind: "specifier", Input: s, Column: col, Msg: msg}
	}
	var op Operator
	for _, o := range operatorsLongestFirst {
		if strings.HasPrefix(t, string(o)) {
			op = o
			break
		}
	}
	if op == "" {
		return fail(lead+1, "expected an operator (==, !=, <=, >=, <, >, ~= or ===)")
	}
	rest := t[len(op):]
	ver := trimSpace(rest)
	vcol := lead + len(op) + (len(rest) - len(strings.TrimLeftFunc(rest, pyIsSpace))) + 1
	sp := Specifier{Op: op, Version: ver}
	d := &specData{}
	sp.p = d

	if op == OpArbitrary {
		// Anything but whitespace, ';' and ')' (which end a specifier
		// inside a PEP 508 requirement).
		for i, r := range ver {
			if pyIsSpace(r) || r == ';' || r == ')' {
				return fail(vcol+i, "=== takes a single word: whitespace, ';' and ')' are not allowed")
			}
		}
		if v, err := Parse(ver); err == nil {
			d.v, d.vOK = v, true
			d.implied = v.IsPrerelease()
		}
		d.key = string(op) + ver
		return sp, nil
	}
	if ver == "" {
		return fail(vcol, "expected a version after "+string(op))
	}

	if (op == OpEqual || op == OpNotEqual) && strings.HasSuffix(ver, ".*") {
		prefix := ver[:len(ver)-2]
		if bad := plainReleaseEnd(prefix); bad >= 0 {
			return fail(vcol+bad, "a '.*' prefix match takes only [N!]N(.N)*: no pre, post, dev or local segment")
		}
		v, err := Parse(prefix)
		if err != nil { // unreachable: plainReleaseEnd accepted it
			return fail(vcol, err.Error())
		}
		d.v, d.vOK, d.wildcard = v, true, true
		vd := v.data()
		d.boundMin = build(vd.epoch, vd.release, preNone, num{}, false, num{}, true, num{}, nil)
		d.bound = nextPrefixDev0(vd.epoch, vd.release)
		d.key = string(op) + ver
		return sp, nil
	}

	vd, col, msg := parseVersion(ver)
	if vd == nil {
		return fail(vcol+col, msg)
	}
	v := Version{vd}
	d.v, d.vOK = v, true
	d.hasLocal = vd.local != nil
	if d.hasLocal && op != OpEqual && op != OpNotEqual {
		return fail(vcol+strings.IndexByte(ver, '+'), "a local label is allowed only with == and !=")
	}
	switch op {
	case OpCompatible:
		if len(vd.release) < 2 {
			return fail(vcol, "~= needs a release with at least two numbers")
		}
		d.bound = nextPrefixDev0(vd.epoch, vd.release[:len(vd.release)-1])
	case OpGreater:
		switch {
		case vd.hasDev:
			// Dev releases have no post releases: the next version is devN+1.
			d.bound = build(vd.epoch, vd.release, vd.preKind, vd.preN, vd.hasPost, vd.post, true, vd.dev.succ(), nil)
		case vd.hasPost:
			d.bound = build(vd.epoch, vd.release, vd.preKind, vd.preN, true, vd.post.succ(), true, num{}, nil)
		default:
			d.greaterPlain = true
		}
	case OpLess:
		// <V excludes V's own pre-releases unless V is one.
		d.bound = v
		if !v.IsPrerelease() {
			d.bound = build(vd.epoch, vd.release, vd.preKind, vd.preN, vd.hasPost, vd.post, true, num{}, nil)
		}
		d.matchNo = d.bound.Compare(minVersion) <= 0
	}
	d.implied = op != OpNotEqual && v.IsPrerelease()
	if op == OpCompatible {
		d.key = string(op) + v.canonical(false)
	} else {
		d.key = string(op) + v.canonical(true)
	}
	return sp, nil
}

// plainReleaseEnd checks that s is v?(N!)?N(.N)* and returns the offset
// of the first byte that breaks the pattern, or -1 if s matches.
func plainReleaseEnd(s string) int {
	i := 0
	if i < len(s) && (s[i] == 'v' || s[i] == 'V') {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return i > start
	}
	start := i
	if digits() && i < len(s) && s[i] == '!' {
		i++
	} else {
		i = start
	}
	if !digits() {
		return i
	}
	for i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return i
		}
	}
	if i < len(s) {
		return i
	}
	return -1
}

// nextPrefixDev0 returns the smallest version of the next prefix:
// 1.2 -> 1.3.dev0.
func nextPrefixDev0(epoch num, release []num) Version {
	r := make([]num, len(release))
	copy(r, release)
	r[len(r)-1] = r[len(r)-1].succ()
	return build(epoch, r, preNone, num{}, false, num{}, true, num{}, nil)
}

// String returns the specifier as operator followed by the version text.
func (s Specifier) String() string { return string(s.Op) + s.Version }

// Prereleases reports whether the specifier explicitly names a pre-release
// (so that it implies pre-releases are wanted). "!=" and "==V.*" never do.
func (s Specifier) Prereleases() bool {
	d := s.data()
	return d != nil && d.implied
}

// data returns the parsed form, parsing a hand-built Specifier on the fly.
func (s Specifier) data() *specData {
	if s.p != nil {
		return s.p
	}
	sp, err := ParseSpecifier(string(s.Op) + s.Version)
	if err != nil || sp.Op != s.Op {
		return nil
	}
	return sp.p
}

// Equal reports whether s and t are the same constraint: same operator and
// the same version ignoring trailing zero release numbers (except for ~=,
// where they matter). === and wildcards compare their text.
func (s Specifier) Equal(t Specifier) bool {
	a, b := s.data(), t.data()
	return a != nil && b != nil && a.key == b.key
}

// Contains reports whether v satisfies the operator, with no pre-release
// policy applied (PEP 440's exclusions that are part of an operator, such
// as ">V" not matching V's post-releases, do apply). For === the
// normalized text of v is compared case-insensitively.
func (s Specifier) Contains(v Version) bool {
	d := s.data()
	if d == nil {
		return false
	}
	if s.Op == OpArbitrary {
		return pyLowerEqual(v.String(), s.Version)
	}
	return d.contains(s.Op, v.data())
}

// ContainsString is Contains for a version given as text: === compares the
// text itself (ignoring case, without normalizing it); every other operator
// needs a valid version and is false for text that does not parse.
func (s Specifier) ContainsString(version string) bool {
	v, err := Parse(version)
	return s.containsText(version, v, err == nil)
}

// containsText is Contains for a version given as text: === compares the
// raw text, every other operator needs a valid version.
func (s Specifier) containsText(item string, parsed Version, ok bool) bool {
	d := s.data()
	if d == nil {
		return false
	}
	if s.Op == OpArbitrary {
		return pyLowerEqual(item, s.Version)
	}
	return ok && d.contains(s.Op, parsed.data())
}

func (d *specData) contains(op Operator, x *vdata) bool {
	V := d.v.data()
	switch op {
	case OpEqual, OpNotEqual:
		var eq bool
		switch {
		case d.wildcard:
			eq = cmpData(x, d.boundMin.data()) >= 0 && cmpData(x, d.bound.data()) < 0
		case d.hasLocal:
			eq = cmpData(x, V) == 0
		default:
			eq = comparePublic(x, V) == 0
		}
		return eq == (op == OpEqual)
	case OpGreaterEqual:
		return cmpData(x, V) >= 0
	case OpLessEqual:
		return comparePublic(x, V) <= 0
	case OpLess:
		return !d.matchNo && cmpData(x, d.bound.data()) < 0
	case OpGreater:
		if !d.greaterPlain {
			return cmpData(x, d.bound.data()) >= 0
		}
		return cmpData(x, V) > 0 && !inPostFamily(V, x)
	case OpCompatible:
		return cmpData(x, V) >= 0 && cmpData(x, d.bound.data()) < 0
	}
	return false
}

func cmpData(a, b *vdata) int { return Version{a}.Compare(Version{b}) }

// sameBase reports equal epoch and release (trailing zeros ignored) and
// equal pre-release segment.
func sameBasePre(v, x *vdata) bool {
	return x.epoch.cmp(v.epoch) == 0 &&
		cmpRelease(x.release[:x.relLen], v.release[:v.relLen]) == 0 &&
		x.preKind == v.preKind && x.preN.cmp(v.preN) == 0
}

// inPostFamily reports whether x is V itself, V+local or a post-release of
// V (with any dev or local): the versions ">V" skips.
func inPostFamily(v, x *vdata) bool {
	if !sameBasePre(v, x) {
		return false
	}
	return (x.hasDev == v.hasDev && x.dev.cmp(v.dev) == 0) || x.hasPost
}

// pyLowerEqual compares like Python's a.lower() == b.lower().
func pyLowerEqual(a, b string) bool {
	if a == b {
		return true
	}
	return pyLower(a) == pyLower(b)
}

// pyLower lower-cases like Python's str.lower: full Unicode case mapping,
// including U+0130 -> "i̇" and the final-sigma rule.
func pyLower(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			_, n := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+n])
		case r == 0x130:
			b.WriteString("i\u0307")
		case r == 0x3a3:
			if finalSigma(s, i) {
				b.WriteRune(0x3c2)
			} else {
				b.WriteRune(0x3c3)
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma applies the Unicode Final_Sigma condition to the capital
// sigma at byte offset i: preceded by a cased letter and not followed by
// one, skipping case-ignorable characters.
func finalSigma(s string, i int) bool {
	before := false
	for j := i; j > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		j -= n
		if caseIgnorable(r) {
			continue
		}
		before = cased(r)
		break
	}
	if !before {
		return false
	}
	for j := i + utf8.RuneLen(0x3a3); j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		j += n
		if caseIgnorable(r) {
			continue
		}
		return !cased(r)
	}
	return true
}

func cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '^', '`', 0xb7, 0x387, 0x5f4, 0x2018, 0x2019, 0x2024, 0x2027,
		0xfe13, 0xfe52, 0xfe55, 0xff07, 0xff0e, 0xff1a:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
