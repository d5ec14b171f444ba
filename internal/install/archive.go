package install

import (
	"archive/zip"
	"cmp"
	"encoding/binary"
	"io"
	"slices"
	"strconv"
)

// The fixed part of a zip local file header (APPNOTE 4.3.7).
const (
	localHeaderLen = 30
	localHeaderSig = 0x04034b50
)

// headerReader remembers the offset of its last read. File.DataOffset reads
// the entry's local header at the header's offset, which archive/zip does
// not export; archive reads the header again there and checks that it ends
// exactly where archive/zip says the data begins.
type headerReader struct {
	io.ReaderAt
	last int64
}

func (r *headerReader) ReadAt(p []byte, off int64) (int, error) {
	r.last = off
	return r.ReaderAt.ReadAt(p, off)
}

// span is the bytes of one entry: its local header and its data.
type span struct {
	start, end int64
	name       string
}

// archive applies the rules about the archive as a whole (RuleLocalHeader,
// RuleOverlap): every central-directory entry has a local header of the
// same name, and no two entries share bytes. Without the second, one
// compressed entry listed many times is a bomb that no per-entry limit sees.
func (c *checker) archive(zr *zip.Reader, hr *headerReader) {
	spans := make([]span, 0, len(zr.File))
	for _, f := range zr.File {
		s, ok := c.localHeader(f, hr)
		if ok {
			spans = append(spans, s)
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var last span // the span reaching furthest so far
	for i, s := range spans {
		if i > 0 && s.start < last.end {
			c.add(RuleOverlap, s.name, "its bytes overlap those of %s (offsets %d and %d)", last.name, s.start, last.start)
			c.bomb = true
		}
		if s.end > last.end {
			last = s
		}
	}
}

// localHeader reads f's local header, compares its name with the central
// directory's, and returns the entry's span.
func (c *checker) localHeader(f *zip.File, hr *headerReader) (span, bool) {
	hr.last = -1
	data, err := f.DataOffset()
	if err != nil {
		c.add(RuleCorrupt, f.Name, "local header: %v", err)
		return span{}, false
	}
	start := hr.last
	buf := make([]byte, localHeaderLen+len(f.Name))
	if start < 0 || start > data {
		c.add(RuleCorrupt, f.Name, "local header not found")
		return span{}, false
	}
	if n, err := hr.ReaderAt.ReadAt(buf, start); n < localHeaderLen {
		c.add(RuleCorrupt, f.Name, "local header: %v", err)
		return span{}, false
	}
	le := binary.LittleEndian
	nameLen, extraLen := int64(le.Uint16(buf[26:])), int64(le.Uint16(buf[28:]))
	if le.Uint32(buf) != localHeaderSig || start+localHeaderLen+nameLen+extraLen != data {
		c.add(RuleCorrupt, f.Name, "local header at offset %d does not lead to the data at %d", start, data)
		return span{}, false
	}
	if nameLen != int64(len(f.Name)) || string(buf[localHeaderLen:]) != f.Name {
		local := make([]byte, min(nameLen, 200))
		hr.ReaderAt.ReadAt(local, start+localHeaderLen)
		c.add(RuleLocalHeader, f.Name, "the local header names it %s: tools that read local headers would install another file", strconv.Quote(string(local)))
	}
	end := data + int64(f.CompressedSize64)
	if f.CompressedSize64 > uint64(c.size) || end > c.size {
		c.add(RuleCorrupt, f.Name, "data (%d bytes at offset %d) ends past the end of the archive (%d bytes)", f.CompressedSize64, data, c.size)
		return span{}, false
	}
	return span{start: start, end: end, name: f.Name}, true
}

// checkArchiveRatio applies RuleRatio to the whole archive: entries below
// MinRatioCheckSize are exempt one by one, but not together.
func (c *checker) checkArchiveRatio(declared int64) {
	if declared > c.lim.MinRatioCheckSize && declared/c.lim.MaxCompressionRatio > max(c.size, 1) {
		c.add(RuleRatio, "", "entries declare %d bytes from an archive of %d bytes, a ratio above the limit of %d:1", declared, c.size, c.lim.MaxCompressionRatio)
		c.bomb = true
	}
}
