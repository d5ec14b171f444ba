package provenance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Limits on a provenance object. PyPI serves one bundle with one attestation
// per file; the limits leave room for more while bounding the work a
// hostile index can cause.
const (
	// MaxProvenanceSize bounds the JSON document (a real one is ~6 KiB).
	MaxProvenanceSize = 1 << 20
	// MaxBundles bounds attestation_bundles.
	MaxBundles = 16
	// MaxAttestations bounds the attestations of one bundle.
	MaxAttestations = 16
	// MaxTransparencyEntries bounds transparency_entries of one attestation.
	MaxTransparencyEntries = 8
)

// Version is the only provenance and attestation format version (PEP 740).
const Version = 1

// Provenance is a PEP 740 provenance object.
type Provenance struct {
	Version int                 `json:"version"`
	Bundles []AttestationBundle `json:"attestation_bundles"`
}

// AttestationBundle groups the attestations made by one publisher.
type AttestationBundle struct {
	Publisher    Publisher     `json:"publisher"`
	Attestations []Attestation `json:"attestations"`
}

// Publisher is the index's description of the Trusted Publisher. It is not
// signed: Verify compares it with the certificate.
type Publisher struct {
	Kind string `json:"kind"`
	// Claims holds every other member with a string value (repository,
	// workflow, environment, email, ...).
	Claims map[string]string `json:"-"`
}

// UnmarshalJSON keeps "kind" and every other string member as a claim;
// members of other types (null for an unset environment) are dropped.
func (p *Publisher) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	p.Kind, p.Claims = "", map[string]string{}
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) != nil {
			continue
		}
		if k == "kind" {
			p.Kind = s
			continue
		}
		p.Claims[k] = s
	}
	if p.Kind == "" {
		return errors.New(`publisher has no "kind"`)
	}
	return nil
}

// Attestation is one PEP 740 attestation object.
type Attestation struct {
	Version              int                  `json:"version"`
	VerificationMaterial VerificationMaterial `json:"verification_material"`
	Envelope             Envelope             `json:"envelope"`
}

// VerificationMaterial is the certificate and the log entries.
type VerificationMaterial struct {
	// Certificate is the DER leaf certificate (base64 in JSON).
	Certificate []byte `json:"certificate"`
	// TransparencyEntries are Rekor TransparencyLogEntry objects in their
	// protobuf JSON form, parsed when the bundle is built.
	TransparencyEntries []json.RawMessage `json:"transparency_entries"`
}

// Envelope is the signed in-toto statement (both base64 in JSON).
type Envelope struct {
	Statement []byte `json:"statement"`
	Signature []byte `json:"signature"`
}

// Parse reads a provenance object and checks its shape (versions, limits,
// required members). It does no verification.
func Parse(data []byte) (*Provenance, error) {
	if len(data) > MaxProvenanceSize {
		return nil, fmt.Errorf("provenance is %d bytes, over the limit of %d", len(data), MaxProvenanceSize)
	}
	var p Provenance
	if err := strictUnmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("provenance is not valid JSON: %w", err)
	}
	if p.Version != Version {
		return nil, fmt.Errorf("provenance version %d, want %d", p.Version, Version)
	}
	if len(p.Bundles) == 0 {
		return nil, errors.New("provenance has no attestation bundles")
	}
	if len(p.Bundles) > MaxBundles {
		return nil, fmt.Errorf("provenance has %d attestation bundles, over the limit of %d", len(p.Bundles), MaxBundles)
	}
	for i := range p.Bundles {
		b := &p.Bundles[i]
		if b.Publisher.Kind == "" {
			return nil, fmt.Errorf("attestation bundle %d has no publisher", i)
		}
		if len(b.Attestations) == 0 {
			return nil, fmt.Errorf("attestation bundle %d has no attestations", i)
		}
		if len(b.Attestations) > MaxAttestations {
			return nil, fmt.Errorf("attestation bundle %d has %d attestations, over the limit of %d", i, len(b.Attestations), MaxAttestations)
		}
		for j := range b.Attestations {
			if err := b.Attestations[j].check(); err != nil {
				return nil, fmt.Errorf("attestation bundle %d, attestation %d: %w", i, j, err)
			}
		}
	}
	return &p, nil
}

func (a *Attestation) check() error {
	switch {
	case a.Version != Version:
		return fmt.Errorf("attestation version %d, want %d", a.Version, Version)
	case len(a.VerificationMaterial.Certificate) == 0:
		return errors.New("attestation has no certificate")
	case len(a.VerificationMaterial.TransparencyEntries) == 0:
		return errors.New("attestation has no transparency entries")
	case len(a.VerificationMaterial.TransparencyEntries) > MaxTransparencyEntries:
		return fmt.Errorf("attestation has %d transparency entries, over the limit of %d",
			len(a.VerificationMaterial.TransparencyEntries), MaxTransparencyEntries)
	case len(a.Envelope.Statement) == 0:
		return errors.New("attestation has no statement")
	case len(a.Envelope.Signature) == 0:
		return errors.New("attestation has no signature")
	}
	return nil
}

// strictUnmarshal decodes one JSON value and refuses trailing data.
// json.Unmarshal reads the input in place (a json.Decoder copies it into
// buffers it grows, which doubled Parse's allocations) and refuses
// anything after the value as a syntax error; only then is the input read
// again, to name that case.
func strictUnmarshal(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		var first json.RawMessage
		if json.NewDecoder(bytes.NewReader(data)).Decode(&first) == nil {
			return errors.New("trailing data after the JSON value")
		}
	}
	return err
}
