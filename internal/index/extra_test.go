package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pyward/pyward/internal/testindex"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// TestRangeLargeDirectory reads METADATA from a wheel whose central
// directory is larger than the first tail request, forcing block requests.
func TestRangeLargeDirectory(t *testing.T) {
	mods := map[string]string{}
	for i := range 3000 {
		mods[fmt.Sprintf("many/sub/module_with_a_long_name_%04d.py", i)] = strings.Repeat("x = 1\n", 40)
	}
	ix, u := startIndex(t, []testindex.Dist{{Name: "many", Version: "1.0", Requires: []string{"six"}, Modules: mods}}, testindex.Options{NoMetadataFiles: true})
	c := newClient(t, nil, Source{Name: "test", URL: u})
	p, err := c.Project(ctx, "many")
	if err != nil {
		t.Fatal(err)
	}
	ix.ResetCounts()
	md, _, err := c.Metadata(ctx, p.Files[0])
	if err != nil || md.Name != "many" {
		t.Fatalf("metadata: %v", err)
	}
	data, _, _ := ix.File(p.Files[0].Filename)
	n := ix.RequestsFor("/files/" + p.Files[0].Filename)
	if n < 2 || n > maxRangeRequests {
		t.Errorf("%d range requests", n)
	}
	if ix.BytesServed() >= int64(len(data)) {
		t.Errorf("served %d of %d bytes", ix.BytesServed(), len(data))
	}
	t.Logf("%d requests, %d of %d bytes", n, ix.BytesServed(), len(data))
}

// TestMetadataFileHashMismatch: a PEP 658 file that does not match the hash
// on the page is refused, naming the metadata URL.
func TestMetadataFileHashMismatch(t *testing.T) {
	ix, err := testindex.New(acmeDists(), testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".metadata") {
			io.WriteString(w, "Metadata-Version: 2.2\nName: six\nVersion: 1.16.0\nRequires-Dist: evil\n")
			return
		}
		ix.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newClient(t, nil, Source{Name: "test", URL: srv.URL + "/simple/"})
	p, err := c.Project(ctx, "six")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Metadata(ctx, p.Files[0])
	var hm *HashMismatchError
	if !errors.As(err, &hm) || !strings.HasSuffix(hm.URL, ".whl.metadata") {
		t.Errorf("err = %v", err)
	}
}

// TestFindLinksHTMLPage reads a flat HTML page of links over HTTP.
func TestFindLinksHTMLPage(t *testing.T) {
	ix, u := startIndex(t, acmeDists(), testindex.Options{})
	var page bytes.Buffer
	page.WriteString("<html><body>\n")
	for _, proj := range []string{"acme-utils", "six"} {
		for _, fn := range ix.Filenames(proj) {
			_, sha, _ := ix.File(fn)
			fmt.Fprintf(&page, "<a href=\"%s/files/%s#sha256=%s\">%s</a>\n", ix.URL(), fn, sha, fn)
		}
	}
	page.WriteString("<a href=\"README.txt\">readme</a></body></html>\n")
	links := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(page.Bytes())
	}))
	defer links.Close()
	c := newClient(t, nil, Source{Name: "links", URL: links.URL + "/wheels.html", FindLinks: true}, Source{Name: "idx", URL: u})
	p, err := c.Project(ctx, "six")
	if err != nil || p.Index != "links" || len(p.Files) != 1 || p.Files[0].Hashes["sha256"] == "" {
		t.Fatalf("six: %v %+v", err, p)
	}
	if _, err := c.Download(ctx, p.Files[0], io.Discard); err != nil {
		t.Error(err)
	}
	// Not on the page: the next source answers.
	ix.ResetCounts()
	if err := ix.Add(testindex.Dist{Name: "other", Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	if p, err := c.Project(ctx, "other"); err != nil || p.Index != "idx" {
		t.Errorf("other: %v %+v", err, p)
	}
}

// BenchmarkProjectAndMetadata measures listing and PEP 658 metadata reads
// over a random 200-project index.
func BenchmarkProjectAndMetadata(b *testing.B) {
	ix, err := testindex.New(testindex.RandomGraph(1, 200, 10, 3), testindex.Options{})
	if err != nil {
		b.Fatal(err)
	}
	u := ix.Start()
	defer ix.Close()
	for b.Loop() {
		c, err := New(Options{Sources: []Source{{Name: "b", URL: u}}, TrustedHosts: []string{"127.0.0.1"}, Netrc: "-"})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 200 {
			p, err := c.Project(ctx, fmt.Sprintf("pkg-%04d", i))
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := c.Metadata(ctx, p.Files[len(p.Files)-1]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestHostileHashNoPathTraversal: a caller-supplied digest never names a
// cache path.
func TestHostileHashNoPathTraversal(t *testing.T) {
	_, u := startIndex(t, acmeDists(), testindex.Options{})
	dir := t.TempDir()
	c := newClient(t, func(o *Options) { o.CacheDir = dir + "/cache" }, Source{Name: "test", URL: u})
	p, err := c.Project(ctx, "six")
	if err != nil {
		t.Fatal(err)
	}
	f := p.Files[0]
	f.Hashes = map[string]string{"sha256": "../../../../escape"}
	f.MetadataHashes = nil
	_, err = c.Download(ctx, f, io.Discard)
	if !errors.Is(err, ErrHashMismatch) {
		t.Errorf("err = %v", err)
	}
	// Range reads cannot check the wheel hash (Download does); the bogus
	// digest must simply not be used as a cache key.
	if _, _, err := c.Metadata(ctx, f); err != nil {
		t.Errorf("metadata: %v", err)
	}
	entries, _ := filepath.Glob(dir + "/*")
	if len(entries) != 1 {
		t.Errorf("files outside the cache: %v", entries)
	}
}

func TestParseContentRange(t *testing.T) {
	for _, tc := range []struct {
		in               string
		first, last, tot int64
		ok               bool
	}{
		{"bytes 0-9/10", 0, 9, 10, true},
		{"bytes 100-199/1000", 100, 199, 1000, true},
		{"bytes 0-9/*", 0, 0, 0, false},
		{"bytes 9-0/10", 0, 0, 0, false},
		{"bytes 0-10/10", 0, 0, 0, false},
		{"items 0-9/10", 0, 0, 0, false},
		{"bytes -1-9/10", 0, 0, 0, false},
	} {
		a, b, n, err := parseContentRange(tc.in)
		if (err == nil) != tc.ok || (tc.ok && (a != tc.first || b != tc.last || n != tc.tot)) {
			t.Errorf("parseContentRange(%q) = %d %d %d %v", tc.in, a, b, n, err)
		}
	}
}

func FuzzParseContentRange(f *testing.F) {
	f.Add("bytes 0-9/10")
	f.Add("bytes 1-/")
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		a, b, n, err := parseContentRange(s)
		budgettest.Check(t, len(s), start)
		if err == nil && !(0 <= a && a <= b && b < n) {
			t.Fatalf("%q → %d %d %d", s, a, b, n)
		}
	})
}

func FuzzParseNetrc(f *testing.F) {
	f.Add([]byte("machine a login b password c\ndefault login x password y\nmacdef m\n"))
	f.Add([]byte("machine"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		entries := parseNetrc(data)
		budgettest.Check(t, len(data), start)
		for _, e := range entries {
			if e.machine == "default" && e.login == "" && e.password == "" {
				continue
			}
		}
	})
}

// flakyFiles wraps an index: the first `breaks` requests for a file send
// half the body and drop the connection, or (stall) half the body and then
// hang.
func flakyFiles(t *testing.T, ix *testindex.Index, breaks int, stall time.Duration) *httptest.Server {
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		broken := strings.HasPrefix(r.URL.Path, "/files/") && !strings.HasSuffix(r.URL.Path, ".metadata") && breaks > 0
		if broken {
			breaks--
		}
		mu.Unlock()
		if !broken {
			ix.Handler().ServeHTTP(w, r)
			return
		}
		data, _, err := ix.File(strings.TrimPrefix(r.URL.Path, "/files/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		if stall > 0 {
			select {
			case <-time.After(stall):
			case <-r.Context().Done():
			}
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDownloadBodyRetries(t *testing.T) {
	ix, err := testindex.New(acmeDists(), testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		stall time.Duration
	}{{"dropped", 0}, {"stalled", 2 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := flakyFiles(t, ix, 2, tc.stall)
			c := newClient(t, func(o *Options) { o.Timeout = 200 * time.Millisecond }, Source{Name: "flaky", URL: srv.URL + "/simple/"})
			p, err := c.Project(ctx, "six")
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			sum, err := c.Download(ctx, p.Files[0], &buf)
			if err != nil {
				t.Fatal(err)
			}
			if sum != p.Files[0].Hashes["sha256"] || buf.Len() != int(p.Files[0].Size) {
				t.Errorf("got %d bytes, sha %s", buf.Len(), sum)
			}
		})
	}
	// More breaks than retries: a clear error naming the URL.
	srv := flakyFiles(t, ix, 10, 0)
	c := newClient(t, func(o *Options) { o.Retries = 1 }, Source{Name: "flaky", URL: srv.URL + "/simple/"})
	p, err := c.Project(ctx, "six")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := c.Download(ctx, p.Files[0], &buf); err == nil || !strings.Contains(err.Error(), p.Files[0].URL) || buf.Len() != 0 {
		t.Errorf("err = %v, %d bytes written", err, buf.Len())
	}
}

// TestRetryAfter runs in virtual time (synctest), so the wait the server
// asks for is measured exactly.
func TestRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		n := 0
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			first := n == 1
			mu.Unlock()
			if first {
				w.Header().Set("Retry-After", "1")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<a href="x-1.0.tar.gz">x</a>`)
		})
		c := bubbleClient(t, h, nil)
		start := time.Now()
		if _, err := c.Project(ctx, "x"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < time.Second {
			t.Errorf("Retry-After not honoured: retried after %v", d)
		}
		if n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/simple/"
	srv.Close()
	c := newClient(t, func(o *Options) { o.Retries = 2 }, Source{Name: "gone", URL: u})
	_, err := c.Project(ctx, "x")
	if err == nil || !strings.Contains(err.Error(), "3 attempts") || !strings.Contains(err.Error(), u+"x/") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %v", err)
	}
}

// TestSharedCallCancellation: one caller's cancelled context does not fail
// another caller waiting on the same in-flight request. In a synctest
// bubble, synctest.Wait makes sure the short caller's request is in flight
// before the long caller asks, and the latencies are virtual time.
func TestSharedCallCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ix, err := testindex.New(acmeDists(), testindex.Options{Latency: 150 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c := bubbleClient(t, ix.Handler(), nil)
		start := time.Now()
		short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		var wg sync.WaitGroup
		var errShort, errLong error
		wg.Add(2)
		go func() { defer wg.Done(); _, errShort = c.Project(short, "six") }()
		synctest.Wait() // the short caller's request waits in the index
		go func() { defer wg.Done(); _, errLong = c.Project(ctx, "six") }()
		wg.Wait()
		if !errors.Is(errShort, context.DeadlineExceeded) {
			t.Errorf("short caller: %v", errShort)
		}
		if errLong != nil {
			t.Errorf("long caller failed with the short caller's deadline: %v", errLong)
		}
		// The long caller waited on the short caller's request until its
		// deadline (30ms), then made its own (150ms): on its own from the
		// start it would have been done at 150ms.
		if d := time.Since(start); d < 180*time.Millisecond {
			t.Errorf("long caller done after %v: it did not wait on the shared request", d)
		}
	})
}

func TestCacheControl(t *testing.T) {
	for _, tc := range []struct {
		cc           string
		wantRequests int64 // by a second client sharing the cache
	}{
		{"max-age=600, public", 0},        // fresh: no request
		{"max-age=0, must-revalidate", 1}, // revalidated (304)
		{"no-cache", 1},
		{"no-store", 1}, // never stored: a full request again
	} {
		t.Run(tc.cc, func(t *testing.T) {
			ix, u := startIndex(t, acmeDists(), testindex.Options{CacheControl: tc.cc})
			dir := t.TempDir()
			first := newClient(t, func(o *Options) { o.CacheDir = dir }, Source{Name: "t", URL: u})
			if _, err := first.Project(ctx, "six"); err != nil {
				t.Fatal(err)
			}
			first.Close()
			ix.ResetCounts()
			if _, err := newClient(t, func(o *Options) { o.CacheDir = dir }, Source{Name: "t", URL: u}).Project(ctx, "six"); err != nil {
				t.Fatal(err)
			}
			if ix.Requests() != tc.wantRequests {
				t.Errorf("%d requests, want %d", ix.Requests(), tc.wantRequests)
			}
			conditional := len(ix.Log()) == 1 && ix.Log()[0].Header.Get("If-None-Match") != ""
			if want := tc.cc != "no-store" && tc.wantRequests == 1; conditional != want {
				t.Errorf("conditional = %v, want %v", conditional, want)
			}
		})
	}
}
