package reqfile

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const requirementsTable = "../../../shared/conformance/pep508_requirements.json"

// pipDiffers says why a PEP 508 string reads differently as a requirements
// file line ("" when it reads the same). These are pip's rules, not bugs:
// the line format is PEP 508 plus comments, options, and marker splitting.
func pipDiffers(s string) string {
	switch {
	case strings.ContainsAny(s, "\r\n\f\v"):
		return "line breaks split the line"
	case strings.Contains(s, "\\"):
		return "a trailing backslash continues the line"
	case strings.Contains(s, " #") || strings.Contains(s, "\t#") || strings.HasPrefix(s, "#"):
		return "# after white space starts a comment"
	}
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "-") {
			return "a word starting with - starts the options"
		}
	}
	return ""
}

func TestPEP508Conformance(t *testing.T) {
	data, err := os.ReadFile(requirementsTable)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance data missing: %v", err)
		}
		t.Skipf("conformance data missing: %v", err)
	}
	var table struct {
		Valid []struct {
			Input string  `json:"input"`
			Str   string  `json:"str"`
			URL   *string `json:"url"`
		} `json:"valid"`
		Invalid []struct {
			Input string `json:"input"`
		} `json:"invalid"`
	}
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	same, skipped := 0, map[string]int{}
	for _, row := range table.Valid {
		if why := pipDiffers(row.Input); why != "" {
			skipped[why]++
			continue
		}
		if row.URL != nil && strings.Contains(*row.URL, ";") {
			skipped["; inside a URL"]++
			continue
		}
		f, err := Parse("r.txt", []byte(row.Input+"\n"), Options{Getenv: func(string) string { return "" }})
		if err != nil {
			t.Errorf("valid %q: %v", row.Input, err)
			continue
		}
		if len(f.Requirements) != 1 || f.Requirements[0].Req == nil {
			t.Errorf("valid %q: %d requirements, Req %v", row.Input, len(f.Requirements), f.Requirements)
			continue
		}
		if got := f.Requirements[0].Req.String(); got != row.Str {
			t.Errorf("valid %q: got %q, want %q", row.Input, got, row.Str)
			continue
		}
		same++
	}
	// Invalid PEP 508 strings that pip's line rules make valid (or
	// different): the comment and marker-splitting rules above, and an
	// empty marker after ";", which pip treats as no marker.
	pipAccepts := map[string]string{
		"name >= 1.0 #": "comment",
		"name @ https://example.com/; extra == 'example'":   "marker split at ';'",
		`name @ https://example.com/x.whl; os_name == "nt"`: "marker split at ';'",
		"name;":  "empty marker",
		"name; ": "empty marker",
		// Trailing line breaks are line ends in a file.
		"name>=1\n": "line end", "name>=1\r": "line end", "name>=1\r\n": "line end",
		"name; python_version >= \"3\"\n": "line end", "name; python_version >= \"3\"\r": "line end", "name; python_version >= \"3\"\r\n": "line end",
		"": "empty line",
		// A leading "." makes a path (pip then fails only if the
		// directory does not exist; this package does not look).
		".name": "path",
	}
	rejected := 0
	for _, row := range table.Invalid {
		_, err := Parse("r.txt", []byte(row.Input+"\n"), Options{Getenv: func(string) string { return "" }})
		if _, ok := pipAccepts[row.Input]; ok {
			if err != nil {
				t.Errorf("invalid PEP 508 %q should be accepted in a requirements file: %v", row.Input, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("invalid %q accepted", row.Input)
			continue
		}
		rejected++
	}
	t.Logf("%d valid rows read the same, skipped %v; %d invalid rows rejected, %d accepted as pip does", same, skipped, rejected, len(pipAccepts))
	if same < 4000 {
		t.Errorf("only %d valid rows compared", same)
	}
}
