package venv

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/pep425"
)

// python3 returns the test interpreter; CI must have one.
func python3(t *testing.T) string {
	t.Helper()
	p, err := Find("")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 is required in CI: %v", err)
		}
		t.Skipf("no python3: %v", err)
	}
	return p
}

func TestGlibcVersion(t *testing.T) {
	for _, tc := range []struct {
		in       string
		maj, min int
		ok       bool
	}{
		{"glibc 2.36", 2, 36, true},
		{"glibc 2.17-custom", 2, 17, true},
		{"glibc 2", 0, 0, false},
		{"musl 1.2", 0, 0, false},
		{"", 0, 0, false},
		{"glibc x.y", 0, 0, false},
	} {
		maj, min, ok := glibcVersion(tc.in)
		if maj != tc.maj || min != tc.min || ok != tc.ok {
			t.Errorf("glibcVersion(%q) = %d, %d, %v; want %d, %d, %v", tc.in, maj, min, ok, tc.maj, tc.min, tc.ok)
		}
	}
}

func TestPlatforms(t *testing.T) {
	for _, tc := range []struct {
		name  string
		info  Info
		first string
		last  string
	}{
		{"glibc", Info{Is64: true, Glibc: "glibc 2.36", Markers: map[string]string{"sys_platform": "linux", "platform_machine": "x86_64"}}, "manylinux_2_36_x86_64", "linux_x86_64"},
		{"musl", Info{Is64: true, Markers: map[string]string{"sys_platform": "linux", "platform_machine": "x86_64"}}, "linux_x86_64", "linux_x86_64"},
		{"32-bit on 64", Info{Is64: false, Glibc: "glibc 2.17", Markers: map[string]string{"sys_platform": "linux", "platform_machine": "x86_64"}}, "manylinux_2_17_i686", "linux_i686"},
		{"mac", Info{Is64: true, MacVer: "14.2", Markers: map[string]string{"sys_platform": "darwin", "platform_machine": "arm64"}}, "macosx_14_0_arm64", "macosx_10_4_universal2"},
		{"win", Info{Is64: true, Markers: map[string]string{"sys_platform": "win32", "platform_machine": "AMD64"}}, "win_amd64", "win_amd64"},
	} {
		got := platforms(tc.info)
		if len(got) == 0 || got[0] != tc.first || got[len(got)-1] != tc.last {
			t.Errorf("%s: platforms = %v; want first %s, last %s", tc.name, got, tc.first, tc.last)
		}
	}
}

func TestQueryAndCreate(t *testing.T) {
	py := python3(t)
	ctx := context.Background()
	cache := t.TempDir()
	if Cached(py, cache) {
		t.Fatal("Cached before the first query")
	}
	in, err := Query(ctx, py, cache)
	if err != nil {
		t.Fatal(err)
	}
	if !Cached(py, cache) || Cached(py, "") || Cached(py, t.TempDir()) {
		t.Fatalf("Cached after the first query: %v in its cache, %v without a cache, %v in another", Cached(py, cache), Cached(py, ""), Cached(py, t.TempDir()))
	}
	if in.Info.Version[0] != 3 || in.Info.Implementation == "" {
		t.Fatalf("unexpected info %+v", in.Info)
	}
	// Second query is served from the cache (same answer).
	in2, err := Query(ctx, py, cache)
	if err != nil {
		t.Fatal(err)
	}
	if in2.Info.Executable != in.Info.Executable {
		t.Fatalf("cached answer differs")
	}
	tags := in.Tags()
	want := pep425.Tag{Interpreter: "py3", ABI: "none", Platform: "any"}
	if !slices.Contains(tags, want) {
		t.Fatalf("tags lack %v", want)
	}
	if in.Info.Implementation == "cpython" {
		xy := "cp" + strings.ReplaceAll(in.Short(), ".", "")
		if tags[0].Interpreter != xy {
			t.Fatalf("first tag %v, want interpreter %s", tags[0], xy)
		}
	}
	// Compare with the interpreter's own view when packaging is importable
	// (pip vendors it).
	out, err := exec.Command(py, "-c", "from pip._vendor.packaging import tags; print('\\n'.join(str(t) for t in tags.sys_tags()))").Output()
	if err == nil {
		var ours []string
		for _, tg := range tags {
			ours = append(ours, tg.String())
		}
		theirs := strings.Fields(string(out))
		// Older packaging (vendored by pip < 24) omits <interp>-none-any
		// from sys_tags; newer packaging and pep425 include it.
		ours = slices.DeleteFunc(ours, func(s string) bool {
			return strings.HasSuffix(s, "-none-any") && !strings.HasPrefix(s, "py") && !slices.Contains(theirs, s)
		})
		if !slices.Equal(ours, theirs) {
			n := min(len(ours), len(theirs))
			for i := 0; i < n; i++ {
				if ours[i] != theirs[i] {
					t.Fatalf("tag %d: ours %s, packaging %s (lengths %d, %d)", i, ours[i], theirs[i], len(ours), len(theirs))
				}
			}
			t.Fatalf("tag lists differ in length: ours %d, packaging %d", len(ours), len(theirs))
		}
	}

	dir := filepath.Join(t.TempDir(), ".venv")
	v, err := Create(ctx, dir, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(ctx, dir, in); err == nil {
		t.Fatal("second Create succeeded")
	}
	out, err = exec.Command(v.Python, "-c", "import sys, sysconfig; print(sys.prefix); print(sys.prefix != sys.base_prefix); print(sysconfig.get_path('purelib'))").CombinedOutput()
	if err != nil {
		t.Fatalf("venv python: %v\n%s", err, out)
	}
	lines := strings.Fields(string(out))
	realDir, _ := filepath.EvalSymlinks(dir)
	if len(lines) != 3 || (lines[0] != dir && lines[0] != realDir) || lines[1] != "True" {
		t.Fatalf("venv python reports %q; want prefix %s in a venv", out, dir)
	}
	if lines[2] != v.Paths.Purelib && lines[2] != strings.Replace(v.Paths.Purelib, dir, realDir, 1) {
		t.Fatalf("purelib: python %s, ours %s", lines[2], v.Paths.Purelib)
	}
	for _, f := range []string{"python3", "python" + in.Short(), "activate"} {
		if _, err := os.Stat(filepath.Join(dir, "bin", f)); err != nil {
			t.Error(err)
		}
	}
	v2, err := Open(ctx, dir, cache)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Paths != v.Paths {
		t.Fatalf("Open paths %+v, Create paths %+v", v2.Paths, v.Paths)
	}
	if err := in.CheckRequiresPython(">=3"); err != nil {
		t.Error(err)
	}
	if err := in.CheckRequiresPython("<3"); err == nil {
		t.Error("<3 accepted")
	}
	// pip recognises the environment.
	if out, err := exec.Command(py, "-m", "pip", "--python", v.Python, "list", "--format=json").CombinedOutput(); err != nil {
		if exec.Command(py, "-m", "pip", "--version").Run() == nil {
			t.Fatalf("pip --python list: %v\n%s", err, out)
		}
	} else if strings.TrimSpace(string(out)) != "[]" {
		t.Fatalf("pip list in a fresh venv: %s", out)
	}
	if _, err := Open(ctx, t.TempDir(), cache); err == nil {
		t.Fatal("Open of a plain directory succeeded")
	}
}

func TestCheckNew(t *testing.T) {
	base := t.TempDir()
	mk := func(name string, files ...string) string {
		dir := filepath.Join(base, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	file := filepath.Join(mk("parent"), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dir  string
		ok   bool
	}{
		{"missing", filepath.Join(base, "missing"), true},
		{"missing below a missing parent", filepath.Join(base, "a", "b"), true},
		{"empty", mk("empty"), true},
		{"a project", mk("project", "pyproject.toml", "README.md"), false},
		{"hidden files only", mk("dotfiles", ".bashrc"), false},
		{"a file", file, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckNew(tt.dir)
			if tt.ok {
				if err != nil {
					t.Fatalf("CheckNew(%s) = %v", tt.dir, err)
				}
				return
			}
			if !errors.Is(err, ErrNotVenv) || !strings.Contains(err.Error(), tt.dir) {
				t.Fatalf("CheckNew(%s) = %v, want ErrNotVenv naming the directory", tt.dir, err)
			}
			// Create refuses it too, and adds nothing to it.
			before, _ := os.ReadDir(tt.dir)
			if _, err := Create(context.Background(), tt.dir, &Interpreter{}); !errors.Is(err, ErrNotVenv) {
				t.Fatalf("Create(%s) = %v, want ErrNotVenv", tt.dir, err)
			}
			if after, _ := os.ReadDir(tt.dir); len(after) != len(before) {
				t.Errorf("Create changed %s: %d entries, was %d", tt.dir, len(after), len(before))
			}
		})
	}
}
