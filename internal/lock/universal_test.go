package lock

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
)

// universalIndex has a numpy that splits at Python 3.10 and a
// Windows-only dependency.
func universalIndex(t *testing.T) *resolve.MemoryProvider {
	return memProvider(t,
		resolve.MemoryRelease{Name: "app", Version: "1.0", RequiresPython: ">=3.9", Requires: []string{
			"numpy>=2 ; python_version >= '3.10'", "numpy<2 ; python_version < '3.10'", "colorama ; sys_platform == 'win32'"}},
		resolve.MemoryRelease{Name: "numpy", Version: "1.26.4", RequiresPython: ">=3.9",
			WheelTags: []string{"cp39-cp39-manylinux_2_17_x86_64", "cp39-cp39-win_amd64", "cp39-cp39-macosx_11_0_arm64"}},
		resolve.MemoryRelease{Name: "numpy", Version: "1.26.5", RequiresPython: ">=3.9"},
		resolve.MemoryRelease{Name: "numpy", Version: "2.1.0", RequiresPython: ">=3.10"},
		resolve.MemoryRelease{Name: "numpy", Version: "2.2.0", RequiresPython: ">=3.10"},
		resolve.MemoryRelease{Name: "colorama", Version: "0.4.6", RequiresPython: ">=3.7"},
	)
}

func TestLockUniversal(t *testing.T) {
	env, err := pep508.ParseMarker(`sys_platform == "linux" or sys_platform == "win32"`)
	if err != nil {
		t.Fatal(err)
	}
	u := &resolve.Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.9"), Environments: []*pep508.Marker{env}}
	res, err := Lock(context.Background(), Options{
		Requirements: []Requirement{{Req: mustReq(t, "app")}}, Provider: universalIndex(t), Downloader: &hashDownloader{},
		Universal: u, RequiresPython: ">=3.9",
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := lockfile.MarshalPylock(res.Lock)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		`environments = ["sys_platform == \"linux\" or sys_platform == \"win32\""]`,
		`requires-python = ">=3.9"`,
		"name = \"numpy\"\nversion = \"1.26.5\"\nmarker = \"python_version < \\\"3.10\\\"\"",
		"name = \"numpy\"\nversion = \"2.2.0\"\nmarker = \"python_version >= \\\"3.10\\\"\"",
		"name = \"colorama\"\nversion = \"0.4.6\"\nmarker = \"sys_platform == \\\"win32\\\"\"",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("pylock lacks %s:\n%s", want, text)
		}
	}
	if strings.Count(text, "[[packages]]") != 4 {
		t.Errorf("want 4 packages (numpy twice):\n%s", text)
	}
	reqs, err := lockfile.MarshalRequirements(res.Lock)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`numpy==1.26.5 ; python_version < "3.10"`, `numpy==2.2.0 ; python_version >= "3.10"`,
		`colorama==0.4.6 ; sys_platform == "win32"`} {
		if !strings.Contains(string(reqs), want) {
			t.Errorf("requirements lack %s:\n%s", want, reqs)
		}
	}

	// A re-lock keeps each fork's version (numpy 1.26.4 / 2.1.0 were
	// locked), and --upgrade-package numpy moves both.
	dir := t.TempDir()
	old := filepath.Join(dir, "pylock.toml")
	prev := strings.ReplaceAll(strings.ReplaceAll(text, `"1.26.5"`, `"1.26.4"`), `"2.2.0"`, `"2.1.0"`)
	if err := os.WriteFile(old, []byte(prev), 0o644); err != nil {
		t.Fatal(err)
	}
	pins, err := MarkerPins(old, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		upgrade []string
		want    []string
	}{
		{nil, []string{"1.26.4", "2.1.0"}},
		{[]string{"numpy"}, []string{"1.26.5", "2.2.0"}},
	} {
		u.Preferences = pins
		res, err := Lock(context.Background(), Options{
			Requirements: []Requirement{{Req: mustReq(t, "app")}}, Provider: universalIndex(t), Downloader: &hashDownloader{},
			Universal: u, UpgradePackages: tt.upgrade,
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range res.Lock.Packages {
			if p.Name == "numpy" {
				got = append(got, p.Version)
			}
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("upgrade %v: numpy %v, want %v", tt.upgrade, got, tt.want)
		}
	}
}
