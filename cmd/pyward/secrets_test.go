package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	gosync "sync"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

// credential is one planted secret: a user name and a password that
// appear nowhere but in the place they were planted.
type credential struct {
	source     string // where it is planted
	user, pass string
	mustBeUsed bool // pyward reads this source: some index must receive it
}

// authIndex serves a test index on loopback that requires HTTP Basic
// credentials, accepts any planted pair and records which were sent.
type authIndex struct {
	ix   *testindex.Index
	srv  *httptest.Server
	host string // 127.0.0.1:port

	mu   gosync.Mutex
	seen map[string]bool // user name -> sent
}

func newAuthIndex(t *testing.T, creds []credential) *authIndex {
	t.Helper()
	ix, err := testindex.New(fixDists(), testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := &authIndex{ix: ix, seen: map[string]bool{}}
	ok := map[string]string{}
	for _, c := range creds {
		ok[c.user] = c.pass
	}
	h := ix.Handler()
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, has := r.BasicAuth()
		if !has || ok[user] != pass || pass == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		a.mu.Lock()
		a.seen[user] = true
		a.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(a.srv.Close)
	a.host = strings.TrimPrefix(a.srv.URL, "http://")
	return a
}

// url is the index's simple URL, with c's credentials when c is not nil.
func (a *authIndex) url(c *credential) string {
	if c == nil {
		return "http://" + a.host + "/simple/"
	}
	return "http://" + c.user + ":" + c.pass + "@" + a.host + "/simple/"
}

// TestSecretsNeverLeak plants a distinct secret in every credential source
// pyward reads or might read (index URLs given as flags, NAME=URL, in a
// requirements file, PYWARD_INDEX_<NAME>_* variables, $NETRC, ~/.netrc,
// PIP_INDEX_URL, pip.conf), runs every command (lock in both formats, sync,
// audit in every format and with --fix, inspect, and failing runs: an index
// that refuses the credentials, a missing project, an unreachable index, a
// tampered file) against password-protected loopback indexes, and checks
// that no secret appears in any output stream or in any file written under
// the output, cache, environment and home directories (issue 8, deliver 5).
func TestSecretsNeverLeak(t *testing.T) {
	python := requirePython(t)
	isolateConfig(t)
	home := os.Getenv("HOME")
	creds := map[string]*credential{}
	for _, c := range []credential{
		{source: "--index-url userinfo", user: "usr-flag-a81", pass: "pw-flag-a81", mustBeUsed: true},
		{source: "--index NAME=URL userinfo", user: "usr-named-b27", pass: "pw-named-b27", mustBeUsed: true},
		{source: "PYWARD_INDEX_ENVIDX_*", user: "usr-env-c93", pass: "pw-env-c93", mustBeUsed: true},
		{source: "$NETRC", user: "usr-netrc-d44", pass: "pw-netrc-d44", mustBeUsed: true},
		{source: "~/.netrc", user: "usr-homenetrc-e55", pass: "pw-homenetrc-e55", mustBeUsed: true},
		{source: "-i in a requirements file", user: "usr-reqfile-f66", pass: "pw-reqfile-f66", mustBeUsed: true},
		{source: "PIP_INDEX_URL", user: "usr-pipenv-g77", pass: "pw-pipenv-g77", mustBeUsed: true},
		{source: "pip.conf", user: "usr-pipconf-h88", pass: "pw-pipconf-h88", mustBeUsed: true},
		{source: "--find-links userinfo", user: "usr-links-i99", pass: "pw-links-i99", mustBeUsed: true},
		{source: "a direct URL requirement", user: "usr-direct-j10", pass: "pw-direct-j10"},
		{source: "refused credentials", user: "usr-refused-k21", pass: "pw-refused-k21"},
		{source: "unreachable index", user: "usr-gone-l32", pass: "pw-gone-l32"},
		{source: "a malformed index URL", user: "usr-malformed-m43", pass: "pw-malformed-m43"},
		{source: "db update URLs", user: "usr-db-n54", pass: "pw-db-n54"},
		{source: "GITHUB_TOKEN", user: "ghp-tok-o65-a", pass: "ghp-tok-o65-b"},
		{source: "GITLAB_TOKEN", user: "glpat-tok-p76-a", pass: "glpat-tok-p76-b"},
		{source: "GITEA_TOKEN", user: "gitea-tok-q87-a", pass: "gitea-tok-q87-b"},
	} {
		creds[c.source] = &c
	}
	var accepted []credential
	for _, c := range creds {
		if c.source != "refused credentials" {
			accepted = append(accepted, *c)
		}
	}
	ix := newAuthIndex(t, accepted)
	tampered := newAuthIndex(t, accepted)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := ln.Addr().String() // nothing listens there once closed
	ln.Close()

	in, out := t.TempDir(), t.TempDir() // inputs hold the secrets; outputs must not
	write := func(dir, name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c := creds
	netrc := write(in, "netrc", fmt.Sprintf("machine 127.0.0.1 login %s password %s\n", c["$NETRC"].user, c["$NETRC"].pass))
	write(home, ".netrc", fmt.Sprintf("machine 127.0.0.1 login %s password %s\n", c["~/.netrc"].user, c["~/.netrc"].pass))
	pipConf := write(in, "pip.conf", "[global]\nindex-url = "+ix.url(c["pip.conf"])+"\nextra-index-url = "+ix.url(c["pip.conf"])+"\n")
	t.Setenv("NETRC", netrc)
	t.Setenv("PIP_CONFIG_FILE", pipConf)
	t.Setenv("PIP_INDEX_URL", ix.url(c["PIP_INDEX_URL"]))
	t.Setenv("PYWARD_INDEX_ENVIDX_USERNAME", c["PYWARD_INDEX_ENVIDX_*"].user)
	t.Setenv("PYWARD_INDEX_ENVIDX_PASSWORD", c["PYWARD_INDEX_ENVIDX_*"].pass)

	reqIn := write(in, "requirements.in", "vulnlib==1.0.0\nother\n")
	withIndex := write(in, "with-index.in", "-i "+ix.url(c["-i in a requirements file"])+"\nvulnlib==1.0.0\nother\n")
	inspected := write(in, "inspect.in", "-i "+ix.url(c["-i in a requirements file"])+"\n--extra-index-url "+ix.url(c["pip.conf"])+
		"\n--find-links http://"+c["--find-links userinfo"].user+":"+c["--find-links userinfo"].pass+"@"+ix.host+"/links/\n"+
		"other @ http://"+c["a direct URL requirement"].user+":"+c["a direct URL requirement"].pass+"@"+ix.host+"/files/other-1.0.0-py3-none-any.whl\n")
	db, ref, names := writeAuditData(t, in)
	dbs := newDBServer(t)
	dbURL := strings.Replace(dbs.URL, "://", "://"+c["db update URLs"].user+":"+c["db update URLs"].pass+"@", 1)
	target := []string{"--trusted-host", "127.0.0.1", "--python-version", "3.11", "--platform", "manylinux_x86_64"}
	auditArgs := func(lockPath string) []string {
		return []string{"audit", lockPath, "--db", db, "--reference", ref, "--public-names", names, "--fail-on", "none",
			"--index-url", ix.url(c["--index-url userinfo"]), "--public-index", ix.url(c["--index-url userinfo"]), "--trusted-host", "127.0.0.1"}
	}
	reqLock, pylock, envLock, fileLock := filepath.Join(out, "requirements.txt"), filepath.Join(out, "pylock.toml"),
		filepath.Join(out, "env-requirements.txt"), filepath.Join(out, "from-file.txt")
	tamperedLock := filepath.Join(out, "tampered.txt")

	var findLinks []string
	for _, name := range []string{"vulnlib", "helper", "oldlib", "other"} {
		findLinks = append(findLinks, "--find-links", strings.TrimSuffix(ix.url(c["--find-links userinfo"]), "/simple/")+"/simple/"+name+"/")
	}
	type step struct {
		name  string
		args  []string
		setup func()
		fail  bool // the command is expected to fail
	}
	steps := []step{
		{name: "lock requirements, credentials in --index-url, verbose", args: append([]string{"lock", reqIn, "-o", reqLock, "--index-url", ix.url(c["--index-url userinfo"]), "-v"}, target...)},
		{name: "lock pylock, credentials in --index NAME=URL", args: append([]string{"lock", reqIn, "-o", pylock, "--index", "corp=" + ix.url(c["--index NAME=URL userinfo"]), "-v"}, target...)},
		{name: "lock, PYWARD_INDEX_ENVIDX_* credentials", args: append([]string{"lock", reqIn, "-o", envLock, "--index", "envidx=" + ix.url(nil), "-v"}, target...)},
		{name: "lock, the requirements file's -i", args: append([]string{"lock", withIndex, "-o", fileLock}, target...)},
		{name: "lock pylock, credentials in --find-links pages, verbose", args: append(append([]string{"lock", reqIn, "-o", filepath.Join(out, "pylock.links.toml"), "--no-index", "-v"}, findLinks...), target...)},
		{name: "lock to standard output", args: append([]string{"lock", reqIn, "-o", "-", "--index-url", ix.url(c["--index-url userinfo"])}, target...)},
		{name: "lock from a tampered index", args: append([]string{"lock", reqIn, "-o", tamperedLock, "--index-url", tampered.url(c["--index-url userinfo"])}, target...)},
		{name: "sync requirements, --index-url credentials, verbose", args: []string{"sync", reqLock, "--venv", filepath.Join(out, "venv-req"), "--python", python, "--index-url", ix.url(c["--index-url userinfo"]), "--trusted-host", "127.0.0.1", "-v"}},
		{name: "sync pylock, $NETRC credentials for the lock's index, verbose", args: []string{"sync", pylock, "--venv", filepath.Join(out, "venv-pylock"), "--python", python, "--trusted-host", "127.0.0.1", "-v"}},
		{name: "inspect", args: []string{"inspect", inspected}},
		{name: "audit --fix requirements, verbose", args: append(auditArgs(reqLock), "--fix", "--fix-summary", filepath.Join(out, "fix-summary.md"), "--fix-output", filepath.Join(out, "fixed.txt"), "-v")},
		{name: "audit --fix pylock, verbose", args: append(auditArgs(pylock), "--fix", "--fix-output", filepath.Join(out, "fixed-pylock.toml"), "-v")},
		// Failures: each error names the URL it failed on.
		{name: "lock, refused credentials", fail: true, args: append([]string{"lock", reqIn, "-o", filepath.Join(out, "refused.txt"), "--index-url", ix.url(c["refused credentials"])}, target...)},
		{name: "lock, missing project", fail: true, args: append([]string{"lock", "no-such-project", "-o", filepath.Join(out, "missing.txt"), "--index-url", ix.url(c["--index-url userinfo"])}, target...)},
		{name: "lock, unreachable index", fail: true, args: append([]string{"lock", reqIn, "-o", filepath.Join(out, "gone.txt"), "--index-url", "http://" + c["unreachable index"].user + ":" + c["unreachable index"].pass + "@" + gone + "/simple/"}, target...)},
		{name: "sync, tampered file", fail: true, setup: func() {
			for _, fn := range tampered.ix.Filenames("vulnlib") {
				if err := tampered.ix.Tamper(fn); err != nil {
					t.Fatal(err)
				}
			}
		}, args: []string{"sync", tamperedLock, "--venv", filepath.Join(out, "venv-tampered"), "--python", python, "--no-cache", "--index-url", tampered.url(c["--index-url userinfo"]), "--trusted-host", "127.0.0.1"}},
		{name: "sync, unreachable index", fail: true, args: []string{"sync", reqLock, "--venv", filepath.Join(out, "venv-gone"), "--python", python, "--no-cache", "--index-url", "http://" + c["unreachable index"].user + ":" + c["unreachable index"].pass + "@" + gone + "/simple/", "--trusted-host", "127.0.0.1"}},
		{name: "lock, malformed index URL", fail: true, args: append([]string{"lock", reqIn, "-o", filepath.Join(out, "malformed.txt"), "--index", "bad=http://" + c["a malformed index URL"].user + ":" + c["a malformed index URL"].pass + "@127.0.0.1:port/simple/"}, target...)},
		{name: "db update, verbose", args: []string{"db", "update", "--osv-url", dbURL + "/osv/all.zip", "--names-url", dbURL + "/simple/", "--top-url", dbURL + "/top.json", "--tuf-url", dbURL + "/tuf", "--tuf-root", dbs.tufRoot, "-v"}},
		{name: "db status", args: []string{"db", "status"}},
	}
	for _, format := range auditFormatNames() {
		steps = append(steps,
			step{name: "audit --format " + format, args: append(auditArgs(reqLock), "--format", format)},
			step{name: "audit --format " + format + " -o", args: append(auditArgs(pylock), "--format", format, "-o", filepath.Join(out, "report."+format))})
	}
	// pyward fix --open-pr in a git repository holding the fixed lock's
	// source, with every forge token set: a forge that accepts the token
	// and two that refuse it. Tokens are the planted pairs, user+pass.
	token := func(src string) string { return c[src].user + c[src].pass }
	t.Setenv("GITHUB_TOKEN", token("GITHUB_TOKEN"))
	t.Setenv("GITLAB_TOKEN", token("GITLAB_TOKEN"))
	t.Setenv("GITEA_TOKEN", token("GITEA_TOKEN"))
	gh := &fakeGitHub{comments: map[int][]string{}}
	ghSrv := httptest.NewServer(gh)
	t.Cleanup(ghSrv.Close)
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message": "401 Unauthorized"}`)
	}))
	t.Cleanup(refuse.Close)
	repoDir := filepath.Join(out, "repo")
	fixArgs := []string{"fix", "--db", db, "--trusted-host", "127.0.0.1", "--summary", filepath.Join(out, "fix-pr.md")}
	steps = append(steps,
		step{name: "fix --open-pr github", setup: func() {
			if err := os.MkdirAll(repoDir, 0o755); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(reqLock)
			if err != nil {
				t.Fatal(err)
			}
			write(repoDir, "requirements.txt", string(data))
			for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"config", "user.name", "T"}, {"config", "user.email", "t@example.invalid"},
				{"config", "commit.gpgsign", "false"}, {"add", "."}, {"commit", "-q", "-m", "init"}, {"init", "-q", "--bare", filepath.Join(out, "remote.git")},
				{"remote", "add", "origin", filepath.Join(out, "remote.git")}} {
				git(t, repoDir, args...)
			}
			t.Chdir(repoDir)
		}, args: append(fixArgs, "--open-pr", "github", "--forge-url", ghSrv.URL+"/api/v3", "--forge-repo", "o/r", "-v")},
		step{name: "fix --open-pr gitlab, refused token", fail: true, args: append(fixArgs, "--open-pr", "gitlab", "--forge-url", refuse.URL+"/api/v4", "--forge-repo", "g/p")},
		step{name: "fix --open-pr gitea, refused token", fail: true, args: append(fixArgs, "--open-pr", "gitea", "--forge-url", refuse.URL, "--forge-repo", "o/r")},
	)
	// Steps that change the environment come last.
	steps = append(steps,
		step{name: "lock with pip's index (PIP_INDEX_URL)", args: append([]string{"lock", reqIn, "-o", filepath.Join(out, "pip-env.txt")}, target...)},
		step{name: "lock with pip's index (pip.conf)", setup: func() { t.Setenv("PIP_INDEX_URL", "") },
			args: append([]string{"lock", reqIn, "-o", filepath.Join(out, "pip-conf.txt")}, target...)},
		// ~/.netrc is read when $NETRC is not set (and pip's configuration
		// names no credentials for the lock's index: they would come first,
		// as in pip).
		step{name: "sync pylock, ~/.netrc credentials", setup: func() {
			t.Setenv("NETRC", "")
			t.Setenv("PIP_INDEX_URL", "")
			t.Setenv("PIP_CONFIG_FILE", os.DevNull)
		}, args: []string{"sync", pylock, "--venv", filepath.Join(out, "venv-homenetrc"), "--python", python, "--trusted-host", "127.0.0.1", "--no-cache", "-v"}},
	)

	var leaks []string
	check := func(where string, data []byte) {
		for _, c := range creds {
			for _, secret := range []string{c.user, c.pass} {
				if bytes.Contains(data, []byte(secret)) {
					leaks = append(leaks, fmt.Sprintf("%s: the %s secret %q", where, c.source, secret))
				}
			}
		}
	}
	for _, s := range steps {
		if s.setup != nil {
			s.setup()
		}
		code, stdout, stderr := runPyward(t, s.args...)
		if failed := code != exitOK; failed != s.fail {
			t.Errorf("%s: exit %d (want failure: %v)\n%s\n%s", s.name, code, s.fail, stderr, stdout)
		}
		check(s.name+": stdout", []byte(stdout))
		check(s.name+": stderr", []byte(stderr))
	}
	for _, dir := range []string{out, home} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() || path == filepath.Join(home, ".netrc") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			check(path, data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(leaks)
	for _, l := range leaks {
		t.Errorf("leak: %s", l)
	}
	if len(gh.auth) == 0 || gh.auth[0] != "Bearer "+token("GITHUB_TOKEN") || len(gh.prs) != 1 {
		t.Errorf("the GitHub token was not sent, or no pull request was opened: %d requests, %d pull requests", len(gh.auth), len(gh.prs))
	}
	for _, c := range creds {
		if c.mustBeUsed && !ix.seen[c.user] {
			t.Errorf("the %s credentials were never sent: the test does not exercise that source", c.source)
		}
	}
}
