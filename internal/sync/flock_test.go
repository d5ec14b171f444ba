//go:build linux

package sync

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/testindex"
)

// blockedOn reports whether /proc/locks lists a process waiting for a
// flock on the file with inode ino.
func blockedOn(t *testing.T, ino uint64) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Fatal(err)
	}
	suffix := fmt.Sprintf(":%d", ino)
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		// "2: -> FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF": a waiter.
		if len(f) >= 7 && f[1] == "->" && f[2] == "FLOCK" && strings.HasSuffix(f[6], suffix) {
			return true
		}
	}
	return false
}

// Two syncs of one environment do not overlap: while another holds the
// environment's lock, a sync waits for it before it changes anything.
func TestSyncWaitsForEnvironmentLock(t *testing.T) {
	py := python3(t)
	if _, err := os.Stat("/proc/locks"); err != nil {
		t.Skipf("no /proc/locks to see a waiting sync in: %v", err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	a := testindex.Dist{Name: "alpha", Version: "1.0"}
	b := testindex.Dist{Name: "beta", Version: "1.0"}
	o := Options{Lock: fileLock(t, mkdir(t, dir, "a"), []testindex.Dist{a}), Venv: filepath.Join(dir, ".venv"), Python: py, CacheDir: filepath.Join(dir, "cache")}
	if _, err := Sync(ctx, o); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockDir(o.Venv)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(o.Venv, ".pyward.lock"))
	if err != nil {
		unlock()
		t.Fatal(err)
	}
	ino := st.Sys().(*syscall.Stat_t).Ino
	before := snapshot(t, o.Venv)
	o.Lock = fileLock(t, mkdir(t, dir, "b"), []testindex.Dist{a, b})
	done := make(chan error, 1)
	go func() {
		_, err := Sync(ctx, o)
		done <- err
	}()
	for waiting := false; !waiting; {
		select {
		case err := <-done:
			unlock()
			t.Fatalf("a sync ran to its end (err %v) while another held the environment's lock", err)
		default:
		}
		waiting = blockedOn(t, ino)
		if !waiting {
			time.Sleep(time.Millisecond)
		}
	}
	sameSnapshot(t, before, snapshot(t, o.Venv))
	unlock()
	if err := <-done; err != nil {
		t.Fatalf("the sync that waited: %v", err)
	}
	if _, err := os.Stat(sitePath(t, o.Venv, "beta-1.0.dist-info")); err != nil {
		t.Errorf("the sync that waited did not install beta: %v", err)
	}
}
