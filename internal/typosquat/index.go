package typosquat

import (
	"iter"
	"strings"
)

// FamilyMinMembers is how many reference names must share a first token
// ("django-", "flake8-", "azure-mgmt-"...) before the token counts as a
// plugin family. Names inside a family differ by design, so a one-letter
// difference after the family token is weaker evidence.
const FamilyMinMembers = 4

// MinCoreLen is the shortest core (name left after removing a prefix or
// suffix) that affix tricks consider: "py" + "re" is not a squat of "re".
const MinCoreLen = 3

// coreRef is one reference name that, stripped of a Python prefix or
// suffix, leaves a given core.
type coreRef struct {
	ref   int32
	affix string // the prefix or suffix stripped from the reference
	isPre bool
}

// The lookups below are the only way Check reaches the reference. Each
// hashes its key, walks the matching bucket of the compiled table and
// verifies every candidate against the stored strings, so the results are
// exact; ids at or beyond the Reference's limit (a Top view) are skipped.

// lookup is r.c.lookup; an empty Reference (the zero value included)
// finds nothing.
func (r *Reference) lookup(t int, h uint64, yield func(uint32) bool) {
	if r.limit > 0 {
		r.c.lookup(t, h, yield)
	}
}

// id returns the id of the reference named name.
func (r *Reference) id(name string) (int32, bool) {
	found := int32(-1)
	r.lookup(tabName, hashKey(name), func(v uint32) bool {
		if int(v) < r.limit && r.c.name(int32(v)) == name {
			found = int32(v)
			return false
		}
		return true
	})
	return found, found >= 0
}

// flatIDs yields the references whose separator-free form is f, highest
// id first.
func (r *Reference) flatIDs(f string) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		r.lookup(tabFlat, hashKey(f), func(v uint32) bool {
			return int(v) >= r.limit || r.c.flat(int32(v)) != f || yield(int32(v))
		})
	}
}

// glyphIDs yields the references whose homoglyph-folded flat form is g,
// highest id first.
func (r *Reference) glyphIDs(g string) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		r.lookup(tabGlyph, hashKey(g), func(v uint32) bool {
			return int(v) >= r.limit || foldHomoglyphs(r.c.flat(int32(v))) != g || yield(int32(v))
		})
	}
}

// vcoreIDs yields the references whose flat form is v plus a trailing
// version number (versionCore), lowest id first.
func (r *Reference) vcoreIDs(v string) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		r.lookup(tabVcore, hashKey(v), func(x uint32) bool {
			if int(x) >= r.limit {
				return true
			}
			f := r.c.flat(int32(x))
			if len(f) <= len(v) || f[:len(v)] != v || len(versionCore(f)) != len(v) {
				return true
			}
			return yield(int32(x))
		})
	}
}

// cores yields the references that leave core c once a Python prefix
// (prefixCore) or suffix (suffixCore) is stripped, lowest id first and a
// name's prefix before its suffix.
func (r *Reference) cores(c string) iter.Seq[coreRef] {
	return func(yield func(coreRef) bool) {
		r.lookup(tabCore, hashKey(c), func(v uint32) bool {
			id, isPre := int32(v>>1), v&1 == 1
			if int(id) >= r.limit {
				return true
			}
			var got, affix string
			var ok bool
			if isPre {
				got, affix, ok = prefixCore(r.c.name(id))
			} else {
				got, affix, ok = suffixCore(r.c.name(id))
			}
			return !ok || got != c || yield(coreRef{id, affix, isPre})
		})
	}
}

// isFamily reports whether at least FamilyMinMembers references start
// with token and a separator (and token is no Python decoration): the
// table holds, per token, the id of its FamilyMinMembers-th name, so the
// count within a Top view is a comparison.
func (r *Reference) isFamily(token string) bool {
	found := false
	r.lookup(tabFamily, hashKey(token), func(v uint32) bool {
		if t, ok := familyToken(r.c.name(int32(v))); ok && t == token {
			found = int(v) < r.limit
			return false
		}
		return true
	})
	return found
}

// The two look-ups below run once per deletion of every checked name, so
// they take a plain callback rather than returning an iter.Seq: a
// range-over-func loop there allocated its closures on every call, more
// than half of Check's allocations.

// eachDeleteID calls f with each reference one of whose eachDelete hashes
// is h: candidates for edit distance 1, to verify letter by letter.
func (r *Reference) eachDeleteID(h uint64, f func(int32)) {
	r.lookup(tabDelete, h, func(v uint32) bool {
		if int(v) < r.limit {
			f(int32(v))
		}
		return true
	})
}

// eachSkelID calls f with each reference one of whose skeleton deletion
// hashes (skeletonKey, eachDelete) is h: candidates for the multi-edit
// rule.
func (r *Reference) eachSkelID(h uint64, f func(int32)) {
	r.lookup(tabSkel, h, func(v uint32) bool {
		if int(v) < r.limit {
			f(int32(v))
		}
		return true
	})
}

// headIDs yields the references whose flat form starts with head (a
// headKey), for the truncation rule.
func (r *Reference) headIDs(head string) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		r.lookup(tabHead, hashKey(head), func(v uint32) bool {
			return int(v) >= r.limit || !strings.HasPrefix(r.c.flat(int32(v)), head) || yield(int32(v))
		})
	}
}

// skeletonKey is the skeleton a reference flat form is indexed under for
// the multi-edit rule, if the name is long enough for the rule.
func skeletonKey(f string) (string, bool) {
	if len(f) < trickRow(TrickMultiEdit).minLen || len(f) > MaxMultiEditLen {
		return "", false
	}
	sk := skeleton(f)
	return sk, len(sk) >= SkeletonMinLen
}

// headKey is the head a reference flat form is indexed under for the
// truncation rule.
func headKey(f string) (string, bool) {
	if len(f) < trickRow(TrickTruncation).minLen || len(f) < HeadLen+2 {
		return "", false
	}
	return f[:HeadLen], true
}

// prefixCore strips the first Python prefix that leaves at least
// MinCoreLen bytes of name.
func prefixCore(name string) (core, prefix string, ok bool) {
	for _, p := range pythonPrefixes {
		if c, ok := strings.CutPrefix(name, p); ok && len(c) >= MinCoreLen {
			return c, p, true
		}
	}
	return "", "", false
}

// suffixCore strips the first Python suffix that leaves at least
// MinCoreLen bytes of name.
func suffixCore(name string) (core, suffix string, ok bool) {
	for _, s := range pythonSuffixes {
		if c, ok := strings.CutSuffix(name, s); ok && len(c) >= MinCoreLen {
			return c, s, true
		}
	}
	return "", "", false
}

// familyToken returns the first token of a name with a separator, unless
// it is a Python decoration: the token a plugin family shares.
func familyToken(name string) (string, bool) {
	t, _, ok := strings.Cut(name, "-")
	if !ok || isPythonToken(t) {
		return "", false
	}
	return t, true
}

// hashKey is the hash of a table key: the polynomial hash eachDelete
// gives a whole string, mixed with its length.
func hashKey(s string) uint64 {
	var h uint64
	for i := 0; i < len(s); i++ {
		h = h*hashBase + uint64(s[i])
	}
	return mixHash(h, len(s))
}

// hashBase is the multiplier of the polynomial string hash (FNV's prime).
const hashBase = 0x100000001b3

// eachDelete calls f with the hash of s itself and of every distinct
// one-letter deletion of it. The hashes are polynomial, so all n+1 of them
// come from one prefix and one suffix pass (O(n), not O(n²)), then mixed.
func eachDelete(s string, f func(uint64)) {
	n := len(s)
	var preBuf, powBuf [64]uint64
	pre, pow := preBuf[:], powBuf[:]
	if n+1 > len(pre) {
		pre, pow = make([]uint64, n+1), make([]uint64, n+1)
	}
	pow[0] = 1
	for i := 0; i < n; i++ {
		pre[i+1] = pre[i]*hashBase + uint64(s[i])
		pow[i+1] = pow[i] * hashBase
	}
	f(mixHash(pre[n], n))
	var suf uint64 // hash of s[k+1:] weighted as in s
	for k := n - 1; k >= 0; k-- {
		if k+1 >= n || s[k] != s[k+1] { // deleting either letter of a double gives the same string
			f(mixHash(pre[k]*pow[n-1-k]+suf, n-1))
		}
		suf += uint64(s[k]) * pow[n-1-k]
	}
}

// mixHash folds the length in and scrambles the bits (the murmur3
// finalizer) so both the bucket bits and the stored low bits are uniform.
func mixHash(h uint64, n int) uint64 {
	h ^= uint64(n) * 0x9e3779b97f4a7c15
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// stripSeparators removes '-' from a normalized name ("setup-tools" →
// "setuptools").
func stripSeparators(norm string) string {
	if strings.IndexByte(norm, '-') < 0 {
		return norm
	}
	return strings.ReplaceAll(norm, "-", "")
}

// foldHomoglyphs maps a separator-free name to its look-alike canonical
// form: single characters first (c1ick → cllck), then letter pairs
// (cllck → dlck), so that click and c1ick fold alike.
func foldHomoglyphs(f string) string {
	var b []byte
	for i := 0; i < len(f); i++ {
		if g := homoglyphSingle[f[i]]; g != 0 && g != f[i] {
			if b == nil {
				b = []byte(f)
			}
			b[i] = g
		}
	}
	if b != nil {
		f = string(b)
	}
	var out []byte
	for i := 0; i < len(f); i++ {
		c := f[i]
		matched := false
		for _, m := range homoglyphMulti {
			if m[0][0] == c && strings.HasPrefix(f[i:], m[0]) {
				if out == nil {
					out = append(make([]byte, 0, len(f)), f[:i]...)
				}
				out = append(out, m[1]...)
				i += len(m[0]) - 1
				matched = true
				break
			}
		}
		if !matched && out != nil {
			out = append(out, c)
		}
	}
	if out == nil {
		return f
	}
	return string(out)
}

// versionCore removes a trailing version number ("2", "v2", "38") from a
// separator-free name; names that are all digits and longer digit runs
// (iso8601) are left alone.
func versionCore(f string) string {
	i := len(f)
	for i > 0 && isDigit(f[i-1]) {
		i--
	}
	if i == len(f) || i == 0 || len(f)-i > MaxVersionDigits {
		return f
	}
	if f[i-1] == 'v' && i > 1 {
		i--
	}
	return f[:i]
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// versionSuffix returns the trailing version number versionCore removes.
func versionSuffix(f string) string { return f[len(versionCore(f)):] }

// isPythonToken reports whether a first token is a Python decoration
// (python-dateutil, py-spy) rather than a plugin host: the projects sharing
// it are unrelated, so it is no family.
func isPythonToken(t string) bool {
	switch t {
	case "python", "python2", "python3", "py", "py2", "py3":
		return true
	}
	return false
}
