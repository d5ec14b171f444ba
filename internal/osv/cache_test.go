package osv

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pyward/pyward/internal/retry"
)

// exportServer serves a zip like the OSV bucket: ETag and Last-Modified,
// honoring If-None-Match, with a scriptable failure sequence.
type exportServer struct {
	mu       sync.Mutex
	body     []byte
	etag     string
	failures []int // status codes to answer before serving normally
	requests int
	lastINM  string
	lastIMS  string
}

func (s *exportServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.lastINM, s.lastIMS = r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	if r.URL.Path != "/PyPI/all.zip" {
		http.NotFound(w, r)
		return
	}
	if len(s.failures) > 0 {
		code := s.failures[0]
		s.failures = s.failures[1:]
		http.Error(w, "try later", code)
		return
	}
	if s.lastINM != "" && s.lastINM == s.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", s.etag)
	w.Header().Set("Last-Modified", "Wed, 20 Nov 2024 10:00:00 GMT")
	w.Write(s.body)
}

func (s *exportServer) set(body []byte, etag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.etag = body, etag
}

func zipBytes(t *testing.T, files map[string]string) []byte {
	t.Helper()
	data, err := os.ReadFile(writeZip(t, files))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

const v1Record = `{"id": "PYSEC-2018-28", "modified": "2021-06-16T00:03:24Z", "aliases": ["CVE-2018-18074"],
	"affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]}]}`
const v2Record = `{"id": "GHSA-j8r2-6x86-q33q", "modified": "2023-05-22T00:00:00Z", "aliases": ["CVE-2023-32681"],
	"affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]}]}]}`

func newTestCache(t *testing.T, srv *httptest.Server, clock *time.Time) *Cache {
	return &Cache{
		Dir:       filepath.Join(t.TempDir(), "osv"),
		URL:       srv.URL + "/PyPI/all.zip",
		Client:    srv.Client(),
		Now:       func() time.Time { return *clock },
		RetryBase: time.Millisecond,
	}
}

func TestCacheUpdateRevalidateOpen(t *testing.T) {
	es := &exportServer{}
	es.set(zipBytes(t, map[string]string{"PYSEC-2018-28.json": v1Record, "bad.json": "{"}), `"v1"`)
	srv := httptest.NewServer(es)
	defer srv.Close()
	clock := time.Date(2024, 11, 20, 12, 0, 0, 0, time.UTC)
	c := newTestCache(t, srv, &clock)

	if _, _, err := c.Open(t.Context()); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("Open before update: %v, want ErrNoDatabase", err)
	}
	res, err := c.Update(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.NotModified || res.Meta.ETag != `"v1"` || res.Meta.Advisories != 1 || len(res.FileErrors) != 1 || !res.Meta.FetchedAt.Equal(clock) {
		t.Errorf("first update: %+v", res)
	}
	if es.lastINM != "" {
		t.Errorf("first request sent If-None-Match %q", es.lastINM)
	}
	entries, _ := os.ReadDir(c.Dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	db, m, err := c.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Query("requests", "2.19.1")) != 1 || m.Age(clock.Add(time.Hour)) != time.Hour {
		t.Errorf("open after update: findings=%v age=%v", db.Query("requests", "2.19.1"), m.Age(clock.Add(time.Hour)))
	}

	// Unchanged upstream: 304, no download, fetch time refreshed.
	clock = clock.Add(24 * time.Hour)
	res, err = c.Update(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !res.NotModified || es.lastINM != `"v1"` || es.lastIMS == "" || !res.Meta.FetchedAt.Equal(clock) || res.Meta.ChangedAt.Equal(clock) {
		t.Errorf("revalidation: %+v INM=%q IMS=%q", res, es.lastINM, es.lastIMS)
	}
	if m, _ := c.ReadMeta(); !m.FetchedAt.Equal(clock) {
		t.Errorf("meta fetch time %v not persisted", m.FetchedAt)
	}

	// New upstream content replaces the database.
	es.set(zipBytes(t, map[string]string{"GHSA-j8r2-6x86-q33q.json": v2Record}), `"v2"`)
	if res, err = c.Update(t.Context()); err != nil || res.NotModified {
		t.Fatal(res, err)
	}
	db, _, err = c.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(db.Query("requests", "2.30.0")); len(got) != 1 || got[0] != "GHSA-j8r2-6x86-q33q" {
		t.Errorf("after change: %v", got)
	}
}

func TestCacheOfflineNeverTouchesNetwork(t *testing.T) {
	es := &exportServer{}
	es.set(zipBytes(t, map[string]string{"PYSEC-2018-28.json": v1Record}), `"v1"`)
	srv := httptest.NewServer(es)
	defer srv.Close()
	clock := time.Now()
	c := newTestCache(t, srv, &clock)
	if _, err := c.Update(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := es.requests
	c.Offline = true
	if _, err := c.Update(t.Context()); !errors.Is(err, ErrOffline) {
		t.Errorf("offline update: %v, want ErrOffline", err)
	}
	os.Remove(filepath.Join(c.Dir, indexFile)) // force the cold path too
	db, _, err := c.Open(t.Context())
	if err != nil || len(db.Query("requests", "1.0")) != 1 {
		t.Errorf("offline open: %v", err)
	}
	if es.requests != before {
		t.Errorf("offline mode made %d requests", es.requests-before)
	}
}

func TestCacheRetriesAndFailures(t *testing.T) {
	good := zipBytes(t, map[string]string{"PYSEC-2018-28.json": v1Record})
	tests := []struct {
		name     string
		failures []int
		body     []byte
		wantErr  string
		requests int
	}{
		{"transient 503 then ok", []int{503, 502}, good, "", 3},
		{"429 retried", []int{429}, good, "", 2},
		{"gives up after max attempts", []int{500, 500, 500, 500, 500}, good, "500", retry.DefaultAttempts},
		{"404 not retried", []int{404}, good, "404", 1},
		{"not a zip", nil, []byte("<html>captive portal</html>"), "unusable", 1},
		{"zip without records", nil, zipBytes(t, map[string]string{"README.txt": "x"}), "no advisories", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := &exportServer{failures: tt.failures}
			es.set(tt.body, `"e"`)
			srv := httptest.NewServer(es)
			defer srv.Close()
			clock := time.Now()
			c := newTestCache(t, srv, &clock)
			_, err := c.Update(t.Context())
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
			}
			if es.requests != tt.requests {
				t.Errorf("%d requests, want %d", es.requests, tt.requests)
			}
		})
	}
}

func TestCacheFailedUpdateKeepsOldDatabase(t *testing.T) {
	es := &exportServer{}
	es.set(zipBytes(t, map[string]string{"PYSEC-2018-28.json": v1Record}), `"v1"`)
	srv := httptest.NewServer(es)
	defer srv.Close()
	clock := time.Now()
	c := newTestCache(t, srv, &clock)
	if _, err := c.Update(t.Context()); err != nil {
		t.Fatal(err)
	}
	es.set([]byte("garbage"), `"v2"`)
	if _, err := c.Update(t.Context()); err == nil {
		t.Fatal("garbage accepted")
	}
	db, m, err := c.Open(t.Context())
	if err != nil || m.ETag != `"v1"` || len(db.Query("requests", "2.0")) != 1 {
		t.Errorf("old database not intact: %v %+v", err, m)
	}
}

func TestCacheRebuildsStaleOrCorruptIndex(t *testing.T) {
	es := &exportServer{}
	es.set(zipBytes(t, map[string]string{"PYSEC-2018-28.json": v1Record}), `"v1"`)
	srv := httptest.NewServer(es)
	defer srv.Close()
	clock := time.Now()
	c := newTestCache(t, srv, &clock)
	if _, err := c.Update(t.Context()); err != nil {
		t.Fatal(err)
	}
	idx := filepath.Join(c.Dir, indexFile)
	good, _ := os.ReadFile(idx)
	for name, content := range map[string][]byte{
		"corrupt": []byte("PYWOSV2\nnonsense"),
		"stale":   EncodeIndex(Build(nil), "another-archive"),
		// An index of the previous format, valid in itself: its severities
		// were compiled without CVSS v4 scoring.
		"older format": appendCRC(append([]byte("PYWOSV1\n"), good[len(indexMagic):len(good)-4]...)),
	} {
		os.WriteFile(idx, content, 0o644)
		db, _, err := c.Open(t.Context())
		if err != nil || len(db.Query("requests", "2.0")) != 1 {
			t.Errorf("%s index: %v", name, err)
		}
		if again, _ := os.ReadFile(idx); string(again) != string(good) {
			t.Errorf("%s index was not rewritten", name)
		}
	}
}

// TestCacheCanceledDuringBackoff runs in a synctest bubble over an
// in-memory transport: the hour-long backoff and the caller's 50ms deadline
// are virtual time, so elapsed time shows exactly which one ended Update.
func TestCacheCanceledDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		es := &exportServer{failures: []int{503, 503, 503, 503}}
		es.set(nil, `"e"`)
		clock := time.Now()
		c := &Cache{
			Dir:       filepath.Join(t.TempDir(), "osv"),
			URL:       "http://osv.test/PyPI/all.zip",
			Client:    &http.Client{Transport: handlerTransport{es}},
			Now:       func() time.Time { return clock },
			RetryBase: time.Hour,
		}
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := c.Update(ctx); err == nil {
			t.Fatal("no error")
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("backoff ignored the context: Update returned after %v", d)
		}
	})
}

// handlerTransport serves requests with a handler in the calling
// goroutine, so a synctest bubble holds the whole exchange.
type handlerTransport struct{ h http.Handler }

func (tr handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	tr.h.ServeHTTP(w, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	resp := w.Result()
	resp.Request = r
	return resp, nil
}
