package pep440

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pre-release kinds in their PEP 440 order.
const (
	preNone uint8 = iota
	preA
	preB
	preRC
)

var preLabels = [...]string{preNone: "", preA: "a", preB: "b", preRC: "rc"}

// Version is a parsed PEP 440 version. It is an immutable value: copies are
// cheap (one pointer) and safe to share between goroutines. The zero Version
// behaves as "0". Compare versions with Compare or Equal, not ==, which
// compares identity ("1.0" and "1.0.0" are equal versions).
type Version struct{ d *vdata }

type vdata struct {
	epoch   num
	release []num // as written, trailing zeros kept; never empty
	relLen  int   // len(release) with trailing zeros trimmed (at least 1)
	preKind uint8
	preN    num
	post    num
	hasPost bool
	dev     num
	hasDev  bool
	local   []localPart // nil when there is no local label
	str     string      // normalized form
	relBuf  [4]num      // backing store for short releases: one allocation per Parse
}

// localPart is one dot-separated piece of a local label: a number (compared
// numerically, sorting after every word) or a lower-cased word.
type localPart struct {
	n     num
	s     string
	isNum bool
}

var zeroData = func() *vdata {
	d := &vdata{release: []num{{}}, relLen: 1}
	d.str = d.format(true)
	return d
}()

func (v Version) data() *vdata {
	if v.d == nil {
		return zeroData
	}
	return v.d
}

// IsZero reports whether v is the zero Version (not produced by Parse).
func (v Version) IsZero() bool { return v.d == nil }

// pyIsSpace reports whether Python's str.isspace would accept r, which is
// what the reference regexp's \s and str.strip use: Unicode White_Space
// plus the information separators U+001C..U+001F.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// trimSpace strips Python whitespace from both ends.
func trimSpace(s string) string {
	start := 0
	for start < len(s) {
		c := s[start]
		if c < utf8.RuneSelf {
			if !pyIsSpace(rune(c)) {
				break
			}
			start++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[start:])
		if !pyIsSpace(r) {
			break
		}
		start += n
	}
	end := len(s)
	for end > start {
		c := s[end-1]
		if c < utf8.RuneSelf {
			if !pyIsSpace(rune(c)) {
				break
			}
			end--
			continue
		}
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !pyIsSpace(r) {
			break
		}
		end -= n
	}
	return s[start:end]
}

// Parse parses a version in any spelling PEP 440 accepts (see the package
// comment) and returns it normalized.
func Parse(s string) (Version, error) {
	d, col, msg := parseVersion(trimSpace(s))
	if d == nil {
		off := len(s) - len(strings.TrimLeftFunc(s, pyIsSpace))
		return Version{}, &ParseError{Kind: "version", Input: s, Column: off + col + 1, Msg: msg}
	}
	return Version{d}, nil
}

// MustParse is like Parse but panics on error. Use it only for constants
// and tests, never on user input.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// lowerASCII folds an ASCII letter; the grammar is ASCII-only.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isSep(c byte) bool   { return c == '.' || c == '_' || c == '-' }
func isAlnum(c byte) bool {
	c = lowerASCII(c)
	return isDigit(c) || ('a' <= c && c <= 'z')
}

// scanner walks a version body. Every optional piece is taken greedily and
// never given back, like the possessive quantifiers of the reference
// regexp; the grammar is built so that this never rejects a valid string.
type scanner struct {
	s   string
	pos int
}

func (sc *scanner) peek() byte {
	if sc.pos < len(sc.s) {
		return sc.s[sc.pos]
	}
	return 0
}

func (sc *scanner) digits() (string, bool) {
	start := sc.pos
	for sc.pos < len(sc.s) && isDigit(sc.s[sc.pos]) {
		sc.pos++
	}
	return sc.s[start:sc.pos], sc.pos > start
}

// word consumes w (lower-case) case-insensitively if it is next.
func (sc *scanner) word(w string) bool {
	if len(sc.s)-sc.pos < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if lowerASCII(sc.s[sc.pos+i]) != w[i] {
			return false
		}
	}
	sc.pos += len(w)
	return true
}

func (sc *scanner) sep() bool {
	if sc.pos < len(sc.s) && isSep(sc.s[sc.pos]) {
		sc.pos++
		return true
	}
	return false
}

// Spellings of pre-release labels, longest alternative first as in the
// reference regexp, with their normalized kind.
var preSpellings = [...]struct {
	word string
	kind uint8
}{
	{"alpha", preA}, {"a", preA}, {"beta", preB}, {"b", preB},
	{"preview", preRC}, {"pre", preRC}, {"c", preRC}, {"rc", preRC},
}

// parseVersion parses an already-trimmed version. On failure it returns the
// byte offset of the problem and what was expected there.
func parseVersion(s string) (*vdata, int, string) {
	sc := scanner{s: s}
	d := &vdata{}
	if c := sc.peek(); c == 'v' || c == 'V' {
		sc.pos++
	}
	// Epoch: digits followed by '!'; otherwise those digits start the release.
	start := sc.pos
	if ds, ok := sc.digits(); ok && sc.peek() == '!' {
		d.epoch = parseNum(ds)
		sc.pos++
	} else {
		sc.pos = start
	}
	ds, ok := sc.digits()
	if !ok {
		return nil, sc.pos, "expected a release number"
	}
	d.release = append(d.relBuf[:0], parseNum(ds))
	for sc.peek() == '.' && sc.pos+1 < len(s) && isDigit(s[sc.pos+1]) {
		sc.pos++
		ds, _ = sc.digits()
		d.release = append(d.release, parseNum(ds))
	}
	d.relLen = len(d.release)
	for d.relLen > 1 && d.release[d.relLen-1].isZero() {
		d.relLen--
	}

	// Pre-release: [sep] label [sep] [N].
	start = sc.pos
	sc.sep()
	for _, p := range preSpellings {
		if sc.word(p.word) {
			d.preKind = p.kind
			break
		}
	}
	if d.preKind == preNone {
		sc.pos = start
	} else {
		sc.sep()
		if ds, ok := sc.digits(); ok {
			d.preN = parseNum(ds)
		}
	}

	// Post-release: -N, or [sep] (post|rev|r) [sep] [N].
	start = sc.pos
	if sc.peek() == '-' && sc.pos+1 < len(s) && isDigit(s[sc.pos+1]) {
		sc.pos++
		ds, _ := sc.digits()
		d.post, d.hasPost = parseNum(ds), true
	} else {
		sc.sep()
		if sc.word("post") || sc.word("rev") || sc.word("r") {
			d.hasPost = true
			sc.sep()
			if ds, ok := sc.digits(); ok {
				d.post = parseNum(ds)
			}
		} else {
			sc.pos = start
		}
	}

	// Development release: [sep] dev [sep] [N].
	start = sc.pos
	sc.sep()
	if sc.word("dev") {
		d.hasDev = true
		sc.sep()
		if ds, ok := sc.digits(); ok {
			d.dev = parseNum(ds)
		}
	} else {
		sc.pos = start
	}

	// Local label: + alnum+ (sep alnum+)*.
	if sc.peek() == '+' {
		sc.pos++
		for {
			start := sc.pos
			for sc.pos < len(s) && isAlnum(s[sc.pos]) {
				sc.pos++
			}
			if sc.pos == start {
				return nil, sc.pos, "expected a letter or digit in the local label"
			}
			d.local = append(d.local, makeLocalPart(s[start:sc.pos]))
			if sc.pos+1 < len(s) && isSep(s[sc.pos]) && isAlnum(s[sc.pos+1]) {
				sc.pos++
				continue
			}
			break
		}
	}
	if sc.pos != len(s) {
		return nil, sc.pos, expectedAt(d)
	}
	// Most versions are written in normal form already: then the input is
	// the normalized string, with no allocation for it.
	var buf [32]byte
	if f := d.appendFormat(buf[:0], len(d.release), true); string(f) == s {
		d.str = s
	} else {
		d.str = string(f)
	}
	return d, 0, ""
}

// expectedAt describes what could have continued a version that parsed so
// far as d.
func expectedAt(d *vdata) string {
	switch {
	case d.local != nil:
		return "expected end of version after the local label"
	case d.hasDev:
		return "expected '+local' or end of version after the dev segment"
	case d.hasPost:
		return "expected '.devN', '+local' or end of version after the post segment"
	case d.preKind != preNone:
		return "expected '.postN', '.devN', '+local' or end of version after the pre-release segment"
	}
	return "expected '.N', a pre/post/dev segment, '+local' or end of version"
}

func makeLocalPart(s string) localPart {
	allDigits := true
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			allDigits = false
			break
		}
	}
	if allDigits {
		return localPart{n: parseNum(s), isNum: true}
	}
	b := []byte(s)
	for i := range b {
		b[i] = lowerASCII(b[i])
	}
	return localPart{s: string(b)}
}

// format renders the normalized text; withLocal=false gives the public form.
func (d *vdata) format(withLocal bool) string {
	return string(d.appendFormat(make([]byte, 0, 16), len(d.release), withLocal))
}

// appendFormat writes the first relN release components (relN <=
// len(release)), then the pre, post, dev and (if withLocal) local segments.
func (d *vdata) appendFormat(b []byte, relN int, withLocal bool) []byte {
	if !d.epoch.isZero() {
		b = d.epoch.appendTo(b)
		b = append(b, '!')
	}
	for i, n := range d.release[:relN] {
		if i > 0 {
			b = append(b, '.')
		}
		b = n.appendTo(b)
	}
	if d.preKind != preNone {
		b = append(b, preLabels[d.preKind]...)
		b = d.preN.appendTo(b)
	}
	if d.hasPost {
		b = append(b, ".post"...)
		b = d.post.appendTo(b)
	}
	if d.hasDev {
		b = append(b, ".dev"...)
		b = d.dev.appendTo(b)
	}
	if withLocal && d.local != nil {
		b = append(b, '+')
		b = appendLocal(b, d.local)
	}
	return b
}

func appendLocal(b []byte, parts []localPart) []byte {
	for i, p := range parts {
		if i > 0 {
			b = append(b, '.')
		}
		if p.isNum {
			b = p.n.appendTo(b)
		} else {
			b = append(b, p.s...)
		}
	}
	return b
}

// String returns the normalized form, e.g. "1!2.0rc1.post0.dev3+ubuntu.1".
func (v Version) String() string { return v.data().str }

// MarshalText returns the normalized form.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText parses text as a version.
func (v *Version) UnmarshalText(text []byte) error {
	w, err := Parse(string(text))
	if err != nil {
		return err
	}
	*v = w
	return nil
}

// Epoch returns the epoch (0 if none), saturating at math.MaxInt.
func (v Version) Epoch() int { return v.data().epoch.Int() }

// Release returns the release numbers as written (trailing zeros kept).
// Numbers above math.MaxInt saturate; Compare and String stay exact.
func (v Version) Release() []int {
	d := v.data()
	out := make([]int, len(d.release))
	for i, n := range d.release {
		out[i] = n.Int()
	}
	return out
}

// Pre returns the normalized pre-release label ("a", "b" or "rc") and number.
func (v Version) Pre() (label string, n int, ok bool) {
	d := v.data()
	if d.preKind == preNone {
		return "", 0, false
	}
	return preLabels[d.preKind], d.preN.Int(), true
}

// Post returns the post-release number.
func (v Version) Post() (n int, ok bool) {
	d := v.data()
	return d.post.Int(), d.hasPost
}

// Dev returns the development-release number.
func (v Version) Dev() (n int, ok bool) {
	d := v.data()
	return d.dev.Int(), d.hasDev
}

// Local returns the normalized local label (without '+'), or "".
func (v Version) Local() string {
	d := v.data()
	if d.local == nil {
		return ""
	}
	return string(appendLocal(nil, d.local))
}

// Public returns v without its local label.
func (v Version) Public() Version {
	d := v.data()
	if d.local == nil {
		return v
	}
	nd := *d
	nd.local = nil
	nd.str = nd.format(true)
	return Version{&nd}
}

// BaseVersion returns the epoch and release only ("1!2.0", "2.0").
func (v Version) BaseVersion() Version {
	d := v.data()
	if d.preKind == preNone && !d.hasPost && !d.hasDev && d.local == nil {
		return v
	}
	nd := vdata{epoch: d.epoch, release: d.release, relLen: d.relLen}
	nd.str = nd.format(true)
	return Version{&nd}
}

// IsPrerelease reports whether v has a pre-release or dev segment.
func (v Version) IsPrerelease() bool {
	d := v.data()
	return d.preKind != preNone || d.hasDev
}

// IsPostrelease reports whether v has a post-release segment.
func (v Version) IsPostrelease() bool { return v.data().hasPost }

// IsDevrelease reports whether v has a dev segment.
func (v Version) IsDevrelease() bool { return v.data().hasDev }

func (v Version) releaseAt(i int) int {
	d := v.data()
	if i < len(d.release) {
		return d.release[i].Int()
	}
	return 0
}

// Major returns the first release number (0 if absent).
func (v Version) Major() int { return v.releaseAt(0) }

// Minor returns the second release number (0 if absent).
func (v Version) Minor() int { return v.releaseAt(1) }

// Micro returns the third release number (0 if absent).
func (v Version) Micro() int { return v.releaseAt(2) }

// Equal reports whether v and w are the same version (Compare == 0).
func (v Version) Equal(w Version) bool { return v.Compare(w) == 0 }

// Less reports whether v sorts before w.
func (v Version) Less(w Version) bool { return v.Compare(w) < 0 }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w in
// PEP 440 order: epoch, release (trailing zeros ignored), then
// dev-only < pre-releases < final < post-releases, dev before non-dev of the
// same pre/post, and a local label after the same public version.
// It does not allocate.
func (v Version) Compare(w Version) int {
	a, b := v.data(), w.data()
	if a == b {
		return 0
	}
	if c := a.epoch.cmp(b.epoch); c != 0 {
		return c
	}
	if c := cmpRelease(a.release[:a.relLen], b.release[:b.relLen]); c != 0 {
		return c
	}
	return cmpSuffix(a, b, true)
}

// cmpRelease compares trimmed release tuples.
func cmpRelease(x, y []num) int {
	n := min(len(x), len(y))
	for i := 0; i < n; i++ {
		if c := x[i].cmp(y[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return 1
	}
	return 0
}

// preRank places the pre-release segment: a dev release with no pre or
// post sorts before all pre-releases (0), pre-releases are 1, and anything
// else (final or post) sorts after them (2).
func (d *vdata) preRank() int {
	switch {
	case d.preKind != preNone:
		return 1
	case !d.hasPost && d.hasDev:
		return 0
	}
	return 2
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// cmpSuffix compares pre, post, dev and (if withLocal) local of two
// versions whose epoch and release are equal.
func cmpSuffix(a, b *vdata, withLocal bool) int {
	ra, rb := a.preRank(), b.preRank()
	if c := cmpInt(ra, rb); c != 0 {
		return c
	}
	if ra == 1 {
		if c := cmpInt(int(a.preKind), int(b.preKind)); c != 0 {
			return c
		}
		if c := a.preN.cmp(b.preN); c != 0 {
			return c
		}
	}
	// No post sorts first.
	if c := cmpBool(a.hasPost, b.hasPost); c != 0 {
		return c
	}
	if a.hasPost {
		if c := a.post.cmp(b.post); c != 0 {
			return c
		}
	}
	// No dev sorts last.
	if c := cmpBool(!a.hasDev, !b.hasDev); c != 0 {
		return c
	}
	if a.hasDev {
		if c := a.dev.cmp(b.dev); c != 0 {
			return c
		}
	}
	if !withLocal {
		return 0
	}
	return cmpLocal(a.local, b.local)
}

// cmpLocal orders local labels: none first, then part by part, numbers
// after words, and a label that is a prefix of another first.
func cmpLocal(x, y []localPart) int {
	if x == nil || y == nil {
		return cmpBool(x != nil, y != nil)
	}
	n := min(len(x), len(y))
	for i := 0; i < n; i++ {
		p, q := x[i], y[i]
		if c := cmpBool(p.isNum, q.isNum); c != 0 {
			return c
		}
		var c int
		if p.isNum {
			c = p.n.cmp(q.n)
		} else {
			c = strings.Compare(p.s, q.s)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(x), len(y))
}

// comparePublic is Compare with both local labels ignored.
func comparePublic(a, b *vdata) int {
	if c := a.epoch.cmp(b.epoch); c != 0 {
		return c
	}
	if c := cmpRelease(a.release[:a.relLen], b.release[:b.relLen]); c != 0 {
		return c
	}
	return cmpSuffix(a, b, false)
}

// Canonicalize returns packaging.utils.canonicalize_version(s): the
// normalized form of s, with trailing ".0" release components removed when
// stripTrailingZero is set (at least one component is kept). Text that is
// not a valid version is returned unchanged.
func Canonicalize(s string, stripTrailingZero bool) string {
	v, err := Parse(s)
	if err != nil {
		return s
	}
	return v.canonical(stripTrailingZero)
}

func (v Version) canonical(stripTrailingZero bool) string {
	d := v.data()
	if !stripTrailingZero || d.relLen == len(d.release) {
		return d.str
	}
	return string(d.appendFormat(make([]byte, 0, len(d.str)), d.relLen, true))
}

// build constructs a version from parts (used for range bounds).
func build(epoch num, release []num, preKind uint8, preN num, hasPost bool, post num, hasDev bool, dev num, local []localPart) Version {
	d := &vdata{epoch: epoch, release: release, preKind: preKind, preN: preN,
		hasPost: hasPost, post: post, hasDev: hasDev, dev: dev, local: local}
	d.relLen = len(release)
	for d.relLen > 1 && release[d.relLen-1].isZero() {
		d.relLen--
	}
	d.str = d.format(true)
	return Version{d}
}
