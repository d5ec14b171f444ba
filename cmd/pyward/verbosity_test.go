package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

// TestQuietAndVerbose runs every command with -q and with -v (issue 8,
// deliver 6: every command takes them). With -q a successful run prints
// nothing but its product (inspect's listing, db status, a lock sent to
// standard output); with -v a command that reaches the network logs its
// HTTP requests on standard error.
func TestQuietAndVerbose(t *testing.T) {
	python := requirePython(t)
	_, indexURL, host := startIndex(t, fixDists(), testindex.Options{})
	data := t.TempDir()
	db, ref, names := writeAuditData(t, data)
	dbs := newDBServer(t)
	target := []string{"--trusted-host", host, "--python-version", "3.12", "--platform", "manylinux_x86_64"}
	// project returns a directory holding requirements.in and, unless
	// bare, the requirements.txt locked from it (vulnlib 1.0.0 is
	// vulnerable, so there is something to fix).
	project := func(t *testing.T, bare bool) (dir, in, lock string) {
		t.Helper()
		dir = t.TempDir()
		in, lock = filepath.Join(dir, "requirements.in"), filepath.Join(dir, "requirements.txt")
		if err := os.WriteFile(in, []byte("vulnlib\nother\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if !bare {
			args := append([]string{"lock", in, "-o", lock, "--index-url", indexURL, "-P", "vulnlib==1.0.0", "-P", "helper==1.0.0", "-q"}, target...)
			if code, _, stderr := runPyward(t, args...); code != exitOK {
				t.Fatalf("lock: exit %d: %s", code, stderr)
			}
		}
		return dir, in, lock
	}
	auditArgs := func(lock string) []string {
		return []string{"audit", lock, "--db", db, "--reference", ref, "--public-names", names, "--no-index-config", "--trusted-host", host}
	}
	tests := []struct {
		name    string
		args    func(t *testing.T) []string
		product bool // standard output is what was asked for, even with -q
		offline bool // makes no request: -v has nothing to log
	}{
		{name: "lock", args: func(t *testing.T) []string {
			_, in, lock := project(t, true)
			return append([]string{"lock", in, "-o", lock, "--index-url", indexURL}, target...)
		}},
		{name: "lock to standard output", product: true, args: func(t *testing.T) []string {
			_, in, _ := project(t, true)
			return append([]string{"lock", in, "-o", "-", "--index-url", indexURL}, target...)
		}},
		{name: "sync", args: func(t *testing.T) []string {
			dir, _, lock := project(t, false)
			return []string{"sync", lock, "--venv", filepath.Join(dir, "venv"), "--python", python, "--trusted-host", host}
		}},
		{name: "audit", args: func(t *testing.T) []string {
			_, _, lock := project(t, false)
			return append(auditArgs(lock), "--fail-on", "none")
		}},
		{name: "audit --fix", args: func(t *testing.T) []string {
			_, _, lock := project(t, false)
			return append(auditArgs(lock), "--fail-on", "high", "--fix")
		}},
		{name: "fix", args: func(t *testing.T) []string {
			dir, _, _ := project(t, false)
			return []string{"fix", dir, "--db", db, "--trusted-host", host}
		}},
		{name: "inspect", product: true, offline: true, args: func(t *testing.T) []string {
			_, in, _ := project(t, true)
			return []string{"inspect", in}
		}},
		{name: "db update", args: func(t *testing.T) []string {
			return []string{"db", "update", "--osv-url", dbs.URL + "/osv/all.zip", "--names-url", dbs.URL + "/simple/", "--top-url", dbs.URL + "/top.json",
				"--tuf-url", dbs.URL + "/tuf", "--tuf-root", dbs.tufRoot}
		}},
		{name: "db status", product: true, offline: true, args: func(t *testing.T) []string {
			return []string{"db", "status"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" -q", func(t *testing.T) {
			isolateConfig(t)
			code, stdout, stderr := runPyward(t, append(tt.args(t), "-q")...)
			if code != exitOK {
				t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
			}
			if stderr != "" {
				t.Errorf("-q printed on standard error:\n%s", stderr)
			}
			if tt.product != (stdout != "") {
				t.Errorf("-q: standard output %q (want output: %v)", stdout, tt.product)
			}
		})
		if tt.offline {
			continue
		}
		t.Run(tt.name+" -v", func(t *testing.T) {
			isolateConfig(t)
			code, stdout, stderr := runPyward(t, append(tt.args(t), "-v")...)
			if code != exitOK {
				t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
			}
			if !strings.Contains(stderr, "GET http://127.0.0.1:") || !strings.Contains(stderr, " → ") {
				t.Errorf("-v logged no request:\n%s", stderr)
			}
		})
	}
}
