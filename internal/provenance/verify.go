package provenance

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// PublishPredicateType is the predicate type of a PyPI publish attestation.
const PublishPredicateType = "https://docs.pypi.org/attestations/publish/v1"

// Check names one verification step; an *Error says which one failed.
type Check string

// The checks, in the order Verify runs them (see the package comment).
const (
	CheckFormat          Check = "format"
	CheckCertificate     Check = "certificate chain"
	CheckSignature       Check = "signature"
	CheckTransparencyLog Check = "transparency log inclusion"
	CheckPredicate       Check = "predicate type"
	CheckSubjectName     Check = "subject name"
	CheckSubjectDigest   Check = "subject digest"
	CheckPublisher       Check = "publisher identity"
)

// Error is a failed verification: which file, which check, and why.
type Error struct {
	File  string
	Check Check
	Err   error
}

func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "provenance"
	}
	return fmt.Sprintf("%s: provenance fails the %s check: %v", file, e.Check, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Dist is the file a provenance object is checked against.
type Dist struct {
	// Filename is the distribution's file name, as the subject must name it.
	Filename string
	// SHA256 is the file's digest in lowercase hex.
	SHA256 string
}

//go:embed trusted_root.json
var defaultTrustedRoot []byte

// DefaultTrustedRoot returns the embedded Sigstore public-good trusted root
// (sigstore/root-signing targets/trusted_root.json).
func DefaultTrustedRoot() []byte { return bytes.Clone(defaultTrustedRoot) }

// Verifier checks provenance against one trusted root. It is safe for
// concurrent use.
type Verifier struct {
	material   root.TrustedMaterial
	sv         *verify.Verifier
	requireSCT bool
}

// NewVerifier returns a Verifier for a trusted_root.json document.
func NewVerifier(trustedRootJSON []byte) (*Verifier, error) {
	tr, err := root.NewTrustedRootFromJSON(trustedRootJSON)
	if err != nil {
		return nil, fmt.Errorf("trusted root: %w", err)
	}
	return NewVerifierFromMaterial(tr)
}

// NewVerifierFromMaterial returns a Verifier for already built trusted
// material. Signed certificate timestamps are required exactly when the
// material names CT logs: a private instance without CT logs cannot have
// issued them.
func NewVerifierFromMaterial(tm root.TrustedMaterial) (*Verifier, error) {
	v := &Verifier{material: tm, requireSCT: len(tm.CTLogs()) > 0}
	opts := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1)}
	if v.requireSCT {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	sv, err := verify.NewVerifier(tm, opts...)
	if err != nil {
		return nil, fmt.Errorf("sigstore verifier: %w", err)
	}
	v.sv = sv
	return v, nil
}

// VerifyProvenance parses a provenance object and verifies every attestation
// of every bundle against dist. It returns the distinct publisher
// identities, in bundle order.
func (v *Verifier) VerifyProvenance(dist Dist, data []byte) ([]Identity, error) {
	p, err := Parse(data)
	if err != nil {
		return nil, &Error{File: dist.Filename, Check: CheckFormat, Err: err}
	}
	var ids []Identity
	for i := range p.Bundles {
		b := &p.Bundles[i]
		for j := range b.Attestations {
			id, err := v.verify(dist, &b.Attestations[j], &b.Publisher)
			if err != nil {
				return nil, err
			}
			if !containsIdentity(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

func (v *Verifier) verify(dist Dist, a *Attestation, pub *Publisher) (Identity, error) {
	fail := func(c Check, err error) (Identity, error) {
		return Identity{}, &Error{File: dist.Filename, Check: c, Err: err}
	}
	ent, perr := a.toEntity()
	if perr != nil {
		perr.File = dist.Filename
		return Identity{}, perr
	}
	// sigstore-go's full verification is the verdict. Only when it fails
	// do the separate checks run, in order, so that the error names the
	// first broken part; a valid attestation pays for each check once.
	res, err := v.sv.Verify(ent, verify.NewPolicy(verify.WithoutArtifactUnsafe(), verify.WithoutIdentitiesUnsafe()))
	if err != nil {
		return fail(v.firstFailedCheck(ent, fmt.Errorf("sigstore verification: %w", err)))
	}
	if res.Statement == nil {
		return fail(CheckFormat, errors.New("envelope holds no in-toto statement"))
	}
	if res.Statement.PredicateType != PublishPredicateType {
		return fail(CheckPredicate, fmt.Errorf("predicate type %q, want %q", res.Statement.PredicateType, PublishPredicateType))
	}
	if n := len(res.Statement.Subject); n != 1 {
		return fail(CheckSubjectName, fmt.Errorf("statement has %d subjects, want exactly 1", n))
	}
	subj := res.Statement.Subject[0]
	if subj.Name != dist.Filename {
		return fail(CheckSubjectName, fmt.Errorf("statement is for %q, not %q", subj.Name, dist.Filename))
	}
	got := strings.ToLower(subj.Digest["sha256"])
	if _, err := hex.DecodeString(got); err != nil || len(got) != 64 {
		return fail(CheckSubjectDigest, fmt.Errorf("statement has no valid sha256 digest (%q)", got))
	}
	if got != strings.ToLower(dist.SHA256) {
		return fail(CheckSubjectDigest, fmt.Errorf("statement's sha256 %s is not the file's %s", got, dist.SHA256))
	}
	if res.Signature == nil || res.Signature.Certificate == nil {
		return fail(CheckPublisher, errors.New("attestation is not signed with a certificate"))
	}
	id, err := identityFromCertificate(*res.Signature.Certificate, pub)
	if err != nil {
		return fail(CheckPublisher, err)
	}
	return id, nil
}

// firstFailedCheck runs the checks sigstore-go's verification combines, one
// at a time and in the package comment's order, and returns the first that
// fails with its error; fallback (under CheckSignature) when each passes
// alone. The certificate check uses the integrated time the entry claims;
// the transparency log check proves that time.
func (v *Verifier) firstFailedCheck(ent *entity, fallback error) (Check, error) {
	entries, err := ent.TlogEntries()
	if err != nil || len(entries) == 0 {
		return CheckFormat, fmt.Errorf("transparency entry: %w", errors.Join(err, errors.New("none usable")))
	}
	leaf, err := ent.leaf()
	if err != nil {
		return CheckCertificate, fmt.Errorf("certificate does not parse: %w", err)
	}
	integrated := entries[0].IntegratedTime()
	if len(leaf.UnhandledCriticalExtensions) == 0 {
		chains, err := verify.VerifyLeafCertificate(integrated, leaf, v.material)
		if err != nil {
			return CheckCertificate, fmt.Errorf("certificate does not chain to the trusted root at %s: %w",
				integrated.UTC().Format("2006-01-02T15:04:05Z"), err)
		}
		if v.requireSCT {
			if err := verify.VerifySignedCertificateTimestamp(chains, 1, v.material); err != nil {
				return CheckCertificate, fmt.Errorf("certificate has no valid signed certificate timestamp: %w", err)
			}
		}
	}
	sig, err := ent.SignatureContent()
	if err != nil {
		return CheckFormat, err
	}
	vc, err := ent.VerificationContent()
	if err != nil {
		return CheckFormat, err
	}
	if err := verify.VerifySignature(sig, vc, v.material); err != nil {
		return CheckSignature, fmt.Errorf("DSSE signature over the statement does not verify: %w", err)
	}
	if _, err := v.sv.VerifyTransparencyLogInclusion(ent); err != nil {
		return CheckTransparencyLog, fmt.Errorf("the Rekor entry's inclusion proof, checkpoint or signed entry timestamp does not verify against a log of the trusted root: %w", err)
	}
	return CheckSignature, fallback
}
