package provenance

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// The real-world fixtures (testdata/SOURCE) and their files' digests, as
// their statements name them.
const (
	gcbFile    = "gcb_attestation_test-0.0.0.tar.gz"
	gcbSHA256  = "461317362419124b6012e855423a9078d6de8aed3e74fa78cc74d669b23dc6cf"
	gcbAccount = "919436158236-compute@developer.gserviceaccount.com"
	attFile    = "pypi_attestations-0.0.19.tar.gz"
	attSHA256  = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3"
	gcbFixture = "testdata/gcb_attestation_test-0.0.0.tar.gz.provenance"
	attFixture = "testdata/pypi_attestations-0.0.19.tar.gz.publish.attestation.with_timestamp"
)

func publicGood(t *testing.T) *Verifier {
	t.Helper()
	v, err := NewVerifier(DefaultTrustedRoot())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRealProvenanceVerifies(t *testing.T) {
	v := publicGood(t)
	ids, err := v.VerifyProvenance(Dist{Filename: gcbFile, SHA256: gcbSHA256}, readFixture(t, gcbFixture))
	if err != nil {
		t.Fatalf("real provenance against the public-good root: %v", err)
	}
	want := Identity{Kind: KindGoogle, Claims: map[string]string{"email": gcbAccount}}
	if len(ids) != 1 || !ids[0].Equal(want) {
		t.Fatalf("identities = %v, want [%v]", ids, want)
	}
}

func TestRealAttestationVerifies(t *testing.T) {
	v := publicGood(t)
	a, err := ParseAttestation(readFixture(t, attFixture))
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.VerifyAttestation(Dist{Filename: attFile, SHA256: attSHA256}, a)
	if err != nil {
		t.Fatalf("real attestation against the public-good root: %v", err)
	}
	want := Identity{Kind: KindSigstore, Claims: map[string]string{
		"issuer": "https://github.com/login/oauth", "subject": "jku@goto.fi"}}
	if !id.Equal(want) {
		t.Fatalf("identity = %v, want %v", id, want)
	}
}

// mutate edits the gcb fixture's only attestation through its JSON form.
func mutate(t *testing.T, edit func(att map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(readFixture(t, gcbFixture), &doc); err != nil {
		t.Fatal(err)
	}
	att := doc["attestation_bundles"].([]any)[0].(map[string]any)["attestations"].([]any)[0].(map[string]any)
	edit(att)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// flipB64 flips one bit of byte i (from the end when negative) of a base64
// string.
func flipB64(t *testing.T, s string, i int) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	if i < 0 {
		i += len(raw)
	}
	raw[i] ^= 0x01
	return base64.StdEncoding.EncodeToString(raw)
}

func TestRealProvenanceTampered(t *testing.T) {
	v := publicGood(t)
	entry := func(att map[string]any) map[string]any {
		return att["verification_material"].(map[string]any)["transparency_entries"].([]any)[0].(map[string]any)
	}
	tests := []struct {
		name    string
		data    func(t *testing.T) []byte
		dist    Dist
		check   Check
		message string
	}{
		{
			name: "signature byte",
			data: func(t *testing.T) []byte {
				return mutate(t, func(att map[string]any) {
					env := att["envelope"].(map[string]any)
					env["signature"] = flipB64(t, env["signature"].(string), 20)
				})
			},
			check: CheckSignature, message: "DSSE signature over the statement does not verify",
		},
		{
			name: "certificate byte",
			data: func(t *testing.T) []byte {
				return mutate(t, func(att map[string]any) {
					vm := att["verification_material"].(map[string]any)
					// Inside the issuer's signature, so the certificate still
					// parses and only the chain breaks.
					vm["certificate"] = flipB64(t, vm["certificate"].(string), -10)
				})
			},
			check: CheckCertificate, message: "certificate does not chain to the trusted root",
		},
		{
			name: "inclusion proof byte",
			data: func(t *testing.T) []byte {
				return mutate(t, func(att map[string]any) {
					proof := entry(att)["inclusionProof"].(map[string]any)
					hashes := proof["hashes"].([]any)
					hashes[3] = flipB64(t, hashes[3].(string), 0)
				})
			},
			check: CheckTransparencyLog, message: "inclusion proof, checkpoint or signed entry timestamp does not verify",
		},
		{
			name:  "file digest byte",
			data:  func(t *testing.T) []byte { return readFixture(t, gcbFixture) },
			dist:  Dist{Filename: gcbFile, SHA256: "5" + gcbSHA256[1:]},
			check: CheckSubjectDigest, message: "is not the file's",
		},
		{
			name: "statement digest byte",
			data: func(t *testing.T) []byte {
				return mutate(t, func(att map[string]any) {
					env := att["envelope"].(map[string]any)
					st, _ := base64.StdEncoding.DecodeString(env["statement"].(string))
					env["statement"] = base64.StdEncoding.EncodeToString(
						[]byte(strings.Replace(string(st), gcbSHA256, "5"+gcbSHA256[1:], 1)))
				})
			},
			check: CheckSignature, message: "DSSE signature over the statement does not verify",
		},
		{
			name:  "other file name",
			data:  func(t *testing.T) []byte { return readFixture(t, gcbFixture) },
			dist:  Dist{Filename: "gcb_attestation_test-0.0.1.tar.gz", SHA256: gcbSHA256},
			check: CheckSubjectName, message: `statement is for "gcb_attestation_test-0.0.0.tar.gz"`,
		},
		{
			name: "publisher object names another account",
			data: func(t *testing.T) []byte {
				var doc map[string]any
				if err := json.Unmarshal(readFixture(t, gcbFixture), &doc); err != nil {
					t.Fatal(err)
				}
				pub := doc["attestation_bundles"].([]any)[0].(map[string]any)["publisher"].(map[string]any)
				pub["email"] = "attacker@example.iam.gserviceaccount.com"
				out, _ := json.Marshal(doc)
				return out
			},
			check: CheckPublisher, message: "the index's publisher has",
		},
		{
			name:  "not json",
			data:  func(t *testing.T) []byte { return []byte("<html>") },
			check: CheckFormat, message: "not valid JSON",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dist := tt.dist
			if dist.Filename == "" {
				dist = Dist{Filename: gcbFile, SHA256: gcbSHA256}
			}
			_, err := v.VerifyProvenance(dist, tt.data(t))
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if perr.Check != tt.check || !strings.Contains(err.Error(), tt.message) || !strings.HasPrefix(err.Error(), dist.Filename+": ") {
				t.Fatalf("err = %v\nwant %s: ... %q check ... %q", err, dist.Filename, tt.check, tt.message)
			}
		})
	}
}
