package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/audit"
)

// TestSetAsideAcrossFormats checks that every format tells findings
// silenced by --ignore from those known from a --baseline, with the same
// words and the same kinds.
func TestSetAsideAcrossFormats(t *testing.T) {
	f := audit.Finding{Kind: audit.KindVulnerability, Rule: "vulnerability", ID: "PYSEC-2023-74", Severity: audit.SeverityMedium,
		Package: "requests", Version: "2.30.0", Title: "leaks Proxy-Authorization", File: "requirements.txt", Line: 3}
	ignored := audit.Suppressed{Finding: f, Reason: "not reachable"}
	known := audit.Suppressed{Finding: f, Reason: BaselineReason + " base.json"}
	tests := []struct {
		name       string
		suppressed []audit.Suppressed
		markdown   []string // in the Markdown report
		absent     []string // not in it
		kinds      []string // JSON "kind" and SARIF suppression property, in order
	}{
		{"ignored", []audit.Suppressed{ignored}, []string{"<summary>1 ignored</summary>"}, []string{"baseline</summary>"}, []string{"ignored"}},
		{"known", []audit.Suppressed{known, known}, []string{"<summary>2 known from the baseline</summary>"}, []string{"ignored"}, []string{"baseline", "baseline"}},
		{"both", []audit.Suppressed{ignored, known}, []string{"<summary>1 ignored, 1 known from the baseline</summary>"}, []string{"2 ignored"}, []string{"ignored", "baseline"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := &audit.Report{Sources: []string{"requirements.txt"}, Packages: 1, Suppressed: tt.suppressed}
			var md bytes.Buffer
			if err := Markdown(&md, rep, Meta{}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.markdown {
				if !strings.Contains(md.String(), w) {
					t.Errorf("markdown lacks %q:\n%s", w, md.String())
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(md.String(), w) {
					t.Errorf("markdown has %q:\n%s", w, md.String())
				}
			}

			var js bytes.Buffer
			if err := JSON(&js, rep, Meta{}); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Suppressed []struct {
					Kind   string `json:"kind"`
					Reason string `json:"reason"`
				} `json:"suppressed"`
			}
			if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			_, log := renderSARIF(t, rep, Meta{})
			results := log.Runs[0].Results
			if len(doc.Suppressed) != len(tt.kinds) || len(results) != len(tt.kinds) {
				t.Fatalf("%d JSON and %d SARIF suppressed, want %d", len(doc.Suppressed), len(results), len(tt.kinds))
			}
			for i, kind := range tt.kinds {
				if doc.Suppressed[i].Kind != kind {
					t.Errorf("JSON suppressed[%d].kind = %q, want %q", i, doc.Suppressed[i].Kind, kind)
				}
				s := results[i].Suppressions
				if len(s) != 1 || s[0].Properties["kind"] != kind || s[0].Justification != doc.Suppressed[i].Reason {
					t.Errorf("SARIF suppression %d = %+v, want kind %q and the JSON reason %q", i, s, kind, doc.Suppressed[i].Reason)
				}
			}
		})
	}
}
