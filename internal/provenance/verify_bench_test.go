package provenance_test

import (
	"os"
	"testing"

	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/provenance/provenancetest"
)

// BenchmarkVerifyProvenance measures one provenance object's verification
// on the virtual Sigstore instance (no CT log, so no SCT), which is what
// the lock bench's test index serves.
func BenchmarkVerifyProvenance(b *testing.B) {
	ss, err := provenancetest.New()
	if err != nil {
		b.Fatal(err)
	}
	v, err := ss.Verifier()
	if err != nil {
		b.Fatal(err)
	}
	data, err := ss.Provenance(wheel, wheelSHA, ghRelease)
	if err != nil {
		b.Fatal(err)
	}
	dist := provenance.Dist{Filename: wheel, SHA256: wheelSHA}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyProvenance(dist, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyProvenancePublicGood measures a real PyPI provenance
// object against the embedded public-good root, signed certificate
// timestamp included.
func BenchmarkVerifyProvenancePublicGood(b *testing.B) {
	v, err := provenance.NewVerifier(provenance.DefaultTrustedRoot())
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile("testdata/gcb_attestation_test-0.0.0.tar.gz.provenance")
	if err != nil {
		b.Fatal(err)
	}
	dist := provenance.Dist{Filename: "gcb_attestation_test-0.0.0.tar.gz",
		SHA256: "461317362419124b6012e855423a9078d6de8aed3e74fa78cc74d669b23dc6cf"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyProvenance(dist, data); err != nil {
			b.Fatal(err)
		}
	}
}
