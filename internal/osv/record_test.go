package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestParseYAMLAndJSONAgree(t *testing.T) {
	y := `id: PYSEC-2099-7
modified: 2024-03-01T12:00:00.5Z
published: '2024-02-01T00:00:00Z'
aliases: [CVE-2099-7, GHSA-xxxx-yyyy-zzzz]
related: [PYSEC-2099-8]
summary: Something bad
details: |
  Line one.
  Line two.
severity:
- type: CVSS_V3
  score: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
affected:
- package:
    ecosystem: PyPI
    name: Demo
    purl: pkg:pypi/demo
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: 0
    - fixed: 1.10
  versions: [1.0, '1.10', 1.9]
  ecosystem_specific:
    imports:
    - attribute: X
      modules: [demo]
references:
- type: FIX
  url: https://example.com/fix
database_specific:
  severity: HIGH
`
	j := `{"id":"PYSEC-2099-7","modified":"2024-03-01T12:00:00.5Z","published":"2024-02-01T00:00:00Z",
	"aliases":["CVE-2099-7","GHSA-xxxx-yyyy-zzzz"],"related":["PYSEC-2099-8"],"summary":"Something bad",
	"details":"Line one.\nLine two.\n",
	"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
	"affected":[{"package":{"ecosystem":"PyPI","name":"Demo","purl":"pkg:pypi/demo"},
		"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.10"}]}],
		"versions":["1.0","1.10","1.9"],
		"ecosystem_specific":{"imports":[{"attribute":"X","modules":["demo"]}]}}],
	"references":[{"type":"FIX","url":"https://example.com/fix"}],
	"database_specific":{"severity":"HIGH"},
	"unknown_future_field": {"ignored": true}}`
	ry, err := ParseYAML([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	rj, err := ParseJSON([]byte(j))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Record{ry, rj} {
		if r.ID != "PYSEC-2099-7" || !r.Modified.Equal(time.Date(2024, 3, 1, 12, 0, 0, 5e8, time.UTC)) ||
			r.Published.IsZero() || !r.Withdrawn.IsZero() || len(r.Aliases) != 2 || r.Related[0] != "PYSEC-2099-8" ||
			r.Details != "Line one.\nLine two.\n" || r.Severity[0].Type != "CVSS_V3" || r.References[0].URL != "https://example.com/fix" ||
			r.DatabaseSpecific["severity"] != "HIGH" {
			t.Errorf("record fields: %+v", r)
		}
		a := r.Affected[0]
		// YAML "fixed: 1.10" unquoted must keep its text, not become 1.1.
		if a.Package.Name != "Demo" || a.Package.PURL != "pkg:pypi/demo" || a.Ranges[0].Type != RangeEcosystem ||
			a.Ranges[0].Events[0].Introduced != "0" || a.Ranges[0].Events[1].Fixed != "1.10" ||
			strings.Join(a.Versions, ",") != "1.0,1.10,1.9" || a.EcosystemSpecific["imports"] == nil {
			t.Errorf("affected: %+v", a)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, data string
		line, col  int
		msg        string
	}{
		{"a.json", "{\n  \"id\": \"X\",\n  \"aliases\": [1]\n}", 3, 0, "cannot unmarshal"},
		{"b.json", "{\n  \"id\": \"X\"\n  \"modified\": 1}", 3, 3, "invalid"},
		{"c.json", `{"id": "X"} {"id": "Y"}`, 1, 13, "after the JSON object"},
		{"d.json", `{"modified": "2024-01-01T00:00:00Z"}`, 0, 0, `missing required field "id"`},
		{"e.yaml", "id: X\nmodified: [\n", 2, 0, "invalid OSV YAML"},
		{"f.yaml", "id: X\nmodified: not-a-time\n", 0, 0, `field "modified"`},
		{"g.yaml", "id: X\naffected:\n- ranges:\n  - events: [{introduced: '0'}]\n", 0, 0, `missing "type"`},
		{"h.yaml", "id: X\naffected:\n- ranges:\n  - type: ECOSYSTEM\n    events: [{}]\n", 0, 0, "exactly one"},
		{"i.txt", "id: X", 0, 0, "unsupported file type"},
		{"j.yaml", "- just\n- a list\n", 1, 0, "cannot unmarshal"},
	}
	for _, tt := range tests {
		_, err := ParseFile(tt.name, []byte(tt.data))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v, want *ParseError", tt.name, err)
			continue
		}
		if pe.File != tt.name || pe.Line != tt.line || (tt.col != 0 && pe.Column != tt.col) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v (line %d col %d), want line %d col %d containing %q", tt.name, err, pe.Line, pe.Column, tt.line, tt.col, tt.msg)
		}
		if !strings.HasPrefix(err.Error(), tt.name+":") {
			t.Errorf("%s: message %q does not start with the file name", tt.name, err)
		}
	}
}

func TestParseTimes(t *testing.T) {
	for _, in := range []string{"2021-06-16T00:03:24.800813Z", "2019-07-31T19:44:00Z", "2024-01-01T01:00:00+01:00", "2021-06-16T00:03:24", "2021-06-16"} {
		tm, err := parseTime(in)
		if err != nil || tm.IsZero() || tm.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v", in, tm, err)
		}
	}
	if _, err := parseTime("16/06/2021"); err == nil {
		t.Error("bad timestamp accepted")
	}
}

func TestRecordSizeLimit(t *testing.T) {
	big := make([]byte, MaxRecordSize+1)
	if _, err := ParseJSON(big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized record: %v", err)
	}
}

// FuzzParseRecord feeds arbitrary bytes to both decoders; seeds come from
// the advisory database when available. No input may panic, and every
// accepted record must compile and answer a query.
func FuzzParseRecord(f *testing.F) {
	f.Add([]byte(`{"id":"X","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1"}]}],"versions":["0.5"]}]}`), true)
	f.Add([]byte("id: X\naffected:\n- package: {ecosystem: PyPI, name: a}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - last_affected: 2\n"), false)
	if paths, _ := filepath.Glob(advisoryDir + "/r*/*.yaml"); len(paths) > 0 {
		for _, p := range paths[:min(len(paths), 20)] {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data, false)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		var r *Record
		var err error
		start := time.Now()
		if asJSON {
			r, err = ParseJSON(data)
			budgettest.Check(t, len(data), start)
			want, wantErr := decoderParseJSON(data)
			if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(r, want) {
				t.Fatalf("ParseJSON = %+v, %v; through a json.Decoder alone: %+v, %v", r, err, want, wantErr)
			}
		} else {
			r, err = ParseYAML(data)
			budgettest.Check(t, len(data), start)
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if r.ID == "" {
			t.Fatal("accepted a record without id")
		}
		db := Build([]*Record{r})
		for _, a := range r.Affected {
			db.Query(a.Package.Name, "1.0")
			for _, v := range a.Versions {
				db.Query(a.Package.Name, v)
			}
		}
		if _, _, err := DecodeIndex(EncodeIndex(db, "fuzz")); err != nil {
			t.Fatalf("index round trip: %v", err)
		}
	})
}

// decoderParseJSON is ParseJSON through a json.Decoder alone, as it was
// before valid records were decoded in place.
func decoderParseJSON(data []byte) (*Record, error) {
	var raw rawRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return raw.record("")
}
