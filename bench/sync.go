package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/testindex"
)

// Shape of the sync benchmark (issue 5, "Performance").
const (
	syncDists       = 100
	syncModules     = 4   // extra modules per wheel
	syncModuleLines = 120 // lines per module (~5 KB), so wheels are small but not empty
	syncPipFactor   = 3.0 // pyward cold ≥ 3× faster than venv + pip
	syncWarmMax     = time.Second
	syncNoopMax     = 100 * time.Millisecond
)

// syncDistributions are syncDists projects of one release each, with a few
// modules and, for every fifth, a console script (real wheels: pip and
// pyward both unpack, write RECORD and generate scripts).
func syncDistributions(n int) []testindex.Dist {
	var ds []testindex.Dist
	for i := range n {
		name := fmt.Sprintf("bench-sync-%03d", i)
		imp := strings.ReplaceAll(name, "-", "_")
		d := testindex.Dist{Name: name, Version: fmt.Sprintf("1.%d.0", i%7), Modules: map[string]string{}}
		for m := range syncModules {
			var b strings.Builder
			fmt.Fprintf(&b, "\"\"\"Module %d of %s (benchmark filler).\"\"\"\n\n", m, name)
			for l := range syncModuleLines {
				fmt.Fprintf(&b, "def f%d_%d(x):\n    return x * %d + %d\n", m, l, l, m)
			}
			d.Modules[fmt.Sprintf("%s/mod%d.py", imp, m)] = b.String()
		}
		if i%5 == 0 {
			d.Modules[imp+"/cli.py"] = "def main():\n    print('ok')\n"
			d.ConsoleScripts = map[string]string{name: imp + ".cli:main"}
		}
		ds = append(ds, d)
	}
	return ds
}

func syncSuite(ctx context.Context, cfg *config) (*suite, error) {
	n := syncDists
	if cfg.tiny {
		n = 5
	}
	s := &suite{Name: "sync", Title: "sync — install a lock into a fresh venv (issue 5)"}
	dists := syncDistributions(n)
	ix, err := testindex.New(dists, testindex.Options{})
	if err != nil {
		return s, err
	}
	url := ix.Start()
	defer ix.Close()
	dir := filepath.Join(cfg.work, "sync")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return s, err
	}
	var names []string
	for _, d := range dists {
		names = append(names, d.Name)
	}
	reqs := filepath.Join(dir, "reqs.in")
	if err := os.WriteFile(reqs, []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		return s, err
	}
	lock := filepath.Join(dir, "requirements.lock.txt")
	if _, _, err := run(ctx, proc{Name: cfg.pyward, Dir: dir, Args: []string{"lock", reqs, "-o", lock,
		"--index-url", url, "--trusted-host", "127.0.0.1", "--cache-dir", filepath.Join(dir, "lock-cache"), "-q"}}); err != nil {
		return s, fmt.Errorf("locking the sync index: %w", err)
	}
	wheelBytes := 0
	for _, d := range dists {
		_, data, err := testindex.BuildWheel(d, testindex.DefaultWheelTag)
		if err != nil {
			return s, err
		}
		wheelBytes += len(data)
	}
	s.Setup = append(s.Setup,
		fmt.Sprintf("lock: %d wheels (%d KiB in total, %d modules each, console scripts on every fifth) served by testindex on %s without injected latency, locked by `pyward lock` into a hashed requirements.txt", n, wheelBytes/1024, syncModules+1, ix.URL()),
		"pip: `python3 -m venv --without-pip VENV` then `python3 -m pip --python VENV/bin/python install --require-hashes --no-deps -r LOCK --index-url URL --trusted-host 127.0.0.1 --no-cache-dir -q`; the time of both processes is counted (the venv needs no pip of its own since the outer pip installs into it, which is the cheaper choice for pip)",
		"pyward: `pyward sync LOCK --venv VENV --cache-dir DIR` (plus --index-url/--trusted-host/-q when the command has them); cold = empty cache and no venv, warm = filled cache and no venv, no-op = the venv already matches",
	)

	// pip first: it does not depend on pyward sync working.
	pip := &row{Tool: "venv + pip install", Case: "cold (empty cache, new venv)",
		Checks: []check{{Target: fmt.Sprintf("pyward ≥ %.0f× faster", syncPipFactor)}}}
	if cfg.pip != "" {
		pip.Skipped = cfg.pip
	}
	for i := range cfg.peerRuns {
		if cfg.pip != "" {
			break
		}
		cfg.log("sync: venv + pip cold %d/%d", i+1, cfg.peerRuns)
		venv := filepath.Join(dir, fmt.Sprintf("pip-venv-%d", i))
		a, _, err := run(ctx, proc{Name: cfg.python, Dir: dir, Args: []string{"-m", "venv", "--without-pip", venv}})
		if err != nil {
			return s, err
		}
		b, _, err := run(ctx, proc{Name: cfg.python, Dir: dir, Args: []string{"-m", "pip", "--python", filepath.Join(venv, "bin", "python"),
			"install", "--require-hashes", "--no-deps", "-r", lock, "--index-url", url, "--trusted-host", "127.0.0.1", "--no-cache-dir", "-q"}})
		if err != nil {
			return s, err
		}
		pip.add(sample{Wall: a.Wall + b.Wall, RSSKB: max(a.RSSKB, b.RSSKB)})
		if got := countDistInfo(venv); got != n {
			s.Notes = append(s.Notes, fmt.Sprintf("pip installed %d distributions, expected %d", got, n))
		}
		os.RemoveAll(venv)
	}

	_, help, _ := run(ctx, proc{Name: cfg.pyward, Args: []string{"sync", "--help"}})
	syncArgs := func(venv, cache string) []string {
		args := []string{"sync", lock, "--venv", venv, "--cache-dir", cache}
		h := string(help.Stdout)
		if strings.Contains(h, "--index-url") {
			args = append(args, "--index-url", url)
		}
		if strings.Contains(h, "--trusted-host") {
			args = append(args, "--trusted-host", "127.0.0.1")
		}
		if strings.Contains(h, "--quiet") {
			args = append(args, "-q")
		}
		return args
	}
	cold := &row{Tool: "pyward sync", Case: "cold (empty cache, new venv)"}
	warm := &row{Tool: "pyward sync", Case: "warm (filled cache, new venv)",
		Checks: []check{{Target: "< " + fmtDur(syncWarmMax)}}}
	noop := &row{Tool: "pyward sync", Case: "no-op (venv already exact)",
		Checks: []check{{Target: "< " + fmtDur(syncNoopMax)}}}
	pip.Ref = cold
	s.Rows = append(s.Rows, cold, warm, noop, pip)
	skip := func(err error) {
		reason := firstLine(err.Error())
		for _, r := range []*row{cold, warm, noop} {
			r.Samples, r.Skipped = nil, reason
		}
		s.Notes = append(s.Notes, "**pyward sync did not work, so its rows are empty**: "+cell(err.Error()))
	}
	var cache string
	for i := range cfg.runs {
		cfg.log("sync: pyward cold %d/%d", i+1, cfg.runs)
		cache = filepath.Join(dir, fmt.Sprintf("cache-%d", i))
		venv := filepath.Join(dir, fmt.Sprintf("venv-cold-%d", i))
		smp, _, err := run(ctx, proc{Name: cfg.pyward, Dir: dir, Args: syncArgs(venv, cache)})
		if err != nil {
			skip(err)
			return s, nil
		}
		cold.add(smp)
		if got := countDistInfo(venv); got != n {
			s.Notes = append(s.Notes, fmt.Sprintf("**pyward sync installed %d distributions, expected %d**", got, n))
		}
		os.RemoveAll(venv)
		if i < cfg.runs-1 {
			os.RemoveAll(cache)
		}
	}
	var venv string
	for i := range cfg.runs {
		cfg.log("sync: pyward warm %d/%d", i+1, cfg.runs)
		if venv != "" {
			os.RemoveAll(venv)
		}
		venv = filepath.Join(dir, fmt.Sprintf("venv-warm-%d", i))
		smp, _, err := run(ctx, proc{Name: cfg.pyward, Dir: dir, Args: syncArgs(venv, cache)})
		if err != nil {
			return s, fmt.Errorf("warm sync: %w", err)
		}
		warm.add(smp)
	}
	for i := range cfg.runs {
		cfg.log("sync: pyward no-op %d/%d", i+1, cfg.runs)
		smp, _, err := run(ctx, proc{Name: cfg.pyward, Dir: dir, Args: syncArgs(venv, cache)})
		if err != nil {
			return s, fmt.Errorf("no-op sync: %w", err)
		}
		noop.add(smp)
	}
	if x, ok := pip.ratio(); ok {
		pip.Checks[0].Pass = x >= syncPipFactor
	}
	warm.Checks[0].Pass = warm.median() < syncWarmMax
	noop.Checks[0].Pass = noop.median() < syncNoopMax
	if cfg.pip != "" {
		return s, nil
	}
	if _, _, err := run(ctx, proc{Name: cfg.python, Args: []string{"-m", "pip", "--python", filepath.Join(venv, "bin", "python"), "check"}}); err != nil {
		s.Notes = append(s.Notes, "**pip check on the pyward venv failed**: "+cell(err.Error()))
	} else {
		s.Notes = append(s.Notes, fmt.Sprintf("`pip check` passes on the venv pyward synced; %d distributions installed", countDistInfo(venv)))
	}
	return s, nil
}

// countDistInfo counts installed distributions in a venv's site-packages.
func countDistInfo(venv string) int {
	m, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages", "*.dist-info"))
	return len(m)
}
