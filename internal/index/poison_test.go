package index

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

// TestRangeMetadataNotSharedAcrossIndexes: METADATA read by range
// requests from a hostile index that lists the honest wheel's sha256 for
// its own wheel must never be used for the honest index's file; the
// honest index's own range-read METADATA is reused from the cache while
// the range response is fresh, and offline.
func TestRangeMetadataNotSharedAcrossIndexes(t *testing.T) {
	const wheel = "victim-1.0-py3-none-any.whl"
	honestIx, honest := startIndex(t, []testindex.Dist{{Name: "victim", Version: "1.0"}}, testindex.Options{NoMetadataFiles: true})
	hostileIx, hostile := startIndex(t, []testindex.Dist{{Name: "victim", Version: "1.0", Requires: []string{"evilpkg"}}}, testindex.Options{NoMetadataFiles: true})
	_, honestSHA, _ := honestIx.File(wheel)
	if err := hostileIx.ListSHA256(wheel, honestSHA); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	requires := func(src Source, offline bool) []string {
		t.Helper()
		c := newClient(t, func(o *Options) { o.CacheDir = cache; o.Offline = offline }, src)
		defer c.Close()
		p, err := c.Project(ctx, "victim")
		if err != nil {
			t.Fatal(err)
		}
		if p.Files[0].Hashes["sha256"] != honestSHA {
			t.Fatalf("%s lists %s, want the honest hash", src.Name, p.Files[0].Hashes["sha256"])
		}
		md, _, err := c.Metadata(ctx, p.Files[0])
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range md.RequiresDist {
			names = append(names, r.Name)
		}
		return names
	}
	for _, step := range []struct {
		name         string
		src          Source
		offline      bool
		want         []string
		wheelFetches int64 // requests for the honest wheel during the step
	}{
		{"hostile index", Source{Name: "hostile", URL: hostile}, false, []string{"evilpkg"}, 0},
		{"honest index after it", Source{Name: "honest", URL: honest}, false, nil, 1},
		{"honest index again", Source{Name: "honest", URL: honest}, false, nil, 0},
		{"honest index offline", Source{Name: "honest", URL: honest}, true, nil, 0},
	} {
		before := honestIx.RequestsFor("/files/" + wheel)
		got := requires(step.src, step.offline)
		if !slices.Equal(got, step.want) {
			t.Errorf("%s: Requires-Dist %v, want %v", step.name, got, step.want)
		}
		if n := honestIx.RequestsFor("/files/"+wheel) - before; n != step.wheelFetches {
			t.Errorf("%s: %d requests for the wheel, want %d", step.name, n, step.wheelFetches)
		}
	}
}

// TestMetadataFileVerifiedBeforeCaching: a PEP 658 metadata file that does
// not match the hash its page declares is refused and not cached, so the
// next client reads the file again rather than the bad copy.
func TestMetadataFileVerifiedBeforeCaching(t *testing.T) {
	ix, err := testindex.New(acmeDists(), testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var bad atomic.Int64
	bad.Store(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".metadata") && bad.Add(-1) >= 0 {
			w.Header().Set("Cache-Control", "max-age=31536000, immutable")
			io.WriteString(w, "Metadata-Version: 2.2\nName: six\nVersion: 1.16.0\nRequires-Dist: evil\n")
			return
		}
		ix.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	cache := t.TempDir()
	metadata := func() error {
		c := newClient(t, func(o *Options) { o.CacheDir = cache }, Source{Name: "test", URL: srv.URL + "/simple/"})
		defer c.Close()
		p, err := c.Project(ctx, "six")
		if err != nil {
			t.Fatal(err)
		}
		md, _, err := c.Metadata(ctx, p.Files[0])
		if err == nil && len(md.RequiresDist) != 0 {
			t.Errorf("Requires-Dist %v from a metadata file that failed its hash", md.RequiresDist)
		}
		return err
	}
	if err := metadata(); !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("first read: %v, want a hash mismatch", err)
	}
	if err := metadata(); err != nil {
		t.Errorf("second read (the index now serves the right file): %v", err)
	}
}

// noCacheWriter marks every response it carries "Cache-Control: no-cache".
type noCacheWriter struct {
	http.ResponseWriter
	marked bool
}

func (w *noCacheWriter) mark() {
	if !w.marked {
		w.marked = true
		w.Header().Set("Cache-Control", "no-cache")
	}
}

func (w *noCacheWriter) WriteHeader(code int) { w.mark(); w.ResponseWriter.WriteHeader(code) }

func (w *noCacheWriter) Write(b []byte) (int, error) { w.mark(); return w.ResponseWriter.Write(b) }

// TestRangeMetadataExpires: METADATA read by range requests is reused only
// while the range response allows it. A server that marks its wheel
// responses "no-cache" is asked again by the next client sharing the
// cache; offline, the stored copy serves.
func TestRangeMetadataExpires(t *testing.T) {
	const wheel = "victim-1.0-py3-none-any.whl"
	ix, err := testindex.New([]testindex.Dist{{Name: "victim", Version: "1.0", Requires: []string{"dep"}}}, testindex.Options{NoMetadataFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/files/") {
			w = &noCacheWriter{ResponseWriter: w}
		}
		ix.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	cache := t.TempDir()
	for _, step := range []struct {
		name     string
		offline  bool
		requests bool // the wheel is requested during the step
	}{
		{"first read", false, true},
		{"stale: read again", false, true},
		{"offline: the stored copy", true, false},
	} {
		before := ix.RequestsFor("/files/" + wheel)
		c := newClient(t, func(o *Options) { o.CacheDir = cache; o.Offline = step.offline }, Source{Name: "test", URL: srv.URL + "/simple/"})
		p, err := c.Project(ctx, "victim")
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		md, _, err := c.Metadata(ctx, p.Files[0])
		c.Close()
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if len(md.RequiresDist) != 1 || md.RequiresDist[0].Name != "dep" {
			t.Errorf("%s: Requires-Dist %v, want [dep]", step.name, md.RequiresDist)
		}
		if n := ix.RequestsFor("/files/"+wheel) - before; (n > 0) != step.requests {
			t.Errorf("%s: %d requests for the wheel, want them: %v", step.name, n, step.requests)
		}
	}
}
