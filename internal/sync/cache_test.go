package sync

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sitePath returns path below the environment's site-packages.
func sitePath(t *testing.T, venvDir, path string) string {
	t.Helper()
	sites, _ := filepath.Glob(filepath.Join(venvDir, "lib", "python*", "site-packages"))
	if len(sites) != 1 {
		t.Fatalf("site-packages of %s: %v", venvDir, sites)
	}
	return filepath.Join(sites[0], filepath.FromSlash(path))
}

// Environments synced from one cache: with copies they share no file (an
// in-place edit in one reaches neither the cache nor another); with the
// default read-only hard links, the installed files are read-only and an
// edit made anyway (root ignores the mode) is caught by the inode check.
// In both, --verify finds an edit that keeps the size and reinstalls, and
// an edit in the cache never reaches a new environment.
func TestSyncCacheIsolation(t *testing.T) {
	py := python3(t)
	ctx := context.Background()
	for _, mode := range []string{LinkCopy, LinkHardlink} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			demo := testindex.Dist{Name: "demo", Version: "1.0", Modules: map[string]string{"demo/m.py": "X = 1\n"}}
			o := Options{Lock: fileLock(t, mkdir(t, dir, "lock"), []testindex.Dist{demo}), Python: py, CacheDir: filepath.Join(dir, "cache"), LinkMode: mode}
			venv := func(name string) Options {
				v := o
				v.Venv = filepath.Join(dir, name)
				if _, err := Sync(ctx, v); err != nil {
					t.Fatal(err)
				}
				return v
			}
			a, b := venv("a"), venv("b")
			cached, _ := filepath.Glob(filepath.Join(o.CacheDir, unpackedDir, "*", "*", "demo", "m.py"))
			if len(cached) != 1 {
				t.Fatalf("cache entry: %v", cached)
			}
			st, err := os.Stat(sitePath(t, a.Venv, "demo/m.py"))
			if err != nil {
				t.Fatal(err)
			}
			if mode == LinkHardlink && st.Mode().Perm()&0o222 != 0 {
				t.Errorf("hard-linked file is writable: %v", st.Mode())
			}
			// An in-place edit (same inode, same size) in a.
			if err := os.WriteFile(sitePath(t, a.Venv, "demo/m.py"), []byte("X = 2\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if mode == LinkCopy {
				if got := readFile(t, sitePath(t, b.Venv, "demo/m.py")); got != "X = 1\n" {
					t.Errorf("edit in one environment reached another: %q", got)
				}
				if got := readFile(t, cached[0]); got != "X = 1\n" {
					t.Errorf("edit in an environment reached the cache: %q", got)
				}
			}
			a.Verify = true
			res, err := Sync(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Install) != 1 || res.Install[0].Reason != "files missing or changed" {
				t.Errorf("--verify: %+v", res.Install)
			}
			if got := readFile(t, sitePath(t, a.Venv, "demo/m.py")); got != "X = 1\n" {
				t.Errorf("--verify did not repair: %q", got)
			}
			// An in-place edit in the cache.
			cached, _ = filepath.Glob(filepath.Join(o.CacheDir, unpackedDir, "*", "*", "demo", "m.py"))
			if err := os.WriteFile(cached[0], []byte("X = 3\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			c := venv("c")
			if got := readFile(t, sitePath(t, c.Venv, "demo/m.py")); got != "X = 1\n" {
				t.Errorf("edit in the cache reached a new environment: %q", got)
			}
			if got := readFile(t, cached[0]); got != "X = 1\n" {
				t.Errorf("the edited cache entry was not replaced: %q", got)
			}
		})
	}
}

// A wheel shipping pyward's old in-progress marker name neither damages the
// cache entry nor leaves the distribution to be reinstalled on every sync.
func TestSyncWheelShipsMarkerName(t *testing.T) {
	py := python3(t)
	ctx := context.Background()
	dir := t.TempDir()
	demo := testindex.Dist{Name: "demo", Version: "1.0", RawEntries: map[string]string{"demo-1.0.dist-info/PYWARD-INCOMPLETE": "x"}}
	o := Options{Lock: fileLock(t, mkdir(t, dir, "lock"), []testindex.Dist{demo}), Venv: filepath.Join(dir, ".venv"), Python: py, CacheDir: filepath.Join(dir, "cache")}
	if _, err := Sync(ctx, o); err != nil {
		t.Fatal(err)
	}
	cached, _ := filepath.Glob(filepath.Join(o.CacheDir, unpackedDir, "*", "*", "demo-1.0.dist-info", "PYWARD-INCOMPLETE"))
	if len(cached) != 1 || readFile(t, cached[0]) != "x" {
		t.Fatalf("cache entry damaged: %v", cached)
	}
	res, err := Sync(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Install)+len(res.Remove) != 0 || res.Unchanged != 1 {
		t.Fatalf("second sync: %+v", res)
	}
}
