package typosquat

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"sync"
)

// The compiled index is the one representation of a Reference: its names,
// ranks and every lookup table Check needs, in a single little-endian
// byte string read in place. The embedded snapshot is this string compiled
// by `go generate` (reference.idx), so a process loads it by validating it,
// without parsing or allocating per name; user references are compiled at
// run time by the same builder (compile), so there is one lookup code
// path. The layout is documented in doc.go ("Compiled index").

const (
	compiledMagic   = "PWTSIDX\x00"
	compiledVersion = 3
	// headerLen is the magic, the format version, the rules hash, the name
	// count, the section count and one length per section.
	headerLen = len(compiledMagic) + 4*4 + 4*numSections
	// bucketLoad is the average number of entries per hash bucket the
	// builder aims at.
	bucketLoad = 4
	// maxTableBits bounds the bucket count (2^bits) a loader accepts.
	maxTableBits = 30
	// maxCompiledNames and maxCompiledBytes (of names) keep every id
	// (shifted left once in the core table), offset and entry count
	// within a uint32.
	maxCompiledNames = 1 << 30
	maxCompiledBytes = 1 << 30
)

// Sections, in file order. Each starts at a multiple of 4 bytes; the
// padding before it is zero.
const (
	secNameOff  = iota // N+1 uint32: name i is names[off[i]:off[i+1]]
	secNames           // the names, concatenated
	secFlatOff         // N+1 uint32, as secNameOff for the flat forms
	secFlats           // the names without separators, concatenated
	secRanks           // N uint64
	secTables          // the first of numTables hash tables
	numSections = secTables + numTables
)

// Hash tables, in file order after secRanks. Each maps the 64-bit hashKey
// of a key to uint32 values; lookups verify every value against the
// stored strings, so the tables only ever narrow the search.
const (
	tabName   = iota // name → id
	tabFlat          // separator-free form → id, highest id first
	tabGlyph         // homoglyph-folded flat form → id, highest id first
	tabVcore         // flat form minus its trailing version → id
	tabCore          // name minus a Python prefix or suffix → id<<1 | isPrefix
	tabFamily        // family token → id of its FamilyMinMembers-th name
	tabDelete        // flat form, its version core and each one-letter deletion of them (eachDelete) → id
	tabSkel          // sound skeleton and each one-letter deletion of it → id
	tabHead          // first HeadLen letters of the flat form → id
	numTables
)

// compiled is a validated compiled index.
type compiled struct {
	data string
	n    int
	sec  [numSections]int // byte offset of each section in data
	tab  [numTables]table
}

// table locates one hash table: bucket b of hash h is h>>shift; its
// entries are ent[start[b]:start[b+1]], each a uint32 holding a value in
// its low vb bits and the low 32-vb bits of the hash above them.
type table struct {
	shift uint
	vb    uint   // value bits
	mask  uint32 // 1<<vb - 1
	start int    // byte offset of the bucket start array
	ent   int    // byte offset of the entries
}

func le32(s string, i int) uint32 {
	s = s[i : i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func le64(s string, i int) uint64 {
	return uint64(le32(s, i)) | uint64(le32(s, i+4))<<32
}

func (c *compiled) name(i int32) string {
	o := c.sec[secNameOff] + 4*int(i)
	b := c.sec[secNames]
	return c.data[b+int(le32(c.data, o)) : b+int(le32(c.data, o+4))]
}

func (c *compiled) flat(i int32) string {
	o := c.sec[secFlatOff] + 4*int(i)
	b := c.sec[secFlats]
	return c.data[b+int(le32(c.data, o)) : b+int(le32(c.data, o+4))]
}

func (c *compiled) rank(i int32) int {
	return int(le64(c.data, c.sec[secRanks]+8*int(i)))
}

// lookup calls yield with every value of table t stored under hash h
// (values of other keys whose hash agrees in the bucket bits and the
// stored low bits included: callers verify), in the order they were
// added.
func (c *compiled) lookup(t int, h uint64, yield func(uint32) bool) {
	tb := &c.tab[t]
	o := tb.start + 4*int(h>>tb.shift)
	lo, hi := int(le32(c.data, o)), int(le32(c.data, o+4))
	check := uint32(h) << tb.vb
	for e := lo; e < hi; e++ {
		if x := le32(c.data, tb.ent+4*e); x&^tb.mask == check && !yield(x&tb.mask) {
			return
		}
	}
}

// valueBits is how many bits the values of a table need: all are below
// limit.
func valueBits(limit uint64) uint {
	if limit <= 1 {
		return 1
	}
	return uint(bits.Len64(limit - 1))
}

// rulesHash fingerprints everything the tables are derived from: the
// format version, the constants and word lists the builder uses, the key
// hash and the derivations themselves on probe names. A compiled index
// made under other rules (an older pyward's cache) fails to load instead
// of silently missing matches.
var rulesHash = sync.OnceValue(func() uint32 {
	var b strings.Builder
	fmt.Fprintf(&b, "v%d fam%d core%d ver%d skel%d/%d head%d/%d vdel%d|", compiledVersion, FamilyMinMembers, MinCoreLen, MaxVersionDigits,
		SkeletonMinLen, trickRow(TrickMultiEdit).minLen, HeadLen, trickRow(TrickTruncation).minLen, trickRow(TrickInsert).minLen)
	for _, p := range pythonPrefixes {
		b.WriteString(p + ",")
	}
	b.WriteString("|")
	for _, s := range pythonSuffixes {
		b.WriteString(s + ",")
	}
	b.WriteString("|")
	for _, m := range homoglyphMulti {
		b.WriteString(m[0] + ">" + m[1] + ",")
	}
	b.WriteString(string(homoglyphSingle[:]))
	for _, probe := range []string{
		"python-dateutil", "py3-c1ick-rn", "kafka-python", "pypypy", "urllib3", "tensorflow22",
		"requests-v2", "iso8601", "django-filter", "py-yaml", "vvheel-cl", "python", "types-x",
	} {
		f := stripSeparators(probe)
		pc, pa, _ := prefixCore(probe)
		sc, sa, _ := suffixCore(probe)
		tok, _ := familyToken(probe)
		fmt.Fprintf(&b, "|%s %s %s %s %s %s %s %s %x", f, foldHomoglyphs(f), versionCore(f), pc, pa, sc, sa, tok, hashKey(probe))
		eachDelete(f, func(h uint64) { fmt.Fprintf(&b, " %x", h) })
		fmt.Fprintf(&b, " %s", skeleton(f))
	}
	return uint32(hashKey(b.String()))
})

// tableBuilder collects the entries of one hash table in insertion order.
type tableBuilder struct {
	hashes []uint64
	vals   []uint32
}

func newTableBuilder(capacity int) tableBuilder {
	return tableBuilder{hashes: make([]uint64, 0, capacity), vals: make([]uint32, 0, capacity)}
}

func (t *tableBuilder) add(h uint64, v uint32) {
	t.hashes = append(t.hashes, h)
	t.vals = append(t.vals, v)
}

// bits is the bucket count's log2: at most bucketLoad entries a bucket
// on average, at least 16 buckets.
func (t *tableBuilder) bits() uint {
	bits := uint(4)
	for bucketLoad<<bits < len(t.vals) {
		bits++
	}
	return bits
}

func (t *tableBuilder) size() int { return 12 + 4*(1<<t.bits()+1) + 4*len(t.vals) }

// encode lays the table out in dst (t.size() bytes): bits, value bits vb,
// count, the 2^bits+1 bucket starts and the entries (value | hash<<vb),
// bucketed by the top bits of their hash with a counting sort (stable, so
// a bucket keeps insertion order). Every value must be below 1<<vb.
func (t *tableBuilder) encode(dst []byte, vb uint) {
	bits := t.bits()
	shift := 64 - bits
	start := make([]uint32, 1<<bits+1)
	for _, h := range t.hashes {
		start[h>>shift+1]++
	}
	for b := 1; b < len(start); b++ {
		start[b] += start[b-1]
	}
	put32(dst, 0, uint32(bits))
	put32(dst, 4, uint32(vb))
	put32(dst, 8, uint32(len(t.vals)))
	for b, s := range start {
		put32(dst, 12+4*b, s)
	}
	ent := dst[12+4*len(start):]
	fill := start[:len(start)-1] // reused: start is written out already
	for k, h := range t.hashes {
		b := h >> shift
		e := int(fill[b])
		fill[b]++
		put32(ent, 4*e, uint32(h)<<vb|t.vals[k])
	}
}

func put32(b []byte, i int, v uint32) {
	b = b[i : i+4]
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// compile builds the compiled index of names (non-empty, unique) with
// their ranks (positive, in non-decreasing order). The output depends on
// nothing else: compiling the same list twice gives the same bytes.
func compile(names []string, ranks []int) (string, error) {
	n := len(names)
	if len(ranks) != n {
		return "", errors.New("typosquat: compile: names and ranks differ in length")
	}
	if n > maxCompiledNames {
		return "", fmt.Errorf("typosquat: reference too large: %d names, at most %d", n, maxCompiledNames)
	}
	flats := make([]string, n)
	nameBytes, flatBytes := 0, 0
	for i, name := range names {
		if name == "" {
			return "", fmt.Errorf("typosquat: compile: name %d is empty", i)
		}
		if ranks[i] < 1 || (i > 0 && ranks[i] < ranks[i-1]) {
			return "", fmt.Errorf("typosquat: compile: rank %d of %q is not positive and in order", ranks[i], name)
		}
		flats[i] = stripSeparators(name)
		nameBytes += len(name)
		flatBytes += len(flats[i])
		if nameBytes > maxCompiledBytes {
			return "", fmt.Errorf("typosquat: reference too large: over %d bytes of names", maxCompiledBytes)
		}
	}

	var tabs [numTables]tableBuilder
	for t := range tabs {
		tabs[t] = newTableBuilder(n)
	}
	tabs[tabDelete] = newTableBuilder(flatBytes + n)
	for i, name := range names {
		tabs[tabName].add(hashKey(name), uint32(i))
	}
	// Highest id first: the order Check has always visited these in.
	for i := n - 1; i >= 0; i-- {
		tabs[tabFlat].add(hashKey(flats[i]), uint32(i))
		tabs[tabGlyph].add(hashKey(foldHomoglyphs(flats[i])), uint32(i))
	}
	family := make(map[string]int, n/8)
	for i, name := range names {
		id := uint32(i)
		f := flats[i]
		if v := versionCore(f); v != f && v != "" {
			tabs[tabVcore].add(hashKey(v), id)
		}
		if c, _, ok := prefixCore(name); ok {
			tabs[tabCore].add(hashKey(c), id<<1|1)
		}
		if c, _, ok := suffixCore(name); ok {
			tabs[tabCore].add(hashKey(c), id<<1)
		}
		if t, ok := familyToken(name); ok {
			family[t]++
			if family[t] == FamilyMinMembers {
				tabs[tabFamily].add(hashKey(t), id)
			}
		}
		eachDelete(f, func(h uint64) { tabs[tabDelete].add(h, id) })
		if v := versionCore(f); v != f && len(v) >= trickRow(TrickInsert).minLen {
			// beautifullsoup for beautifulsoup4, without the versionless
			// name in the reference.
			eachDelete(v, func(h uint64) { tabs[tabDelete].add(h, id) })
		}
		if sk, ok := skeletonKey(f); ok {
			eachDelete(sk, func(h uint64) { tabs[tabSkel].add(h, id) })
		}
		if h, ok := headKey(f); ok {
			tabs[tabHead].add(hashKey(h), id)
		}
	}

	var size [numSections]int
	size[secNameOff], size[secNames] = 4*(n+1), nameBytes
	size[secFlatOff], size[secFlats] = 4*(n+1), flatBytes
	size[secRanks] = 8 * n
	for t := range tabs {
		size[secTables+t] = tabs[t].size()
	}
	var at [numSections]int
	end := headerLen
	for s := range size {
		at[s] = align4(end)
		end = at[s] + size[s]
	}
	out := make([]byte, end)
	copy(out, compiledMagic)
	h := len(compiledMagic)
	put32(out, h, compiledVersion)
	put32(out, h+4, rulesHash())
	put32(out, h+8, uint32(n))
	put32(out, h+12, numSections)
	for s, l := range size {
		put32(out, h+16+4*s, uint32(l))
	}
	no, nb, fo, fb := at[secNameOff], at[secNames], at[secFlatOff], at[secFlats]
	for i, name := range names {
		nb += copy(out[nb:], name)
		fb += copy(out[fb:], flats[i])
		put32(out, no+4*(i+1), uint32(nb-at[secNames]))
		put32(out, fo+4*(i+1), uint32(fb-at[secFlats]))
		r := uint64(ranks[i])
		put32(out, at[secRanks]+8*i, uint32(r))
		put32(out, at[secRanks]+8*i+4, uint32(r>>32))
	}
	for t := range tabs {
		s := secTables + t
		tabs[t].encode(out[at[s]:at[s]+size[s]], valueBits(valueLimit(t, n)))
	}
	return string(out), nil
}

func align4(n int) int { return (n + 3) &^ 3 }

// isStripped reports whether flat is stripSeparators(name), without
// building the latter.
func isStripped(flat, name string) bool {
	if strings.IndexByte(name, '-') < 0 {
		return flat == name
	}
	j := 0
	for i := 0; i < len(name); i++ {
		if name[i] == '-' {
			continue
		}
		if j == len(flat) || flat[j] != name[i] {
			return false
		}
		j++
	}
	return j == len(flat)
}

// errCorrupt is wrapped by every loadCompiled error about the structure.
var errCorrupt = errors.New("corrupt compiled reference")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errCorrupt, fmt.Sprintf(format, args...))
}

// loadCompiled validates a compiled index and returns it, reading data in
// place. Every offset, length, id and bucket bound is checked, as is each
// name against its flat form and the rank order, so no lookup on the
// result can read out of range: a damaged file is an error, not a panic.
// The hashes themselves are not recomputed; lookups verify their
// candidates, so a wrong hash can only lose a match.
func loadCompiled(data string) (*compiled, error) {
	if len(data) < headerLen || !strings.HasPrefix(data, compiledMagic) {
		return nil, corrupt("not a compiled typo-squat reference")
	}
	h := len(compiledMagic)
	if v := le32(data, h); v != compiledVersion {
		return nil, corrupt("format version %d, this pyward reads %d", v, compiledVersion)
	}
	if rh := le32(data, h+4); rh != rulesHash() {
		return nil, corrupt("compiled under other matching rules (%08x, want %08x): rebuild it", rh, rulesHash())
	}
	n := uint64(le32(data, h+8))
	if n > maxCompiledNames {
		return nil, corrupt("%d names", n)
	}
	if s := le32(data, h+12); s != numSections {
		return nil, corrupt("%d sections, want %d", s, numSections)
	}
	c := &compiled{data: data, n: int(n)}
	pos := uint64(headerLen)
	var size [numSections]int
	for s := range numSections {
		l := uint64(le32(data, h+16+4*s))
		start := (pos + 3) &^ 3
		if start+l > uint64(len(data)) {
			return nil, corrupt("section %d (%d bytes at %d) runs past the end (%d bytes)", s, l, start, len(data))
		}
		for p := pos; p < start; p++ {
			if data[p] != 0 {
				return nil, corrupt("padding byte %d is not zero", p)
			}
		}
		c.sec[s], size[s] = int(start), int(l)
		pos = start + l
	}
	if pos != uint64(len(data)) {
		return nil, corrupt("%d bytes after the last section", uint64(len(data))-pos)
	}
	if err := c.checkStrings(secNameOff, secNames, size, true); err != nil {
		return nil, err
	}
	if err := c.checkStrings(secFlatOff, secFlats, size, false); err != nil {
		return nil, err
	}
	for i := range int32(c.n) {
		if !isStripped(c.flat(i), c.name(i)) {
			return nil, corrupt("flat form %d (%q) is not name %q without separators", i, c.flat(i), c.name(i))
		}
	}
	if size[secRanks] != 8*c.n {
		return nil, corrupt("rank section is %d bytes for %d names", size[secRanks], c.n)
	}
	prev := uint64(1)
	for i := range c.n {
		r := le64(data, c.sec[secRanks]+8*i)
		if r < prev || r > math.MaxInt {
			return nil, corrupt("rank %d of name %d is out of order", r, i)
		}
		prev = r
	}
	for t := range numTables {
		if err := c.checkTable(t, size[secTables+t], valueLimit(t, c.n)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// checkStrings validates an offset array of n+1 ascending offsets into a
// blob, starting at 0 and ending at the blob's length; nonEmpty requires
// every string to have at least one byte.
func (c *compiled) checkStrings(offSec, blobSec int, size [numSections]int, nonEmpty bool) error {
	if size[offSec] != 4*(c.n+1) {
		return corrupt("offset section %d is %d bytes for %d names", offSec, size[offSec], c.n)
	}
	prev := uint32(0)
	for i := 0; i <= c.n; i++ {
		o := le32(c.data, c.sec[offSec]+4*i)
		if (i == 0 && o != 0) || o < prev || (nonEmpty && i > 0 && o == prev) {
			return corrupt("offset %d of section %d is out of order", i, offSec)
		}
		prev = o
	}
	if int(prev) != size[blobSec] {
		return corrupt("section %d ends at %d, its blob has %d bytes", offSec, prev, size[blobSec])
	}
	return nil
}

// valueLimit bounds the values of table t in an index of n names: ids,
// or ids shifted left once in the core table.
func valueLimit(t, n int) uint64 {
	if t == tabCore {
		return 2 * uint64(n)
	}
	return uint64(n)
}

// checkTable validates hash table t: its size matches its bucket count
// and entry count, bucket starts ascend from 0 to the entry count, and
// every value is below limit.
func (c *compiled) checkTable(t, size int, limit uint64) error {
	base := c.sec[secTables+t]
	if size < 12 {
		return corrupt("table %d is %d bytes", t, size)
	}
	bits, vb, count := uint64(le32(c.data, base)), uint64(le32(c.data, base+4)), uint64(le32(c.data, base+8))
	if bits > maxTableBits || vb < 1 || vb > 32 {
		return corrupt("table %d has 2^%d buckets and %d-bit values", t, bits, vb)
	}
	buckets := uint64(1) << bits
	if want := 12 + 4*(buckets+1) + 4*count; uint64(size) != want {
		return corrupt("table %d is %d bytes, its counts say %d", t, size, want)
	}
	tb := table{shift: uint(64 - bits), vb: uint(vb), mask: uint32(1<<vb - 1), start: base + 12, ent: base + 12 + 4*int(buckets+1)}
	prev := uint32(0)
	for b := 0; b <= int(buckets); b++ {
		s := le32(c.data, tb.start+4*b)
		if (b == 0 && s != 0) || s < prev {
			return corrupt("table %d: bucket %d starts out of order", t, b)
		}
		prev = s
	}
	if uint64(prev) != count {
		return corrupt("table %d: buckets end at %d of %d entries", t, prev, count)
	}
	var top uint32 // the largest value, checked once
	for ents := c.data[tb.ent : tb.ent+4*int(count)]; len(ents) >= 4; ents = ents[4:] {
		top = max(top, le32(ents, 0)&tb.mask)
	}
	if count > 0 && uint64(top) >= limit {
		return corrupt("table %d holds value %d, want below %d", t, top, limit)
	}
	c.tab[t] = tb
	return nil
}
