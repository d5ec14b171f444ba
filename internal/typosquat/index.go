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
	flat   []string           // reference names without separators
	byFlat map[string][]int32 // separator-free form → references
	glyph  map[string][]int32 // homoglyph-folded form → references
	// core maps the name left after stripping one Python prefix or suffix
	// to the references it came from.
	core map[string][]coreRef
	// vcore maps a name with its trailing version number removed to the
	// references that carried one.
	vcore map[string][]int32
	// Symmetric-delete index for edit distance 1: every reference's
	// separator-free form and each of its one-letter deletions is hashed;
	// delHead[h] is the first entry with hash h, delNext chains the rest.
	delHead map[uint64]int32
	delNext []int32
	delRef  []int32
	family  map[string]int // first token → number of reference names using it
}

type coreRef struct {
	ref   int32
	affix string // the prefix or suffix stripped from the reference
	isPre bool
}

func (r *Reference) index() *index {
	r.once.Do(func() { r.ix = buildIndex(r.names) })
	return r.ix
}

func buildIndex(names []string) *index {
	n := len(names)
	ix := &index{
		flat:    make([]string, n),
		byFlat:  make(map[string][]int32, n),
		glyph:   make(map[string][]int32, n),
		core:    make(map[string][]coreRef, n/4),
		vcore:   make(map[string][]int32, n/16),
		family:  make(map[string]int, n/8),
		delHead: make(map[uint64]int32, n*12),
	}
	total := 0
	for _, name := range names {
		total += len(name) + 1
	}
	ix.delNext = make([]int32, 0, total)
	ix.delRef = make([]int32, 0, total)
	for i, name := range names {
		id := int32(i)
		f := stripSeparators(name)
		ix.flat[i] = f
		ix.byFlat[f] = append(ix.byFlat[f], id)
		g := foldHomoglyphs(f)
		ix.glyph[g] = append(ix.glyph[g], id)
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
		if t, _, ok := strings.Cut(name, "-"); ok {
			ix.family[t]++
		}
		ix.addDeletes(f, id)
	}
	return ix
}

func (ix *index) addDeletes(f string, id int32) {
	ix.addHash(hashSkip(f, -1), id)
	for k := 0; k < len(f); k++ {
		if k > 0 && f[k] == f[k-1] {
			continue // deleting either letter of a double gives the same string
		}
		ix.addHash(hashSkip(f, k), id)
	}
}

func (ix *index) addHash(h uint64, id int32) {
	e := int32(len(ix.delRef))
	ix.delRef = append(ix.delRef, id)
	if head, ok := ix.delHead[h]; ok {
		ix.delNext = append(ix.delNext, head)
	} else {
		ix.delNext = append(ix.delNext, -1)
	}
	ix.delHead[h] = e
}

// hashSkip is FNV-1a of s without the byte at skip (none if skip < 0),
// so deletions are hashed without allocating them. Collisions only cost
// a wasted verification: every candidate is checked letter by letter.
func hashSkip(s string, skip int) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		if i == skip {
			continue
		}
		h ^= uint64(s[i])
		h *= prime
	}
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
// form using the homoglyph tables.
func foldHomoglyphs(f string) string {
	var b []byte
	for i := 0; i < len(f); i++ {
		c := f[i]
		matched := false
		for _, m := range homoglyphMulti {
			if strings.HasPrefix(f[i:], m[0]) {
				if b == nil {
					b = append(make([]byte, 0, len(f)), f[:i]...)
				}
				b = append(b, m[1]...)
				i += len(m[0]) - 1
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if g := homoglyphSingle[c]; g != 0 {
			if b == nil {
				b = append(make([]byte, 0, len(f)), f[:i]...)
			}
			b = append(b, g)
			continue
		}
		if b != nil {
			b = append(b, c)
		}
	}
	if b == nil {
		return f
	}
	return string(b)
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
