package sync

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/testindex"
)

// pylockFor writes a pylock.toml naming every file of dists by its URL on ix.
func pylockFor(t *testing.T, ix *testindex.Index, dir string, dists []testindex.Dist, marker map[string]string) string {
	t.Helper()
	l := &lockfile.Lock{CreatedBy: "test", RequiresPython: ">=3.8"}
	for _, d := range dists {
		p := lockfile.Package{Name: d.Name, Version: d.Version, Marker: marker[d.Name]}
		for _, fn := range ix.Filenames(d.Name) {
			if !strings.Contains(fn, "-"+d.Version+"-") && !strings.HasSuffix(fn, "-"+d.Version+".tar.gz") {
				continue
			}
			data, sum, err := ix.File(fn)
			if err != nil {
				t.Fatal(err)
			}
			f := lockfile.File{Name: fn, URL: ix.URL() + "/files/" + fn, Size: int64(len(data)), Hashes: map[string]string{"sha256": sum}}
			if strings.HasSuffix(fn, ".whl") {
				p.Wheels = append(p.Wheels, f)
			} else {
				p.Sdist = &f
			}
		}
		l.Packages = append(l.Packages, p)
	}
	data, err := lockfile.MarshalPylock(l)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "pylock.toml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSyncPylock(t *testing.T) {
	dists := baseDists()
	f := newFixture(t, dists, testindex.Options{})
	ctx := context.Background()
	// gamma only on Windows: skipped here by its marker.
	lock := pylockFor(t, f.ix, f.dir, dists[:3], map[string]string{"gamma": `sys_platform == "win32"`})
	o := f.opts(lock)
	o.IndexURL = "" // files come from the URLs in the lock
	res, err := Sync(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range res.Install {
		names = append(names, a.Name)
	}
	if !slices.Equal(names, []string{"Alpha", "beta.pkg"}) {
		t.Fatalf("installed %v", names)
	}
	if out, err := exec.Command(filepath.Join(f.venv, "bin", "python"), "-c", "import alpha, beta_pkg").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// requires-python of the lock is enforced.
	bad := filepath.Join(t.TempDir(), "pylock.toml")
	data, _ := os.ReadFile(lock)
	os.WriteFile(bad, []byte(strings.Replace(string(data), `requires-python = ">=3.8"`, `requires-python = "<3"`, 1)), 0o644)
	o.Lock = bad
	if _, err := Sync(ctx, o); !errors.Is(err, ErrEnvironment) || !strings.Contains(err.Error(), "requires-python") {
		t.Fatalf("requires-python: %v", err)
	}
	// So are the environments of a universal lock.
	elsewhere := filepath.Join(t.TempDir(), "pylock.toml")
	os.WriteFile(elsewhere, []byte(strings.Replace(string(data), `requires-python = ">=3.8"`,
		"requires-python = \">=3.8\"\nenvironments = [\"sys_platform == 'win32'\", \"sys_platform == 'os1'\"]", 1)), 0o644)
	o.Lock = elsewhere
	if _, err := Sync(ctx, o); !errors.Is(err, ErrEnvironment) || !strings.Contains(err.Error(), `sys_platform == "win32"`) {
		t.Fatalf("environments: %v", err)
	}
}

// A wheel whose METADATA disagrees with the index's PEP 658 metadata file is
// refused.
func TestSyncMetadataMismatch(t *testing.T) {
	dists := baseDists()
	f := newFixture(t, dists, testindex.Options{})
	fn := "beta_pkg-2.1-py3-none-any.whl"
	if err := f.ix.SetMetadataFile(fn, []byte("Metadata-Version: 2.1\nName: beta.pkg\nVersion: 2.1\nRequires-Dist: alpha>=1\nRequires-Dist: innocent\n\n")); err != nil {
		t.Fatal(err)
	}
	lock := reqLock(t, f.ix, f.dir, dists[1:2], "")
	_, err := Sync(context.Background(), f.opts(lock))
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), fn) {
		t.Fatalf("err = %v", err)
	}
	var ce *install.CheckError
	if errors.As(err, &ce) && !ce.Has(install.RuleMetadata) {
		t.Fatalf("want a metadata problem: %v", err)
	}
	if _, err := os.Stat(f.venv); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("environment created")
	}
}

// A direct URL requirement is installed with direct_url.json (PEP 610), which
// pip reports as "name @ url".
func TestSyncDirectURL(t *testing.T) {
	dists := baseDists()
	f := newFixture(t, dists, testindex.Options{})
	fn := "alpha-1.0-py3-none-any.whl"
	_, sum, err := f.ix.File(fn)
	if err != nil {
		t.Fatal(err)
	}
	u := f.ix.URL() + "/files/" + fn
	lock := filepath.Join(f.dir, "requirements.txt")
	os.WriteFile(lock, []byte("alpha @ "+u+" --hash=sha256:"+sum+"\n"), 0o644)
	if _, err := Sync(context.Background(), f.opts(lock)); err != nil {
		t.Fatal(err)
	}
	du, err := filepath.Glob(filepath.Join(f.venv, "lib", "python*", "site-packages", "alpha-1.0.dist-info", "direct_url.json"))
	if err != nil || len(du) != 1 {
		t.Fatalf("direct_url.json: %v %v", du, err)
	}
	data, _ := os.ReadFile(du[0])
	if !strings.Contains(string(data), u) || !strings.Contains(string(data), "sha256="+sum) {
		t.Fatalf("direct_url.json: %s", data)
	}
	if exec.Command(f.py, "-m", "pip", "--version").Run() == nil {
		out, err := pip(t, f.py, f.venv, "freeze")
		if err != nil || !strings.Contains(strings.ToLower(out), "alpha @ "+u) {
			t.Fatalf("pip freeze: %v\n%s", err, out)
		}
	}
}
