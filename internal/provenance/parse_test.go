package provenance

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"version", `{"version":2,"attestation_bundles":[]}`, "provenance version 2"},
		{"no bundles", `{"version":1,"attestation_bundles":[]}`, "no attestation bundles"},
		{"no publisher kind", `{"version":1,"attestation_bundles":[{"publisher":{"repository":"a/b"},"attestations":[]}]}`, `publisher has no "kind"`},
		{"no attestations", `{"version":1,"attestation_bundles":[{"publisher":{"kind":"GitHub"},"attestations":[]}]}`, "bundle 0 has no attestations"},
		{"attestation version", `{"version":1,"attestation_bundles":[{"publisher":{"kind":"GitHub"},"attestations":[{"version":3}]}]}`, "attestation version 3"},
		{"no certificate", `{"version":1,"attestation_bundles":[{"publisher":{"kind":"GitHub"},"attestations":[{"version":1}]}]}`, "no certificate"},
		{"bad base64", `{"version":1,"attestation_bundles":[{"publisher":{"kind":"GitHub"},"attestations":[{"version":1,"verification_material":{"certificate":"!!"}}]}]}`, "not valid JSON"},
		{"trailing", `{"version":1,"attestation_bundles":[]} {}`, "trailing data"},
		{"trailing bracket", `{"version":1,"attestation_bundles":[]}]`, "trailing data"},
		{"too large", `{"version":1,"x":"` + strings.Repeat("a", MaxProvenanceSize) + `"}`, "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestPublisherClaims(t *testing.T) {
	p, err := Parse(readFixtureNoT("testdata/gcb_attestation_test-0.0.0.tar.gz.provenance"))
	if err != nil {
		t.Fatal(err)
	}
	pub := p.Bundles[0].Publisher
	if pub.Kind != KindGoogle || pub.Claims["email"] != gcbAccount || len(pub.Claims) != 1 {
		t.Fatalf("publisher = %+v", pub)
	}
}

func readFixtureNoT(path string) []byte {
	data, _ := os.ReadFile(path)
	return data
}

func TestCIIdentity(t *testing.T) {
	const digest, ref = "abc123", "refs/tags/v1"
	tests := []struct {
		name, source, config, host, sep string
		repo, file, err                 string
	}{
		{"github tag", "https://github.com/o/r", "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1",
			"https://github.com/", "/.github/workflows/", "o/r", "release.yml", ""},
		{"github digest", "https://github.com/o/r", "https://github.com/o/r/.github/workflows/release.yml@abc123",
			"https://github.com/", "/.github/workflows/", "o/r", "release.yml", ""},
		{"gitlab", "https://gitlab.com/g/s/p", "https://gitlab.com/g/s/p//ci/publish.yml@refs/tags/v1",
			"https://gitlab.com/", "//", "g/s/p", "ci/publish.yml", ""},
		{"other ref", "https://github.com/o/r", "https://github.com/o/r/.github/workflows/release.yml@refs/heads/evil",
			"https://github.com/", "/.github/workflows/", "", "", "not at the source digest or ref"},
		{"workflow of another repository", "https://github.com/o/r", "https://github.com/x/y/.github/workflows/release.yml@abc123",
			"https://github.com/", "/.github/workflows/", "", "", "is not in repository o/r"},
		{"other host", "https://example.com/o/r", "https://example.com/o/r/.github/workflows/w.yml@abc123",
			"https://github.com/", "/.github/workflows/", "", "", "is not on https://github.com/"},
		{"no ref", "https://github.com/o/r", "https://github.com/o/r/.github/workflows/release.yml",
			"https://github.com/", "/.github/workflows/", "", "", "names no workflow@ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, file, err := ciIdentity(tt.source, tt.config, tt.host, tt.sep, digest, ref)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || repo != tt.repo || file != tt.file {
				t.Fatalf("= %q, %q, %v; want %q, %q", repo, file, err, tt.repo, tt.file)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(readFixtureNoT("testdata/gcb_attestation_test-0.0.0.tar.gz.provenance"))
	f.Add([]byte(`{"version":1,"attestation_bundles":[{"publisher":{"kind":"GitHub","environment":null},"attestations":[{"version":1,"verification_material":{"certificate":"AA==","transparency_entries":[{}]},"envelope":{"statement":"AA==","signature":"AA=="}}]}]}`))
	v, err := NewVerifier(DefaultTrustedRoot())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		p, err := Parse(data)
		budgettest.Check(t, len(data), start)
		if err != nil {
			return
		}
		if p.Version != Version || len(p.Bundles) == 0 || len(p.Bundles) > MaxBundles {
			t.Fatalf("Parse accepted %+v", p)
		}
		// Verification of whatever parses must fail or succeed cleanly.
		_, _ = v.VerifyProvenance(Dist{Filename: gcbFile, SHA256: gcbSHA256}, data)
	})
}
