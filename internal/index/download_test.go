package index

import (
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
	}{
		{"no size listed", 0, false, false, errTooLarge},
		{"no size listed, cached", 0, false, true, errTooLarge},
		{"no size listed, announced length", 0, true, false, errTooLarge},
		{"size listed", 1000, false, false, ErrHashMismatch},
		{"size listed, cached", 1000, false, true, ErrHashMismatch},
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
			_, err := c.Download(ctx, f, io.Discard)
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
