package sync

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/testindex"
)

// benchDists is the benchmark lock: n single-version projects with a few
// modules and a console script each.
func benchDists(n int) []testindex.Dist {
	return pick(manyDists(n), "1.0")
}

type benchEnv struct {
	ix   *testindex.Index
	url  string
	lock string
	py   string
	dir  string
}

func newBenchEnv(tb testing.TB, n int) *benchEnv {
	py := python3(tb)
	dists := benchDists(n)
	ix, err := testindex.New(dists, testindex.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	url := ix.Start()
	tb.Cleanup(ix.Close)
	dir := tb.TempDir()
	return &benchEnv{ix: ix, url: url, lock: reqLock(tb, ix, dir, dists, ""), py: py, dir: dir}
}

func (b *benchEnv) opts(venvDir, cache string) Options {
	return Options{Lock: b.lock, Venv: venvDir, Python: b.py, IndexURL: b.url, TrustedHosts: []string{"127.0.0.1"}, CacheDir: cache}
}

// BenchmarkSync measures cold (empty caches, new venv), warm (filled cache,
// new venv) and no-op (environment already exact) syncs of 120 wheels from a
// loopback index: go test -run=^$ -bench=Sync ./internal/sync
func BenchmarkSync(b *testing.B) {
	env := newBenchEnv(b, 120)
	ctx := context.Background()
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			d := b.TempDir()
			if _, err := Sync(ctx, env.opts(filepath.Join(d, "venv"), filepath.Join(d, "cache"))); err != nil {
				b.Fatal(err)
			}
		}
	})
	cache := filepath.Join(b.TempDir(), "cache")
	if _, err := Sync(ctx, env.opts(filepath.Join(b.TempDir(), "venv"), cache)); err != nil {
		b.Fatal(err)
	}
	b.Run("warm", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Sync(ctx, env.opts(filepath.Join(b.TempDir(), "venv"), cache)); err != nil {
				b.Fatal(err)
			}
		}
	})
	v := filepath.Join(b.TempDir(), "venv")
	if _, err := Sync(ctx, env.opts(v, cache)); err != nil {
		b.Fatal(err)
	}
	b.Run("noop", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			res, err := Sync(ctx, env.opts(v, cache))
			if err != nil || len(res.Install) != 0 {
				b.Fatal(res, err)
			}
		}
	})
}

// TestPerformance checks the targets of the sync issue against pip on the
// same machine: cold ≥ 3× faster than pip install --require-hashes
// --no-deps -r lock, warm < 1 s, no-op < 100 ms. Timing depends on the
// machine, so it runs only with PYWARD_PERF=1 (bench/ sets it).
func TestPerformance(t *testing.T) {
	if os.Getenv("PYWARD_PERF") != "1" {
		t.Skip("set PYWARD_PERF=1 to measure")
	}
	n := 120
	env := newBenchEnv(t, n)
	havePip(t, env.py)
	ctx := context.Background()
	best := func(k int, f func(i int) time.Duration) time.Duration {
		var m time.Duration
		for i := 0; i < k; i++ {
			if d := f(i); i == 0 || d < m {
				m = d
			}
		}
		return m
	}
	cold := best(3, func(i int) time.Duration {
		d := t.TempDir()
		st := time.Now()
		if _, err := Sync(ctx, env.opts(filepath.Join(d, "venv"), filepath.Join(d, "cache"))); err != nil {
			t.Fatal(err)
		}
		return time.Since(st)
	})
	cache := filepath.Join(t.TempDir(), "cache")
	Sync(ctx, env.opts(filepath.Join(t.TempDir(), "venv"), cache))
	warm := best(3, func(i int) time.Duration {
		st := time.Now()
		if _, err := Sync(ctx, env.opts(filepath.Join(t.TempDir(), "venv"), cache)); err != nil {
			t.Fatal(err)
		}
		return time.Since(st)
	})
	v := filepath.Join(t.TempDir(), "venv")
	Sync(ctx, env.opts(v, cache))
	noop := best(5, func(i int) time.Duration {
		st := time.Now()
		if _, err := Sync(ctx, env.opts(v, cache)); err != nil {
			t.Fatal(err)
		}
		return time.Since(st)
	})
	pipTime := best(1, func(i int) time.Duration {
		d := t.TempDir()
		pv := filepath.Join(d, "venv")
		st := time.Now()
		// Same work as pyward cold: create the venv, install with hashes.
		if out, err := exec.Command(env.py, "-m", "venv", "--without-pip", pv).CombinedOutput(); err != nil {
			t.Fatalf("venv: %v\n%s", err, out)
		}
		cmd := exec.Command(env.py, "-m", "pip", "--python", filepath.Join(pv, "bin", "python"), "install", "--disable-pip-version-check",
			"--no-cache-dir", "--require-hashes", "--no-deps", "-r", env.lock, "--index-url", env.url, "--trusted-host", "127.0.0.1")
		cmd.Env = append(os.Environ(), "PIP_REQUIRE_VIRTUALENV=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pip: %v\n%s", err, out)
		}
		return time.Since(st)
	})
	report := fmt.Sprintf("%d wheels: pyward cold %v, warm %v, no-op %v; pip cold %v (%.1fx)", n,
		cold.Round(time.Millisecond), warm.Round(time.Millisecond), noop.Round(time.Millisecond), pipTime.Round(time.Millisecond),
		float64(pipTime)/float64(cold))
	t.Log(report)
	if out := os.Getenv("PYWARD_PERF_OUT"); out != "" {
		os.WriteFile(out, []byte(report+"\n"), 0o644)
	}
	var fails []string
	if pipTime < 3*cold {
		fails = append(fails, "cold not 3x faster than pip")
	}
	if warm >= time.Second {
		fails = append(fails, "warm ≥ 1s")
	}
	if noop >= 100*time.Millisecond {
		fails = append(fails, "no-op ≥ 100ms")
	}
	if len(fails) > 0 {
		t.Fatal(strings.Join(fails, "; "))
	}
}
