package resolve

import (
	"context"
	"runtime"
	"testing"
	"testing/synctest"
)

// TestSpeculateOncePerRelease checks that asking again for a speculation
// that is still queued (the solver asks after every step until the
// metadata is claimed) starts no further goroutine, and that a finished
// one can be started again.
func TestSpeculateOncePerRelease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mp := NewMemoryProvider()
		if err := mp.Add(MemoryRelease{Name: "a", Version: "1.0"}); err != nil {
			t.Fatal(err)
		}
		cands, err := mp.Versions(context.Background(), "a")
		if err != nil || len(cands) != 1 {
			t.Fatalf("versions: %v, %v", cands, err)
		}
		c := cands[0]
		f := newFetcher(t.Context(), mp, newConfig(&Options{}), 1, true)
		f.sem <- struct{}{} // every slot taken: speculations queue
		before := runtime.NumGoroutine()
		for range 5 {
			f.speculate(c, nil, "")
		}
		synctest.Wait()
		if started := runtime.NumGoroutine() - before; started > 1 {
			t.Errorf("5 requests for one queued speculation started %d goroutines, want 1", started)
		}
		f.speculate(c, nil, "x") // another extra crawls other requirements
		f.mu.Lock()
		if n := len(f.pending); n != 2 {
			t.Errorf("%d speculations pending, want 2", n)
		}
		f.mu.Unlock()
		<-f.sem
		f.wg.Wait()
		f.mu.Lock()
		defer f.mu.Unlock()
		if n := len(f.pending); n != 0 {
			t.Errorf("%d speculations still pending after they finished", n)
		}
		if !f.requested(c) {
			t.Error("the speculation did not fetch the metadata")
		}
	})
}
