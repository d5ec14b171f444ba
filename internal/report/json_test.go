package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/osv"
)

// TestJSONAsEncoder checks that the streamed report is byte for byte what
// a json.Encoder without HTML escaping writes for the same document.
func TestJSONAsEncoder(t *testing.T) {
	odd := audit.Finding{Kind: audit.KindHygiene, Rule: "hygiene/x", Severity: audit.SeverityLow, Package: "a<b>&c",
		Title: "line\nbreak \"quoted\" \u2028 \u2029 \x01 café \\ </script>", Detail: "\t", Aliases: []string{}}
	tests := []struct {
		name string
		rep  *audit.Report
		meta Meta
	}{
		{"fixture", fixtureReport(), Meta{ToolVersion: "1.2.3", FailOn: audit.SeverityHigh}},
		{"empty", &audit.Report{}, Meta{FailOn: audit.SeverityCritical + 1}},
		{"odd text", &audit.Report{Findings: []audit.Finding{odd, odd}, Warnings: []string{"w<1>", ""},
			Suppressed:     []audit.Suppressed{{Finding: odd, Reason: "r&d", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}, {Finding: odd}},
			ExpiredIgnores: []osv.Ignore{{ID: "PYSEC-1", Reason: "gone", Expires: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}},
			Meta{ToolVersion: "v<dev>", FailOn: audit.SeverityInfo}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := JSON(&got, tt.rep, tt.meta); err != nil {
				t.Fatal(err)
			}
			want := encoderJSON(t, tt.rep, tt.meta)
			if got.String() != want {
				t.Errorf("JSON =\n%s\njson.Encoder =\n%s", got.String(), want)
			}
		})
	}
}

// encoderJSON is the report as one json.Encoder call writes it.
func encoderJSON(t *testing.T, rep *audit.Report, meta Meta) string {
	t.Helper()
	doc := jsonDocument(rep, meta)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A large report reaches its writer in pieces: no buffer holds all of it.
func TestJSONStreams(t *testing.T) {
	rep := &audit.Report{}
	for i := range 3000 {
		rep.Findings = append(rep.Findings, audit.Finding{Kind: audit.KindVulnerability, Rule: "vulnerability", Severity: audit.SeverityHigh,
			Package: fmt.Sprintf("p%d", i), Version: "1.0", ID: fmt.Sprintf("PYSEC-%d", i), Title: strings.Repeat("t", 300)})
	}
	var w maxWriter
	if err := JSON(&w, rep, Meta{}); err != nil {
		t.Fatal(err)
	}
	if w.total < 1<<20 || w.max > 64<<10 {
		t.Errorf("%d bytes written, the largest write %d bytes; want over 1 MiB in writes of at most 64 KiB", w.total, w.max)
	}
}

type maxWriter struct{ total, max int }

func (w *maxWriter) Write(p []byte) (int, error) {
	w.total += len(p)
	w.max = max(w.max, len(p))
	return len(p), nil
}
