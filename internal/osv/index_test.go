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
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
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
		start := time.Now()
		db, _, err := DecodeIndex(data)
		budgettest.Check(t, len(data), start)
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

// An entry's explicit versions stay in the index's encoding when the
// entry is decoded: a list of hundreds (the pypa database has them) costs
// no slice of strings, and membership reads the encoded keys.
func TestVersionListDecodedInPlace(t *testing.T) {
	var versions []string
	for i := range 1000 {
		versions = append(versions, fmt.Sprintf("%d.%d.%d", i/100, i/10%10, i%10))
	}
	db := Build([]*Record{rangeRecord(t, "PYSEC-0000-1", []string{"introduced:100", "fixed:101"}, versions)})
	back, _, err := DecodeIndex(EncodeIndex(db, "s"))
	if err != nil {
		t.Fatal(err)
	}
	p := back.pkgs["demo-pkg"]
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const rounds = 10
	for range rounds {
		decodeEntries(p.encoded, p.count)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / rounds; per > 4096 {
		t.Errorf("decoding an entry of %d versions allocated %d bytes", len(versions), per)
	}
	for _, tt := range []struct {
		version string
		want    bool
	}{
		{"0.0.0", true}, {"0.0.1", true}, {"5.5.5", true}, {"9.9.9", true}, {"5.5.5.0", true}, // 5.5.5.0 is 5.5.5
		{"5.5.5.1", false}, {"10.0.0", false}, {"9.9.10", false}, {"0.0.0a1", false},
	} {
		if got := len(back.Query("demo-pkg", tt.version)) > 0; got != tt.want {
			t.Errorf("Query(demo-pkg, %s) found %v, want %v", tt.version, got, tt.want)
		}
		if got := len(db.Query("demo-pkg", tt.version)) > 0; got != tt.want {
			t.Errorf("built: Query(demo-pkg, %s) found %v, want %v", tt.version, got, tt.want)
		}
	}
	if (versionList{}).contains("1.0") {
		t.Error("an empty list contains 1.0")
	}
}
