package provenance

import (
	"crypto/x509"
	"errors"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"
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

// entity is an attestation rebuilt as a Sigstore bundle, in the form
// sigstore-go's verifier reads (verify.SignedEntity). A bundle.Bundle
// parses its transparency entry, certificate and envelope again each time
// the verifier asks for them (the entry alone costs more than a signature
// check), and one verification asks two or three times; entity parses
// each once, with bundle.Bundle's own methods, and answers every later
// call with that result. Nothing the verifier checks is computed here.
type entity struct {
	*bundle.Bundle
	cert    []byte // DER leaf certificate
	entries []*tlog.Entry
	vc      verify.VerificationContent
	sc      verify.SignatureContent
}

// TlogEntries implements verify.SignedEntity.
func (e *entity) TlogEntries() ([]*tlog.Entry, error) { return e.entries, nil }

// VerificationContent implements verify.SignedEntity.
func (e *entity) VerificationContent() (verify.VerificationContent, error) { return e.vc, nil }

// SignatureContent implements verify.SignedEntity.
func (e *entity) SignatureContent() (verify.SignatureContent, error) { return e.sc, nil }

// leaf parses the leaf certificate afresh: sigstore-go's verification
// edits the parsed certificate it was given (it drops handled critical
// extensions), and the failure path must see the certificate as signed.
func (e *entity) leaf() (*x509.Certificate, error) { return x509.ParseCertificate(e.cert) }

// toEntity rebuilds a as a Sigstore bundle. Like pypi-attestations, only
// the first transparency entry is used: PyPI records exactly one.
//
// bundle.NewBundle would parse the entry once more only to validate the
// bundle's shape; of that validation, what the construction below does
// not fix by itself is the v0.3 rule that the entry carries an inclusion
// proof, which is checked here with the flag the parse sets.
func (a *Attestation) toEntity() (*entity, *Error) {
	pb := &protobundle.Bundle{
		MediaType: bundleMediaType,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{
				Certificate: &protocommon.X509Certificate{RawBytes: a.VerificationMaterial.Certificate},
			},
		},
		Content: &protobundle.Bundle_DsseEnvelope{
			DsseEnvelope: &protodsse.Envelope{
				Payload:     a.Envelope.Statement,
				PayloadType: InTotoPayloadType,
				Signatures:  []*protodsse.Signature{{Sig: a.Envelope.Signature}},
			},
		},
	}
	e := &entity{Bundle: &bundle.Bundle{Bundle: pb}, cert: a.VerificationMaterial.Certificate}
	var err error
	if e.vc, err = e.Bundle.VerificationContent(); err != nil {
		return nil, &Error{Check: CheckCertificate, Err: fmt.Errorf("certificate does not parse: %w", err)}
	}
	var entry protorekor.TransparencyLogEntry
	if err := protojson.Unmarshal(a.VerificationMaterial.TransparencyEntries[0], &entry); err != nil {
		return nil, &Error{Check: CheckFormat, Err: fmt.Errorf("transparency entry does not parse: %w", err)}
	}
	pb.VerificationMaterial.TlogEntries = []*protorekor.TransparencyLogEntry{&entry}
	invalid := func(err error) (*entity, *Error) {
		return nil, &Error{Check: CheckFormat, Err: fmt.Errorf("attestation is not a valid Sigstore bundle: %w", err)}
	}
	if e.entries, err = e.Bundle.TlogEntries(); err != nil {
		return invalid(err)
	}
	if !e.HasInclusionProof() {
		return invalid(errors.New("the transparency entry has no inclusion proof (required by bundle v0.3)"))
	}
	if e.sc, err = e.Bundle.SignatureContent(); err != nil {
		return invalid(err)
	}
	return e, nil
}
