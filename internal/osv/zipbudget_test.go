package osv

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// overlapZip builds the observed bomb: one deflated member of size bytes,
// and a central directory of n entries that all point at it under their
// own names (a 239 KB archive of 4,000 × 16 MiB took 103 s to read).
func overlapZip(t testing.TB, n, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "A.json", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(bytes.Repeat([]byte(" "), size)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	eocd := data[len(data)-22:]
	cdSize := binary.LittleEndian.Uint32(eocd[12:])
	cdOff := binary.LittleEndian.Uint32(eocd[16:])
	entry := data[cdOff : cdOff+cdSize]
	nameLen := int(binary.LittleEndian.Uint16(entry[28:]))
	var out bytes.Buffer
	out.Write(data[:cdOff])
	for i := range n {
		name := fmt.Sprintf("PYSEC-%05d.json", i)
		e := append([]byte{}, entry[:46]...)
		binary.LittleEndian.PutUint16(e[28:], uint16(len(name)))
		e = append(e, name...)
		e = append(e, entry[46+nameLen:]...)
		out.Write(e)
	}
	newCDSize := out.Len() - int(cdOff)
	end := append([]byte{}, eocd...)
	binary.LittleEndian.PutUint16(end[8:], uint16(n))
	binary.LittleEndian.PutUint16(end[10:], uint16(n))
	binary.LittleEndian.PutUint32(end[12:], uint32(newCDSize))
	out.Write(end)
	return out.Bytes()
}

func TestReadZipRefusesOverlappingMembers(t *testing.T) {
	for _, tt := range []struct{ n, size int }{{4000, MaxRecordSize}, {2, 100}} {
		path := filepath.Join(t.TempDir(), "bomb.zip")
		if err := os.WriteFile(path, overlapZip(t, tt.n, tt.size), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := ReadZip(t.Context(), path)
		if err == nil || !strings.Contains(err.Error(), "advisory archive "+path+": members PYSEC-") || !strings.Contains(err.Error(), "overlapping members are refused") {
			t.Fatalf("%d × %d bytes: ReadZip = %v, want the overlap refused, naming the archive and the members", tt.n, tt.size, err)
		}
	}
}

// TestZipMembersLimits: each limit refuses the archive (or, for one
// oversized record, that record) before anything is decompressed.
func TestZipMembersLimits(t *testing.T) {
	rec := func(id string) string { return `{"id":"` + id + `","modified":"2024-01-01T00:00:00Z"}` }
	files := map[string]string{"A.json": rec("A"), "B.json": rec("B"), "C.json": rec("C"), "README.md": "x"}
	path := writeZip(t, files)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recSize := uint64(len(rec("A")))
	tests := []struct {
		name    string
		lim     zipLimits
		members int
		skipped string
		err     string
	}{
		{"within", zipLimits{entries: 4, total: 3 * recSize, each: recSize}, 3, "", ""},
		{"too many members", zipLimits{entries: 3, total: 1 << 20, each: 1 << 20}, 0, "", "4 members, over the limit of 3 (osv.MaxZipEntries)"},
		{"total size", zipLimits{entries: 10, total: 2 * recSize, each: 1 << 20}, 0, "", "reached at member C.json (osv.MaxZipTotalSize)"},
		{"one record too large", zipLimits{entries: 10, total: 1 << 20, each: recSize - 1}, 0, "all.zip!A.json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			members, skipped, err := zipMembers("all.zip", bytes.NewReader(data), int64(len(data)), tt.lim)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), "advisory archive all.zip: ") || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.skipped != "" {
				var pe *ParseError
				if len(skipped) != 3 || !errors.As(skipped[0], &pe) || pe.File != tt.skipped || !strings.Contains(pe.Error(), "osv.MaxRecordSize") {
					t.Fatalf("skipped = %v, want every record, first %s", skipped, tt.skipped)
				}
			}
			if len(members) != tt.members {
				t.Fatalf("%d members, want %d", len(members), tt.members)
			}
		})
	}
}
