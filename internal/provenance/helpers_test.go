package provenance

import "fmt"

// ParseAttestation reads a single attestation object (PyPI's upload format).
func ParseAttestation(data []byte) (*Attestation, error) {
	if len(data) > MaxProvenanceSize {
		return nil, fmt.Errorf("attestation is %d bytes, over the limit of %d", len(data), MaxProvenanceSize)
	}
	var a Attestation
	if err := strictUnmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("attestation is not valid JSON: %w", err)
	}
	if err := a.check(); err != nil {
		return nil, err
	}
	return &a, nil
}

// VerifyAttestation verifies one attestation object, whose publisher is read
// from its certificate alone.
func (v *Verifier) VerifyAttestation(dist Dist, a *Attestation) (Identity, error) {
	return v.verify(dist, a, nil)
}
