package provenance

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/pyward/pyward/internal/lockfile"
)

// Publisher kinds, as PyPI names them, and the OIDC issuer each one's
// certificates carry.
const (
	KindGitHub      = "GitHub"
	KindGitLab      = "GitLab"
	KindGoogle      = "Google"
	KindActiveState = "ActiveState"
	// KindSigstore is any other signer: kind "Sigstore" with issuer and
	// subject claims.
	KindSigstore = "Sigstore"

	issuerGitHub      = "https://token.actions.githubusercontent.com"
	issuerGitLab      = "https://gitlab.com"
	issuerGoogle      = "https://accounts.google.com"
	issuerActiveState = "https://platform.activestate.com/api/v1/oauth/oidc"
)

// Identity is a publisher identity: a kind and its claims. It is the lock's
// own type, so a verified identity is recorded and compared as it is.
type Identity = lockfile.AttestationIdentity

// ParseIdentity reads the `kind claim=value ...` form of Identity.String.
func ParseIdentity(s string) (Identity, error) { return lockfile.ParseAttestationIdentity(s) }

func containsIdentity(ids []Identity, id Identity) bool {
	return slices.ContainsFunc(ids, id.Equal)
}

// identityFromCertificate reads the publisher identity from a verified
// certificate's summary and, when the index sent a publisher object, checks
// that it names the same publisher.
func identityFromCertificate(s summary, pub *Publisher) (Identity, error) {
	ext := s.Extensions
	var id Identity
	switch ext.Issuer {
	case issuerGitHub:
		repo, workflow, err := ciIdentity(ext.SourceRepositoryURI, ext.BuildConfigURI, "https://github.com/", "/.github/workflows/",
			ext.SourceRepositoryDigest, ext.SourceRepositoryRef)
		if err != nil {
			return Identity{}, fmt.Errorf("GitHub certificate: %w", err)
		}
		id = Identity{Kind: KindGitHub, Claims: map[string]string{"repository": repo, "workflow": workflow}}
		if err := matchPublisher(pub, id, "environment"); err != nil {
			return Identity{}, err
		}
	case issuerGitLab:
		repo, path, err := ciIdentity(ext.SourceRepositoryURI, ext.BuildConfigURI, "https://gitlab.com/", "//",
			ext.SourceRepositoryDigest, ext.SourceRepositoryRef)
		if err != nil {
			return Identity{}, fmt.Errorf("GitLab certificate: %w", err)
		}
		id = Identity{Kind: KindGitLab, Claims: map[string]string{"repository": repo, "workflow_filepath": path}}
		if err := matchPublisher(pub, id, "environment"); err != nil {
			return Identity{}, err
		}
	case issuerGoogle:
		if s.SubjectAlternativeName == "" {
			return Identity{}, errors.New("the Google certificate has no subject")
		}
		id = Identity{Kind: KindGoogle, Claims: map[string]string{"email": s.SubjectAlternativeName}}
		if err := matchPublisher(pub, id); err != nil {
			return Identity{}, err
		}
	case issuerActiveState:
		if s.SubjectAlternativeName == "" {
			return Identity{}, errors.New("the ActiveState certificate has no subject")
		}
		id = Identity{Kind: KindActiveState, Claims: map[string]string{"subject": s.SubjectAlternativeName}}
		if pub != nil {
			// The certificate names the platform's subject only; organization
			// and project come from PyPI's record of the publisher.
			if pub.Kind != KindActiveState {
				return Identity{}, fmt.Errorf("certificate is from ActiveState, the index names a %s publisher", pub.Kind)
			}
			for _, k := range []string{"organization", "project"} {
				if v := pub.Claims[k]; v != "" {
					id.Claims[k] = v
				}
			}
		}
	default:
		if pub != nil {
			return Identity{}, fmt.Errorf("certificate issuer %q is not a Trusted Publisher's, the index names a %s publisher",
				ext.Issuer, pub.Kind)
		}
		id = Identity{Kind: KindSigstore, Claims: map[string]string{"issuer": ext.Issuer, "subject": s.SubjectAlternativeName}}
	}
	return id, nil
}

// ciIdentity reads the repository from the Source Repository URI and the
// workflow file from the Build Config URI, which must be
// <host><repository><sep><file>@<digest or ref> for this very run.
func ciIdentity(sourceURI, configURI, host, sep, digest, ref string) (repo, file string, err error) {
	repo, ok := strings.CutPrefix(sourceURI, host)
	if !ok || repo == "" {
		return "", "", fmt.Errorf("source repository %q is not on %s", sourceURI, host)
	}
	rest, ok := strings.CutPrefix(configURI, host+repo+sep)
	if !ok {
		return "", "", fmt.Errorf("build config %q is not in repository %s", configURI, repo)
	}
	at := strings.LastIndexByte(rest, '@')
	if at <= 0 {
		return "", "", fmt.Errorf("build config %q names no workflow@ref", configURI)
	}
	file, suffix := rest[:at], rest[at+1:]
	if suffix == "" || (suffix != digest && suffix != ref) {
		return "", "", fmt.Errorf("build config %q is not at the source digest or ref", configURI)
	}
	return repo, file, nil
}

// matchPublisher checks the index's publisher object against the identity
// read from the certificate, then copies the claims the certificate cannot
// carry (extra) into id.
func matchPublisher(pub *Publisher, id Identity, extra ...string) error {
	if pub == nil {
		return nil
	}
	if pub.Kind != id.Kind {
		return fmt.Errorf("certificate is from %s, the index names a %s publisher", id.Kind, pub.Kind)
	}
	for k, v := range id.Claims {
		if got := pub.Claims[k]; !lockfile.ClaimEqual(k, got, v) {
			return fmt.Errorf("certificate has %s %q, the index's publisher has %q", k, v, pub.Claims[k])
		}
	}
	for _, k := range extra {
		if v := pub.Claims[k]; v != "" {
			id.Claims[k] = v
		}
	}
	return nil
}

// summary is the part of a verified certificate the identity is read from.
type summary = certificate.Summary
