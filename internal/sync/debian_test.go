package sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/install"
)

// debianWheels is where Debian's python3-pip-whl, python3-setuptools-whl and
// python3-wheel-whl put real wheels.
const debianWheels = "/usr/share/python-wheels"

// TestSyncDebianWheels installs real pip, setuptools and wheel wheels through
// a find-links source, then uses the installed pip.
func TestSyncDebianWheels(t *testing.T) {
	py := python3(t)
	var wheels []string
	for _, pat := range []string{"pip-*.whl", "setuptools-*.whl", "wheel-*.whl"} {
		m, _ := filepath.Glob(filepath.Join(debianWheels, pat))
		if len(m) == 0 {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s/%s missing: apt-get install python3-pip-whl python3-setuptools-whl python3-wheel-whl", debianWheels, pat)
			}
			t.Skipf("no %s in %s", pat, debianWheels)
		}
		wheels = append(wheels, m[0])
	}
	dir := t.TempDir()
	links := filepath.Join(dir, "links")
	os.Mkdir(links, 0o755)
	var lock strings.Builder
	lock.WriteString("--no-index\n")
	for _, w := range wheels {
		data, err := os.ReadFile(w)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(links, filepath.Base(w)), data, 0o644)
		wn, err := dist.ParseWheelName(filepath.Base(w), false)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&lock, "%s==%s --hash=sha256:%s\n", wn.Name, wn.Version, sha256hex(data))
	}
	lockPath := filepath.Join(dir, "requirements.txt")
	os.WriteFile(lockPath, []byte(lock.String()), 0o644)
	ctx := context.Background()
	o := Options{Lock: lockPath, Venv: filepath.Join(dir, ".venv"), Python: py, FindLinks: []string{links}, CacheDir: filepath.Join(dir, "cache")}
	// setuptools ships distutils-precedence.pth, which runs code at start-up.
	_, err := Sync(ctx, o)
	var ce *install.CheckError
	if !errors.As(err, &ce) || !ce.Has(install.RuleStartup) || !strings.Contains(err.Error(), "distutils-precedence.pth") {
		t.Fatalf("want the setuptools .pth refused, got %v", err)
	}
	o.AllowStartup = []string{"setuptools"}
	if _, err := Sync(ctx, o); err != nil {
		t.Fatal(err)
	}
	vpy := filepath.Join(o.Venv, "bin", "python")
	for _, args := range [][]string{
		{vpy, "-m", "pip", "--version"},
		{vpy, "-c", "import setuptools, wheel, pip"},
		{filepath.Join(o.Venv, "bin", "pip"), "--version"},
		{filepath.Join(o.Venv, "bin", "wheel"), "version"},
		{vpy, "-m", "pip", "check"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	out, err := exec.Command(vpy, "-m", "pip", "list", "--format=freeze").CombinedOutput()
	if err != nil {
		t.Fatalf("pip list: %v\n%s", err, out)
	}
	for _, w := range wheels {
		wn, _ := dist.ParseWheelName(filepath.Base(w), false)
		if !strings.Contains(strings.ToLower(string(out)), wn.Name+"=="+wn.Version.String()) {
			t.Errorf("pip list lacks %s==%s:\n%s", wn.Name, wn.Version, out)
		}
	}
	// The environment's own pip uninstalls what pyward installed.
	if out, err := exec.Command(vpy, "-m", "pip", "uninstall", "-y", "wheel").CombinedOutput(); err != nil {
		t.Fatalf("pip uninstall wheel: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(o.Venv, "bin", "wheel")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("pip uninstall left bin/wheel")
	}
	res, err := Sync(ctx, o)
	if err != nil || len(res.Install) != 1 {
		t.Fatalf("repair: %+v %v", res, err)
	}
	// A lock naming only wheel: pip stays with --keep pip, setuptools goes.
	var only strings.Builder
	for _, line := range strings.Split(lock.String(), "\n") {
		if strings.HasPrefix(line, "--") || strings.HasPrefix(line, "wheel==") {
			only.WriteString(line + "\n")
		}
	}
	os.WriteFile(lockPath, []byte(only.String()), 0o644)
	o.Keep = []string{"PIP"}
	res, err = Sync(ctx, o)
	if err != nil || len(res.Remove) != 1 || res.Remove[0].Name != "setuptools" || res.Unchanged != 2 {
		t.Fatalf("keep: %+v %v", res, err)
	}
	if out, err := exec.Command(vpy, "-m", "pip", "--version").CombinedOutput(); err != nil {
		t.Fatalf("kept pip broken: %v\n%s", err, out)
	}
	if out, err := exec.Command(vpy, "-c", "import setuptools").CombinedOutput(); err == nil {
		t.Fatalf("setuptools still importable:\n%s", out)
	}
	if left, _ := filepath.Glob(filepath.Join(o.Venv, "lib", "python*", "site-packages", "*setuptools*")); len(left) != 0 {
		t.Fatalf("setuptools left %v", left)
	}
}
