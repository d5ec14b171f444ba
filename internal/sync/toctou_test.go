//go:build unix

package sync

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/testindex"
)

// A file:// wheel is read once: a FIFO that serves the locked wheel on its
// first open and another wheel on every later one gets the locked wheel
// installed (or nothing), never the other.
func TestSyncLocalFileReadOnce(t *testing.T) {
	py := python3(t)
	ctx := context.Background()
	for _, noCache := range []bool{false, true} {
		t.Run(fmt.Sprintf("no-cache=%v", noCache), func(t *testing.T) {
			dir := t.TempDir()
			good := testindex.Dist{Name: "demo", Version: "1.0"}
			bad := testindex.Dist{Name: "demo", Version: "1.0", RawEntries: map[string]string{"evil.py": "import os\n"}}
			lock := fileLock(t, mkdir(t, dir, "good"), []testindex.Dist{good})
			fn, goodData, err := testindex.BuildWheel(good, "")
			if err != nil {
				t.Fatal(err)
			}
			_, badData, err := testindex.BuildWheel(bad, "")
			if err != nil {
				t.Fatal(err)
			}
			// Replace the locked wheel by a FIFO at the same path.
			wp := filepath.Join(dir, "good", fn)
			os.Remove(wp)
			if err := syscall.Mkfifo(wp, 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			var stop atomic.Bool
			done := make(chan struct{})
			go func() {
				defer close(done)
				for n := 0; !stop.Load(); n++ {
					w, err := os.OpenFile(wp, os.O_WRONLY, 0) // blocks until a reader opens it
					if err != nil {
						return
					}
					data := badData
					if n == 0 {
						data = goodData
					}
					w.Write(data)
					w.Close()
					// Serve the next open only once this reader is gone, so
					// that each open reads one wheel: a probe never writes,
					// and fails with ENXIO when no reader has the FIFO open.
					for !stop.Load() {
						probe, err := os.OpenFile(wp, os.O_WRONLY|syscall.O_NONBLOCK, 0)
						if err != nil {
							break
						}
						probe.Close()
						time.Sleep(time.Millisecond)
					}
				}
			}()
			o := Options{Lock: lock, Venv: filepath.Join(dir, ".venv"), Python: py, CacheDir: filepath.Join(dir, "cache"), NoCache: noCache}
			_, syncErr := Sync(ctx, o)
			// Stop the writer: it is blocked opening the FIFO for its next
			// reader; be that reader.
			stop.Store(true)
			if r, err := os.OpenFile(wp, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
				<-done
				r.Close()
			}
			sites, _ := filepath.Glob(filepath.Join(o.Venv, "lib", "python*", "site-packages"))
			for _, s := range sites {
				if _, err := os.Stat(filepath.Join(s, "evil.py")); err == nil {
					t.Fatal("the bytes read on a second open were installed")
				}
			}
			if syncErr != nil {
				t.Fatalf("sync: %v", syncErr)
			}
		})
	}
}
