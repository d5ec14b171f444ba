package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
