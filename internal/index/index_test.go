package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pyward/pyward/internal/testindex"
)

func startIndex(t *testing.T, dists []testindex.Dist, opts testindex.Options) (*testindex.Index, string) {
	t.Helper()
	ix, err := testindex.New(dists, opts)
	if err != nil {
		t.Fatal(err)
	}
	u := ix.Start()
	t.Cleanup(ix.Close)
	return ix, u
}

// newClient returns a client over the given sources, trusting loopback
// http and retrying fast.
func newClient(t *testing.T, mod func(*Options), sources ...Source) *Client {
	t.Helper()
	opts := Options{
		Sources:      sources,
		TrustedHosts: []string{"127.0.0.1", "localhost"},
		Netrc:        "-",
		Getenv:       func(string) string { return "" },
		Backoff:      time.Millisecond,
		Timeout:      5 * time.Second,
		Logf:         t.Logf,
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() }) // before the cache's TempDir is removed
	return c
}

var ctx = context.Background()

// handlerTransport serves requests with a handler in the calling
// goroutine, so a synctest bubble holds the whole exchange and a handler's
// delays and the client's timeouts run in virtual time. Like a real
// transport, it reports a cancelled request as an error.
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

// bubbleClient is newClient over handlerTransport, for one source at
// http://127.0.0.1/simple/ served by h. Call it inside synctest.Test.
func bubbleClient(t *testing.T, h http.Handler, mod func(*Options)) *Client {
	t.Helper()
	return newClient(t, func(o *Options) {
		o.HTTPClient = &http.Client{Transport: handlerTransport{h}}
		if mod != nil {
			mod(o)
		}
	}, Source{Name: "test", URL: "http://127.0.0.1/simple/"})
}

// countingTransport counts round trips through an inner transport.
type countingTransport struct {
	http.RoundTripper
	n atomic.Int64
}

func (tr *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tr.n.Add(1)
	return tr.RoundTripper.RoundTrip(r)
}

func acmeDists() []testindex.Dist {
	return []testindex.Dist{
		{Name: "Acme.Utils", Version: "1.0", Requires: []string{"six>=1.0"}, RequiresPython: ">=3.8"},
		{Name: "acme-utils", Version: "1.1", Yanked: true, YankedReason: "bad build", Sdist: true},
		{Name: "acme-utils", Version: "2.0", Sdist: true, Dynamic: []string{"Requires-Dist"}},
		{Name: "six", Version: "1.16.0"},
	}
}

func TestProjectHTMLAndJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts testindex.Options
		json bool
	}{
		{"both", testindex.Options{Status: map[string]testindex.ProjectStatus{"acme-utils": {Status: "deprecated", Reason: "use acme2"}}}, true},
		{"html", testindex.Options{NoJSON: true, Status: map[string]testindex.ProjectStatus{"acme-utils": {Status: "deprecated", Reason: "use acme2"}}}, false},
		{"json", testindex.Options{NoHTML: true, Status: map[string]testindex.ProjectStatus{"acme-utils": {Status: "deprecated", Reason: "use acme2"}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix, u := startIndex(t, acmeDists(), tc.opts)
			c := newClient(t, nil, Source{Name: "test", URL: u})
			p, err := c.Project(ctx, "ACME_utils")
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != "acme-utils" || p.Index != "test" || p.Status != "deprecated" || p.StatusReason != "use acme2" {
				t.Errorf("project = %+v", p)
			}
			want := ix.Filenames("acme-utils")
			if len(p.Files) != len(want) {
				t.Fatalf("files = %d, want %d", len(p.Files), len(want))
			}
			for i, f := range p.Files {
				data, sha, _ := ix.File(want[i])
				if f.Filename != want[i] || f.Hashes["sha256"] != sha || f.URL != ix.URL()+"/files/"+want[i] || f.Index != "test" {
					t.Errorf("file %d = %+v", i, f)
				}
				if tc.json && (f.Size != int64(len(data)) || f.UploadTime.IsZero()) {
					t.Errorf("JSON file %d lacks PEP 700 fields: %+v", i, f)
				}
			}
			f0, f1 := p.Files[0], p.Files[1]
			if f0.RequiresPython != ">=3.8" || f0.Yanked || f0.MetadataHashes["sha256"] == "" {
				t.Errorf("file 0 = %+v", f0)
			}
			if !f1.Yanked || f1.YankedReason != "bad build" {
				t.Errorf("file 1 = %+v", f1)
			}
			if sd := p.Files[2]; sd.MetadataHashes != nil {
				t.Errorf("sdist has metadata: %+v", sd)
			}
			if tc.json && strings.Join(p.Versions, ",") != "1.0,1.1,2.0" {
				t.Errorf("versions = %v", p.Versions)
			}
			// Memoized: a second call makes no request.
			n := ix.Requests()
			if _, err := c.Project(ctx, "acme.utils"); err != nil || ix.Requests() != n {
				t.Errorf("second Project: err %v, %d new requests", err, ix.Requests()-n)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	ix, u := startIndex(t, acmeDists(), testindex.Options{})
	c := newClient(t, nil, Source{Name: "corp", URL: u})
	_, err := c.Project(ctx, "nope")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"nope" not found on corp`) {
		t.Errorf("err = %v", err)
	}
	n := ix.Requests()
	if _, err := c.Project(ctx, "NOPE"); !errors.Is(err, ErrNotFound) || ix.Requests() != n {
		t.Errorf("second lookup: %v, %d requests", err, ix.Requests()-n)
	}
	if _, err := c.Project(ctx, "-bad-"); err == nil {
		t.Error("invalid name accepted")
	}
}

func bigWheelDists() []testindex.Dist {
	big := strings.Repeat("# padding line to make the wheel large\n", 30000) // ~1.2 MB
	return []testindex.Dist{
		{Name: "big", Version: "1.0", Requires: []string{"six"}, Modules: map[string]string{"big/aaa_data.py": big}},
	}
}

func TestMetadataPaths(t *testing.T) {
	const fn = "big-1.0-py3-none-any.whl"
	for _, tc := range []struct {
		name      string
		opts      testindex.Options
		wantPaths []string // paths requested after the page
		maxBytes  func(size int) int
	}{
		{"pep658", testindex.Options{}, []string{"/files/" + fn + ".metadata"}, func(int) int { return 1000 }},
		{"range", testindex.Options{NoMetadataFiles: true}, []string{"/files/" + fn}, func(size int) int { return size / 8 }},
		{"full", testindex.Options{NoMetadataFiles: true, NoRange: true}, []string{"/files/" + fn}, func(size int) int { return size }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix, u := startIndex(t, bigWheelDists(), tc.opts)
			c := newClient(t, nil, Source{Name: "test", URL: u})
			p, err := c.Project(ctx, "big")
			if err != nil {
				t.Fatal(err)
			}
			ix.ResetCounts()
			md, raw, err := c.Metadata(ctx, p.Files[0])
			if err != nil {
				t.Fatal(err)
			}
			if md.Name != "big" || md.Version != "1.0" || len(md.RequiresDist) != 1 || !bytes.Contains(raw, []byte("Requires-Dist: six")) {
				t.Errorf("metadata = %+v", md)
			}
			// Asking again is answered from memory.
			n := ix.Requests()
			if _, _, err := c.Metadata(ctx, p.Files[0]); err != nil || ix.Requests() != n {
				t.Errorf("second Metadata: %v, %d requests", err, ix.Requests()-n)
			}
			var paths []string
			for _, r := range ix.Log() {
				paths = append(paths, r.Path)
			}
			for _, want := range tc.wantPaths {
				if !strings.Contains(strings.Join(paths, " "), want) {
					t.Errorf("requests %v lack %s", paths, want)
				}
			}
			if tc.name == "pep658" && ix.RequestsFor("/files/"+fn) != 0 {
				t.Error("PEP 658 path touched the wheel")
			}
			data, _, _ := ix.File(fn)
			if got, limit := ix.BytesServed(), tc.maxBytes(len(data)); got > int64(limit) {
				t.Errorf("served %d bytes of a %d-byte wheel, limit %d", got, len(data), limit)
			}
			if tc.name == "full" && ix.BytesServed() != int64(len(data)) {
				t.Errorf("full path served %d of %d bytes", ix.BytesServed(), len(data))
			}
			// The downloaded wheel agrees with the metadata used.
			var buf bytes.Buffer
			if _, err := c.Download(ctx, p.Files[0], &buf); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), data) {
				t.Error("downloaded bytes differ")
			}
		})
	}
}

func TestMetadataSdist(t *testing.T) {
	_, u := startIndex(t, []testindex.Dist{
		{Name: "static", Version: "1.0", NoWheel: true, Requires: []string{"six"}},
		{Name: "dynamic", Version: "1.0", NoWheel: true, Dynamic: []string{"Requires-Dist"}},
		{Name: "old", Version: "1.0", NoWheel: true, MetadataVersion: "2.1"},
	}, testindex.Options{})
	c := newClient(t, nil, Source{Name: "test", URL: u})
	p, err := c.Project(ctx, "static")
	if err != nil {
		t.Fatal(err)
	}
	md, _, err := c.Metadata(ctx, p.Files[0])
	if err != nil || md.Name != "static" || len(md.RequiresDist) != 1 {
		t.Errorf("static sdist: %v %+v", err, md)
	}
	p, _ = c.Project(ctx, "dynamic")
	for range 2 { // the second answer comes from the memo and must agree
		_, _, err = c.Metadata(ctx, p.Files[0])
		var nb *NeedsBuildError
		if !errors.Is(err, ErrNeedsBuild) || !errors.As(err, &nb) || nb.Project != "dynamic" || !strings.Contains(err.Error(), "dynamic-1.0.tar.gz") {
			t.Errorf("dynamic sdist: %v", err)
		}
	}
	p, _ = c.Project(ctx, "old")
	if _, _, err := c.Metadata(ctx, p.Files[0]); !errors.Is(err, ErrNeedsBuild) || !strings.Contains(err.Error(), "2.1 predates PEP 643") {
		t.Errorf("Metadata-Version 2.1 sdist: %v", err)
	}
}

func TestMetadataMismatch(t *testing.T) {
	ix, u := startIndex(t, acmeDists(), testindex.Options{})
	const fn = "six-1.16.0-py3-none-any.whl"
	if err := ix.SetMetadataFile(fn, []byte("Metadata-Version: 2.2\nName: six\nVersion: 1.16.0\nRequires-Dist: evil\n")); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, nil, Source{Name: "test", URL: u})
	p, _ := c.Project(ctx, "six")
	md, _, err := c.Metadata(ctx, p.Files[0])
	if err != nil || len(md.RequiresDist) != 1 {
		t.Fatalf("metadata: %v %+v", err, md)
	}
	_, err = c.Download(ctx, p.Files[0], io.Discard)
	if !errors.Is(err, ErrMetadataMismatch) || !strings.Contains(err.Error(), "/files/"+fn+".metadata") || !strings.Contains(err.Error(), "/files/"+fn+" ") {
		t.Errorf("err = %v", err)
	}
	// Metadata naming another project is refused outright.
	if err := ix.SetMetadataFile(fn, []byte("Metadata-Version: 2.2\nName: other\nVersion: 1.16.0\n")); err != nil {
		t.Fatal(err)
	}
	c = newClient(t, nil, Source{Name: "test", URL: u})
	p, _ = c.Project(ctx, "six")
	if _, _, err := c.Metadata(ctx, p.Files[0]); err == nil || !strings.Contains(err.Error(), "file name says six") {
		t.Errorf("identity: %v", err)
	}
}

func TestHashMismatch(t *testing.T) {
	ix, u := startIndex(t, acmeDists(), testindex.Options{})
	const fn = "six-1.16.0-py3-none-any.whl"
	if err := ix.Tamper(fn); err != nil {
		t.Fatal(err)
	}
	for _, cached := range []bool{false, true} {
		c := newClient(t, func(o *Options) {
			if cached {
				o.CacheDir = t.TempDir()
			}
		}, Source{Name: "test", URL: u})
		p, _ := c.Project(ctx, "six")
		var buf bytes.Buffer
		_, err := c.Download(ctx, p.Files[0], &buf)
		var hm *HashMismatchError
		_, sha, _ := ix.File(fn)
		if !errors.As(err, &hm) || hm.Expected != sha || hm.Actual == sha || !strings.Contains(err.Error(), "/files/"+fn) {
			t.Errorf("cached=%v: err = %v", cached, err)
		}
		if buf.Len() != 0 {
			t.Errorf("cached=%v: %d unverified bytes reached the writer", cached, buf.Len())
		}
	}
}

func TestCacheRevalidationAndOffline(t *testing.T) {
	ix, u := startIndex(t, acmeDists(), testindex.Options{})
	dir := t.TempDir()
	src := Source{Name: "test", URL: u}
	c1 := newClient(t, func(o *Options) { o.CacheDir = dir }, src)
	p1, err := c1.Project(ctx, "acme-utils")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Download(ctx, p1.Files[0], io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c1.Metadata(ctx, p1.Files[0]); err != nil {
		t.Fatal(err)
	}
	c1.Close() // its cache writes are on disk

	// A new client revalidates the page (max-age=0) and gets 304.
	ix.ResetCounts()
	var logMu sync.Mutex
	var logged []string
	c2 := newClient(t, func(o *Options) {
		o.CacheDir = dir
		o.Logf = func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			logged = append(logged, fmt.Sprintf(format, args...))
		}
	}, src)
	p2, err := c2.Project(ctx, "acme-utils")
	if err != nil {
		t.Fatal(err)
	}
	log := ix.Log()
	if len(log) != 1 || log[0].Header.Get("If-None-Match") == "" || log[0].Header.Get("If-Modified-Since") == "" {
		t.Fatalf("revalidation requests = %+v", log)
	}
	if len(logged) != 1 || !strings.Contains(logged[0], "304 Not Modified") {
		t.Errorf("log = %q, want one 304", logged)
	}
	if len(p2.Files) != len(p1.Files) || p2.Files[0].Hashes["sha256"] != p1.Files[0].Hashes["sha256"] {
		t.Error("cached page differs")
	}
	// Blob and metadata come from the cache.
	if _, err := c2.Download(ctx, p2.Files[0], io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c2.Metadata(ctx, p2.Files[0]); err != nil {
		t.Fatal(err)
	}
	if n := ix.Requests(); n != 1 {
		t.Errorf("%d requests, want only the revalidation", n)
	}
	c2.Close()
	// A new release invalidates the page: 200 with the new file.
	if err := ix.Add(testindex.Dist{Name: "acme-utils", Version: "3.0"}); err != nil {
		t.Fatal(err)
	}
	c3 := newClient(t, func(o *Options) { o.CacheDir = dir }, src)
	p3, err := c3.Project(ctx, "acme-utils")
	if err != nil || len(p3.Files) != len(p1.Files)+1 {
		t.Fatalf("after release: %v, %d files", err, len(p3.Files))
	}
	c3.Close()

	// Offline: served from cache without any request; misses are ErrOffline.
	ix.ResetCounts()
	off := newClient(t, func(o *Options) { o.CacheDir = dir; o.Offline = true }, src)
	p4, err := off.Project(ctx, "acme-utils")
	if err != nil || len(p4.Files) != len(p3.Files) {
		t.Fatalf("offline: %v", err)
	}
	if _, err := off.Download(ctx, p4.Files[0], io.Discard); err != nil {
		t.Errorf("offline download of cached file: %v", err)
	}
	if _, err := off.Project(ctx, "six"); !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "/simple/six/") {
		t.Errorf("offline miss: %v", err)
	}
	if _, err := off.Download(ctx, p4.Files[len(p4.Files)-1], io.Discard); !errors.Is(err, ErrOffline) {
		t.Errorf("offline download miss: %v", err)
	}
	if ix.Requests() != 0 {
		t.Errorf("offline client made %d requests", ix.Requests())
	}
	if _, err := New(Options{Sources: []Source{src}, Offline: true}); err == nil {
		t.Error("offline without cache accepted")
	}
}

func TestCredentialsNotLeakedOnRedirect(t *testing.T) {
	// Pages on an authenticated index; files redirected to another host.
	auth, err := testindex.New(acmeDists(), testindex.Options{Username: "alice", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	cdn, cdnURL := startIndex(t, acmeDists(), testindex.Options{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/files/") {
			// "localhost" is another host than the front's 127.0.0.1.
			cdnHost := strings.Replace(strings.TrimSuffix(cdnURL, "/simple/"), "127.0.0.1", "localhost", 1)
			http.Redirect(w, r, cdnHost+r.URL.Path, http.StatusFound)
			return
		}
		auth.Handler().ServeHTTP(w, r)
	}))
	defer front.Close()
	fu, _ := url.Parse(front.URL)
	netrc := filepath.Join(t.TempDir(), "netrc")
	os.WriteFile(netrc, []byte("machine "+fu.Hostname()+" login alice password s3cret\n"), 0o600)

	for _, tc := range []struct {
		name string
		url  string
		mod  func(*Options)
	}{
		{"userinfo", strings.Replace(front.URL, "http://", "http://alice:s3cret@", 1) + "/simple/", nil},
		{"env", front.URL + "/simple/", func(o *Options) {
			o.Getenv = func(k string) string {
				return map[string]string{"PYWARD_INDEX_CORP_NET_USERNAME": "alice", "PYWARD_INDEX_CORP_NET_PASSWORD": "s3cret"}[k]
			}
		}},
		{"netrc", front.URL + "/simple/", func(o *Options) { o.Netrc = netrc }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cdn.ResetCounts()
			c := newClient(t, tc.mod, Source{Name: "corp-net", URL: tc.url})
			p, err := c.Project(ctx, "six")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Download(ctx, p.Files[0], io.Discard); err != nil {
				t.Fatal(err)
			}
			if cdn.Requests() == 0 {
				t.Fatal("redirect not followed")
			}
			for _, r := range cdn.Log() {
				if r.Header.Get("Authorization") != "" {
					t.Errorf("credentials sent to the CDN host: %s %s", r.Path, r.Header.Get("Authorization"))
				}
			}
			if strings.Contains(fmt.Sprint(p.Files), "s3cret") {
				t.Error("credentials in file URLs")
			}
		})
	}
	// Without credentials: 401 with a hint, not retried.
	c := newClient(t, nil, Source{Name: "corp", URL: front.URL + "/simple/"})
	_, err = c.Project(ctx, "six")
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 401 || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("no credentials: %v", err)
	}
}

func TestInsecureAndTLS(t *testing.T) {
	ix, err := testindex.New(acmeDists(), testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := ix.Start()
	defer ix.Close()
	_, err = New(Options{Sources: []Source{{Name: "x", URL: u}}, Netrc: "-"})
	if !errors.Is(err, ErrInsecure) {
		t.Errorf("http index accepted: %v", err)
	}
	for _, trusted := range []string{"127.0.0.1", strings.TrimPrefix(ix.URL(), "http://")} {
		if _, err := New(Options{Sources: []Source{{Name: "x", URL: u}}, Netrc: "-", TrustedHosts: []string{trusted}}); err != nil {
			t.Errorf("trusted %s: %v", trusted, err)
		}
	}
	if _, err := New(Options{Sources: []Source{{Name: "x", URL: "ftp://host/simple/"}}, Netrc: "-"}); err == nil {
		t.Error("ftp accepted")
	}

	tlsIx, err := testindex.New(acmeDists(), testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tu := tlsIx.StartTLS()
	defer tlsIx.Close()
	c := newClient(t, func(o *Options) { o.HTTPClient = tlsIx.Server().Client(); o.TrustedHosts = nil }, Source{Name: "tls", URL: tu})
	p, err := c.Project(ctx, "six")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(ctx, p.Files[0], io.Discard); err != nil {
		t.Fatal(err)
	}
	// A transport like the default one does not trust the test certificate;
	// not retried: the handshake is attempted once.
	tr := &countingTransport{RoundTripper: http.DefaultTransport.(*http.Transport).Clone()}
	c = newClient(t, func(o *Options) {
		o.TrustedHosts = nil
		o.Retries = 5
		o.HTTPClient = &http.Client{Transport: tr}
	}, Source{Name: "tls", URL: tu})
	if _, err := c.Project(ctx, "six"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
	if n := tr.n.Load(); n != 1 {
		t.Errorf("certificate failure was retried: %d attempts", n)
	}
}

func TestRetries(t *testing.T) {
	ix, u := startIndex(t, acmeDists(), testindex.Options{})
	c := newClient(t, nil, Source{Name: "test", URL: u})
	ix.FailNext("/simple/six/", 2, 500)
	if _, err := c.Project(ctx, "six"); err != nil {
		t.Fatalf("after two 500s: %v", err)
	}
	if n := ix.RequestsFor("/simple/six/"); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	ix.FailNext("/simple/acme-utils/", 10, 503)
	_, err := c.Project(ctx, "acme-utils")
	if err == nil || !strings.Contains(err.Error(), "/simple/acme-utils/") || !strings.Contains(err.Error(), "4 attempts") {
		t.Errorf("persistent 503: %v", err)
	}
	if n := ix.RequestsFor("/simple/acme-utils/"); n != 4 {
		t.Errorf("%d requests, want 1+%d retries", n, DefaultRetries)
	}
	// A download interrupted by 500 is retried too.
	p, _ := c.Project(ctx, "six")
	ix.FailNext("/files/"+p.Files[0].Filename, 1, 502)
	if _, err := c.Download(ctx, p.Files[0], io.Discard); err != nil {
		t.Errorf("download after 502: %v", err)
	}
	// 4xx is not retried.
	ix.FailNext("/simple/other/", 1, 403)
	ix.ResetCounts()
	if _, err := c.Project(ctx, "other"); err == nil || ix.Requests() != 1 {
		t.Errorf("403: %v after %d requests", err, ix.Requests())
	}
}

func TestTimeout(t *testing.T) {
	ix, u := startIndex(t, acmeDists(), testindex.Options{Latency: 300 * time.Millisecond})
	c := newClient(t, func(o *Options) { o.Timeout = 30 * time.Millisecond; o.Retries = 2 }, Source{Name: "slow", URL: u})
	_, err := c.Project(ctx, "six")
	if err == nil || !strings.Contains(err.Error(), "no response within") || !strings.Contains(err.Error(), "3 attempts") {
		t.Errorf("err = %v", err)
	}
	// How long the three attempts take, in virtual time: each is cut at
	// the timeout, not left to wait for the slow server.
	synctest.Test(t, func(t *testing.T) {
		slow, err := testindex.New(acmeDists(), testindex.Options{Latency: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c := bubbleClient(t, slow.Handler(), func(o *Options) { o.Timeout = 30 * time.Millisecond; o.Retries = 2 })
		start := time.Now()
		_, err = c.Project(ctx, "six")
		if err == nil || !strings.Contains(err.Error(), "no response within") || !strings.Contains(err.Error(), "3 attempts") {
			t.Errorf("err = %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
	})
	// Recovers when the server gets faster.
	ix.SetLatency(0)
	if _, err := c.Project(ctx, "six"); err != nil {
		t.Errorf("after latency drop: %v", err)
	}
	// The caller's deadline is honoured and not retried.
	ix.SetLatency(time.Second)
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	c = newClient(t, nil, Source{Name: "slow", URL: u})
	if _, err := c.Project(cctx, "acme-utils"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ctx deadline: %v", err)
	}
}

func TestMalformedPages(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body, want string
	}{
		{"bad json", "application/vnd.pypi.simple.v1+json", `{"meta": {"api-version": "1.0"}, "files": [}`, "malformed PEP 691 JSON"},
		{"json no meta", "application/vnd.pypi.simple.v1+json", `{"files": []}`, "api-version"},
		{"json future", "application/vnd.pypi.simple.v1+json", `{"meta": {"api-version": "2.0"}, "files": []}`, "unsupported repository API version"},
		{"json yanked type", "application/vnd.pypi.simple.v1+json", `{"meta": {"api-version": "1.0"}, "files": [{"filename": "x-1.0.tar.gz", "url": "x-1.0.tar.gz", "hashes": {}, "yanked": 3}]}`, "yanked must be"},
		{"json wrong project", "application/vnd.pypi.simple.v1+json", `{"meta": {"api-version": "1.0"}, "name": "y", "files": []}`, `project "y"`},
		{"json bad hash", "application/vnd.pypi.simple.v1+json", `{"meta": {"api-version": "1.0"}, "files": [{"filename": "x-1.0.tar.gz", "url": "x-1.0.tar.gz", "hashes": {"sha256": "zz"}}]}`, "malformed sha256 hash"},
		{"html unterminated", "text/html", "<html><body>\n<a href=\"x-1.0.tar.gz", "2:1"},
		{"html bad hash", "text/html", `<a href="x-1.0.tar.gz#sha256=abc">x</a>`, "malformed sha256"},
		{"html file link", "text/html", `<a href="file:///etc/passwd">x</a>`, "file: URL on a remote page"},
		{"html js link", "text/html", `<a href="javascript:alert(1)">x</a>`, "unsupported scheme"},
		{"content type", "application/octet-stream", `x`, "unexpected Content-Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := newClient(t, nil, Source{Name: "bad", URL: srv.URL + "/simple/"})
			_, err := c.Project(ctx, "x")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), srv.URL+"/simple/x/") {
				t.Errorf("err = %v, want %q and the URL", err, tc.want)
			}
		})
	}
}

func TestFirstIndexWins(t *testing.T) {
	_, internal := startIndex(t, []testindex.Dist{{Name: "acme-utils", Version: "1.0"}}, testindex.Options{})
	pubIx, public := startIndex(t, []testindex.Dist{{Name: "acme-utils", Version: "99.0"}, {Name: "requests", Version: "2.0"}}, testindex.Options{})
	versions := func(p *Project) string {
		var v []string
		for _, f := range p.Files {
			v = append(v, f.Filename+"@"+f.Index)
		}
		return strings.Join(v, " ")
	}
	// Default: internal first; the public 99.0 is never seen.
	c := newClient(t, nil, Source{Name: "internal", URL: internal}, Source{Name: "pypi", URL: public})
	p, err := c.Project(ctx, "acme-utils")
	if err != nil || versions(p) != "acme_utils-1.0-py3-none-any.whl@internal" {
		t.Errorf("first match: %v %s", err, versions(p))
	}
	if pubIx.RequestsFor("/simple/acme-utils/") != 0 {
		t.Error("public index consulted for a name the internal index has")
	}
	if p, err := c.Project(ctx, "requests"); err != nil || p.Index != "pypi" {
		t.Errorf("fallthrough: %v %+v", err, p)
	}
	// Pin: even with the public index first, acme-* comes from internal.
	var pol Policy
	if err := pol.Pin("ACME_*", "internal"); err != nil {
		t.Fatal(err)
	}
	c = newClient(t, func(o *Options) { o.Policy = pol }, Source{Name: "pypi", URL: public}, Source{Name: "internal", URL: internal})
	if p, err := c.Project(ctx, "acme.utils"); err != nil || versions(p) != "acme_utils-1.0-py3-none-any.whl@internal" {
		t.Errorf("pinned: %v %s", err, versions(p))
	}
	// Merge mode (pip --extra-index-url): both, which is the danger.
	c = newClient(t, func(o *Options) { o.Policy.Mode = MergeAll }, Source{Name: "internal", URL: internal}, Source{Name: "pypi", URL: public})
	if p, err := c.Project(ctx, "acme-utils"); err != nil || versions(p) != "acme_utils-1.0-py3-none-any.whl@internal acme_utils-99.0-py3-none-any.whl@pypi" || p.Index != "internal,pypi" {
		t.Errorf("merged: %v %s", err, versions(p))
	}
	// An outage of the first index is an error, never a fall-through.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }))
	defer down.Close()
	c = newClient(t, func(o *Options) { o.Retries = -1 }, Source{Name: "internal", URL: down.URL + "/simple/"}, Source{Name: "pypi", URL: public})
	if _, err := c.Project(ctx, "acme-utils"); err == nil {
		t.Error("outage fell through to the public index")
	}
	// Pins must name a source.
	var bad Policy
	bad.Pin("x", "nowhere")
	if _, err := New(Options{Sources: []Source{{Name: "pypi", URL: public}}, Policy: bad, TrustedHosts: []string{"127.0.0.1"}, Netrc: "-"}); err == nil {
		t.Error("pin to unknown source accepted")
	}
}

func TestConcurrentDedup(t *testing.T) {
	ix, u := startIndex(t, acmeDists(), testindex.Options{Latency: 50 * time.Millisecond})
	c := newClient(t, func(o *Options) { o.CacheDir = t.TempDir() }, Source{Name: "test", URL: u})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := c.Project(ctx, "six")
			errs <- err
		}()
		go func() {
			defer wg.Done()
			p, err := c.Project(ctx, "acme-utils")
			if err == nil {
				_, err = c.Download(ctx, p.Files[0], io.Discard)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/simple/six/", "/simple/acme-utils/", "/files/acme_utils-1.0-py3-none-any.whl"} {
		if n := ix.RequestsFor(p); n != 1 {
			t.Errorf("%s requested %d times", p, n)
		}
	}
}

func TestFindLinksAndFileIndex(t *testing.T) {
	ix, err := testindex.New(acmeDists(), testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := ix.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, src := range []Source{
		{Name: "flat", URL: dir, FindLinks: true},
		{Name: "flat-url", URL: "file://" + filepath.ToSlash(dir), FindLinks: true},
		{Name: "fileindex", URL: "file://" + filepath.ToSlash(dir) + "/simple"},
	} {
		t.Run(src.Name, func(t *testing.T) {
			c := newClient(t, nil, src)
			p, err := c.Project(ctx, "acme-utils")
			if err != nil {
				t.Fatal(err)
			}
			want := ix.Filenames("acme-utils")
			if len(p.Files) != len(want) {
				t.Fatalf("files %v, want %v", p.Files, want)
			}
			for _, f := range p.Files {
				_, sha, _ := ix.File(f.Filename)
				if f.Hashes["sha256"] != sha {
					t.Errorf("%s: hash %q, want %q", f.Filename, f.Hashes["sha256"], sha)
				}
			}
			md, _, err := c.Metadata(ctx, p.Files[0])
			if err != nil || md.Name != "Acme.Utils" {
				t.Errorf("metadata: %v", err)
			}
			var buf bytes.Buffer
			if _, err := c.Download(ctx, p.Files[0], &buf); err != nil || buf.Len() == 0 {
				t.Errorf("download: %v", err)
			}
			if _, err := c.Project(ctx, "nope"); !errors.Is(err, ErrNotFound) {
				t.Errorf("missing project: %v", err)
			}
		})
	}
}

func TestParseNetrc(t *testing.T) {
	got := parseNetrc([]byte("machine a.example login u1 password p1\ndefault login d password dp\nmachine b.example\n  login u2\n  account x\n  password p2\nmacdef init\nmachine evil login x password y\n\nmachine c login u3 password p3\n"))
	want := []netrcEntry{{"a.example", "u1", "p1"}, {"b.example", "u2", "p2"}, {"c", "u3", "p3"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestNetrcSizeLimit: a netrc file is read up to MaxNetrcSize; a larger one
// is an error naming the file and the limit, not a read without end.
func TestNetrcSizeLimit(t *testing.T) {
	entry := "machine a.example login u password p\n"
	for _, tc := range []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"small", len(entry), false},
		{"at the limit", MaxNetrcSize, false},
		{"over the limit", MaxNetrcSize + 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "netrc")
			data := []byte(entry + strings.Repeat("#", tc.size-len(entry)))
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := New(Options{Sources: []Source{{Name: "x", URL: "https://a.example/simple/"}}, Netrc: p})
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), strconv.Itoa(MaxNetrcSize)) {
					t.Fatalf("err = %v, want one naming %s and the limit %d", err, p, MaxNetrcSize)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(c.netrc) != 1 || c.netrc[0].login != "u" {
				t.Fatalf("netrc entries %v", c.netrc)
			}
		})
	}
}
