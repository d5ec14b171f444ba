package sync

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/testindex"
)

// buildPyward compiles the command once per test binary run.
func buildPyward(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pyward")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/pyward")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// manyDists returns n projects with a few modules each, in two versions.
func manyDists(n int) []testindex.Dist {
	var out []testindex.Dist
	for i := 0; i < n; i++ {
		mods := map[string]string{}
		name := fmt.Sprintf("pkg-%03d", i)
		imp := strings.ReplaceAll(name, "-", "_")
		for k := 0; k < 8; k++ {
			mods[fmt.Sprintf("%s/m%d.py", imp, k)] = strings.Repeat(fmt.Sprintf("X%d = %d\n", k, i), 200)
		}
		for _, v := range []string{"1.0", "2.0"} {
			out = append(out, testindex.Dist{Name: name, Version: v, Modules: mods,
				ConsoleScripts: map[string]string{name + "-cli": imp + ":main"}})
		}
	}
	return out
}

func pick(dists []testindex.Dist, version string) []testindex.Dist {
	var out []testindex.Dist
	for _, d := range dists {
		if d.Version == version {
			out = append(out, d)
		}
	}
	return out
}

// exact checks that the environment holds exactly want, completely.
func exact(t *testing.T, venvDir string, want []string) {
	t.Helper()
	sites, _ := filepath.Glob(filepath.Join(venvDir, "lib", "python*", "site-packages"))
	inst, err := install.Scan(sites...)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range inst {
		if in.Incomplete {
			t.Fatalf("%s is incomplete after a repair", in.DistInfo)
		}
		got = append(got, pep503.Normalize(in.Name)+"=="+in.Version)
		// Every RECORD file exists.
		rec, err := os.ReadFile(filepath.Join(in.DistInfo, "RECORD"))
		if err != nil {
			t.Fatal(err)
		}
		entries, err := install.ParseRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if _, err := os.Stat(filepath.Join(filepath.Dir(in.DistInfo), e.Path)); err != nil && e.Hash != "" {
				t.Fatalf("%s: %v", in.Name, err)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("installed %v\nwant %v", got, want)
	}
	if _, err := os.Stat(filepath.Join(venvDir, ".pyward-staging")); err == nil {
		t.Fatal("staging directory left after a complete sync")
	}
}

// TestKillMidSync kills the real binary (SIGKILL) while it installs, then
// checks that the next sync repairs the environment to the exact lock.
func TestKillMidSync(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	py := python3(t)
	bin := buildPyward(t)
	dists := manyDists(40)
	ix, err := testindex.New(dists, testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	url := ix.Start()
	defer ix.Close()
	dir := t.TempDir()
	locks := []string{
		reqLock(t, ix, mkdir(t, dir, "a"), pick(dists, "1.0"), ""),
		reqLock(t, ix, mkdir(t, dir, "b"), pick(dists, "2.0")[:30], ""),
	}
	wants := [][]string{want(pick(dists, "1.0")), want(pick(dists, "2.0")[:30])}
	venvDir := filepath.Join(dir, ".venv")
	run := func(lock string, kill bool) (killedMidInstall bool) {
		cmd := exec.Command(bin, "sync", lock, "--venv", venvDir, "--python", py, "--index-url", url,
			"--trusted-host", "127.0.0.1", "--cache-dir", filepath.Join(dir, "cache"), "-q", "-j", "2")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !kill {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("sync: %v\n%s", err, out.String())
			}
			return false
		}
		// Kill as soon as installation has started (the staging
		// directory exists), plus a little.
		deadline := time.Now().Add(60 * time.Second)
		staging := filepath.Join(venvDir, ".pyward-staging")
		for time.Now().Before(deadline) {
			if _, err := os.Stat(staging); err == nil {
				killedMidInstall = true
				break
			}
			if cmd.ProcessState != nil {
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		time.Sleep(time.Duration(len(out.String())%3) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		return killedMidInstall
	}
	// First a complete sync, then alternate locks, killing each attempt.
	run(locks[0], false)
	exact(t, venvDir, wants[0])
	interrupted := 0
	for i := 1; i <= 4; i++ {
		k := i % 2
		if run(locks[k], true) {
			interrupted++
		}
		run(locks[k], false)
		exact(t, venvDir, wants[k])
	}
	if interrupted == 0 {
		t.Fatal("no kill landed during installation; the test proved nothing")
	}
	t.Logf("%d kills landed during installation", interrupted)
	// pip agrees.
	if exec.Command(py, "-m", "pip", "--version").Run() == nil {
		if got := pipList(t, py, venvDir); !slices.Equal(got, wants[0]) {
			t.Fatalf("pip list %v", got)
		}
		if out, err := pip(t, py, venvDir, "check"); err != nil {
			t.Fatalf("pip check: %v\n%s", err, out)
		}
	}
	_ = context.Background
}

func mkdir(t *testing.T, parent, name string) string {
	p := filepath.Join(parent, name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
