package typosquat

import "strings"

// FamilyMinMembers is how many reference names must share a first token
// ("django-", "flake8-", "azure-mgmt-"...) before the token counts as a
// plugin family. Names inside a family differ by design, so a one-letter
// difference after the family token is weaker evidence.
const FamilyMinMembers = 4

// MinCoreLen is the shortest core (name left after removing a prefix or
// suffix) that affix tricks consider: "py" + "re" is not a squat of "re".
const MinCoreLen = 3

// index holds the lookup structures built once per Reference.
type index struct {
	flat   []string // reference names without separators
	byFlat chained  // separator-free form → references
	glyph  chained  // homoglyph-folded form → references
	// core maps the name left after stripping one Python prefix or suffix
	// to the references it came from.
	core map[string][]coreRef
	// vcore maps a name with its trailing version number removed to the
	// references that carried one.
	vcore map[string][]int32
	del   deleteIndex
	// family counts the reference names using each first token.
	family map[string]int
}

type coreRef struct {
	ref   int32
	affix string // the prefix or suffix stripped from the reference
	isPre bool
}

// chained is a string multimap without a slice per key: head holds the
// first reference of a key, next[ref] the following one (-1 ends).
type chained struct {
	head map[string]int32
	next []int32
}

func newChained(n int) chained {
	c := chained{head: make(map[string]int32, n), next: make([]int32, n)}
	return c
}

func (c *chained) add(key string, id int32) {
	if h, ok := c.head[key]; ok {
		c.next[id] = h
	} else {
		c.next[id] = -1
	}
	c.head[key] = id
}

// each calls f for every reference stored under key.
func (c *chained) each(key string, f func(int32)) {
	i, ok := c.head[key]
	for ok && i >= 0 {
		f(i)
		i = c.next[i]
	}
}

func (r *Reference) index() *index {
	r.once.Do(func() { r.ix = buildIndex(r.names) })
	return r.ix
}

func buildIndex(names []string) *index {
	n := len(names)
	ix := &index{
		flat:   make([]string, n),
		byFlat: newChained(n),
		glyph:  newChained(n),
		core:   make(map[string][]coreRef, n/8),
		vcore:  make(map[string][]int32, n/16),
		family: make(map[string]int, n/8),
	}
	for i, name := range names {
		id := int32(i)
		f := stripSeparators(name)
		ix.flat[i] = f
		ix.byFlat.add(f, id)
		ix.glyph.add(foldHomoglyphs(f), id)
		if v := versionCore(f); v != f && v != "" {
			ix.vcore[v] = append(ix.vcore[v], id)
		}
		for _, p := range pythonPrefixes {
			if c, ok := strings.CutPrefix(name, p); ok && len(c) >= MinCoreLen {
				ix.core[c] = append(ix.core[c], coreRef{id, p, true})
				break
			}
		}
		for _, s := range pythonSuffixes {
			if c, ok := strings.CutSuffix(name, s); ok && len(c) >= MinCoreLen {
				ix.core[c] = append(ix.core[c], coreRef{id, s, false})
				break
			}
		}
		if t, _, ok := strings.Cut(name, "-"); ok && !isPythonToken(t) {
			ix.family[t]++
		}
	}
	ix.del = buildDeleteIndex(ix.flat)
	return ix
}

// deleteIndex is the symmetric-delete index for edit distance 1: the hash
// of every reference's separator-free form and of each of its one-letter
// deletions, bucketed by the hash's top bits (a counting sort, so the
// build is two linear passes with no per-entry allocation). A query hashes
// itself and its own deletions the same way; any reference sharing a hash
// is a candidate, verified letter by letter.
type deleteIndex struct {
	shift uint
	start []int32 // bucket b holds entries[start[b]:start[b+1]]
	hash  []uint32
	ref   []int32
}

func buildDeleteIndex(flat []string) deleteIndex {
	total := 0
	for _, f := range flat {
		total += len(f) + 1
	}
	bits := uint(4)
	for 1<<bits < total {
		bits++
	}
	d := deleteIndex{shift: 64 - bits, start: make([]int32, 1<<bits+1)}
	hashes := make([]uint64, 0, total)
	owners := make([]int32, 0, total)
	for i, f := range flat {
		eachDelete(f, func(h uint64) {
			hashes = append(hashes, h)
			owners = append(owners, int32(i))
		})
	}
	for _, h := range hashes {
		d.start[h>>d.shift+1]++
	}
	for b := 1; b < len(d.start); b++ {
		d.start[b] += d.start[b-1]
	}
	d.hash = make([]uint32, len(hashes))
	d.ref = make([]int32, len(hashes))
	fill := append([]int32(nil), d.start[:len(d.start)-1]...)
	for k, h := range hashes {
		b := h >> d.shift
		d.hash[fill[b]] = uint32(h)
		d.ref[fill[b]] = owners[k]
		fill[b]++
	}
	return d
}

// eachDelete calls f with the hash of s itself and of every distinct
// one-letter deletion of it. The hashes are polynomial, so all n+1 of them
// come from one prefix and one suffix pass (O(n), not O(n²)), then mixed.
func eachDelete(s string, f func(uint64)) {
	const base = 0x100000001b3
	n := len(s)
	var preBuf, powBuf [64]uint64
	pre, pow := preBuf[:], powBuf[:]
	if n+1 > len(pre) {
		pre, pow = make([]uint64, n+1), make([]uint64, n+1)
	}
	pow[0] = 1
	for i := 0; i < n; i++ {
		pre[i+1] = pre[i]*base + uint64(s[i])
		pow[i+1] = pow[i] * base
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

// lookup calls f for every reference stored under hash h.
func (d *deleteIndex) lookup(h uint64, f func(int32)) {
	if len(d.start) == 0 {
		return
	}
	b := h >> d.shift
	for e := d.start[b]; e < d.start[b+1]; e++ {
		if d.hash[e] == uint32(h) {
			f(d.ref[e])
		}
	}
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
