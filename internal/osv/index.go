package osv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
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

// ErrBadIndex is wrapped by DecodeIndex errors; callers rebuild the index
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
		es := db.pkgs[n].entries
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
	b = appendStrings(b, e.versions)
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

// DecodeIndex parses an index written by EncodeIndex and returns the
// database and the recorded source. It never trusts counts beyond the bytes
// actually present, so a corrupt file costs an error, not memory.
func DecodeIndex(data []byte) (*DB, string, error) {
	if len(data) < len(indexMagic)+4 || string(data[:len(indexMagic)]) != indexMagic {
		return nil, "", fmt.Errorf("%w: bad header", ErrBadIndex)
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, crcTable()) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, "", fmt.Errorf("%w: checksum mismatch", ErrBadIndex)
	}
	// One string conversion; every decoded string is a substring of it, so
	// decoding allocates slice headers, not string bytes.
	d := &decoder{s: string(body), pos: len(indexMagic)}
	source := d.str()
	db := &DB{records: d.count(), withdrawn: d.count()}
	n := d.countOf(2) // a name length and an entry count at least
	db.pkgs = make(map[string]*pkg, n)
	for range n {
		if d.err != nil {
			break
		}
		name := d.str()
		es := make([]entry, d.countOf(minEntryBytes))
		for i := range es {
			d.entry(&es[i], len(es))
		}
		db.pkgs[name] = &pkg{entries: es}
	}
	if d.err == nil && d.pos != len(d.s) {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, "", d.err
	}
	return db, source, nil
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

func (d *decoder) entry(e *entry, n int) {
	e.id = d.str()
	e.aliases = d.strs()
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
		e.ranges = make([][]event, nr)
		// An event is a kind byte and a length byte at least.
		for i := range e.ranges {
			evs := make([]event, d.countOf(2))
			for j := range evs {
				evs[j].kind = d.byte()
				if evs[j].kind < evIntroduced || evs[j].kind > evLimit {
					d.fail("bad event kind")
				}
				evs[j].version = d.str()
			}
			e.ranges[i] = evs
		}
	}
	e.versions = d.strs()
	if !slices.IsSorted(e.versions) {
		d.fail("versions not sorted")
	}
	if g := d.uvarint(); g < uint64(n) {
		e.group = int(g)
	} else {
		d.fail("bad group")
	}
}
