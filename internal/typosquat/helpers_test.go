package typosquat

import (
	"strings"

	"github.com/pyward/pyward/internal/pep503"
)

// NewReference builds a Reference from names in popularity order: names[i]
// gets rank i+1. Names are PEP 503 normalized; empty ones and later
// duplicates are dropped. It panics only beyond the compiled format's
// limits (2^30 names or 1 GiB of them), which no name list reaches.
func NewReference(names []string) *Reference {
	var d dedup
	for i, n := range names {
		d.add(pep503.Normalize(strings.TrimSpace(n)), i+1)
	}
	r, err := newCompiled(d.names, d.ranks)
	if err != nil {
		panic(err)
	}
	return r
}
