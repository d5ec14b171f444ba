package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/audit"
)

func renderSARIF(t *testing.T, rep *audit.Report, meta Meta) ([]byte, sarifLog) {
	t.Helper()
	var buf bytes.Buffer
	if err := SARIF(&buf, rep, meta); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.Bytes())
	}
	return buf.Bytes(), log
}

// sarifSchemas are the OASIS schema and the rtm.5 one still served by
// schemastore; the output must satisfy both.
var sarifSchemas = []string{"sarif-schema-2.1.0.json", "sarif-2.1.0-rtm.5.json"}

func TestSARIFSchemaValid(t *testing.T) {
	tests := []struct {
		name string
		rep  *audit.Report
		meta Meta
	}{
		{"fixture with base dir", fixtureReport(), Meta{ToolVersion: "1.2.3", BaseDir: testBase}},
		{"fixture without base dir", fixtureReport(), Meta{ToolVersion: "devel"}},
		{"empty report", &audit.Report{}, Meta{}},
		{"names only", &audit.Report{Sources: []string{"--name"}, Findings: []audit.Finding{{Kind: audit.KindTyposquat,
			Rule: "typosquat/homoglyph", Severity: audit.SeverityHigh, Package: "reqve5ts", Title: "t", File: "--name"}}}, Meta{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := renderSARIF(t, tt.rep, tt.meta)
			for _, name := range sarifSchemas {
				if err := validate(compileSchema(t, name), out); err != nil {
					t.Errorf("output is not valid against %s: %#v", name, err)
				}
			}
		})
	}
}

// The validator must be able to fail: broken variants of a valid log are
// rejected.
func TestSARIFSchemaRejectsInvalid(t *testing.T) {
	sch := compileSchema(t, sarifSchemas[0])
	out, _ := renderSARIF(t, fixtureReport(), Meta{ToolVersion: "1", BaseDir: testBase})
	tests := []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"no version", func(m map[string]any) { delete(m, "version") }},
		{"wrong version", func(m map[string]any) { m["version"] = "2.0.0" }},
		{"bad level", func(m map[string]any) { result(m)["level"] = "fatal" }},
		{"no message", func(m map[string]any) { delete(result(m), "message") }},
		{"line zero", func(m map[string]any) {
			loc := result(m)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
			loc["region"] = map[string]any{"startLine": 0}
		}},
		{"unknown top-level property", func(m map[string]any) { m["extra"] = true }},
		{"no driver name", func(m map[string]any) {
			delete(m["runs"].([]any)[0].(map[string]any)["tool"].(map[string]any)["driver"].(map[string]any), "name")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatal(err)
			}
			tt.mutate(m)
			bad, _ := json.Marshal(m)
			if err := validate(sch, bad); err == nil {
				t.Errorf("schema accepted an invalid log: %s", bad)
			}
		})
	}
}

func result(m map[string]any) map[string]any {
	return m["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
}

func TestSARIFContent(t *testing.T) {
	_, log := renderSARIF(t, fixtureReport(), Meta{ToolVersion: "1.2.3", BaseDir: testBase})
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "pyward" || d.Version != "1.2.3" || d.InformationURI == "" {
		t.Errorf("driver %+v", d)
	}
	if got := run.OriginalURIBaseIDs[srcRoot].URI; got != "file:///home/dev/project/" {
		t.Errorf("%%SRCROOT%% = %q", got)
	}
	type want struct {
		ruleID, level, uri, baseID string
		line                       int
		secSev                     string
		suppressed                 bool
	}
	wants := []want{
		{"malicious/MAL-2022-1", "error", "requirements.txt", srcRoot, 4, "9.5", false},
		{"index-config/extra-index-url", "error", "requirements.txt", srcRoot, 0, "8.0", false},
		{"vulnerability/PYSEC-2018-28", "error", "requirements.txt", srcRoot, 2, "8.0", false},
		{"vulnerability/PYSEC-2018-28", "error", "sub%20dir/poetry.lock", srcRoot, 10, "8.0", false},
		{"typosquat/edit-distance-1/delete", "warning", "requirements.txt", srcRoot, 4, "5.5", false},
		{"confusion/unclaimed", "warning", "poetry.lock", srcRoot, 20, "5.5", false},
		{"hygiene/missing-hash", "note", "file:///elsewhere/requirements.txt", "", 6, "3.0", false},
		{"hygiene/unpinned", "note", "file:///home/dev/other/requirements.in", "", 0, "", false},
		{"vulnerability/GHSA-v845-jxx5-vc9f", "warning", "requirements.txt", srcRoot, 7, "5.5", true},
	}
	if len(run.Results) != len(wants) {
		t.Fatalf("%d results, want %d", len(run.Results), len(wants))
	}
	for i, w := range wants {
		r := run.Results[i]
		if r.RuleID != w.ruleID || r.Level != w.level || r.Properties.SecuritySeverity != w.secSev {
			t.Errorf("result %d: rule %s level %s sev %q, want %s %s %q", i, r.RuleID, r.Level, r.Properties.SecuritySeverity, w.ruleID, w.level, w.secSev)
		}
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex %d points at %s", i, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		if len(r.Locations) != 1 {
			t.Errorf("result %d: %d locations", i, len(r.Locations))
			continue
		}
		pl := r.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URI != w.uri || pl.ArtifactLocation.URIBaseID != w.baseID {
			t.Errorf("result %d: uri %q base %q, want %q %q", i, pl.ArtifactLocation.URI, pl.ArtifactLocation.URIBaseID, w.uri, w.baseID)
		}
		line := 0
		if pl.Region != nil {
			line = pl.Region.StartLine
		}
		if line != w.line {
			t.Errorf("result %d: line %d, want %d", i, line, w.line)
		}
		if (len(r.Suppressions) > 0) != w.suppressed {
			t.Errorf("result %d: suppressions %v", i, r.Suppressions)
		}
		if r.PartialFingerprints[FingerprintKey] == "" {
			t.Errorf("result %d: no fingerprint", i)
		}
	}
	if msg := run.Results[1].Message.Text; !strings.Contains(msg, "$PIP_EXTRA_INDEX_URL") {
		t.Errorf("environment finding does not name its origin: %q", msg)
	}
	if s := run.Results[8].Suppressions[0]; s.Kind != "external" || !strings.Contains(s.Justification, "no redirects") || !strings.Contains(s.Justification, "2027-01-31") {
		t.Errorf("suppression %+v", s)
	}
	// One rule per advisory and per other rule; an advisory's rule links
	// to it and names its aliases.
	if len(d.Rules) != 8 {
		ids := []string{}
		for _, r := range d.Rules {
			ids = append(ids, r.ID)
		}
		t.Errorf("%d rules, want 8: %v", len(d.Rules), ids)
	}
	for _, r := range d.Rules {
		if r.ShortDescription.Text == "" || r.HelpURI == "" || r.DefaultConfiguration.Level == "" {
			t.Errorf("rule %s incomplete: %+v", r.ID, r)
		}
		if r.ID == "vulnerability/PYSEC-2018-28" {
			if r.HelpURI != "https://osv.dev/vulnerability/PYSEC-2018-28" || !strings.Contains(r.FullDescription.Text, "CVE-2018-18074") ||
				r.Properties.SecuritySeverity != "8.0" || !contains(r.Properties.Tags, "security") {
				t.Errorf("advisory rule %+v", r)
			}
		}
	}
}

// Fingerprints survive a line move and distinguish different findings.
func TestSARIFFingerprints(t *testing.T) {
	fp := func(rep *audit.Report) []string {
		_, log := renderSARIF(t, rep, Meta{BaseDir: testBase})
		var out []string
		for _, r := range log.Runs[0].Results {
			out = append(out, r.PartialFingerprints[FingerprintKey])
		}
		return out
	}
	a := fp(fixtureReport())
	moved := fixtureReport()
	for i := range moved.Findings {
		moved.Findings[i].Line += 3
	}
	b := fp(moved)
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("result %d: fingerprint changed when only the line moved", i)
		}
	}
	seen := map[string]int{}
	for i, f := range a {
		if j, dup := seen[f]; dup {
			t.Errorf("results %d and %d share fingerprint %s", j, i, f)
		}
		seen[f] = i
	}
	bumped := fixtureReport()
	bumped.Findings[2].Version = "2.20.0"
	if c := fp(bumped); c[2] == a[2] {
		t.Errorf("fingerprint ignores the version")
	}
}

func TestRuleName(t *testing.T) {
	tests := map[string]string{
		"typosquat/edit-distance-1/transpose": "TyposquatEditDistance1Transpose",
		"vulnerability/PYSEC-2018-28":         "VulnerabilityPYSEC201828",
		"yanked":                              "Yanked",
	}
	for in, want := range tests {
		if got := ruleName(in); got != want {
			t.Errorf("ruleName(%q) = %q, want %q", in, got, want)
		}
	}
}
