package osv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAdvisoryDatabase runs the engine over the whole pypa/advisory-database
// snapshot and checks hand-verified answers.
func TestAdvisoryDatabase(t *testing.T) {
	dir := needShared(t, advisoryDir)
	var files int
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			files++
		}
		return nil
	})
	db, errs, err := LoadDir(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("load error: %v", e)
	}
	if got := db.Len() + db.Withdrawn(); got != files {
		t.Errorf("compiled %d advisories + %d withdrawn, want all %d files", db.Len(), db.Withdrawn(), files)
	}
	if db.Withdrawn() != 10 {
		t.Errorf("withdrawn = %d, want the 10 in the snapshot", db.Withdrawn())
	}
	t.Logf("%d files: %d advisories over %d packages, %d withdrawn", files, db.Len(), db.Packages(), db.Withdrawn())

	tests := []struct {
		pkg, version string
		id           string // advisory (or alias) looked for
		affected     bool
		fixed        string // FixedAbove when affected
	}{
		// PYSEC-2018-28 (CVE-2018-18074): introduced 0, fixed 2.20.0.
		{"requests", "2.19.1", "PYSEC-2018-28", true, "2.20.0"},
		{"Requests", "2.19.1", "CVE-2018-18074", true, "2.20.0"},
		{"requests", "2.20.0", "PYSEC-2018-28", false, ""}, // exactly at fixed
		{"requests", "2.20", "PYSEC-2018-28", false, ""},   // 2.20 == 2.20.0
		{"requests", "2.20.0rc1", "PYSEC-2018-28", true, "2.20.0"},
		// PYSEC-2022-42969: introduced 0, last_affected 1.11.0 (inclusive).
		{"py", "1.11.0", "PYSEC-2022-42969", true, ""},
		{"py", "1.11.1", "PYSEC-2022-42969", false, ""},
		// PYSEC-2023-73 is withdrawn and must never match.
		{"redis", "4.5.4", "PYSEC-2023-73", false, ""},
		{"redis", "0.6.0", "PYSEC-2023-73", false, ""},
	}
	for _, tt := range tests {
		fs := db.Query(tt.pkg, tt.version)
		f := findID(fs, tt.id)
		if (f != nil) != tt.affected {
			t.Errorf("%s %s: %s matched=%v, want %v (findings %v)", tt.pkg, tt.version, tt.id, f != nil, tt.affected, ids(fs))
			continue
		}
		if f != nil && f.FixedAbove() != tt.fixed {
			t.Errorf("%s %s: %s FixedAbove=%q, want %q (fixed %v)", tt.pkg, tt.version, tt.id, f.FixedAbove(), tt.fixed, f.FixedVersions)
		}
	}
	f := findID(db.Query("requests", "2.19.1"), "PYSEC-2018-28")
	if want := []string{"CVE-2018-18074", "GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"}; f == nil || !slices.Equal(f.IDs, want) {
		t.Errorf("PYSEC-2018-28 IDs: %+v, want %v", f, want)
	}
	// Every record's own explicit versions must match its own advisory:
	// a global self-consistency check of parsing, keys and matching.
	recs, _, err := ReadDir(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// Every CVSS v3 vector in the snapshot must score.
	var vectors int
	for _, r := range recs {
		for _, sev := range r.Severity {
			if sev.Type == "CVSS_V3" {
				vectors++
				if s, err := CVSS3BaseScore(sev.Score); err != nil || s <= 0 {
					t.Errorf("%s: %s: score %v, %v", r.ID, sev.Score, s, err)
				}
			}
		}
	}
	if vectors < 200 {
		t.Errorf("only %d CVSS_V3 vectors seen, want the ~202 of the snapshot", vectors)
	}

	// Ranges whose bounds are not PEP 440 cannot be evaluated; list them so
	// a change in the data or the parser shows up.
	var unevaluable []string
	for _, r := range recs {
		for _, a := range r.Affected {
			for _, rg := range a.Ranges {
				if rg.Type != RangeEcosystem {
					continue
				}
				var evs []event
				for _, e := range rg.Events {
					for k, v := range map[byte]string{evIntroduced: e.Introduced, evFixed: e.Fixed, evLastAffected: e.LastAffected, evLimit: e.Limit} {
						if v != "" {
							evs = append(evs, event{k, v})
						}
					}
				}
				if _, ok := parseRange(evs, newFixedVersion); !ok {
					unevaluable = append(unevaluable, r.ID)
				}
			}
		}
	}
	t.Logf("%d ECOSYSTEM ranges with non-PEP 440 bounds (versions lists decide): %v", len(unevaluable), unevaluable)

	type pv struct{ pkg, version string }
	want := map[pv][]string{}
	for _, r := range recs {
		if !r.Withdrawn.IsZero() {
			continue
		}
		for _, a := range r.Affected {
			for _, v := range a.Versions {
				k := pv{a.Package.Name, v}
				want[k] = append(want[k], r.ID)
			}
		}
	}
	var checked int
	for k, advs := range want {
		fs := db.Query(k.pkg, k.version)
		for _, id := range advs {
			checked++
			if findID(fs, id) == nil {
				t.Errorf("%s: listed version %s %s does not match", id, k.pkg, k.version)
			}
		}
	}
	t.Logf("%d listed versions matched their advisory", checked)
}

func TestLoadCorruptFileDoesNotHideOthers(t *testing.T) {
	good := `{"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.0"]}]}`
	good2 := "id: PYSEC-2\nmodified: 2024-01-01T00:00:00Z\naffected:\n- package: {ecosystem: PyPI, name: demo}\n  versions: ['1.0']\n"
	files := map[string]string{
		"a/good.json":       good,
		"b/good2.yml":       good2,
		"a/broken.json":     `{"id": "PYSEC-3", "affected": [`,
		"b/broken.yaml":     "id: PYSEC-4\naffected:\n  - package: [unclosed\n",
		"c/noid.json":       `{"modified": "2024-01-01T00:00:00Z"}`,
		"c/badtime.yaml":    "id: PYSEC-5\nmodified: yesterday\n",
		"c/twokinds.json":   `{"id": "PYSEC-6", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}]}]}`,
		"c/README.md":       "not a record",
		".git/objects.json": "{",
		"c/wrongtype.json":  `{"id": "PYSEC-7", "aliases": "CVE-1"}`,
	}
	wantBad := []string{"broken.json", "broken.yaml", "noid.json", "badtime.yaml", "twokinds.json", "wrongtype.json"}
	check := func(t *testing.T, db *DB, errs []error) {
		if got := ids(db.Query("demo", "1.0")); !slices.Equal(got, []string{"PYSEC-1", "PYSEC-2"}) {
			t.Errorf("good advisories: %v, want PYSEC-1 and PYSEC-2", got)
		}
		if len(errs) != len(wantBad) {
			t.Errorf("%d errors, want %d: %v", len(errs), len(wantBad), errs)
		}
		for _, e := range errs {
			var pe *ParseError
			if !errors.As(e, &pe) {
				t.Errorf("%v is not a *ParseError", e)
				continue
			}
			if !slices.ContainsFunc(wantBad, func(b string) bool { return strings.HasSuffix(pe.File, b) }) {
				t.Errorf("unexpected error for %s: %v", pe.File, e)
			}
		}
	}
	t.Run("dir", func(t *testing.T) {
		db, errs, err := Load(t.Context(), writeFiles(t, files))
		if err != nil {
			t.Fatal(err)
		}
		check(t, db, errs)
	})
	t.Run("zip", func(t *testing.T) {
		z := writeZip(t, files)
		db, errs, err := Load(t.Context(), z)
		if err != nil {
			t.Fatal(err)
		}
		// .git/ is only special in directories; inside a zip it is a member.
		errs = slices.DeleteFunc(errs, func(e error) bool { return strings.Contains(e.Error(), ".git/objects.json") })
		check(t, db, errs)
		for _, e := range errs {
			if !strings.Contains(e.Error(), "all.zip!") {
				t.Errorf("zip member error does not name archive!member: %v", e)
			}
		}
	})
}

func TestLoadZipOSVExport(t *testing.T) {
	// The OSV bulk export holds one <ID>.json per advisory at the root.
	z := writeZip(t, map[string]string{
		"PYSEC-2018-28.json": `{"id":"PYSEC-2018-28","modified":"2021-06-16T00:03:24.800813Z","aliases":["CVE-2018-18074","GHSA-x84v-xcm2-53pg"],
			"affected":[{"package":{"name":"requests","ecosystem":"PyPI","purl":"pkg:pypi/requests"},
			"ranges":[{"type":"GIT","repo":"https://github.com/requests/requests","events":[{"introduced":"0"},{"fixed":"c45d7c49ea75133e52ab22a8e9e13173938e36ff"}]},
			{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.20.0"}]}]}],"schema_version":"1.6.0"}`,
		"GHSA-x84v-xcm2-53pg.json": `{"id":"GHSA-x84v-xcm2-53pg","modified":"2023-11-08T03:58:37Z","aliases":["CVE-2018-18074"],
			"summary":"Insufficiently Protected Credentials in Requests",
			"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
			"affected":[{"package":{"ecosystem":"PyPI","name":"requests"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.20.0"}]}]}],
			"database_specific":{"severity":"HIGH"}}`,
	})
	db, errs, err := LoadZip(t.Context(), z)
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	fs := db.Query("requests", "2.19.1")
	if len(fs) != 1 {
		t.Fatalf("findings %+v, want one merged", fs)
	}
	f := fs[0]
	if f.ID != "GHSA-x84v-xcm2-53pg" || f.Severity != LevelHigh || f.Score != 7.5 || !slices.Equal(f.FixedVersions, []string{"2.20.0"}) {
		t.Errorf("finding %+v", f)
	}
	if _, _, err := LoadZip(t.Context(), filepath.Join(t.TempDir(), "missing.zip")); err == nil {
		t.Error("missing archive: no error")
	}
	notZip := filepath.Join(t.TempDir(), "x.zip")
	os.WriteFile(notZip, []byte("not a zip"), 0o644)
	if _, _, err := LoadZip(t.Context(), notZip); err == nil {
		t.Error("non-zip archive: no error")
	}
}

func TestLoadCanceled(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.json": `{"id": "X", "modified": "2024-01-01T00:00:00Z"}`})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := LoadDir(ctx, dir); err == nil {
		t.Error("canceled context: no error")
	}
}
