package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

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

// runFix rewrites the audited lock to clear its vulnerabilities, prints the
// pull-request summary and sets the exit code from a re-audit of the new
// lock.
func (a *app) runFix(ctx context.Context, f auditFlags, invs []*inventory.Inventory, extra []audit.Finding, opts audit.Options, rep *audit.Report, failOn audit.Severity) error {
	if len(f.names) > 0 || len(invs) != 1 || (invs[0].Format != inventory.FormatRequirements && invs[0].Format != inventory.FormatPylock) {
		return usageErrorf("--fix rewrites one lock: name a single hashed requirements.txt or pylock.toml")
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
	format := fix.Requirements
	if inv.Format == inventory.FormatPylock {
		format = fix.Pylock
	}
	settings := fix.LockSettings(fix.ReadHeader(data), inv, f.indexURL, os.Getenv)
	cacheDir, err := a.cacheRoot(f.cacheDir)
	if err != nil {
		return usageError(err)
	}
	srcFlags := settings.Sources
	srcFlags.CacheDir = cacheDir
	srcFlags.Offline = f.offline
	srcFlags.TrustedHosts = append(srcFlags.TrustedHosts, f.trusted...)
	locked, err := sources.FromInventories(path, []*inventory.Inventory{inv})
	if err != nil {
		return usageError(err)
	}
	srcs, err := sources.New(sources.Config{Flags: srcFlags, Relock: locked})
	if err != nil {
		return usageErrorf("--fix: %v", err)
	}
	for _, w := range srcs.Warnings() {
		fmt.Fprintf(a.stderr, "pyward: warning: %s\n", w)
	}
	var cutoff time.Time
	if settings.ExcludeNewer != "" {
		if cutoff, err = timespec.Cutoff(settings.ExcludeNewer, time.Now()); err != nil {
			return usageErrorf("--fix: the lock's --exclude-newer: %v", err)
		}
	}
	target, err := lockTarget(ctx, lockFlags{pythonVersion: settings.PythonVersion, platform: settings.Platform}, cacheDir)
	if err != nil {
		return usageErrorf("--fix: %v", err)
	}
	client, err := srcs.Client(sources.ClientOptions{UserAgent: "pyward/" + version()})
	if err != nil {
		return usageErrorf("--fix: %v", err)
	}
	defer client.Close()
	res, err := fix.Fix(ctx, fix.Options{
		Path: path, Format: format, Data: data,
		Findings: rep.Findings, Vulns: opts.Vulns, Ignores: opts.Ignores, Now: opts.Now,
		Index: client, Provider: resolve.NewIndexProvider(client), SourceURLs: srcs.URLs(), Target: target,
		AllowMajor: f.fix.allowMajor, Prereleases: settings.Pre, ExcludeNewer: cutoff,
	})
	if err != nil {
		return err
	}
	after, err := audit.Run(ctx, []*inventory.Inventory{res.Inventory}, extra, opts)
	if err != nil {
		return usageError(err)
	}
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
		perm := os.FileMode(0o644)
		if st, err := os.Stat(path); err == nil {
			perm = st.Mode().Perm()
		}
		if err := atomicfile.WriteFile(out, res.Data, perm); err != nil {
			return internalError(err)
		}
	}
	if f.fix.summary != "" {
		if err := atomicfile.WriteFile(f.fix.summary, summary.Bytes(), 0o644); err != nil {
			return internalError(err)
		}
	} else if _, err := a.stdout.Write(summary.Bytes()); err != nil {
		return internalError(err)
	}
	switch {
	case res.Impossible != "":
		fmt.Fprintf(a.stderr, "pyward: --fix: the fix is impossible, %s not written: %s\n", out, res.Impossible)
	case f.fix.dryRun:
		fmt.Fprintf(a.stderr, "pyward: --dry-run: %s not written\n", out)
	case res.Changed:
		fmt.Fprintf(a.stderr, "pyward: fixed %s\n", out)
	}
	a.exitCode = exitOK
	if after.CountAtLeast(failOn) > 0 || res.Impossible != "" {
		a.exitCode = exitFindings
	}
	return nil
}
