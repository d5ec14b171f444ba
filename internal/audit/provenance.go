package audit

import (
	"fmt"

	"github.com/pyward/pyward/internal/lockfile"
)

// KindProvenance is the family of PEP 740 publisher findings.
const KindProvenance Kind = "provenance"

// ProvenanceFindings reports what a lock records about its packages'
// publishers (PEP 740 attestation identities, written by pyward lock):
//
//   - provenance/none (info): a package with no verified provenance; the
//     index served none when it was locked, so who published it is unknown;
//   - provenance/publisher-change (high): a publisher change accepted with
//     --allow-publisher-change, kept on record in the lock's history.
//
// pyward lock refuses invalid provenance (exit 2), so a lock never records
// it; InvalidProvenanceFindings checks what the index serves now. file names
// the lock in the findings.
//
// A lock that records no identity at all was not written with provenance
// checks (another tool, or --no-provenance), so it gets no findings: its
// silence says nothing.
func ProvenanceFindings(l *lockfile.Lock, file string) []Finding {
	recorded := false
	for i := range l.Packages {
		recorded = recorded || len(l.Packages[i].AttestationIdentities) > 0 || l.Packages[i].PublisherChange != ""
	}
	if !recorded {
		return nil
	}
	var out []Finding
	for i := range l.Packages {
		p := &l.Packages[i]
		if p.Archive != nil {
			continue // a direct URL has no index provenance
		}
		if p.PublisherChange != "" {
			out = append(out, Finding{Kind: KindProvenance, Rule: "provenance/publisher-change", Severity: SeverityHigh,
				Package: p.Name, Version: p.Version, File: file, Line: p.Line,
				Title:  fmt.Sprintf("%s %s: its publisher changed", p.Name, p.Version),
				Detail: p.PublisherChange,
				Fix:    "check with the project that the new publisher is theirs (a stolen token or a moved repository)"})
		}
		if len(p.AttestationIdentities) == 0 {
			out = append(out, Finding{Kind: KindProvenance, Rule: "provenance/none", Severity: SeverityInfo,
				Package: p.Name, Version: p.Version, File: file, Line: p.Line,
				Title: fmt.Sprintf("%s %s has no PEP 740 provenance: who published it is not known", p.Name, p.Version)})
		}
	}
	return out
}
