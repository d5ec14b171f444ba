package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileInputsExitTwo: a lock or pyproject.toml over a TOML limit
// stops audit and sync at once with exit 2 and an error naming the file,
// the line and the limit (unchecked, these inputs took minutes).
func TestHostileInputsExitTwo(t *testing.T) {
	isolateConfig(t)
	nested := strings.Repeat("{a = ", 8000) + "1" + strings.Repeat("}", 8000)
	files := map[string]string{
		"pylock.toml":    "lock-version = \"1.0\"\ncreated-by = \"x\"\n\n[[packages]]\nname = \"a\"\ntool = " + nested + "\n",
		"poetry.lock":    "[[package]]\nname = \"a\"\nversion = \"1\"\n\n[package.dependencies]\nb = " + nested + "\n",
		"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1\"\ndependencies" + strings.Repeat(".a", 20000) + " = 1\n",
	}
	tests := []struct {
		name, file, want string
		args             []string
	}{
		{"audit pylock.toml", "pylock.toml", "pylock.toml:6: ", []string{"audit", "--offline", "--no-vulns", "--no-index-config"}},
		{"audit poetry.lock", "poetry.lock", "poetry.lock:6: ", []string{"audit", "--offline", "--no-vulns", "--no-index-config"}},
		{"audit pyproject.toml", "pyproject.toml", "pyproject.toml:4: ", []string{"audit", "--offline", "--no-vulns", "--no-index-config"}},
		{"audit directory", "", "pylock.toml:6: ", []string{"audit", "--offline", "--no-vulns", "--no-index-config"}},
		{"sync pylock.toml", "pylock.toml", "pylock.toml:6: ", []string{"sync", "--no-cache", "--index-url", "https://127.0.0.1:1/simple/"}},
		{"sync oversized pylock.toml", "big/pylock.toml", "pylock.toml: ", []string{"sync", "--no-cache", "--index-url", "https://127.0.0.1:1/simple/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			name := tt.file
			if name == "" {
				name = "pylock.toml"
			}
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(files[name]), 0o644); err != nil {
				t.Fatal(err)
			}
			if name == "big/pylock.toml" {
				// A sparse 64 GiB lock: refused after reading MaxSize+1 bytes.
				if err := os.Truncate(filepath.Join(dir, name), 64<<30); err != nil {
					t.Fatal(err)
				}
			}
			target := filepath.Join(dir, tt.file)
			args := append(tt.args, target)
			if tt.args[0] == "sync" {
				args = append(args, "--venv", filepath.Join(dir, "venv"))
			}
			code, _, stderr := runPyward(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "tomlbudget.Max") || strings.Contains(stderr, "goroutine") {
				t.Errorf("stderr %q, want %q and the limit named", stderr, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "venv")); err == nil {
				t.Error("sync created the venv for a refused lock")
			}
		})
	}
}

// TestAuditRefusesOverlappingZip: an advisory archive whose members share
// compressed data (testdata/audit/overlap.zip: three central-directory
// entries for one deflated body; 4,000 × 16 MiB of them took 103 s to read)
// is refused with exit 2, naming the archive and the members.
func TestAuditRefusesOverlappingZip(t *testing.T) {
	isolateConfig(t)
	code, _, stderr := runPyward(t, "audit", "--offline", "--no-index-config", "--db", "testdata/audit/overlap.zip", "testdata/audit/requirements.txt")
	if code != exitUsage || !strings.Contains(stderr, "testdata/audit/overlap.zip: members PYSEC-00000.json and PYSEC-00001.json share compressed data") {
		t.Fatalf("exit %d, stderr %q; want 2 and the overlap named", code, stderr)
	}
}
