package pep508

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// testdata/differential.json holds answers CPython 3.11.7 gave for random
// inputs (see its description): where packaging's SPECIFIER token ends, and
// what ast.literal_eval makes of a quoted marker string.
type differential struct {
	SpecifierMatch [][2]json.RawMessage `json:"specifier_match"`
	PythonLiteral  [][3]*string         `json:"python_literal"`
}

func loadDifferential(t *testing.T) *differential {
	data, err := os.ReadFile("testdata/differential.json")
	if err != nil {
		t.Fatal(err)
	}
	var d differential
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.SpecifierMatch) != 4000 || len(d.PythonLiteral) != 4000 {
		t.Fatalf("rows: %d, %d", len(d.SpecifierMatch), len(d.PythonLiteral))
	}
	return &d
}

func TestDifferentialSpecifierToken(t *testing.T) {
	for _, row := range loadDifferential(t).SpecifierMatch {
		var text string
		var want int
		if json.Unmarshal(row[0], &text) != nil || json.Unmarshal(row[1], &want) != nil {
			t.Fatalf("bad row %s", row)
		}
		sc := &scanner{src: text}
		got := -1
		if _, ok := sc.specifier(); ok {
			got = sc.pos
		}
		if got != want {
			t.Errorf("SPECIFIER token of %q: %d bytes, Python %d", text, got, want)
		}
	}
}

func TestDifferentialQuotedString(t *testing.T) {
	for _, row := range loadDifferential(t).PythonLiteral {
		body, want, pyErr := *row[0], row[1], row[2]
		got, err := decodePyString(body)
		switch {
		case pyErr != nil:
			if err == nil {
				t.Errorf("decodePyString(%q) = %q, Python: %s", body, got, *pyErr)
			}
		case err != nil:
			if !strings.Contains(body, `\N{`) { // documented deviation
				t.Errorf("decodePyString(%q): %v, Python: %q", body, err, *want)
			}
		case got != *want:
			t.Errorf("decodePyString(%q) = %q, Python: %q", body, got, *want)
		default:
			q := quoteValue(got)
			back, err := decodePyString(q[1 : len(q)-1])
			if err != nil || back != got || strings.ContainsRune(q[1:len(q)-1], rune(q[0])) {
				t.Errorf("quoteValue(%q) = %q does not read back", got, q)
			}
		}
	}
}
