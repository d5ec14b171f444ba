package osv

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// srcRecord is an advisory affecting every version of pkg.
func srcRecord(id, pkg string) string {
	return `{"id": "` + id + `", "modified": "2024-01-01T00:00:00Z",
		"affected": [{"package": {"ecosystem": "PyPI", "name": "` + pkg + `"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}`
}

// setMtime pins a file's modification time so tests never depend on the
// clock's resolution.
func setMtime(t *testing.T, path string, sec int64) {
	t.Helper()
	if err := os.Chtimes(path, time.Unix(sec, 0), time.Unix(sec, 0)); err != nil {
		t.Fatal(err)
	}
}

// loadIDs loads src through c and returns whether the entry was used and
// the advisories found for pkg.
func loadIDs(t *testing.T, c *SourceCache, src, pkg string) (bool, []string, *SourceLoad) {
	t.Helper()
	res, err := c.Load(t.Context(), src)
	if err != nil {
		t.Fatalf("Load(%s): %v", src, err)
	}
	if res.CacheErr != nil {
		t.Fatalf("Load(%s): cache: %v", src, res.CacheErr)
	}
	return res.Cached, ids(res.DB.Query(pkg, "1.0")), res
}

func TestSourceCacheReusesUnchangedSource(t *testing.T) {
	files := map[string]string{"a/A-1.json": srcRecord("A-1", "alpha"), "broken.json": "{"}
	for _, kind := range []string{"dir", "zip"} {
		t.Run(kind, func(t *testing.T) {
			src := writeFiles(t, files)
			if kind == "zip" {
				src = writeZip(t, files)
			}
			c := &SourceCache{Dir: t.TempDir()}
			cached, got, first := loadIDs(t, c, src, "alpha")
			if cached || !slices.Equal(got, []string{"A-1"}) || len(first.FileErrors) != 1 {
				t.Fatalf("first load: cached=%v ids=%v errors=%v", cached, got, first.FileErrors)
			}
			cached, got, second := loadIDs(t, c, src, "alpha")
			if !cached || !slices.Equal(got, []string{"A-1"}) {
				t.Fatalf("second load: cached=%v ids=%v, want the compiled entry", cached, got)
			}
			if len(second.FileErrors) != 1 || second.FileErrors[0].Error() != first.FileErrors[0].Error() {
				t.Errorf("cached file errors %v, want %v", second.FileErrors, first.FileErrors)
			}
		})
	}
}

func TestSourceCacheRebuildsChangedDir(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		want   []string
	}{
		{"record added", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "B-1.json"), []byte(srcRecord("B-1", "alpha")), 0o644)
		}, []string{"A-1", "B-1"}},
		{"record removed", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "x", "A-1.json"))
		}, []string{}},
		{"record rewritten, same size", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "x", "A-1.json")
			os.WriteFile(p, []byte(srcRecord("A-2", "alpha")), 0o644)
			setMtime(t, p, 2_000_000_000)
		}, []string{"A-2"}},
		{"record renamed", func(t *testing.T, dir string) {
			os.Rename(filepath.Join(dir, "x", "A-1.json"), filepath.Join(dir, "x", "A-1.yaml.json"))
		}, []string{"A-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"x/A-1.json": srcRecord("A-1", "alpha")})
			setMtime(t, filepath.Join(dir, "x", "A-1.json"), 1_000_000_000)
			c := &SourceCache{Dir: t.TempDir()}
			loadIDs(t, c, dir, "alpha")
			before, _ := SourceFingerprint(dir)
			tt.change(t, dir)
			if after, _ := SourceFingerprint(dir); after == before {
				t.Fatal("fingerprint did not change")
			}
			cached, got, _ := loadIDs(t, c, dir, "alpha")
			if cached || !slices.Equal(got, tt.want) {
				t.Errorf("after change: cached=%v ids=%v, want a rebuild with %v", cached, got, tt.want)
			}
			if cached, _, _ := loadIDs(t, c, dir, "alpha"); !cached {
				t.Error("rebuilt entry was not reused")
			}
		})
	}
}

func TestSourceCacheIgnoresWhatLoadDirSkips(t *testing.T) {
	dir := writeFiles(t, map[string]string{"A-1.json": srcRecord("A-1", "alpha")})
	c := &SourceCache{Dir: t.TempDir()}
	loadIDs(t, c, dir, "alpha")
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, ".git", "HEAD.json"), []byte("{"), 0o644)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("notes"), 0o644)
	if cached, _, _ := loadIDs(t, c, dir, "alpha"); !cached {
		t.Error("files LoadDir never reads invalidated the entry")
	}
}

func TestSourceCacheRebuildsChangedZip(t *testing.T) {
	z := writeZip(t, map[string]string{"A-1.json": srcRecord("A-1", "alpha")})
	setMtime(t, z, 1_000_000_000)
	c := &SourceCache{Dir: t.TempDir()}
	loadIDs(t, c, z, "alpha")
	other := writeZip(t, map[string]string{"A-2.json": srcRecord("A-2", "alpha")})
	data, _ := os.ReadFile(other)
	if err := os.WriteFile(z, data, 0o644); err != nil {
		t.Fatal(err)
	}
	setMtime(t, z, 1_000_000_001)
	cached, got, _ := loadIDs(t, c, z, "alpha")
	if cached || !slices.Equal(got, []string{"A-2"}) {
		t.Errorf("replaced zip: cached=%v ids=%v, want a rebuild with A-2", cached, got)
	}
}

func TestSourceCacheRebuildsDamagedEntry(t *testing.T) {
	z := writeZip(t, map[string]string{"A-1.json": srcRecord("A-1", "alpha")})
	c := &SourceCache{Dir: t.TempDir()}
	loadIDs(t, c, z, "alpha")
	abs, _ := filepath.Abs(z)
	entry := c.entryPath(abs)
	good, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := SourceFingerprint(z)
	flipped := slices.Clone(good)
	flipped[len(flipped)/2] ^= 0x40
	lying := encodeSourceEntry(Build([]*Record{mustParse(t, srcRecord("EVIL-1", "alpha"))}), "another-state", nil)
	// A valid entry whose inner index names another source.
	mixed := appendCRC(append(appendStrings(appendString([]byte(srcMagic), key), nil), EncodeIndex(Build(nil), "x")...))
	for name, content := range map[string][]byte{
		"empty":                {},
		"truncated":            good[:len(good)/2],
		"bit flip":             flipped,
		"garbage":              []byte("PYWSRC1\nnonsense"),
		"index file":           EncodeIndex(Build(nil), key),
		"other state":          lying,
		"inner index mismatch": mixed,
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(entry, content, 0o644); err != nil {
				t.Fatal(err)
			}
			cached, got, _ := loadIDs(t, c, z, "alpha")
			if cached || !slices.Equal(got, []string{"A-1"}) {
				t.Errorf("cached=%v ids=%v, want the source parsed again", cached, got)
			}
			if again, _ := os.ReadFile(entry); string(again) != string(good) {
				t.Error("entry was not rewritten")
			}
		})
	}
}

func TestSourceCacheUnwritable(t *testing.T) {
	z := writeZip(t, map[string]string{"A-1.json": srcRecord("A-1", "alpha")})
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o644)
	c := &SourceCache{Dir: filepath.Join(blocker, "osv")} // under a regular file
	res, err := c.Load(t.Context(), z)
	if err != nil {
		t.Fatal(err)
	}
	if res.CacheErr == nil || res.Cached || len(res.DB.Query("alpha", "1")) != 1 {
		t.Errorf("got cached=%v cacheErr=%v; want the database and a cache error", res.Cached, res.CacheErr)
	}
}

func TestSourceCacheMissingSource(t *testing.T) {
	c := &SourceCache{Dir: t.TempDir()}
	if _, err := c.Load(t.Context(), filepath.Join(t.TempDir(), "nope.zip")); err == nil {
		t.Error("no error for a missing source")
	}
}

// FuzzDecodeSourceEntry: a damaged entry is an error, never a panic or a
// database that disagrees with the key.
func FuzzDecodeSourceEntry(f *testing.F) {
	db := Build([]*Record{mustParse(f, srcRecord("A-1", "alpha"))})
	f.Add(encodeSourceEntry(db, "k", nil), "k")
	f.Add([]byte(srcMagic), "k")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		start := time.Now()
		db, _, err := decodeSourceEntry(data, key)
		budgettest.Check(t, len(data)+len(key), start)
		if err == nil && db == nil {
			t.Fatal("nil database without error")
		}
	})
}

// BenchmarkSourceCacheWarm is one audit process's database load with
// --db all.zip after the first run compiled it: fingerprint, read, check
// and decode the entry.
func BenchmarkSourceCacheWarm(b *testing.B) {
	z := advisoryZip(b)
	c := &SourceCache{Dir: b.TempDir()}
	if _, err := c.Load(b.Context(), z); err != nil {
		b.Fatal(err)
	}
	start := cpuTime()
	for b.Loop() {
		res, err := c.Load(b.Context(), z)
		if err != nil || !res.Cached {
			b.Fatalf("cached=%v err=%v", res != nil && res.Cached, err)
		}
	}
	reportCPU(b, start)
}
