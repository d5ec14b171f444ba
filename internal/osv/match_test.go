package osv

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// rangeRecord builds a one-package record with a single ECOSYSTEM range
// whose events are given as "kind:version" and optional explicit versions.
func rangeRecord(t *testing.T, id string, events []string, versions []string) *Record {
	t.Helper()
	var evs []string
	for _, e := range events {
		k, v, _ := strings.Cut(e, ":")
		evs = append(evs, fmt.Sprintf(`{%q: %q}`, k, v))
	}
	vs := make([]string, len(versions))
	for i, v := range versions {
		vs[i] = fmt.Sprintf("%q", v)
	}
	return mustParse(t, fmt.Sprintf(`{"id": %q, "modified": "2024-01-01T00:00:00Z",
		"affected": [{"package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
			"ranges": [{"type": "ECOSYSTEM", "events": [%s]}],
			"versions": [%s]}]}`, id, strings.Join(evs, ","), strings.Join(vs, ",")))
}

func TestRangeEvaluation(t *testing.T) {
	tests := []struct {
		name     string
		events   []string
		versions []string
		affected []string
		clean    []string
	}{
		{
			name:     "introduced 0, fixed",
			events:   []string{"introduced:0", "fixed:2.20.0"},
			affected: []string{"0.0.1", "2.19.1", "2.20.0rc1", "2.20.0.dev0", "0.1", "0.dev0", "0a1"},
			clean:    []string{"2.20.0", "2.20", "2.20.0.post1", "2.20.1", "3", "1!0.1"},
		},
		{
			name:     "fixed is exclusive",
			events:   []string{"introduced:1.0", "fixed:1.5"},
			affected: []string{"1.0", "1.0.0", "1.4.99", "1.5rc1"},
			clean:    []string{"0.9", "1.0rc1", "1.5", "1.5.0", "2.0"},
		},
		{
			name:     "last_affected is inclusive",
			events:   []string{"introduced:0", "last_affected:1.11.0"},
			affected: []string{"1.11.0", "1.11", "1.11.0+local", "1.10"},
			clean:    []string{"1.11.0.post1", "1.11.1", "1.12"},
		},
		{
			name:     "events in any order",
			events:   []string{"fixed:2.0", "introduced:1.0", "fixed:4.0", "introduced:3.0"},
			affected: []string{"1.0", "1.9", "3.0", "3.9"},
			clean:    []string{"0.9", "2.0", "2.5", "4.0", "5"},
		},
		{
			name:     "introduced without fix affects everything after",
			events:   []string{"introduced:2.0"},
			affected: []string{"2.0", "99"},
			clean:    []string{"1.9", "2.0rc1"},
		},
		{
			name:     "limit bounds the range",
			events:   []string{"introduced:0", "limit:3.0"},
			affected: []string{"1.0", "2.9"},
			clean:    []string{"3.0", "4"},
		},
		{
			name:     "limit with fix",
			events:   []string{"introduced:1.0", "fixed:1.2", "limit:2.0"},
			affected: []string{"1.1"},
			clean:    []string{"1.2", "1.9", "2.5"},
		},
		{
			name:     "introduced equals fixed: nothing",
			events:   []string{"introduced:1.0", "fixed:1.0"},
			affected: nil,
			clean:    []string{"0.9", "1.0", "1.1"},
		},
		{
			name:     "pre-release bounds",
			events:   []string{"introduced:2.0a1", "fixed:2.0rc2"},
			affected: []string{"2.0a1", "2.0b3", "2.0rc1"},
			clean:    []string{"2.0.dev5", "2.0rc2", "2.0"},
		},
		{
			name:     "epochs",
			events:   []string{"introduced:0", "fixed:1!1.0"},
			affected: []string{"2024.1", "1!0.9"},
			clean:    []string{"1!1.0", "1!2"},
		},
		{
			name:     "explicit versions only, normalized comparison",
			events:   nil,
			versions: []string{"1.0.0", "1.2", "2.0-rc1", "legacy-Version"},
			affected: []string{"1.0", "1", "1.0.0", "v1.0", "1.2.0", "2.0rc1", "2.0.0c1", "LEGACY-version"},
			clean:    []string{"1.0.1", "1.1", "2.0", "1.0.post0"},
		},
		{
			name:     "versions list complements the range",
			events:   []string{"introduced:1.0", "fixed:1.1"},
			versions: []string{"0.5"},
			affected: []string{"0.5", "1.0"},
			clean:    []string{"0.6", "1.1"},
		},
		{
			name:     "unparsable range bound: only the list applies",
			events:   []string{"introduced:0", "fixed:not a version"},
			versions: []string{"1.0"},
			affected: []string{"1.0"},
			clean:    []string{"0.5", "2.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := Build([]*Record{rangeRecord(t, "PYSEC-0000-1", tt.events, tt.versions)})
			for _, v := range tt.affected {
				if fs := db.Query("demo-pkg", v); len(fs) != 1 {
					t.Errorf("%s: %d findings, want affected", v, len(fs))
				}
			}
			for _, v := range tt.clean {
				if fs := db.Query("demo-pkg", v); len(fs) != 0 {
					t.Errorf("%s: affected by %v, want clean", v, ids(fs))
				}
			}
		})
	}
}

func TestNameNormalizationAndEcosystem(t *testing.T) {
	rec := mustParse(t, `{"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z", "affected": [
		{"package": {"ecosystem": "PyPI", "name": "Zope.Interface"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]},
		{"package": {"ecosystem": "npm", "name": "leftpad"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]},
		{"package": {"ecosystem": "PyPI", "name": "gitonly"}, "ranges": [{"type": "GIT", "repo": "r", "events": [{"introduced": "0"}]}]}]}`)
	db := Build([]*Record{rec})
	for _, n := range []string{"zope.interface", "ZOPE_INTERFACE", "zope-interface", "zope__interface"} {
		if len(db.Query(n, "5.0")) != 1 {
			t.Errorf("%s: not matched", n)
		}
	}
	if len(db.Query("leftpad", "1.0")) != 0 {
		t.Error("npm entry matched a PyPI query")
	}
	if len(db.Query("gitonly", "1.0")) != 0 {
		t.Error("GIT range matched a release")
	}
	if len(db.Query("zopeinterface", "1.0")) != 0 {
		t.Error("different name matched")
	}
}

func TestWithdrawnNeverMatches(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"withdrawn.yaml": `id: PYSEC-2099-1
modified: 2024-01-01T00:00:00Z
withdrawn: '2024-02-01T00:00:00Z'
affected:
- package: {ecosystem: PyPI, name: demo}
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: '0'
  versions: ['1.0']
`,
		"live.yaml": `id: PYSEC-2099-2
modified: 2024-01-01T00:00:00Z
affected:
- package: {ecosystem: PyPI, name: demo}
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: '0'
    - fixed: '1.0'
`,
	})
	db, errs, err := LoadDir(t.Context(), dir)
	if err != nil || len(errs) != 0 {
		t.Fatal(err, errs)
	}
	if db.Len() != 1 || db.Withdrawn() != 1 {
		t.Errorf("Len=%d Withdrawn=%d, want 1 and 1", db.Len(), db.Withdrawn())
	}
	if got := ids(db.Query("demo", "0.5")); !slices.Equal(got, []string{"PYSEC-2099-2"}) {
		t.Errorf("0.5: %v, want only the live advisory", got)
	}
	if got := db.Query("demo", "1.0"); len(got) != 0 {
		t.Errorf("1.0: %v, want none (withdrawn lists 1.0)", ids(got))
	}
}

func TestAliasMerging(t *testing.T) {
	recs := []*Record{
		mustParse(t, `{"id": "PYSEC-2021-1", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2021-1"],
			"affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5"}]}]}]}`),
		mustParse(t, `{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2021-1"],
			"summary": "Demo RCE",
			"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
			"affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5.1"}]}]}]}`),
		// Connected only through GHSA's ID: the alias graph is transitive.
		mustParse(t, `{"id": "OSV-2021-9", "modified": "2024-01-01T00:00:00Z", "aliases": ["GHSA-aaaa-bbbb-cccc"],
			"affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.0"]}]}`),
		// Unrelated advisory of the same package.
		mustParse(t, `{"id": "PYSEC-2022-7", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2022-7"],
			"database_specific": {"severity": "MODERATE"},
			"affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}`),
		// Same CVE in another project: must not merge across packages.
		mustParse(t, `{"id": "PYSEC-2021-2", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2021-1"],
			"affected": [{"package": {"ecosystem": "PyPI", "name": "other"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}`),
	}
	db := Build(recs)
	fs := db.Query("demo", "1.0")
	if len(fs) != 2 {
		t.Fatalf("got %d findings %v, want 2", len(fs), ids(fs))
	}
	f := fs[0] // sorted worst first: the merged CVSS 9.8 one
	wantIDs := []string{"CVE-2021-1", "GHSA-aaaa-bbbb-cccc", "OSV-2021-9", "PYSEC-2021-1"}
	if f.ID != "GHSA-aaaa-bbbb-cccc" || !slices.Equal(f.IDs, wantIDs) {
		t.Errorf("merged finding ID=%s IDs=%v, want GHSA-aaaa-bbbb-cccc %v", f.ID, f.IDs, wantIDs)
	}
	if f.Severity != LevelCritical || f.Score != 9.8 || f.Summary != "Demo RCE" {
		t.Errorf("merged severity %v %.1f summary %q", f.Severity, f.Score, f.Summary)
	}
	if !slices.Equal(f.FixedVersions, []string{"1.5", "1.5.1"}) || f.FixedAbove() != "1.5" {
		t.Errorf("FixedVersions %v FixedAbove %q", f.FixedVersions, f.FixedAbove())
	}
	g := fs[1]
	if g.ID != "PYSEC-2022-7" || g.Severity != LevelMedium || g.Score != 0 {
		t.Errorf("second finding %+v, want PYSEC-2022-7 medium from text", g)
	}
	// At 1.5 only GHSA still matches; the finding still lists the group.
	fs = db.Query("demo", "1.5")
	if f := findID(fs, "GHSA-aaaa-bbbb-cccc"); f == nil || !slices.Equal(f.IDs, wantIDs) || !slices.Equal(f.FixedVersions, []string{"1.5.1"}) {
		t.Errorf("1.5: %+v", fs)
	}
	other := db.Query("other", "1")
	if len(other) != 1 || !slices.Equal(other[0].IDs, []string{"CVE-2021-1", "PYSEC-2021-2"}) {
		t.Errorf("other: %+v, want only its own IDs", other)
	}
}

func TestMaliciousPackage(t *testing.T) {
	// Shape of an OpenSSF malicious-packages report (ossf/malicious-packages).
	mal := `{
  "modified": "2024-05-01T10:00:00Z",
  "published": "2024-05-01T10:00:00Z",
  "schema_version": "1.5.0",
  "id": "MAL-2024-1234",
  "summary": "Malicious code in reqeusts (PyPI)",
  "details": "\n---\n_-= Per source details. Do not edit below this line.=-_\n",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "reqeusts"},
    "versions": ["0.0.1"],
    "database_specific": {"cwes": [{"cweId": "CWE-506", "name": "Embedded Malicious Code"}]}}],
  "database_specific": {"malicious-packages-origins": [{"source": "ghsa-malware", "sha256": "abc"}]}
}`
	noPrefix := `{"id": "GHSA-mal0-0000-0000", "modified": "2024-01-01T00:00:00Z",
		"database_specific": {"malicious-packages-origins": [{"source": "x"}]},
		"affected": [{"package": {"ecosystem": "PyPI", "name": "evil"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.1"}]}]}]}`
	db := Build([]*Record{mustParse(t, mal), mustParse(t, noPrefix)})
	for _, v := range []string{"0.0.1", "9.9.9", "not-a-version"} {
		fs := db.Query("Reqeusts", v)
		if len(fs) != 1 || !fs[0].Malicious || fs[0].Severity != LevelCritical || fs[0].ID != "MAL-2024-1234" {
			t.Errorf("reqeusts %s: %+v, want one malicious critical finding", v, fs)
		}
	}
	if fs := db.Query("evil", "5"); len(fs) != 1 || !fs[0].Malicious {
		t.Errorf("evil: %+v, want malicious via malicious-packages-origins", fs)
	}
	if fs := db.Query("requests", "1.0"); len(fs) != 0 {
		t.Errorf("requests matched a MAL report for reqeusts")
	}
}

func TestSeverityChoice(t *testing.T) {
	tests := []struct {
		name, extra string
		want        Level
		score       float64
	}{
		{"cvss v3 vector", `"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}]`, LevelMedium, 6.1},
		{"vector beats text", `"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}], "database_specific": {"severity": "LOW"}`, LevelHigh, 7.5},
		{"cvss v4 vector beats text", `"severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}], "database_specific": {"severity": "LOW"}`, LevelCritical, 9.3},
		{"v4 preferred to v3", `"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}, {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H"}]`, LevelHigh, 7.9},
		{"bad v4 falls back to v3", `"severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N"}, {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}]`, LevelMedium, 6.1},
		{"bad vector falls back to text", `"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/garbage"}], "database_specific": {"severity": "HIGH"}`, LevelHigh, 0},
		{"nothing", ``, LevelUnknown, 0},
	}
	for _, tt := range tests {
		extra := tt.extra
		if extra != "" {
			extra += ","
		}
		rec := mustParse(t, `{"id": "X-1", "modified": "2024-01-01T00:00:00Z", `+extra+`
			"affected": [{"package": {"ecosystem": "PyPI", "name": "p"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}`)
		fs := Build([]*Record{rec}).Query("p", "1")
		if len(fs) != 1 || fs[0].Severity != tt.want || fs[0].Score != tt.score {
			t.Errorf("%s: %+v, want %v %.1f", tt.name, fs, tt.want, tt.score)
		}
	}
}

func TestFixedAbove(t *testing.T) {
	f := Finding{Version: "2.1", FixedVersions: []string{"1.5", "2.0.3", "2.3", "3.0"}}
	if got := f.FixedAbove(); got != "2.3" {
		t.Errorf("FixedAbove = %q, want 2.3", got)
	}
	f.Version = "3.0"
	if got := f.FixedAbove(); got != "" {
		t.Errorf("FixedAbove past every fix = %q, want empty", got)
	}
}

func TestSortVersions(t *testing.T) {
	got := sortVersions([]string{"1.10", "1.9", "1.10.0", "2.0rc1", "zzz", "1.0.post1", "1.0"})
	want := []string{"1.0", "1.0.post1", "1.9", "1.10", "2.0rc1", "zzz"}
	if !slices.Equal(got, want) {
		t.Errorf("sortVersions = %v, want %v", got, want)
	}
}

func TestVersionKey(t *testing.T) {
	// simpleKey must agree with the canonical form for every input it takes.
	for _, v := range []string{"1", "1.0", "1.0.0", "0", "0.0", "10.0.01", "01.2", "1.2.0", "1..2", "1.", ".1", "2.10.0", "0.10", "100.0.0.0", "1.0a1", "V1.0", " 1.0 ", "1.0.post0", "2!1.0"} {
		want := strings.ToLower(strings.TrimSpace(pep440.Canonicalize(v, true)))
		if got := versionKey(v); got != want {
			t.Errorf("versionKey(%q) = %q, want %q", v, got, want)
		}
	}
}

func FuzzVersionKey(f *testing.F) {
	f.Add("1.0.0")
	f.Add("01.0")
	f.Fuzz(func(t *testing.T, v string) {
		want := strings.ToLower(strings.TrimSpace(pep440.Canonicalize(v, true)))
		start := time.Now()
		got := versionKey(v)
		budgettest.Check(t, len(v), start)
		if got != want {
			t.Fatalf("versionKey(%q) = %q, want %q", v, got, want)
		}
	})
}

// TestConcurrentQueries exercises the lazy per-package preparation from
// many goroutines (run with -race).
func TestConcurrentQueries(t *testing.T) {
	db := Build([]*Record{
		rangeRecord(t, "PYSEC-1", []string{"introduced:0", "fixed:2.0"}, nil),
		rangeRecord(t, "PYSEC-2", []string{"introduced:1.0", "last_affected:1.5"}, []string{"0.1"}),
	})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := []string{"1.2", "0.1", "3.0"}[i%3]
			want := map[string]int{"1.2": 2, "0.1": 2, "3.0": 0}[v]
			if got := len(db.Query("demo-pkg", v)); got != want {
				t.Errorf("%s: %d findings, want %d", v, got, want)
			}
		}()
	}
	wg.Wait()
}
