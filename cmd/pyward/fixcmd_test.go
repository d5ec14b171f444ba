package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

// git runs git in dir and returns its trimmed output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// secondAdvisory is published after the first fix: other 1.0.0 is
// vulnerable, fixed in 1.5.0.
const secondAdvisory = `{"id": "PYSEC-2099-9", "modified": "2025-02-01T00:00:00Z",
  "summary": "other leaks memory",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "other"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5.0"}]}]}]}`

// fakeGitHub implements the GitHub REST endpoints pyward fix calls, in
// memory: list, create and edit pull requests, add labels, comment.
type fakeGitHub struct {
	mu       gosync.Mutex
	prs      []map[string]any
	creates  int
	edits    int
	comments map[int][]string
	auth     []string
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	body := map[string]any{}
	if r.Body != nil {
		data, _ := io.ReadAll(r.Body)
		if len(data) > 0 {
			_ = json.Unmarshal(data, &body)
		}
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v3/repos/o/r/"), "/")
	w.Header().Set("Content-Type", "application/json")
	reply := func(status int, v any) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.Method == "GET" && len(parts) == 1 && parts[0] == "pulls":
		reply(200, f.prs)
	case r.Method == "POST" && len(parts) == 1 && parts[0] == "pulls":
		f.creates++
		n := len(f.prs) + 1
		pr := map[string]any{"number": n, "state": "open", "title": body["title"], "body": body["body"],
			"html_url": fmt.Sprintf("https://github.example/o/r/pull/%d", n),
			"head":     map[string]any{"ref": body["head"]}, "base": map[string]any{"ref": body["base"]}}
		f.prs = append(f.prs, pr)
		reply(201, pr)
	case r.Method == "PATCH" && len(parts) == 2 && parts[0] == "pulls":
		n, _ := strconv.Atoi(parts[1])
		if n < 1 || n > len(f.prs) {
			reply(404, map[string]any{"message": "Not Found"})
			return
		}
		f.edits++
		f.prs[n-1]["title"], f.prs[n-1]["body"] = body["title"], body["body"]
		reply(200, f.prs[n-1])
	case r.Method == "POST" && len(parts) == 3 && parts[0] == "issues" && parts[2] == "labels":
		reply(200, []any{})
	case r.Method == "POST" && len(parts) == 3 && parts[0] == "issues" && parts[2] == "comments":
		n, _ := strconv.Atoi(parts[1])
		f.comments[n] = append(f.comments[n], fmt.Sprint(body["body"]))
		reply(201, map[string]any{"id": 1, "body": body["body"]})
	default:
		reply(404, map[string]any{"message": "Not Found"})
	}
}

// TestFixCommandGitPullRequest runs pyward fix on a real git repository
// with a vulnerable lock: --branch --commit commits exactly the lock on a
// branch named from the advisory, leaving the working tree alone; the new
// lock holds only index releases and re-audits clean; a rerun is a no-op;
// --open-pr opens one pull request, a rerun leaves it alone, and a second
// advisory updates the same pull request on the same branch.
func TestFixCommandGitPullRequest(t *testing.T) {
	isolateConfig(t)
	ix, indexURL, host := startIndex(t, fixDists(), testindex.Options{})
	data := t.TempDir()
	db := filepath.Join(data, "osv")
	writeFile(t, filepath.Join(db, "PYSEC-2099-1.json"), fixAdvisories["PYSEC-2099-1.json"])

	remote := filepath.Join(t.TempDir(), "remote.git")
	git(t, ".", "init", "-q", "--bare", "-b", "main", remote)
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	git(t, repo, "config", "user.name", "Test")
	git(t, repo, "config", "user.email", "test@example.invalid")
	git(t, repo, "config", "commit.gpgsign", "false")
	git(t, repo, "remote", "add", "origin", remote)
	t.Chdir(repo)
	writeFile(t, "requirements.in", "vulnlib\nother\n")
	writeFile(t, "README.md", "demo\n")
	if code, _, stderr := runPyward(t, "lock", "requirements.in", "-o", "requirements.txt", "--index-url", indexURL, "--trusted-host", host,
		"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q",
		"--upgrade-package", "vulnlib==1.0.0", "--upgrade-package", "helper==1.0.0", "--upgrade-package", "other==1.0.0"); code != exitOK {
		t.Fatalf("lock: exit %d: %s", code, stderr)
	}
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "initial")
	git(t, repo, "push", "-q", "origin", "main")
	original := readText(t, "requirements.txt")
	writeFile(t, "notes.txt", "uncommitted work\n") // must not be committed

	fix := func(extra ...string) (int, string, string) {
		t.Helper()
		return runPyward(t, append([]string{"fix", "--db", db, "--trusted-host", host}, extra...)...)
	}
	const branch = "pyward/fix-pysec-2099-1"
	code, stdout, stderr := fix("--branch", "--commit")
	if code != exitOK {
		t.Fatalf("fix: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got := git(t, repo, "diff", "--name-only", "main", branch); got != "requirements.txt" {
		t.Errorf("the branch changes %q, want only requirements.txt", got)
	}
	if readText(t, "requirements.txt") != original {
		t.Error("--branch --commit changed the working tree's lock")
	}
	if st := git(t, repo, "status", "--porcelain"); st != "?? notes.txt" {
		t.Errorf("working tree status %q, want only the untracked notes.txt", st)
	}
	subject := git(t, repo, "log", "-1", "--format=%s", branch)
	if subject != "fix(deps): bump vulnlib from 1.0.0 to 1.1.1" {
		t.Errorf("commit subject %q", subject)
	}
	if msg := git(t, repo, "log", "-1", "--format=%B", branch); !strings.Contains(msg, "Pyward-Advisories: PYSEC-2099-1") {
		t.Errorf("commit message lacks the advisory trailer:\n%s", msg)
	}
	for _, want := range []string{"# pyward fix: PYSEC-2099-1", "| vulnlib | 1.0.0 | 1.1.1 | PYSEC-2099-1 (CVE-2099-0001) |", "| helper | 1.0.0 | 1.1.0 | — (required by vulnlib 1.1.1) |"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	// The new lock pins index releases with their real hashes, and a
	// re-audit of it is clean.
	fixed := git(t, repo, "show", branch+":requirements.txt")
	if p := pins(fixed); p["vulnlib"] != "1.1.1" || p["helper"] != "1.1.0" || p["other"] != "1.0.0" {
		t.Errorf("fixed pins %v", p)
	}
	checkLockHashes(t, ix, fixed)
	fixedPath := filepath.Join(data, "requirements.txt")
	writeFile(t, fixedPath, fixed+"\n")
	if code, out, errOut := runPyward(t, "fix", "--db", db, "--trusted-host", host, "--dry-run", fixedPath); code != exitOK || !strings.Contains(out, "in 0 locks") {
		t.Errorf("re-audit of the fixed lock: exit %d\n%s\n%s", code, out, errOut)
	}

	head := git(t, repo, "rev-parse", branch)
	code, _, stderr = fix("--branch", "--commit")
	if code != exitOK || !strings.Contains(stderr, "already holds this fix") || git(t, repo, "rev-parse", branch) != head {
		t.Errorf("rerun is not a no-op: exit %d, %s", code, stderr)
	}

	gh := &fakeGitHub{comments: map[int][]string{}}
	srv := httptest.NewServer(gh)
	t.Cleanup(srv.Close)
	const token = "ghp_never-print-me-0123456789"
	t.Setenv("GITHUB_TOKEN", token)
	openPR := func() (int, string, string) {
		t.Helper()
		return fix("--open-pr", "github", "--forge-url", srv.URL+"/api/v3", "--forge-repo", "o/r")
	}
	code, stdout, stderr = openPR()
	if code != exitOK || gh.creates != 1 || !strings.Contains(stderr, "opened pull request #1") {
		t.Fatalf("--open-pr: exit %d, %d creates\n%s", code, gh.creates, stderr)
	}
	if got := git(t, repo, "ls-remote", "--heads", "origin", branch); !strings.HasPrefix(got, head) {
		t.Errorf("remote branch %q, want %s", got, head)
	}
	body := fmt.Sprint(gh.prs[0]["body"])
	if !strings.Contains(body, `<!-- pyward-fix group="." advisories="PYSEC-2099-1" -->`) || !strings.Contains(body, "| vulnlib | 1.0.0 | 1.1.1 |") {
		t.Errorf("pull request body:\n%s", body)
	}
	for _, a := range gh.auth {
		if a != "Bearer "+token {
			t.Errorf("Authorization %q", a)
		}
	}
	if strings.Contains(stdout+stderr, token) {
		t.Error("the token was printed")
	}

	code, _, stderr = openPR()
	if code != exitOK || gh.creates != 1 || gh.edits != 0 || !strings.Contains(stderr, "is up to date") {
		t.Errorf("rerun of --open-pr: exit %d, %d creates, %d edits\n%s", code, gh.creates, gh.edits, stderr)
	}

	// A second advisory: the same pull request and branch grow.
	writeFile(t, filepath.Join(db, "PYSEC-2099-9.json"), secondAdvisory)
	code, _, stderr = openPR()
	if code != exitOK || gh.creates != 1 || gh.edits != 1 || !strings.Contains(stderr, "updated pull request #1") {
		t.Fatalf("second advisory: exit %d, %d creates, %d edits\n%s", code, gh.creates, gh.edits, stderr)
	}
	if got := git(t, repo, "branch", "--list", "pyward/*", "--format=%(refname:short)"); got != branch {
		t.Errorf("branches %q, want only %s", got, branch)
	}
	fixed = git(t, repo, "show", branch+":requirements.txt")
	if p := pins(fixed); p["vulnlib"] != "1.1.1" || p["other"] != "1.5.0" {
		t.Errorf("pins after the second advisory %v", p)
	}
	if got := git(t, repo, "diff", "--name-only", "main", branch); got != "requirements.txt" {
		t.Errorf("the branch changes %q, want only requirements.txt", got)
	}
	if got := git(t, repo, "ls-remote", "--heads", "origin", branch); !strings.HasPrefix(got, git(t, repo, "rev-parse", branch)) {
		t.Errorf("remote branch not updated: %q", got)
	}
	body = fmt.Sprint(gh.prs[0]["body"])
	if !strings.Contains(body, `advisories="PYSEC-2099-1,PYSEC-2099-9"`) || !strings.Contains(body, "| other | 1.0.0 | 1.5.0 | PYSEC-2099-9 |") {
		t.Errorf("updated body:\n%s", body)
	}
}

func readText(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// checkLockHashes checks that every hash of a requirements lock is the
// hash of a file the index serves for that pin.
func checkLockHashes(t *testing.T, ix *testindex.Index, text string) {
	t.Helper()
	for name, version := range pins(text) {
		var sums []string
		for _, fn := range ix.Filenames(name) {
			if strings.Contains(fn, "-"+version) {
				_, sum, err := ix.File(fn)
				if err != nil {
					t.Fatal(err)
				}
				sums = append(sums, sum)
			}
		}
		sort.Strings(sums)
		if len(sums) == 0 {
			t.Errorf("%s==%s is not on the index", name, version)
		}
		for _, s := range sums {
			if !strings.Contains(text, "--hash=sha256:"+s) {
				t.Errorf("%s==%s: hash %s missing", name, version, s)
			}
		}
	}
}

// TestFixCommandRepository: pyward fix finds every lock below the
// directory, fixes those it rewrites (a requirements lock and a pylock.toml
// in another directory), names the command of a foreign lock's own tool,
// skips requirements files that are not locks, and respects
// --min-severity; a rerun changes nothing.
func TestFixCommandRepository(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, fixDists(), testindex.Options{})
	data := t.TempDir()
	db := filepath.Join(data, "osv")
	writeFile(t, filepath.Join(db, "PYSEC-2099-1.json"), fixAdvisories["PYSEC-2099-1.json"])
	writeFile(t, filepath.Join(db, "PYSEC-2099-7.json"), `{"id": "PYSEC-2099-7", "modified": "2025-01-01T00:00:00Z", "summary": "requests leaks",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]}]}`)
	uv, err := os.ReadFile(filepath.Join("..", "..", "internal", "inventory", "testdata", "uv.lock")) // requests 2.19.1
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	t.Chdir(repo)
	lock := func(in, out string) {
		t.Helper()
		if code, _, stderr := runPyward(t, "lock", in, "-o", out, "--index-url", indexURL, "--trusted-host", host,
			"--python-version", "3.12", "--platform", "manylinux_x86_64", "-q",
			"--upgrade-package", "vulnlib==1.0.0", "--upgrade-package", "helper==1.0.0"); code != exitOK {
			t.Fatalf("lock %s: exit %d: %s", out, code, stderr)
		}
	}
	writeFile(t, "requirements.in", "vulnlib\n")
	lock("requirements.in", "requirements.txt")
	writeFile(t, "services/api/requirements.in", "vulnlib\nother\n")
	lock("services/api/requirements.in", "services/api/pylock.toml")
	writeFile(t, "tools/uv.lock", string(uv))
	writeFile(t, "requirements-dev.txt", "pytest>=7\n")
	before := map[string]string{"requirements.txt": readText(t, "requirements.txt"), "services/api/pylock.toml": readText(t, "services/api/pylock.toml")}

	args := []string{"fix", "--db", db, "--trusted-host", host}
	code, stdout, stderr := runPyward(t, append(args, "--min-severity", "critical")...)
	if code != exitOK || !strings.Contains(stdout, "at or above critical severity, in 0 locks") {
		t.Errorf("--min-severity critical: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for p, text := range before {
		if readText(t, p) != text {
			t.Errorf("--min-severity critical changed %s", p)
		}
	}

	code, stdout, stderr = runPyward(t, args...)
	if code != exitFindings {
		t.Errorf("exit %d, want 1 (uv.lock keeps its advisory)\n%s", code, stderr)
	}
	if p := pins(readText(t, "requirements.txt")); p["vulnlib"] != "1.1.1" || p["helper"] != "1.1.0" {
		t.Errorf("requirements.txt pins %v", p)
	}
	if text := readText(t, "services/api/pylock.toml"); !strings.Contains(text, `name = "vulnlib"`+"\n"+`version = "1.1.1"`) {
		t.Errorf("pylock.toml not fixed:\n%s", text)
	}
	for _, want := range []string{
		"# pyward fix: PYSEC-2099-1",
		"in 2 locks pyward rewrites and 1 lock of other tools",
		"## Security: upgrade 1 vulnerable package in requirements.txt",
		"## Security: upgrade 1 vulnerable package in " + filepath.Join("services", "api", "pylock.toml"),
		"uv lock --upgrade-package requests",
		"fixed in 2.20.0",
		"requirements-dev.txt: line 1: pytest is not pinned with ==",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "requirements.in") {
		t.Errorf("inputs are listed as not locks:\n%s", stdout)
	}
	after := map[string]string{"requirements.txt": readText(t, "requirements.txt"), "services/api/pylock.toml": readText(t, "services/api/pylock.toml")}
	code, stdout, _ = runPyward(t, args...)
	if code != exitFindings || !strings.Contains(stdout, "in 0 locks pyward rewrites") {
		t.Errorf("rerun: exit %d\n%s", code, stdout)
	}
	for p, text := range after {
		if readText(t, p) != text {
			t.Errorf("rerun changed %s", p)
		}
	}
}
