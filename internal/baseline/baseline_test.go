package baseline

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/report"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func vuln(pkg, version, id string, aliases ...string) audit.Finding {
	return audit.Finding{Kind: audit.KindVulnerability, Rule: "vulnerability", Severity: audit.SeverityHigh,
		Package: pkg, Version: version, ID: id, Aliases: aliases, Title: id + " in " + pkg, File: "requirements.txt", Line: 3}
}

func pkgFinding(kind audit.Kind, rule, pkg, version string) audit.Finding {
	return audit.Finding{Kind: kind, Rule: rule, Severity: audit.SeverityMedium, Package: pkg, Version: version,
		Title: rule + " " + pkg, File: "requirements.txt", Line: 7}
}

var indexConfig = audit.Finding{Kind: audit.KindIndexConfig, Rule: "index-config/extra-index-url", Severity: audit.SeverityHigh,
	Title: "--extra-index-url https://pkgs.example.com/simple mixes indexes", File: "requirements.txt", Line: 1}

// baselineFindings is the report a scheduled job recorded yesterday.
func baselineFindings() []audit.Finding {
	return []audit.Finding{
		vuln("requests", "2.19.1", "PYSEC-2018-28", "CVE-2018-18074"),
		pkgFinding(audit.KindYanked, "yanked", "urllib3", "1.25.0"),
		pkgFinding(audit.KindTyposquat, "typosquat/edit-distance-1/delete", "colourama", "0.1.0"),
		pkgFinding(audit.KindStatus, "status/deprecated", "nose", ""),
		indexConfig,
	}
}

// render writes rep in a format the baseline reads.
func render(t *testing.T, format string, rep *audit.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	meta := report.Meta{ToolVersion: "test", FailOn: audit.SeverityHigh, BaseDir: "/home/dev/project"}
	var err error
	switch format {
	case "json":
		err = report.JSON(&buf, rep, meta)
	case "sarif":
		err = report.SARIF(&buf, rep, meta)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestKnownAcrossRuns(t *testing.T) {
	moved := func(f audit.Finding, edit func(*audit.Finding)) audit.Finding {
		edit(&f)
		return f
	}
	tests := []struct {
		name  string
		f     audit.Finding
		known bool
	}{
		{"same advisory", vuln("requests", "2.19.1", "PYSEC-2018-28"), true},
		{"same advisory after a version bump it still affects", vuln("requests", "2.19.2", "PYSEC-2018-28"), true},
		{"same advisory, package spelled otherwise", vuln("Requests", "2.19.1", "PYSEC-2018-28"), true},
		{"same advisory, moved to another line and file", moved(vuln("requests", "2.19.1", "PYSEC-2018-28"), func(f *audit.Finding) {
			f.File, f.Line = "sub/requirements.txt", 40
		}), true},
		{"advisory republished under an alias", vuln("requests", "2.19.1", "GHSA-x84v-xcm2-53pg", "CVE-2018-18074"), true},
		{"a new advisory", vuln("requests", "2.19.1", "PYSEC-2023-74"), false},
		{"a known advisory on another package", vuln("httpx", "0.1", "PYSEC-2018-28"), false},
		{"same yanked release", pkgFinding(audit.KindYanked, "yanked", "urllib3", "v1.25.0"), true},
		{"a newly yanked release", pkgFinding(audit.KindYanked, "yanked", "urllib3", "1.26.0"), false},
		{"same typo-squat signal", pkgFinding(audit.KindTyposquat, "typosquat/edit-distance-1/delete", "colourama", "0.2.0"), true},
		{"a new typo-squat signal", pkgFinding(audit.KindTyposquat, "typosquat/homoglyph", "reqve5ts", "1.0"), false},
		{"a newly quarantined project", pkgFinding(audit.KindStatus, "status/quarantined", "nose", ""), false},
		{"same index configuration", moved(indexConfig, func(f *audit.Finding) { f.Line = 9 }), true},
		{"index configuration naming another index", moved(indexConfig, func(f *audit.Finding) {
			f.Title = "--extra-index-url https://other.example.com/simple mixes indexes"
		}), false},
	}
	base := &audit.Report{Sources: []string{"requirements.txt"}, Findings: baselineFindings()}
	for _, format := range []string{"json", "sarif"} {
		b, err := Parse("baseline."+format, render(t, format, base))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				if got := b.Known(&tt.f); got != tt.known {
					t.Errorf("Known = %v, want %v", got, tt.known)
				}
			})
		}
	}
}

// Only findings new since the baseline stay findings (and so fail the
// run); the known ones are reported as set aside, with the reason.
func TestApply(t *testing.T) {
	b := New("old.json", baselineFindings())
	newOne := vuln("requests", "2.19.1", "PYSEC-2023-74")
	rep := &audit.Report{Findings: append(baselineFindings(), newOne)}
	if n := Apply(rep, b); n != len(baselineFindings()) {
		t.Errorf("Apply moved %d findings, want %d", n, len(baselineFindings()))
	}
	if len(rep.Findings) != 1 || rep.Findings[0].ID != "PYSEC-2023-74" {
		t.Fatalf("findings left = %+v, want only the new advisory", rep.Findings)
	}
	if rep.CountAtLeast(audit.SeverityHigh) != 1 {
		t.Errorf("the new finding does not reach --fail-on high")
	}
	for _, s := range rep.Suppressed {
		if s.Reason != Reason+" old.json" {
			t.Errorf("suppressed reason %q", s.Reason)
		}
	}

	// Nothing new: nothing left to fail on.
	rep = &audit.Report{Findings: baselineFindings()}
	Apply(rep, b)
	if len(rep.Findings) != 0 {
		t.Errorf("findings left = %+v, want none", rep.Findings)
	}
}

// A report written with a baseline still records the known findings
// (as set aside), so it can be the next baseline; findings silenced by an
// --ignore are not recorded, so they come back when the ignore expires.
func TestBaselineOfBaselinedReport(t *testing.T) {
	ignored := vuln("jinja2", "2.10", "PYSEC-2019-217")
	for _, format := range []string{"json", "sarif"} {
		t.Run(format, func(t *testing.T) {
			rep := &audit.Report{Sources: []string{"requirements.txt"}, Findings: baselineFindings(),
				Suppressed: []audit.Suppressed{{Finding: ignored, Reason: "not reachable"}}}
			Apply(rep, New("old.json", baselineFindings()))
			b, err := Parse("report."+format, render(t, format, rep))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range baselineFindings() {
				if !b.Known(&f) {
					t.Errorf("%s %s: not known from a report that set it aside", f.Rule, f.Package)
				}
			}
			if b.Known(&ignored) {
				t.Errorf("a finding silenced by --ignore is in the baseline")
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not JSON", "{\n  \"schema_version\": 1,\n  oops\n}", "line 3"},
		{"other JSON", `{"name": "x"}`, "not a pyward report"},
		{"another tool's JSON report", `{"schema_version": 1, "tool": {"name": "other"}}`, "not a pyward report"},
		{"future schema", `{"schema_version": 2, "tool": {"name": "pyward"}}`, "schema_version 2"},
		{"finding without rule", `{"schema_version": 1, "tool": {"name": "pyward"}, "findings": [{"kind": "yanked"}]}`, "findings[0]: no rule"},
		{"another tool's SARIF", `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "bandit"}}}]}`, "not a pyward report"},
		{"SARIF 1", `{"version": "1.0.0", "runs": []}`, `SARIF version "1.0.0"`},
		{"SARIF result of an unknown rule", `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "pyward", "rules": []}},
			"results": [{"ruleId": "yanked"}]}]}`, `results[0]: rule "yanked"`},
		{"SARIF package-less result without fingerprint", `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "pyward",
			"rules": [{"id": "index-config/trusted-host", "properties": {"tags": ["security", "supply-chain", "index-config"]}}]}},
			"results": [{"ruleId": "index-config/trusted-host"}]}]}`, "no pyward/v1 fingerprint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("base.json", []byte(tt.data))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "base.json") {
				t.Errorf("error %q does not name the file and %q", err, tt.want)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "baseline.json")
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "baseline.json") {
		t.Errorf("missing file: error %v does not name it", err)
	}
	if err := os.WriteFile(path, render(t, "json", &audit.Report{Findings: baselineFindings()}), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.Source != path || b.Len() == 0 {
		t.Errorf("Read = %+v", b)
	}
}

func FuzzParse(f *testing.F) {
	rep := &audit.Report{Sources: []string{"requirements.txt"}, Findings: baselineFindings()}
	var js, sarif bytes.Buffer
	meta := report.Meta{ToolVersion: "fuzz"}
	if err := report.JSON(&js, rep, meta); err != nil {
		f.Fatal(err)
	}
	if err := report.SARIF(&sarif, rep, meta); err != nil {
		f.Fatal(err)
	}
	f.Add(js.Bytes())
	f.Add(sarif.Bytes())
	f.Add([]byte(`{"runs": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		b, err := Parse("fuzz.json", data)
		budgettest.Check(t, len(data), start)
		if err != nil {
			return
		}
		for _, fd := range baselineFindings() {
			b.Known(&fd)
		}
	})
}
