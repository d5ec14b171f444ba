package pypinames

import (
	"context"
	"errors"
	"fmt"
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

	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/typosquat"
)

// topJSON is a ranking whose first rows are names (most downloaded first),
// padded with fillers to MinTopProjects rows.
func topJSON(names ...string) string {
	var b strings.Builder
	b.WriteString(`{"last_update":"2026-11-01 07:00:00","query":{"bytes_billed":1},"rows":[`)
	for i := 0; i < max(len(names), MinTopProjects); i++ {
		name := fmt.Sprintf("filler-%04d", i)
		if i < len(names) {
			name = names[i]
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"download_count":%d,"project":%q}`, 1_000_000-i, name)
	}
	b.WriteString("]}")
	return b.String()
}

// withFillers pads names with the fillers of topJSON.
func withFillers(names ...string) []string {
	for i := len(names); i < MinTopProjects; i++ {
		names = append(names, fmt.Sprintf("filler-%04d", i))
	}
	return names
}

func TestParseTopList(t *testing.T) {
	rows := func(rs ...string) string { return `{"rows":[` + strings.Join(rs, ",") + `]}` }
	fill := func(from int) []string {
		var out []string
		for i := from; i < MinTopProjects; i++ {
			out = append(out, fmt.Sprintf(`{"download_count":%d,"project":"filler-%04d"}`, 1000-i, i))
		}
		return out
	}
	tests := []struct {
		name        string
		in          string
		wantFirst   []string // the best-ranked names
		wantLen     int
		wantSkipped int
		wantLast    string // last_update
		wantErr     string
	}{
		{"real shape", topJSON("boto3", "urllib3", "requests"), []string{"boto3", "urllib3", "requests"}, MinTopProjects, 0, "2026-11-01 07:00:00", ""},
		{"names normalized", topJSON("Typing_Extensions", "zope.interface"), []string{"typing-extensions", "zope-interface"}, MinTopProjects, 0, "2026-11-01 07:00:00", ""},
		{"ranked by download count, ties keep file order", rows(append([]string{
			`{"download_count":5,"project":"low"}`, `{"download_count":5000,"project":"high"}`,
			`{"download_count":3000,"project":"mid-a"}`, `{"download_count":3000,"project":"mid-b"}`}, fill(4)...)...),
			[]string{"high", "mid-a", "mid-b", "filler-0004"}, MinTopProjects, 0, "", ""},
		{"duplicate keeps best rank", rows(append([]string{
			`{"download_count":10,"project":"Foo.Bar"}`, `{"download_count":2000,"project":"foo-bar"}`}, fill(1)...)...),
			[]string{"foo-bar", "filler-0001"}, MinTopProjects, 0, "", ""},
		{"extra fields ignored", `{"x":[1,{"y":null}],"last_update":"now","rows":[` + strings.Join(append([]string{
			`{"download_count":2000,"project":"a","extra":{"z":[]}}`}, fill(1)...), ",") + `],"query":{}}`,
			[]string{"a", "filler-0001"}, MinTopProjects, 0, "now", ""},
		{"one bad row in a hundred tolerated", rows(append([]string{`{"download_count":2000,"project":"-bad"}`}, fill(0)...)...),
			[]string{"filler-0000"}, MinTopProjects, 1, "", ""},
		{"many bad rows refused", rows(append([]string{`{"download_count":1,"project":"-bad"}`, `{"project":"nocount"}`,
			`{"download_count":-1,"project":"negative"}`, `{"download_count":1}`}, fill(0)...)...), nil, 0, 0, "", "has the format changed"},
		{"too short", rows(fill(10)...), nil, 0, 0, "", "want at least 100"},
		{"empty rows", `{"last_update":"x","rows":[]}`, nil, 0, 0, "", "0 projects"},
		{"no rows", `{"last_update":"x"}`, nil, 0, 0, "", "no rows array"},
		{"rows not array", `{"rows":{"project":"a"}}`, nil, 0, 0, "", `want "["`},
		{"truncated", topJSON("a")[:500], nil, 0, 0, "", "top-projects list"},
		{"name not string", rows(`{"download_count":1,"project":3}`), nil, 0, 0, "", "row 1 at byte"},
		{"count not integer", rows(`{"download_count":1.5,"project":"a"}`), nil, 0, 0, "", "row 1 at byte"},
		{"last_update not string", `{"last_update":1,"rows":[]}`, nil, 0, 0, "", "last_update"},
		{"trailing data", topJSON("a") + "{}", nil, 0, 0, "", "after the JSON object"},
		{"not an object", `[{"project":"a"}]`, nil, 0, 0, "", `want "{"`},
		{"html", `<!DOCTYPE html><html>`, nil, 0, 0, "", "top-projects list"},
		{"empty", ``, nil, 0, 0, "", "unexpected end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTopList(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Names[:len(tt.wantFirst)], tt.wantFirst) || len(got.Names) != tt.wantLen ||
				got.Skipped != tt.wantSkipped || got.LastUpdate != tt.wantLast {
				t.Errorf("first %v len %d skipped %d last_update %q, want %v %d %d %q",
					got.Names[:len(tt.wantFirst)], len(got.Names), got.Skipped, got.LastUpdate, tt.wantFirst, tt.wantLen, tt.wantSkipped, tt.wantLast)
			}
		})
	}
}

func FuzzParseTopList(f *testing.F) {
	f.Add(topJSON("boto3", "requests"))
	f.Add(`{"rows":[{"download_count":1,"project":"a"},{"project":"b"}],"last_update":"x"}`)
	f.Add(`{"rows":[{}],"q":{"a":[1,2]}}`)
	f.Fuzz(func(t *testing.T, in string) {
		start := time.Now()
		list, err := ParseTopList(strings.NewReader(in))
		budgettest.Check(t, len(in), start)
		if err != nil {
			return
		}
		if len(list.Names) < MinTopProjects {
			t.Fatalf("success with %d names", len(list.Names))
		}
		seen := map[string]bool{}
		for _, n := range list.Names {
			if seen[n] || !pep503.Valid(n) || pep503.Normalize(n) != n {
				t.Fatalf("bad or duplicate name %q", n)
			}
			seen[n] = true
		}
	})
}

// topServer serves a ranking with an ETag; status forces a response code.
type topServer struct {
	body   atomic.Value // string
	etag   atomic.Value // string
	status atomic.Int32
	hits   atomic.Int32
}

func newTopServer(t *testing.T, body string) (*topServer, *httptest.Server) {
	ts := &topServer{}
	ts.body.Store(body)
	ts.etag.Store(`"t1"`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.hits.Add(1)
		if s := ts.status.Load(); s != 0 {
			w.WriteHeader(int(s))
			return
		}
		etag := ts.etag.Load().(string)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", "Sun, 01 Nov 2026 07:00:00 GMT")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, ts.body.Load().(string))
	}))
	t.Cleanup(srv.Close)
	return ts, srv
}

// storedTop reads the stored list the way audit does.
func storedTop(t *testing.T, c *TopCache) []string {
	t.Helper()
	ref, err := typosquat.LoadReferenceFile(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range ref.Names() {
		if r, _ := ref.Rank(n); r != i+1 {
			t.Fatalf("%s has rank %d, want %d", n, r, i+1)
		}
	}
	return ref.Names()
}

func TestTopUpdate(t *testing.T) {
	ts, srv := newTopServer(t, topJSON("boto3", "Requests"))
	now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	c := &TopCache{Dir: t.TempDir(), URL: srv.URL + "/top.json", Now: func() time.Time { return now }, RetryBase: time.Millisecond}
	ctx := context.Background()

	res, err := c.Update(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := TopMeta{URL: srv.URL + "/top.json", ETag: `"t1"`, LastModified: "Sun, 01 Nov 2026 07:00:00 GMT", LastUpdate: "2026-11-01 07:00:00",
		FetchedAt: now, ChangedAt: now, Projects: MinTopProjects, Size: res.Meta.Size}
	if res.NotModified || res.Meta != want || res.Meta.Size == 0 {
		t.Errorf("first update %+v\nwant %+v", res, want)
	}
	if got := storedTop(t, c); !reflect.DeepEqual(got, withFillers("boto3", "requests")) {
		t.Errorf("stored %v", got[:3])
	}
	if m, err := c.ReadMeta(); err != nil || m != res.Meta {
		t.Errorf("ReadMeta %+v, %v", m, err)
	}

	// Revalidation: one 304, the file kept, the age refreshed.
	now = now.Add(72 * time.Hour)
	hits := ts.hits.Load()
	res, err = c.Update(ctx)
	if err != nil || !res.NotModified || ts.hits.Load()-hits != 1 {
		t.Fatalf("revalidation: %+v, %v, %d requests", res, err, ts.hits.Load()-hits)
	}
	if m, _ := c.ReadMeta(); !m.FetchedAt.Equal(now) || m.ChangedAt.Equal(now) || m.Projects != MinTopProjects {
		t.Errorf("meta after 304: %+v", m)
	}

	// A changed ranking replaces the list.
	ts.body.Store(topJSON("numpy", "boto3"))
	ts.etag.Store(`"t2"`)
	if res, err = c.Update(ctx); err != nil || res.NotModified || res.Meta.ETag != `"t2"` {
		t.Fatalf("changed list: %+v, %v", res, err)
	}
	if got := storedTop(t, c); !reflect.DeepEqual(got, withFillers("numpy", "boto3")) {
		t.Errorf("stored %v", got[:3])
	}

	// Another URL does not revalidate against this one's ETag.
	other := &TopCache{Dir: c.Dir, URL: srv.URL + "/other.json", RetryBase: time.Millisecond}
	if res, err := other.Update(ctx); err != nil || res.NotModified {
		t.Errorf("new URL: %+v, %v", res, err)
	}
}

// Failures of every kind leave the previous list and its metadata.
func TestTopUpdateFailureKeepsList(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(ts *topServer)
		wantErr string
		hits    int32
	}{
		{"truncated JSON", func(ts *topServer) { ts.body.Store(topJSON("x")[:300]) }, "top-projects list", 1},
		{"invalid JSON", func(ts *topServer) { ts.body.Store(`{"rows": [oops]}`) }, "invalid character", 1},
		{"empty rows", func(ts *topServer) { ts.body.Store(`{"last_update":"x","rows":[]}`) }, "want at least", 1},
		{"invalid names", func(ts *topServer) {
			ts.body.Store(strings.ReplaceAll(topJSON(), `"filler-00`, `"-filler-00`))
		}, "has the format changed", 1},
		{"HTML page", func(ts *topServer) { ts.body.Store("<html><body>moved</body></html>") }, "top-projects list", 1},
		{"server error retried", func(ts *topServer) { ts.status.Store(503) }, "503", retry.DefaultAttempts},
		{"not found not retried", func(ts *topServer) { ts.status.Store(404) }, "404", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, srv := newTopServer(t, topJSON("boto3", "requests"))
			c := &TopCache{Dir: t.TempDir(), URL: srv.URL + "/top.json", RetryBase: time.Millisecond}
			if _, err := c.Update(context.Background()); err != nil {
				t.Fatal(err)
			}
			before, _ := c.ReadMeta()
			ts.etag.Store(`"t2"`)
			tt.setup(ts)
			hits := ts.hits.Load()
			_, err := c.Update(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), srv.URL+"/top.json") {
				t.Fatalf("err = %v, want one naming the URL and containing %q", err, tt.wantErr)
			}
			if got := ts.hits.Load() - hits; got != tt.hits {
				t.Errorf("%d requests, want %d", got, tt.hits)
			}
			if got := storedTop(t, c); !reflect.DeepEqual(got, withFillers("boto3", "requests")) {
				t.Errorf("list changed to %v", got[:3])
			}
			if after, _ := c.ReadMeta(); after != before {
				t.Errorf("meta changed: %+v -> %+v", before, after)
			}
		})
	}
}

func TestTopOfflineUnreachableAndMissing(t *testing.T) {
	c := &TopCache{Dir: t.TempDir(), Offline: true, URL: "http://127.0.0.1:1/top.json"}
	if _, err := c.Update(context.Background()); !errors.Is(err, ErrTopOffline) {
		t.Errorf("offline update: %v", err)
	}
	if _, err := c.ReadMeta(); !errors.Is(err, ErrNoTopList) {
		t.Errorf("ReadMeta of empty cache: %v", err)
	}
	c.Offline, c.RetryBase = false, time.Millisecond
	if _, err := c.Update(context.Background()); err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:1/top.json") {
		t.Errorf("unreachable: %v", err)
	}
	if _, err := c.ReadMeta(); !errors.Is(err, ErrNoTopList) {
		t.Errorf("ReadMeta after a failed first update: %v", err)
	}
	// A cancelled context stops the retries.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Update(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// The update stores the list's compiled typo-squat index beside it, and a
// revalidation restores one that is missing (an older pyward wrote none).
func TestTopUpdateStoresIndex(t *testing.T) {
	_, srv := newTopServer(t, topJSON("boto3", "Requests"))
	c := &TopCache{Dir: t.TempDir(), URL: srv.URL + "/top.json", RetryBase: time.Millisecond}
	ctx := context.Background()
	idx := typosquat.IndexPath(c.Path())
	for _, step := range []string{"download", "revalidation"} {
		if _, err := c.Update(ctx); err != nil {
			t.Fatal(err)
		}
		bin, err := os.ReadFile(idx)
		if err != nil {
			t.Fatalf("%s: no compiled index: %v", step, err)
		}
		// The index holds exactly the list.
		indexed, err := typosquat.LoadReferenceFile(idx)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(idx); err != nil {
			t.Fatal(err)
		}
		parsed := storedTop(t, c)
		if !reflect.DeepEqual(indexed.Names(), parsed) || len(bin) == 0 {
			t.Errorf("%s: index holds %d names, the list %d", step, indexed.Len(), len(parsed))
		}
	}
}
