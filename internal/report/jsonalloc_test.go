// The race detector makes sync.Pool drop what is put in it, so
// encoding/json's encoder state is allocated anew for every element and
// the count below means nothing there.

//go:build !race

package report

import (
	"fmt"
	"io"
	"testing"

	"github.com/pyward/pyward/internal/audit"
)

// Encoding an element does not copy it into an interface: the
// allocations do not grow with the number of findings.
func TestJSONAllocations(t *testing.T) {
	rep := &audit.Report{}
	for i := range 3000 {
		rep.Findings = append(rep.Findings, audit.Finding{Kind: audit.KindVulnerability, Rule: "vulnerability", Severity: audit.SeverityHigh,
			Package: fmt.Sprintf("p%d", i), Version: "1.0", ID: fmt.Sprintf("PYSEC-%d", i), Title: "t"})
	}
	allocs := testing.AllocsPerRun(3, func() {
		if err := JSON(io.Discard, rep, Meta{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1000 {
		t.Errorf("JSON of %d findings made %.0f allocations, want at most 1,000", len(rep.Findings), allocs)
	}
}
