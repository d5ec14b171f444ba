package index

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

// TestDownloadSizeCap: a server streaming bytes without end is read no
// further than the listed size, or MaxDownloadSize when the index lists
// none; either is a final error, not retried, and nothing is kept.
func TestDownloadSizeCap(t *testing.T) {
	const (
		limit = 1 << 20
		bound = 64 << 20 // the server gives up after this much
	)
	for _, tc := range []struct {
		name          string
		size          int64 // listed size; 0 for none
		contentLength bool  // the server announces bound as Content-Length
		cache         bool
		want          error
		inMemory      bool // DownloadBytes rather than Download
	}{
		{"no size listed", 0, false, false, errTooLarge, false},
		{"no size listed, cached", 0, false, true, errTooLarge, false},
		{"no size listed, announced length", 0, true, false, errTooLarge, false},
		{"size listed", 1000, false, false, ErrHashMismatch, false},
		{"size listed, cached", 1000, false, true, ErrHashMismatch, false},
		{"in memory, no size listed", 0, false, true, errTooLarge, true},
		{"in memory, announced length", 0, true, false, errTooLarge, true},
		{"in memory, size listed", 1000, false, true, ErrHashMismatch, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sent, requests atomic.Int64
			done := make(chan struct{}, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer func() { done <- struct{}{} }()
				requests.Add(1)
				if tc.contentLength {
					w.Header().Set("Content-Length", "67108864")
				}
				chunk := []byte(strings.Repeat("x", 32<<10))
				for sent.Load() < bound {
					n, err := w.Write(chunk)
					sent.Add(int64(n))
					if err != nil {
						return
					}
				}
			}))
			defer srv.Close()
			cache := ""
			if tc.cache {
				cache = t.TempDir()
			}
			c := newClient(t, func(o *Options) { o.CacheDir = cache; o.MaxDownloadSize = limit }, Source{Name: "t", URL: srv.URL + "/simple/"})
			f := File{Filename: "x-1.0-py3-none-any.whl", URL: srv.URL + "/files/x-1.0-py3-none-any.whl",
				Hashes: map[string]string{"sha256": strings.Repeat("a", 64)}, Size: tc.size}
			var err error
			if tc.inMemory {
				_, _, err = c.DownloadBytes(ctx, f)
			} else {
				_, err = c.Download(ctx, f, io.Discard)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			<-done // the handler has returned: sent is final
			if n := sent.Load(); n >= bound {
				t.Errorf("the client read all %d bytes the server sent", n)
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("%d requests, want 1 (not retried)", n)
			}
			if tc.cache {
				if left, _ := os.ReadDir(filepath.Join(cache, "blobs", "tmp")); len(left) != 0 {
					t.Errorf("left in the cache: %v", left)
				}
			}
		})
	}
}

// TestCacheHitLogRedacted: -v log lines about a file (cache hits, a server
// that ignores Range) name its URL without the credentials a file URL may
// carry (a hand-written pylock.toml, a --find-links page that embeds them).
func TestCacheHitLogRedacted(t *testing.T) {
	ix, u := startIndex(t, []testindex.Dist{{Name: "six", Version: "1.16.0"}}, testindex.Options{NoRange: true, NoMetadataFiles: true})
	var mu sync.Mutex
	var logged []string
	c := newClient(t, func(o *Options) {
		o.CacheDir = t.TempDir()
		o.Logf = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			logged = append(logged, fmt.Sprintf(format, args...))
		}
	}, Source{Name: "t", URL: u})
	p, err := c.Project(ctx, "six")
	if err != nil {
		t.Fatal(err)
	}
	f := p.Files[0]
	f.URL = strings.Replace(f.URL, "http://", "http://alice:s3cret@", 1)
	if _, _, err := c.Metadata(ctx, f); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second download is a cache hit
		if _, err := c.Download(ctx, f, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if ix.Requests() == 0 {
		t.Fatal("no request reached the index")
	}
	hit := false
	for _, l := range logged {
		hit = hit || strings.Contains(l, "cache hit")
		if strings.Contains(l, "s3cret") || strings.Contains(l, "alice") {
			t.Errorf("log line carries credentials: %s", l)
		}
	}
	if !hit {
		t.Errorf("no cache hit logged: %q", logged)
	}
}

// TestLogTransport: each request through LogTransport is logged once,
// with its status and without the URL's credentials.
func TestLogTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	}))
	defer srv.Close()
	var logged []string
	hc := &http.Client{Transport: LogTransport(nil, func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) })}
	resp, err := hc.Get(strings.Replace(srv.URL, "http://", "http://alice:s3cret@", 1) + "/osv/all.zip")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(logged) != 1 || !strings.Contains(logged[0], "GET "+srv.URL+"/osv/all.zip → 410 Gone") || strings.Contains(logged[0], "s3cret") {
		t.Errorf("logged %q", logged)
	}
}

// TestDownloadBytes: DownloadBytes returns what Download writes, stores it
// in the blob store, serves it from there, replaces a stored copy that no
// longer matches its hash, and stores nothing it refused.
func TestDownloadBytes(t *testing.T) {
	_, u := startIndex(t, []testindex.Dist{{Name: "six", Version: "1.16.0"}}, testindex.Options{})
	dir := t.TempDir()
	c := newClient(t, func(o *Options) { o.CacheDir = dir }, Source{Name: "t", URL: u})
	p, err := c.Project(ctx, "six")
	if err != nil {
		t.Fatal(err)
	}
	f := p.Files[0]
	var want bytes.Buffer
	wantSum, err := c.Download(ctx, f, &want)
	if err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(dir, "blobs", "sha256", wantSum[:2], wantSum)
	for _, step := range []string{"stored", "corrupted", "missing"} {
		switch step {
		case "corrupted":
			os.Chmod(blob, 0o644)
			if err := os.WriteFile(blob, []byte("not the wheel"), 0o644); err != nil {
				t.Fatal(err)
			}
		case "missing":
			os.Remove(blob)
		}
		data, sum, err := c.DownloadBytes(ctx, f)
		if err != nil || sum != wantSum || !bytes.Equal(data, want.Bytes()) {
			t.Fatalf("%s: DownloadBytes = %d bytes, %s, %v; want %d bytes, %s", step, len(data), sum, err, want.Len(), wantSum)
		}
		if stored, err := os.ReadFile(blob); err != nil || !bytes.Equal(stored, want.Bytes()) {
			t.Errorf("%s: the store holds %d bytes (%v), want the wheel", step, len(stored), err)
		}
	}
	bad := f
	bad.Hashes = map[string]string{"sha256": strings.Repeat("b", 64)}
	if _, _, err := c.DownloadBytes(ctx, bad); !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("err = %v, want a hash mismatch", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", "sha256", "bb", strings.Repeat("b", 64))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused download was stored: %v", err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "blobs", "tmp")); len(left) != 0 {
		t.Errorf("left in the cache: %v", left)
	}
}
