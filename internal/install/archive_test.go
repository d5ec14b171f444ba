package install

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"
)

// rawEntry is one central-directory entry of a zip written byte by byte,
// for archives that archive/zip's writer cannot produce.
type rawEntry struct {
	name      string // central-directory name
	localName string // local-header name; "" means name
	data      string // stored uncompressed
	sameAs    int    // > 0: point at the local entry of entries[sameAs-1] instead of writing one
	badCRC    bool   // headers carry a CRC-32 that is not the data's
	declared  int    // > 0: the central directory's uncompressed size, in place of the data's
}

// rawZip writes entries as a zip of stored files.
func rawZip(entries []rawEntry) []byte {
	le := binary.LittleEndian
	var buf bytes.Buffer
	offsets := make([]uint32, len(entries))
	for i, e := range entries {
		if e.sameAs > 0 {
			offsets[i] = offsets[e.sameAs-1]
			continue
		}
		offsets[i] = uint32(buf.Len())
		local := e.localName
		if local == "" {
			local = e.name
		}
		h := make([]byte, 30)
		le.PutUint32(h[0:], 0x04034b50)
		le.PutUint16(h[4:], 20)
		le.PutUint32(h[14:], crcOf(e))
		le.PutUint32(h[18:], uint32(len(e.data)))
		le.PutUint32(h[22:], uint32(len(e.data)))
		le.PutUint16(h[26:], uint16(len(local)))
		buf.Write(h)
		buf.WriteString(local)
		buf.WriteString(e.data)
	}
	cd := buf.Len()
	for i, e := range entries {
		src := e
		if e.sameAs > 0 {
			src = entries[e.sameAs-1]
		}
		declared := len(src.data)
		if e.declared > 0 {
			declared = e.declared
		}
		h := make([]byte, 46)
		le.PutUint32(h[0:], 0x02014b50)
		le.PutUint16(h[4:], 3<<8|20) // made by Unix: the external attributes hold the mode
		le.PutUint16(h[6:], 20)
		le.PutUint32(h[16:], crcOf(src))
		le.PutUint32(h[20:], uint32(len(src.data)))
		le.PutUint32(h[24:], uint32(declared))
		le.PutUint16(h[28:], uint16(len(e.name)))
		le.PutUint32(h[38:], 0o100644<<16)
		le.PutUint32(h[42:], offsets[i])
		buf.Write(h)
		buf.WriteString(e.name)
	}
	end := make([]byte, 22)
	le.PutUint32(end[0:], 0x06054b50)
	le.PutUint16(end[8:], uint16(len(entries)))
	le.PutUint16(end[10:], uint16(len(entries)))
	le.PutUint32(end[12:], uint32(buf.Len()-cd))
	le.PutUint32(end[16:], uint32(cd))
	buf.Write(end)
	return buf.Bytes()
}

// crcOf is the CRC-32 rawZip writes for e.
func crcOf(e rawEntry) uint32 {
	sum := crc32.ChecksumIEEE([]byte(e.data))
	if e.badCRC {
		sum ^= 1
	}
	return sum
}

// rawWheel is craft's demo-1.0 wheel written by rawZip, with a RECORD
// that lists every extra entry under its central-directory name.
func rawWheel(extra []rawEntry) []byte {
	base := 3
	all := []rawEntry{
		{name: "demo/__init__.py", data: "__version__ = '1.0'\n"},
		{name: "demo-1.0.dist-info/METADATA", data: "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n"},
		{name: "demo-1.0.dist-info/WHEEL", data: "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	for _, e := range extra {
		if e.sameAs > 0 {
			e.sameAs += base
		}
		all = append(all, e)
	}
	var record strings.Builder
	for _, e := range all {
		data := e.data
		if e.sameAs > 0 {
			data = all[e.sameAs-1].data
		}
		sum := sha256.Sum256([]byte(data))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", e.name, b64(sum[:]), len(data))
	}
	record.WriteString("demo-1.0.dist-info/RECORD,,\n")
	all = append(all, rawEntry{name: "demo-1.0.dist-info/RECORD", data: record.String()})
	return rawZip(all)
}

func TestCheckArchive(t *testing.T) {
	bomb := []rawEntry{{name: "demo/b0.bin", data: strings.Repeat("x", 1000)}}
	for i := 1; i < 8; i++ {
		bomb = append(bomb, rawEntry{name: fmt.Sprintf("demo/b%d.bin", i), sameAs: 1})
	}
	badSignature := rawWheel(nil)
	copy(badSignature, "XX") // the first local header's signature
	for _, tc := range []struct {
		name  string
		wheel []byte
		opts  Options
		rule  Rule
		entry string
		bomb  bool // refused before any content is decompressed
	}{
		// Issue 9 item 8: eight central entries share one local entry.
		{name: "overlapping entries", wheel: rawWheel(bomb), rule: RuleOverlap, entry: "demo/b1.bin", bomb: true},
		{name: "local name differs", wheel: rawWheel([]rawEntry{{name: "demo/a.py", localName: "demo/../../a.py", data: "x"}}), rule: RuleLocalHeader, entry: "demo/a.py"},
		{name: "local name longer", wheel: rawWheel([]rawEntry{{name: "demo/a.py", localName: "demo/a.pyc", data: "x"}}), rule: RuleLocalHeader, entry: "demo/a.py"},
		{name: "whole-archive ratio", wheel: craft(t, func() []entry {
			var es []entry
			for i := range 24 {
				es = append(es, entry{name: fmt.Sprintf("demo/z%d.bin", i), data: strings.Repeat("\x00", 900<<10), method: 8})
			}
			return es
		}()), rule: RuleRatio, entry: "", bomb: true},
		{name: "not a zip", wheel: []byte("PK\x03\x04 and nothing of a zip after it"), rule: RuleCorrupt},
		{name: "local header signature", wheel: badSignature, rule: RuleCorrupt, entry: "demo/__init__.py"},
		{name: "CRC-32 mismatch", wheel: rawWheel([]rawEntry{{name: "demo/a.py", data: "x = 1\n", badCRC: true}}), rule: RuleCorrupt, entry: "demo/a.py"},
		// The size is counted as the entry is read: content larger than
		// the central directory declares is refused, not cut off.
		{name: "content over the declared size", wheel: rawWheel([]rawEntry{{name: "demo/a.py", data: "x = 1\n", declared: 3}}), rule: RuleCorrupt, entry: "demo/a.py"},
		{name: "newline", wheel: craft(t, []entry{{name: "demo/x\n/tmp/outside/mod.py", data: "x"}}), rule: RulePath},
		{name: "carriage return", wheel: craft(t, []entry{{name: "demo/x\r.py", data: "x"}}), rule: RulePath},
		{name: "tab", wheel: craft(t, []entry{{name: "demo/x\t.py", data: "x"}}), rule: RulePath},
		{name: "escape", wheel: craft(t, []entry{{name: "demo/\x1b[2Jx.py", data: "x"}}), rule: RulePath},
		{name: "DEL", wheel: craft(t, []entry{{name: "demo/x\x7f.py", data: "x"}}), rule: RulePath},
		{name: "C1 NEL", wheel: craft(t, []entry{{name: "demo/x\u0085.py", data: "x"}}), rule: RulePath},
		{name: "C1 CSI", wheel: craft(t, []entry{{name: "demo/x\u009b.py", data: "x"}}), rule: RulePath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := checkBytes(tc.wheel, tc.opts)
			ce, ok := err.(*CheckError)
			if !ok || !ce.Has(tc.rule) {
				t.Fatalf("err = %v; want rule %s", err, tc.rule)
			}
			found := false
			for _, p := range ce.Problems {
				found = found || p.Rule == tc.rule && p.Entry == tc.entry
			}
			if tc.entry != "" && !found {
				t.Fatalf("want rule %s on %q; got %v", tc.rule, tc.entry, err)
			}
			if tc.bomb {
				var written []string
				sink := func(name string, _ bool, _ io.Reader) error { written = append(written, name); return nil }
				if _, err := check(bytes.NewReader(tc.wheel), int64(len(tc.wheel)), "demo-1.0-py3-none-any.whl", tc.opts, sink); err == nil || len(written) > 0 {
					t.Fatalf("a bomb was unpacked before it was refused: %v, wrote %d files", err, len(written))
				}
			}
		})
	}
	// The raw writer itself makes wheels that pass.
	if _, err := checkBytes(rawWheel([]rawEntry{{name: "demo/a.py", data: "x"}}), Options{}); err != nil {
		t.Fatal(err)
	}
}
