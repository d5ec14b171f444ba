package audit

import (
	"testing"

	"github.com/pyward/pyward/internal/lockfile"
)

func TestProvenanceFindings(t *testing.T) {
	gh := lockfile.AttestationIdentity{Kind: "GitHub", Claims: map[string]string{"repository": "a/b", "workflow": "r.yml"}}
	l := &lockfile.Lock{Packages: []lockfile.Package{
		{Name: "signed", Version: "1.0", AttestationIdentities: []lockfile.AttestationIdentity{gh}, Line: 3},
		{Name: "moved", Version: "2.0", AttestationIdentities: []lockfile.AttestationIdentity{gh}, PublisherChange: "accepted with --allow-publisher-change: moved 2.0 was published by X, but 1.0 by Y", Line: 7},
		{Name: "bare", Version: "0.1", Line: 9},
		{Name: "direct", Archive: &lockfile.File{URL: "https://x/direct.whl"}},
	}}
	got := ProvenanceFindings(l, "requirements.txt")
	want := map[string]Severity{"moved provenance/publisher-change": SeverityHigh, "bare provenance/none": SeverityInfo}
	if len(got) != len(want) {
		t.Fatalf("findings = %+v", got)
	}
	for _, f := range got {
		if sev, ok := want[f.Package+" "+f.Rule]; !ok || sev != f.Severity || f.File != "requirements.txt" || f.Line == 0 {
			t.Errorf("unexpected finding %+v", f)
		}
	}
	if got := ProvenanceFindings(&lockfile.Lock{Packages: []lockfile.Package{{Name: "x", Version: "1"}}}, "other.txt"); got != nil {
		t.Fatalf("a lock recording no provenance: %+v", got)
	}
}
