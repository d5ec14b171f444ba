package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/audit"
)

// The table's summary line tells findings silenced by --ignore from those
// set aside as known from a --baseline.
func TestTableSetAside(t *testing.T) {
	f := audit.Finding{Kind: audit.KindYanked, Rule: "yanked", Severity: audit.SeverityMedium, Package: "idna", Version: "3.7", Title: "yanked"}
	tests := []struct {
		name       string
		suppressed []audit.Suppressed
		want       string
	}{
		{"ignored", []audit.Suppressed{{Finding: f, Reason: "not used"}}, "; 1 ignored\n"},
		{"known", []audit.Suppressed{{Finding: f, Reason: BaselineReason + " base.json"}, {Finding: f, Reason: BaselineReason + " base.json"}},
			"; 2 known from the baseline\n"},
		{"both", []audit.Suppressed{{Finding: f, Reason: "not used"}, {Finding: f, Reason: BaselineReason + " base.json"}},
			"; 1 ignored; 1 known from the baseline\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			rep := &audit.Report{Sources: []string{"requirements.txt"}, Packages: 1, Suppressed: tt.suppressed}
			if err := Table(&buf, rep, Meta{FailOn: audit.SeverityHigh}, false); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tt.want) {
				t.Errorf("table lacks %q:\n%s", tt.want, buf.String())
			}
		})
	}
}
