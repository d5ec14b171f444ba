package osv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestIndexRoundTripWholeDatabase(t *testing.T) {
	dir := needShared(t, advisoryDir)
	recs, errs, err := ReadDir(t.Context(), dir)
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	db := Build(recs)
	data := EncodeIndex(db, "src-digest")
	back, src, err := DecodeIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	if src != "src-digest" || back.Len() != db.Len() || back.Withdrawn() != db.Withdrawn() || back.Packages() != db.Packages() {
		t.Fatalf("header: src=%q len=%d/%d withdrawn=%d/%d packages=%d/%d", src, back.Len(), db.Len(), back.Withdrawn(), db.Withdrawn(), back.Packages(), db.Packages())
	}
	// Every package answers identically for a spread of versions.
	for name := range db.pkgs {
		for _, v := range []string{"0", "0.1", "1.0", "2.19.1", "3.2.1", "99"} {
			if a, b := db.Query(name, v), back.Query(name, v); !reflect.DeepEqual(a, b) {
				t.Fatalf("%s %s: built %+v, decoded %+v", name, v, a, b)
			}
		}
	}
	if again := EncodeIndex(back, "src-digest"); string(again) != string(data) {
		t.Error("re-encoding a decoded index is not byte-identical")
	}
	t.Logf("index: %d bytes for %d advisories", len(data), db.Len())
}

func TestIndexCorruption(t *testing.T) {
	rec := mustParse(t, `{"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-1"],
		"affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1"}]}], "versions": ["0.5"]}]}`)
	data := EncodeIndex(Build([]*Record{rec}), "s")
	if _, _, err := DecodeIndex(data); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XXXXXXX\n"), data[8:]...),
		"truncated": data[:len(data)-5],
		"bitflip":   flip(data, len(data)/2),
		"crc":       flip(data, len(data)-1),
	}
	for name, bad := range cases {
		if _, _, err := DecodeIndex(bad); !errors.Is(err, ErrBadIndex) {
			t.Errorf("%s: err = %v, want ErrBadIndex", name, err)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x40
	return c
}

// FuzzDecodeIndex: corrupt cache files must produce errors, never panics
// or huge allocations. The checksum is recomputed so the fuzzer reaches
// the structural decoder.
func FuzzDecodeIndex(f *testing.F) {
	rec, _ := ParseJSON([]byte(`{"id": "PYSEC-1", "aliases": ["CVE-1"], "summary": "s",
		"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
		"affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1"}, {"limit": "2"}]}], "versions": ["0.5"]}]}`))
	good := EncodeIndex(Build([]*Record{rec}), "seed")
	f.Add(good[len(indexMagic) : len(good)-4])
	f.Fuzz(func(t *testing.T, body []byte) {
		data := append([]byte(indexMagic), body...)
		data = appendCRC(data)
		db, _, err := DecodeIndex(data)
		if err != nil {
			return
		}
		for name := range db.pkgs {
			db.Query(name, "1.0")
			db.Query(name, "0.5")
		}
	})
}

// TestDecodeIndexDefersEntries: loading an index checks every entry but
// builds none; a package's entries are built when it is first queried, and
// answer as the built database does.
func TestDecodeIndexDefersEntries(t *testing.T) {
	const packages, perPackage = 40, 6
	var recs []*Record
	for p := range packages {
		for e := range perPackage {
			recs = append(recs, mustParse(t, fmt.Sprintf(`{"id": "PYSEC-%d-%d", "aliases": ["CVE-%d-%d", "GHSA-%d-%d"], "summary": "s",
				"affected": [{"package": {"ecosystem": "PyPI", "name": "pkg-%d"},
				"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "%d.1"}]}], "versions": ["0.1", "0.2"]}]}`,
				p, e, p, e, p, e, p, e)))
		}
	}
	db := Build(recs)
	data := EncodeIndex(db, "s")
	back, _, err := DecodeIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range back.pkgs {
		if p.entries != nil {
			t.Fatalf("%s: entries built at load", name)
		}
	}
	// The map, the packages and the body string; nothing per entry.
	allocs := testing.AllocsPerRun(5, func() {
		if _, _, err := DecodeIndex(data); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 10 {
		t.Errorf("DecodeIndex: %.0f allocations for %d packages of %d entries", allocs, packages, perPackage)
	}
	for name := range db.pkgs {
		for _, v := range []string{"0.1", "1.0", "3.5", "99"} {
			if a, b := db.Query(name, v), back.Query(name, v); !reflect.DeepEqual(a, b) {
				t.Fatalf("%s %s: built %+v, decoded %+v", name, v, a, b)
			}
		}
		if back.pkgs[name].entries == nil {
			t.Fatalf("%s: entries not built by a query", name)
		}
	}
	if again := EncodeIndex(back, "s"); string(again) != string(data) {
		t.Error("re-encoding a decoded index is not byte-identical")
	}
}

// TestReadChecked: the contents before the checksum come back whole; a
// damaged, truncated or extended file is ErrBadIndex, a missing one the
// os error.
func TestReadChecked(t *testing.T) {
	good := appendCRC([]byte(strings.Repeat("PYWOSV2\n0123456789", 9000))) // more than one read chunk
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	body, err := readChecked(write("good", good))
	if err != nil || body != string(good[:len(good)-4]) {
		t.Fatalf("good file: %d bytes, %v", len(body), err)
	}
	for name, data := range map[string][]byte{
		"empty":     nil,
		"short":     good[:3],
		"truncated": good[:len(good)-1],
		"extended":  append(slices.Clone(good), 0),
		"bitflip":   flip(good, len(good)/2),
		"crc":       flip(good, len(good)-1),
	} {
		if _, err := readChecked(write(name, data)); !errors.Is(err, ErrBadIndex) {
			t.Errorf("%s: err = %v, want ErrBadIndex", name, err)
		}
	}
	if _, err := readChecked(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

// TestSourceCacheLoadReadsOnce: loading a compiled entry allocates about
// the entry's size once (the string every decoded field points into), not
// a byte slice and then a string copy of it.
func TestSourceCacheLoadReadsOnce(t *testing.T) {
	files := map[string]string{}
	long := strings.Repeat("a summary long enough to make the entry large ", 40)
	for i := range 400 {
		files[fmt.Sprintf("PYSEC-%d.json", i)] = fmt.Sprintf(`{"id": "PYSEC-%d", "summary": %q,
			"affected": [{"package": {"ecosystem": "PyPI", "name": "pkg-%d"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}`,
			i, long, i)
	}
	src := writeZip(t, files)
	c := &SourceCache{Dir: t.TempDir()}
	if _, err := c.Load(t.Context(), src); err != nil {
		t.Fatal(err)
	}
	entries, err := filepath.Glob(filepath.Join(c.Dir, "*.idx"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries %v, %v", entries, err)
	}
	fi, err := os.Stat(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := c.Load(t.Context(), src)
	runtime.ReadMemStats(&after)
	if err != nil || !res.Cached {
		t.Fatalf("cached=%v err=%v", res != nil && res.Cached, err)
	}
	// The entry once, a 64 KiB read buffer, the package map and the rest.
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(fi.Size())*5/4+128<<10; got > limit {
		t.Errorf("loading a %d-byte entry allocated %d bytes (limit %d)", fi.Size(), got, limit)
	}
}
