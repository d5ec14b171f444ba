package osv

import (
	"fmt"
	"testing"
)

// The first query of a package builds its alias groups from slices, not
// from a map of sets per group: a warm audit prepares a few hundred
// packages, and those maps were a sixth of the preparation.
func TestPrepareAllocations(t *testing.T) {
	const entries = 8
	var recs []*Record
	for e := range entries {
		// Twelve aliases, as advisories that list CVE, GHSA, OSV and
		// distribution IDs have.
		aliases := ""
		for a := range 12 {
			aliases += fmt.Sprintf(`, "CVE-%d-%d"`, a, e)
		}
		recs = append(recs, mustParse(t, fmt.Sprintf(`{"id": "PYSEC-1-%d", "aliases": ["GHSA-1-%d"%s], "summary": "s",
			"affected": [{"package": {"ecosystem": "PyPI", "name": "pkg"},
			"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.%d"}]}]}]}`, e, e, aliases, e)))
	}
	data := EncodeIndex(Build(recs), "s")
	db, _, err := DecodeIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Query("pkg", "0.5"); len(got) != entries || len(got[0].IDs) != 14 {
		t.Fatalf("Query = %+v, want %d findings of 14 IDs", got, entries)
	}
	allocs := testing.AllocsPerRun(20, func() {
		db, _, _ := DecodeIndex(data)
		db.Query("pkg", "0.5")
	})
	if allocs > 130 {
		t.Errorf("decoding and a first query of %d entries made %.0f allocations, want at most 130", entries, allocs)
	}
}
