package vet

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/testindex"
)

// now is the fixed "today" of the tests.
var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// requestsDescription is the opening of requests' real long description,
// which look-alikes copy verbatim.
const requestsDescription = `# Requests

**Requests** is a simple, yet elegant, HTTP library.

Requests allows you to send HTTP/1.1 requests extremely easily. There's no need to manually add query strings to your URLs, or to form-encode your PUT & POST data.
`

// meta renders core metadata 2.1 the way real wheels carry it.
func meta(name, version, summary, author, email string, urls map[string]string, description string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n", name, version, summary)
	if author != "" {
		fmt.Fprintf(&b, "Author: %s\nAuthor-email: %s\n", author, email)
	}
	keys := make([]string, 0, len(urls))
	for k := range urls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "Home-page" {
			fmt.Fprintf(&b, "Home-page: %s\n", urls[k])
		} else {
			fmt.Fprintf(&b, "Project-URL: %s, %s\n", k, urls[k])
		}
	}
	fmt.Fprintf(&b, "Requires-Python: >=3.8\nDescription-Content-Type: text/markdown\n\n%s", description)
	return []byte(b.String())
}

// releases publishes n versions of a project, one a month back from last.
func releases(name string, n int, last time.Time, md func(version string) []byte, prov bool) []testindex.Dist {
	var ds []testindex.Dist
	for i := range n {
		v := fmt.Sprintf("2.%d.0", i)
		d := testindex.Dist{Name: name, Version: v, UploadTime: last.AddDate(0, i-n+1, 0), RawMetadata: md(v)}
		if prov && i == n-1 {
			d.Provenance = []byte(`{"version": 1, "attestation_bundles": []}`)
		}
		ds = append(ds, d)
	}
	return ds
}

// realisticIndex serves requests (established, with provenance), a
// day-old copy of it under a look-alike name, an established neighbour
// and a quarantined project.
func realisticIndex(t *testing.T) (*index.Client, func()) {
	t.Helper()
	reqURLs := map[string]string{"Home-page": "https://requests.readthedocs.io", "Source": "https://github.com/psf/requests", "Documentation": "https://requests.readthedocs.io"}
	var dists []testindex.Dist
	dists = append(dists, releases("requests", 30, now.AddDate(0, -2, 0), func(v string) []byte {
		return meta("requests", v, "Python HTTP for Humans.", "Kenneth Reitz", "me@kennethreitz.org", reqURLs, requestsDescription)
	}, true)...)
	dists = append(dists, testindex.Dist{Name: "reqeusts", Version: "99.0.1", UploadTime: now.Add(-26 * time.Hour),
		RawMetadata: meta("reqeusts", "99.0.1", "Python HTTP for Humans.", "Kenneth Reitz", "me@kennethreitz.org",
			map[string]string{"Source": "https://github.com/psf/requests.git"}, requestsDescription)})
	dists = append(dists, releases("requestx", 14, now.AddDate(-1, 0, 0), func(v string) []byte {
		return meta("requestx", v, "Requests with retries and tracing", "Ada Lovelace", "ada@example.org",
			map[string]string{"Source": "https://github.com/ada/requestx"}, "An unrelated project with its own text.")
	}, false)...)
	dists = append(dists, testindex.Dist{Name: "reqursts", Version: "0.1", UploadTime: now.AddDate(0, 0, -3),
		RawMetadata: meta("reqursts", "0.1", "x", "", "", nil, "")})
	ix, err := testindex.New(dists, testindex.Options{Status: map[string]testindex.ProjectStatus{"reqursts": {Status: "quarantined", Reason: "malware report"}}})
	if err != nil {
		t.Fatal(err)
	}
	base := ix.Start()
	u, _ := url.Parse(base)
	c, err := index.New(index.Options{Sources: []index.Source{{Name: "test", URL: base}}, TrustedHosts: []string{u.Host}, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	return c, func() { c.Close(); ix.Close() }
}

func TestLookupFacts(t *testing.T) {
	c, done := realisticIndex(t)
	defer done()
	ctx := context.Background()
	req, err := Lookup(ctx, c, "Requests")
	if err != nil {
		t.Fatal(err)
	}
	if !req.Exists || req.Releases != 30 || req.Latest != "2.29.0" || !req.Provenance || req.Summary != "Python HTTP for Humans." ||
		req.Author != "Kenneth Reitz" || !slices.Contains(req.URLs, "https://github.com/psf/requests") || req.MetadataErr != nil {
		t.Errorf("requests facts: %+v", req)
	}
	if want := now.AddDate(0, -2-29, 0); !req.FirstUpload.Equal(want) {
		t.Errorf("first upload %v, want %v", req.FirstUpload, want)
	}
	squat, err := Lookup(ctx, c, "reqeusts")
	if err != nil {
		t.Fatal(err)
	}
	if !squat.Exists || squat.Releases != 1 || squat.Latest != "99.0.1" || squat.Provenance || !squat.FirstUpload.Equal(now.Add(-26*time.Hour)) {
		t.Errorf("reqeusts facts: %+v", squat)
	}
	q, _ := Lookup(ctx, c, "reqursts")
	if q.Status != "quarantined" || q.StatusReason != "malware report" {
		t.Errorf("reqursts status %q %q", q.Status, q.StatusReason)
	}
	none, err := Lookup(ctx, c, "requets")
	if err != nil || none.Exists {
		t.Errorf("unclaimed name: %+v, %v", none, err)
	}
}

func TestAssessAgainstTestIndex(t *testing.T) {
	c, done := realisticIndex(t)
	defer done()
	ctx := context.Background()
	target, err := Lookup(ctx, c, "requests")
	if err != nil {
		t.Fatal(err)
	}
	rank := func(n string) (int, bool) {
		r, ok := map[string]int{"requests": 6, "numpy": 3}[n]
		return r, ok
	}
	tests := []struct {
		name    string
		score   float64 // the name finding's score
		level   Level
		signals []string
	}{
		{"reqeusts", 0.6, LevelHigh, []string{SignalYoung, SignalSingle, SignalCopied, SignalVersionAbove, SignalNoProvenance, SignalStarjacking}},
		{"requestx", 0.6, LevelInfo, []string{SignalEstablished, SignalNoProvenance}},
		{"reqursts", 0.6, LevelHigh, []string{SignalQuarantined, SignalYoung, SignalSingle, SignalNoProvenance}},
		{"requets", 0.6, LevelInfo, nil}, // unclaimed: no project signals, the name verdict stands alone
	}
	for _, tt := range tests {
		cand, err := Lookup(ctx, c, tt.name)
		if err != nil {
			t.Fatal(err)
		}
		v := Assess(Input{NameScore: tt.score, Candidate: cand, Target: target, Now: now, Rank: rank})
		var ids []string
		for _, s := range v.Signals {
			ids = append(ids, s.ID)
			if s.Why == "" {
				t.Errorf("%s: signal %s without a reason", tt.name, s.ID)
			}
		}
		slices.Sort(ids)
		slices.Sort(tt.signals)
		if v.Level != tt.level || !slices.Equal(ids, tt.signals) {
			t.Errorf("%s: level %s score %.2f signals %v, want %s %v", tt.name, v.Level, v.Score, v.Signals, tt.level, tt.signals)
		}
	}
}

func TestAssessSignals(t *testing.T) {
	target := &Facts{Name: "numpy", Exists: true, Latest: "2.1.0", Summary: "Fundamental package for array computing in Python",
		URLs: []string{"https://github.com/numpy/numpy"}, Provenance: true}
	rank := func(n string) (int, bool) {
		r, ok := map[string]int{"numpy": 3, "pandas": 9}[n]
		return r, ok
	}
	day := 24 * time.Hour
	tests := []struct {
		name string
		cand Facts
		want string // the one signal expected
		why  string // a part of its reason
	}{
		{"recent", Facts{Name: "nunpy", Exists: true, FirstUpload: now.Add(-100 * day), Releases: 5, Latest: "1.0", Provenance: true}, SignalRecent, "100 days ago"},
		{"few releases", Facts{Name: "nunpy", Exists: true, FirstUpload: now.Add(-400 * day), Releases: 3, Latest: "1.0", Provenance: true}, SignalFew, "3 releases"},
		{"summary copied, case and spaces aside", Facts{Name: "nunpy", Exists: true, Releases: 5, Latest: "1.0", Provenance: true, Summary: "fundamental package  for array computing in python"}, SignalCopied, "summary"},
		{"starjacking another popular project", Facts{Name: "nunpy", Exists: true, Releases: 5, Latest: "1.0", Provenance: true, URLs: []string{"https://www.github.com/pandas-dev/pandas/"}}, SignalStarjacking, "named like pandas (download rank 9)"},
		{"own repository named like itself", Facts{Name: "nunpy", Exists: true, Releases: 5, Latest: "1.0", Provenance: true, URLs: []string{"https://gitlab.com/me/nunpy"}}, "", ""},
		{"version within reach", Facts{Name: "nunpy", Exists: true, Releases: 5, Latest: "6.9", Provenance: true}, "", ""},
		{"version far above", Facts{Name: "nunpy", Exists: true, Releases: 5, Latest: "7.0", Provenance: true}, SignalVersionAbove, "far above numpy's 2.1.0"},
		{"provenance missing", Facts{Name: "nunpy", Exists: true, Releases: 5, Latest: "1.0"}, SignalNoProvenance, "publishes provenance"},
		{"short descriptions are shared by chance", Facts{Name: "nunpy", Exists: true, Releases: 5, Latest: "1.0", Provenance: true, Description: "A Python library"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt := *target
			tgt.Description = "A Python library"
			v := Assess(Input{NameScore: 0.5, Candidate: &tt.cand, Target: &tgt, Now: now, Rank: rank})
			var got []string
			for _, s := range v.Signals {
				got = append(got, s.ID)
			}
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("signals %v, want none", v.Signals)
			case tt.want != "" && (len(got) != 1 || got[0] != tt.want || !strings.Contains(v.Signals[0].Why, tt.why)):
				t.Errorf("signals %+v, want only %s mentioning %q", v.Signals, tt.want, tt.why)
			}
			if v.Score < 0 || v.Score > 1 {
				t.Errorf("score %v out of range", v.Score)
			}
		})
	}
}
