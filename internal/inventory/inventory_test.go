package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

type wantPkg struct {
	name, version string
	line          int
	pinned        bool
	hashes        int
	index         string
	vcs, commit   string
	editable, dev bool
}

func TestParseLocks(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		want   []wantPkg
	}{
		{"uv.lock", FormatUVLock, []wantPkg{
			{name: "certifi", version: "2024.8.30", line: 6, pinned: true, hashes: 2, index: "https://pypi.org/simple"},
			{name: "demo", version: "0.1.0", line: 15, pinned: true, editable: true},
			{name: "mylib", version: "0.3.0", line: 23, pinned: true, vcs: "git", commit: "0123456789abcdef0123456789abcdef01234567"},
			{name: "requests", version: "2.19.1", line: 28, pinned: true, hashes: 1, index: "https://pypi.org/simple"},
		}},
		{"poetry.lock", FormatPoetryLock, []wantPkg{
			{name: "certifi", version: "2024.8.30", line: 4, pinned: true, hashes: 2},
			{name: "corp-utils", version: "1.2.0", line: 15, pinned: true, index: "https://pypi.corp.example/simple"},
			{name: "jinja2", version: "2.10", line: 28, pinned: true, hashes: 1},
		}},
		{"pdm.lock", FormatPDMLock, []wantPkg{
			{name: "pyyaml", version: "5.3", line: 11, pinned: true, hashes: 1},
			{name: "pytest", version: "8.3.3", line: 21, pinned: true, hashes: 1, dev: true},
		}},
		{"Pipfile.lock", FormatPipfileLock, []wantPkg{
			{name: "corp-utils", version: "1.2.0", line: 32, pinned: true, index: "https://pypi.corp.example/simple"},
			{name: "django", version: "3.2.0", line: 24, pinned: true, hashes: 1, index: "https://pypi.org/simple"},
			{name: "flake8", line: 38, dev: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			format, err := Detect(path)
			if err != nil || format != tt.format {
				t.Fatalf("Detect = %v, %v; want %v", format, err, tt.format)
			}
			inv, err := ReadLockFile(path, format)
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Packages) != len(tt.want) {
				t.Fatalf("got %d packages, want %d: %+v", len(inv.Packages), len(tt.want), inv.Packages)
			}
			for i, w := range tt.want {
				p := inv.Packages[i]
				if p.Name != w.name || p.Version != w.version || p.Line != w.line || p.Pinned != w.pinned ||
					len(p.Hashes) != w.hashes || p.Index != w.index || p.VCS != w.vcs || p.Commit != w.commit ||
					p.Editable != w.editable || p.Dev != w.dev {
					t.Errorf("package %d = %+v\nwant %+v", i, p, w)
				}
				if p.File != path {
					t.Errorf("package %d file = %q", i, p.File)
				}
			}
		})
	}
}

func TestParseLockErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		data   string
		want   string
	}{
		{"toml syntax", FormatUVLock, "version = 1\n[[package]\nname = 'x'\n", "x.lock:3:"},
		{"missing name", FormatPoetryLock, "[[package]]\nversion = \"1\"\n", "x.lock:1: package without a name"},
		{"json syntax", FormatPipfileLock, "{\n  \"default\": {,}\n}", "x.lock:2:"},
		{"pylock without version", FormatPylock, "[[packages]]\nname='a'\n", "missing lock-version"},
		{"not a lock", FormatRequirements, "", "is not a lock format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLock("x.lock", tt.format, []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for path, want := range map[string]Format{
		"a/requirements.txt": FormatRequirements, "requirements-dev.txt": FormatRequirements, "requirements.in": FormatRequirements,
		"pylock.toml": FormatPylock, "pylock.dev.toml": FormatPylock, "x/uv.lock": FormatUVLock, "Pipfile.lock": FormatPipfileLock,
		"pyproject.toml": FormatPyproject, "pdm.lock": FormatPDMLock, "poetry.lock": FormatPoetryLock,
	} {
		if got, err := Detect(path); err != nil || got != want {
			t.Errorf("Detect(%q) = %v, %v; want %v", path, got, err, want)
		}
	}
	if _, err := Detect("Cargo.lock"); err == nil {
		t.Error("Detect(Cargo.lock) succeeded")
	}
}

func FuzzParseLock(f *testing.F) {
	for _, name := range []string{"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name, data)
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		format, err := Detect(name)
		if err != nil || format == FormatRequirements || format == FormatPyproject {
			return
		}
		start := time.Now()
		_, _ = ParseLock(name, format, data)
		budgettest.Check(t, len(name)+len(data), start)
	})
}
