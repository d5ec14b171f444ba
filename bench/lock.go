package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/provenance/provenancetest"
	"github.com/pyward/pyward/internal/testindex"
)

// Shape of the lock benchmark (issue 3, "Performance").
const (
	lockDists       = 300
	lockVersionsPer = 15
	lockFanout      = 3 // mean direct dependencies per project
	lockLatency     = 20 * time.Millisecond
	// pypiCacheControl is what PyPI sends with simple pages: a client may
	// reuse a page for 10 minutes without asking again.
	pypiCacheControl = "max-age=600, public"

	// Targets.
	lockPipFactor = 10.0
	lockBoundMul  = 1.5
	lockBoundAdd  = 300 * time.Millisecond
	lockWarmMax   = 150 * time.Millisecond
	lockRSSMaxMB  = 200
)

var (
	lockSetsFull  = []int{10, 50, 150}
	lockSetsQuick = []int{10, 50}
)

// lockInputs is the lock suite's index and requirement sets.
type lockInputs struct {
	dists            []testindex.Dist
	nDists, versions int
	latency          time.Duration
	sets             [][]string // top-level names, sorted, one list per case
}

func newLockInputs(cfg *config) *lockInputs {
	nDists, versions, latency, sizes := lockDists, lockVersionsPer, lockLatency, lockSetsFull
	switch {
	case cfg.tiny:
		nDists, versions, latency, sizes = 40, 3, 0, []int{5}
	case cfg.quick:
		sizes = lockSetsQuick
	}
	in := &lockInputs{dists: testindex.RandomGraph(cfg.seed, nDists, versions, lockFanout), nDists: nDists, versions: versions, latency: latency}
	names := make([]string, 0, nDists)
	seen := map[string]bool{}
	for _, d := range in.dists {
		if !seen[d.Name] {
			seen[d.Name] = true
			names = append(names, d.Name)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.seed), 0x6c6f636b))
	for _, n := range sizes {
		if n > len(names) {
			n = len(names)
		}
		perm := rng.Perm(len(names))[:n]
		top := make([]string, n)
		for i, p := range perm {
			top[i] = names[p]
		}
		slices.Sort(top)
		in.sets = append(in.sets, top)
	}
	return in
}

func (in *lockInputs) serve() (*testindex.Index, error) {
	ix, err := testindex.New(in.dists, testindex.Options{Latency: in.latency, CacheControl: pypiCacheControl})
	if err != nil {
		return nil, err
	}
	ix.Start()
	return ix, nil
}

func lockSuite(ctx context.Context, cfg *config) (*suite, error) {
	s := &suite{Name: "lock", Title: "lock — resolve into a hashed lock (issue 3)"}
	in := newLockInputs(cfg)
	ix, err := in.serve()
	if err != nil {
		return s, err
	}
	defer ix.Close()
	s.Setup = append(s.Setup,
		fmt.Sprintf("index: testindex.RandomGraph(seed %d, %d projects, %d releases each, fan-out %d) = %d releases, served on %s with %s injected latency per request and PyPI's `Cache-Control: %s` on pages",
			cfg.seed, in.nDists, in.versions, lockFanout, len(in.dists), ix.URL(), in.latency, pypiCacheControl),
		"pyward: `pyward lock reqs.in -o pylock.toml --index-url URL --trusted-host 127.0.0.1 --cache-dir DIR -q`; cold = a fresh empty --cache-dir and no previous lock each run; warm = the same command again with the cache and lock of the last cold run (nothing changed on the index): \"re-lock\" removes the lock memo before each run, so pyward resolves again from its cache; \"unchanged\" keeps it, so pyward finds the lock up to date",
		"pip: `python3 -m pip install --dry-run --ignore-installed --report /dev/null --no-cache-dir --index-url URL --trusted-host 127.0.0.1 -r reqs.txt` with PIP_CONFIG_FILE=/dev/null",
		fmt.Sprintf("lower bound = depth of the resolved dependency graph (longest chain of packages from a top-level requirement, counted in packages, from pyward's lock) × %s; target: pyward cold ≤ %.1f × bound + %s", in.latency, lockBoundMul, lockBoundAdd),
	)
	for i, top := range in.sets {
		if err := lockCase(ctx, cfg, s, ix, in.latency, top); err != nil {
			return s, fmt.Errorf("%d names: %w", len(top), err)
		}
		if i == len(in.sets)-1 { // the largest set
			if err := lockProvenanceCase(ctx, cfg, s, in.dists, in.latency, top); err != nil {
				return s, fmt.Errorf("%d names with provenance: %w", len(top), err)
			}
		}
	}
	return s, nil
}

// serveLock serves the lock suite's index (with its latency), and the
// provenance case's signed copy of it, and writes its requirement sets and
// the signed copy's trusted_root.json into dir until ctx ends, so that
// single locks can be profiled by hand (PYWARD_CPUPROFILE) against what the
// suite times.
func serveLock(ctx context.Context, cfg *config, dir string) error {
	in := newLockInputs(cfg)
	ix, err := in.serve()
	if err != nil {
		return err
	}
	defer ix.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	url := ix.URL() + "/simple/"
	for _, top := range in.sets {
		path := filepath.Join(dir, fmt.Sprintf("reqs-%d.in", len(top)))
		if err := os.WriteFile(path, []byte(strings.Join(top, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		fmt.Printf("pyward lock %s -o pylock.toml --index-url %s --trusted-host 127.0.0.1 --cache-dir CACHE -q\n", path, url)
	}
	// The provenance case's index: the same graph, every file signed.
	signed, rootJSON, err := serveSigned(in.dists, in.latency)
	if err != nil {
		return err
	}
	defer signed.Close()
	root := filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(root, rootJSON, 0o644); err != nil {
		return err
	}
	top := in.sets[len(in.sets)-1]
	fmt.Printf("pyward lock %s -o pylock.toml --no-universal --index-url %s/simple/ --trusted-host 127.0.0.1 --cache-dir CACHE -q --trusted-root %s\n",
		filepath.Join(dir, fmt.Sprintf("reqs-%d.in", len(top))), signed.URL(), root)
	<-ctx.Done()
	return nil
}

// Provenance targets (issue 11).
const (
	lockProvenanceMul = 1.3
)

// serveSigned serves dists with a provenance object for every file, signed
// by a fresh provenancetest instance for one GitHub publisher per project,
// and returns the instance's trusted_root.json.
func serveSigned(dists []testindex.Dist, latency time.Duration) (*testindex.Index, []byte, error) {
	ss, err := provenancetest.New()
	if err != nil {
		return nil, nil, err
	}
	rootJSON, err := ss.TrustedRootJSON()
	if err != nil {
		return nil, nil, err
	}
	signed := slices.Clone(dists)
	for i := range signed {
		signed[i].Publisher = &provenance.Identity{Kind: provenance.KindGitHub,
			Claims: map[string]string{"repository": "bench/" + signed[i].ProjectName(), "workflow": "release.yml"}}
	}
	ix, err := testindex.New(signed, testindex.Options{Latency: latency, CacheControl: pypiCacheControl, Signer: ss})
	if err != nil {
		return nil, nil, err
	}
	ix.Start()
	return ix, rootJSON, nil
}

// lockProvenanceCase measures what PEP 740 verification costs a lock: the
// same graph served again with genuine provenance for every file (signed
// by a provenancetest instance for one GitHub publisher per project),
// locked for one environment with and without --no-provenance; --trusted-root
// is the instance's root.
func lockProvenanceCase(ctx context.Context, cfg *config, s *suite, dists []testindex.Dist, latency time.Duration, top []string) error {
	ix, rootJSON, err := serveSigned(dists, latency)
	if err != nil {
		return err
	}
	defer ix.Close()
	n := len(top)
	dir := filepath.Join(cfg.work, "lock", fmt.Sprintf("provenance-%d", n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root := filepath.Join(dir, "trusted_root.json")
	reqs := filepath.Join(dir, "reqs.in")
	if err := os.WriteFile(root, rootJSON, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(reqs, []byte(strings.Join(top, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	lockPath := filepath.Join(dir, "pylock.toml")
	pyward := func(cache string, extra ...string) proc {
		return proc{Name: cfg.pyward, Dir: dir, Args: append([]string{"lock", reqs, "-o", lockPath, "--no-universal",
			"--index-url", ix.URL() + "/simple/", "--trusted-host", "127.0.0.1", "--cache-dir", cache, "-q"}, extra...)}
	}
	label := fmt.Sprintf("%d names, every file with provenance", n)
	s.Setup = append(s.Setup, "provenance: the same graph with a PEP 740 provenance object for every file (provenancetest, one GitHub publisher per project); `pyward lock --no-universal` with `--trusted-root` the instance's root, \"off\" with `--no-provenance`; warm re-lock as above")
	var reqsOff, reqsOn int64
	cold := func(r *row, tag string, extra ...string) (string, error) {
		var cache string
		for i := range cfg.runs {
			cache = filepath.Join(dir, fmt.Sprintf("cache-%s-%d", tag, i))
			os.RemoveAll(cache)
			os.Remove(lockPath)
			cfg.log("lock %s: %s cold %d/%d", label, r.Tool, i+1, cfg.runs)
			ix.ResetCounts()
			smp, _, err := run(ctx, pyward(cache, extra...))
			if err != nil {
				return "", err
			}
			r.add(smp)
		}
		return cache, nil
	}
	off := &row{Tool: "pyward lock --no-universal --no-provenance", Case: "cold, " + label}
	if _, err := cold(off, "off", "--no-provenance"); err != nil {
		return err
	}
	reqsOff = ix.Requests()
	on := &row{Tool: "pyward lock --no-universal --trusted-root", Case: "cold, " + label, Ref: off,
		Checks: []check{{Target: fmt.Sprintf("≤ %.1f× without provenance", lockProvenanceMul)}}}
	cache, err := cold(on, "on", "--trusted-root", root)
	if err != nil {
		return err
	}
	reqsOn = ix.Requests()
	on.Checks[0].Pass = float64(on.median()) <= lockProvenanceMul*float64(off.median())
	warm := &row{Tool: "pyward lock --no-universal --trusted-root", Case: "warm re-lock, " + label,
		Checks: []check{{Target: fmt.Sprintf("< %s", fmtDur(lockWarmMax))}}}
	for i := range cfg.runs {
		cfg.log("lock %s: warm re-lock %d/%d", label, i+1, cfg.runs)
		if err := os.RemoveAll(filepath.Join(cache, "lock-memo")); err != nil {
			return err
		}
		smp, _, err := run(ctx, pyward(cache, "--trusted-root", root))
		if err != nil {
			return err
		}
		warm.add(smp)
	}
	warm.Checks[0].Pass = warm.median() < lockWarmMax
	// CPU time is what a loaded machine distorts least.
	s.Notes = append(s.Notes, fmt.Sprintf("%s: HTTP requests per cold run: %d without provenance, %d with; CPU (user+sys, median): cold %s without, %s with, warm re-lock %s",
		label, reqsOff, reqsOn, fmtDur(median(off.CPU)), fmtDur(median(on.CPU)), fmtDur(median(warm.CPU))))
	s.Rows = append(s.Rows, off, on, warm)
	return nil
}

// lockCase measures one requirement set.
func lockCase(ctx context.Context, cfg *config, s *suite, ix *testindex.Index, latency time.Duration, top []string) error {
	url := ix.URL() + "/simple/"
	n := len(top)
	dir := filepath.Join(cfg.work, "lock", fmt.Sprintf("set-%d", n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	reqs := filepath.Join(dir, "reqs.in")
	if err := os.WriteFile(reqs, []byte(strings.Join(top, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	lockPath := filepath.Join(dir, "pylock.toml")
	pyward := func(cache string) proc {
		return proc{Name: cfg.pyward, Dir: dir, Args: []string{"lock", reqs, "-o", lockPath,
			"--index-url", url, "--trusted-host", "127.0.0.1", "--cache-dir", cache, "-q"}}
	}
	label := fmt.Sprintf("%d names", n)

	cold := &row{Tool: "pyward lock", Case: "cold, " + label}
	var cache string
	var coldReqs, singleReqs, warmReqs, pipReqs int64
	for i := range cfg.runs {
		cache = filepath.Join(dir, fmt.Sprintf("cache-%d", i))
		os.Remove(lockPath)
		cfg.log("lock %s: pyward cold %d/%d", label, i+1, cfg.runs)
		ix.ResetCounts()
		smp, _, err := run(ctx, pyward(cache))
		coldReqs = ix.Requests()
		if err != nil {
			return err
		}
		cold.add(smp)
		if i < cfg.runs-1 {
			os.RemoveAll(cache)
		}
	}
	lock, err := readPylock(lockPath)
	if err != nil {
		return err
	}
	// The same lock for one environment (the located python3), and the
	// number of forks the universal lock needed.
	single := &row{Tool: "pyward lock --no-universal", Case: "cold, " + label}
	singlePath := filepath.Join(dir, "pylock.single.toml")
	for i := range cfg.runs {
		cfg.log("lock %s: pyward single-environment cold %d/%d", label, i+1, cfg.runs)
		c := filepath.Join(dir, fmt.Sprintf("cache-single-%d", i))
		p := pyward(c)
		p.Args = append(p.Args, "--no-universal")
		p.Args[3] = singlePath
		// Cold means no previous lock too: its pins would spare the
		// resolver most of its work.
		os.Remove(singlePath)
		ix.ResetCounts()
		smp, _, err := run(ctx, p)
		singleReqs = ix.Requests()
		os.RemoveAll(c)
		if err != nil {
			return err
		}
		single.add(smp)
	}
	cold.Checks = append(cold.Checks, check{
		Target: fmt.Sprintf("≤ %.1f× single-environment cold (%s)", lockUniversalMul, fmtDur(single.median())),
		Pass:   float64(cold.median()) <= lockUniversalMul*float64(single.median()),
	})
	probe := pyward(filepath.Join(dir, "cache-forks"))
	probe.Args = probe.Args[:len(probe.Args)-1] // without -q: the summary names the forks
	probe.Args[3] = filepath.Join(dir, "pylock.forks.toml")
	_, out, err := run(ctx, probe)
	os.RemoveAll(filepath.Join(dir, "cache-forks"))
	if err != nil {
		return err
	}
	forks := "? forks"
	if m := forksRE.FindSubmatch(out.Stderr); m != nil {
		forks = string(m[1])
	}
	depth, err := graphDepth(lock, top)
	if err != nil {
		return err
	}
	bound := time.Duration(depth) * latency
	limit := time.Duration(lockBoundMul*float64(bound)) + lockBoundAdd
	cold.Checks = append(cold.Checks, check{
		Target: fmt.Sprintf("≤ %.1f×bound+%s = %s (depth %d)", lockBoundMul, fmtDur(lockBoundAdd), fmtDur(limit), depth),
		Pass:   cold.median() <= limit,
	})
	if n == slices.Max(lockSetsForRSS(cfg)) {
		cold.Checks = append(cold.Checks, check{
			Target: fmt.Sprintf("peak RSS < %d MB", lockRSSMaxMB),
			Pass:   cold.RSSKB > 0 && cold.RSSKB < lockRSSMaxMB*1024,
		})
	}
	s.Notes = append(s.Notes, fmt.Sprintf("%s: pyward locked %d packages; resolved graph depth %d → lower bound %s", label, len(lock.Packages), depth, fmtDur(bound)))

	// Warm re-lock: everything cached, but no lock memo, so the whole
	// resolution runs again from the cache.
	warm := &row{Tool: "pyward lock", Case: "warm re-lock, " + label,
		Checks: []check{{Target: fmt.Sprintf("< %s", fmtDur(lockWarmMax))}}}
	for i := range cfg.runs {
		cfg.log("lock %s: pyward warm re-lock %d/%d", label, i+1, cfg.runs)
		if err := os.RemoveAll(filepath.Join(cache, "lock-memo")); err != nil {
			return err
		}
		ix.ResetCounts()
		smp, _, err := run(ctx, pyward(cache))
		warmReqs = ix.Requests()
		if err != nil {
			return err
		}
		warm.add(smp)
	}
	warm.Checks[0].Pass = warm.median() < lockWarmMax
	// Warm unchanged: the last re-lock left a memo.
	unchanged := &row{Tool: "pyward lock", Case: "warm unchanged, " + label,
		Checks: []check{{Target: fmt.Sprintf("< %s", fmtDur(lockWarmMax))}}}
	for i := range cfg.runs {
		cfg.log("lock %s: pyward warm unchanged %d/%d", label, i+1, cfg.runs)
		ix.ResetCounts()
		smp, _, err := run(ctx, pyward(cache))
		if err != nil {
			return err
		}
		if n := ix.Requests(); n != 0 {
			return fmt.Errorf("unchanged re-lock made %d requests", n)
		}
		unchanged.add(smp)
	}
	unchanged.Checks[0].Pass = unchanged.median() < lockWarmMax

	pip := &row{Tool: "pip " + pipResolverLabel, Case: "cold, " + label, Ref: cold,
		Checks: []check{{Target: fmt.Sprintf("pyward ≥ %.0f× faster", lockPipFactor)}}}
	if cfg.pip != "" {
		pip.Skipped = cfg.pip
	}
	for i := range cfg.peerRuns {
		if cfg.pip != "" {
			break
		}
		cfg.log("lock %s: pip cold %d/%d", label, i+1, cfg.peerRuns)
		ix.ResetCounts()
		smp, _, err := run(ctx, proc{Name: cfg.python, Dir: dir, Args: []string{"-m", "pip", "install",
			"--dry-run", "--ignore-installed", "--report", "/dev/null", "--no-cache-dir", "-q",
			"--index-url", url, "--trusted-host", "127.0.0.1", "-r", reqs}})
		if err != nil {
			pip.Samples, pip.Skipped = nil, "pip failed: "+firstLine(err.Error())
			s.Notes = append(s.Notes, fmt.Sprintf("%s: pip failed: %s", label, cell(err.Error())))
			break
		}
		pip.add(smp)
		pipReqs = ix.Requests()
	}
	pipTime := "not run"
	if len(pip.Samples) > 0 {
		pipTime = fmtDur(pip.median())
	}
	s.Notes = append(s.Notes,
		fmt.Sprintf("%s: universal cold lock %s with %s; single-environment cold lock %s; pip (one environment) %s", label,
			fmtDur(cold.median()), forks, fmtDur(single.median()), pipTime),
		fmt.Sprintf("%s: HTTP requests per run: pyward cold %d (single-environment %d), pyward warm %d, pip cold %d", label, coldReqs, singleReqs, warmReqs, pipReqs))
	if x, ok := pip.ratio(); ok {
		pip.Checks[0].Pass = x >= lockPipFactor
	}
	s.Rows = append(s.Rows, cold, single, warm, unchanged, pip)
	return nil
}

const pipResolverLabel = "(resolver, --dry-run)"

// lockUniversalMul bounds a universal cold lock against the
// single-environment cold lock of the same requirements.
const lockUniversalMul = 1.5

// forksRE reads the fork count and its noun ("1 fork", "3 forks") from
// pyward lock's summary line.
var forksRE = regexp.MustCompile(`\((\d+ forks?)\)`)

func lockSetsForRSS(cfg *config) []int {
	switch {
	case cfg.tiny:
		return []int{5}
	case cfg.quick:
		return lockSetsQuick
	}
	return lockSetsFull
}

func readPylock(path string) (*lockfile.Lock, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return lockfile.ParsePylock(path, b)
}

// graphDepth is the number of packages on the longest dependency chain that
// starts at a top-level requirement, following the lock's recorded
// dependencies (the graph the resolver actually had to walk level by level).
func graphDepth(l *lockfile.Lock, top []string) (int, error) {
	deps := map[string][]string{}
	for _, p := range l.Packages {
		deps[p.NormalizedName()] = p.Dependencies
	}
	memo := map[string]int{}
	var visit func(name string, stack map[string]bool) (int, error)
	visit = func(name string, stack map[string]bool) (int, error) {
		if d, ok := memo[name]; ok {
			return d, nil
		}
		if stack[name] {
			return 0, fmt.Errorf("dependency cycle through %s", name)
		}
		stack[name] = true
		defer delete(stack, name)
		best := 0
		for _, d := range deps[name] {
			x, err := visit(pep503.Normalize(d), stack)
			if err != nil {
				return 0, err
			}
			best = max(best, x)
		}
		memo[name] = best + 1
		return best + 1, nil
	}
	depth := 0
	for _, t := range top {
		name := pep503.Normalize(t)
		if _, ok := deps[name]; !ok {
			return 0, fmt.Errorf("top-level %s missing from the lock", t)
		}
		d, err := visit(name, map[string]bool{})
		if err != nil {
			return 0, err
		}
		depth = max(depth, d)
	}
	return depth, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
