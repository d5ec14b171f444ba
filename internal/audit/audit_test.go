package audit

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/osv"
	"github.com/pyward/pyward/internal/typosquat"
)

func rules(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+"@"+f.Package)
	}
	return out
}

func hasRule(fs []Finding, rule, pkg string) *Finding {
	for i := range fs {
		if fs[i].Rule == rule && fs[i].Package == pkg {
			return &fs[i]
		}
	}
	return nil
}

func TestHygiene(t *testing.T) {
	inv := &inventory.Inventory{Source: "requirements.txt", Format: inventory.FormatRequirements, Packages: []inventory.Package{
		{Name: "ok", Version: "1.0", Pinned: true, Hashes: []string{"sha256:aa"}, File: "requirements.txt", Line: 1},
		{Name: "nohash", Version: "1.0", Pinned: true, File: "requirements.txt", Line: 3},
		{Name: "ranged", Spec: ">=2", File: "requirements.txt", Line: 4},
		{Name: "vcsbranch", URL: "git+https://example.com/x.git@main", VCS: "git", Commit: "main", Line: 5},
		{Name: "vcsfull", URL: "git+https://example.com/x.git@0123456789abcdef0123456789abcdef01234567", VCS: "git", Commit: "0123456789abcdef0123456789abcdef01234567", Line: 6},
		{Name: "urlnohash", URL: "https://example.com/x-1.0.tar.gz", Line: 7},
		{Name: "urlhash", URL: "https://example.com/y-1.0.tar.gz", Hashes: []string{"sha256:bb"}, Line: 8},
		{Name: "localdir", URL: "./src/pkg", Editable: true, Line: 9},
		{Name: "twoidx", Version: "1", Pinned: true, Hashes: []string{"sha256:cc"}, Indexes: []string{"https://a.example/simple", "https://b.example/simple/"}, Line: 10},
		{Name: "sameidx", Version: "1", Pinned: true, Hashes: []string{"sha256:cc"}, Indexes: []string{"https://a.example/simple", "https://a.example/simple/"}, Line: 11},
	}}
	got := checkHygiene(inv, false)
	want := map[string]string{
		"hygiene/missing-hash@nohash":          "requirements.txt:3",
		"hygiene/unpinned@ranged":              "requirements.txt:4",
		"hygiene/vcs-without-commit@vcsbranch": "",
		"hygiene/url-without-hash@urlnohash":   "",
		"hygiene/editable@localdir":            "",
		"hygiene/multiple-indexes@twoidx":      "",
	}
	if len(got) != len(want) {
		t.Errorf("got %d findings %v, want %d", len(got), rules(got), len(want))
	}
	for key, loc := range want {
		rule, pkg, _ := strings.Cut(key, "@")
		f := hasRule(got, rule, pkg)
		if f == nil {
			t.Errorf("missing %s", key)
			continue
		}
		if loc != "" && f.Location() != loc {
			t.Errorf("%s at %q, want %q", key, f.Location(), loc)
		}
	}
	// The same loose requirement in an input file is information, not a lock problem.
	in := &inventory.Inventory{Source: "requirements.in", Format: inventory.FormatRequirements, Packages: []inventory.Package{{Name: "ranged", Spec: ">=2"}}}
	got = checkHygiene(in, false)
	if len(got) != 1 || got[0].Rule != "hygiene/unpinned-input" || got[0].Severity != SeverityInfo {
		t.Errorf("input file findings = %v", rules(got))
	}
}

type fakeFS map[string]string

func (f fakeFS) read(path string) ([]byte, error) {
	if s, ok := f[filepath.ToSlash(path)]; ok {
		return []byte(s), nil
	}
	return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
}

func TestScanIndexConfig(t *testing.T) {
	files := fakeFS{
		"/home/u/.config/pip/pip.conf": "[global]\nindex-url = https://pypi.corp.example/simple\nextra-index-url =\n    https://pypi.org/simple\n    http://mirror.example/simple\ntrusted-host = mirror.example\n",
		"/proj/pyproject.toml": `[project]
name = "p"

[tool.uv]
index-strategy = "unsafe-best-match"

[[tool.poetry.source]]
name = "corp"
url = "https://pypi.corp.example/simple"
priority = "supplemental"

[[tool.pdm.source]]
name = "corp"
url = "https://pdm.corp.example/simple"
`,
	}
	env := ConfigEnv{GOOS: "linux", Home: "/home/u", ReadFile: files.read, Getenv: func(k string) string {
		return map[string]string{"PIP_EXTRA_INDEX_URL": "https://user:pw@extra.example/simple"}[k]
	}}
	invs := []*inventory.Inventory{{Source: "requirements.txt", IndexURLs: []inventory.IndexRef{{URL: "https://x.example/simple", Extra: true, File: "requirements.txt", Line: 2}}}}
	got, errs := ScanIndexConfig(env, invs, []string{"/proj/pyproject.toml"})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	type want struct{ rule, loc string }
	wants := []want{
		{"index-config/extra-index-url", "/home/u/.config/pip/pip.conf:4"},
		{"index-config/extra-index-url", "/home/u/.config/pip/pip.conf:5"},
		{"index-config/insecure-http", "/home/u/.config/pip/pip.conf:5"},
		{"index-config/trusted-host", "/home/u/.config/pip/pip.conf:6"},
		{"index-config/extra-index-url", "$PIP_EXTRA_INDEX_URL"},
		{"index-config/extra-index-url", "requirements.txt:2"},
		{"index-config/uv-unsafe-strategy", "/proj/pyproject.toml:5"},
		{"index-config/poetry-supplemental", "/proj/pyproject.toml:9"},
		{"index-config/extra-index-url", "/proj/pyproject.toml:14"},
	}
	for _, w := range wants {
		found := false
		for _, f := range got {
			if f.Rule == w.rule && f.Location() == w.loc {
				found = true
			}
		}
		if !found {
			t.Errorf("missing %s at %s", w.rule, w.loc)
		}
	}
	if len(got) != len(wants) {
		for _, f := range got {
			t.Logf("got %s at %s: %s", f.Rule, f.Location(), f.Title)
		}
		t.Errorf("got %d findings, want %d", len(got), len(wants))
	}
	for _, f := range got {
		if strings.Contains(f.Title, "pw@") {
			t.Errorf("credentials printed: %s", f.Title)
		}
	}
}

type fakePublic map[string]PublicProject

func (f fakePublic) Lookup(_ context.Context, name string) (PublicProject, error) {
	if name == "broken" {
		return PublicProject{}, errors.New("boom")
	}
	return f[name], nil
}

func TestConfusion(t *testing.T) {
	const corp = "https://pypi.corp.example/simple"
	pkgs := []*inventory.Package{
		{Name: "acme-utils", Version: "1.0", Pinned: true, Index: corp},
		{Name: "acme-lower", Version: "5.0", Pinned: true, Index: corp},
		{Name: "acme-free", Version: "1.0", Pinned: true, Index: corp},
		{Name: "requests", Version: "2.32.3", Pinned: true, Index: corp, Hashes: []string{"sha256:AB"}},
		{Name: "public-only", Version: "1", Pinned: true, Index: "https://pypi.org/simple"},
	}
	pub := fakePublic{
		"acme-utils": {Exists: true, Versions: []string{"0.1", "99.0"}},
		"acme-lower": {Exists: true, Versions: []string{"1.0"}},
		"requests":   {Exists: true, Versions: []string{"2.32.3"}, SHA256: map[string]bool{"ab": true}},
	}
	got, err := checkConfusion(context.Background(), pub, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := hasRule(got, "confusion/claimed", "acme-utils"); f == nil || f.Severity != SeverityCritical || !strings.Contains(f.Title, "99") {
		t.Errorf("acme-utils: %+v", f)
	}
	if f := hasRule(got, "confusion/claimed", "acme-lower"); f == nil || f.Severity != SeverityHigh {
		t.Errorf("acme-lower: %+v", f)
	}
	if f := hasRule(got, "confusion/unclaimed", "acme-free"); f == nil || f.Severity != SeverityMedium {
		t.Errorf("acme-free: %+v", f)
	}
	if len(got) != 3 {
		t.Errorf("findings = %v (a mirrored public package or a public-index package must not be flagged)", rules(got))
	}
	if _, err := checkConfusion(context.Background(), pub, []*inventory.Package{{Name: "broken", Index: corp}}, nil); err == nil {
		t.Error("look-up error swallowed")
	}
}

func TestNamesSnapshot(t *testing.T) {
	s, err := ReadNamesSnapshot(strings.NewReader("Requests\nacme_utils\n# comment\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"requests": true, "ACME.utils": true, "acme-other": false} {
		got, _ := s.Lookup(context.Background(), name)
		if got.Exists != want {
			t.Errorf("Lookup(%q) = %v, want %v", name, got.Exists, want)
		}
	}
}

type fakeProjects map[string]*ProjectInfo

func (f fakeProjects) ProjectInfo(_ context.Context, name, _ string) (*ProjectInfo, error) {
	return f[name], nil
}

func TestProjectChecks(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	src := fakeProjects{
		"evil":  {Status: "quarantined", StatusReason: "malware"},
		"old":   {Status: "archived"},
		"yanky": {Releases: map[string]ReleaseInfo{"1.0": {Yanked: true, YankedReason: "broken build"}}},
		"fresh": {Releases: map[string]ReleaseInfo{"2.0": {UploadTime: now.Add(-48 * time.Hour)}, "1.0": {UploadTime: now.Add(-400 * 24 * time.Hour)}}},
	}
	pkgs := []*inventory.Package{
		{Name: "evil", Version: "1", Pinned: true}, {Name: "old", Version: "1", Pinned: true},
		{Name: "yanky", Version: "1.0.0", Pinned: true}, {Name: "fresh", Version: "2.0", Pinned: true},
		{Name: "fresh", Version: "1.0", Pinned: true},
	}
	got, warns := checkProjects(context.Background(), src, pkgs, DefaultCooldown, now)
	if len(warns) != 0 {
		t.Fatal(warns)
	}
	for _, w := range []struct {
		rule, pkg string
		sev       Severity
	}{{"status/quarantined", "evil", SeverityCritical}, {"status/archived", "old", SeverityLow}, {"yanked", "yanky", SeverityMedium}, {"recent-release", "fresh", SeverityLow}} {
		if f := hasRule(got, w.rule, w.pkg); f == nil || f.Severity != w.sev {
			t.Errorf("%s %s: %+v", w.rule, w.pkg, f)
		}
	}
	if len(got) != 4 {
		t.Errorf("findings = %v", rules(got))
	}
}

func TestRunEndToEnd(t *testing.T) {
	rec, err := osv.ParseYAML([]byte(`id: PYSEC-2018-28
aliases: [CVE-2018-18074, GHSA-x84v-xcm2-53pg]
summary: requests leaks Authorization on redirect
affected:
- package: {ecosystem: PyPI, name: requests}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: 2.20.0}]
`))
	if err != nil {
		t.Fatal(err)
	}
	db := osv.Build([]*osv.Record{rec})
	invs := []*inventory.Inventory{{Source: "requirements.txt", Format: inventory.FormatRequirements, Packages: []inventory.Package{
		{Name: "requests", Version: "2.19.1", Pinned: true, Hashes: []string{"sha256:aa"}, File: "requirements.txt", Line: 1},
		{Name: "reqeusts", Version: "1.0", Pinned: true, Hashes: []string{"sha256:bb"}, File: "requirements.txt", Line: 2},
		{Name: "requests", Version: "2.20.0", Pinned: true, Hashes: []string{"sha256:cc"}, File: "other.txt", Line: 9},
	}}}
	rep, err := Run(context.Background(), invs, nil, Options{Vulns: db, Typosquat: typosquat.Embedded()})
	if err != nil {
		t.Fatal(err)
	}
	v := hasRule(rep.Findings, "vulnerability", "requests")
	if v == nil || v.Version != "2.19.1" || v.Location() != "requirements.txt:1" || v.Fix != "upgrade requests to 2.20.0 or later" {
		t.Fatalf("vulnerability finding = %+v (all: %v)", v, rules(rep.Findings))
	}
	if strings.Join(v.Aliases, ",") != "CVE-2018-18074,GHSA-x84v-xcm2-53pg" {
		t.Errorf("aliases = %v", v.Aliases)
	}
	if f := hasRule(rep.Findings, "typosquat/"+string(firstTrick(t, "reqeusts")), "reqeusts"); f == nil {
		t.Errorf("typo-squat of requests not reported: %v", rules(rep.Findings))
	}
	if rep.Packages != 3 {
		t.Errorf("packages = %d", rep.Packages)
	}
	if max, _ := rep.Max(); max < SeverityMedium {
		t.Errorf("max severity = %v", max)
	}
	// An ignore with a reason silences the vulnerability under any alias.
	rep, err = Run(context.Background(), invs, nil, Options{Vulns: db, Ignores: []osv.Ignore{{ID: "CVE-2018-18074", Reason: "not reachable"}}})
	if err != nil {
		t.Fatal(err)
	}
	if hasRule(rep.Findings, "vulnerability", "requests") != nil || len(rep.Suppressed) != 1 || rep.Suppressed[0].Reason != "not reachable" {
		t.Errorf("ignore not applied: findings %v suppressed %+v", rules(rep.Findings), rep.Suppressed)
	}
	if _, err := Run(context.Background(), invs, nil, Options{Vulns: db, Ignores: []osv.Ignore{{ID: "CVE-2018-18074"}}}); err == nil {
		t.Error("ignore without a reason accepted")
	}
}

func firstTrick(t *testing.T, name string) typosquat.Trick {
	fs := typosquat.Check(name)
	if len(fs) == 0 {
		t.Fatalf("typosquat.Check(%q) found nothing", name)
	}
	return fs[0].Trick
}

func TestParseSeverity(t *testing.T) {
	for in, want := range map[string]Severity{"HIGH": SeverityHigh, "critical": SeverityCritical, "info": SeverityInfo, "none": SeverityCritical + 1} {
		if got, err := ParseSeverity(in); err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity accepted junk")
	}
}

func TestInsecureIndexIgnoresLoopback(t *testing.T) {
	for u, want := range map[string]bool{
		"http://mirror.example/simple": true, "http://127.0.0.1:8080/simple/": false, "http://localhost/simple": false,
		"http://[::1]:3141/simple": false, "https://mirror.example/simple": false, "http://10.0.0.5/simple": true,
	} {
		if got := len(insecureIndex(u, "f", 1)) > 0; got != want {
			t.Errorf("insecureIndex(%q) = %v, want %v", u, got, want)
		}
	}
}

// A malicious-package report matches every version, so it is reported for
// names without a pin (input files, vetted names); vulnerabilities, which
// depend on the version, are not.
func TestMaliciousUnpinned(t *testing.T) {
	mal, err := osv.ParseYAML([]byte(`id: MAL-2024-0001
summary: Malicious code in evilpkg
affected:
- package: {ecosystem: PyPI, name: evilpkg}
  versions: ["0.1.0"]
`))
	if err != nil {
		t.Fatal(err)
	}
	vuln, err := osv.ParseYAML([]byte(`id: PYSEC-2018-28
affected:
- package: {ecosystem: PyPI, name: requests}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: 2.20.0}]
`))
	if err != nil {
		t.Fatal(err)
	}
	db := osv.Build([]*osv.Record{mal, vuln})
	invs := []*inventory.Inventory{{Source: "--name", Format: inventory.FormatRequirements, Packages: []inventory.Package{
		{Name: "EvilPkg", File: "--name"},
		{Name: "requests", File: "--name"},
	}}}
	rep, err := Run(context.Background(), invs, nil, Options{Vulns: db, SkipHygine: true})
	if err != nil {
		t.Fatal(err)
	}
	f := hasRule(rep.Findings, "malicious", "EvilPkg")
	if f == nil || f.Severity != SeverityCritical || f.ID != "MAL-2024-0001" {
		t.Fatalf("malicious finding = %+v (all: %v)", f, rules(rep.Findings))
	}
	if len(rep.Findings) != 1 {
		t.Errorf("findings = %v, want only the malicious report", rules(rep.Findings))
	}
}

// An input file's loose requirements are not reported when its lock is
// audited beside it.
func TestUnpinnedInputBesideItsLock(t *testing.T) {
	inv := func(source string, format inventory.Format, pinned bool) *inventory.Inventory {
		p := inventory.Package{Name: "requests", Spec: ">=2", File: source, Line: 1}
		if pinned {
			p = inventory.Package{Name: "requests", Version: "2.32.3", Pinned: true, Hashes: []string{"sha256:aa"}, File: source, Line: 1}
		}
		return &inventory.Inventory{Source: source, Format: format, Packages: []inventory.Package{p}}
	}
	req, pyp, lock := inventory.FormatRequirements, inventory.FormatPyproject, inventory.FormatPylock
	tests := []struct {
		name      string
		invs      []*inventory.Inventory
		wantInput int // unpinned-input findings
	}{
		{"input alone", []*inventory.Inventory{inv("proj/requirements.in", req, false)}, 1},
		{"requirements.in beside requirements.txt", []*inventory.Inventory{inv("proj/requirements.in", req, false), inv("proj/requirements.txt", req, true)}, 0},
		{"requirements-dev.in beside requirements-dev.txt", []*inventory.Inventory{inv("proj/requirements-dev.in", req, false), inv("proj/requirements-dev.txt", req, true)}, 0},
		{"requirements-dev.in beside another .txt only", []*inventory.Inventory{inv("proj/requirements-dev.in", req, false), inv("proj/requirements.txt", req, true)}, 1},
		{"requirements.in beside pylock.toml", []*inventory.Inventory{inv("proj/requirements.in", req, false), inv("proj/pylock.toml", lock, true)}, 0},
		{"pyproject.toml beside pylock.toml", []*inventory.Inventory{inv("proj/pyproject.toml", pyp, false), inv("proj/pylock.toml", lock, true)}, 0},
		{"pyproject.toml beside requirements.txt", []*inventory.Inventory{inv("proj/pyproject.toml", pyp, false), inv("proj/requirements.txt", req, true)}, 0},
		{"lock in another directory", []*inventory.Inventory{inv("proj/pyproject.toml", pyp, false), inv("other/pylock.toml", lock, true)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Run(context.Background(), tt.invs, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, f := range rep.Findings {
				if f.Rule == "hygiene/unpinned-input" {
					n++
				}
			}
			if n != tt.wantInput {
				t.Errorf("%d unpinned-input findings, want %d: %v", n, tt.wantInput, rules(rep.Findings))
			}
		})
	}
}
