package pypinames

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/retry"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestParseProjectList(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		wantNames   []string
		wantSkipped int
		wantErr     string
	}{
		{"basic", `{"meta":{"api-version":"1.0"},"projects":[{"name":"Requests"},{"name":"zope.interface"},{"name":"Django_Rest"}]}`,
			[]string{"django-rest", "requests", "zope-interface"}, 0, ""},
		{"minor version and extra fields", `{"meta":{"api-version":"1.4","_last-serial":9},"projects":[{"name":"a","_last-serial":3}],"x":[1,{"y":2}]}`,
			[]string{"a"}, 0, ""},
		{"projects before meta", `{"projects":[{"name":"b"},{"name":"a"}],"meta":{"api-version":"1.1"}}`, []string{"a", "b"}, 0, ""},
		{"duplicates after normalization", `{"meta":{"api-version":"1.0"},"projects":[{"name":"Foo.Bar"},{"name":"foo-bar"},{"name":"foo_bar"}]}`,
			[]string{"foo-bar"}, 0, ""},
		{"invalid names skipped", `{"meta":{"api-version":"1.0"},"projects":[{"name":"ok"},{"name":"-bad"},{"name":""},{},{"name":"` + strings.Repeat("a", MaxNameLength+1) + `"}]}`,
			[]string{"ok"}, 4, ""},
		{"major version 2", `{"meta":{"api-version":"2.0"},"projects":[{"name":"a"}]}`, nil, 0, "want 1.x"},
		{"no meta", `{"projects":[{"name":"a"}]}`, nil, 0, "no meta"},
		{"no projects", `{"meta":{"api-version":"1.0"}}`, nil, 0, "no projects"},
		{"empty projects", `{"meta":{"api-version":"1.0"},"projects":[]}`, nil, 0, "no valid project names"},
		{"truncated", `{"meta":{"api-version":"1.0"},"projects":[{"name":"a"},{"na`, nil, 0, "project list"},
		{"not an object", `["a"]`, nil, 0, `want "{"`},
		{"projects not array", `{"meta":{"api-version":"1.0"},"projects":{"name":"a"}}`, nil, 0, `want "["`},
		{"name not string", `{"meta":{"api-version":"1.0"},"projects":[{"name":3}]}`, nil, 0, "project at byte"},
		{"trailing data", `{"meta":{"api-version":"1.0"},"projects":[{"name":"a"}]} {}`, nil, 0, "after the JSON object"},
		{"html", `<!DOCTYPE html><html>`, nil, 0, "project list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProjectList(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Names, tt.wantNames) || got.Skipped != tt.wantSkipped {
				t.Errorf("names %v skipped %d, want %v %d", got.Names, got.Skipped, tt.wantNames, tt.wantSkipped)
			}
		})
	}
}

func FuzzParseProjectList(f *testing.F) {
	f.Add(`{"meta":{"api-version":"1.0"},"projects":[{"name":"a"}]}`)
	f.Add(`{"projects":[{"name":"b","x":[]}],"meta":{"api-version":"1.1"},"z":null}`)
	f.Add(`{"meta":{"api-version":"1"},"projects":[{}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		start := time.Now()
		list, err := ParseProjectList(strings.NewReader(in))
		budgettest.Check(t, len(in), start)
		if err != nil {
			return
		}
		if len(list.Names) == 0 {
			t.Fatalf("success without names")
		}
		for i, n := range list.Names {
			if i > 0 && list.Names[i-1] >= n {
				t.Fatalf("names not sorted and unique: %q", list.Names)
			}
		}
	})
}

// index is a test server for the project list with ETag support.
type index struct {
	body        atomic.Value // string
	contentType string
	etag        atomic.Value // string
	status      atomic.Int32 // forced status when non-zero
	hits        atomic.Int32
	accept      atomic.Value // string
}

func newIndex(t *testing.T, body string) (*index, *httptest.Server) {
	ix := &index{contentType: MediaTypeV1}
	ix.body.Store(body)
	ix.etag.Store(`"v1"`)
	ix.accept.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ix.hits.Add(1)
		ix.accept.Store(r.Header.Get("Accept"))
		if s := ix.status.Load(); s != 0 {
			w.WriteHeader(int(s))
			return
		}
		etag := ix.etag.Load().(string)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", ix.contentType)
		io.WriteString(w, ix.body.Load().(string))
	}))
	t.Cleanup(srv.Close)
	return ix, srv
}

func readSnapshot(t *testing.T, path string) string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			names = append(names, l)
		}
	}
	return strings.Join(names, ",")
}

const listV1 = `{"meta":{"api-version":"1.0"},"projects":[{"name":"Requests"},{"name":"numpy"}]}`

func TestUpdate(t *testing.T) {
	ix, srv := newIndex(t, listV1)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c := &Cache{Dir: t.TempDir(), URL: srv.URL + "/simple/", Now: func() time.Time { return now }, RetryBase: time.Millisecond}
	ctx := context.Background()

	res, err := c.Update(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.NotModified || res.Meta.Names != 2 || res.Meta.ETag != `"v1"` || res.Meta.APIVersion != "1.0" {
		t.Errorf("first update %+v", res)
	}
	if got := ix.accept.Load().(string); got != MediaTypeV1 {
		t.Errorf("Accept %q", got)
	}
	if got := readSnapshot(t, c.Path()); got != "numpy,requests" {
		t.Errorf("snapshot %q", got)
	}

	// Revalidation: 304 keeps the file and refreshes the age.
	now = now.Add(48 * time.Hour)
	res, err = c.Update(ctx)
	if err != nil || !res.NotModified {
		t.Fatalf("revalidation: %+v, %v", res, err)
	}
	m, err := c.ReadMeta()
	if err != nil || !m.FetchedAt.Equal(now) || m.ChangedAt.Equal(now) {
		t.Errorf("meta after 304: %+v, %v", m, err)
	}

	// A changed list replaces the snapshot.
	ix.body.Store(`{"meta":{"api-version":"1.1"},"projects":[{"name":"flask"}]}`)
	ix.etag.Store(`"v2"`)
	if _, err := c.Update(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readSnapshot(t, c.Path()); got != "flask" {
		t.Errorf("snapshot %q", got)
	}
}

// Failures of every kind leave the previous snapshot and its metadata.
func TestUpdateFailureKeepsSnapshot(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(ix *index)
		wantErr string
	}{
		{"truncated JSON", func(ix *index) { ix.body.Store(listV1[:40]) }, "project list"},
		{"empty list", func(ix *index) { ix.body.Store(`{"meta":{"api-version":"1.0"},"projects":[]}`) }, "no valid project names"},
		{"HTML page", func(ix *index) { ix.contentType = "text/html"; ix.body.Store("<html></html>") }, "not PEP 691"},
		{"server error", func(ix *index) { ix.status.Store(503) }, "503"},
		{"not found", func(ix *index) { ix.status.Store(404) }, "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, srv := newIndex(t, listV1)
			c := &Cache{Dir: t.TempDir(), URL: srv.URL + "/simple/", RetryBase: time.Millisecond}
			if _, err := c.Update(context.Background()); err != nil {
				t.Fatal(err)
			}
			before, _ := c.ReadMeta()
			ix.etag.Store(`"v2"`)
			tt.setup(ix)
			hits := ix.hits.Load()
			_, err := c.Update(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), srv.URL) {
				t.Fatalf("err = %v, want one naming the URL and containing %q", err, tt.wantErr)
			}
			if tt.name == "server error" && ix.hits.Load()-hits != retry.DefaultAttempts {
				t.Errorf("%d attempts on 503, want %d", ix.hits.Load()-hits, retry.DefaultAttempts)
			}
			if tt.name == "not found" && ix.hits.Load()-hits != 1 {
				t.Errorf("404 retried")
			}
			if got := readSnapshot(t, c.Path()); got != "numpy,requests" {
				t.Errorf("snapshot changed to %q", got)
			}
			if after, _ := c.ReadMeta(); after != before {
				t.Errorf("meta changed: %+v -> %+v", before, after)
			}
		})
	}
}

func TestOfflineAndMissing(t *testing.T) {
	c := &Cache{Dir: t.TempDir(), Offline: true, URL: "http://127.0.0.1:1/"}
	if _, err := c.Update(context.Background()); !errors.Is(err, ErrOffline) {
		t.Errorf("offline update: %v", err)
	}
	if _, err := c.ReadMeta(); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("ReadMeta of empty cache: %v", err)
	}
}
