package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/testindex"
)

// fixAdvisories are the OSV records of the --fix tests.
var fixAdvisories = map[string]string{
	"PYSEC-2099-1.json": `{"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "modified": "2025-01-01T00:00:00Z",
  "summary": "vulnlib leaks secrets",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "vulnlib"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}]}]}`,
	"PYSEC-2099-2.json": `{"id": "PYSEC-2099-2", "modified": "2025-01-01T00:00:00Z",
  "summary": "majorlib runs code from pickles",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "majorlib"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0.0"}]}]}]}`,
	"PYSEC-2099-3.json": `{"id": "PYSEC-2099-3", "modified": "2025-01-01T00:00:00Z",
  "summary": "fragile overflows",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "fragile"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}]}]}`,
	"PYSEC-2099-4.json": `{"id": "PYSEC-2099-4", "modified": "2025-01-01T00:00:00Z",
  "summary": "sdistonly overflows",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "sdistonly"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}]}]}`,
	"PYSEC-2099-5.json": `{"id": "PYSEC-2099-5", "modified": "2025-01-01T00:00:00Z",
  "summary": "majorfragile overflows",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "majorfragile"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0.0"}]}]}]}`,
	"MAL-2099-1.json": `{"id": "MAL-2099-1", "modified": "2025-01-01T00:00:00Z",
  "summary": "Malicious code in evilpkg (PyPI)",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "evilpkg"}, "versions": ["0.1.0"]}]}`,
}

// fixDists: vulnlib 1.0.0 is vulnerable (fixed in 1.1.0, which is yanked,
// so 1.1.1 is the smallest fix although 1.2.0 and 2.0.0 exist) and its fix
// needs a newer helper and drops oldlib; majorlib is fixed only in 2.0.0.
func fixDists() []testindex.Dist {
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return []testindex.Dist{
		{Name: "vulnlib", Version: "1.0.0", Requires: []string{"helper>=1.0", "oldlib"}, UploadTime: old},
		{Name: "vulnlib", Version: "1.1.0", Requires: []string{"helper>=1.1"}, UploadTime: old, Yanked: true, YankedReason: "broken"},
		{Name: "vulnlib", Version: "1.1.1", Requires: []string{"helper>=1.1"}, UploadTime: old, Sdist: true},
		{Name: "vulnlib", Version: "1.2.0", Requires: []string{"helper>=1.1"}, UploadTime: old},
		{Name: "vulnlib", Version: "2.0.0", UploadTime: old},
		{Name: "helper", Version: "1.0.0", UploadTime: old},
		{Name: "helper", Version: "1.1.0", UploadTime: old},
		{Name: "oldlib", Version: "1.0.0", UploadTime: old},
		{Name: "other", Version: "1.0.0", UploadTime: old},
		{Name: "other", Version: "1.5.0", UploadTime: old},
		{Name: "majorlib", Version: "1.4.0", UploadTime: old},
		{Name: "majorlib", Version: "2.0.0", UploadTime: old},
		{Name: "majorlib", Version: "2.1.0", UploadTime: old},
		{Name: "evilpkg", Version: "0.1.0", UploadTime: old},
		{Name: "colorwin", Version: "1.0.0", UploadTime: old},
		{Name: "colorwin", Version: "1.1.0", UploadTime: old},
		{Name: "sdistonly", Version: "1.0.0", UploadTime: old},
		{Name: "sdistonly", Version: "1.1.0", NoWheel: true, Dynamic: []string{"Requires-Dist"}, UploadTime: old},
		{Name: "fragile", Version: "1.0.0", UploadTime: old},
		{Name: "fragile", Version: "1.1.0", Requires: []string{"ghost-dep>=1"}, UploadTime: old, Sdist: true},
		{Name: "majorfragile", Version: "1.0.0", UploadTime: old},
		{Name: "majorfragile", Version: "2.0.0", Requires: []string{"ghost-dep>=2"}, UploadTime: old},
	}
}

// fixEnv is one --fix scenario: an index, advisories, a lock made by
// pyward lock, and audit flags that keep unrelated checks quiet.
type fixEnv struct {
	ix        *testindex.Index
	indexURL  string
	host      string
	dir       string
	lock      string
	auditArgs []string
}

func newFixEnv(t *testing.T, lockName string, reqs []string, pins ...string) *fixEnv {
	t.Helper()
	isolateConfig(t)
	ix, indexURL, host := startIndex(t, fixDists(), testindex.Options{})
	e := &fixEnv{ix: ix, indexURL: indexURL, host: host, dir: t.TempDir()}
	db, ref, names := writeAuditData(t, e.dir)
	in := filepath.Join(e.dir, "requirements.in")
	if err := os.WriteFile(in, []byte(strings.Join(reqs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.lock = filepath.Join(e.dir, lockName)
	args := []string{"lock", in, "-o", e.lock, "--index-url", indexURL, "--trusted-host", host, "--python-version", "3.12", "--platform", "manylinux_x86_64", "-q"}
	for _, p := range pins {
		args = append(args, "--upgrade-package", p)
	}
	if code, _, stderr := runPyward(t, args...); code != exitOK {
		t.Fatalf("lock: exit %d: %s", code, stderr)
	}
	e.auditArgs = []string{"audit", e.lock, "--db", db, "--reference", ref, "--public-names", names, "--no-index-config", "--fail-on", "high", "--trusted-host", host}
	return e
}

// writeAuditData writes the advisories of the --fix tests and a typo-squat
// reference and public-name list that match nothing into dir.
func writeAuditData(t *testing.T, dir string) (db, ref, names string) {
	t.Helper()
	db = filepath.Join(dir, "osv")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range fixAdvisories {
		if err := os.WriteFile(filepath.Join(db, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ref = filepath.Join(dir, "reference.txt")
	names = filepath.Join(dir, "public-names.txt")
	for _, p := range []string{ref, names} {
		if err := os.WriteFile(p, []byte("zzz-nothing-alike\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return db, ref, names
}

func (e *fixEnv) audit(t *testing.T, extra ...string) (int, string, string) {
	t.Helper()
	return runPyward(t, append(append([]string(nil), e.auditArgs...), extra...)...)
}

func (e *fixEnv) read(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(e.lock)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// pins returns name -> version of a requirements lock.
func pins(text string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Za-z0-9._-]+)==(\S+)`).FindAllStringSubmatch(text, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestAuditFixRequirements(t *testing.T) {
	e := newFixEnv(t, "requirements.txt", []string{"vulnlib", "majorlib", "other", "evilpkg"},
		"vulnlib==1.0.0", "helper==1.0.0", "other==1.0.0", "majorlib==1.4.0")
	before := pins(e.read(t))
	want := map[string]string{"vulnlib": "1.0.0", "helper": "1.0.0", "oldlib": "1.0.0", "other": "1.0.0", "majorlib": "1.4.0", "evilpkg": "0.1.0"}
	for n, v := range want {
		if before[n] != v {
			t.Fatalf("test lock: %s=%s, want %s (%v)", n, before[n], v, before)
		}
	}
	summaryFile := filepath.Join(e.dir, "pr.md")
	code, _, stderr := e.audit(t, "--fix", "--fix-summary", summaryFile)
	if code != exitFindings {
		t.Fatalf("exit %d, want 1 (majorlib and evilpkg remain): %s", code, stderr)
	}
	after := pins(e.read(t))
	wantAfter := map[string]string{
		"vulnlib":  "1.1.1", // smallest non-yanked fix, not 1.2.0 or 2.0.0
		"helper":   "1.1.0", // moved because vulnlib 1.1.1 needs it
		"other":    "1.0.0", // unrelated: keeps its pin although 1.5.0 exists
		"majorlib": "1.4.0", // fix is 2.0.0: refused without --allow-major
		"evilpkg":  "0.1.0", // malicious: never "fixed", listed for removal
	}
	for n, v := range wantAfter {
		if after[n] != v {
			t.Errorf("after fix %s=%q, want %q", n, after[n], v)
		}
	}
	if _, ok := after["oldlib"]; ok {
		t.Errorf("oldlib is only needed by vulnlib 1.0.0 and should be dropped: %v", after)
	}
	text := e.read(t)
	for _, want := range []string{"# via -r " + filepath.Join(e.dir, "requirements.in"), "# from " + e.indexURL, "pyward lock "} {
		if !strings.Contains(text, want) {
			t.Errorf("fixed lock lacks %q:\n%s", want, text)
		}
	}
	// Every file of vulnlib 1.1.1 (wheel and sdist) is hashed.
	for _, fn := range e.ix.Filenames("vulnlib") {
		if !strings.Contains(fn, "1.1.1") {
			continue
		}
		_, sum, err := e.ix.File(fn)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "--hash=sha256:"+sum) {
			t.Errorf("hash of %s missing from the fixed lock", fn)
		}
	}
	summary, err := os.ReadFile(summaryFile)
	if err != nil {
		t.Fatal(err)
	}
	s := string(summary)
	for _, want := range []string{
		"## Security: upgrade 1 vulnerable package in ",
		"| vulnlib | 1.0.0 | 1.1.1 | PYSEC-2099-1 (CVE-2099-0001) |",
		"| helper | 1.0.0 | 1.1.0 | — (required by vulnlib 1.1.1) |",
		"| oldlib | 1.0.0 | — | — (no longer needed) |",
		"### Remove", "**evilpkg** 0.1.0: malicious package",
		"### Needs a major upgrade", "**majorlib** 1.4.0: needs a major upgrade (to 2.0.0): rerun with --allow-major (PYSEC-2099-2)",
		"### Still vulnerable after this change",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "| other |") {
		t.Errorf("summary lists the unrelated package:\n%s", s)
	}

	// --allow-major applies the major upgrade, to the smallest fixing 2.x.
	code, stdout, stderr := e.audit(t, "--fix", "--allow-major")
	if code != exitFindings { // evilpkg remains
		t.Fatalf("exit %d: %s", code, stderr)
	}
	after = pins(e.read(t))
	if after["majorlib"] != "2.0.0" || after["vulnlib"] != "1.1.1" || after["other"] != "1.0.0" {
		t.Errorf("after --allow-major: %v", after)
	}
	if !strings.Contains(stdout, "| majorlib | 1.4.0 | 2.0.0 | PYSEC-2099-2 |") {
		t.Errorf("summary on stdout lacks the majorlib row:\n%s", stdout)
	}
}

// TestAuditFixInstallsWithPip: the fixed lock installs with real pip in
// --require-hashes mode, and the re-audit is clean (exit 0).
func TestAuditFixInstallsWithPip(t *testing.T) {
	python := requirePython(t)
	e := newFixEnv(t, "requirements.txt", []string{"vulnlib", "other"}, "vulnlib==1.0.0", "helper==1.0.0", "other==1.0.0")
	code, stdout, stderr := e.audit(t, "--fix")
	if code != exitOK {
		t.Fatalf("exit %d, want 0 after the fix: %s\n%s", code, stderr, stdout)
	}
	if !strings.Contains(stdout, "no known vulnerability remains") {
		t.Errorf("summary:\n%s", stdout)
	}
	if p := pins(e.read(t)); p["vulnlib"] != "1.1.1" || p["helper"] != "1.1.0" || p["other"] != "1.0.0" {
		t.Fatalf("fixed pins %v", p)
	}
	venvDir := filepath.Join(e.dir, "venv")
	if outp, err := exec.Command(python, "-m", "venv", "--without-pip", venvDir).CombinedOutput(); err != nil {
		t.Fatalf("venv: %v\n%s", err, outp)
	}
	cmd := exec.Command(python, "-m", "pip", "--python", filepath.Join(venvDir, "bin", "python"), "--disable-pip-version-check", "--no-input",
		"install", "--require-hashes", "--no-deps", "-r", e.lock, "--index-url", e.indexURL, "--trusted-host", e.host)
	cmd.Env = append(os.Environ(), "PIP_NO_CACHE_DIR=1", "PIP_CONFIG_FILE="+os.DevNull)
	outp, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pip install of the fixed lock: %v\n%s\n%s", err, outp, e.read(t))
	}
	if !strings.Contains(string(outp), "vulnlib-1.1.1") {
		t.Errorf("pip did not install vulnlib 1.1.1:\n%s", outp)
	}
	check := exec.Command(python, "-m", "pip", "--python", filepath.Join(venvDir, "bin", "python"), "check")
	check.Env = cmd.Env
	if outp, err := check.CombinedOutput(); err != nil {
		t.Fatalf("pip check: %v\n%s", err, outp)
	}
}

func TestAuditFixPylock(t *testing.T) {
	e := newFixEnv(t, "pylock.toml", []string{"vulnlib", "other"}, "vulnlib==1.0.0", "helper==1.0.0", "other==1.0.0")
	code, _, stderr := e.audit(t, "--fix")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data := e.read(t)
	l, err := lockfile.ParsePylock(e.lock, []byte(data))
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	for n, v := range map[string]string{"vulnlib": "1.1.1", "helper": "1.1.0", "other": "1.0.0"} {
		if p := l.Find(n); p == nil || p.Version != v {
			t.Errorf("%s = %+v, want %s", n, p, v)
		}
	}
	if l.Find("oldlib") != nil {
		t.Errorf("oldlib kept")
	}
	p := l.Find("vulnlib")
	if p.Sdist == nil || len(p.Wheels) != 1 || p.Index != e.indexURL {
		t.Errorf("vulnlib files: %+v", p)
	}
	if !strings.HasPrefix(data, "# This file is autogenerated by pyward; do not edit.\n# To update, run: pyward lock ") {
		t.Errorf("header lost:\n%s", data)
	}
}

func TestAuditFixDryRunAndOutput(t *testing.T) {
	e := newFixEnv(t, "requirements.txt", []string{"vulnlib"}, "vulnlib==1.0.0", "helper==1.0.0")
	orig := e.read(t)
	code, stdout, stderr := e.audit(t, "--fix", "--dry-run")
	if code != exitOK || !strings.Contains(stdout, "| vulnlib | 1.0.0 | 1.1.1 |") || !strings.Contains(stderr, "not written") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if e.read(t) != orig {
		t.Fatal("--dry-run changed the lock")
	}
	other := filepath.Join(e.dir, "fixed.txt")
	if code, _, stderr := e.audit(t, "--fix", "--fix-output", other); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if e.read(t) != orig {
		t.Fatal("--fix-output changed the input lock")
	}
	data, err := os.ReadFile(other)
	if err != nil || pins(string(data))["vulnlib"] != "1.1.1" {
		t.Fatalf("--fix-output: %v\n%s", err, data)
	}
}

func TestAuditFixErrorsLeaveLockUntouched(t *testing.T) {
	e := newFixEnv(t, "requirements.txt", []string{"vulnlib"}, "vulnlib==1.0.0", "helper==1.0.0")
	orig := e.read(t)
	tests := []struct {
		name    string
		setup   func()
		args    []string
		code    int
		wantErr string
	}{
		{"two inputs", nil, []string{e.lock, "--fix"}, exitUsage, "one lock"},
		{"no vulnerability data", nil, []string{"--fix", "--no-vulns"}, exitUsage, "--no-vulns"},
		{"JSON report and summary on stdout", nil, []string{"--fix", "--format", "json"}, exitUsage, "--fix-summary FILE"},
		{"index unreachable", e.ix.Close, []string{"--fix", "--cache-dir", filepath.Join(e.dir, "fresh-cache")}, exitInternal, "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			code, _, stderr := e.audit(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tt.code, stderr, tt.wantErr)
			}
			if e.read(t) != orig {
				t.Error("lock changed on error")
			}
		})
	}
}

// TestAuditFixImpossible: when the resolver proves the fix impossible (a
// fixed version needs a dependency no index has, or could only be read by
// building it), --fix says so with the resolver's explanation, exits 1 and
// writes nothing: neither the lock nor --fix-output (issue 8, observed 2:
// it used to bump the pins anyway, exit 0 and report no vulnerability left).
func TestAuditFixImpossible(t *testing.T) {
	tests := []struct {
		name    string
		lock    string
		reqs    []string
		pins    []string
		args    []string
		explain string
	}{
		{"no solution", "requirements.txt", []string{"fragile", "other"}, []string{"fragile==1.0.0", "other==1.0.0"}, nil, "ghost-dep"},
		{"no solution, pylock", "pylock.toml", []string{"fragile", "other"}, []string{"fragile==1.0.0", "other==1.0.0"}, nil, "ghost-dep"},
		{"no solution across a major version", "requirements.txt", []string{"majorfragile", "other"}, []string{"majorfragile==1.0.0", "other==1.0.0"}, []string{"--allow-major"}, "ghost-dep"},
		{"metadata needs a build", "requirements.txt", []string{"sdistonly", "other"}, []string{"sdistonly==1.0.0", "other==1.0.0"}, nil, "building"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFixEnv(t, tt.lock, tt.reqs, tt.pins...)
			orig := e.read(t)
			other := filepath.Join(e.dir, "fixed.txt")
			for _, extra := range [][]string{nil, {"--fix-output", other}} {
				args := append(append([]string{"--fix"}, tt.args...), extra...)
				code, stdout, stderr := e.audit(t, args...)
				if code != exitFindings {
					t.Errorf("%v: exit %d, want 1\n%s\n%s", args, code, stderr, stdout)
				}
				if e.read(t) != orig {
					t.Fatalf("%v: the lock changed:\n%s", args, e.read(t))
				}
				if _, err := os.Stat(other); !os.IsNotExist(err) {
					t.Errorf("%v: --fix-output written (%v)", args, err)
				}
				if !strings.Contains(stderr, "impossible") || !strings.Contains(stderr, tt.explain) {
					t.Errorf("%v: stderr lacks the explanation %q:\n%s", args, tt.explain, stderr)
				}
				for _, want := range []string{"### The fix is impossible", tt.explain, "left unchanged", "### Still vulnerable"} {
					if !strings.Contains(stdout, want) {
						t.Errorf("%v: summary lacks %q:\n%s", args, want, stdout)
					}
				}
				if strings.Contains(stdout, "no known vulnerability remains") {
					t.Errorf("%v: summary claims the lock is clean:\n%s", args, stdout)
				}
			}
		})
	}
}

// TestAuditFixKeepsLockSources: --fix keeps every line the resolver does
// not decide: the header, the index options (--index-url,
// --extra-index-url, --find-links, --trusted-host) and the notes, and
// resolves against the index the lock records, with no index flag given
// (issue 8, observed 2: the --index-url line was dropped, so the next sync
// went to pypi.org).
func TestAuditFixKeepsLockSources(t *testing.T) {
	t.Run("pyward requirements lock", func(t *testing.T) {
		e := newFixEnv(t, "requirements.txt", []string{"vulnlib", "other"}, "vulnlib==1.0.0", "helper==1.0.0", "other==1.0.0")
		orig := e.read(t)
		if !strings.Contains(orig, "\n--index-url "+e.indexURL+"\n") {
			t.Fatalf("test lock has no --index-url line:\n%s", orig)
		}
		if code, stdout, stderr := e.audit(t, "--fix"); code != exitOK {
			t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
		}
		text := e.read(t)
		if head := orig[:strings.Index(orig, "helper==")]; !strings.HasPrefix(text, head) {
			t.Errorf("header and options changed:\n%s\nwant the prefix:\n%s", text, head)
		}
		if p := pins(text); p["vulnlib"] != "1.1.1" || p["other"] != "1.0.0" {
			t.Errorf("pins %v", p)
		}
		if !strings.Contains(text, "other==1.0.0 \\") || !strings.Contains(text, "# from "+e.indexURL) {
			t.Errorf("fixed lock:\n%s", text)
		}
	})
	t.Run("pylock", func(t *testing.T) {
		e := newFixEnv(t, "pylock.toml", []string{"vulnlib", "other"}, "vulnlib==1.0.0", "helper==1.0.0", "other==1.0.0")
		orig := e.read(t)
		if code, stdout, stderr := e.audit(t, "--fix"); code != exitOK {
			t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
		}
		text := e.read(t)
		if head := orig[:strings.Index(orig, "lock-version")]; head == "" || !strings.HasPrefix(text, head) {
			t.Errorf("header changed:\n%s\nwant the prefix:\n%s", text, head)
		}
		l, err := lockfile.ParsePylock(e.lock, []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range l.Packages {
			if p.Index != e.indexURL {
				t.Errorf("%s: index %q, want %q", p.Name, p.Index, e.indexURL)
			}
		}
	})
	t.Run("pip-compile lock with index options", func(t *testing.T) {
		e := newFixEnv(t, "requirements.txt", []string{"other"}, "other==1.0.0")
		_, extraURL, _ := startIndex(t, nil, testindex.Options{})
		wheels := t.TempDir()
		head := "#\n# This file is autogenerated by pip-compile with Python 3.12\n# by the following command:\n#\n#    pip-compile --generate-hashes requirements.in\n#\n" +
			"--index-url " + e.indexURL + "\n--extra-index-url " + extraURL + "\n--trusted-host 127.0.0.1\n--find-links " + wheels + "\n\n"
		body := ""
		for _, nv := range [][3]string{{"helper", "1.0.0", "vulnlib"}, {"oldlib", "1.0.0", "vulnlib"}, {"vulnlib", "1.0.0", "-r requirements.in"}} {
			body += nv[0] + "==" + nv[1]
			for _, fn := range e.ix.Filenames(nv[0]) {
				if strings.Contains(fn, "-"+nv[1]+"-") || strings.HasSuffix(fn, "-"+nv[1]+".tar.gz") {
					_, sum, err := e.ix.File(fn)
					if err != nil {
						t.Fatal(err)
					}
					body += " \\\n    --hash=sha256:" + sum
				}
			}
			body += "\n    # via " + nv[2] + "\n"
		}
		if err := os.WriteFile(e.lock, []byte(head+body), 0o644); err != nil {
			t.Fatal(err)
		}
		// The --extra-index-url line is itself a finding: exit 1.
		if code, stdout, stderr := e.audit(t, "--fix"); code != exitFindings || !strings.Contains(stderr, "pyward: fixed") {
			t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
		}
		text := e.read(t)
		if !strings.HasPrefix(text, head) {
			t.Errorf("header and options changed:\n%s\nwant the prefix:\n%s", text, head)
		}
		if p := pins(text); p["vulnlib"] != "1.1.1" || p["helper"] != "1.1.0" || len(p) != 2 {
			t.Errorf("pins %v:\n%s", p, text)
		}
		if strings.Contains(text, "# from") {
			t.Errorf("notes pip-compile does not write were added:\n%s", text)
		}
	})
}

// TestAuditFixPipCompileLock fixes a lock pip-compile wrote (no index
// annotations: the index comes from audit's --index-url) with a
// Windows-only package: the resolution for this machine does not reach it,
// so it is carried over as it was.
func TestAuditFixPipCompileLock(t *testing.T) {
	e := newFixEnv(t, "requirements.txt", []string{"other"}, "other==1.0.0")
	hashes := func(name, version string) string {
		var b strings.Builder
		for _, fn := range e.ix.Filenames(name) {
			if strings.Contains(fn, "-"+version+"-") || strings.HasSuffix(fn, "-"+version+".tar.gz") {
				_, sum, err := e.ix.File(fn)
				if err != nil {
					t.Fatal(err)
				}
				b.WriteString(" \\\n    --hash=sha256:" + sum)
			}
		}
		return b.String()
	}
	lockText := "#\n# This file is autogenerated by pip-compile with Python 3.12\n# by the following command:\n#\n#    pip-compile --generate-hashes requirements.in\n#\n" +
		`colorwin==1.0.0 ; sys_platform == "win32"` + hashes("colorwin", "1.0.0") + "\n    # via -r requirements.in\n" +
		"helper==1.0.0" + hashes("helper", "1.0.0") + "\n    # via vulnlib\n" +
		"oldlib==1.0.0" + hashes("oldlib", "1.0.0") + "\n    # via vulnlib\n" +
		"vulnlib==1.0.0" + hashes("vulnlib", "1.0.0") + "\n    # via -r requirements.in\n"
	if err := os.WriteFile(e.lock, []byte(lockText), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := e.audit(t, "--fix", "--index-url", e.indexURL)
	if code != exitOK {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	text := e.read(t)
	p := pins(text)
	if p["vulnlib"] != "1.1.1" || p["helper"] != "1.1.0" || p["colorwin"] != "1.0.0" || len(p) != 3 {
		t.Errorf("pins %v:\n%s", p, text)
	}
	for _, want := range []string{`colorwin==1.0.0 ; sys_platform == "win32"` + hashes("colorwin", "1.0.0"), "pip-compile --generate-hashes requirements.in", "# via -r requirements.in"} {
		if !strings.Contains(text, want) {
			t.Errorf("fixed lock lacks %q:\n%s", want, text)
		}
	}
}

// --baseline sets known findings aside from the report, not from the fix:
// --fix still upgrades a vulnerability the baseline already had.
func TestAuditFixWithBaseline(t *testing.T) {
	e := newFixEnv(t, "requirements.txt", []string{"vulnlib"}, "vulnlib==1.0.0", "helper==1.0.0")
	base := filepath.Join(e.dir, "baseline.json")
	if code, _, stderr := e.audit(t, "--write-baseline", base); code != exitFindings {
		t.Fatalf("recording run: exit %d: %s", code, stderr)
	}
	code, _, stderr := e.audit(t, "--baseline", base, "--fix", "--fix-summary", filepath.Join(e.dir, "pr.md"))
	if code != exitOK {
		t.Errorf("exit %d, want 0: %s", code, stderr)
	}
	if v := pins(e.read(t))["vulnlib"]; v != "1.1.1" {
		t.Errorf("vulnlib = %s after --baseline --fix, want the fix 1.1.1", v)
	}
}

// TestFixKeepsIndexStrategy: a fix re-resolves with the index strategy the
// lock was made with. vulnlib's fix needs newdep, which the internal and
// the extra (public) index both serve with different files: as pyward
// lock would, the fix refuses under refuse-conflicts (the default with
// --extra-index-url) and writes nothing, keeps the internal newdep under
// first-index (naming the other index), and merges under
// unsafe-best-match.
func TestFixKeepsIndexStrategy(t *testing.T) {
	tests := []struct {
		strategy string
		want     string // newdep's version in the fixed lock; "" expects the conflict error
		stderr   string
	}{
		{strategy: "", stderr: "--index-strategy unsafe-best-match"},
		{strategy: "refuse-conflicts", stderr: "--index-strategy unsafe-best-match"},
		{strategy: "first-index", want: "1.0.0", stderr: "newdep: taken from"},
		{strategy: "unsafe-best-match", want: "9.0.0", stderr: "dependency confusion"},
	}
	for _, tt := range tests {
		for _, name := range []string{"requirements.txt", "pylock.toml"} {
			t.Run(tt.strategy+" "+name, func(t *testing.T) {
				isolateConfig(t)
				_, internalURL, ih := startIndex(t, []testindex.Dist{
					{Name: "vulnlib", Version: "1.0.0", UploadTime: oldUpload},
					{Name: "vulnlib", Version: "1.1.1", Requires: []string{"newdep"}, UploadTime: oldUpload},
					{Name: "newdep", Version: "1.0.0", UploadTime: oldUpload},
				}, testindex.Options{})
				_, publicURL, ph := startIndex(t, []testindex.Dist{{Name: "newdep", Version: "9.0.0", UploadTime: oldUpload}}, testindex.Options{})
				dir := t.TempDir()
				db, ref, names := writeAuditData(t, dir)
				in := filepath.Join(dir, "requirements.in")
				if err := os.WriteFile(in, []byte("vulnlib\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				out := filepath.Join(dir, name)
				args := []string{"lock", in, "-o", out, "--index-url", internalURL, "--extra-index-url", publicURL,
					"--trusted-host", ih, "--trusted-host", ph, "--python-version", "3.12", "-P", "vulnlib==1.0.0", "-q"}
				if tt.strategy != "" {
					args = append(args, "--index-strategy", tt.strategy)
				}
				if code, _, stderr := runPyward(t, args...); code != exitOK {
					t.Fatalf("lock: exit %d: %s", code, stderr)
				}
				before, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				code, stdout, stderr := runPyward(t, "audit", out, "--db", db, "--reference", ref, "--public-names", names,
					"--no-index-config", "--fail-on", "high", "--trusted-host", ih, "--trusted-host", ph, "--fix")
				after, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(stderr, tt.stderr) {
					t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
				}
				if tt.want == "" {
					if code != exitUsage || !strings.Contains(stderr, "newdep") {
						t.Errorf("exit %d, want %d naming newdep:\n%s\n%s", code, exitUsage, stderr, stdout)
					}
					if string(after) != string(before) {
						t.Errorf("the lock was rewritten:\n%s", after)
					}
					return
				}
				if code != exitOK {
					t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
				}
				var got string
				if name == "pylock.toml" {
					l, err := lockfile.ParsePylock(out, after)
					if err != nil {
						t.Fatal(err)
					}
					if p := l.Find("newdep"); p != nil {
						got = p.Version
					}
				} else {
					got = pins(string(after))["newdep"]
				}
				if got != tt.want {
					t.Errorf("newdep %q, want %s:\n%s", got, tt.want, after)
				}
			})
		}
	}
}
