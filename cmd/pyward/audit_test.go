package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/testindex"
)

// isolateConfig points pip's configuration look-up at an empty home so the
// machine's own pip.conf does not leak into test results.
func isolateConfig(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_CONFIG_DIRS", filepath.Join(home, "etc-xdg"))
	t.Setenv("PYWARD_CACHE_DIR", filepath.Join(home, "cache"))
	for _, k := range []string{"PIP_CONFIG_FILE", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST", "PIP_FIND_LINKS", "PIP_NO_INDEX", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_STRATEGY", "VIRTUAL_ENV"} {
		t.Setenv(k, "")
	}
}

type auditJSON struct {
	SchemaVersion int            `json:"schema_version"`
	Failed        bool           `json:"failed"`
	Summary       map[string]int `json:"summary"`
	Findings      []struct {
		Kind, Rule, Severity, Package, Version, ID, File, Title string
		Line                                                    int
		Aliases                                                 []string
	} `json:"findings"`
	Warnings []string `json:"warnings"`
}

func TestAuditJSON(t *testing.T) {
	isolateConfig(t)
	code, stdout, stderr := runPyward(t, "audit", "--offline", "--db", "testdata/audit/osv", "--format", "json", "testdata/audit/requirements.txt")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	var doc auditJSON
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if doc.SchemaVersion != 1 || !doc.Failed {
		t.Errorf("schema %d failed %v", doc.SchemaVersion, doc.Failed)
	}
	want := map[string]string{ // kind@package -> file:line
		"vulnerability@requests": "testdata/audit/requirements.txt:2",
		"malicious@colourama":    "testdata/audit/requirements.txt:4",
		"typosquat@colourama":    "testdata/audit/requirements.txt:4",
		"hygiene@certifi":        "testdata/audit/requirements.txt:6",
	}
	got := map[string]string{}
	for _, f := range doc.Findings {
		got[f.Kind+"@"+f.Package] = f.File + ":" + itoa(f.Line)
		if f.Kind == "malicious" && f.Severity != "critical" {
			t.Errorf("malicious finding has severity %s", f.Severity)
		}
		if f.Kind == "vulnerability" && (f.ID != "PYSEC-2018-28" || len(f.Aliases) == 0) {
			t.Errorf("vulnerability finding %+v", f)
		}
	}
	for k, loc := range want {
		if got[k] != loc {
			t.Errorf("%s at %q, want %q (all: %v)", k, got[k], loc, got)
		}
	}
	if len(doc.Warnings) == 0 || !strings.Contains(strings.Join(doc.Warnings, "\n"), "BROKEN-1.yaml") {
		t.Errorf("the broken advisory file is not reported: %v", doc.Warnings)
	}
}

// TestAuditDBIsCompiledOnce: the first audit with --db compiles the source
// into the cache, later ones read that entry while the source's fingerprint
// (path, size, mtime) is unchanged and parse it again once it changes.
func TestAuditDBIsCompiledOnce(t *testing.T) {
	isolateConfig(t)
	db := filepath.Join(t.TempDir(), "osv")
	if err := os.CopyFS(db, os.DirFS("testdata/audit/osv")); err != nil {
		t.Fatal(err)
	}
	mal := filepath.Join(db, "MAL-2024-0001.json")
	args := []string{"audit", "--offline", "--db", db, "--format", "json", "--name", "colourama"}
	if code, stdout, stderr := runPyward(t, args...); code != exitFindings || !strings.Contains(stdout, "MAL-2024-0001") {
		t.Fatalf("first run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	entries, _ := filepath.Glob(filepath.Join(os.Getenv("PYWARD_CACHE_DIR"), "osv", "sources", "*.idx"))
	if len(entries) != 1 {
		t.Fatalf("compiled entries %v, want one", entries)
	}
	// Same size and mtime, unreadable content: only the cached entry can
	// still name the advisory.
	fi, _ := os.Stat(mal)
	if err := os.WriteFile(mal, []byte(strings.Repeat(" ", int(fi.Size()))), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(mal, fi.ModTime(), fi.ModTime())
	if code, stdout, stderr := runPyward(t, args...); code != exitFindings || !strings.Contains(stdout, "MAL-2024-0001") {
		t.Fatalf("second run did not use the compiled entry: exit %d\n%s\n%s", code, stdout, stderr)
	}
	os.Chtimes(mal, fi.ModTime().Add(time.Second), fi.ModTime().Add(time.Second))
	code, stdout, _ := runPyward(t, args...)
	var doc auditJSON
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("third run: not JSON: %v\n%s", err, stdout)
	}
	for _, f := range doc.Findings {
		if f.Kind == "malicious" {
			t.Errorf("changed source was not parsed again (exit %d): %+v", code, f)
		}
	}
	if !strings.Contains(strings.Join(doc.Warnings, "\n"), "MAL-2024-0001.json: invalid OSV JSON") {
		t.Errorf("the now broken record is not reported: %v", doc.Warnings)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestAuditExitCodesAndErrors(t *testing.T) {
	isolateConfig(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(bad, []byte("requests==2.0\n--frobnicate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked")
	if err := os.MkdirAll(locked, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"requirements.in":  "six>=1\n",
		"requirements.txt": "six==1.16.0 \\\n    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n",
	} {
		if err := os.WriteFile(filepath.Join(locked, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
		wantOut  string
	}{
		{"vet a malicious name", []string{"audit", "--offline", "--db", "testdata/audit/osv", "--name", "colourama"}, exitFindings, "", "MAL-2024-0001"},
		{"vet names without a database", []string{"audit", "--offline", "--fail-on", "low", "--name", "colourama"}, exitFindings, "", "no advisory database"},
		{"a vetted name is not an unpinned lock entry", []string{"audit", "--offline", "--no-vulns", "--fail-on", "medium", "--format", "json", "--name", "requests"}, exitOK, "", `"findings":[]`},
		{"an input beside its lock is not unpinned", []string{"audit", "--offline", "--no-vulns", "--no-index-config", "--fail-on", "info", locked}, exitOK, "", "0 critical, 0 high, 0 medium, 0 low, 0 info"},
		{"fail-on none", []string{"audit", "--offline", "--db", "testdata/audit/osv", "--fail-on", "none", "testdata/audit/requirements.txt"}, exitOK, "", "PYSEC-2018-28"},
		{"bad file names file and line", []string{"audit", "--offline", "--no-vulns", bad}, exitUsage, "requirements.txt:2", ""},
		{"missing file", []string{"audit", "--offline", "--no-vulns", filepath.Join(dir, "nope.txt")}, exitUsage, "nope.txt", ""},
		{"unknown format", []string{"audit", "--offline", "--format", "xml", "--no-vulns", "testdata/audit/requirements.txt"}, exitUsage, "unknown format", ""},
		{"ignore needs reason", []string{"audit", "--offline", "--ignore", "PYSEC-2018-28", "--no-vulns", "testdata/audit/requirements.txt"}, exitUsage, "reason is required", ""},
		{"bad fail-on", []string{"audit", "--offline", "--fail-on", "severe", "--no-vulns", "testdata/audit/requirements.txt"}, exitUsage, "unknown severity", ""},
		{"no db", []string{"audit", "--offline", "testdata/audit/requirements.txt"}, exitUsage, "pyward db update", ""},
		{"missing db", []string{"audit", "--offline", "--db", filepath.Join(dir, "nodb"), "testdata/audit/requirements.txt"}, exitUsage, "nodb", ""},
		{"vet names", []string{"audit", "--offline", "--name", "python3-dateutil", "--name", "requests"}, exitFindings, "", "python-dateutil"},
		{"ignored vulnerability", []string{"audit", "--offline", "--db", "testdata/audit/osv", "--ignore", "CVE-2018-18074=not reachable", "--fail-on", "critical", "--no-index-config", "testdata/audit/requirements.txt"}, exitFindings, "", "1 ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runPyward(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantErr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, stdout)
			}
			if strings.Contains(stderr, "goroutine") {
				t.Errorf("stack trace: %s", stderr)
			}
		})
	}
}

func TestAuditOutputFileIsAtomic(t *testing.T) {
	isolateConfig(t)
	out := filepath.Join(t.TempDir(), "report.md")
	code, stdout, stderr := runPyward(t, "audit", "--offline", "--db", "testdata/audit/osv", "--format", "markdown", "-o", out, "testdata/audit/requirements.txt")
	if code != exitFindings || stdout != "" {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), "| critical | colourama 0.1.0 |") {
		t.Fatalf("report: %v\n%s", err, data)
	}
}

// TestAuditOnlineAgainstLocalIndexes exercises the look-ups that ask an
// index (status, yanked, fresh releases, public-name claims) against
// loopback test indexes.
func TestAuditOnlineAgainstLocalIndexes(t *testing.T) {
	isolateConfig(t)
	now := time.Now().UTC()
	_, privURL, privHost := startIndex(t, []testindex.Dist{
		{Name: "acme-utils", Version: "1.0", UploadTime: now.AddDate(-1, 0, 0)},
		{Name: "yanky", Version: "1.0", Yanked: true, YankedReason: "bad build", UploadTime: now.AddDate(-1, 0, 0)},
		{Name: "fresh", Version: "2.0", UploadTime: now.Add(-time.Hour)},
	}, testindex.Options{})
	_, pubURL, pubHost := startIndex(t, []testindex.Dist{{Name: "acme-utils", Version: "99.0", UploadTime: now.AddDate(-1, 0, 0)}}, testindex.Options{})
	dir := t.TempDir()
	lockPath := filepath.Join(dir, "requirements.txt")
	h := strings.Repeat("a", 64)
	content := "acme-utils==1.0 \\\n    --hash=sha256:" + h + "\n    # from " + privURL + "\n" +
		"yanky==1.0 \\\n    --hash=sha256:" + h + "\n    # from " + privURL + "\n" +
		"fresh==2.0 \\\n    --hash=sha256:" + h + "\n    # from " + privURL + "\n"
	if err := os.WriteFile(lockPath, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runPyward(t, "audit", lockPath, "--no-vulns", "--format", "json", "--index-url", privURL,
		"--public-index", pubURL, "--trusted-host", privHost, "--trusted-host", pubHost, "--no-index-config")
	if code != exitFindings {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	var doc auditJSON
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range doc.Findings {
		got[f.Rule+"@"+f.Package] = f.Severity
	}
	for k, sev := range map[string]string{"confusion/claimed@acme-utils": "critical", "yanked@yanky": "medium", "recent-release@fresh": "low"} {
		if got[k] != sev {
			t.Errorf("%s = %q, want %q (all %v)", k, got[k], sev, got)
		}
	}
	if len(doc.Warnings) != 0 {
		t.Errorf("warnings: %v", doc.Warnings)
	}
}

func TestAuditInstalledEnvironment(t *testing.T) {
	isolateConfig(t)
	root := t.TempDir()
	meta := filepath.Join(root, "lib", "python3.12", "site-packages", "requests-2.19.1.dist-info", "METADATA")
	if err := os.MkdirAll(filepath.Dir(meta), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(meta, []byte("Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runPyward(t, "audit", "--offline", "--venv", root, "--db", "testdata/audit/osv", "--format", "json", "--no-index-config")
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc auditJSON
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].ID != "PYSEC-2018-28" || !strings.HasSuffix(doc.Findings[0].File, "METADATA") {
		t.Errorf("findings = %+v", doc.Findings)
	}
	if code, _, stderr := runPyward(t, "audit", "--offline", "--venv", t.TempDir(), "--no-vulns"); code != exitUsage || !strings.Contains(stderr, "site-packages") {
		t.Errorf("not a venv: exit %d, %s", code, stderr)
	}
}

// A scheduled audit with --baseline fails only when something is new: the
// run that recorded the baseline fails, the same findings again do not,
// and a newly published advisory does, reporting only itself.
func TestAuditBaseline(t *testing.T) {
	isolateConfig(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "osv")
	if err := os.MkdirAll(db, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"PYSEC-2018-28.yaml", "MAL-2024-0001.json"} {
		data, err := os.ReadFile(filepath.Join("testdata/audit/osv", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(db, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := filepath.Join(dir, "baseline.json")
	audit := func(extra ...string) (int, auditJSON, string) {
		t.Helper()
		args := append([]string{"audit", "--offline", "--db", db, "--format", "json", "testdata/audit/requirements.txt"}, extra...)
		code, stdout, stderr := runPyward(t, args...)
		var doc auditJSON
		if code != exitUsage {
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, stdout)
			}
		}
		return code, doc, stderr
	}
	if code, _, stderr := audit("--write-baseline", base); code != exitFindings {
		t.Fatalf("recording run: exit %d, want 1; stderr %s", code, stderr)
	}
	sarif := filepath.Join(dir, "baseline.sarif")
	if code, _, stderr := runPyward(t, "audit", "--offline", "--db", db, "--format", "sarif", "-o", sarif, "testdata/audit/requirements.txt"); code != exitFindings {
		t.Fatalf("SARIF run: exit %d; stderr %s", code, stderr)
	}
	for _, b := range []string{base, sarif} {
		code, doc, stderr := audit("--baseline", b)
		if code != 0 || len(doc.Findings) != 0 || doc.Failed {
			t.Errorf("--baseline %s, nothing new: exit %d, findings %+v; stderr %s", filepath.Base(b), code, doc.Findings, stderr)
		}
	}

	advisory := `id: PYSEC-2099-1
summary: a new advisory against certifi
affected:
- package:
    name: certifi
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: '0'
    - fixed: 2099.1.1
database_specific:
  severity: HIGH
`
	if err := os.WriteFile(filepath.Join(db, "PYSEC-2099-1.yaml"), []byte(advisory), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{base, sarif} {
		code, doc, stderr := audit("--baseline", b)
		if code != exitFindings {
			t.Errorf("--baseline %s, new advisory: exit %d, want 1; stderr %s", filepath.Base(b), code, stderr)
		}
		if len(doc.Findings) != 1 || doc.Findings[0].ID != "PYSEC-2099-1" {
			t.Errorf("--baseline %s: findings %+v, want only PYSEC-2099-1", filepath.Base(b), doc.Findings)
		}
	}

	if code, _, stderr := audit("--baseline", filepath.Join(dir, "missing.json")); code != exitUsage || !strings.Contains(stderr, "missing.json") {
		t.Errorf("missing baseline: exit %d, stderr %q", code, stderr)
	}
}

// --format html writes the page with the findings and the graph of the
// audited lock.
func TestAuditHTML(t *testing.T) {
	isolateConfig(t)
	out := filepath.Join(t.TempDir(), "report.html")
	code, _, stderr := runPyward(t, "audit", "--offline", "--db", "testdata/audit/osv", "--format", "html", "-o", out, "testdata/audit/requirements.txt")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	for _, want := range []string{"<!DOCTYPE html>", "PYSEC-2018-28", `<svg id="graph"`, `class="node vulnerable" data-package="requests"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestAuditNameVetsOnline: `audit --name` answers in one report with the
// name verdict, the malicious-package verdict, the public-index status and
// the project signals of each name.
func TestAuditNameVetsOnline(t *testing.T) {
	isolateConfig(t)
	now := time.Now().UTC()
	md := func(name, version, summary string, urls ...string) []byte {
		s := "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\nSummary: " + summary + "\nAuthor: Kenneth Reitz\n"
		for _, u := range urls {
			s += "Project-URL: Source, " + u + "\n"
		}
		return []byte(s + "\nPython HTTP for Humans.\n")
	}
	var dists []testindex.Dist
	for i := range 12 {
		v := "2." + itoa(i) + ".0"
		d := testindex.Dist{Name: "requests", Version: v, UploadTime: now.AddDate(-3, i, 0), RawMetadata: md("requests", v, "Python HTTP for Humans.", "https://github.com/psf/requests")}
		if i == 11 {
			d.Provenance = []byte(`{"version": 1, "attestation_bundles": []}`)
		}
		dists = append(dists, d)
	}
	dists = append(dists, testindex.Dist{Name: "reqeusts", Version: "2.32.9", UploadTime: now.Add(-5 * time.Hour),
		RawMetadata: md("reqeusts", "2.32.9", "Python HTTP for Humans.", "https://github.com/psf/requests")})
	_, pubURL, pubHost := startIndex(t, dists, testindex.Options{})
	code, stdout, stderr := runPyward(t, "audit", "--db", "testdata/audit/osv", "--public-index", pubURL, "--trusted-host", pubHost,
		"--no-index-config", "--format", "json", "--name", "reqeusts", "--name", "colourama")
	if code != exitFindings {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	var doc auditJSON
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	titles := map[string]string{}
	for _, f := range doc.Findings {
		got[f.Rule+"@"+f.Package] = f.Severity
		titles[f.Rule+"@"+f.Package] = f.Title
	}
	for k, sev := range map[string]string{
		"vet/score@reqeusts": "high", "vet/facts@reqeusts": "info", "vet/facts@colourama": "info",
		"malicious@colourama": "critical", "typosquat/edit-distance-1/transpose@reqeusts": "",
	} {
		if _, ok := got[k]; !ok || (sev != "" && got[k] != sev) {
			t.Errorf("%s = %q, want %q (all %v)", k, got[k], sev, got)
		}
	}
	score := titles["vet/score@reqeusts"]
	for _, want := range []string{"look-alike of requests", "first upload", "a single release", "copies requests's summary", "github.com/psf/requests, the repository of requests", "publishes provenance"} {
		if !strings.Contains(score, want) {
			t.Errorf("vet/score title lacks %q: %s", want, score)
		}
	}
	if !strings.Contains(titles["vet/facts@colourama"], "unclaimed") {
		t.Errorf("colourama facts: %s", titles["vet/facts@colourama"])
	}
	if !strings.Contains(titles["vet/facts@reqeusts"], "1 release, newest 2.32.9") {
		t.Errorf("reqeusts facts: %s", titles["vet/facts@reqeusts"])
	}
}

// TestAuditPublisherHistory commits a pylock.toml whose demo goes from 1.0
// (publisher A) to 1.1 (publisher B, accepted) to 1.2 (B), with a revision
// that does not parse in between: the 1.2 lock no longer records the
// change, so only the git history shows it, and audit reports it (high)
// with the commit; --no-history does not.
func TestAuditPublisherHistory(t *testing.T) {
	isolateConfig(t)
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "config", "user.name", "T")
	git(t, dir, "config", "user.email", "t@example.invalid")
	git(t, dir, "config", "commit.gpgsign", "false")
	lockPath := filepath.Join(dir, "pylock.toml")
	lock := func(version, repo, change string) string {
		s := `lock-version = "1.0"
created-by = "pyward"

[[packages]]
name = "demo"
version = "` + version + `"
index = "https://pypi.org/simple"

[[packages.wheels]]
name = "demo-` + version + `-py3-none-any.whl"
url = "https://files.example/demo-` + version + `-py3-none-any.whl"
hashes = { sha256 = "` + strings.Repeat("ab", 32) + `" }

[[packages.attestation-identities]]
kind = "GitHub"
repository = "` + repo + `"
workflow = "release.yml"
`
		if change != "" {
			s += "\n[packages.tool.pyward]\npublisher-change = \"" + change + "\"\n"
		}
		return s
	}
	commits := map[string]string{}
	for _, rev := range []struct{ name, body string }{
		{"1.0", lock("1.0", "acme/demo", "")},
		{"1.1", lock("1.1", "mallory/demo", "accepted with --allow-publisher-change: demo 1.1 was published by GitHub repository=mallory/demo workflow=release.yml, but 1.0 by GitHub repository=acme/demo workflow=release.yml")},
		{"broken", "this is [not toml\n"},
		{"1.2", lock("1.2", "mallory/demo", "")},
	} {
		if err := os.WriteFile(lockPath, []byte(rev.body), 0o644); err != nil {
			t.Fatal(err)
		}
		git(t, dir, "add", "pylock.toml")
		git(t, dir, "commit", "-q", "-m", "lock "+rev.name)
		commits[rev.name] = git(t, dir, "rev-parse", "HEAD")
	}
	args := []string{"audit", "--offline", "--no-vulns", "--no-index-config", "--format", "json", "--fail-on", "high", lockPath}
	changes := func(stdout string) []string {
		t.Helper()
		var doc auditJSON
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, stdout)
		}
		var out []string
		for _, f := range doc.Findings {
			if f.Rule == "provenance/publisher-change" {
				out = append(out, f.Severity+" "+f.Package+" "+f.Version+" "+f.Title)
			}
		}
		return out
	}
	code, stdout, stderr := runPyward(t, append(args, "-v")...)
	got := changes(stdout)
	if code != exitFindings || len(got) != 1 || !strings.HasPrefix(got[0], "high demo 1.1 demo 1.0 -> 1.1: its publisher changed in commit "+commits["1.1"][:12]) {
		t.Fatalf("audit: exit %d, publisher changes %q\n%s", code, got, stderr)
	}
	if !strings.Contains(stderr, "at commit "+commits["broken"][:12]) || !strings.Contains(stderr, "skipped in the publisher history") {
		t.Errorf("the revision that does not parse is not logged:\n%s", stderr)
	}
	code, stdout, stderr = runPyward(t, append(args, "--no-history")...)
	if got := changes(stdout); code != exitOK || len(got) != 0 {
		t.Fatalf("audit --no-history: exit %d, publisher changes %q\n%s", code, got, stderr)
	}
}
