package provenance_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/provenance/provenancetest"
)

const (
	wheel    = "demo-1.0-py3-none-any.whl"
	wheelSHA = "0f5e7d2a6c1b3a49587a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e"
)

var (
	ghRelease = provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{
		"repository": "demo-org/demo", "workflow": "release.yml", "environment": "pypi"}}
	glRelease = provenance.Identity{Kind: provenance.KindGitLab, Claims: map[string]string{
		"repository": "group/sub/demo", "workflow_filepath": ".gitlab-ci.yml", "environment": "release"}}
	googleSA = provenance.Identity{Kind: provenance.KindGoogle, Claims: map[string]string{
		"email": "publisher@demo.iam.gserviceaccount.com"}}
	// ActiveState's certificate names the platform's subject; organization
	// and project come from the publisher object.
	activeState = provenance.Identity{Kind: provenance.KindActiveState, Claims: map[string]string{
		"subject": "org:demo-org:project:demo", "organization": "demo-org", "project": "demo"}}
)

func TestVirtualSigstoreIdentities(t *testing.T) {
	ss, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ss.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []provenance.Identity{ghRelease, glRelease, googleSA, activeState} {
		t.Run(id.Kind, func(t *testing.T) {
			data, err := ss.Provenance(wheel, wheelSHA, id)
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.VerifyProvenance(provenance.Dist{Filename: wheel, SHA256: wheelSHA}, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !got[0].Equal(id) {
				t.Fatalf("identities = %v, want [%v]", got, id)
			}
		})
	}
}

// A verifier built from the instance's trusted_root.json (as --trusted-root
// reads it) accepts its provenance; the public-good root refuses it.
func TestVirtualSigstoreTrustedRootJSON(t *testing.T) {
	ss, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	rootJSON, err := ss.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	data, err := ss.Provenance(wheel, wheelSHA, ghRelease)
	if err != nil {
		t.Fatal(err)
	}
	dist := provenance.Dist{Filename: wheel, SHA256: wheelSHA}
	v, err := provenance.NewVerifier(rootJSON)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyProvenance(dist, data); err != nil {
		t.Fatalf("own root: %v", err)
	}
	pg, err := provenance.NewVerifier(provenance.DefaultTrustedRoot())
	if err != nil {
		t.Fatal(err)
	}
	_, err = pg.VerifyProvenance(dist, data)
	var perr *provenance.Error
	if !errors.As(err, &perr) || perr.Check != provenance.CheckCertificate {
		t.Fatalf("public-good root: err = %v, want a %s failure", err, provenance.CheckCertificate)
	}
}

func TestVirtualSigstoreRefusals(t *testing.T) {
	ss, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ss.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	dist := provenance.Dist{Filename: wheel, SHA256: wheelSHA}
	sign := func(statement []byte, id provenance.Identity) []byte {
		data, err := ss.ProvenanceOf(statement, id)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	relabel := func(data []byte, edit func(pub map[string]any)) []byte {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		edit(doc["attestation_bundles"].([]any)[0].(map[string]any)["publisher"].(map[string]any))
		out, _ := json.Marshal(doc)
		return out
	}
	good := sign(provenancetest.Statement(wheel, wheelSHA), ghRelease)
	tests := []struct {
		name  string
		data  []byte
		check provenance.Check
		msg   string
	}{
		{"other predicate", sign([]byte(strings.Replace(string(provenancetest.Statement(wheel, wheelSHA)),
			provenance.PublishPredicateType, "https://slsa.dev/provenance/v1", 1)), ghRelease),
			provenance.CheckPredicate, `predicate type "https://slsa.dev/provenance/v1"`},
		{"other file", sign(provenancetest.Statement("demo-1.0.tar.gz", wheelSHA), ghRelease),
			provenance.CheckSubjectName, `statement is for "demo-1.0.tar.gz"`},
		{"other digest", sign(provenancetest.Statement(wheel, strings.Repeat("ab", 32)), ghRelease),
			provenance.CheckSubjectDigest, "is not the file's"},
		{"publisher object names another repository", relabel(good, func(pub map[string]any) {
			pub["repository"] = "attacker/demo"
		}), provenance.CheckPublisher, `certificate has repository "demo-org/demo"`},
		{"publisher object names another kind", relabel(good, func(pub map[string]any) {
			pub["kind"] = "GitLab"
		}), provenance.CheckPublisher, "the index names a GitLab publisher"},
		{"statement swapped after signing", func() []byte {
			var doc map[string]any
			_ = json.Unmarshal(good, &doc)
			att := doc["attestation_bundles"].([]any)[0].(map[string]any)["attestations"].([]any)[0].(map[string]any)
			att["envelope"].(map[string]any)["statement"] = base64.StdEncoding.EncodeToString(
				provenancetest.Statement(wheel, strings.Repeat("cd", 32)))
			out, _ := json.Marshal(doc)
			return out
		}(), provenance.CheckSignature, "DSSE signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.VerifyProvenance(dist, tt.data)
			var perr *provenance.Error
			if !errors.As(err, &perr) || perr.Check != tt.check || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %s check with %q", err, tt.check, tt.msg)
			}
		})
	}
}
