package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/testindex"
)

// writeSixLock writes a one-package hashed requirements.txt into dir.
func writeSixLock(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "requirements.txt")
	data := "six==1.16.0 \\\n    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n"
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sync --venv never turns an existing directory that is not a virtual
// environment into one; it refuses before any download (the index here is
// unreachable) and leaves the directory as it was.
func TestSyncRefusesNonVenvDirectory(t *testing.T) {
	isolateConfig(t)
	project := t.TempDir()
	lock := writeSixLock(t, project)
	tests := []struct {
		name  string
		venv  string
		extra []string
	}{
		{"the project directory", project, nil},
		{"the project directory, dry run", project, []string{"--dry-run"}},
		{"a file", lock, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.ReadDir(project)
			args := append([]string{"sync", lock, "--venv", tt.venv, "--no-cache", "--index-url", "https://127.0.0.1:1/simple/"}, tt.extra...)
			code, _, stderr := runPyward(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.venv) || !strings.Contains(stderr, "not a virtual environment") {
				t.Errorf("stderr %q does not name %s as not a virtual environment", stderr, tt.venv)
			}
			if after, _ := os.ReadDir(project); len(after) != len(before) {
				t.Errorf("the directory changed: %v, was %v", after, before)
			}
		})
	}
}

// Selecting extras or dependency groups the lock does not declare, or any
// from a requirements lock, is refused with the file and the name before
// the environment is created or anything fetched (the index here is
// unreachable).
func TestSyncSelectionRefused(t *testing.T) {
	isolateConfig(t)
	project := t.TempDir()
	reqs := writeSixLock(t, project)
	pylock := filepath.Join(project, "pylock.toml")
	data := `lock-version = "1.0"
created-by = "uv"
extras = ["socks"]
dependency-groups = ["dev"]
default-groups = ["main"]

[[packages]]
name = "six"
version = "1.16.0"
marker = "'socks' in extras"
wheels = [{ url = "https://127.0.0.1:1/files/six-1.16.0-py2.py3-none-any.whl", hashes = { sha256 = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254" } }]
`
	if err := os.WriteFile(pylock, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"unknown extra", []string{pylock, "--extra", "Socks", "--extra", "tls"}, []string{pylock, "--extra tls", "socks"}},
		{"unknown group", []string{pylock, "--group", "docs"}, []string{pylock, "--group docs", "dev, main"}},
		{"requirements lock, extra", []string{reqs, "--extra", "socks"}, []string{reqs, "--extra", "no extras or dependency groups"}},
		{"requirements lock, groups", []string{reqs, "--group", "dev", "--no-default-groups"}, []string{reqs, "--group, --no-default-groups"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			venv := filepath.Join(t.TempDir(), ".venv")
			args := append([]string{"sync", "--venv", venv, "--no-cache"}, tt.args...)
			code, _, stderr := runPyward(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not contain %q", stderr, w)
				}
			}
			if _, err := os.Stat(venv); !os.IsNotExist(err) {
				t.Errorf("the environment was created (%v)", err)
			}
		})
	}
}

// A wheel shipping start-up code (sitecustomize.py) is refused by sync
// with exit 2 and the flag that would allow it named; --allow-startup NAME
// and its alias --allow-pth NAME install it, and allowing another project
// does not.
func TestSyncAllowStartupFlags(t *testing.T) {
	requirePython(t)
	isolateConfig(t)
	dir := t.TempDir()
	fn, data, err := testindex.BuildWheel(testindex.Dist{Name: "demo", Version: "1.0", RawEntries: map[string]string{"sitecustomize.py": "import os\n"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	wheel := filepath.Join(dir, fn)
	if err := os.WriteFile(wheel, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	lockData, err := lockfile.MarshalPylock(&lockfile.Lock{CreatedBy: "test", Packages: []lockfile.Package{{Name: "demo", Version: "1.0",
		Wheels: []lockfile.File{{Name: fn, URL: "file://" + wheel, Size: int64(len(data)), Hashes: map[string]string{"sha256": hex.EncodeToString(sum[:])}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dir, "pylock.toml")
	if err := os.WriteFile(lock, lockData, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		flags   []string
		allowed bool
	}{
		{"no flag", nil, false},
		{"another project allowed", []string{"--allow-startup", "other"}, false},
		{"--allow-startup", []string{"--allow-startup", "demo"}, true},
		{"--allow-pth", []string{"--allow-pth", "demo"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			venv := filepath.Join(t.TempDir(), "venv")
			code, _, stderr := runPyward(t, append([]string{"sync", lock, "--venv", venv, "--no-cache"}, tt.flags...)...)
			installed, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages", "sitecustomize.py"))
			if tt.allowed {
				if code != exitOK || len(installed) != 1 {
					t.Fatalf("exit %d, installed %v; want 0 and sitecustomize.py (stderr %q)", code, installed, stderr)
				}
				return
			}
			if code != exitUsage || !strings.Contains(stderr, "sitecustomize.py") || !strings.Contains(stderr, "--allow-startup demo") {
				t.Errorf("exit %d, stderr %q; want 2 naming sitecustomize.py and --allow-startup demo", code, stderr)
			}
			if _, err := os.Stat(venv); err == nil {
				t.Error("the environment was created for a refused wheel")
			}
		})
	}
}
