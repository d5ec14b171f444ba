package osv

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// advisoryDir is the pypa/advisory-database snapshot shared by the team.
const advisoryDir = "../../../shared/data/pypa-advisory-db/vulns"

// needShared returns path if it exists; a missing fixture fails in CI and
// skips locally (team rule).
func needShared(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared test data missing: %v", err)
		}
		t.Skipf("shared test data missing: %v", err)
	}
	return path
}

// writeFiles creates name→content files under a new temp dir.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeZip creates a zip with name→content members and returns its path.
func writeZip(t testing.TB, files map[string]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "all.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// mustParse parses a JSON record or fails the test.
func mustParse(t testing.TB, js string) *Record {
	t.Helper()
	r, err := ParseJSON([]byte(js))
	if err != nil {
		t.Fatalf("ParseJSON: %v\n%s", err, js)
	}
	return r
}

// ids returns the representative ID of each finding.
func ids(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	slices.Sort(out)
	return out
}

func findID(fs []Finding, id string) *Finding {
	for i := range fs {
		if slices.Contains(fs[i].IDs, id) || fs[i].ID == id {
			return &fs[i]
		}
	}
	return nil
}

// DecodeIndex is what Cache.Open does with an index file, on bytes: it
// parses an index written by EncodeIndex and returns the database and the
// recorded source, or an error wrapping ErrBadIndex.
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
	return decodeIndexBody(string(body))
}

// decodeSourceEntry is decodeSourceBody on an entry as written, checksum
// included, as SourceCache.Load reads it from a file.
func decodeSourceEntry(data []byte, key string) (*DB, []error, error) {
	if len(data) < len(srcMagic)+4 {
		return nil, nil, fmt.Errorf("%w: bad source entry header", ErrBadIndex)
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, crcTable()) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, nil, fmt.Errorf("%w: source entry checksum mismatch", ErrBadIndex)
	}
	return decodeSourceBody(string(body), key)
}

// ParseJSON decodes one OSV record in JSON form.
func ParseJSON(data []byte) (*Record, error) { return parseJSON("", data) }

// Withdrawn reports how many withdrawn advisories were skipped.
func (db *DB) Withdrawn() int { return db.withdrawn }

// Packages reports how many distinct packages have advisories.
func (db *DB) Packages() int { return len(db.pkgs) }

// sortVersions is sortFixed over strings.
func sortVersions(vs []string) []string {
	fs := make([]fixedVersion, len(vs))
	for i, s := range vs {
		fs[i] = newFixedVersion(s)
	}
	fs = sortFixed(fs)
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.text
	}
	return out
}
