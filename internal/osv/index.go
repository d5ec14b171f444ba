package osv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
)

// Index file layout (all integers unsigned LEB128 varints, strings a varint
// length then bytes):
//
//	magic "PYWOSV2\n"
//	source string               what the index was built from (e.g. a digest)
//	records, withdrawn varint
//	packages varint, then per package, sorted by name:
//	  name string, entries varint, then per entry:
//	    id string, aliases (count + strings), summary string,
//	    level varint, score varint (IEEE-754 bits), vector string,
//	    malicious byte, ranges (count, then per range: events count, then
//	    per event: kind byte, version string), versions (count + strings),
//	    group varint
//	crc32c of everything above, 4 bytes little-endian
//
// Details and references are not stored: an audit prints IDs, summary,
// severity and fixes; the full record is one osv.dev link away.
const indexMagic = "PYWOSV2\n"

// crcTable is the Castagnoli polynomial table; the checksum guards against
// truncated or bit-rotted cache files, not against an adversary who can
// already write the user's cache directory.
var crcTable = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// ErrBadIndex is wrapped by the errors of reading a damaged index or
// source entry (readChecked, decodeIndexBody); callers rebuild the index
// from the source on seeing it.
var ErrBadIndex = errors.New("invalid advisory index")

// EncodeIndex serializes db with source recorded in the header.
func EncodeIndex(db *DB, source string) []byte {
	b := []byte(indexMagic)
	b = appendString(b, source)
	b = binary.AppendUvarint(b, uint64(db.records))
	b = binary.AppendUvarint(b, uint64(db.withdrawn))
	names := make([]string, 0, len(db.pkgs))
	for n := range db.pkgs {
		names = append(names, n)
	}
	slices.Sort(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, n := range names {
		p := db.pkgs[n]
		p.prepare()
		es := p.entries
		b = appendString(b, n)
		b = binary.AppendUvarint(b, uint64(len(es)))
		for i := range es {
			b = appendEntry(b, &es[i])
		}
	}
	return appendCRC(b)
}

func appendCRC(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable()))
}

func appendEntry(b []byte, e *entry) []byte {
	b = appendString(b, e.id)
	b = appendStrings(b, e.aliases)
	b = appendString(b, e.summary)
	b = binary.AppendUvarint(b, uint64(e.level))
	b = binary.AppendUvarint(b, math.Float64bits(e.score))
	b = appendString(b, e.vector)
	if e.malicious {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(e.ranges)))
	for _, r := range e.ranges {
		b = binary.AppendUvarint(b, uint64(len(r)))
		for _, ev := range r {
			b = append(b, ev.kind)
			b = appendString(b, ev.version)
		}
	}
	b = binary.AppendUvarint(b, uint64(e.versions.n))
	b = append(b, e.versions.enc...)
	return binary.AppendUvarint(b, uint64(e.group))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

// readChecked reads a file that ends in appendCRC's checksum and returns
// what precedes the checksum, checked, as one string. The file is read in
// chunks into the string's own storage and checksummed on the way: a
// megabyte-sized index used to be read into a slice, checksummed and
// copied into a string, touching three times its size of fresh memory in
// a process that reads it once. An unreadable file is the os error; a
// short, damaged or growing one wraps ErrBadIndex.
func readChecked(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := fi.Size()
	if size < 4 || size > math.MaxInt32 {
		return "", fmt.Errorf("%w: %s is %d bytes", ErrBadIndex, path, size)
	}
	var b strings.Builder
	b.Grow(int(size))
	sum := crc32.New(crcTable())
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			if covered := int(size) - 4 - b.Len(); covered > 0 {
				sum.Write(buf[:min(n, covered)])
			}
			b.Write(buf[:n])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if int64(b.Len()) > size {
			break
		}
	}
	s := b.String()
	if int64(len(s)) != size {
		return "", fmt.Errorf("%w: %s changed size while read", ErrBadIndex, path)
	}
	body, tail := s[:len(s)-4], s[len(s)-4:]
	if uint32(tail[0])|uint32(tail[1])<<8|uint32(tail[2])<<16|uint32(tail[3])<<24 != sum.Sum32() {
		return "", fmt.Errorf("%w: checksum mismatch", ErrBadIndex)
	}
	return body, nil
}

// decodeIndexBody decodes an index whose checksum has been verified (and
// removed): body starts with the magic. Every entry is checked here, so a
// damaged index is refused as a whole, but entries are only walked, not
// built: a package's entries are decoded when it is first queried
// (pkg.prepare), and an audit asks about a few hundred of the database's
// packages. Building all of them was most of a --db process's database
// cost (BenchmarkSourceCacheWarm: 7.8 MB and 11,900 allocations per load).
func decodeIndexBody(body string) (*DB, string, error) {
	if !strings.HasPrefix(body, indexMagic) {
		return nil, "", fmt.Errorf("%w: bad header", ErrBadIndex)
	}
	d := &decoder{s: body, pos: len(indexMagic)}
	source := d.str()
	db := &DB{records: d.count(), withdrawn: d.count()}
	n := d.countOf(2) // a name length and an entry count at least
	db.pkgs = make(map[string]*pkg, n)
	ps := make([]pkg, n)
	for i := range ps {
		if d.err != nil {
			break
		}
		name := d.str()
		count := d.countOf(minEntryBytes)
		start := d.pos
		for range count {
			d.entry(nil, count)
		}
		ps[i] = pkg{encoded: d.s[start:d.pos], count: count}
		db.pkgs[name] = &ps[i]
	}
	if d.err == nil && d.pos != len(d.s) {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, "", d.err
	}
	return db, source, nil
}

// decodeEntries builds the entries of a package that decodeIndexBody
// checked.
func decodeEntries(encoded string, count int) []entry {
	d := &decoder{s: encoded}
	es := make([]entry, count)
	for i := range es {
		d.entry(&es[i], count)
	}
	if d.err != nil {
		// decodeIndexBody walked these very bytes without an error.
		panic("osv: entries checked at load failed to decode: " + d.err.Error())
	}
	return es
}

type decoder struct {
	s   string
	pos int
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", ErrBadIndex, what, d.pos)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var x uint64
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if d.pos >= len(d.s) {
			d.fail("truncated varint")
			return 0
		}
		c := d.s[d.pos]
		d.pos++
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				d.fail("varint overflow")
				return 0
			}
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.fail("varint overflow")
	return 0
}

// count reads an element count, bounded by the remaining bytes since every
// element takes at least one.
func (d *decoder) count() int { return d.countOf(1) }

// countOf reads a count of elements that take at least size bytes each.
func (d *decoder) countOf(size int) int {
	n := d.uvarint()
	if n > uint64((len(d.s)-d.pos)/size) {
		d.fail("count exceeds data")
		return 0
	}
	return int(n)
}

// minEntryBytes is the smallest encoded entry: ten one-byte fields.
const minEntryBytes = 10

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.pos >= len(d.s) {
		d.fail("truncated")
		return 0
	}
	c := d.s[d.pos]
	d.pos++
	return c
}

func (d *decoder) str() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := d.s[d.pos : d.pos+n]
	d.pos += n
	return s
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

// versionList reads a sorted list of version keys; with keep false it only
// checks it.
func (d *decoder) versionList(keep bool) versionList {
	n := d.count()
	start := d.pos
	prev := ""
	for i := range n {
		s := d.str()
		if i > 0 && s < prev {
			d.fail("versions not sorted")
		}
		prev = s
	}
	if !keep || d.err != nil {
		return versionList{}
	}
	return versionList{n: n, enc: d.s[start:d.pos]}
}

// entry decodes one of a package's n entries into e, or with e nil checks
// it the same way without building anything.
func (d *decoder) entry(e *entry, n int) {
	keep := e != nil
	if !keep {
		e = &entry{}
	}
	e.id = d.str()
	if keep {
		e.aliases = d.strs()
	} else {
		for range d.count() {
			d.str()
		}
	}
	e.summary = d.str()
	if lv := d.uvarint(); lv <= uint64(LevelCritical) {
		e.level = Level(lv)
	} else {
		d.fail("bad severity level")
	}
	e.score = math.Float64frombits(d.uvarint())
	e.vector = d.str()
	switch d.byte() {
	case 0:
	case 1:
		e.malicious = true
	default:
		d.fail("bad flag")
	}
	if nr := d.count(); nr > 0 {
		if keep {
			e.ranges = make([][]event, nr)
		}
		// An event is a kind byte and a length byte at least.
		for i := range nr {
			ne := d.countOf(2)
			var evs []event
			if keep {
				evs = make([]event, ne)
			}
			for j := range ne {
				kind := d.byte()
				if kind < evIntroduced || kind > evLimit {
					d.fail("bad event kind")
				}
				version := d.str()
				if keep {
					evs[j] = event{kind: kind, version: version}
				}
			}
			if keep {
				e.ranges[i] = evs
			}
		}
	}
	e.versions = d.versionList(keep)
	if g := d.uvarint(); g < uint64(n) {
		e.group = int(g)
	} else {
		d.fail("bad group")
	}
}
