package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/pep503"
)

// The labelled set parses, every row names a documented trick and a
// source, and no name is listed twice or is itself a project of the
// reference ranking.
func TestTypoLabelledSet(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readLabelled(filepath.Join(root, typoLabelled))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, k := range strings.Fields("separator homoglyph transpose substitute insert delete plural version python-affix generic-affix combination multi-edit spelling truncation word-order other-affix other stdlib") {
		known[k] = true
	}
	seen := map[string]int{}
	holdout := 0
	for _, r := range rows {
		if !known[r.trick] || r.source == "" || r.target == "" {
			t.Errorf("%s:%d: trick %q, source %q, target %q", typoLabelled, r.line, r.trick, r.source, r.target)
		}
		n := pep503.Normalize(r.name)
		if prev, dup := seen[n]; dup {
			t.Errorf("%s:%d: %s already on line %d", typoLabelled, r.line, r.name, prev)
		}
		seen[n] = r.line
		if r.split == "holdout" {
			holdout++
		}
	}
	if len(rows) < 300 || holdout == 0 {
		t.Errorf("%d rows, %d held out", len(rows), holdout)
	}
}
