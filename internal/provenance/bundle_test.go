package provenance

import (
	"errors"
	"strings"
	"testing"
)

// A transparency entry without its inclusion proof is refused even though
// its signed entry timestamp alone would satisfy sigstore-go's log check:
// a v0.3 bundle must carry the proof.
func TestEntryWithoutInclusionProof(t *testing.T) {
	v := publicGood(t)
	data := mutate(t, func(att map[string]any) {
		entry := att["verification_material"].(map[string]any)["transparency_entries"].([]any)[0].(map[string]any)
		if _, ok := entry["inclusionProof"]; !ok {
			t.Fatal("fixture entry has no inclusionProof")
		}
		delete(entry, "inclusionProof")
	})
	_, err := v.VerifyProvenance(Dist{Filename: gcbFile, SHA256: gcbSHA256}, data)
	var perr *Error
	if !errors.As(err, &perr) || perr.Check != CheckFormat || !strings.Contains(err.Error(), "has no inclusion proof") {
		t.Fatalf("err = %v, want the format check naming the missing inclusion proof", err)
	}
}

// A certificate that is not DER fails the certificate check before the
// entry is read.
func TestCertificateDoesNotParse(t *testing.T) {
	v := publicGood(t)
	data := mutate(t, func(att map[string]any) {
		att["verification_material"].(map[string]any)["certificate"] = "bm90IGEgY2VydGlmaWNhdGU=" // "not a certificate"
	})
	_, err := v.VerifyProvenance(Dist{Filename: gcbFile, SHA256: gcbSHA256}, data)
	var perr *Error
	if !errors.As(err, &perr) || perr.Check != CheckCertificate || !strings.Contains(err.Error(), "certificate does not parse") {
		t.Fatalf("err = %v, want the certificate check saying it does not parse", err)
	}
}
