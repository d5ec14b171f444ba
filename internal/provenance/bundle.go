package provenance

import (
	"crypto/x509"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/encoding/protojson"
)

const (
	// bundleMediaType is the Sigstore bundle version an attestation is
	// rebuilt as: v0.3 carries a bare leaf certificate and requires an
	// inclusion proof, which is what PyPI serves.
	bundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// InTotoPayloadType is the DSSE payload type of every PEP 740 statement.
	InTotoPayloadType = "application/vnd.in-toto+json"
)

// bundleParts is an attestation rebuilt as a Sigstore bundle, with its
// parsed leaf certificate.
type bundleParts struct {
	bundle *bundle.Bundle
	leaf   *x509.Certificate
}

// toBundle rebuilds a as a Sigstore bundle. Like pypi-attestations, only the
// first transparency entry is used: PyPI records exactly one.
func (a *Attestation) toBundle() (*bundleParts, *Error) {
	leaf, err := x509.ParseCertificate(a.VerificationMaterial.Certificate)
	if err != nil {
		return nil, &Error{Check: CheckCertificate, Err: fmt.Errorf("certificate does not parse: %w", err)}
	}
	var entry protorekor.TransparencyLogEntry
	if err := protojson.Unmarshal(a.VerificationMaterial.TransparencyEntries[0], &entry); err != nil {
		return nil, &Error{Check: CheckFormat, Err: fmt.Errorf("transparency entry does not parse: %w", err)}
	}
	pb := &protobundle.Bundle{
		MediaType: bundleMediaType,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{
				Certificate: &protocommon.X509Certificate{RawBytes: a.VerificationMaterial.Certificate},
			},
			TlogEntries: []*protorekor.TransparencyLogEntry{&entry},
		},
		Content: &protobundle.Bundle_DsseEnvelope{
			DsseEnvelope: &protodsse.Envelope{
				Payload:     a.Envelope.Statement,
				PayloadType: InTotoPayloadType,
				Signatures:  []*protodsse.Signature{{Sig: a.Envelope.Signature}},
			},
		},
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, &Error{Check: CheckFormat, Err: fmt.Errorf("attestation is not a valid Sigstore bundle: %w", err)}
	}
	return &bundleParts{bundle: b, leaf: leaf}, nil
}
