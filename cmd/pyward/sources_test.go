package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/testindex"
)

var oldUpload = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// confusionIndexes serves the seed attack: an internal index with
// acme-billing 1.0.0, and a public one where someone published
// acme-billing 99.0.0. Both serve six 1.16.0 built from the same
// description, so its files are identical (a mirror).
func confusionIndexes(t *testing.T) (internal, public *testindex.Index, internalURL, publicURL string, trust []string) {
	t.Helper()
	six := testindex.Dist{Name: "six", Version: "1.16.0", UploadTime: oldUpload}
	internal, internalURL, ih := startIndex(t, []testindex.Dist{
		{Name: "acme-billing", Version: "1.0.0", Requires: []string{"six"}, UploadTime: oldUpload}, six}, testindex.Options{})
	public, publicURL, ph := startIndex(t, []testindex.Dist{
		{Name: "acme-billing", Version: "99.0.0", UploadTime: oldUpload}, six,
		{Name: "requests", Version: "2.32.0", UploadTime: oldUpload}}, testindex.Options{})
	return internal, public, internalURL, publicURL, []string{"--trusted-host", ih, "--trusted-host", ph}
}

// TestLockExtraIndexConfusion: with --index-url INTERNAL and an extra
// public index (flag, PIP_EXTRA_INDEX_URL or pip.conf), pyward refuses to
// merge acme-billing from both, names both fixes, and never yields 99.0.0
// without --index-strategy unsafe-best-match. The identical six is not a
// conflict.
func TestLockExtraIndexConfusion(t *testing.T) {
	_, _, internalURL, publicURL, trust := confusionIndexes(t)
	internalName := strings.ReplaceAll(strings.TrimPrefix(strings.TrimSuffix(internalURL, "/simple/"), "http://"), ":", "-")
	pipConf := filepath.Join(t.TempDir(), "pip.conf")
	if err := os.WriteFile(pipConf, []byte("[global]\nextra-index-url = "+publicURL+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		reqs        string // requirements.in content; "" locks acme-billing and six
		wantVersion string // "" expects the conflict error
		wantWarning string
	}{
		{name: "flag", args: []string{"--index-url", internalURL, "--extra-index-url", publicURL}},
		{name: "PIP_EXTRA_INDEX_URL", args: []string{"--index-url", internalURL}, env: map[string]string{"PIP_EXTRA_INDEX_URL": publicURL}},
		{name: "PIP_INDEX_URL and pip.conf", env: map[string]string{"PIP_INDEX_URL": internalURL, "PIP_CONFIG_FILE": pipConf}},
		{name: "requirements file option", reqs: "--index-url " + internalURL + "\n--extra-index-url " + publicURL + "\nacme-billing\nsix\n"},
		{name: "explicit refuse-conflicts", args: []string{"--index-url", internalURL, "--extra-index-url", publicURL, "--index-strategy", "refuse-conflicts"}},
		{name: "routed", args: []string{"--index-url", internalURL, "--extra-index-url", publicURL, "--index-for", "acme-*=" + internalName}, wantVersion: "1.0.0"},
		{name: "pip's merge on request", args: []string{"--index-url", internalURL, "--extra-index-url", publicURL, "--index-strategy", "unsafe-best-match"},
			wantVersion: "99.0.0", wantWarning: "dependency confusion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateConfig(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			out := filepath.Join(dir, "pylock.toml")
			inputs := []string{"acme-billing", "six"}
			if tt.reqs != "" {
				in := filepath.Join(dir, "requirements.in")
				if err := os.WriteFile(in, []byte(tt.reqs), 0o644); err != nil {
					t.Fatal(err)
				}
				inputs = []string{in}
			}
			args := append(append(append(append([]string{"lock"}, inputs...), "-o", out, "--python-version", "3.12"), tt.args...), trust...)
			code, _, stderr := runPyward(t, args...)
			if tt.wantVersion == "" {
				if code != exitUsage {
					t.Fatalf("exit %d, want %d: %s", code, exitUsage, stderr)
				}
				for _, want := range []string{"acme-billing: ", internalURL, publicURL, "--index-for 'acme-billing=" + internalName + "'", "--index-strategy unsafe-best-match"} {
					if !strings.Contains(stderr, want) {
						t.Errorf("error lacks %q:\n%s", want, stderr)
					}
				}
				if strings.Contains(stderr, "six:") {
					t.Errorf("identical files reported as a conflict:\n%s", stderr)
				}
				if _, err := os.Stat(out); err == nil {
					t.Error("a lock was written")
				}
				return
			}
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			l := readPylock(t, out)
			if p := l.Find("acme-billing"); p == nil || p.Version != tt.wantVersion {
				t.Fatalf("acme-billing = %+v, want %s", p, tt.wantVersion)
			}
			if tt.wantWarning != "" && !strings.Contains(stderr, tt.wantWarning) {
				t.Errorf("no %q warning: %s", tt.wantWarning, stderr)
			}
		})
	}
}

// TestLockFirstIndexListsShadowed: an ordered --index list keeps the first
// index's acme-billing and says that the public index has the name too.
func TestLockFirstIndexListsShadowed(t *testing.T) {
	isolateConfig(t)
	_, _, internalURL, publicURL, trust := confusionIndexes(t)
	out := filepath.Join(t.TempDir(), "requirements.txt")
	args := append([]string{"lock", "acme-billing", "-o", out, "--python-version", "3.12", "--index", "corp=" + internalURL, "--index", "pypi=" + publicURL}, trust...)
	code, _, stderr := runPyward(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "acme-billing: taken from corp, the first index that has it; also on pypi, with different files on pypi"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if data, _ := os.ReadFile(out); !strings.Contains(string(data), "acme-billing==1.0.0") {
		t.Errorf("lock:\n%s", data)
	}
}

// TestLockHeaderRedactsNamedIndex: credentials of --index NAME=URL are
// not written into the lock's "To update, run:" line (nor anywhere else).
func TestLockHeaderRedactsNamedIndex(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, []testindex.Dist{{Name: "six", Version: "1.16.0", UploadTime: oldUpload}},
		testindex.Options{Username: "user", Password: "s3cret-pw"})
	withCreds := strings.Replace(indexURL, "http://", "http://user:s3cret-pw@", 1)
	for _, name := range []string{"requirements.txt", "pylock.toml"} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), name)
			code, stdout, stderr := runPyward(t, "lock", "six", "-o", out, "--index", "corp="+withCreds, "--trusted-host", host, "--python-version", "3.12")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			data, _ := os.ReadFile(out)
			for what, text := range map[string]string{"lock": string(data), "stdout": stdout, "stderr": stderr} {
				if strings.Contains(text, "s3cret-pw") {
					t.Errorf("%s contains the password:\n%s", what, text)
				}
			}
			if !strings.Contains(string(data), "--index corp="+indexURL) {
				t.Errorf("header lacks the redacted --index:\n%s", data)
			}
		})
	}
}

// TestLockIndexForDeterministic: fifty locks of a pyproject.toml whose
// [tool.pyward] index-for routes names to three indexes on one host are
// byte-identical (index-for is a map: its order must not leak).
func TestLockIndexForDeterministic(t *testing.T) {
	isolateConfig(t)
	var routes []string
	var deps []string
	var trust []string
	for i, n := range []string{"corp-a", "corp-b", "corp-c", "corp-d", "corp-e", "corp-f"} {
		if i < 3 {
			_, u, h := startIndex(t, []testindex.Dist{
				{Name: "corp-" + string(rune('a'+i)), Version: "1.0", UploadTime: oldUpload},
				{Name: "corp-" + string(rune('d'+i)), Version: "1.0", UploadTime: oldUpload}}, testindex.Options{})
			routes = append(routes, `"corp-`+string(rune('a'+i))+`" = "`+u+`"`, `"corp-`+string(rune('d'+i))+`" = "`+u+`"`)
			trust = append(trust, "--trusted-host", h)
		}
		deps = append(deps, `"`+n+`"`)
	}
	_, mainURL, mainHost := startIndex(t, nil, testindex.Options{})
	dir := t.TempDir()
	py := filepath.Join(dir, "pyproject.toml")
	doc := "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [" + strings.Join(deps, ", ") + "]\n\n[tool.pyward]\nindex = \"" + mainURL + "\"\n\n[tool.pyward.index-for]\n" + strings.Join(routes, "\n") + "\n"
	if err := os.WriteFile(py, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	var first string
	for i := range 50 {
		args := append([]string{"lock", py, "--format", "pylock", "--python-version", "3.12", "--trusted-host", mainHost, "-q"}, trust...)
		code, stdout, stderr := runPyward(t, args...)
		if code != exitOK {
			t.Fatalf("run %d: exit %d: %s", i, code, stderr)
		}
		if i == 0 {
			first = stdout
			for _, n := range []string{"corp-a", "corp-f"} {
				if !strings.Contains(stdout, `name = "`+n+`"`) {
					t.Fatalf("lock lacks %s:\n%s", n, stdout)
				}
			}
		} else if stdout != first {
			t.Fatalf("run %d differs from run 0:\n%s\n---\n%s", i, first, stdout)
		}
	}
}

// TestTwoIndexEndToEnd: a project with an internal and a public index is
// locked once with index flags; sync, audit, audit --fix and sync again
// then get no index flag.
// Every package is installed from the index its lock records, and no
// request for an internal name reaches the public index.
func TestTwoIndexEndToEnd(t *testing.T) {
	python := requirePython(t)
	for _, format := range []string{"requirements.txt", "pylock.toml"} {
		t.Run(format, func(t *testing.T) {
			isolateConfig(t)
			internal, internalURL, ih := startIndex(t, []testindex.Dist{
				{Name: "acme-billing", Version: "1.0.0", Requires: []string{"six"}, UploadTime: oldUpload}}, testindex.Options{})
			public, publicURL, ph := startIndex(t, []testindex.Dist{
				{Name: "acme-billing", Version: "99.0.0", UploadTime: oldUpload},
				{Name: "six", Version: "1.16.0", UploadTime: oldUpload},
				{Name: "requests", Version: "2.32.0", UploadTime: oldUpload},
				{Name: "vulnlib", Version: "1.0.0", UploadTime: oldUpload},
				{Name: "vulnlib", Version: "1.1.0", UploadTime: oldUpload}}, testindex.Options{})
			trust := []string{"--trusted-host", ih, "--trusted-host", ph}
			dir := t.TempDir()
			in := filepath.Join(dir, "requirements.in")
			if err := os.WriteFile(in, []byte("acme-billing\nrequests\nvulnlib\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			lockPath := filepath.Join(dir, format)
			args := append([]string{"lock", in, "-o", lockPath, "--python", python,
				"--index", "internal=" + internalURL, "--index", "public=" + publicURL, "--index-for", "acme-*=internal", "--upgrade-package", "vulnlib==1.0.0"}, trust...)
			code, _, stderr := runPyward(t, args...)
			if code != exitOK {
				t.Fatalf("lock: exit %d: %s", code, stderr)
			}
			data, _ := os.ReadFile(lockPath)
			if format == "requirements.txt" {
				for _, want := range []string{"# pyward: index internal=" + internalURL, "# pyward: index public=" + publicURL, "# from " + internalURL} {
					if !strings.Contains(string(data), want) {
						t.Errorf("lock lacks %q:\n%s", want, data)
					}
				}
				if strings.Contains(string(data), "--index-url") {
					t.Errorf("a multi-index requirements lock names one --index-url:\n%s", data)
				}
				if !strings.Contains(stderr, "pip install -r' cannot install it safely") {
					t.Errorf("no warning about pip: %s", stderr)
				}
			}
			checkNoInternalNames(t, public, "lock")
			// The lock records each package's index.
			format := inventory.FormatRequirements
			if strings.HasSuffix(lockPath, ".toml") {
				format = inventory.FormatPylock
			}
			inv, err := inventory.Read(context.Background(), lockPath, format)
			if err != nil {
				t.Fatal(err)
			}
			recorded := map[string]string{}
			for _, p := range inv.Packages {
				recorded[p.Name] = p.Index
			}
			want := map[string]string{"acme-billing": internalURL, "six": publicURL, "requests": publicURL, "vulnlib": publicURL}
			if !reflect.DeepEqual(recorded, want) {
				t.Fatalf("recorded indexes %v, want %v", recorded, want)
			}
			internal.ResetCounts()
			public.ResetCounts()

			venvDir := filepath.Join(dir, "venv")
			code, _, stderr = runPyward(t, "sync", lockPath, "--venv", venvDir, "-q")
			if code != exitOK {
				t.Fatalf("sync: exit %d: %s", code, stderr)
			}
			wantFrom := map[*testindex.Index][]string{internal: {"acme_billing-1.0.0-"}, public: {"six-1.16.0-", "requests-2.32.0-"}}
			for ix, files := range wantFrom {
				for _, f := range files {
					if !requested(ix, "/files/"+f) {
						t.Errorf("%s was not downloaded from its recorded index (log %v)", f, paths(ix))
					}
				}
			}
			if requested(internal, "/files/six-") || requested(internal, "/files/requests-") {
				t.Errorf("public packages fetched from the internal index: %v", paths(internal))
			}
			for _, d := range []string{"acme_billing-1.0.0.dist-info", "six-1.16.0.dist-info", "requests-2.32.0.dist-info", "vulnlib-1.0.0.dist-info"} {
				if m, _ := filepath.Glob(filepath.Join(venvDir, "lib", "python3*", "site-packages", d)); len(m) != 1 {
					t.Errorf("%s not installed", d)
				}
			}
			checkNoInternalNames(t, public, "sync")
			internal.ResetCounts()
			public.ResetCounts()

			names := filepath.Join(dir, "public-names.txt")
			if err := os.WriteFile(names, []byte("six\nrequests\nvulnlib\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runPyward(t, "audit", lockPath, "--no-vulns", "--public-names", names, "--reference", names, "--no-index-config", "--format", "json")
			if code != exitOK && code != exitFindings {
				t.Fatalf("audit: exit %d: %s", code, stderr)
			}
			var doc auditJSON
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatalf("%v\n%s", err, stdout)
			}
			for _, w := range doc.Warnings {
				t.Errorf("audit warning: %s", w)
			}
			if !requested(internal, "/simple/acme-billing/") || !requested(public, "/simple/six/") {
				t.Errorf("audit did not ask each package's index: internal %v, public %v", paths(internal), paths(public))
			}
			if requested(internal, "/simple/six/") {
				t.Errorf("audit asked the internal index about a public package: %v", paths(internal))
			}
			checkNoInternalNames(t, public, "audit")
			internal.ResetCounts()
			public.ResetCounts()

			// audit --fix upgrades vulnlib and keeps every package's index.
			db := filepath.Join(dir, "osv")
			if err := os.Mkdir(db, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(db, "PYSEC-2099-1.json"), []byte(fixAdvisories["PYSEC-2099-1.json"]), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr = runPyward(t, "audit", lockPath, "--fix", "--db", db, "--public-names", names, "--reference", names, "--no-index-config", "--fix-summary", filepath.Join(dir, "summary.md"))
			if code != exitOK {
				t.Fatalf("audit --fix: exit %d: %s", code, stderr)
			}
			inv, err = inventory.Read(context.Background(), lockPath, format)
			if err != nil {
				t.Fatal(err)
			}
			recorded = map[string]string{}
			for _, p := range inv.Packages {
				recorded[p.Name] = p.Index
				if p.Name == "vulnlib" && p.Version != "1.1.0" {
					t.Errorf("vulnlib %s after --fix, want 1.1.0", p.Version)
				}
			}
			if !reflect.DeepEqual(recorded, want) {
				t.Errorf("recorded indexes after --fix %v, want %v", recorded, want)
			}
			checkNoInternalNames(t, public, "audit --fix")
			code, _, stderr = runPyward(t, "sync", lockPath, "--venv", venvDir, "-q")
			if code != exitOK {
				t.Fatalf("sync after --fix: exit %d: %s", code, stderr)
			}
			if !requested(public, "/files/vulnlib-1.1.0-") {
				t.Errorf("vulnlib 1.1.0 not installed from the public index: %v", paths(public))
			}
			checkNoInternalNames(t, public, "sync after --fix")
		})
	}
}

func paths(ix *testindex.Index) []string {
	var out []string
	for _, r := range ix.Log() {
		out = append(out, r.Path)
	}
	return out
}

func requested(ix *testindex.Index, prefix string) bool {
	for _, p := range paths(ix) {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// checkNoInternalNames fails when any request for an internal name
// reached the public index.
func checkNoInternalNames(t *testing.T, public *testindex.Index, step string) {
	t.Helper()
	for _, p := range paths(public) {
		if strings.Contains(p, "acme") {
			t.Errorf("%s: the public index was asked %s", step, p)
		}
	}
}

// TestSyncUsesLockIndexName: lock and sync name an index the same, so the
// PYWARD_INDEX_<NAME>_* credentials that let lock in let sync in (sync
// called every index "index"), and both keep one HTTP cache in
// <cache>/http (sync wrote to <cache>).
func TestSyncUsesLockIndexName(t *testing.T) {
	python := requirePython(t)
	for _, format := range []string{"requirements.txt", "pylock.toml"} {
		t.Run(format, func(t *testing.T) {
			isolateConfig(t)
			_, indexURL, host := startIndex(t, []testindex.Dist{{Name: "six", Version: "1.16.0", UploadTime: oldUpload}},
				testindex.Options{Username: "deploy", Password: "tok3n"})
			t.Setenv("PYWARD_INDEX_CORP_USERNAME", "deploy")
			t.Setenv("PYWARD_INDEX_CORP_PASSWORD", "tok3n")
			dir := t.TempDir()
			lockPath := filepath.Join(dir, format)
			if code, _, stderr := runPyward(t, "lock", "six", "-o", lockPath, "--index", "corp="+indexURL, "--trusted-host", host, "--python", python, "-q"); code != exitOK {
				t.Fatalf("lock: exit %d: %s", code, stderr)
			}
			// --trusted-host is repeated, although the lock records it, so
			// that this test checks names and credentials alone.
			if code, _, stderr := runPyward(t, "sync", lockPath, "--venv", filepath.Join(dir, "venv"), "--trusted-host", host, "-q"); code != exitOK {
				t.Fatalf("sync: exit %d: %s", code, stderr)
			}
			cache := os.Getenv("PYWARD_CACHE_DIR")
			if _, err := os.Stat(filepath.Join(cache, "http", "packs")); err != nil {
				t.Errorf("no HTTP cache in <cache>/http: %v", err)
			}
			for _, stray := range []string{"packs", "blobs"} {
				if _, err := os.Stat(filepath.Join(cache, stray)); err == nil {
					t.Errorf("a second HTTP cache in <cache>/%s", stray)
				}
			}
		})
	}
}
