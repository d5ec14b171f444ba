package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/fix"
	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/sources"
	"github.com/pyward/pyward/internal/timespec"
)

// fixFlags are audit's --fix options.
type fixFlags struct {
	enabled    bool
	allowMajor bool
	dryRun     bool
	output     string // write the fixed lock here instead of over the input
	summary    string // write the Markdown summary here instead of stdout
}

// fixContext is what every lock of one fix shares: the advisories, the audit
// that judges the new locks, and the fallbacks for index options a lock
// does not record.
type fixContext struct {
	audit      audit.Options
	extra      []audit.Finding // findings not tied to a lock (index configuration)
	indexURL   string          // audit's --index-url: the index of a lock that names none
	cacheDir   string
	offline    bool
	trusted    []string
	allowMajor bool
}

// fixLock re-resolves one lock with the options it was made with to clear
// findings, and re-audits the result. Nothing is written.
// Warnings go to warn.
func (a *app) fixLock(ctx context.Context, env fixContext, inv *inventory.Inventory, data []byte, findings []audit.Finding, warn func(string)) (fix.LockReport, error) {
	path := inv.Source
	format := fix.Requirements
	if inv.Format == inventory.FormatPylock {
		format = fix.Pylock
	}
	settings := fix.LockSettings(fix.ReadHeader(data), inv, env.indexURL, os.Getenv)
	srcFlags := settings.Sources
	srcFlags.CacheDir = env.cacheDir
	srcFlags.Offline = env.offline
	srcFlags.TrustedHosts = append(srcFlags.TrustedHosts, env.trusted...)
	locked, err := sources.FromInventories(path, []*inventory.Inventory{inv})
	if err != nil {
		return fix.LockReport{}, usageError(err)
	}
	srcs, err := sources.New(sources.Config{Flags: srcFlags, Relock: locked})
	if err != nil {
		return fix.LockReport{}, usageErrorf("fix %s: %v", path, err)
	}
	for _, w := range srcs.Warnings() {
		warn(path + ": " + w)
	}
	var cutoff time.Time
	if settings.ExcludeNewer != "" {
		if cutoff, err = timespec.Cutoff(settings.ExcludeNewer, time.Now()); err != nil {
			return fix.LockReport{}, usageErrorf("fix %s: the lock's --exclude-newer: %v", path, err)
		}
	}
	target, err := lockTarget(ctx, lockFlags{pythonVersion: settings.PythonVersion, platform: settings.Platform}, env.cacheDir)
	if err != nil {
		return fix.LockReport{}, usageErrorf("fix %s: %v", path, err)
	}
	universe, err := lockUniverse(lockFlags{universal: settings.Universal, noUniversal: !settings.Universal,
		environments: settings.Environments, requiredEnvs: settings.RequiredEnvironments}, "", target)
	if err != nil {
		return fix.LockReport{}, usageErrorf("fix %s: the lock's options: %v", path, err)
	}
	client, err := srcs.Client(a.clientOptions())
	if err != nil {
		return fix.LockReport{}, usageErrorf("fix %s: %v", path, err)
	}
	defer client.Close()
	res, err := fix.Fix(ctx, fix.Options{
		Path: path, Format: format, Data: data,
		Findings: findings, Vulns: env.audit.Vulns, Ignores: env.audit.Ignores, Now: env.audit.Now,
		Index: client, Provider: resolve.NewIndexProvider(client), SourceURLs: srcs.URLs(), Target: target, Universal: universe,
		AllowMajor: env.allowMajor, Prereleases: settings.Pre, ExcludeNewer: cutoff,
	})
	if err != nil {
		return fix.LockReport{}, err
	}
	if res.Lock != nil {
		// The lock's strategy holds for what the fix adds, as for pyward
		// lock: under refuse-conflicts a new name with different files on
		// two indexes is an error, under first-index a note.
		notes, err := srcs.Review(client.Overlaps(), res.Lock)
		if err != nil {
			return fix.LockReport{}, usageErrorf("fix %s: %w", path, err)
		}
		for _, n := range notes {
			warn(path + ": " + n)
		}
	}
	after, err := audit.Run(ctx, []*inventory.Inventory{res.Inventory}, env.extra, env.audit)
	if err != nil {
		return fix.LockReport{}, usageError(err)
	}
	return fix.LockReport{Result: res, After: after}, nil
}

// warn prints a warning on standard error.
func (a *app) warn(msg string) {
	fmt.Fprintf(a.stderr, "pyward: warning: %s\n", msg)
}

// writeLock replaces path's content with data atomically, keeping its mode.
func writeLock(out, path string, data []byte) error {
	perm := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		perm = st.Mode().Perm()
	}
	return atomicfile.WriteFile(out, data, perm)
}

// runFix is audit --fix: it rewrites the audited lock to clear its
// vulnerabilities, prints the pull-request summary and sets the exit code
// from a re-audit of the new lock.
func (a *app) runFix(ctx context.Context, f auditFlags, invs []*inventory.Inventory, extra []audit.Finding, opts audit.Options, rep *audit.Report, failOn audit.Severity) error {
	if len(f.names) > 0 || len(invs) != 1 || (invs[0].Format != inventory.FormatRequirements && invs[0].Format != inventory.FormatPylock) {
		return usageErrorf("--fix rewrites one lock: name a single hashed requirements.txt or pylock.toml (pyward fix finds every lock of a repository)")
	}
	if opts.Vulns == nil {
		return usageErrorf("--fix needs the vulnerability check (drop --no-vulns)")
	}
	if f.fix.summary == "" && f.output == "" && f.format != "table" && f.format != "markdown" {
		// A Markdown summary after a JSON/SARIF/SBOM document would make
		// standard output unreadable for the tool that consumes it.
		return usageErrorf("--fix with --format %s: send the report (-o FILE) or the summary (--fix-summary FILE) to a file", f.format)
	}
	inv := invs[0]
	path := inv.Source
	data, err := os.ReadFile(path)
	if err != nil {
		return usageError(err)
	}
	cacheDir, err := a.cacheRoot(f.cacheDir)
	if err != nil {
		return usageError(err)
	}
	lr, err := a.fixLock(ctx, fixContext{audit: opts, extra: extra, indexURL: f.indexURL, cacheDir: cacheDir,
		offline: f.offline, trusted: f.trusted, allowMajor: f.fix.allowMajor}, inv, data, rep.Findings, a.warn)
	if err != nil {
		return err
	}
	res, after := lr.Result, lr.After
	var summary bytes.Buffer
	if err := fix.WriteSummary(&summary, res, after); err != nil {
		return internalError(err)
	}
	out := path
	if f.fix.output != "" {
		out = f.fix.output
	}
	// An impossible fix writes no lock: neither the input nor --fix-output.
	if !f.fix.dryRun && res.Impossible == "" && (res.Changed || out != path) {
		if err := writeLock(out, path, res.Data); err != nil {
			return internalError(err)
		}
	}
	if f.fix.summary != "" {
		if err := atomicfile.WriteFile(f.fix.summary, summary.Bytes(), 0o644); err != nil {
			return internalError(err)
		}
	} else if !a.quiet {
		if _, err := a.stdout.Write(summary.Bytes()); err != nil {
			return internalError(err)
		}
	}
	switch {
	case res.Impossible != "":
		// Why the run fails (exit 1): said even with -q.
		fmt.Fprintf(a.stderr, "pyward: --fix: the fix is impossible, %s not written: %s\n", out, res.Impossible)
	case f.fix.dryRun:
		a.notef("pyward: --dry-run: %s not written", out)
	case res.Changed:
		a.notef("pyward: fixed %s", out)
	}
	a.exitCode = exitOK
	if after.CountAtLeast(failOn) > 0 || res.Impossible != "" {
		a.exitCode = exitFindings
	}
	return nil
}

// fixCmdFlags are pyward fix's options.
type fixCmdFlags struct {
	db, cacheDir, indexURL string
	minSeverity            string
	summary                string
	offline, allowMajor    bool
	dryRun                 bool
	ignores, trusted       []string
	git                    gitFlags
}

func (a *app) fixCommand() *cobra.Command {
	var f fixCmdFlags
	cmd := &cobra.Command{
		Use:   "fix [PATH...]",
		Short: "Upgrade vulnerable pins in every lock of a repository; optionally commit and open a pull request",
		Long: `Find every lock in the named files or directories (default: the current
directory) that pyward can rewrite (pyward's and pip-compile's hashed
requirements.txt, pylock.toml), and upgrade each to the smallest versions that
clear the advisories at or above --min-severity. Each lock is re-resolved with
its own indexes and options, re-audited, and written atomically. A Markdown
summary tells what changed and why, and what is left and why. Locks of other
tools (uv.lock, poetry.lock, pdm.lock, Pipfile.lock) are reported with the
command of their own tool.

With --branch and --commit the new locks are committed on a branch named from
the advisories (the working tree is left as it is); --push pushes it and
--open-pr opens or updates one pull request per directory of locks.

Exit status: 0 when no advisory at or above --min-severity is left, 1 when one
is, 2 on bad input, 3 on network or git failures.`,
		Example: `  pyward fix
  pyward fix services/ --min-severity high --dry-run
  pyward fix --branch --commit --push --open-pr github`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runFixCommand(cmd.Context(), f, args)
		},
	}
	a.deferFlags(cmd, func() {
		fl := cmd.Flags()
		fl.StringVar(&f.db, "db", "", "advisory database: a directory or zip of OSV files (default: the cache filled by 'pyward db update')")
		fl.BoolVar(&f.offline, "offline", false, "never touch the network")
		fl.StringVar(&f.cacheDir, "cache-dir", "", "cache directory (default $PYWARD_CACHE_DIR, $XDG_CACHE_HOME/pyward or ~/.cache/pyward)")
		fl.StringArrayVar(&f.ignores, "ignore", nil, "ignore a vulnerability: ID=REASON[@YYYY-MM-DD expiry] (repeatable)")
		fl.StringVar(&f.minSeverity, "min-severity", "low", "fix advisories at least this severe: info, low, medium, high, critical")
		fl.StringVar(&f.indexURL, "index-url", "", "index for locks that record none (default: pip's index-url, else "+DefaultIndexURL+")")
		fl.StringArrayVar(&f.trusted, "trusted-host", nil, "allow plain http:// for this index host")
		fl.BoolVar(&f.allowMajor, "allow-major", false, "allow upgrades across a major version")
		fl.BoolVar(&f.dryRun, "dry-run", false, "compute and summarize the fix, write nothing")
		fl.StringVar(&f.summary, "summary", "", "write the Markdown summary to this file instead of standard output")
		f.git.register(cmd)
	})
	return cmd
}

// fixRun is the outcome of fixing the locks of the command line.
type fixRun struct {
	reports []fix.LockReport
	data    map[string][]byte // lock path -> its content before the fix
	foreign []fix.ForeignLock
	skipped []fix.Skipped
	left    bool // an advisory at or above --min-severity remains
}

func (a *app) runFixCommand(ctx context.Context, f fixCmdFlags, args []string) error {
	min, err := audit.ParseSeverity(f.minSeverity)
	if err != nil {
		return usageErrorf("--min-severity: %v", err)
	}
	if err := f.git.check(); err != nil {
		return err
	}
	ignores, err := parseIgnores(f.ignores)
	if err != nil {
		return usageError(err)
	}
	vulns, warns, err := a.openAdvisories(ctx, auditFlags{db: f.db, cacheDir: f.cacheDir, offline: f.offline})
	if err != nil {
		return err
	}
	for _, w := range warns {
		fmt.Fprintf(a.stderr, "pyward: warning: %s\n", w)
	}
	invs, pyprojects, err := readInputs(args)
	if err != nil {
		return usageError(err)
	}
	more, err := configIgnores(pyprojects)
	if err != nil {
		return usageError(err)
	}
	cacheDir, err := a.cacheRoot(f.cacheDir)
	if err != nil {
		return usageError(err)
	}
	env := fixContext{audit: audit.Options{Vulns: vulns, Ignores: append(ignores, more...), SkipHygine: true},
		indexURL: f.indexURL, cacheDir: cacheDir, offline: f.offline, trusted: f.trusted, allowMajor: f.allowMajor}
	run, err := a.fixLocks(ctx, env, invs, min)
	if err != nil {
		return err
	}
	var summary bytes.Buffer
	if err := fix.WriteRepoSummary(&summary, run.reports, run.foreign, run.skipped, min); err != nil {
		return internalError(err)
	}
	if f.git.enabled() {
		if err := a.fixGit(ctx, f.git, run, min); err != nil {
			return err
		}
	} else if !f.dryRun {
		for _, r := range run.reports {
			if r.Result.Changed && r.Result.Impossible == "" {
				if err := writeLock(r.Result.Path, r.Result.Path, r.Result.Data); err != nil {
					return internalError(err)
				}
				a.notef("pyward: fixed %s", r.Result.Path)
			}
		}
	}
	if f.summary != "" {
		if err := atomicfile.WriteFile(f.summary, summary.Bytes(), 0o644); err != nil {
			return internalError(err)
		}
	} else if !a.quiet {
		if _, err := a.stdout.Write(summary.Bytes()); err != nil {
			return internalError(err)
		}
	}
	a.exitCode = exitOK
	if run.left {
		a.exitCode = exitFindings
	}
	return nil
}

// fixLocks audits every dependency file, fixes the rewritable locks with
// findings at or above min and collects the foreign ones.
func (a *app) fixLocks(ctx context.Context, env fixContext, invs []*inventory.Inventory, min audit.Severity) (*fixRun, error) {
	run := &fixRun{data: map[string][]byte{}}
	type job struct {
		inv      *inventory.Inventory
		data     []byte
		findings []audit.Finding
	}
	var jobs []job
	for _, inv := range invs {
		data, err := os.ReadFile(inv.Source)
		if err != nil {
			return nil, usageError(err)
		}
		kind, reason := fix.Classify(inv.Source, inv.Format, data)
		if kind == fix.NotALock {
			// Inputs (requirements.in) are expected next to their locks.
			if inv.Format == inventory.FormatRequirements && !strings.HasSuffix(strings.ToLower(inv.Source), ".in") {
				run.skipped = append(run.skipped, fix.Skipped{Path: inv.Source, Reason: reason})
			}
			continue
		}
		rep, err := audit.Run(ctx, []*inventory.Inventory{inv}, nil, env.audit)
		if err != nil {
			return nil, usageError(err)
		}
		findings := fix.AtLeast(rep.Findings, min)
		if len(findings) == 0 {
			continue
		}
		if kind == fix.Foreign {
			run.foreign = append(run.foreign, fix.ForeignLock{Path: inv.Source, Format: inv.Format, Findings: findings})
			run.left = true
			continue
		}
		jobs = append(jobs, job{inv: inv, data: data, findings: findings})
	}
	// Locks are independent: fix them in parallel, then report them in
	// the order they were found.
	type done struct {
		lr    fix.LockReport
		warns []string
	}
	results := make([]done, len(jobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, j := range jobs {
		g.Go(func() error {
			d := &results[i]
			lr, err := a.fixLock(gctx, env, j.inv, j.data, j.findings, func(w string) { d.warns = append(d.warns, w) })
			if err != nil {
				return fmt.Errorf("%s: %w", j.inv.Source, err)
			}
			d.lr = lr
			return nil
		})
	}
	err := g.Wait()
	for i, j := range jobs {
		for _, w := range results[i].warns {
			a.warn(w)
		}
		if err != nil || results[i].lr.Result == nil {
			continue
		}
		lr := results[i].lr
		run.data[j.inv.Source] = j.data
		run.reports = append(run.reports, lr)
		if len(fix.AtLeast(lr.After.Findings, min)) > 0 || lr.Result.Impossible != "" {
			run.left = true
		}
	}
	if err != nil {
		return nil, err
	}
	return run, nil
}
