package httpcache

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func packEntryFor(body string) *Entry {
	return &Entry{URL: "u", MaxAge: 600, Stored: time.Now(), Body: []byte(body)}
}

func loadBody(t *testing.T, d *Cache, key string) string {
	t.Helper()
	e := d.Load(key)
	if e == nil {
		return "<missing>"
	}
	return string(e.Body)
}

// TestPacksNewestWins checks that of two processes storing the same key,
// the later pack's response is the one later runs read.
func TestPacksNewestWins(t *testing.T) {
	dir := t.TempDir()
	k := Key("page")
	for _, body := range []string{"old", "new"} {
		d := New(dir, t.Logf)
		d.Store(k, packEntryFor(body))
		d.Wait()
		d.Close()
		time.Sleep(time.Millisecond) // distinct pack times
	}
	if got := loadBody(t, New(dir, t.Logf), k); got != "new" {
		t.Errorf("read %q, want the newer response", got)
	}
}

// TestPacksCompaction checks that more than maxPacks packs are merged into
// one that keeps every key's newest response, that a reader holding the
// old packs open keeps working, and that stale temporary files go.
func TestPacksCompaction(t *testing.T) {
	dir := t.TempDir()
	pdir := filepath.Join(dir, packDir)
	reader := New(dir, t.Logf)
	for i := range maxPacks + 3 {
		d := New(dir, t.Logf)
		d.Store(Key("shared"), packEntryFor(fmt.Sprint("v", i)))
		d.Store(Key("own", fmt.Sprint(i)), packEntryFor(fmt.Sprint("own", i)))
		if i == 2 {
			reader.Load(Key("shared")) // opens the packs written so far
		}
		d.flush(false) // a pack per run, no merge yet
		d.Close()
		time.Sleep(time.Millisecond)
	}
	stale := filepath.Join(pdir, ".tmp-crashed")
	if err := os.WriteFile(stale, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * staleTemp)
	os.Chtimes(stale, old, old)
	if n := len(listPacks(pdir)); n != maxPacks+3 {
		t.Fatalf("%d packs before merging", n)
	}
	last := New(dir, t.Logf)
	last.Wait() // nothing pending: merges only
	if packs := listPacks(pdir); len(packs) != 1 {
		t.Fatalf("packs after merging: %v", packs)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("stale temporary file kept")
	}
	fresh := New(dir, t.Logf)
	if got := loadBody(t, fresh, Key("shared")); got != fmt.Sprint("v", maxPacks+2) {
		t.Errorf("shared = %q after merge, want the newest", got)
	}
	for i := range maxPacks + 3 {
		if got := loadBody(t, fresh, Key("own", fmt.Sprint(i))); got != fmt.Sprint("own", i) {
			t.Errorf("own %d = %q after merge", i, got)
		}
	}
	// The early reader read through its open files (removed since).
	if got := loadBody(t, reader, Key("own", "1")); got != "own1" {
		t.Errorf("early reader: own1 = %q", got)
	}
}

// TestPacksCorrupt checks that damaged or foreign files in the pack
// directory are ignored, never trusted or fatal.
func TestPacksCorrupt(t *testing.T) {
	dir := t.TempDir()
	d := New(dir, t.Logf)
	d.Store(Key("a"), packEntryFor("a"))
	d.Wait()
	d.Close()
	pdir := filepath.Join(dir, packDir)
	good := listPacks(pdir)[0]
	data, err := os.ReadFile(filepath.Join(pdir, good))
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"0000000000000000-00000001.pack": data[:len(data)-1],                      // truncated
		"0000000000000000-00000002.pack": append([]byte("XXXXXXXX"), data[8:]...), // magic
		"0000000000000000-00000003.pack": []byte("PYWPACK1"),                      // too short
		"0000000000000000-00000004.pack": append(append([]byte(nil), data[:len(data)-20]...), // index offset past the end
			[]byte{1, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 'P', 'Y', 'W', 'P', 'I', 'D', 'X', '1'}...),
	} {
		if err := os.WriteFile(filepath.Join(pdir, name), bad, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logged []string
	var mu sync.Mutex
	r := New(dir, func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(f, a...))
	})
	if got := loadBody(t, r, Key("a")); got != "a" {
		t.Errorf("a = %q beside corrupt packs", got)
	}
	if len(logged) != 4 || !strings.Contains(strings.Join(logged, "\n"), "not a valid pack") {
		t.Errorf("logged %q, want the four corrupt packs", logged)
	}
}

// TestPacksConcurrentProcesses runs several caches on one directory at
// once, as concurrent pyward processes do: each stores, reads and closes
// (merging as it likes); nothing may fail and every entry stays readable.
func TestPacksConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	const procs, rounds, keys = 4, 6, 20
	var wg sync.WaitGroup
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				d := New(dir, t.Logf)
				for k := range keys {
					key := Key(fmt.Sprint(k))
					if e := d.Load(key); e != nil && !strings.HasPrefix(string(e.Body), "body-") {
						t.Errorf("process %d: key %d reads %q", p, k, e.Body)
					}
					d.Store(key, packEntryFor(fmt.Sprintf("body-%d-%d", p, r)))
				}
				d.Wait()
				d.Close()
			}
		}()
	}
	wg.Wait()
	final := New(dir, t.Logf)
	for k := range keys {
		if got := loadBody(t, final, Key(fmt.Sprint(k))); !strings.HasPrefix(got, "body-") {
			t.Errorf("key %d = %q", k, got)
		}
	}
	if n := len(listPacks(filepath.Join(dir, packDir))); n > maxPacks+procs {
		t.Errorf("%d packs left: merging does not keep up", n)
	}
}

// FuzzReadPackIndex checks that no file makes the pack reader panic or
// read outside the file.
func FuzzReadPackIndex(f *testing.F) {
	dir := f.TempDir()
	d := New(dir, f.Logf)
	d.Store(Key("a"), packEntryFor("a"))
	d.Store(Key("b"), packEntryFor("bb"))
	d.Wait()
	d.Close()
	seed, _ := os.ReadFile(filepath.Join(dir, packDir, listPacks(filepath.Join(dir, packDir))[0]))
	f.Add(seed)
	f.Add([]byte("PYWPACK1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "x.pack")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		start := time.Now()
		entries, err := readPackIndex(fh)
		budgettest.Check(t, len(data), start)
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.off < 8 || e.off+int64(e.n) > int64(len(data)) {
				t.Fatalf("entry %+v outside a %d-byte file", e, len(data))
			}
		}
	})
}
