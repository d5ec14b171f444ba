package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/testindex"
	"github.com/pyward/pyward/internal/venv"
)

// python3 returns the interpreter for interop tests; CI must have one.
func python3(t testing.TB) string {
	t.Helper()
	p, err := venv.Find("")
	if err == nil {
		err = exec.Command(p, "-c", "import sys; assert sys.version_info >= (3, 8)").Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 is required in CI: %v", err)
		}
		t.Skipf("no usable python3: %v", err)
	}
	return p
}

// pip runs "python3 -m pip --python <venv python> args..." (pip is not
// installed into the environment).
func pip(t testing.TB, py, venvDir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(py, append([]string{"-m", "pip", "--python", filepath.Join(venvDir, "bin", "python"), "--disable-pip-version-check", "--no-input"}, args...)...)
	cmd.Env = append(os.Environ(), "PIP_NO_INDEX=1", "PIP_REQUIRE_VIRTUALENV=0")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func havePip(t testing.TB, py string) {
	t.Helper()
	if err := exec.Command(py, "-m", "pip", "--version").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pip is required in CI: %v", err)
		}
		t.Skipf("no pip: %v", err)
	}
}

// pipList returns name==version of what pip sees in the environment.
func pipList(t testing.TB, py, venvDir string) []string {
	t.Helper()
	out, err := pip(t, py, venvDir, "list", "--format=json")
	if err != nil {
		t.Fatalf("pip list: %v\n%s", err, out)
	}
	var items []struct{ Name, Version string }
	if err := json.Unmarshal([]byte(out[strings.Index(out, "["):]), &items); err != nil {
		t.Fatalf("pip list output: %v\n%s", err, out)
	}
	var got []string
	for _, it := range items {
		got = append(got, pep503.Normalize(it.Name)+"=="+it.Version)
	}
	sort.Strings(got)
	return got
}

// reqLock writes a hashed requirements lock for dists (all their files).
func reqLock(t testing.TB, ix *testindex.Index, dir string, dists []testindex.Dist, extra string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(extra)
	for _, d := range dists {
		fmt.Fprintf(&b, "%s==%s", d.Name, d.Version)
		for _, fn := range ix.Filenames(d.Name) {
			if !strings.Contains(fn, "-"+d.Version+"-") && !strings.Contains(fn, "-"+d.Version+".tar.gz") {
				continue
			}
			_, sum, err := ix.File(fn)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, " \\\n    --hash=sha256:%s", sum)
		}
		b.WriteString("\n")
	}
	p := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func want(dists []testindex.Dist) []string {
	var out []string
	for _, d := range dists {
		out = append(out, d.ProjectName()+"=="+d.Version)
	}
	sort.Strings(out)
	return out
}

func baseDists() []testindex.Dist {
	return []testindex.Dist{
		{Name: "Alpha", Version: "1.0", ConsoleScripts: map[string]string{"alpha-hello": "alpha.cli:main"},
			Modules: map[string]string{"alpha/cli.py": "def main():\n    print('hello from alpha')\n    return 0\n"}},
		{Name: "beta.pkg", Version: "2.1", Requires: []string{"alpha>=1"}},
		{Name: "gamma", Version: "0.3", WheelTags: []string{"py3-none-any", "cp311-cp311-manylinux_2_17_x86_64", "cp39-cp39-win_amd64"}},
		{Name: "Alpha", Version: "0.9"},
	}
}

type fixture struct {
	ix    *testindex.Index
	url   string
	dir   string
	cache string
	venv  string
	py    string
}

func newFixture(t *testing.T, dists []testindex.Dist, opts testindex.Options) *fixture {
	t.Helper()
	py := python3(t)
	ix, err := testindex.New(dists, opts)
	if err != nil {
		t.Fatal(err)
	}
	url := ix.Start()
	t.Cleanup(ix.Close)
	dir := t.TempDir()
	return &fixture{ix: ix, url: url, dir: dir, cache: filepath.Join(dir, "cache"), venv: filepath.Join(dir, ".venv"), py: py}
}

func (f *fixture) opts(lock string) Options {
	return Options{Lock: lock, Venv: f.venv, Python: f.py, IndexURL: f.url, TrustedHosts: []string{"127.0.0.1"}, CacheDir: f.cache}
}

func snapshot(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if rel == ".pyward.lock" {
			return nil
		}
		v := info.Mode().String()
		if info.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			v += string(b)
		}
		out[rel] = v
		return nil
	})
	return out
}

func TestSyncInterop(t *testing.T) {
	dists := baseDists()
	f := newFixture(t, dists, testindex.Options{})
	havePip(t, f.py)
	ctx := context.Background()
	locked := dists[:3]
	lock := reqLock(t, f.ix, f.dir, locked, "")
	res, err := Sync(ctx, f.opts(lock))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || len(res.Install) != 3 {
		t.Fatalf("result %+v", res)
	}
	for _, a := range res.Install {
		if a.Name == "gamma" && a.File != "gamma-0.3-cp311-cp311-manylinux_2_17_x86_64.whl" && strings.Contains(runtimeTag(t, f.py), "cp311-cp311-manylinux") {
			t.Errorf("gamma: chose %s, want the manylinux wheel", a.File)
		}
	}
	vpy := filepath.Join(f.venv, "bin", "python")
	if out, err := exec.Command(vpy, "-c", "import alpha, beta_pkg, gamma; print(alpha.__version__, beta_pkg.__version__)").CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(f.venv, "bin", "alpha-hello")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "hello from alpha" {
		t.Fatalf("console script: %v\n%s", err, out)
	}
	if got := pipList(t, f.py, f.venv); !slices.Equal(got, want(locked)) {
		t.Fatalf("pip list %v, want %v", got, want(locked))
	}
	if out, err := pip(t, f.py, f.venv, "check"); err != nil {
		t.Fatalf("pip check: %v\n%s", err, out)
	}
	// No-op.
	res, err = Sync(ctx, f.opts(lock))
	if err != nil || len(res.Install)+len(res.Remove) != 0 || res.Unchanged != 3 {
		t.Fatalf("no-op: %+v %v", res, err)
	}
	// A second dist-info for the same name (another tool's leftover) is
	// removed and the entry reinstalled.
	site := filepath.Join(f.venv, "lib", "python"+pyShort(t, f.py), "site-packages")
	stray := filepath.Join(site, "alpha-0.5.dist-info")
	os.Mkdir(stray, 0o755)
	os.WriteFile(filepath.Join(stray, "METADATA"), []byte("Metadata-Version: 2.1\nName: alpha\nVersion: 0.5\n\n"), 0o644)
	os.WriteFile(filepath.Join(stray, "RECORD"), []byte("alpha-0.5.dist-info/METADATA,,\n"), 0o644)
	res, err = Sync(ctx, f.opts(lock))
	if err != nil || len(res.Install) != 1 || res.Install[0].Reason != "installed more than once" {
		t.Fatalf("duplicate dist-info: %+v %v", res, err)
	}
	if _, err := os.Stat(stray); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("stray dist-info left")
	}
	if got := pipList(t, f.py, f.venv); !slices.Equal(got, want(locked)) {
		t.Fatalf("pip list %v, want %v", got, want(locked))
	}
	// A deleted file is noticed and repaired.
	mod := filepath.Join(f.venv, "lib", "python"+pyShort(t, f.py), "site-packages", "alpha", "cli.py")
	if err := os.Remove(mod); err != nil {
		t.Fatal(err)
	}
	res, err = Sync(ctx, f.opts(lock))
	if err != nil || len(res.Install) != 1 || res.Install[0].Reason != "files missing or changed" {
		t.Fatalf("repair of a deleted file: %+v %v", res, err)
	}
	if _, err := os.Stat(mod); err != nil {
		t.Fatal(err)
	}
	// pip uninstall works (RECORD is right) and the next sync repairs.
	if out, err := pip(t, f.py, f.venv, "uninstall", "-y", "alpha"); err != nil {
		t.Fatalf("pip uninstall: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(f.venv, "bin", "alpha-hello")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("pip uninstall left the console script: %v", err)
	}
	res, err = Sync(ctx, f.opts(lock))
	if err != nil || len(res.Install) != 1 || res.Install[0].Reason != "missing" {
		t.Fatalf("repair: %+v %v", res, err)
	}
	// Downgrade alpha, drop gamma: replace and remove.
	locked2 := []testindex.Dist{dists[3], dists[1]}
	lock = reqLock(t, f.ix, f.dir, locked2, "")
	res, err = Sync(ctx, f.opts(lock))
	if err != nil || len(res.Install) != 1 || len(res.Remove) != 1 || res.Install[0].Old != "1.0" {
		t.Fatalf("change: %+v %v", res, err)
	}
	if got := pipList(t, f.py, f.venv); !slices.Equal(got, want(locked2)) {
		t.Fatalf("pip list %v, want %v", got, want(locked2))
	}
	if _, err := os.Stat(filepath.Join(f.venv, "bin", "alpha-hello")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("replaced version's console script left behind")
	}
	sp, _ := filepath.Glob(filepath.Join(f.venv, "lib", "python*", "site-packages", "gamma*"))
	if len(sp) != 0 {
		t.Fatalf("removed package left %v", sp)
	}
	// Warm install into a fresh venv from the unpacked cache, no network.
	f.ix.ResetCounts()
	o := f.opts(lock)
	o.Venv = filepath.Join(f.dir, "venv2")
	o.Compile = true
	if _, err := Sync(ctx, o); err != nil {
		t.Fatal(err)
	}
	if n := f.ix.BytesServed(); n != 0 {
		t.Errorf("warm sync downloaded %d bytes", n)
	}
	pyc, _ := filepath.Glob(filepath.Join(o.Venv, "lib", "python*", "site-packages", "beta_pkg", "__pycache__", "*.pyc"))
	if len(pyc) == 0 {
		t.Error("--compile wrote no .pyc")
	}
	// Offline, with the index gone: the cache alone serves a new venv.
	f.ix.Close()
	o2 := f.opts(lock)
	o2.Venv, o2.Offline = filepath.Join(f.dir, "venv3"), true
	if _, err := Sync(ctx, o2); err != nil {
		t.Fatalf("offline warm sync: %v", err)
	}
	if out, err := pip(t, f.py, o.Venv, "uninstall", "-y", "beta.pkg"); err != nil {
		t.Fatalf("pip uninstall: %v\n%s", err, out)
	}
	if left, _ := filepath.Glob(filepath.Join(o.Venv, "lib", "python*", "site-packages", "beta*")); len(left) != 0 {
		t.Fatalf("pip uninstall left %v", left)
	}
}

func pyShort(t testing.TB, py string) string {
	in, err := venv.Query(context.Background(), py, "")
	if err != nil {
		t.Fatal(err)
	}
	return in.Short()
}

func runtimeTag(t testing.TB, py string) string {
	in, err := venv.Query(context.Background(), py, "")
	if err != nil {
		t.Fatal(err)
	}
	return in.Tags()[0].String()
}

func TestSyncRefusals(t *testing.T) {
	dists := append(baseDists(), testindex.Dist{Name: "srconly", Version: "1.0", NoWheel: true, Sdist: true})
	f := newFixture(t, dists, testindex.Options{})
	ctx := context.Background()
	good := reqLock(t, f.ix, t.TempDir(), dists[:2], "")
	goodData, _ := os.ReadFile(good)
	for _, tc := range []struct {
		name   string
		lock   string
		setup  func()
		target error
		msg    []string
	}{
		{name: "missing hash", lock: "alpha==1.0\n", target: ErrInvalidLock, msg: []string{"requirements.txt:1", "no --hash=sha256"}},
		{name: "unpinned", lock: "alpha>=1.0 --hash=sha256:" + strings.Repeat("a", 64) + "\n", target: ErrInvalidLock, msg: []string{"not pinned"}},
		{name: "wildcard", lock: "alpha==1.* --hash=sha256:" + strings.Repeat("a", 64) + "\n", target: ErrInvalidLock, msg: []string{"not pinned"}},
		{name: "editable", lock: "-e ./src\n", target: ErrInvalidLock, msg: []string{"editable"}},
		{name: "selected twice", lock: "alpha==1.0 ; python_version >= '3' --hash=sha256:" + strings.Repeat("a", 64) + "\nalpha==0.9 ; python_version >= '3.1' --hash=sha256:" + strings.Repeat("b", 64) + "\n",
			target: ErrInvalidLock, msg: []string{"also selected", "requirements.txt:1"}},
		{name: "python outside the lock's range", lock: "#\n# Requires-Python: <3\n#\n" + string(goodData), target: ErrEnvironment,
			msg: []string{"requirements.txt", "requires-python", "<3"}},
		{name: "marker excludes all", lock: "alpha==1.0 ; python_version < '3' --hash=sha256:" + strings.Repeat("a", 64) + "\n", target: nil},
		{name: "hash not on index", lock: "alpha==1.0 --hash=sha256:" + strings.Repeat("a", 64) + "\n", target: ErrRefused, msg: []string{"alpha==1.0", "no file of this version"}},
		{name: "sdist only", lock: "srconly==1.0 --hash=sha256:" + sdistHash(t, f.ix, "srconly-1.0.tar.gz") + "\n", target: ErrRefused, msg: []string{"srconly-1.0.tar.gz", "--allow-build"}},
		{name: "tampered", lock: string(goodData), setup: func() {
			if err := f.ix.Tamper("alpha-1.0-py3-none-any.whl"); err != nil {
				t.Fatal(err)
			}
		}, target: ErrRefused, msg: []string{"alpha==1.0", "alpha-1.0-py3-none-any.whl", "expected", "got"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			lock := filepath.Join(dir, "requirements.txt")
			os.WriteFile(lock, []byte(tc.lock), 0o644)
			if tc.setup != nil {
				tc.setup()
			}
			o := f.opts(lock)
			o.Venv = filepath.Join(dir, ".venv")
			o.CacheDir = filepath.Join(dir, "cache")
			_, err := Sync(ctx, o)
			if tc.target == nil {
				// Nothing applies: an empty environment is created.
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.target) {
				t.Fatalf("err = %v; want %v", err, tc.target)
			}
			for _, m := range tc.msg {
				if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(m)) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if _, err := os.Stat(o.Venv); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("environment created despite the refusal")
			}
		})
	}
	// --allow-build still refuses, saying why.
	dir := t.TempDir()
	lock := filepath.Join(dir, "requirements.txt")
	os.WriteFile(lock, []byte("srconly==1.0 --hash=sha256:"+sdistHash(t, f.ix, "srconly-1.0.tar.gz")+"\n"), 0o644)
	o := f.opts(lock)
	o.Venv, o.AllowBuild = filepath.Join(dir, ".venv"), true
	if _, err := Sync(ctx, o); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("allow-build: %v", err)
	}
}

func sdistHash(t testing.TB, ix *testindex.Index, fn string) string {
	_, sum, err := ix.File(fn)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// A refused wheel leaves an existing environment byte-for-byte unchanged.
func TestSyncRefusalLeavesEnvironment(t *testing.T) {
	dists := baseDists()
	f := newFixture(t, dists, testindex.Options{})
	ctx := context.Background()
	lock := reqLock(t, f.ix, f.dir, dists[:2], "")
	if _, err := Sync(ctx, f.opts(lock)); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, f.venv)
	// A lock that changes everything, with one tampered file.
	lock = reqLock(t, f.ix, f.dir, []testindex.Dist{dists[3], dists[2]}, "")
	if err := f.ix.Tamper("gamma-0.3-py3-none-any.whl"); err != nil {
		t.Fatal(err)
	}
	f.ix.Tamper("gamma-0.3-cp311-cp311-manylinux_2_17_x86_64.whl")
	o := f.opts(lock)
	o.NoCache = true
	if _, err := Sync(ctx, o); !errors.Is(err, ErrRefused) {
		t.Fatalf("err = %v", err)
	}
	after := snapshot(t, f.venv)
	if len(before) != len(after) {
		t.Fatalf("environment changed: %d → %d entries", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("environment changed at %s", k)
		}
	}
}

// hostile wheels served from a find-links directory and a pylock with file
// URLs: each refused, environment untouched.
func TestSyncHostileWheels(t *testing.T) {
	py := python3(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		files map[string]string
		rule  install.Rule
	}{
		{"dotdot", map[string]string{"demo/../../../escape.py": "x"}, install.RulePath},
		{"absolute", map[string]string{"/tmp/evil.py": "x"}, install.RulePath},
		{"pth", map[string]string{"demo-init.pth": "import os; os.system('touch /tmp/pwned')\n"}, install.RuleStartup},
		{"sitecustomize", map[string]string{"sitecustomize.py": "import os; os.system('touch /tmp/pwned')\n"}, install.RuleStartup},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			wheel := craftWheel(t, tc.files)
			fn := "demo-1.0-py3-none-any.whl"
			wp := filepath.Join(dir, fn)
			os.WriteFile(wp, wheel, 0o644)
			sum := sha256hex(wheel)
			lock := filepath.Join(dir, "pylock.toml")
			os.WriteFile(lock, []byte(fmt.Sprintf(`lock-version = "1.0"
created-by = "test"

[[packages]]
name = "demo"
version = "1.0"

[[packages.wheels]]
name = %q
url = "file://%s"
hashes = { sha256 = %q }
`, fn, wp, sum)), 0o644)
			o := Options{Lock: lock, Venv: filepath.Join(dir, ".venv"), Python: py, CacheDir: filepath.Join(dir, "cache")}
			_, err := Sync(ctx, o)
			var ce *install.CheckError
			if !errors.As(err, &ce) || !ce.Has(tc.rule) || !errors.Is(err, ErrRefused) {
				t.Fatalf("err = %v; want rule %s", err, tc.rule)
			}
			if _, err := os.Stat(o.Venv); !errors.Is(err, os.ErrNotExist) {
				t.Error("environment created")
			}
			if tc.rule == install.RuleStartup {
				o.AllowStartup = []string{"demo"}
				if _, err := Sync(ctx, o); err != nil {
					t.Fatalf("with --allow-startup: %v", err)
				}
			}
		})
	}
}
