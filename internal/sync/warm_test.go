package sync

import (
	"context"
	"os"
	"path/filepath"
	gosync "sync"
	"sync/atomic"
	"testing"

	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/testindex"
)

// TestWarmSyncAsksNothing checks that after a cold sync of a hashed
// requirements lock, a sync into a new environment takes every wheel from
// the unpacked cache without an index request, whether the file names
// come from the unpacked trees (single-hash entries, prefetched) or from
// names/ (an entry with several hashes), and that the cache keeps no names/
// entry for a wheel whose tree records its name.
func TestWarmSyncAsksNothing(t *testing.T) {
	dists := baseDists()[:3] // alpha, beta.pkg (one wheel each), gamma (three wheels)
	f := newFixture(t, dists, testindex.Options{})
	lock := reqLock(t, f.ix, f.dir, dists, "")
	ctx := context.Background()
	o := f.opts(lock)
	if _, err := Sync(ctx, o); err != nil {
		t.Fatal(err)
	}
	_, alpha, err := f.ix.File("alpha-1.0-py3-none-any.whl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.cache, unpackedDir, namesDir, alpha)); err == nil {
		t.Error("names/ entry written for a prefetched wheel")
	}
	before := f.ix.Requests()
	o.Venv = filepath.Join(f.dir, "warm")
	res, err := Sync(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Install) != len(dists) {
		t.Fatalf("installed %d distributions, want %d", len(res.Install), len(dists))
	}
	if got := f.ix.Requests(); got != before {
		t.Errorf("warm sync made %d index requests", got-before)
	}
}

// TestWarmSyncReadsEachManifestOnce checks that a warm sync into a new
// environment decodes each cache tree's manifest once: prefetch, which
// skips what is unpacked, and choose, which picks the unpacked wheel, share
// what they read.
func TestWarmSyncReadsEachManifestOnce(t *testing.T) {
	dists := baseDists()[:3] // alpha, beta.pkg (one wheel each), gamma (three wheels)
	f := newFixture(t, dists, testindex.Options{})
	lock := reqLock(t, f.ix, f.dir, dists, "")
	ctx := context.Background()
	o := f.opts(lock)
	if _, err := Sync(ctx, o); err != nil {
		t.Fatal(err)
	}
	var mu gosync.Mutex
	reads := map[string]int{}
	orig := readManifest
	t.Cleanup(func() { readManifest = orig })
	readManifest = func(dir string) (*install.Wheel, error) {
		w, err := orig(dir)
		if err == nil { // gamma's other wheels are not unpacked
			mu.Lock()
			reads[dir]++
			mu.Unlock()
		}
		return w, err
	}
	o.Venv = filepath.Join(f.dir, "warm")
	res, err := Sync(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Install) != len(dists) {
		t.Fatalf("installed %d distributions, want %d", len(res.Install), len(dists))
	}
	if len(reads) != len(dists) {
		t.Errorf("read the manifests of %d trees, want %d: %v", len(reads), len(dists), reads)
	}
	for dir, n := range reads {
		if n != 1 {
			t.Errorf("%s: manifest read %d times", filepath.Base(dir), n)
		}
	}
}

// TestColdSyncReadsNoManifest checks that a cold sync into a new
// environment decodes no cache tree's manifest from disk: prefetch keeps
// the trees it unpacks for choose and prepare.
func TestColdSyncReadsNoManifest(t *testing.T) {
	dists := baseDists()[:3]
	f := newFixture(t, dists, testindex.Options{})
	lock := reqLock(t, f.ix, f.dir, dists, "")
	var reads atomic.Int64
	orig := readManifest
	t.Cleanup(func() { readManifest = orig })
	readManifest = func(dir string) (*install.Wheel, error) {
		w, err := orig(dir)
		if err == nil {
			reads.Add(1)
		}
		return w, err
	}
	res, err := Sync(context.Background(), f.opts(lock))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Install) != len(dists) {
		t.Fatalf("installed %d distributions, want %d", len(res.Install), len(dists))
	}
	if n := reads.Load(); n != 0 {
		t.Errorf("read %d manifests from disk, want 0", n)
	}
}

// TestBeforeWork checks that Options.BeforeWork is called exactly once by
// a cold sync (which prefetches and prepares) and by a warm one (which
// installs from the cache), and never by a sync that changes nothing.
func TestBeforeWork(t *testing.T) {
	dists := baseDists()[:3]
	f := newFixture(t, dists, testindex.Options{})
	lock := reqLock(t, f.ix, f.dir, dists, "")
	ctx := context.Background()
	tests := []struct {
		name string
		venv string
		want int32
	}{
		{"cold", "venv", 1},
		{"no-op", "venv", 0},
		{"warm", "warm", 1},
		{"warm no-op", "warm", 0},
	}
	for _, tc := range tests {
		var calls atomic.Int32
		o := f.opts(lock)
		o.Venv = filepath.Join(f.dir, tc.venv)
		o.BeforeWork = func() { calls.Add(1) }
		if _, err := Sync(ctx, o); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := calls.Load(); got != tc.want {
			t.Errorf("%s: BeforeWork called %d times, want %d", tc.name, got, tc.want)
		}
	}
}
