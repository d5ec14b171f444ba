package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/baseline"
	"github.com/pyward/pyward/internal/cachedir"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/osv"
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/pyproject"
	"github.com/pyward/pyward/internal/report"
	"github.com/pyward/pyward/internal/sources"
	"github.com/pyward/pyward/internal/timespec"
	"github.com/pyward/pyward/internal/typosquat"
	"github.com/pyward/pyward/internal/venv"
)

type auditFlags struct {
	db          string
	noVulns     bool
	offline     bool
	cacheDir    string
	ignores     []string
	failOn      string
	format      string
	output      string
	names       []string
	reference   string
	namesFile   string
	cooldown    string
	noIndexCfg  bool
	trustedRoot string
	indexURL    string
	publicURL   string
	trusted     []string
	venvDir     string
	python      string
	baseline    string
	writeBase   string
	noHistory   bool
	fix         fixFlags
}

func (a *app) auditCommand() *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit [PATH...]",
		Short: "Find vulnerable, malicious, typo-squatted and confusable dependencies",
		Long: `Audit dependency files (requirements*.txt, pylock.toml, uv.lock, poetry.lock,
pdm.lock, Pipfile.lock, pyproject.toml, requirements.in) or every such file in
a directory (default: the current directory).

Checks: OSV vulnerabilities and malicious-package reports, typo-squats of
popular projects, dependency-confusion risks (private packages whose names are
claimed or free on the public index), risky index configuration (pip.conf,
PIP_* variables, --extra-index-url, http:// indexes, trusted hosts, uv/poetry/
pdm sources), and lock hygiene (unpinned, unhashed, mutable VCS references).

Provenance: a lock that records publishers (PEP 740 attestation identities)
is checked for packages without provenance (info) and accepted publisher
changes (high); online, the provenance the index serves is verified
(critical when invalid). When such a lock is in a git work tree, its last
50 committed revisions and the working tree are compared too: a package
whose new version came from another publisher, or lost its provenance, is
reported (high) with the commit that changed it, accepted or not
(--no-history skips this).

Monitoring: --write-baseline FILE records the findings of a run; a later
run with --baseline FILE sets the recorded ones aside and reports (and fails
on) only what is new: a new advisory, a newly yanked or quarantined release,
a new typo-squat signal. A finding is the same across a version bump when
the same advisory still applies (see internal/baseline).

Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 on bad
input.`,
		Example: `  pyward audit                                   # everything in the current directory
  pyward audit requirements.txt --db ./osv-advisories
  pyward audit poetry.lock --format sarif -o pyward.sarif
  pyward audit --name reqeusts --name python3-dateutil
  pyward audit --ignore 'PYSEC-2018-28=not reachable: we never follow redirects@2027-01-31'
  pyward audit --write-baseline .pyward-baseline.json   # record what is known today
  pyward audit --baseline .pyward-baseline.json         # fail only on what is new since`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runAudit(cmd.Context(), f, args)
		},
	}
	a.deferFlags(cmd, func() {
		fl := cmd.Flags()
		fl.StringVar(&f.db, "db", "", "advisory database: a directory or zip of OSV files, compiled into the cache on first use and reused while unchanged (default: the cache filled by 'pyward db update')")
		fl.BoolVar(&f.noVulns, "no-vulns", false, "skip the vulnerability check")
		fl.BoolVar(&f.offline, "offline", false, "never touch the network")
		fl.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore trusted_root.json to verify the index's provenance against (default: the one pyward db update fetched, else the public-good root built in)")
		fl.StringVar(&f.cacheDir, "cache-dir", "", "cache directory (default $PYWARD_CACHE_DIR, $XDG_CACHE_HOME/pyward or ~/.cache/pyward)")
		fl.StringArrayVar(&f.ignores, "ignore", nil, "ignore a vulnerability: ID=REASON[@YYYY-MM-DD expiry] (repeatable)")
		fl.StringVar(&f.failOn, "fail-on", "high", "exit 1 when a finding is at least this severe: info, low, medium, high, critical, none")
		fl.StringVarP(&f.format, "format", "f", "table", "output format: "+strings.Join(auditFormatNames(), ", ")+" (sarif: SARIF 2.1.0 for GitHub code scanning; cyclonedx: CycloneDX 1.6 SBOM with the vulnerabilities; html: one self-contained page with the dependency graph)")
		fl.StringVarP(&f.output, "output", "o", "", "write the report to this file instead of standard output")
		fl.StringArrayVar(&f.names, "name", nil, "vet a package name before adding it (repeatable); no files are read")
		fl.StringVar(&f.reference, "reference", "", "typo-squat reference: a file of names with ranks, or N for the top N of the list in use (the one from 'pyward db update', else the embedded one)")
		fl.StringVar(&f.namesFile, "public-names", "", "file of every public project name (optionally gzip) for the offline dependency-confusion check")
		fl.StringVar(&f.cooldown, "cooldown", "7d", "report releases younger than this (e.g. 7d, 48h)")
		fl.StringVar(&f.indexURL, "index-url", "", "index to ask about project status, yanked and recent releases of packages whose lock records none (default: pip's index-url, else "+DefaultIndexURL+")")
		fl.StringVar(&f.publicURL, "public-index", DefaultIndexURL, "the public index, for the dependency-confusion check")
		fl.StringArrayVar(&f.trusted, "trusted-host", nil, "allow plain http:// for this index host")
		fl.StringVar(&f.venvDir, "venv", "", "audit the distributions installed in this virtual environment")
		fl.StringVar(&f.python, "python", "", "audit the distributions installed for this Python interpreter")
		fl.StringVar(&f.baseline, "baseline", "", "a previous report of pyward (--format json or sarif, or --write-baseline): report and fail only on findings new since then")
		fl.StringVar(&f.writeBase, "write-baseline", "", "record this run's findings in FILE (a JSON report) for a later --baseline")
		fl.BoolVar(&f.noHistory, "no-history", false, "skip the publisher changes in the git history of a lock that records publishers")
		fl.BoolVar(&f.noIndexCfg, "no-index-config", false, "skip the scan of this machine's pip.conf files and PIP_*/UV_* variables")
		fl.BoolVar(&f.fix.enabled, "fix", false, "rewrite the lock (requirements.txt or pylock.toml) to the smallest upgrades that clear its vulnerabilities; print a pull-request summary")
		fl.BoolVar(&f.fix.allowMajor, "allow-major", false, "--fix: allow upgrades across a major version")
		fl.BoolVar(&f.fix.dryRun, "dry-run", false, "--fix: compute and summarize the fix, write nothing")
		fl.StringVar(&f.fix.output, "fix-output", "", "--fix: write the fixed lock to this file instead of over the input")
		fl.StringVar(&f.fix.summary, "fix-summary", "", "--fix: write the Markdown summary to this file instead of standard output")
	})
	return cmd
}

func (a *app) runAudit(ctx context.Context, f auditFlags, args []string) error {
	failOn, err := audit.ParseSeverity(f.failOn)
	if err != nil {
		return usageErrorf("--fail-on: %v", err)
	}
	render, ok := auditFormats[f.format]
	if !ok {
		return usageErrorf("--format: unknown format %q (want %s)", f.format, strings.Join(auditFormatNames(), ", "))
	}
	if _, err := timespec.Age(f.cooldown); err != nil {
		return usageErrorf("--cooldown: %v", err)
	}
	ignores, err := parseIgnores(f.ignores)
	if err != nil {
		return usageError(err)
	}
	var known *baseline.Baseline
	if f.baseline != "" {
		if known, err = baseline.Read(f.baseline); err != nil {
			return usageErrorf("--baseline: %v", err)
		}
	}
	// Loading the popular-names reference and the advisory database takes
	// as long as reading a large lock: do them while the inputs are read.
	type refResult struct {
		ref *typosquat.Reference
		err error
	}
	refc := make(chan refResult, 1)
	go func() {
		ref, err := a.loadReference(f.reference, f.cacheDir)
		if err == nil {
			ref.Check("pyward") // builds the look-up index now, in parallel
		}
		refc <- refResult{ref, err}
	}()
	type dbResult struct {
		db    *osv.DB
		warns []string
		err   error
	}
	dbc := make(chan dbResult, 1)
	// Vetted names are checked against malicious-package reports, which
	// match every version.
	wantVulns := !f.noVulns
	if wantVulns {
		go func() {
			db, warns, err := a.openAdvisories(ctx, f)
			dbc <- dbResult{db, warns, err}
		}()
	}
	var invs []*inventory.Inventory
	var pyprojects []string
	if len(f.names) > 0 {
		if len(args) > 0 {
			return usageErrorf("--name vets names only; do not also give files")
		}
		inv := &inventory.Inventory{Source: "--name", Format: inventory.FormatRequirements}
		for _, n := range f.names {
			inv.Packages = append(inv.Packages, inventory.Package{Name: n, File: "--name"})
		}
		invs = append(invs, inv)
	} else if f.venvDir != "" || f.python != "" {
		inv, err := a.installedInventory(ctx, f)
		if err != nil {
			return usageError(err)
		}
		invs = append(invs, inv)
		if len(args) > 0 {
			more, pp, err := readInputs(args)
			if err != nil {
				return usageError(err)
			}
			invs, pyprojects = append(invs, more...), pp
		}
	} else {
		invs, pyprojects, err = readInputs(args)
		if err != nil {
			return usageError(err)
		}
	}
	rr := <-refc
	if rr.err != nil {
		return usageError(rr.err)
	}
	opts := audit.Options{Typosquat: rr.ref, Ignores: ignores}
	opts.Cooldown, _ = timespec.Age(f.cooldown)
	var warnings []string
	if wantVulns {
		dr := <-dbc
		switch {
		case len(f.names) > 0 && errors.Is(dr.err, errNoAdvisories):
			// Vetting a name works without the database, minus one check.
			warnings = append(warnings, "no advisory database: the names were not checked against malicious-package reports (run 'pyward db update' or pass --db DIR|ZIP)")
		case dr.err != nil:
			return dr.err
		default:
			opts.Vulns = dr.db
			warnings = append(warnings, dr.warns...)
		}
	}
	// A name being vetted is not a lock: pins and hashes do not apply.
	opts.SkipHygine = len(f.names) > 0
	if f.namesFile != "" {
		snap, err := readNamesSnapshot(f.namesFile)
		if err != nil {
			return usageError(err)
		}
		opts.Public = snap
	}
	if !f.offline && len(f.names) == 0 {
		if err := a.onlineLookups(f, invs, &opts); err != nil {
			return usageError(err)
		}
		// Index clients finish their cache writes before the command ends.
		defer func() {
			if l, ok := opts.Projects.(*audit.IndexLookups); ok {
				l.Close()
			}
			if l, ok := opts.Public.(*audit.LivePublicIndex); ok {
				l.Client.Close()
			}
		}()
	}
	if opts.Public == nil && len(f.names) == 0 {
		// Offline (or no live index): the snapshot from 'pyward db update'.
		snap, warns, err := a.cachedNamesSnapshot(f.cacheDir)
		if err != nil {
			return usageError(err)
		}
		if snap != nil {
			opts.Public = snap
			warnings = append(warnings, warns...)
		}
	}
	configFiles := pyprojects
	if len(configFiles) == 0 {
		if _, err := os.Stat("pyproject.toml"); err == nil {
			configFiles = []string{"pyproject.toml"} // the project's configuration, even when only its lock is audited
		}
	}
	ignores2, err := configIgnores(configFiles)
	if err != nil {
		return usageError(err)
	}
	opts.Ignores = append(opts.Ignores, ignores2...)
	var extra []audit.Finding
	if len(f.names) == 0 {
		found, errs := audit.ScanSourceConfig(os.ReadFile, invs, pyprojects)
		if !f.noIndexCfg {
			machine, machineErrs := audit.ScanMachineConfig(audit.DefaultConfigEnv(runtime.GOOS))
			found, errs = append(machine, found...), append(machineErrs, errs...)
		}
		extra = found
		for _, e := range errs {
			warnings = append(warnings, e.Error())
		}
	}
	if len(f.names) > 0 && !f.offline {
		// Vetting a name online: its public-index status and project facts.
		found, warns, err := a.vetNames(ctx, f, rr.ref)
		if err != nil {
			return usageError(err)
		}
		extra = append(extra, found...)
		warnings = append(warnings, warns...)
	}
	var verifier *provenance.Verifier
	lookups, online := opts.Projects.(*audit.IndexLookups)
	for _, inv := range invs {
		if inv.Format == inventory.FormatPylock || inv.Format == inventory.FormatRequirements {
			if !online && inv.Format == inventory.FormatRequirements && !mayRecordProvenance(inv.Source) {
				// Offline, a requirements lock without provenance notes has
				// no provenance findings: not worth a second parse.
				continue
			}
			if l, _, err := lock.ReadLock(inv.Source, inv.Format == inventory.FormatPylock); err == nil && l != nil {
				extra = append(extra, audit.ProvenanceFindings(l, inv.Source)...)
				if !f.noHistory {
					found, err := audit.PublisherHistory(ctx, inv.Source, inv.Format == inventory.FormatPylock, l, a.verboseLogf())
					if err != nil {
						warnings = append(warnings, fmt.Sprintf("publisher history of %s not read: %v", inv.Source, err))
					}
					extra = append(extra, found...)
				}
				// Online, the provenance the index serves for the locked
				// files is verified too (provenance/invalid).
				if !online {
					continue
				}
				if verifier == nil {
					rootDir, _ := a.cacheRoot(f.cacheDir)
					if verifier, _, err = provenanceVerifier(f.trustedRoot, rootDir); err != nil {
						return usageError(err)
					}
				}
				found, warns := audit.InvalidProvenanceFindings(ctx, l, inv, inv.Source, lookups, verifier)
				extra = append(extra, found...)
				warnings = append(warnings, warns...)
			}
		}
	}
	rep, err := audit.Run(ctx, invs, extra, opts)
	if err != nil {
		return usageError(err)
	}
	rep.Warnings = append(warnings, rep.Warnings...)
	var buf bytes.Buffer
	meta := report.Meta{ToolVersion: version(), FailOn: failOn}
	if wd, err := os.Getwd(); err == nil {
		meta.BaseDir = wd
	}
	if f.writeBase != "" {
		// Every current finding, known or new: the next run's baseline.
		if err := report.JSON(&buf, rep, meta); err != nil {
			return internalError(err)
		}
		if err := atomicfile.WriteFile(f.writeBase, buf.Bytes(), 0o644); err != nil {
			return internalError(fmt.Errorf("--write-baseline: %w", err))
		}
		buf.Reset()
	}
	// The fix works on every current finding: the baseline only decides
	// what is reported and fails the run.
	fixRep := rep
	if known != nil {
		all := *rep
		all.Findings = slices.Clone(rep.Findings)
		fixRep = &all
		baseline.Apply(rep, known)
	}
	switch {
	case f.output != "":
		if err := render(&buf, rep, invs, meta, false); err != nil {
			return internalError(err)
		}
		if err := atomicfile.WriteFile(f.output, buf.Bytes(), 0o644); err != nil {
			return internalError(err)
		}
	case !a.quiet: // with -q the exit status alone answers
		// Through a small buffer, not whole: a 1,000-package JSON report is
		// over a megabyte, and holding it cost more than writing it.
		bw := bufio.NewWriterSize(a.stdout, 64<<10)
		if err := render(bw, rep, invs, meta, isTerminal(a.stdout)); err != nil {
			return internalError(err)
		}
		if err := bw.Flush(); err != nil {
			return internalError(err)
		}
	}
	if f.fix.enabled {
		return a.runFix(ctx, f, invs, extra, opts, fixRep, failOn)
	}
	if rep.CountAtLeast(failOn) > 0 {
		a.exitCode = exitFindings
	}
	return nil
}

// mayRecordProvenance reports whether the requirements lock at path may
// hold provenance notes; an unreadable file says yes and is left to
// lock.ReadLock.
func mayRecordProvenance(path string) bool {
	data, err := os.ReadFile(path)
	return err != nil || lockfile.MayRecordProvenance(data)
}

// installedInventory reads --venv, or the environment of --python.
func (a *app) installedInventory(ctx context.Context, f auditFlags) (*inventory.Inventory, error) {
	if f.venvDir != "" {
		return inventory.ReadVenv(f.venvDir)
	}
	path, err := venv.Find(f.python)
	if err != nil {
		return nil, err
	}
	in, err := venv.Query(ctx, path, "")
	if err != nil {
		return nil, err
	}
	inv, err := inventory.ReadVenv(in.Info.Prefix)
	if err != nil {
		return nil, fmt.Errorf("--python %s: %w", path, err)
	}
	return inv, nil
}

// onlineLookups configures the checks that ask indexes: project status,
// yanked and recent releases (each package from the index its lock
// records), and (unless a names snapshot was given) the public-index
// dependency-confusion check.
func (a *app) onlineLookups(f auditFlags, invs []*inventory.Inventory, opts *audit.Options) error {
	factory, def, err := a.auditClients(f, invs)
	if err != nil {
		return err
	}
	opts.Projects = &audit.IndexLookups{NewClient: factory, DefaultIndex: def}
	if opts.Public == nil {
		c, err := factory(f.publicURL)
		if err != nil {
			return fmt.Errorf("--public-index: %w", err)
		}
		opts.Public = &audit.LivePublicIndex{Client: c}
	}
	return nil
}

// auditClients returns the index client factory of audit's online checks
// and the default index (--index-url, else pip's configuration).
func (a *app) auditClients(f auditFlags, invs []*inventory.Inventory) (audit.ClientFactory, string, error) {
	cacheDir, err := a.cacheRoot(f.cacheDir)
	if err != nil {
		return nil, "", err
	}
	locked, err := sources.FromInventories("the audited files", invs)
	if err != nil {
		return nil, "", err
	}
	srcs, err := sources.New(sources.Config{Flags: sources.Flags{TrustedHosts: f.trusted, CacheDir: cacheDir, Offline: f.offline},
		Env: machineEnv(), Lock: locked})
	if err != nil {
		return nil, "", err
	}
	copts := a.clientOptions()
	factory := func(loc string) (*index.Client, error) { return srcs.ClientFor(loc, copts) }
	def := f.indexURL
	if def == "" {
		def = srcs.Default()
	}
	return factory, def, nil
}

// vetNames asks the public index about the --name names (see
// audit.VetNames).
func (a *app) vetNames(ctx context.Context, f auditFlags, ref *typosquat.Reference) ([]audit.Finding, []string, error) {
	factory, _, err := a.auditClients(f, nil) // names have no lock to read index settings from
	if err != nil {
		return nil, nil, err
	}
	c, err := factory(f.publicURL)
	if err != nil {
		return nil, nil, fmt.Errorf("--public-index: %w", err)
	}
	defer c.Close()
	fs, warns := audit.VetNames(ctx, c, f.names, ref, time.Now())
	return fs, warns, nil
}

// configIgnores reads [tool.pyward.audit] ignore entries of the audited
// pyproject.toml files.
func configIgnores(pyprojects []string) ([]osv.Ignore, error) {
	var out []osv.Ignore
	for _, path := range pyprojects {
		proj, err := pyproject.ReadFile(path)
		if err != nil {
			return nil, err
		}
		for _, ig := range proj.Config.AuditIgnore {
			entry := osv.Ignore{ID: ig.ID, Reason: ig.Reason}
			if ig.Until != "" {
				t, err := time.Parse("2006-01-02", ig.Until)
				if err != nil {
					return nil, fmt.Errorf("%s: [tool.pyward.audit] ignore %s: until %q is not YYYY-MM-DD", path, ig.ID, ig.Until)
				}
				entry.Expires = t
			}
			if err := entry.Validate(); err != nil {
				return nil, fmt.Errorf("%s: [tool.pyward.audit] ignore: %w", path, err)
			}
			out = append(out, entry)
		}
	}
	return out, nil
}

// errNoAdvisories: neither --db nor a database from 'pyward db update'.
var errNoAdvisories = errors.New("no advisory database: run 'pyward db update', pass --db DIR|ZIP, or --no-vulns")

// openAdvisories loads --db, or the cached database.
func (a *app) openAdvisories(ctx context.Context, f auditFlags) (*osv.DB, []string, error) {
	dir, err := a.cacheRoot(f.cacheDir)
	if f.db != "" {
		return loadDBFlag(ctx, f.db, dir, err)
	}
	if err != nil {
		return nil, nil, usageError(err)
	}
	c := &osv.Cache{Dir: filepath.Join(dir, "osv"), Offline: f.offline}
	db, meta, err := c.Open(ctx)
	if errors.Is(err, osv.ErrNoDatabase) {
		return nil, nil, usageError(errNoAdvisories)
	}
	if err != nil {
		return nil, nil, internalError(err)
	}
	var warns []string
	if age := meta.Age(time.Now()); age > 7*24*time.Hour {
		warns = append(warns, fmt.Sprintf("advisory database is %s old: run 'pyward db update'", roundAge(age)))
	}
	return db, warns, nil
}

// loadDBFlag loads --db through the compiled-source cache under
// cacheRoot, so only the first process after a change parses it; without a
// cache directory (rootErr) it parses the source every time.
func loadDBFlag(ctx context.Context, src, cacheRoot string, rootErr error) (*osv.DB, []string, error) {
	var res *osv.SourceLoad
	if rootErr != nil {
		db, fileErrs, err := osv.Load(ctx, src)
		if err != nil {
			return nil, nil, usageErrorf("--db %s: %v", src, err)
		}
		res = &osv.SourceLoad{DB: db, FileErrors: fileErrs}
	} else {
		c := &osv.SourceCache{Dir: filepath.Join(cacheRoot, "osv", "sources")}
		var err error
		if res, err = c.Load(ctx, src); err != nil {
			return nil, nil, usageErrorf("--db %s: %v", src, err)
		}
	}
	var warns []string
	for _, e := range res.FileErrors {
		warns = append(warns, "advisory skipped: "+e.Error())
	}
	if res.CacheErr != nil {
		warns = append(warns, "--db "+src+" was not cached: "+res.CacheErr.Error())
	}
	return res.DB, warns, nil
}

func (a *app) cacheRoot(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return cachedir.Default(os.Getenv)
}

func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return d.Round(time.Hour).String()
}

// parseIgnores reads ID=REASON[@YYYY-MM-DD] entries.
func parseIgnores(raw []string) ([]osv.Ignore, error) {
	var out []osv.Ignore
	for _, r := range raw {
		id, rest, ok := strings.Cut(r, "=")
		if !ok || strings.TrimSpace(rest) == "" {
			return nil, fmt.Errorf("--ignore %q: a reason is required: --ignore ID=REASON[@YYYY-MM-DD]", r)
		}
		ig := osv.Ignore{ID: strings.TrimSpace(id), Reason: strings.TrimSpace(rest)}
		if i := strings.LastIndexByte(rest, '@'); i >= 0 {
			if t, err := time.Parse("2006-01-02", strings.TrimSpace(rest[i+1:])); err == nil {
				ig.Reason, ig.Expires = strings.TrimSpace(rest[:i]), t
			}
		}
		if err := ig.Validate(); err != nil {
			return nil, fmt.Errorf("--ignore %q: %w", r, err)
		}
		out = append(out, ig)
	}
	return out, nil
}

// loadReference chooses the typo-squat reference: the --reference FILE;
// otherwise the top-projects list of 'pyward db update' when it was
// downloaded, else the snapshot embedded in the binary. --reference N
// keeps the N best-ranked projects of that list.
func (a *app) loadReference(spec, cacheFlag string) (*typosquat.Reference, error) {
	top := 0
	if spec != "" {
		n, err := strconv.Atoi(spec)
		if err != nil {
			ref, err := typosquat.LoadReferenceFile(spec)
			if err != nil {
				return nil, fmt.Errorf("--reference: %w", err)
			}
			return ref, nil
		}
		if n <= 0 {
			return nil, fmt.Errorf("--reference %d: want a positive number of names", n)
		}
		top = n
	}
	ref, err := a.cachedTopList(cacheFlag)
	if err != nil {
		return nil, err
	}
	if ref == nil {
		ref = typosquat.Embedded()
	}
	return ref.Top(top), nil
}

func readNamesSnapshot(path string) (*audit.NamesSnapshot, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--public-names: %w", err)
	}
	defer fh.Close()
	s, err := audit.ReadNamesSnapshot(fh)
	if err != nil {
		return nil, fmt.Errorf("--public-names %s: %w", path, err)
	}
	return s, nil
}

// skipDirs are never searched for dependency files.
var skipDirs = map[string]bool{".git": true, ".hg": true, ".venv": true, "venv": true, "node_modules": true, "__pycache__": true, ".tox": true, ".nox": true, "site-packages": true}

// readInputs reads the named files, or the dependency files found in the
// named directories (default "."). It returns the inventories and the
// pyproject.toml files (for their index configuration).
func readInputs(args []string) ([]*inventory.Inventory, []string, error) {
	if len(args) == 0 {
		args = []string{"."}
	}
	var files []string
	for _, arg := range args {
		fi, err := os.Stat(arg)
		if err != nil {
			return nil, nil, err
		}
		if !fi.IsDir() {
			files = append(files, arg)
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != arg && (skipDirs[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if isDependencyFile(d.Name()) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("no dependency files found in %s", strings.Join(args, ", "))
	}
	var invs []*inventory.Inventory
	var pyprojects []string
	var errs []error
	for _, path := range files {
		format, err := inventory.Detect(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if format == inventory.FormatPyproject {
			pyprojects = append(pyprojects, path)
		}
		inv, err := inventory.Read(context.Background(), path, format)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		invs = append(invs, inv)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return invs, pyprojects, nil
}

// isDependencyFile reports whether a directory scan should read name.
func isDependencyFile(name string) bool {
	lower := strings.ToLower(name)
	switch lower {
	case "pylock.toml", "uv.lock", "poetry.lock", "pdm.lock", "pipfile.lock", "pyproject.toml":
		return true
	}
	if strings.HasPrefix(lower, "pylock.") && strings.HasSuffix(lower, ".toml") {
		return true
	}
	return strings.HasPrefix(lower, "requirements") && (strings.HasSuffix(lower, ".txt") || strings.HasSuffix(lower, ".in"))
}

// auditRenderer writes a report; invs are the audited sources (the SBOM
// lists their packages).
type auditRenderer func(w io.Writer, rep *audit.Report, invs []*inventory.Inventory, meta report.Meta, colour bool) error

// auditFormats maps --format values to renderers.
var auditFormats = map[string]auditRenderer{
	"table": func(w io.Writer, rep *audit.Report, _ []*inventory.Inventory, meta report.Meta, colour bool) error {
		return report.Table(w, rep, meta, colour)
	},
	"json": func(w io.Writer, rep *audit.Report, _ []*inventory.Inventory, meta report.Meta, _ bool) error {
		return report.JSON(w, rep, meta)
	},
	"markdown": func(w io.Writer, rep *audit.Report, _ []*inventory.Inventory, meta report.Meta, _ bool) error {
		return report.Markdown(w, rep, meta)
	},
	"sarif": func(w io.Writer, rep *audit.Report, _ []*inventory.Inventory, meta report.Meta, _ bool) error {
		return report.SARIF(w, rep, meta)
	},
	"cyclonedx": func(w io.Writer, rep *audit.Report, invs []*inventory.Inventory, meta report.Meta, _ bool) error {
		return report.CycloneDX(w, rep, invs, meta)
	},
	"html": func(w io.Writer, rep *audit.Report, invs []*inventory.Inventory, meta report.Meta, _ bool) error {
		return report.HTML(w, rep, auditGraph(invs), meta)
	},
}

// auditGraph is the dependency graph of the audited files for the HTML
// page: pylock.toml and requirements locks with the dependencies they
// record; the pinned packages of other sources (uv.lock, an environment)
// as releases without edges, which is also the fallback for a requirements
// file that is not a self-contained lock (it was read, so it is valid).
func auditGraph(invs []*inventory.Inventory) *report.Graph {
	var locks []*lockfile.Lock
	for _, inv := range invs {
		var l *lockfile.Lock
		if inv.Format == inventory.FormatPylock || inv.Format == inventory.FormatRequirements {
			l, _, _ = lock.ReadLock(inv.Source, inv.Format == inventory.FormatPylock)
		}
		if l == nil {
			l = &lockfile.Lock{}
			for _, p := range inv.Packages {
				if p.Version != "" {
					l.Packages = append(l.Packages, lockfile.Package{Name: p.Name, Version: p.Version})
				}
			}
		}
		locks = append(locks, l)
	}
	return report.LockGraph(locks...)
}

func auditFormatNames() []string {
	names := make([]string, 0, len(auditFormats))
	for n := range auditFormats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
