package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/provenance/provenancetest"
	"github.com/pyward/pyward/internal/testindex"
)

// TestLockProvenanceEndToEnd: the lock records the publisher identities the
// test index's genuine provenance verifies for; a later version from
// another publisher, or without provenance, stops the re-lock until
// --allow-publisher-change accepts it (and the lock records that); a
// tampered attestation and a package --require-provenance names without
// provenance are refused with exit 2.
func TestLockProvenanceEndToEnd(t *testing.T) {
	isolateConfig(t)
	ss, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rootJSON, err := ss.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	rootFile := filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(rootFile, rootJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	ghA := provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "acme/signed", "workflow": "release.yml"}}
	ghB := provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "mallory/signed", "workflow": "release.yml"}}
	ix, indexURL, host := startIndex(t, []testindex.Dist{
		{Name: "signed", Version: "1.0", Publisher: &ghA, Requires: []string{"plain"}},
		{Name: "plain", Version: "1.0"},
	}, testindex.Options{Signer: ss})
	in := filepath.Join(dir, "requirements.in")
	if err := os.WriteFile(in, []byte("signed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"pylock.toml", "requirements.txt"} {
		out := filepath.Join(dir, format)
		lockArgs := func(extra ...string) []string {
			return append([]string{"lock", in, "-o", out, "--index-url", indexURL, "--trusted-host", host,
				"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q", "--trusted-root", rootFile}, extra...)
		}
		read := func() *lockfile.Package {
			t.Helper()
			l, _, err := readLockForTest(out)
			if err != nil {
				t.Fatal(err)
			}
			return l.Find("signed")
		}
		if code, _, stderr := runPyward(t, lockArgs("--upgrade-package", "signed==1.0")...); code != exitOK {
			t.Fatalf("%s: first lock: exit %d: %s", format, code, stderr)
		}
		if p := read(); p == nil || len(p.AttestationIdentities) != 1 || !p.AttestationIdentities[0].Equal(ghA) {
			t.Fatalf("%s: identities %+v, want %v", format, p, ghA)
		}
		// The public-good root does not trust the test instance.
		if code, _, stderr := runPyward(t, append(lockArgs()[:len(lockArgs())-2], "--upgrade-package", "signed==1.0")...); code != exitUsage ||
			!strings.Contains(stderr, "signed-1.0-py3-none-any.whl: provenance fails the certificate chain check") {
			t.Fatalf("%s: public-good root: exit %d: %s", format, code, stderr)
		}
		if format == "pylock.toml" {
			if err := ix.Add(testindex.Dist{Name: "signed", Version: "1.1", Publisher: &ghB, Requires: []string{"plain"}}); err != nil {
				t.Fatal(err)
			}
		}
		code, _, stderr := runPyward(t, lockArgs("--upgrade-package", "signed==1.1")...)
		if code != exitUsage || !strings.Contains(stderr, "signed 1.1 was published by GitHub repository=mallory/signed workflow=release.yml, but 1.0 by GitHub repository=acme/signed") ||
			!strings.Contains(stderr, "--allow-publisher-change signed") {
			t.Fatalf("%s: publisher change: exit %d: %s", format, code, stderr)
		}
		if code, _, stderr := runPyward(t, lockArgs("--upgrade-package", "signed==1.1", "--allow-publisher-change", "signed")...); code != exitOK {
			t.Fatalf("%s: accepted change: exit %d: %s", format, code, stderr)
		}
		if p := read(); p.Version != "1.1" || !strings.Contains(p.PublisherChange, "accepted with --allow-publisher-change: signed 1.1 was published by GitHub repository=mallory/signed") {
			t.Fatalf("%s: accepted change not recorded: %+v", format, p)
		}
		// audit reports the accepted change (high) and plain's missing
		// provenance (info).
		code, stdout, stderr := runPyward(t, "audit", "--offline", "--no-vulns", "--no-index-config", "--format", "json", "--fail-on", "none", out)
		if code != exitOK || !strings.Contains(stdout, `"rule":"provenance/publisher-change"`) || !strings.Contains(stdout, `"rule":"provenance/none"`) {
			t.Fatalf("%s: audit: exit %d\n%s\n%s", format, code, stdout, stderr)
		}
		if format == "pylock.toml" {
			if err := ix.Add(testindex.Dist{Name: "signed", Version: "1.2", Requires: []string{"plain"}}); err != nil {
				t.Fatal(err)
			}
		}
		code, _, stderr = runPyward(t, lockArgs("--upgrade-package", "signed==1.2")...)
		if code != exitUsage || !strings.Contains(stderr, "signed 1.2 has no provenance, but 1.1 was published by GitHub repository=mallory/signed") {
			t.Fatalf("%s: lost provenance: exit %d: %s", format, code, stderr)
		}
		code, _, stderr = runPyward(t, lockArgs("--upgrade-package", "signed==1.1", "--require-provenance", "pla*")...)
		if code != exitUsage || !strings.Contains(stderr, "plain 1.0 has no verified provenance (--require-provenance pla*)") {
			t.Fatalf("%s: require-provenance: exit %d: %s", format, code, stderr)
		}
	}

	// A tampered attestation: provenance signed for another file.
	wrong, err := ss.Provenance("other-1.0-py3-none-any.whl", strings.Repeat("ab", 32), ghA)
	if err != nil {
		t.Fatal(err)
	}
	_, badURL, badHost := startIndex(t, []testindex.Dist{{Name: "tampered", Version: "1.0", Provenance: wrong}}, testindex.Options{})
	code, _, stderr := runPyward(t, "lock", "tampered", "-o", filepath.Join(dir, "t.txt"), "--index-url", badURL, "--trusted-host", badHost,
		"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q", "--trusted-root", rootFile)
	if code != exitUsage || !strings.Contains(stderr, `tampered-1.0-py3-none-any.whl: provenance fails the subject name check: statement is for "other-1.0-py3-none-any.whl"`) {
		t.Fatalf("tampered: exit %d: %s", code, stderr)
	}
}

func readLockForTest(path string) (*lockfile.Lock, string, error) {
	return lock.ReadLock(path, strings.HasSuffix(path, ".toml"))
}
