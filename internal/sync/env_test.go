package sync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/testindex"
)

// fileLock builds the wheels of dists into dir and writes a pylock.toml
// naming them by file:// URL.
func fileLock(t *testing.T, dir string, dists []testindex.Dist) string {
	t.Helper()
	l := &lockfile.Lock{CreatedBy: "test", RequiresPython: ">=3.8"}
	for _, d := range dists {
		fn, data, err := testindex.BuildWheel(d, "")
		if err != nil {
			t.Fatal(err)
		}
		wp := filepath.Join(dir, fn)
		if err := os.WriteFile(wp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		l.Packages = append(l.Packages, lockfile.Package{Name: d.Name, Version: d.Version, Wheels: []lockfile.File{
			{Name: fn, URL: "file://" + wp, Size: int64(len(data)), Hashes: map[string]string{"sha256": sha256hex(data)}}}})
	}
	data, err := lockfile.MarshalPylock(l)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "pylock.toml")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sameSnapshot(t *testing.T, before, after map[string]string) {
	t.Helper()
	for k, v := range before {
		if w, ok := after[k]; !ok {
			t.Errorf("%s removed", k)
		} else if w != v {
			t.Errorf("%s changed", k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("%s added", k)
		}
	}
}

// A wheel may create only paths it owns: every hostile plan is refused
// before anything is written, and the environment stays byte-identical.
func TestSyncInstallPlanAgainstEnvironment(t *testing.T) {
	py := python3(t)
	ctx := context.Background()
	dir := t.TempDir()
	victim := testindex.Dist{Name: "victim", Version: "1.0", Modules: map[string]string{"victim/core.py": "X = 1\n", "shared/__init__.py": ""}}
	victim2 := testindex.Dist{Name: "victim2", Version: "1.0"}
	base := []testindex.Dist{victim, victim2}
	o := Options{Lock: fileLock(t, mkdir(t, dir, "base"), base), Venv: filepath.Join(dir, ".venv"), Python: py, CacheDir: filepath.Join(dir, "cache")}
	if _, err := Sync(ctx, o); err != nil {
		t.Fatal(err)
	}
	sites, _ := filepath.Glob(filepath.Join(o.Venv, "lib", "python*", "site-packages"))
	if len(sites) != 1 {
		t.Fatalf("site-packages: %v", sites)
	}
	siteRel, _ := filepath.Rel(o.Venv, sites[0])
	siteRel = filepath.ToSlash(siteRel)
	const data = "demo-1.0.data/data/"
	for _, tc := range []struct {
		name    string
		entries map[string]string
		rule    install.Rule
	}{
		{"file over a package directory", map[string]string{"victim": "x"}, install.RuleReplace},
		{"file over bin", map[string]string{data + "bin": "x"}, install.RuleReplace},
		{"file over lib", map[string]string{data + "lib": "x"}, install.RuleReplace},
		{"directory over a file", map[string]string{"victim/core.py/x.py": "x"}, install.RuleReplace},
		{"another distribution's RECORD", map[string]string{data + siteRel + "/victim-1.0.dist-info/RECORD": "../../../pyvenv.cfg,,\n"}, install.RuleOwned},
		{"a fake dist-info", map[string]string{"demo-1.0.data/purelib/victim2-2.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: victim2\nVersion: 2.0\n"}, install.RuleOwned},
		{"another distribution's file", map[string]string{"demo-1.0.data/purelib/victim/core.py": "import os\n"}, install.RuleOwned},
		{"a file nobody owns", map[string]string{data + "bin/mytool": "x"}, install.RuleOwned},
		{"pyward's lock", map[string]string{data + ".pyward.lock": ""}, install.RuleReserved},
		{"pyward's records", map[string]string{data + ".pyward/records/x": ""}, install.RuleReserved},
		{"pyward's staging", map[string]string{data + ".pyward-staging/x": ""}, install.RuleReserved},
		{"through a symlink", map[string]string{data + "lib64/x": ""}, install.RuleReplace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.name, "symlink") {
				if _, err := os.Lstat(filepath.Join(o.Venv, "lib64")); err != nil {
					t.Skip("no lib64 link in this environment")
				}
			}
			if strings.Contains(tc.name, "nobody") {
				os.WriteFile(filepath.Join(o.Venv, "bin", "mytool"), []byte("mine\n"), 0o644)
				defer os.Remove(filepath.Join(o.Venv, "bin", "mytool"))
			}
			demo := testindex.Dist{Name: "demo", Version: "1.0", RawEntries: tc.entries}
			lock := fileLock(t, mkdir(t, dir, strings.ReplaceAll(tc.name, " ", "-")), append([]testindex.Dist{demo}, base...))
			before := snapshot(t, o.Venv)
			o := o
			o.Lock = lock
			_, err := Sync(ctx, o)
			var ce *install.CheckError
			if !errors.As(err, &ce) || !ce.Has(tc.rule) || !errors.Is(err, ErrRefused) {
				t.Fatalf("err = %v; want rule %s", err, tc.rule)
			}
			sameSnapshot(t, before, snapshot(t, o.Venv))
		})
	}
	// The same bytes shipped by two distributions are accepted (the
	// nvidia-* wheels all ship nvidia/__init__.py).
	shared := testindex.Dist{Name: "demo", Version: "1.0", RawEntries: map[string]string{"shared/__init__.py": ""}}
	o.Lock = fileLock(t, mkdir(t, dir, "shared"), append([]testindex.Dist{shared}, base...))
	if _, err := Sync(ctx, o); err != nil {
		t.Fatalf("identical shared file: %v", err)
	}
}

// Uninstall removes what pyward recorded at install time, not what a RECORD
// (which another party may have rewritten) lists.
func TestSyncUninstallUsesOwnRecord(t *testing.T) {
	py := python3(t)
	ctx := context.Background()
	dir := t.TempDir()
	victim := testindex.Dist{Name: "victim", Version: "1.0"}
	keep := testindex.Dist{Name: "keeper", Version: "1.0"}
	o := Options{Lock: fileLock(t, mkdir(t, dir, "a"), []testindex.Dist{victim, keep}), Venv: filepath.Join(dir, ".venv"), Python: py, CacheDir: filepath.Join(dir, "cache")}
	if _, err := Sync(ctx, o); err != nil {
		t.Fatal(err)
	}
	sites, _ := filepath.Glob(filepath.Join(o.Venv, "lib", "python*", "site-packages"))
	rec := filepath.Join(sites[0], "victim-1.0.dist-info", "RECORD")
	old, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	lies := string(old) + "../../../pyvenv.cfg,,\n../../../bin/python3,,\n../../../bin/python,,\nkeeper/__init__.py,,\nkeeper-1.0.dist-info/METADATA,,\n"
	if err := os.WriteFile(rec, []byte(lies), 0o644); err != nil {
		t.Fatal(err)
	}
	o.Lock = fileLock(t, mkdir(t, dir, "b"), []testindex.Dist{keep})
	res, err := Sync(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Remove) != 1 {
		t.Fatalf("removals %+v", res.Remove)
	}
	for _, p := range []string{"pyvenv.cfg", "bin/python3", "bin/python", filepath.Join(sites[0], "keeper/__init__.py"), filepath.Join(sites[0], "keeper-1.0.dist-info/METADATA")} {
		if !filepath.IsAbs(p) {
			p = filepath.Join(o.Venv, p)
		}
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(sites[0], "victim")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("victim not removed: %v", err)
	}
	// The environment is still whole: a no-op sync finds nothing to do.
	res, err = Sync(ctx, o)
	if err != nil || len(res.Install)+len(res.Remove) != 0 {
		t.Fatalf("re-sync: %+v %v", res, err)
	}
}
