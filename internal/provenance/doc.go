// Package provenance verifies PEP 740 provenance: who published a file on a
// Python package index, as Sigstore-signed in-toto statements.
//
// # Format
//
// A provenance object (PEP 740; JSON as served by PyPI's Integrity API and
// the simple API 1.3 "provenance" URL) is
//
//	{"version": 1, "attestation_bundles": [
//	  {"publisher": {"kind": "GitHub", "repository": "o/r", "workflow": "w.yml", ...},
//	   "attestations": [
//	     {"version": 1,
//	      "verification_material": {"certificate": b64(DER),
//	                                "transparency_entries": [Rekor TransparencyLogEntry JSON]},
//	      "envelope": {"statement": b64(in-toto statement), "signature": b64(sig)}}]}]}
//
// Parse reads it under named limits (MaxProvenanceSize, MaxBundles,
// MaxAttestations, MaxTransparencyEntries) and rejects unknown versions. An
// attestation is not a stock Sigstore bundle: it is rebuilt as a v0.3 bundle
// (DSSE envelope with payload type application/vnd.in-toto+json, the leaf
// certificate, and the first transparency entry, as pypi-attestations does)
// and verified with sigstore-go; no cryptography is written here.
//
// # Checks
//
// Verify runs sigstore-go's full verification of the bundle, the single
// authoritative verdict on the first four checks below; only when it fails
// are they run one at a time in this order, so that a broken part is named
// by the first check that depends on it (a valid attestation pays for each
// once). It returns an *Error naming the file and the Check that failed:
//
//   - CheckFormat: the object parses and rebuilds into a bundle, whose
//     transparency entry carries an inclusion proof (bundle v0.3 requires
//     one; a signed entry timestamp alone is not enough);
//   - CheckCertificate: the leaf certificate chains to a Fulcio CA of the
//     trusted root at the log's integrated time (the certificates live ten
//     minutes, so the wall clock is never used), with a signed certificate
//     timestamp from a CT log of the root when the root names CT logs;
//   - CheckSignature: the DSSE signature over the statement verifies with
//     the certificate's key;
//   - CheckTransparencyLog: the Rekor entry is for this envelope and
//     certificate, its inclusion proof and checkpoint verify against a log
//     of the trusted root, and its signed entry timestamp verifies;
//   - (a failure none of these names alone is reported under
//     CheckSignature, with sigstore-go's error);
//   - CheckPredicate: the statement's predicate type is
//     https://docs.pypi.org/attestations/publish/v1;
//   - CheckSubjectName, CheckSubjectDigest: the statement has exactly one
//     subject, whose name is the file's name and whose sha256 is the file's;
//   - CheckPublisher: the publisher identity read from the certificate's
//     Fulcio extensions agrees with the bundle's publisher object.
//
// # Identities
//
// The publisher identity recorded in a lock comes from the verified
// certificate, never from the unsigned publisher object alone:
//
//   - GitHub (issuer https://token.actions.githubusercontent.com):
//     repository from the Source Repository URI, workflow (the file name) from
//     the Build Config URI ".../.github/workflows/<file>@<ref>", and the
//     environment from the publisher object (Fulcio certificates do not carry
//     it);
//   - GitLab (issuer https://gitlab.com): repository and workflow_filepath
//     from ".../<repository>//<path>@<ref>", environment as for GitHub;
//   - Google (issuer https://accounts.google.com): the service account email
//     (the certificate's subject);
//   - ActiveState (issuer https://platform.activestate.com/api/v1/oauth/oidc):
//     the certificate's subject, with organization and project from the
//     publisher object;
//   - any other issuer: kind "Sigstore" with issuer and subject, which PyPI
//     never serves as provenance but a bare attestation may carry.
//
// # Trusted root
//
// The verification root is a Sigstore trusted_root.json. DefaultTrustedRoot
// is a snapshot embedded in the binary (sigstore/root-signing,
// targets/trusted_root.json; see testdata/SOURCE); a file given with
// --trusted-root replaces it, and Refresh fetches a current one through TUF
// (sigstore-go's TUF client over go-tuf v2) from one repository URL, trusting
// sigstore-go's built-in public-good root.json or a given one; the TUF
// metadata is kept between refreshes so that a repository cannot roll a
// client back.
//
// # Library choice
//
// sigstore-go v1.3.0 is used: it builds with Go 1.26, which go.mod names;
// v1.4.0 needs Go 1.27, which would force GOTOOLCHAIN on every build, CI run
// and developer shell. Only this package imports it, and nothing here runs
// at package initialisation, so commands that never verify provenance pay
// only for linking it.
package provenance
