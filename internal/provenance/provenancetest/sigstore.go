// Package provenancetest publishes genuine PEP 740 provenance from a private,
// in-process Sigstore instance, for tests and the test index.
//
// The instance is sigstore-go's virtual Sigstore (pkg/testing/ca): its Rekor
// log key signs the entries, checkpoints and signed entry timestamps, and its
// root and intermediate generators make the Fulcio CA. The leaf certificates
// are issued here because a Trusted Publisher certificate must carry Fulcio's
// CI extensions (issuer, source repository, build config), which the virtual
// instance's leaves do not. Every signature is real and is checked by
// provenance.Verifier exactly as one from the public-good instance; only the
// trusted root differs (TrustedRootJSON), and it names no CT log, so no
// signed certificate timestamps are expected.
//
// Nothing here is linked into pyward itself.
package provenancetest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/signature"
	sigdsse "github.com/sigstore/sigstore/pkg/signature/dsse"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/pyward/pyward/internal/provenance"
)

// Validity windows, all around the creation time: the leaf lives ten minutes
// like Fulcio's, the CA and the log key a few hours, so tests never race a
// clock.
const (
	leafLifetime = 10 * time.Minute
	caSlack      = 5 * time.Hour
)

// Sigstore is one private Sigstore instance. It is safe for concurrent use.
type Sigstore struct {
	vs        *ca.VirtualSigstore
	fulcio    *root.FulcioCertificateAuthority
	interKey  *ecdsa.PrivateKey
	rekor     map[string]*root.TransparencyLog
	created   time.Time
	trustedRT *root.TrustedRoot
}

// New starts an instance.
func New() (*Sigstore, error) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		return nil, fmt.Errorf("virtual sigstore: %w", err)
	}
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		return nil, fmt.Errorf("fulcio root: %w", err)
	}
	interCert, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		return nil, fmt.Errorf("fulcio intermediate: %w", err)
	}
	now := time.Now()
	s := &Sigstore{
		vs:       vs,
		interKey: interKey,
		created:  now,
		fulcio: &root.FulcioCertificateAuthority{
			Root:                rootCert,
			Intermediates:       []*x509.Certificate{interCert},
			ValidityPeriodStart: now.Add(-caSlack),
			ValidityPeriodEnd:   now.Add(caSlack),
			URI:                 "https://fulcio.localhost",
		},
		rekor: map[string]*root.TransparencyLog{},
	}
	// The virtual instance names its log by the hex string's bytes; a
	// trusted_root.json names it by the raw key digest, which is what the
	// entries carry, so the log is described again here.
	for _, l := range vs.RekorLogs() {
		der, err := x509.MarshalPKIXPublicKey(l.PublicKey)
		if err != nil {
			return nil, err
		}
		id := sha256.Sum256(der)
		tl := *l
		tl.ID = id[:]
		tl.ValidityPeriodStart = now.Add(-caSlack)
		tl.ValidityPeriodEnd = time.Time{}
		s.rekor[fmt.Sprintf("%x", id)] = &tl
	}
	s.trustedRT, err = root.NewTrustedRoot(root.TrustedRootMediaType01,
		[]root.CertificateAuthority{s.fulcio}, nil, nil, s.rekor)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// TrustedRoot is the instance's trusted material.
func (s *Sigstore) TrustedRoot() *root.TrustedRoot { return s.trustedRT }

// TrustedRootJSON is the instance's trusted_root.json, for --trusted-root.
func (s *Sigstore) TrustedRootJSON() ([]byte, error) { return s.trustedRT.MarshalJSON() }

// Verifier returns a provenance.Verifier trusting this instance.
func (s *Sigstore) Verifier() (*provenance.Verifier, error) {
	return provenance.NewVerifierFromMaterial(s.trustedRT)
}

// Statement returns the in-toto statement PyPI's publish attestation makes
// for a file.
func Statement(filename, sha256hex string) []byte {
	st := map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": filename, "digest": map[string]string{"sha256": sha256hex}}},
		"predicateType": provenance.PublishPredicateType,
		"predicate":     nil,
	}
	out, _ := json.Marshal(st)
	return out
}

// Provenance returns a PEP 740 provenance object for a file published by id.
func (s *Sigstore) Provenance(filename, sha256hex string, id provenance.Identity) ([]byte, error) {
	return s.ProvenanceOf(Statement(filename, sha256hex), id)
}

// ProvenanceOf signs any statement as id (tests of wrong subjects or
// predicates use it).
func (s *Sigstore) ProvenanceOf(statement []byte, id provenance.Identity) ([]byte, error) {
	att, err := s.attest(statement, id)
	if err != nil {
		return nil, err
	}
	pub := map[string]any{"kind": id.Kind}
	for k, v := range id.Claims {
		pub[k] = v
	}
	return json.Marshal(map[string]any{
		"version": provenance.Version,
		"attestation_bundles": []any{map[string]any{
			"publisher":    pub,
			"attestations": []any{att},
		}},
	})
}

func (s *Sigstore) attest(statement []byte, id provenance.Identity) (map[string]any, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leaf, err := s.issue(key, id)
	if err != nil {
		return nil, err
	}
	signer, err := signature.LoadECDSASigner(key, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	es, err := dsse.NewEnvelopeSigner(&sigdsse.SignerAdapter{SignatureSigner: signer, Pub: &key.PublicKey})
	if err != nil {
		return nil, err
	}
	env, err := es.SignPayload(context.Background(), provenance.InTotoPayloadType, statement)
	if err != nil {
		return nil, fmt.Errorf("dsse: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	if err != nil {
		return nil, err
	}
	tle, err := s.logEntry(leaf, env, sig)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"version": provenance.Version,
		"verification_material": map[string]any{
			"certificate":          leaf.Raw,
			"transparency_entries": []json.RawMessage{tle},
		},
		"envelope": map[string]any{"statement": statement, "signature": sig},
	}, nil
}

// logEntry records the signature in the virtual Rekor log and returns the
// entry in the form PyPI serves: a TransparencyLogEntry with kind, inclusion
// proof and the signed entry timestamp as inclusion promise.
func (s *Sigstore) logEntry(leaf *x509.Certificate, env *dsse.Envelope, sig []byte) (json.RawMessage, error) {
	integrated := time.Now().Unix()
	entry, err := s.vs.GenerateTlogEntry(leaf, env, sig, integrated, true)
	if err != nil {
		return nil, fmt.Errorf("rekor entry: %w", err)
	}
	tle := proto.Clone(entry.TransparencyLogEntry()).(*protorekor.TransparencyLogEntry)
	var body struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(tle.CanonicalizedBody, &body); err != nil {
		return nil, fmt.Errorf("rekor entry body: %w", err)
	}
	tle.KindVersion = &protorekor.KindVersion{Kind: body.Kind, Version: body.APIVersion}
	set, err := s.vs.RekorSignPayload(tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(tle.CanonicalizedBody),
		IntegratedTime: integrated,
		LogIndex:       tle.LogIndex,
		LogID:          hex.EncodeToString(tle.LogId.KeyId),
	})
	if err != nil {
		return nil, fmt.Errorf("signed entry timestamp: %w", err)
	}
	tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
	return protojson.Marshal(tle)
}

// Issuers of the certificates, by publisher kind.
var issuers = map[string]string{
	provenance.KindGitHub:      "https://token.actions.githubusercontent.com",
	provenance.KindGitLab:      "https://gitlab.com",
	provenance.KindGoogle:      "https://accounts.google.com",
	provenance.KindActiveState: "https://platform.activestate.com/api/v1/oauth/oidc",
}

// issue makes a Fulcio-style leaf certificate for id's publisher.
func (s *Sigstore) issue(key *ecdsa.PrivateKey, id provenance.Identity) (*x509.Certificate, error) {
	issuer, ok := issuers[id.Kind]
	if !ok {
		issuer = id.Claims["issuer"]
	}
	const ref, sha = "refs/heads/main", "4f1d2e3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"
	exts := certificate.Extensions{Issuer: issuer}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(leafLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	switch id.Kind {
	case provenance.KindGitHub:
		repo := "https://github.com/" + id.Claims["repository"]
		cfg := repo + "/.github/workflows/" + id.Claims["workflow"] + "@" + ref
		exts.SourceRepositoryURI, exts.SourceRepositoryRef, exts.SourceRepositoryDigest = repo, ref, sha
		exts.BuildConfigURI, exts.BuildSignerURI = cfg, cfg
		u, err := url.Parse(cfg)
		if err != nil {
			return nil, err
		}
		tmpl.URIs = []*url.URL{u}
	case provenance.KindGitLab:
		repo := "https://gitlab.com/" + id.Claims["repository"]
		cfg := repo + "//" + id.Claims["workflow_filepath"] + "@" + ref
		exts.SourceRepositoryURI, exts.SourceRepositoryRef, exts.SourceRepositoryDigest = repo, ref, sha
		exts.BuildConfigURI, exts.BuildSignerURI = cfg, cfg
		u, err := url.Parse(cfg)
		if err != nil {
			return nil, err
		}
		tmpl.URIs = []*url.URL{u}
	case provenance.KindGoogle:
		tmpl.EmailAddresses = []string{id.Claims["email"]}
	default:
		tmpl.EmailAddresses = []string{id.Claims["subject"]}
	}
	extra, err := fulcioExtensions(exts)
	if err != nil {
		return nil, err
	}
	tmpl.ExtraExtensions = extra
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.fulcio.Intermediates[0], &key.PublicKey, s.interKey)
	if err != nil {
		return nil, fmt.Errorf("leaf certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// fulcioExtensions encodes the extensions Fulcio writes, as DER UTF8Strings
// (OID 1.3.6.1.4.1.57264.1.8 onwards).
func fulcioExtensions(e certificate.Extensions) ([]pkix.Extension, error) {
	fields := []struct {
		oid asn1.ObjectIdentifier
		v   string
	}{
		{certificate.OIDIssuerV2, e.Issuer},
		{certificate.OIDBuildSignerURI, e.BuildSignerURI},
		{certificate.OIDSourceRepositoryURI, e.SourceRepositoryURI},
		{certificate.OIDSourceRepositoryDigest, e.SourceRepositoryDigest},
		{certificate.OIDSourceRepositoryRef, e.SourceRepositoryRef},
		{certificate.OIDBuildConfigURI, e.BuildConfigURI},
	}
	var out []pkix.Extension
	for _, f := range fields {
		if f.v == "" {
			continue
		}
		val, err := asn1.MarshalWithParams(f.v, "utf8")
		if err != nil {
			return nil, err
		}
		out = append(out, pkix.Extension{Id: f.oid, Value: val})
	}
	return out, nil
}
