package main

import (
	"archive/zip"
	"bytes"
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

	realSyncPipFactor = 10.0 // issue 9: pyward cold ≥ 10× faster on the realistic set
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

// syncSet is one lock the sync suite installs, with its targets.
type syncSet struct {
	label     string // row suffix, e.g. "195 wheels"
	dists     []testindex.Dist
	describe  string // setup line: what the wheels hold
	viaLock   bool   // lock with `pyward lock` (else the harness writes the hashed lock)
	pipFactor float64
	warmMax   time.Duration
	noopMax   time.Duration
}

func syncSuite(ctx context.Context, cfg *config) (*suite, error) {
	s := &suite{Name: "sync", Title: "sync — install a lock into a fresh venv (issues 5 and 9)"}
	n, nReal := syncDists, realSyncDists
	if cfg.tiny {
		n, nReal = 5, realTinyDists
	}
	small := &syncSet{label: fmt.Sprintf("%d small wheels", n), dists: syncDistributions(n), viaLock: true,
		describe:  fmt.Sprintf("%d modules each, console scripts on every fifth, stored", syncModules+1),
		pipFactor: syncPipFactor, warmMax: syncWarmMax, noopMax: syncNoopMax}
	cfg.log("sync: generating the realistic set of %d wheels", nReal)
	bt := queryBinaryTarget(ctx, cfg.python)
	realDists, err := realSyncDistributions(filepath.Join(cfg.data, "real-metadata"), nReal, cfg.seed, bt)
	if err != nil {
		return s, err
	}
	binTag := bt.tag
	if binTag == "" {
		binTag = "py3-none-any (no glibc CPython)"
	}
	realSet := &syncSet{label: fmt.Sprintf("%d realistic wheels", nReal), dists: realDists,
		describe: fmt.Sprintf("names, versions and METADATA (verbatim) of real distributions from ../shared/data/real-metadata whose dependencies are all in the set (so `pip check` passes); contents drawn with seed %d: %.0f%% with 1–8 modules, %.0f%% with 8–30 modules, stubs and data files, %.0f%% with 40–200 modules, templates and locale files, the rest compiled extensions (1–%d .so blobs of 100 KiB–1.5 MiB, tagged %s); console scripts on %.0f%%, .data/data files on %.0f%%, #!python .data/scripts on %.0f%%; deflated like real wheels",
			cfg.seed, shareSmall*100, shareMedium*100, shareLarge*100, maxSOPerWheel, binTag, shareConsole*100, shareDataDir*100, shareScripts*100),
		pipFactor: realSyncPipFactor, warmMax: syncWarmMax, noopMax: syncNoopMax}
	s.Setup = append(s.Setup,
		"pip: `python3 -m venv --without-pip VENV` then `python3 -m pip --python VENV/bin/python install --require-hashes --no-deps -r LOCK --index-url URL --trusted-host 127.0.0.1 --no-cache-dir -q`; the time of both processes is counted (the venv needs no pip of its own since the outer pip installs into it, which is the cheaper choice for pip)",
		"pyward: `pyward sync LOCK --venv VENV --cache-dir DIR` (plus --index-url/--trusted-host/-q when the command has them); cold = empty cache and no venv, warm = filled cache and no venv, no-op = the venv already matches",
	)
	for i, set := range []*syncSet{small, realSet} {
		if err := runSyncSet(ctx, cfg, s, set, filepath.Join(cfg.work, fmt.Sprintf("sync-%d", i))); err != nil {
			return s, err
		}
	}
	return s, nil
}

// runSyncSet serves set's wheels, writes its lock and times pip and pyward
// on it, adding rows and notes to s.
func runSyncSet(ctx context.Context, cfg *config, s *suite, set *syncSet, dir string) error {
	n := len(set.dists)
	ix, err := testindex.New(set.dists, testindex.Options{})
	if err != nil {
		return err
	}
	url := ix.Start()
	defer ix.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Build every wheel before anything is timed (the index builds lazily).
	wheelBytes, files, largest := 0, 0, 0
	var lockText strings.Builder
	var names []string
	for _, d := range set.dists {
		names = append(names, d.Name)
		tag := testindex.DefaultWheelTag
		if len(d.WheelTags) > 0 {
			tag = d.WheelTags[0]
		}
		data, sha, err := ix.File(d.WheelFilename(tag))
		if err != nil {
			return err
		}
		wheelBytes += len(data)
		largest = max(largest, len(data))
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return err
		}
		files += len(zr.File)
		fmt.Fprintf(&lockText, "%s==%s \\\n    --hash=sha256:%s\n", d.Name, d.Version, sha)
	}
	lock := filepath.Join(dir, "requirements.lock.txt")
	if set.viaLock {
		reqs := filepath.Join(dir, "reqs.in")
		if err := os.WriteFile(reqs, []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		if _, _, err := run(ctx, proc{Name: cfg.pyward, Dir: dir, Args: []string{"lock", reqs, "-o", lock,
			"--index-url", url, "--trusted-host", "127.0.0.1", "--cache-dir", filepath.Join(dir, "lock-cache"), "-q"}}); err != nil {
			return fmt.Errorf("locking the sync index: %w", err)
		}
	} else if err := os.WriteFile(lock, []byte(lockText.String()), 0o644); err != nil {
		return err
	}
	how := "locked by `pyward lock` into a hashed requirements.txt"
	if !set.viaLock {
		how = "written by the harness as a hashed requirements.txt (`name==version --hash=sha256:…`, the wheel's hash only)"
	}
	s.Setup = append(s.Setup, fmt.Sprintf("%s: %d wheels, %d KiB in total (largest %d KiB), %d files; %s; served by testindex on %s without injected latency, %s",
		set.label, n, wheelBytes/1024, largest/1024, files, set.describe, ix.URL(), how))

	// pip first: it does not depend on pyward sync working.
	pip := &row{Tool: "venv + pip install", Case: "cold (empty cache, new venv), " + set.label,
		Checks: []check{{Target: fmt.Sprintf("pyward ≥ %.0f× faster", set.pipFactor)}}}
	if cfg.pip != "" {
		pip.Skipped = cfg.pip
	}
	for i := range cfg.peerRuns {
		if cfg.pip != "" {
			break
		}
		cfg.log("sync %s: venv + pip cold %d/%d", set.label, i+1, cfg.peerRuns)
		venv := filepath.Join(dir, fmt.Sprintf("pip-venv-%d", i))
		a, _, err := run(ctx, proc{Name: cfg.python, Dir: dir, Args: []string{"-m", "venv", "--without-pip", venv}})
		if err != nil {
			return err
		}
		b, _, err := run(ctx, proc{Name: cfg.python, Dir: dir, Args: []string{"-m", "pip", "--python", filepath.Join(venv, "bin", "python"),
			"install", "--require-hashes", "--no-deps", "-r", lock, "--index-url", url, "--trusted-host", "127.0.0.1", "--no-cache-dir", "-q"}})
		if err != nil {
			return err
		}
		pip.add(sample{Wall: a.Wall + b.Wall, RSSKB: max(a.RSSKB, b.RSSKB), CPU: a.CPU + b.CPU, Minflt: a.Minflt + b.Minflt})
		if got := countDistInfo(venv); got != n {
			s.Notes = append(s.Notes, fmt.Sprintf("%s: pip installed %d distributions, expected %d", set.label, got, n))
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
	cold := &row{Tool: "pyward sync", Case: "cold (empty cache, new venv), " + set.label}
	warm := &row{Tool: "pyward sync", Case: "warm (filled cache, new venv), " + set.label,
		Checks: []check{{Target: "< " + fmtDur(set.warmMax)}}}
	noop := &row{Tool: "pyward sync", Case: "no-op (venv already exact), " + set.label,
		Checks: []check{{Target: "< " + fmtDur(set.noopMax)}}}
	pip.Ref = cold
	s.Rows = append(s.Rows, cold, warm, noop, pip)
	skip := func(err error) {
		reason := firstLine(err.Error())
		for _, r := range []*row{cold, warm, noop} {
			r.Samples, r.Skipped = nil, reason
		}
		s.Notes = append(s.Notes, fmt.Sprintf("**pyward sync did not work on %s, so its rows are empty**: %s", set.label, cell(err.Error())))
	}
	var cache string
	for i := range cfg.runs {
		cfg.log("sync %s: pyward cold %d/%d", set.label, i+1, cfg.runs)
		cache = filepath.Join(dir, fmt.Sprintf("cache-%d", i))
		venv := filepath.Join(dir, fmt.Sprintf("venv-cold-%d", i))
		smp, _, err := run(ctx, proc{Name: cfg.pyward, Dir: dir, Args: syncArgs(venv, cache)})
		if err != nil {
			skip(err)
			return nil
		}
		cold.add(smp)
		if got := countDistInfo(venv); got != n {
			s.Notes = append(s.Notes, fmt.Sprintf("**%s: pyward sync installed %d distributions, expected %d**", set.label, got, n))
		}
		os.RemoveAll(venv)
		if i < cfg.runs-1 {
			os.RemoveAll(cache)
		}
	}
	var venv string
	for i := range cfg.runs {
		cfg.log("sync %s: pyward warm %d/%d", set.label, i+1, cfg.runs)
		if venv != "" {
			os.RemoveAll(venv)
		}
		venv = filepath.Join(dir, fmt.Sprintf("venv-warm-%d", i))
		smp, _, err := run(ctx, proc{Name: cfg.pyward, Dir: dir, Args: syncArgs(venv, cache)})
		if err != nil {
			return fmt.Errorf("warm sync of %s: %w", set.label, err)
		}
		warm.add(smp)
	}
	for i := range cfg.runs {
		cfg.log("sync %s: pyward no-op %d/%d", set.label, i+1, cfg.runs)
		smp, _, err := run(ctx, proc{Name: cfg.pyward, Dir: dir, Args: syncArgs(venv, cache)})
		if err != nil {
			return fmt.Errorf("no-op sync of %s: %w", set.label, err)
		}
		noop.add(smp)
	}
	if x, ok := pip.ratio(); ok {
		pip.Checks[0].Pass = x >= set.pipFactor
	}
	warm.Checks[0].Pass = warm.median() < set.warmMax
	noop.Checks[0].Pass = noop.median() < set.noopMax
	var cpu []string
	for _, r := range []*row{cold, warm, noop} {
		cpu = append(cpu, fmt.Sprintf("%s %s", strings.SplitN(r.Case, " ", 2)[0], fmtDur(median(r.CPU))))
	}
	pipCPU := "not run"
	if len(pip.CPU) > 0 {
		pipCPU = fmtDur(median(pip.CPU))
	}
	s.Notes = append(s.Notes, fmt.Sprintf("%s: CPU time (user + system of the process tree, median; less sensitive to a loaded machine than wall time): pyward %s; venv + pip cold %s",
		set.label, strings.Join(cpu, ", "), pipCPU))
	if cfg.pip != "" {
		return nil
	}
	if _, _, err := run(ctx, proc{Name: cfg.python, Args: []string{"-m", "pip", "--python", filepath.Join(venv, "bin", "python"), "check"}}); err != nil {
		s.Notes = append(s.Notes, fmt.Sprintf("**%s: pip check on the pyward venv failed**: %s", set.label, cell(err.Error())))
	} else {
		s.Notes = append(s.Notes, fmt.Sprintf("%s: `pip check` passes on the venv pyward synced; %d distributions installed", set.label, countDistInfo(venv)))
	}
	return nil
}

// countDistInfo counts installed distributions in a venv's site-packages.
func countDistInfo(venv string) int {
	m, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages", "*.dist-info"))
	return len(m)
}
