package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

// universalDists is an index where app's requirements on dep diverge at
// Python 3.10 and add a Windows-only package, and native's newest release
// has a wheel for Linux on x86_64 only.
func universalDists() []testindex.Dist {
	return []testindex.Dist{
		{Name: "app", Version: "1.0", Requires: []string{
			`dep>=2 ; python_version >= "3.10"`, `dep<2 ; python_version < "3.10"`, `winonly ; sys_platform == "win32"`}},
		{Name: "dep", Version: "1.4"},
		{Name: "dep", Version: "1.5"},
		{Name: "dep", Version: "2.2"},
		{Name: "dep", Version: "2.3"},
		{Name: "winonly", Version: "1.0", WheelTags: []string{"py3-none-win_amd64"}},
		{Name: "native", Version: "1.0"},
		{Name: "native", Version: "2.0", WheelTags: []string{"cp39-abi3-manylinux_2_17_x86_64"}},
	}
}

// TestLockUniversalFlags runs pyward lock's universal mode through the
// command line: the default for Python 3.9 and later (recorded as the
// lock's requires-python) forks where app's requirements diverge,
// --environment narrows the lock and is recorded as the pylock's
// environments, --required-environment picks an older release that has a
// wheel there or fails (exit 2) naming the package, version and
// environment, and --no-universal locks for the one target.
func TestLockUniversalFlags(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, universalDists(), testindex.Options{})
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string // in pyward's standard error
		lock   []string // in the pylock.toml written
		absent []string // not in the pylock.toml
	}{
		{"forks by Python version", []string{"app", "--universal"}, exitOK,
			[]string{"for every environment (2 forks)"},
			[]string{`requires-python = ">=3.9"`, "name = \"dep\"\nversion = \"1.5\"\nmarker = \"python_version < \\\"3.10\\\"\"",
				"name = \"dep\"\nversion = \"2.3\"\nmarker = \"python_version >= \\\"3.10\\\"\"",
				"name = \"winonly\"\nversion = \"1.0\"\nmarker = \"sys_platform == \\\"win32\\\"\""},
			[]string{"environments ="}},
		{"--environment narrows the lock", []string{"app", "--universal", "--environment", `sys_platform != "win32"`}, exitOK,
			[]string{"(2 forks)"},
			[]string{`environments = ["sys_platform != \"win32\""]`, `name = "dep"`},
			[]string{"winonly"}},
		{"one fork, a release without files for some environments", []string{"native", "--universal"}, exitOK,
			[]string{"(1 fork)", "native 2.0 has no usable file for", "cp39-macos"},
			[]string{"name = \"native\"\nversion = \"2.0\""}, nil},
		{"--required-environment picks an older release", []string{"native", "--universal", "--required-environment", `sys_platform == "darwin"`}, exitOK,
			nil, []string{"name = \"native\"\nversion = \"1.0\""}, nil},
		{"--required-environment no release covers", []string{"native==2.0", "--universal", "--required-environment", `sys_platform == "darwin"`}, exitUsage,
			[]string{"native==2.0", "cp39-macos"}, nil, nil},
		{"--required-environment outside the environments", []string{"native", "--universal", "--environment", `sys_platform == "linux"`,
			"--required-environment", `sys_platform == "darwin"`}, exitUsage,
			[]string{"darwin", "outside the resolved environments"}, nil, nil},
		{"--no-universal locks for the target", []string{"app", "--no-universal"}, exitOK,
			nil, []string{"name = \"dep\"\nversion = \"1.5\"\n"}, []string{"marker =", "winonly", "environments =", "requires-python ="}},
		{"--environment needs a universal lock", []string{"app", "--no-universal", "--environment", `sys_platform == "linux"`}, exitUsage,
			[]string{"--environment", "universal"}, nil, nil},
		{"--universal and --no-universal", []string{"app", "--universal", "--no-universal"}, exitUsage,
			[]string{"contradict"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "pylock.toml")
			args := append([]string{"lock", "-o", out, "--index-url", indexURL, "--trusted-host", host, "--no-cache",
				"--python-version", "3.9", "--platform", "manylinux_x86_64"}, tt.args...)
			code, _, stderr := runPyward(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr %s", code, tt.code, stderr)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			data, err := os.ReadFile(out)
			if tt.code != exitOK {
				if err == nil {
					t.Errorf("a failed lock wrote %s:\n%s", out, data)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.lock {
				if !strings.Contains(string(data), want) {
					t.Errorf("pylock.toml lacks %q:\n%s", want, data)
				}
			}
			for _, bad := range tt.absent {
				if strings.Contains(string(data), bad) {
					t.Errorf("pylock.toml has %q:\n%s", bad, data)
				}
			}
		})
	}
}

// TestLockUniversalRelock re-locks a universal pylock.toml from the command
// line: each fork keeps the version it has locked (dep 1.4 below Python
// 3.10, 2.2 above, though 1.5 and 2.3 are newer), and --upgrade-package dep
// moves dep in both forks.
func TestLockUniversalRelock(t *testing.T) {
	isolateConfig(t)
	_, indexURL, host := startIndex(t, universalDists(), testindex.Options{})
	out := filepath.Join(t.TempDir(), "pylock.toml")
	steps := []struct {
		name string
		args []string
		want []string // dep's versions in the lock
	}{
		{"first lock, held back", []string{"app", "dep!=1.5,!=2.3"}, []string{"1.4", "2.2"}},
		{"re-lock keeps each fork's version", []string{"app"}, []string{"1.4", "2.2"}},
		{"--upgrade-package moves every fork", []string{"app", "--upgrade-package", "dep"}, []string{"1.5", "2.3"}},
	}
	for _, st := range steps {
		args := append([]string{"lock", "-o", out, "--index-url", indexURL, "--trusted-host", host, "--no-cache", "-q",
			"--python-version", "3.9", "--platform", "manylinux_x86_64", "--universal"}, st.args...)
		if code, _, stderr := runPyward(t, args...); code != exitOK {
			t.Fatalf("%s: exit %d\n%s", st.name, code, stderr)
		}
		l := readPylock(t, out)
		var got []string
		for _, p := range l.Packages {
			if p.Name == "dep" {
				got = append(got, p.Version)
			}
		}
		if !slices.Equal(got, st.want) {
			t.Errorf("%s: dep %v, want %v", st.name, got, st.want)
		}
	}
}
