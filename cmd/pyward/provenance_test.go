package main

import (
	"encoding/base64"
	"encoding/json"
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
	ss, dir, rootFile := newSigstoreFixture(t)
	ghA, ghB := publisherPair()
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

// TestLockRequireProvenancePyproject: [tool.pyward] require-provenance in
// the pyproject.toml being locked refuses a matching package without
// verified provenance (exit 2, naming package and glob) as the flag does,
// and lets one with provenance through.
func TestLockRequireProvenancePyproject(t *testing.T) {
	isolateConfig(t)
	ss, _, rootFile := newSigstoreFixture(t)
	gh, _ := publisherPair()
	_, indexURL, host := startIndex(t, []testindex.Dist{
		{Name: "signed", Version: "1.0", Publisher: &gh, Requires: []string{"plain"}},
		{Name: "plain", Version: "1.0"},
	}, testindex.Options{Signer: ss})
	tests := []struct {
		name, require string
		wantCode      int
		wantErr       string
	}{
		{"glob matches a package without provenance", `["pla*"]`, exitUsage, "plain 1.0 has no verified provenance ([tool.pyward] require-provenance pla*)"},
		{"exact name without provenance", `["signed", "Plain"]`, exitUsage, "plain 1.0 has no verified provenance"},
		{"only packages with provenance match", `["sig*"]`, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			pp := filepath.Join(dir, "pyproject.toml")
			doc := "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"signed\"]\n[tool.pyward]\nrequire-provenance = " + tt.require + "\n"
			if err := os.WriteFile(pp, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "pylock.toml")
			code, _, stderr := runPyward(t, "lock", pp, "-o", out, "--index-url", indexURL, "--trusted-host", host,
				"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q", "--trusted-root", rootFile)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, tt.wantCode, tt.wantErr, stderr)
			}
			_, err := os.Stat(out)
			if written := err == nil; written != (tt.wantCode == exitOK) {
				t.Fatalf("lock written: %v, want %v", written, tt.wantCode == exitOK)
			}
		})
	}
}

// TestLockRefusesTamperedProvenance: through the lock command, provenance
// altered after signing (one byte of the signature, the certificate or the
// log entry; the publisher object relabelled) or signed for another digest
// refuses the lock with exit 2 and an error naming the file and the check
// that failed; nothing is written.
func TestLockRefusesTamperedProvenance(t *testing.T) {
	isolateConfig(t)
	ss, dir, rootFile := newSigstoreFixture(t)
	gh, _ := publisherPair()
	ix, indexURL, host := startIndex(t, []testindex.Dist{{Name: "signed", Version: "1.0", Publisher: &gh}}, testindex.Options{Signer: ss})
	const wheel = "signed-1.0-py3-none-any.whl"
	_, sha, err := ix.File(wheel)
	if err != nil {
		t.Fatal(err)
	}
	genuine, err := ss.Provenance(wheel, sha, gh)
	if err != nil {
		t.Fatal(err)
	}
	otherDigest, err := ss.Provenance(wheel, strings.Repeat("ab", 32), gh)
	if err != nil {
		t.Fatal(err)
	}
	// edit changes the genuine provenance's only bundle through its JSON form.
	edit := func(change func(bundle map[string]any)) []byte {
		t.Helper()
		var doc map[string]any
		if err := json.Unmarshal(genuine, &doc); err != nil {
			t.Fatal(err)
		}
		change(doc["attestation_bundles"].([]any)[0].(map[string]any))
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	attestation := func(b map[string]any) map[string]any {
		return b["attestations"].([]any)[0].(map[string]any)
	}
	// flip flips the low bit of byte i (from the end when negative) of the
	// base64 value m[k].
	flip := func(m map[string]any, k string, i int) {
		raw, err := base64.StdEncoding.DecodeString(m[k].(string))
		if err != nil {
			t.Fatal(err)
		}
		if i < 0 {
			i += len(raw)
		}
		raw[i] ^= 1
		m[k] = base64.StdEncoding.EncodeToString(raw)
	}
	tests := []struct {
		name, check string
		prov        []byte
	}{
		{"signature byte", "signature", edit(func(b map[string]any) {
			flip(attestation(b)["envelope"].(map[string]any), "signature", 10)
		})},
		{"certificate byte", "certificate chain", edit(func(b map[string]any) {
			flip(attestation(b)["verification_material"].(map[string]any), "certificate", -10)
		})},
		{"signed entry timestamp byte", "transparency log inclusion", edit(func(b map[string]any) {
			vm := attestation(b)["verification_material"].(map[string]any)
			promise := vm["transparency_entries"].([]any)[0].(map[string]any)["inclusionPromise"].(map[string]any)
			flip(promise, "signedEntryTimestamp", -10)
		})},
		{"signed for another digest", "subject digest", otherDigest},
		{"publisher object relabelled", "publisher identity", edit(func(b map[string]any) {
			b["publisher"].(map[string]any)["repository"] = "mallory/signed"
		})},
		{"not JSON", "format", []byte("<html></html>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ix.SetProvenance(wheel, tt.prov); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".txt")
			code, _, stderr := runPyward(t, "lock", "signed", "-o", out, "--index-url", indexURL, "--trusted-host", host,
				"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q", "--trusted-root", rootFile, "--cache-dir", t.TempDir())
			want := wheel + ": provenance fails the " + tt.check + " check"
			if code != exitUsage || !strings.Contains(stderr, want) {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, exitUsage, want, stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("the lock was written although it was refused")
			}
		})
	}
	// The genuine provenance still locks, so each refusal above is the
	// tampering's.
	if err := ix.SetProvenance(wheel, genuine); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runPyward(t, "lock", "signed", "-o", filepath.Join(dir, "genuine.txt"), "--index-url", indexURL, "--trusted-host", host,
		"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q", "--trusted-root", rootFile, "--cache-dir", t.TempDir()); code != exitOK {
		t.Fatalf("genuine: exit %d: %s", code, stderr)
	}
}

func readLockForTest(path string) (*lockfile.Lock, string, error) {
	return lock.ReadLock(path, strings.HasSuffix(path, ".toml"))
}

// TestDBUpdateTrustedRootThroughTUF: pyward db update fetches the trusted
// root through TUF from a repository on loopback; lock then prefers it to
// the root built in, --trusted-root still wins, and a tampered or expired
// repository is refused while the stored root stays in use.
func TestDBUpdateTrustedRootThroughTUF(t *testing.T) {
	isolateConfig(t)
	ss, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	instanceRoot, err := ss.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	srv := newDBServer(t)
	if err := srv.tuf.Publish(instanceRoot); err != nil {
		t.Fatal(err)
	}
	gh := provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "acme/signed", "workflow": "release.yml"}}
	_, indexURL, host := startIndex(t, []testindex.Dist{{Name: "signed", Version: "1.0", Publisher: &gh}}, testindex.Options{Signer: ss})
	dir := t.TempDir()
	in := filepath.Join(dir, "requirements.in")
	publicRoot := filepath.Join(dir, "public-good.json")
	for name, data := range map[string][]byte{in: []byte("signed\n"), publicRoot: provenance.DefaultTrustedRoot()} {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lockArgs := func(extra ...string) []string {
		return append([]string{"lock", in, "-o", filepath.Join(dir, "requirements.txt"), "--index-url", indexURL, "--trusted-host", host,
			"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q"}, extra...)
	}
	update := append([]string{"db", "update"}, srv.flags()...)
	const untrusted = "signed-1.0-py3-none-any.whl: provenance fails the certificate chain check"
	steps := []struct {
		name     string
		setup    func()
		args     []string
		wantCode int
		wantOut  string
		wantErr  []string
	}{
		{name: "lock before any update uses the built-in root", args: lockArgs(), wantCode: exitUsage, wantErr: []string{untrusted}},
		{name: "update", args: update, wantCode: exitOK, wantOut: "sigstore root: "},
		{name: "lock with the fetched root", args: lockArgs(), wantCode: exitOK},
		{name: "--trusted-root wins", args: lockArgs("--trusted-root", publicRoot), wantCode: exitUsage, wantErr: []string{untrusted}},
		{name: "tampered target", setup: func() {
			if err := srv.tuf.Publish(provenance.DefaultTrustedRoot()); err != nil {
				t.Fatal(err)
			}
			data := srv.tuf.File(srv.tuf.TargetPath())
			data[len(data)/3] ^= 1
			srv.tuf.SetFile(srv.tuf.TargetPath(), data)
		}, args: update, wantCode: exitInternal, wantErr: []string{"sigstore root: TUF repository " + srv.URL + "/tuf", "hash verification failed", "the stored trusted root is kept"}},
		{name: "lock after the tampered update", args: lockArgs(), wantCode: exitOK},
		{name: "unsigned timestamp", setup: func() {
			if err := srv.tuf.Publish(provenance.DefaultTrustedRoot()); err != nil {
				t.Fatal(err)
			}
			ts := srv.tuf.File("timestamp.json")
			srv.tuf.SetFile("timestamp.json", []byte(strings.Replace(string(ts), `"version":`, `"version":4`, 1)))
		}, args: update, wantCode: exitInternal, wantErr: []string{"sigstore root: TUF repository", "Verifying timestamp failed", "the stored trusted root is kept"}},
		{name: "expired", setup: func() {
			if err := srv.tuf.PublishExpired(provenance.DefaultTrustedRoot()); err != nil {
				t.Fatal(err)
			}
		}, args: update, wantCode: exitInternal, wantErr: []string{"sigstore root: TUF repository", "expired", "the stored trusted root is kept"}},
		{name: "lock after the expired update", args: lockArgs(), wantCode: exitOK},
		{name: "status", args: []string{"db", "status"}, wantCode: exitOK, wantOut: "fetched through TUF"},
		{name: "damaged stored root falls back to the built-in one", setup: func() {
			if err := os.WriteFile(filepath.Join(os.Getenv("PYWARD_CACHE_DIR"), trustedRootFile), []byte("{"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, args: lockArgs(), wantCode: exitUsage, wantErr: []string{untrusted}},
		{name: "status of a damaged root", args: []string{"db", "status"}, wantCode: exitOK, wantOut: "unusable"},
	}
	for _, st := range steps {
		if st.setup != nil {
			st.setup()
		}
		code, stdout, stderr := runPyward(t, st.args...)
		if code != st.wantCode {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", st.name, code, st.wantCode, stdout, stderr)
		}
		if !strings.Contains(stdout, st.wantOut) {
			t.Errorf("%s: stdout lacks %q:\n%s", st.name, st.wantOut, stdout)
		}
		for _, w := range st.wantErr {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", st.name, w, stderr)
			}
		}
	}
}

// TestSyncReverifiesPublishers: sync verifies the index's provenance for
// each file it installs against the publishers the lock records, refuses a
// file signed by another publisher or whose provenance fails (exit 2,
// naming the file and the check), and skips this with --offline, saying so.
// audit reports the failing provenance as critical.
func TestSyncReverifiesPublishers(t *testing.T) {
	isolateConfig(t)
	ss, dir, rootFile := newSigstoreFixture(t)
	ghA, ghB := publisherPair()
	ix, indexURL, host := startIndex(t, []testindex.Dist{{Name: "signed", Version: "1.0", Publisher: &ghA}}, testindex.Options{Signer: ss})
	const wheel = "signed-1.0-py3-none-any.whl"
	_, sha, err := ix.File(wheel)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(filename string, id provenance.Identity) []byte {
		t.Helper()
		data, err := ss.Provenance(filename, sha, id)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	genuine, otherPublisher, otherFile := sign(wheel, ghA), sign(wheel, ghB), sign("other-1.0-py3-none-any.whl", ghA)
	in := filepath.Join(dir, "requirements.in")
	if err := os.WriteFile(in, []byte("signed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"pylock.toml", "requirements.txt"} {
		if err := ix.SetProvenance(wheel, genuine); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, format)
		if code, _, stderr := runPyward(t, "lock", in, "-o", out, "--index-url", indexURL, "--trusted-host", host,
			"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q", "--trusted-root", rootFile); code != exitOK {
			t.Fatalf("%s: lock: exit %d: %s", format, code, stderr)
		}
		venvDir := func(name string) string { return filepath.Join(dir, format+"-"+name) }
		syncArgs := func(venv string, extra ...string) []string {
			return append([]string{"sync", out, "--venv", venvDir(venv), "--index-url", indexURL, "--trusted-host", host, "--trusted-root", rootFile, "-q"}, extra...)
		}
		steps := []struct {
			name     string
			prov     []byte
			args     []string
			wantCode int
			wantErr  string
		}{
			{"another publisher", otherPublisher, syncArgs("a", "--no-cache"), exitUsage,
				"signed==1.0: " + wheel + ": provenance fails the publisher identity check: published by GitHub repository=mallory/signed workflow=release.yml, but the lock records GitHub repository=acme/signed workflow=release.yml"},
			{"provenance for another file", otherFile, syncArgs("a", "--no-cache"), exitUsage,
				"signed==1.0: " + wheel + ": provenance fails the subject name check"},
			{"genuine", genuine, syncArgs("a"), exitOK, ""},
			{"offline skips the check", otherPublisher, syncArgs("b", "--offline"), exitOK,
				"warning: --offline: the publishers the lock records for 1 package(s) were not re-verified"},
		}
		for _, st := range steps {
			if err := ix.SetProvenance(wheel, st.prov); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runPyward(t, st.args...)
			if code != st.wantCode || !strings.Contains(stderr, st.wantErr) {
				t.Errorf("%s: %s: exit %d, want %d with %q:\n%s", format, st.name, code, st.wantCode, st.wantErr, stderr)
			}
			if st.wantCode != exitOK {
				if _, err := os.Stat(venvDir("a")); err == nil {
					t.Errorf("%s: %s: the environment was created although sync was refused", format, st.name)
				}
			}
		}
		// audit, online, verifies what the index serves: the provenance
		// for another file is critical; the genuine one is no finding.
		auditArgs := []string{"audit", out, "--no-vulns", "--no-index-config", "--format", "json", "--fail-on", "none",
			"--index-url", indexURL, "--public-index", indexURL, "--trusted-host", host, "--trusted-root", rootFile}
		for _, tc := range []struct {
			prov []byte
			want bool
		}{{otherFile, true}, {genuine, false}} {
			if err := ix.SetProvenance(wheel, tc.prov); err != nil {
				t.Fatal(err)
			}
			// A fresh cache each time: the index serves provenance as immutable.
			code, stdout, stderr := runPyward(t, append(auditArgs, "--cache-dir", t.TempDir())...)
			got := strings.Contains(stdout, `"rule":"provenance/invalid"`) && strings.Contains(stdout, `"severity":"critical"`) &&
				strings.Contains(stdout, "the provenance of "+wheel+" fails the subject name check")
			if code != exitOK || got != tc.want || strings.Contains(stdout, "provenance/invalid") != tc.want {
				t.Errorf("%s: audit (invalid provenance %v): exit %d\n%s\n%s", format, tc.want, code, stdout, stderr)
			}
		}
	}
}

// newSigstoreFixture starts a virtual Sigstore and writes its trusted root
// into a new temporary directory, for --trusted-root.
func newSigstoreFixture(t *testing.T) (ss *provenancetest.Sigstore, dir, rootFile string) {
	t.Helper()
	ss, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	rootJSON, err := ss.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	rootFile = filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(rootFile, rootJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	return ss, dir, rootFile
}

// publisherPair is the project's own GitHub publisher and an impostor's
// that differs only in the repository.
func publisherPair() (own, other provenance.Identity) {
	own = provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "acme/signed", "workflow": "release.yml"}}
	other = provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "mallory/signed", "workflow": "release.yml"}}
	return own, other
}
