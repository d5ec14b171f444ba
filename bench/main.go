// Command bench compares pyward with its peers in one run, on one local
// index served on 127.0.0.1, and reports medians, minimums and ratios.
//
//	go run ./bench                      # every suite, 5 runs per case (~10–20 min on 2 cores)
//	go run ./bench -quick               # smoke mode: smaller inputs, 3 runs
//	go run ./bench -suite lock,audit    # some suites only
//	go run ./bench -update-benchmarks   # also copy the results into BENCHMARKS.md
//
// Suites (the targets come from the issues that specify each command):
//
//   - lock (issue 3): a RandomGraph index of 300 projects × 15 releases with
//     20 ms injected latency per request; requirement sets of 10, 50 and 150
//     names. pyward lock cold (fresh cache each run) and warm (same cache,
//     nothing changed) against pip's resolver (pip install --dry-run
//     --ignore-installed --report) cold. The lower bound is the depth of the
//     resolved graph × the latency.
//   - sync (issues 5 and 9): a lock of 100 small wheels, and a lock of 195
//     wheels shaped like a real one (real METADATA from
//     ../shared/data/real-metadata, varied sizes and file counts, compiled
//     extensions, data files, console scripts); pyward sync cold, warm and
//     no-op against python3 -m venv + pip install --require-hashes --no-deps.
//   - audit (issue 4): a 1,000-package requirements file against the whole
//     pypa advisory database, pyward audit warm (compiled cache) and cold
//     (parsing the source) against osv-scanner in offline mode, the set
//     difference of their findings, and a typo-squat check of 1,000 names.
//   - typo (issue 13): typo-squat detection on a labelled set of real
//     look-alike names (bench/testdata/typo-squats.tsv; recall per trick,
//     design and holdout rows apart) and on the legitimate projects ranked
//     5,001–15,000 (false positives), with the top 5,000 as reference; and
//     `pyward version` start-up against an empty Go program.
//   - fix (issue 12): pyward fix --dry-run on a repository of 10 locks of 200
//     pins (requirements.txt and pylock.toml) with advisories on every 40th
//     project, the advisory database compiled and the HTTP cache warm.
//
// Every tool runs as a subprocess with a clean environment (no user pip
// configuration, no proxy); wall-clock time is measured from process start to
// exit and peak RSS comes from the kernel's rusage. Only loopback traffic.
// Results are printed and written to bench/out/results.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Defaults for the number of timed runs of each case.
const (
	defaultRuns = 5
	quickRuns   = 3
)

// config is everything a suite needs to know about the run.
type config struct {
	root     string // repository root (holds go.mod)
	data     string // shared data directory (advisory db, top-pypi list)
	out      string // output directory (results.md, work files, tools)
	work     string // scratch space under out, removed at the start of a run
	pyward   string // pyward binary under test
	python   string // python3 used for venvs and pip
	gobin    string // where osv-scanner is installed
	runs     int
	peerRuns int // timed runs of pip and osv-scanner (default: runs)
	quick    bool
	tiny     bool   // smoke test: minimal inputs, no latency, seconds in total
	install  bool   // try to install osv-scanner when missing
	pip      string // why pip cannot run ("" when it can)
	seed     int64
	log      func(format string, args ...any)
	runInfo  string // the run's command and machine, as rendered (set by renderAll)
}

var allSuites = []string{"lock", "sync", "audit", "typo", "fix"}

func main() {
	if os.Getenv(spawnEnv) == "1" {
		spawnMain()
		return
	}
	var (
		quick   = flag.Bool("quick", false, "short smoke mode: smaller inputs, 3 runs per case")
		suites  = flag.String("suite", strings.Join(allSuites, ","), "comma-separated suites to run: lock, sync, audit, typo, fix")
		runs    = flag.Int("runs", 0, "timed runs per case (default 5, 3 with -quick)")
		peer    = flag.Int("peer-runs", 0, "timed runs per case of the peers, pip and osv-scanner (default: -runs); for slow machines")
		out     = flag.String("out", "", "output directory (default <repo>/bench/out)")
		data    = flag.String("data", "", "shared data directory (default <repo>/../shared/data)")
		seed    = flag.Int64("seed", 1, "seed of the generated indexes and requirement sets")
		noInst  = flag.Bool("no-install", false, "do not try to install osv-scanner when it is missing")
		python  = flag.String("python", "python3", "Python interpreter for pip and venvs")
		tinyRun = flag.Bool("tiny", false, "minimal inputs and no latency (what the smoke test runs)")
		update  = flag.Bool("update-benchmarks", false, "also copy the results into BENCHMARKS.md between its results markers")
		serve   = flag.String("serve-sync", "", "serve the realistic sync set and write its lock into `DIR` until interrupted (for profiling single syncs)")
		serveL  = flag.String("serve-lock", "", "serve the lock suite's index and write its requirement sets into `DIR` until interrupted (for profiling single locks)")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := newConfig(*out, *data, *python)
	if err == nil {
		cfg.quick, cfg.tiny, cfg.seed, cfg.install = *quick || *tinyRun, *tinyRun, *seed, !*noInst
		cfg.runs, cfg.peerRuns = *runs, *peer
		if *serve != "" {
			if err := serveSync(ctx, cfg, *serve); err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
				os.Exit(1)
			}
			return
		}
		if *serveL != "" {
			if err := serveLock(ctx, cfg, *serveL); err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
				os.Exit(1)
			}
			return
		}
		var md string
		var ran []*suite
		md, ran, err = runBench(ctx, cfg, strings.Split(*suites, ","))
		fmt.Print(md)
		if err == nil && *update {
			path := filepath.Join(cfg.root, "BENCHMARKS.md")
			if len(ran) == len(allSuites) {
				err = updateBenchmarks(path, md)
			} else {
				err = updateSuites(path, cfg.runInfo, ran)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// newConfig locates the repository and fills the paths.
func newConfig(out, data, python string) (*config, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if out == "" {
		out = filepath.Join(root, "bench", "out")
	}
	if data == "" {
		data = filepath.Join(root, "..", "shared", "data")
	}
	out, err = filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	data, err = filepath.Abs(data)
	if err != nil {
		return nil, err
	}
	return &config{
		root: root, data: data, out: out, work: filepath.Join(out, "work"),
		gobin: filepath.Join(out, "gobin"), python: python,
		log: func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
		},
	}, nil
}

// repoRoot walks up from the working directory to the directory holding the
// pyward go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/pyward/pyward") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the pyward repository (no go.mod of github.com/pyward/pyward above the working directory)")
		}
		dir = parent
	}
}

// runBench builds pyward, runs the selected suites and writes results.md.
// A suite that fails to set up is reported as such; the others still run.
func runBench(ctx context.Context, cfg *config, names []string) (string, []*suite, error) {
	if cfg.runs <= 0 {
		cfg.runs = defaultRuns
		switch {
		case cfg.tiny:
			cfg.runs = 1
		case cfg.quick:
			cfg.runs = quickRuns
		}
	}
	if cfg.peerRuns <= 0 {
		cfg.peerRuns = cfg.runs
	}
	if err := os.RemoveAll(cfg.work); err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(cfg.work, 0o755); err != nil {
		return "", nil, err
	}
	cfg.pyward = filepath.Join(cfg.out, "bin", "pyward")
	cfg.log("building pyward → %s", cfg.pyward)
	build := exec.CommandContext(ctx, "go", "build", "-o", cfg.pyward, "./cmd/pyward")
	build.Dir = cfg.root
	if b, err := build.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("go build ./cmd/pyward: %w\n%s", err, b)
	}
	if _, _, err := run(ctx, proc{Name: cfg.python, Args: []string{"-m", "pip", "--version"}}); err != nil {
		cfg.pip = "pip is not installed for " + cfg.python
		cfg.log("%s: pip rows are skipped", cfg.pip)
	}
	machine := describeMachine(ctx, cfg)
	started := time.Now()
	var suites []*suite
	for _, name := range names {
		name = strings.TrimSpace(name)
		var fn func(context.Context, *config) (*suite, error)
		switch name {
		case "":
			continue
		case "lock":
			fn = lockSuite
		case "sync":
			fn = syncSuite
		case "audit":
			fn = auditSuite
		case "typo":
			fn = typoSuite
		case "fix":
			fn = fixSuite
		default:
			return "", nil, fmt.Errorf("unknown suite %q (want %s)", name, strings.Join(allSuites, ", "))
		}
		cfg.log("suite %s", name)
		s, err := fn(ctx, cfg)
		if err != nil {
			if ctx.Err() != nil {
				return "", suites, ctx.Err()
			}
			if s == nil {
				s = &suite{Name: name, Title: name}
			}
			s.Notes = append(s.Notes, "**suite failed**: "+cell(err.Error()))
		}
		suites = append(suites, s)
	}
	md := renderAll(cfg, machine, started, names, suites)
	if err := os.WriteFile(filepath.Join(cfg.out, "results.md"), []byte(md), 0o644); err != nil {
		return md, suites, err
	}
	return md, suites, nil
}

func renderAll(cfg *config, machine []string, started time.Time, names []string, suites []*suite) string {
	var b strings.Builder
	b.WriteString("## Results\n\n")
	mode := "full"
	switch {
	case cfg.tiny:
		mode = "tiny (smoke test; figures are meaningless)"
	case cfg.quick:
		mode = "quick"
	}
	fmt.Fprintf(&b, "Command: `%s` (mode: %s, %d runs per pyward case, %d per peer case, seed %d); total time %s.\n\n",
		commandLine(), mode, cfg.runs, cfg.peerRuns, cfg.seed, time.Since(started).Round(time.Second))
	for _, m := range machine {
		fmt.Fprintf(&b, "- %s\n", m)
	}
	fmt.Fprintf(&b, "- load average after the run: %s\n\n", loadAvg())
	cfg.runInfo = strings.TrimPrefix(b.String(), "## Results\n\n")
	b.WriteString(targetSummary(suites))
	for _, s := range suites {
		b.WriteString(s.markdown())
	}
	return b.String()
}

func commandLine() string {
	args := os.Args[1:]
	if strings.HasSuffix(os.Args[0], ".test") {
		return "go test ./bench -run TestQuickSmoke"
	}
	return strings.TrimSpace("go run ./bench " + strings.Join(args, " "))
}

// describeMachine lists what the figures depend on.
func describeMachine(ctx context.Context, cfg *config) []string {
	cpu := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				var kb int64
				fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "MemTotal:")), "%d", &kb)
				mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	out := func(name string, args ...string) string {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = cleanEnv()
		cmd.Dir = cfg.root
		b, err := cmd.CombinedOutput()
		if err != nil {
			return "unavailable (" + err.Error() + ")"
		}
		return strings.TrimSpace(string(b))
	}
	pipV := out(cfg.python, "-m", "pip", "--version")
	if i := strings.Index(pipV, " from "); i > 0 {
		pipV = pipV[:i]
	}
	return []string{
		fmt.Sprintf("date: %s", time.Now().UTC().Format("2006-01-02 15:04 UTC")),
		fmt.Sprintf("machine: %d CPUs (nproc), %s, %s RAM, %s/%s", runtime.NumCPU(), cpu, mem, runtime.GOOS, runtime.GOARCH),
		fmt.Sprintf("load average before the run: %s (the machine may be shared: compare figures within one run)", loadAvg()),
		fmt.Sprintf("pyward: commit %s; %s", out("git", "rev-parse", "--short", "HEAD"), out("go", "version")),
		fmt.Sprintf("peers: %s, %s", out(cfg.python, "--version"), pipV),
	}
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// Markers around the generated part of BENCHMARKS.md.
const (
	resultsBegin = "<!-- bench results: begin (written by go run ./bench -update-benchmarks; do not edit) -->"
	resultsEnd   = "<!-- bench results: end -->"
)

// updateBenchmarks replaces the text between the markers of path with md, so
// the published figures are exactly what the harness measured.
func updateBenchmarks(path, md string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, resultsBegin), strings.Index(s, resultsEnd)
	if i < 0 || j < i {
		return fmt.Errorf("%s: markers %q … %q not found", path, resultsBegin, resultsEnd)
	}
	s = s[:i+len(resultsBegin)] + "\n\n" + md + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}

// updateSuites replaces, between the markers of path, only what belongs to
// the suites of a run of some suites: their lines of the target list and
// their sections, each headed by this run's command and machine (the
// header at the top describes the run the other sections come from). A
// suite without a section yet is appended.
func updateSuites(path, runInfo string, suites []*suite) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, resultsBegin), strings.Index(s, resultsEnd)
	if i < 0 || j < i {
		return fmt.Errorf("%s: markers %q … %q not found", path, resultsBegin, resultsEnd)
	}
	block := s[i+len(resultsBegin) : j]
	for _, su := range suites {
		block = replaceTargets(block, su.Name, targetSummary([]*suite{su}))
		section := fmt.Sprintf("### %s\n\nThis section comes from a run of the %s suite alone: %s", su.Title, su.Name,
			strings.TrimPrefix(su.markdown(), "### "+su.Title+"\n\n"))
		section = strings.Replace(section, "alone: ", "alone:\n\n"+runInfo, 1)
		block = replaceSection(block, su.Name, section)
	}
	s = s[:i+len(resultsBegin)] + block + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}

// replaceTargets puts the "- name: …" lines of summary (a targetSummary)
// where the block's lines for that suite were.
func replaceTargets(block, name, summary string) string {
	prefix := "- " + name + ": "
	var fresh []string
	for _, l := range strings.Split(summary, "\n") {
		if strings.HasPrefix(l, prefix) {
			fresh = append(fresh, l)
		}
	}
	var out []string
	placed := false
	lines := strings.Split(block, "\n")
	for k, l := range lines {
		if strings.HasPrefix(l, prefix) {
			if !placed {
				out = append(out, fresh...)
				placed = true
			}
			continue
		}
		if !placed && l == "" && k > 0 && strings.HasPrefix(lines[k-1], "- ") && strings.Contains(strings.Join(out, "\n"), "Targets:") {
			// End of the target list without lines for this suite.
			out = append(out, fresh...)
			placed = true
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// replaceSection replaces the block's "### name — …" section (up to the
// next "### " heading) with section, or appends it.
func replaceSection(block, name, section string) string {
	head := "### " + name + " —"
	k := strings.Index(block, head)
	if k < 0 {
		return strings.TrimRight(block, "\n") + "\n\n" + section
	}
	end := len(block)
	if n := strings.Index(block[k+len(head):], "\n### "); n >= 0 {
		end = k + len(head) + n + 1
	}
	return block[:k] + section + block[end:]
}

// targetSummary lists every target of the run with its verdict, so a reader
// sees at once which were met.
func targetSummary(suites []*suite) string {
	var b strings.Builder
	b.WriteString("Targets:\n\n")
	for _, s := range suites {
		for _, r := range s.Rows {
			for _, c := range r.Checks {
				verdict := "FAIL"
				switch {
				case r.Skipped != "":
					verdict = "not measured"
				case c.Pass:
					verdict = "pass"
				}
				measured := fmtDur(r.median())
				if x, ok := r.ratio(); ok {
					measured = fmt.Sprintf("%s, %.1f× pyward", measured, x)
				}
				if strings.Contains(c.Target, "RSS") && r.RSSKB > 0 {
					measured = fmt.Sprintf("%.0f MB", float64(r.RSSKB)/1024)
				}
				if r.Skipped != "" {
					measured = r.Skipped
				}
				fmt.Fprintf(&b, "- %s: %s %s, target %s: **%s** (%s)\n", s.Name, r.Tool, r.Case, c.Target, verdict, cell(measured))
			}
		}
	}
	b.WriteString("\n")
	return b.String()
}
