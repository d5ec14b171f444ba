package httpcache

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDiskCacheBackgroundWrites(t *testing.T) {
	dir := t.TempDir()
	d := New(dir, t.Logf)
	const n = 50
	for i := range n {
		d.Store(Key("u", strconv.Itoa(i)), &Entry{URL: "u", MaxAge: 600, Stored: time.Now(), Body: []byte(strconv.Itoa(i))})
	}
	// Written or not yet, every entry is visible to the cache that stores it.
	for i := range n {
		e := d.Load(Key("u", strconv.Itoa(i)))
		if e == nil || string(e.Body) != strconv.Itoa(i) {
			t.Fatalf("entry %d before wait: %+v", i, e)
		}
	}
	d.Wait()
	if len(d.pending) != 0 {
		t.Errorf("%d entries still pending after wait", len(d.pending))
	}
	if packs := listPacks(filepath.Join(dir, packDir)); len(packs) != 1 {
		t.Errorf("packs after one run: %v, want one", packs)
	}
	// After wait, every entry is on disk for another process, and still
	// served to this one (now from the pack).
	for _, c := range []*Cache{New(dir, t.Logf), d} {
		for i := range n {
			e := c.Load(Key("u", strconv.Itoa(i)))
			if e == nil || string(e.Body) != strconv.Itoa(i) || e.Version != cacheVersion {
				t.Fatalf("entry %d after wait: %+v", i, e)
			}
		}
	}
	d.Close()
	// A failed write is logged, not fatal, and the entries stay served.
	var logged []string
	var mu sync.Mutex
	blocked := New(filepath.Join(dir, "file"), func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(f, a...))
	})
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	blocked.Store(Key("x"), &Entry{URL: "x", Body: []byte("x")})
	blocked.Wait()
	if len(logged) != 1 || !strings.Contains(logged[0], "cache:") {
		t.Errorf("failed write: logged %q", logged)
	}
	if e := blocked.Load(Key("x")); e == nil || string(e.Body) != "x" {
		t.Errorf("entry lost after a failed write: %+v", e)
	}
}
