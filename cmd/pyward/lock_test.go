package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/testindex"
)

// startIndex serves dists on loopback and returns the simple-index URL and
// the host to trust for plain http.
func startIndex(t *testing.T, dists []testindex.Dist, opts testindex.Options) (*testindex.Index, string, string) {
	t.Helper()
	ix, err := testindex.New(dists, opts)
	if err != nil {
		t.Fatal(err)
	}
	base := ix.Start()
	t.Cleanup(ix.Close)
	u, _ := url.Parse(base)
	return ix, base, u.Host
}

func demoDists() []testindex.Dist {
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return []testindex.Dist{
		{Name: "app-core", Version: "1.0.0", Requires: []string{"helper>=1.1", "colorlib; sys_platform == 'win32'"}, UploadTime: old,
			ConsoleScripts: map[string]string{"app-core": "app_core:main"}},
		{Name: "app-core", Version: "1.1.0", Requires: []string{"helper>=1.1"}, UploadTime: old, Sdist: true},
		{Name: "helper", Version: "1.0.0", UploadTime: old},
		{Name: "helper", Version: "1.1.5", UploadTime: old},
		{Name: "helper", Version: "1.2.0", UploadTime: old, WheelTags: []string{"py3-none-any", "cp312-cp312-win_amd64"}},
		{Name: "colorlib", Version: "0.4.6", UploadTime: old},
	}
}

func TestLockRequirementsAgainstTestIndex(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, demoDists(), testindex.Options{})
	dir := t.TempDir()
	in := filepath.Join(dir, "requirements.in")
	if err := os.WriteFile(in, []byte("app-core\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "requirements.txt")
	code, stdout, stderr := runPyward(t, "lock", in, "-o", out, "--index-url", indexURL, "--trusted-host", host,
		"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"app-core==1.1.0 \\", "helper==1.2.0 \\", "# via -r " + in, "# via app-core"} {
		if !strings.Contains(text, want) {
			t.Errorf("lock lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "colorlib") {
		t.Errorf("win32-only dependency of an older version leaked into the lock:\n%s", text)
	}
	// app-core 1.1.0 has a wheel and an sdist, helper 1.2.0 two wheels: 4 hashes.
	if n := strings.Count(text, "--hash=sha256:"); n != 4 {
		t.Errorf("%d hashes, want 4:\n%s", n, text)
	}
	// Re-locking without changes gives the same bytes.
	code, _, stderr = runPyward(t, "lock", in, "-o", out, "--index-url", indexURL, "--trusted-host", host, "--python-version", "3.12", "--platform", "manylinux_x86_64", "-q")
	again, _ := os.ReadFile(out)
	if code != exitOK || string(again) != text {
		t.Errorf("re-lock changed the file (exit %d, %s)", code, stderr)
	}
}

func TestLockKeepsExistingPins(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, demoDists(), testindex.Options{})
	dir := t.TempDir()
	out := filepath.Join(dir, "pylock.toml")
	args := func(extra ...string) []string {
		return append([]string{"lock", "app-core", "-o", out, "--index-url", indexURL, "--trusted-host", host, "--python-version", "3.12", "-q"}, extra...)
	}
	if code, _, stderr := runPyward(t, args("--upgrade-package", "helper==1.1.5")...); code != exitOK {
		t.Fatal(stderr)
	}
	read := func() *lockfile.Lock { return readPylock(t, out) }
	if v := read().Find("helper").Version; v != "1.1.5" {
		t.Fatalf("helper = %s, want 1.1.5", v)
	}
	// A plain re-lock keeps the locked version although 1.2.0 exists.
	if code, _, stderr := runPyward(t, args()...); code != exitOK {
		t.Fatal(stderr)
	}
	l := read()
	if p := l.Find("helper"); p == nil || p.Version != "1.1.5" || p.Index == "" || len(p.Wheels) != 1 {
		t.Errorf("helper in pylock after re-lock: %+v", p)
	}
	if code, _, stderr := runPyward(t, args("--upgrade")...); code != exitOK {
		t.Fatal(stderr)
	}
	if v := read().Find("helper").Version; v != "1.2.0" {
		t.Errorf("after --upgrade helper = %s, want 1.2.0", v)
	}
}

// TestRelockUnchangedLeavesFile: a re-lock that resolves again (no cache,
// so no memo) to the same bytes leaves the lock file as it is; one that
// changes it replaces it.
func TestRelockUnchangedLeavesFile(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, demoDists(), testindex.Options{})
	for _, name := range []string{"pylock.toml", "requirements.txt"} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), name)
			args := func(extra ...string) []string {
				return append([]string{"lock", "app-core", "-o", out, "--index-url", indexURL, "--trusted-host", host,
					"--python-version", "3.12", "--no-cache", "-q"}, extra...)
			}
			if code, _, stderr := runPyward(t, args("--upgrade-package", "helper==1.1.5")...); code != exitOK {
				t.Fatal(stderr)
			}
			// A second link keeps the first file's inode in use, so a
			// replacement cannot reuse its number.
			if err := os.Link(out, out+".first"); err != nil {
				t.Fatal(err)
			}
			before, err := os.Stat(out + ".first")
			if err != nil {
				t.Fatal(err)
			}
			if code, _, stderr := runPyward(t, args()...); code != exitOK {
				t.Fatal(stderr)
			}
			same, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if !os.SameFile(before, same) {
				t.Errorf("an unchanged re-lock replaced the file")
			}
			if code, _, stderr := runPyward(t, args("--upgrade")...); code != exitOK {
				t.Fatal(stderr)
			}
			after, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if os.SameFile(before, after) {
				t.Errorf("a re-lock that upgraded helper left the file as it was")
			}
		})
	}
}

func TestLockErrorsWriteNothing(t *testing.T) {
	isolateConfig(t)
	ix, indexURL, host := startIndex(t, demoDists(), testindex.Options{})
	dir := t.TempDir()
	out := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(out, []byte("# previous lock\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"-o", out, "--index-url", indexURL, "--trusted-host", host, "--python-version", "3.12", "-q"}
	tests := []struct {
		name    string
		args    []string
		setup   func()
		code    int
		wantErr string
	}{
		{"unsatisfiable", []string{"app-core", "helper<1.1"}, nil, exitUsage, "no solution"},
		{"unknown package", []string{"no-such-project"}, nil, exitUsage, "no-such-project"},
		{"http refused without trusted host", []string{"app-core", "-o", out, "--index-url", indexURL, "--python-version", "3.12"}, nil, exitUsage, "http"},
		{"bad requirement", []string{"app-core>>1"}, nil, exitUsage, "app-core>>1"},
		{"missing file", []string{"nope/requirements.in"}, nil, exitUsage, "no such file"},
		{"server error", []string{"helper"}, func() { ix.FailNext("/simple/helper/", 10, 500) }, exitInternal, "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			args := append([]string{"lock"}, tt.args...)
			if !strings.HasPrefix(tt.name, "http refused") {
				args = append(args, base...)
			}
			args = append(args, "--no-cache")
			code, _, stderr := runPyward(t, args...)
			if code != tt.code || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tt.code, stderr, tt.wantErr)
			}
			if data, _ := os.ReadFile(out); string(data) != "# previous lock\n" {
				t.Errorf("lock file changed on error: %q", data)
			}
		})
	}
}

// TestLockInstallsWithPip is the interop proof: real pip accepts the lock
// with --require-hashes, and refuses a tampered file.
func TestLockInstallsWithPip(t *testing.T) {
	python := requirePython(t)
	isolateConfig(t)
	ix, indexURL, host := startIndex(t, demoDists(), testindex.Options{})
	dir := t.TempDir()
	out := filepath.Join(dir, "requirements.txt")
	if code, _, stderr := runPyward(t, "lock", "app-core", "-o", out, "--index-url", indexURL, "--trusted-host", host, "-q"); code != exitOK {
		t.Fatal(stderr)
	}
	venvDir := filepath.Join(dir, "venv")
	if outp, err := exec.Command(python, "-m", "venv", "--without-pip", venvDir).CombinedOutput(); err != nil {
		t.Fatalf("venv: %v\n%s", err, outp)
	}
	pip := func(args ...string) (string, error) {
		cmd := exec.Command(python, append([]string{"-m", "pip", "--python", filepath.Join(venvDir, "bin", "python"), "--disable-pip-version-check", "--no-input"}, args...)...)
		cmd.Env = append(os.Environ(), "PIP_NO_CACHE_DIR=1", "PIP_CONFIG_FILE="+os.DevNull)
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	if outp, err := pip("install", "--require-hashes", "--no-deps", "-r", out, "--index-url", indexURL, "--trusted-host", host); err != nil {
		t.Fatalf("pip install: %v\n%s", err, outp)
	}
	if outp, err := pip("check"); err != nil {
		t.Fatalf("pip check: %v\n%s", err, outp)
	}
	// A swapped file on the index must be refused.
	for _, fn := range ix.Filenames("helper") {
		if strings.HasSuffix(fn, "py3-none-any.whl") {
			if err := ix.Tamper(fn); err != nil {
				t.Fatal(err)
			}
		}
	}
	venv2 := filepath.Join(dir, "venv2")
	if outp, err := exec.Command(python, "-m", "venv", "--without-pip", venv2).CombinedOutput(); err != nil {
		t.Fatalf("venv: %v\n%s", err, outp)
	}
	venvDir = venv2
	outp, err := pip("install", "--require-hashes", "--no-deps", "-r", out, "--index-url", indexURL, "--trusted-host", host)
	if err == nil || !strings.Contains(outp, "HASHES") {
		t.Fatalf("pip accepted a tampered file: %v\n%s", err, outp)
	}
}

// requirePython returns python3's path; CI must have it.
func requirePython(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is required in CI")
		}
		t.Skip("python3 not found")
	}
	return p
}

// TestLockDependencyConfusion: an internal index holds acme-utils 1.0, a
// public one a malicious acme-utils 99.0. pyward must lock the internal one
// by default (first index wins) and with --index-for, and only the pip-style
// --extra-index-url mode may pick 99.0 — with a loud warning.
func TestLockDependencyConfusion(t *testing.T) {
	isolateConfig(t)
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	_, internalURL, internalHost := startIndex(t, []testindex.Dist{{Name: "acme-utils", Version: "1.0", UploadTime: old}}, testindex.Options{})
	_, publicURL, publicHost := startIndex(t, []testindex.Dist{
		{Name: "acme-utils", Version: "99.0", UploadTime: old},
		{Name: "six", Version: "1.16.0", UploadTime: old},
	}, testindex.Options{})
	trust := []string{"--trusted-host", internalHost, "--trusted-host", publicHost, "--python-version", "3.12", "-q", "--no-cache"}
	tests := []struct {
		name        string
		args        []string
		wantVersion string
		wantIndex   string
		wantWarning bool
	}{
		{"first index wins", []string{"--index", "corp=" + internalURL, "--index", "pypi=" + publicURL}, "1.0", internalURL, false},
		{"index-for pin even when listed second", []string{"--index", "pypi=" + publicURL, "--index", "corp=" + internalURL, "--index-for", "acme-*=corp"}, "1.0", internalURL, false},
		{"unsafe-best-match is pip's merge", []string{"--index-url", internalURL, "--extra-index-url", publicURL, "--index-strategy", "unsafe-best-match"}, "99.0", publicURL, true},
		{"first-index over extra-index-url", []string{"--index-url", internalURL, "--extra-index-url", publicURL, "--index-strategy", "first-index"}, "1.0", internalURL, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "pylock.toml")
			args := append(append([]string{"lock", "acme-utils", "six", "-o", out}, tt.args...), trust...)
			code, _, stderr := runPyward(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			l := readPylock(t, out)
			p := l.Find("acme-utils")
			if p == nil || p.Version != tt.wantVersion || p.Index != tt.wantIndex {
				t.Fatalf("acme-utils = %+v, want %s from %s", p, tt.wantVersion, tt.wantIndex)
			}
			if six := l.Find("six"); six == nil || six.Index != publicURL {
				t.Errorf("six = %+v, want it from the public index", six)
			}
			if got := strings.Contains(stderr, "dependency confusion"); got != tt.wantWarning {
				t.Errorf("warning shown = %v, want %v: %s", got, tt.wantWarning, stderr)
			}
		})
	}
}

// dynBackend is an in-tree PEP 517 backend (backend-path) whose
// Requires-Dist is computed at build time from its build requirement,
// which pyward must install into the isolated build environment.
const dynBackend = `import os
def get_requires_for_build_wheel(config_settings=None):
    return []

def prepare_metadata_for_build_wheel(outdir, config_settings=None):
    import buildhelper  # from [build-system] requires, installed by pyward
    d = os.path.join(outdir, "dyn-1.0.dist-info")
    os.makedirs(d)
    with open(os.path.join(d, "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\nName: dyn\nVersion: 1.0\n")
        f.write("Requires-Dist: six==%s\n" % buildhelper.__version__)
    return "dyn-1.0.dist-info"
`

// writeSdist writes name-version.tar.gz into dir with the given files
// (paths below the top-level directory).
func writeSdist(t *testing.T, dir, name, version string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		h := &tar.Header{Name: name + "-" + version + "/" + p, Mode: 0o644, Size: int64(len(files[p])), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[p])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+"-"+version+".tar.gz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLockDynamicSdist: an sdist whose dependencies are computed at build
// time is refused by default (no package code runs), and locked with
// --allow-build, which runs its build backend in an isolated venv whose
// build requirements pyward installs itself. The backend is in the sdist
// (backend-path), so nothing outside the test is needed but python3.
func TestLockDynamicSdist(t *testing.T) {
	isolateConfig(t)
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	_, indexURL, host := startIndex(t, []testindex.Dist{
		{Name: "six", Version: "1.16.0", UploadTime: old},
		{Name: "six", Version: "1.17.0", UploadTime: old},
		// The build requirement's version is the six version the
		// backend asks for: 1.16.0, not the newest.
		{Name: "buildhelper", Version: "1.16.0", UploadTime: old},
	}, testindex.Options{})
	links := t.TempDir()
	writeSdist(t, links, "dyn", "1.0", map[string]string{
		"PKG-INFO":          "Metadata-Version: 2.2\nName: dyn\nVersion: 1.0\nDynamic: Requires-Dist\n",
		"pyproject.toml":    "[build-system]\nrequires = [\"buildhelper\"]\nbuild-backend = \"backend\"\nbackend-path = [\"_build\"]\n",
		"_build/backend.py": dynBackend,
	})
	dir := t.TempDir()
	out := filepath.Join(dir, "requirements.txt")
	args := []string{"lock", "dyn", "-o", out, "--index-url", indexURL, "--trusted-host", host, "--find-links", links, "-q"}
	code, _, stderr := runPyward(t, args...)
	if code != exitUsage || !strings.Contains(stderr, "dyn 1.0") || !strings.Contains(stderr, "--allow-build") {
		t.Fatalf("without --allow-build: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a lock was written")
	}
	requirePython(t)
	code, _, stderr = runPyward(t, append(args, "--allow-build")...)
	if code != exitOK {
		t.Fatalf("with --allow-build: exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), "six==1.16.0") || !strings.Contains(string(data), "dyn==1.0") {
		t.Errorf("lock:\n%s", data)
	}
	if strings.Contains(string(data), "buildhelper") {
		t.Errorf("a build requirement leaked into the lock:\n%s", data)
	}
}

// TestLockMemo checks the "nothing changed" path: once a re-lock has read
// only fresh cached responses, the next identical run reports the lock up
// to date without resolving or touching the index, and anything that could
// change the result (the lock file, the inputs, a cached response, stale
// pages, inputs outside the cache) makes it resolve again.
func TestLockMemo(t *testing.T) {
	isolateConfig(t)
	ix, indexURL, host := startIndex(t, demoDists(), testindex.Options{CacheControl: "max-age=600"})
	dir := t.TempDir()
	out := filepath.Join(dir, "requirements.txt")
	in := filepath.Join(dir, "requirements.in")
	if err := os.WriteFile(in, []byte("app-core\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"lock", in, "-o", out, "--index-url", indexURL, "--trusted-host", host, "--python-version", "3.12"}
	lockRun := func() string {
		t.Helper()
		code, _, stderr := runPyward(t, args...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		return stderr
	}
	lockRun() // cold: no previous lock, so no preferences
	first, _ := os.ReadFile(out)
	if s := lockRun(); !strings.Contains(s, "Locked 2 packages") {
		t.Fatalf("first re-lock (preferences from the lock) should resolve: %s", s)
	}
	ix.ResetCounts()
	if s := lockRun(); !strings.Contains(s, "Lock is up to date: 2 packages") {
		t.Fatalf("unchanged re-lock: %s", s)
	}
	if n := ix.Requests(); n != 0 {
		t.Errorf("unchanged re-lock made %d requests", n)
	}
	if got, _ := os.ReadFile(out); string(got) != string(first) {
		t.Errorf("lock changed:\n%s\nwant:\n%s", got, first)
	}

	// An edited lock file is resolved again (and rewritten).
	if err := os.WriteFile(out, append(first, "# edited\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := lockRun(); !strings.Contains(s, "Locked 2 packages") {
		t.Fatalf("after editing the lock: %s", s)
	}
	if got, _ := os.ReadFile(out); string(got) != string(first) {
		t.Errorf("edited lock not rewritten:\n%s", got)
	}
	lockRun() // memo for the rewritten lock

	// Changed inputs resolve again.
	if err := os.WriteFile(in, []byte("app-core\nhelper<1.2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := lockRun(); !strings.Contains(s, "Locked") {
		t.Fatalf("after changing the inputs: %s", s)
	}
	if err := os.WriteFile(in, []byte("app-core\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lockRun()
	lockRun()
	if s := lockRun(); !strings.Contains(s, "up to date") {
		t.Fatalf("memo not used again: %s", s)
	}

	// Cached responses that are gone invalidate the memo (a changed one
	// too: see index.TestConsultedAndUnchanged).
	packs := filepath.Join(os.Getenv("PYWARD_CACHE_DIR"), "http", "packs")
	if _, err := os.Stat(packs); err != nil {
		t.Fatalf("no cache packs: %v", err)
	}
	if err := os.RemoveAll(packs); err != nil {
		t.Fatal(err)
	}
	if s := lockRun(); strings.Contains(s, "up to date") {
		t.Fatalf("memo used although the cached responses are gone: %s", s)
	}
}

// TestLockMemoNeedsFreshResponses checks that runs which must ask the index
// (pages that must be revalidated) or read local files never skip the
// resolution.
func TestLockMemoNeedsFreshResponses(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, demoDists(), testindex.Options{}) // max-age=0, must-revalidate
	dir := t.TempDir()
	out := filepath.Join(dir, "requirements.txt")
	for _, args := range [][]string{
		{"lock", "app-core", "-o", out, "--index-url", indexURL, "--trusted-host", host, "--python-version", "3.12"},
		{"lock", "webapp-toolkit", "-o", out, "--no-index", "--find-links", filepath.Join("..", "..", "examples", "demo", "wheels"), "--python-version", "3.12"},
	} {
		os.Remove(out)
		for i := range 4 {
			code, _, stderr := runPyward(t, args...)
			if code != exitOK {
				t.Fatalf("%v: exit %d: %s", args, code, stderr)
			}
			if strings.Contains(stderr, "up to date") {
				t.Fatalf("%v, run %d: memo used: %s", args, i+1, stderr)
			}
		}
	}
}

func TestLockFormat(t *testing.T) {
	tests := []struct {
		flag, output string
		want         string // "" for an error
	}{
		{"", "", "requirements"},
		{"", "-", "requirements"},
		{"", "requirements.txt", "requirements"},
		{"", "locks/requirements-dev.txt", "requirements"},
		{"", "pylock.toml", "pylock"},
		{"", "dir/pylock.dev.toml", "pylock"},
		{"", "PyLock.toml", "pylock"},
		{"", "lock.toml", ""},
		{"", "pylockfile.toml", ""},
		{"", "pylock.a.b.toml", ""},
		{"", "pyproject.toml", ""},
		{"pylock", "", "pylock"},
		{"pylock", "pylock.toml", "pylock"},
		{"pylock", "lock.toml", ""},
		{"pylock", "requirements.txt", ""},
		{"requirements", "requirements.txt", "requirements"},
		{"requirements", "-", "requirements"},
		{"requirements", "lock.toml", ""},
		{"requirements", "pylock.toml", ""},
		{"json", "", ""},
	}
	for _, tt := range tests {
		got, err := lockFormat(tt.flag, tt.output)
		if tt.want == "" {
			if err == nil || !strings.Contains(err.Error(), tt.output) {
				t.Errorf("lockFormat(%q, %q) = %q, %v; want an error naming the file", tt.flag, tt.output, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("lockFormat(%q, %q) = %q, %v; want %q", tt.flag, tt.output, got, err, tt.want)
		}
	}
}

// A lock that cannot be written where asked is refused before resolving
// (the index here is unreachable), naming the path, with exit 2.
func TestLockRefusesOutputBeforeResolving(t *testing.T) {
	isolateConfig(t)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, output, want string
	}{
		{"requirements text in a .toml file", filepath.Join(dir, "lock.toml"), "pylock.toml"},
		{"missing directory", filepath.Join(dir, "missing", "dir", "x.txt"), "does not exist"},
		{"parent is a file", filepath.Join(notDir, "x.txt"), "not a directory"},
		{"output is a directory", dir, "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runPyward(t, "lock", "six", "--no-cache", "--python-version", "3.12",
				"--index-url", "https://127.0.0.1:1/simple/", "-o", tt.output)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.output) || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q lacks %q and %q", stderr, tt.output, tt.want)
			}
			if strings.Contains(stderr, "127.0.0.1") {
				t.Errorf("the index was asked before the output was checked: %q", stderr)
			}
		})
	}
}

// Oversized and binary input is refused before any index request, with a
// short error naming the file and line.
func TestLockRefusesOversizedAndBinaryInput(t *testing.T) {
	isolateConfig(t)
	dir := t.TempDir()
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	tests := []struct {
		name, want string
		data       []byte
	}{
		{"10 MB requirement line", "big.in:1: line is", []byte("requests" + strings.Repeat("1", 10<<20) + "\n")},
		{"4 KB binary file", "binary.in:1: binary data", binary},
		{"long invalid requirement", "long.in:1:1: invalid requirement", []byte(strings.Repeat("!", 60_000) + "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.SplitN(tt.want, ":", 2)[0])
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runPyward(t, "lock", path, "--no-cache", "--python-version", "3.12",
				"--index-url", "https://127.0.0.1:1/simple/", "-o", filepath.Join(dir, "out.txt"))
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %.300q; want exit %d and %q", code, stderr, exitUsage, tt.want)
			}
			if len(stderr) > 1000 {
				t.Errorf("error is %d bytes long", len(stderr))
			}
			if strings.Contains(stderr, "127.0.0.1") {
				t.Errorf("the index was asked: %.300q", stderr)
			}
		})
	}
}

// pip-compile's flags: --generate-hashes, --strip-extras and --allow-unsafe
// change nothing; --no-header drops the comment header.
func TestLockPipCompileFlags(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, demoDists(), testindex.Options{})
	dir := t.TempDir()
	lockWith := func(extra ...string) string {
		t.Helper()
		out := filepath.Join(dir, "requirements.txt")
		os.Remove(out)
		args := append([]string{"lock", "app-core", "-o", out, "--index-url", indexURL, "--trusted-host", host,
			"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q", "--no-cache"}, extra...)
		if code, _, stderr := runPyward(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	plain := lockWith()
	if got := lockWith("--generate-hashes", "--strip-extras", "--allow-unsafe"); got != plain {
		t.Errorf("pip-compile flags changed the lock:\n%s\nwant\n%s", got, plain)
	}
	bare := lockWith("--no-header")
	if strings.HasPrefix(bare, "#") || !strings.HasPrefix(bare, "--index-url "+indexURL) || !strings.HasSuffix(plain, bare) {
		t.Errorf("--no-header lock:\n%s\nfull lock:\n%s", bare, plain)
	}
}

// lock --check names what changed since the lock was written, writes
// nothing, and exits 1; a fresh lock exits 0.
func TestLockCheck(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, demoDists(), testindex.Options{})
	_, otherURL, otherHost := startIndex(t, demoDists(), testindex.Options{})
	for _, name := range []string{"requirements.txt", "pylock.toml"} {
		dir := t.TempDir()
		in := filepath.Join(dir, "requirements.in")
		out := filepath.Join(dir, name)
		write := func(text string) {
			t.Helper()
			if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		lockArgs := func(index, trusted string, extra ...string) []string {
			return append([]string{"lock", in, "-o", out, "--index-url", index, "--trusted-host", trusted,
				"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q"}, extra...)
		}
		write("app-core\n")
		if code, _, stderr := runPyward(t, lockArgs(indexURL, host)...); code != exitOK {
			t.Fatalf("lock: exit %d: %s", code, stderr)
		}
		before, _ := os.ReadFile(out)
		tests := []struct {
			name   string
			input  string
			args   []string
			want   []string // in stderr; none means fresh
			remove bool
		}{
			{name: "fresh", input: "app-core\n", args: lockArgs(indexURL, host)},
			{name: "fresh: a requirement its pin still satisfies", input: "app-core>=1.0\n", args: lockArgs(indexURL, host)},
			{name: "fresh: a requirement for another platform", input: "app-core\ncolorlib; sys_platform == 'win32'\n", args: lockArgs(indexURL, host)},
			{name: "requirement added", input: "app-core\ncolorlib\n", args: lockArgs(indexURL, host),
				want: []string{"requirement added: colorlib (-r " + in + ") is not in the lock"}},
			{name: "requirement changed", input: "app-core<1.1\n", args: lockArgs(indexURL, host),
				want: []string{"requirement changed: app-core<1.1 (-r " + in + ") does not allow the locked app-core==1.1.0"}},
			{name: "extras added", input: "app-core[color]\n", args: lockArgs(indexURL, host),
				want: []string{"extras changed: app-core[color] (-r " + in + ") asks for extras color; the lock was made for app-core without extras"}},
			{name: "requirement removed", input: "helper\n", args: lockArgs(indexURL, host),
				want: []string{"requirement removed: app-core==1.1.0 is locked as required by -r " + in}},
			{name: "sources changed", input: "app-core\n", args: lockArgs(otherURL, otherHost),
				want: []string{"sources changed: ", indexURL + ", which is no longer among the sources (" + otherURL + ")", "options changed: the lock was made by"}},
			{name: "options changed", input: "app-core\n", args: lockArgs(indexURL, host, "--pre"),
				want: []string{"options changed", "--pre'"}},
			{name: "no lock", input: "app-core\n", args: lockArgs(indexURL, host), remove: true,
				want: []string{"does not exist"}},
		}
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				write(tt.input)
				if tt.remove {
					if err := os.Rename(out, out+".saved"); err != nil {
						t.Fatal(err)
					}
					defer os.Rename(out+".saved", out)
				}
				args := append(append([]string(nil), tt.args...), "--check")
				args = slicesDelete(args, "-q")
				code, stdout, stderr := runPyward(t, args...)
				if len(tt.want) == 0 {
					if code != exitOK || !strings.Contains(stderr, "Lock is fresh") {
						t.Errorf("exit %d, want 0; stderr %s", code, stderr)
					}
				} else {
					if code != exitFindings {
						t.Errorf("exit %d, want 1; stderr %s", code, stderr)
					}
					for _, w := range tt.want {
						if !strings.Contains(stderr, w) {
							t.Errorf("stderr lacks %q:\n%s", w, stderr)
						}
					}
				}
				if stdout != "" {
					t.Errorf("stdout %q", stdout)
				}
				if tt.remove {
					if _, err := os.Stat(out); err == nil {
						t.Errorf("--check wrote %s", out)
					}
					return
				}
				if after, _ := os.ReadFile(out); !bytes.Equal(after, before) {
					t.Errorf("--check changed %s", out)
				}
			})
		}
	}
}

// slicesDelete returns args without the word w.
func slicesDelete(args []string, w string) []string {
	out := args[:0]
	for _, a := range args {
		if a != w {
			out = append(out, a)
		}
	}
	return out
}

// lock --check compares pyproject.toml's requires-python with the one a
// requirements lock records in its header.
func TestLockCheckRequiresPython(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, demoDists(), testindex.Options{})
	dir := t.TempDir()
	pyproject := filepath.Join(dir, "pyproject.toml")
	out := filepath.Join(dir, "requirements.txt")
	write := func(requiresPython string) {
		t.Helper()
		text := "[project]\nname = \"demo\"\nversion = \"1.0\"\nrequires-python = \"" + requiresPython + "\"\ndependencies = [\"app-core\"]\n"
		if err := os.WriteFile(pyproject, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"lock", pyproject, "-o", out, "--index-url", indexURL, "--trusted-host", host, "--python-version", "3.12", "--platform", "manylinux_x86_64"}
	write(">=3.10")
	if code, _, stderr := runPyward(t, append(args, "-q")...); code != exitOK {
		t.Fatalf("lock: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runPyward(t, append(args, "--check")...); code != exitOK {
		t.Errorf("fresh: exit %d: %s", code, stderr)
	}
	write(">=3.11")
	code, _, stderr := runPyward(t, append(args, "--check")...)
	if code != exitFindings || !strings.Contains(stderr, "requires-python changed: the lock was made for >=3.10, pyproject.toml now says >=3.11") {
		t.Errorf("changed: exit %d: %s", code, stderr)
	}
}

// TestLockWarnsAboutNewLookalikes: a top-level requirement new to the lock
// whose name imitates a popular project is reported before resolving (with
// --vet, with the index's verdict on the project); one the previous lock
// already has is not reported again.
func TestLockWarnsAboutNewLookalikes(t *testing.T) {
	isolateConfig(t)
	now := time.Now().UTC()
	md := func(name, version string) []byte {
		return []byte("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version +
			"\nSummary: Python HTTP for Humans.\nAuthor: Kenneth Reitz\nProject-URL: Source, https://github.com/psf/requests\n\nPython HTTP for Humans.\n")
	}
	var dists []testindex.Dist
	for i := range 12 {
		v := "2." + strconv.Itoa(i) + ".0"
		dists = append(dists, testindex.Dist{Name: "requests", Version: v, UploadTime: now.AddDate(-3, i, 0), RawMetadata: md("requests", v)})
	}
	dists = append(dists, testindex.Dist{Name: "reqeusts", Version: "2.32.9", UploadTime: now.Add(-5 * time.Hour), RawMetadata: md("reqeusts", "2.32.9")})
	_, indexURL, host := startIndex(t, dists, testindex.Options{})
	dir := t.TempDir()
	in := filepath.Join(dir, "requirements.in")
	out := filepath.Join(dir, "requirements.txt")
	lockWith := func(content string, extra ...string) string {
		t.Helper()
		if err := os.WriteFile(in, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"lock", in, "-o", out, "--index-url", indexURL, "--trusted-host", host,
			"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q"}, extra...)
		code, stdout, stderr := runPyward(t, args...)
		if code != exitOK {
			t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
		}
		return stderr
	}
	if stderr := lockWith("requests\n"); strings.Contains(stderr, "new requirement") {
		t.Errorf("a popular project was reported:\n%s", stderr)
	}
	stderr := lockWith("requests\nreqeusts\n", "--vet")
	for _, want := range []string{
		in + ": new requirement reqeusts looks like requests",
		"[typosquat/edit-distance-1/transpose]",
		"pyward audit --name reqeusts",
		"vet reqeusts [vet/score, high]: high risk as a look-alike of requests",
		"copies requests's summary",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if stderr := lockWith("requests\nreqeusts\n"); strings.Contains(stderr, "new requirement") {
		t.Errorf("a requirement the previous lock has was reported again:\n%s", stderr)
	}
}

// A lock made from a requirement with extras records them, so that
// lock --check finds it fresh, and fresh again after the extras move to
// another spelling.
func TestLockCheckExtrasFresh(t *testing.T) {
	isolateConfig(t)
	dists := append(demoDists(), testindex.Dist{Name: "tool", Version: "1.0.0", Requires: []string{`colorlib; extra == "color"`},
		UploadTime: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	_, indexURL, host := startIndex(t, dists, testindex.Options{})
	for _, name := range []string{"requirements.txt", "pylock.toml"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "requirements.in")
			out := filepath.Join(dir, name)
			args := []string{"lock", in, "-o", out, "--index-url", indexURL, "--trusted-host", host,
				"--python-version", "3.12", "--platform", "manylinux_x86_64"}
			if err := os.WriteFile(in, []byte("tool[color]\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, _, stderr := runPyward(t, append(args, "-q")...); code != exitOK {
				t.Fatalf("lock: exit %d: %s", code, stderr)
			}
			for _, input := range []string{"tool[color]\n", "Tool[COLOR]\n"} {
				if err := os.WriteFile(in, []byte(input), 0o644); err != nil {
					t.Fatal(err)
				}
				if code, _, stderr := runPyward(t, append(args, "--check")...); code != exitOK || !strings.Contains(stderr, "Lock is fresh") {
					t.Errorf("%q: exit %d, want fresh: %s", input, code, stderr)
				}
			}
			if err := os.WriteFile(in, []byte("tool\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runPyward(t, append(args, "--check")...)
			if want := "extras changed: tool (-r " + in + ") asks for no extras; the lock was made for tool[color]"; code != exitFindings || !strings.Contains(stderr, want) {
				t.Errorf("extras dropped: exit %d, stderr lacks %q:\n%s", code, want, stderr)
			}
		})
	}
}
