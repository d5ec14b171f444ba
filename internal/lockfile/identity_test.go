package lockfile

import (
	"strings"
	"testing"
)

func identityLock() *Lock {
	gh := AttestationIdentity{Kind: "GitHub", Claims: map[string]string{"repository": "acme/demo", "workflow": "release.yml", "environment": "pypi"}}
	gl := AttestationIdentity{Kind: "ActiveState", Claims: map[string]string{"subject": "org one/project=2", "organization": "org"}}
	sum := strings.Repeat("ab", 32)
	return &Lock{CreatedBy: "pyward", Packages: []Package{
		{Name: "demo", Version: "1.0", AttestationIdentities: []AttestationIdentity{gh, gl},
			PublisherChange: "accepted with --allow-publisher-change: demo 0.9 had none",
			Wheels:          []File{{Name: "demo-1.0-py3-none-any.whl", URL: "https://x/demo-1.0-py3-none-any.whl", Hashes: map[string]string{"sha256": sum}}}},
		{Name: "plain", Version: "2.0",
			Wheels: []File{{Name: "plain-2.0-py3-none-any.whl", URL: "https://x/plain-2.0-py3-none-any.whl", Hashes: map[string]string{"sha256": sum}}}},
	}}
}

func TestAttestationIdentitiesPylock(t *testing.T) {
	data, err := MarshalPylock(identityLock())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "[[packages.attestation-identities]]\nkind = \"GitHub\"\nenvironment = \"pypi\"\nrepository = \"acme/demo\"\nworkflow = \"release.yml\"\n") {
		t.Fatalf("pylock lacks the identity table:\n%s", data)
	}
	l, err := ParsePylock("pylock.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	want := identityLock()
	want.Sort()
	for i := range want.Packages {
		got, w := l.Packages[i], want.Packages[i]
		if len(got.AttestationIdentities) != len(w.AttestationIdentities) || got.PublisherChange != w.PublisherChange {
			t.Fatalf("%s: read back %+v", w.Name, got)
		}
		for j := range w.AttestationIdentities {
			if !got.AttestationIdentities[j].Equal(w.AttestationIdentities[j]) {
				t.Fatalf("%s: identity %v, want %v", w.Name, got.AttestationIdentities[j], w.AttestationIdentities[j])
			}
		}
	}
	for _, bad := range []string{
		"[[packages.attestation-identities]]\nrepository = \"a/b\"\n",
		"[[packages.attestation-identities]]\nkind = \"GitHub\"\nrepository = 3\n",
	} {
		doc := "lock-version = \"1.0\"\n[[packages]]\nname = \"x\"\nversion = \"1\"\n" + bad
		if _, err := ParsePylock("pylock.toml", []byte(doc)); err == nil || !strings.Contains(err.Error(), "attestation-identities[0]") {
			t.Errorf("ParsePylock(%q) error = %v", bad, err)
		}
	}
}

func TestAttestationIdentitiesRequirements(t *testing.T) {
	data, err := MarshalRequirements(identityLock())
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.Contains(text, "    # pyward: attestation-identity GitHub environment=pypi repository=acme/demo workflow=release.yml\n") ||
		!strings.Contains(text, "    # pyward: attestation-identity ActiveState organization=org subject=org%20one/project%3D2\n") {
		t.Fatalf("requirements lack identity comments:\n%s", text)
	}
	rs, err := ReadRequirementsSources("requirements.txt", data)
	if err != nil {
		t.Fatal(err)
	}
	var line int
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "demo==") {
			line = i + 1
		}
	}
	want := identityLock().Packages[0]
	got := rs.Identities[line]
	if len(got) != 2 || rs.Changes[line] != want.PublisherChange {
		t.Fatalf("read back %v / %q", got, rs.Changes[line])
	}
	for _, g := range got {
		if !g.Equal(want.AttestationIdentities[0]) && !g.Equal(want.AttestationIdentities[1]) {
			t.Fatalf("identity %v not written", g)
		}
	}
	bad := "demo==1.0 \\\n    --hash=sha256:" + strings.Repeat("ab", 32) + "\n    # pyward: attestation-identity GitHub repository\n"
	if _, err := ReadRequirementsSources("req.txt", []byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "req.txt:3: ") {
		t.Fatalf("malformed identity comment: %v", err)
	}
}

func TestAttestationIdentityString(t *testing.T) {
	for _, s := range []string{"", "GitHub repository", "GitHub a=1 a=2", "GitHub =x", "GitHub a=%zz"} {
		if _, err := ParseAttestationIdentity(s); err == nil {
			t.Errorf("ParseAttestationIdentity(%q) accepted", s)
		}
	}
	a := AttestationIdentity{Kind: "GitHub", Claims: map[string]string{"repository": "Org/Repo", "workflow": "w.yml"}}
	b := AttestationIdentity{Kind: "GitHub", Claims: map[string]string{"repository": "org/repo", "workflow": "w.yml"}}
	c := AttestationIdentity{Kind: "GitHub", Claims: map[string]string{"repository": "org/repo", "workflow": "W.yml"}}
	if !a.Equal(b) || a.Equal(c) {
		t.Fatal("repository compares case-insensitively, workflow exactly")
	}
}
