package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/build"
	"github.com/pyward/pyward/internal/fix"
	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/redact"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/sources"
	"github.com/pyward/pyward/internal/timespec"
	"github.com/pyward/pyward/internal/typosquat"
	"github.com/pyward/pyward/internal/venv"
	"github.com/pyward/pyward/internal/vet"
)

// DefaultIndexURL is the public Python Package Index.
const DefaultIndexURL = sources.DefaultIndexURL

type lockFlags struct {
	output          string
	format          string
	indexURL        string
	extraIndexURLs  []string
	indexes         []string
	indexFor        []string
	findLinks       []string
	noIndex         bool
	trustedHosts    []string
	indexStrategy   string
	pythonVersion   string
	platform        string
	python          string
	pre             bool
	upgrade         bool
	upgradePackages []string
	excludeNewer    string
	extras          []string
	allExtras       bool
	groups          []string
	constraints     []string
	cacheDir        string
	noCache         bool
	offline         bool
	vet             bool
	noHeader        bool
	strictPython    bool
	allowBuild      bool
	check           bool
	universal       bool
	noUniversal     bool
	environments    []string
	requiredEnvs    []string

	requireProvenance    []string
	allowPublisherChange []string
	trustedRoot          string
	noProvenance         bool
}

func (a *app) lockCommand() *cobra.Command {
	var f lockFlags
	cmd := &cobra.Command{
		Use:   "lock [REQUIREMENTS...]",
		Short: "Resolve requirements into a hashed lock file",
		Long: `Resolve requirements (requirements.in/.txt files, pyproject.toml, or
requirement strings) into a lock that pins every package of the full
dependency graph and lists the sha256 of every file of each pinned version.

Index safety: by default packages come from one index. With several
(--index NAME=URL, in order), each package is taken from the FIRST index
that has it, and every locked name also found on a later index is listed;
--index-for PATTERN=NAME takes matching names only from index NAME (they are
never asked of another index). --extra-index-url (and pip's configuration:
pip.conf, PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS, ...) is read as
pip reads it, but where pip merges the indexes, a name found with different
files on two of them is an error naming both fixes: route it with
--index-for, or accept pip's merge with --index-strategy unsafe-best-match.
The lock records each package's index; sync, audit and --fix use it.

Re-locking keeps the versions already in the output file unless --upgrade or
--upgrade-package. When nothing changed since the last re-lock (same inputs
and options, the same lock file, every index response it used still fresh
in the cache and byte-identical), pyward says the lock is up to date without
resolving again; --no-cache always resolves. Output format follows the file
name (pylock.toml or pylock.NAME.toml → PEP 751, any other .toml name is
refused, anything else → requirements.txt) or --format.

--check writes nothing and resolves nothing: it compares the lock with the
inputs and options given (the same as for locking) and exits 1, naming each
difference (a requirement added, removed or no longer satisfied by its
pin, a constraint, requires-python, the sources, the options recorded in
the lock's header), or 0 when the lock is fresh.`,
		Example: `  pyward lock requirements.in -o requirements.txt
  pyward lock pyproject.toml --extra dev -o pylock.toml
  pyward lock 'requests>=2' flask --python-version 3.12 --platform manylinux_x86_64
  pyward lock requirements.in --index corp=https://pypi.corp.example/simple/ --index pypi=https://pypi.org/simple/ --index-for 'corp-*=corp'
  pyward lock requirements.in --exclude-newer 7d --upgrade-package requests
  pyward lock requirements.in -o requirements.txt --check   # in CI or pre-commit: is the lock fresh?`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runLock(cmd.Context(), f, args)
		},
	}
	a.deferFlags(cmd, func() {
		fl := cmd.Flags()
		fl.StringVarP(&f.output, "output-file", "o", "", "write the lock here (default: requirements.txt beside a requirements.in, else standard output)")
		fl.StringVar(&f.format, "format", "", "requirements or pylock (default: from the output file name)")
		fl.StringVarP(&f.indexURL, "index-url", "i", "", "the package index (default "+DefaultIndexURL+")")
		fl.StringArrayVar(&f.extraIndexURLs, "extra-index-url", nil, "another index, as in pip; a name with different files on two indexes is an error (see --index-strategy); prefer --index")
		fl.StringArrayVar(&f.indexes, "index", nil, "NAME=URL: an index, consulted in the order given; first index that has a package wins")
		fl.StringArrayVar(&f.indexFor, "index-for", nil, "PATTERN=NAME: take packages matching the glob only from index NAME")
		fl.StringArrayVarP(&f.findLinks, "find-links", "f", nil, "a directory or HTML page of distribution files")
		fl.BoolVar(&f.noIndex, "no-index", false, "use only --find-links locations")
		fl.StringArrayVar(&f.trustedHosts, "trusted-host", nil, "allow plain http:// for this host (never do this on a network you do not control)")
		fl.StringVar(&f.indexStrategy, "index-strategy", "", "first-index (the first index that has a name supplies it), refuse-conflicts (the default with --extra-index-url: a name with different files on two indexes is an error) or unsafe-best-match (pip's merge: dependency confusion)")
		fl.StringVar(&f.pythonVersion, "python-version", "", "target Python version (default: the located python3, else 3.12)")
		fl.StringVar(&f.platform, "platform", "", "target platform: "+strings.Join(pep425.Targets(), ", ")+" (default: the located python3's)")
		fl.StringVar(&f.python, "python", "", "interpreter whose version and platform to target")
		fl.BoolVar(&f.universal, "universal", false, "lock for every platform and Python of requires-python (the default unless --python-version, --platform or --python names one target)")
		fl.BoolVar(&f.noUniversal, "no-universal", false, "lock for one target environment only (the located python3's, or --python-version and --platform)")
		fl.StringArrayVar(&f.environments, "environment", nil, "MARKER: lock only for environments matching this PEP 508 marker (repeatable; the union is locked)")
		fl.StringArrayVar(&f.requiredEnvs, "required-environment", nil, "MARKER: every locked package must have a usable wheel (or allowed sdist) on environments matching this marker (repeatable)")
		fl.BoolVar(&f.pre, "pre", false, "allow pre-releases of every package")
		fl.BoolVarP(&f.upgrade, "upgrade", "U", false, "ignore versions in the existing output file")
		fl.StringArrayVarP(&f.upgradePackages, "upgrade-package", "P", nil, "upgrade NAME (or pin NAME==VERSION) and keep the rest")
		fl.StringVar(&f.excludeNewer, "exclude-newer", "", "ignore files uploaded after this time: RFC 3339 date/time or a duration ago (7d, 48h)")
		fl.StringArrayVar(&f.extras, "extra", nil, "pyproject.toml: include this optional-dependency group")
		fl.BoolVar(&f.allExtras, "all-extras", false, "pyproject.toml: include every optional-dependency group")
		fl.StringArrayVar(&f.groups, "group", nil, "pyproject.toml: include this dependency group (PEP 735)")
		fl.StringArrayVarP(&f.constraints, "constraint", "c", nil, "constraints file")
		fl.StringVar(&f.cacheDir, "cache-dir", "", "cache directory")
		fl.BoolVar(&f.noCache, "no-cache", false, "do not read or write the cache")
		fl.BoolVar(&f.offline, "offline", false, "never touch the network; use only cached data")
		fl.BoolVar(&f.vet, "vet", false, "ask the index about new requirements that look like a popular project (age, releases, copied metadata, provenance) before resolving")
		// Accepted for pip-compile and uv users; pyward already does what
		// they ask (or, for --no-header, honours it).
		fl.BoolVar(&f.noHeader, "no-header", false, "write the lock without its comment header")
		fl.Bool("generate-hashes", true, "accepted for pip-compile compatibility: hashes are always generated")
		fl.Bool("strip-extras", true, "accepted for pip-compile compatibility: extras are never written into the lock")
		fl.Bool("allow-unsafe", true, "accepted for pip-compile compatibility: pip, setuptools and wheel are locked like any package")
		fl.BoolVar(&f.strictPython, "strict-requires-python", false, "also enforce upper bounds of Requires-Python")
		fl.BoolVar(&f.check, "check", false, "write nothing: exit 1, naming what changed, when the lock (-o) is out of date with the inputs and options given; exit 0 when it is fresh")
		fl.StringArrayVar(&f.requireProvenance, "require-provenance", nil, "GLOB: refuse a package whose name matches without verified PEP 740 provenance (also [tool.pyward] require-provenance)")
		fl.StringArrayVar(&f.allowPublisherChange, "allow-publisher-change", nil, "NAME: accept that NAME's publisher changed, or its provenance vanished, since the lock being replaced; the lock records the decision")
		fl.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore trusted_root.json to verify provenance against (default: the public-good root built in, or the one pyward db update fetched)")
		fl.BoolVar(&f.noProvenance, "no-provenance", false, "neither fetch nor verify PEP 740 provenance (no publisher identities are recorded)")
		fl.BoolVar(&f.allowBuild, "allow-build", false, "run the PEP 517 build backend (package code, in an isolated venv) for sdists whose dependencies are not static")
	})
	return cmd
}

// sourceFlags are the command's source options for sources.New.
func (f lockFlags) sourceFlags(cacheDir string) sources.Flags {
	return sources.Flags{
		IndexURL: f.indexURL, ExtraIndexURLs: f.extraIndexURLs, Indexes: f.indexes, IndexFor: f.indexFor,
		FindLinks: f.findLinks, NoIndex: f.noIndex, TrustedHosts: f.trustedHosts, IndexStrategy: f.indexStrategy,
		CacheDir: cacheDir, Offline: f.offline,
	}
}

// machineEnv is where pip's configuration is read.
func machineEnv() *sources.Env {
	env := sources.MachineEnv(runtime.GOOS)
	return &env
}

func (a *app) runLock(ctx context.Context, f lockFlags, args []string) error {
	if len(args) == 0 {
		return usageErrorf("lock: name requirement files or requirements (e.g. pyward lock requirements.in)")
	}
	in, err := lock.ReadInputs(ctx, args, lock.InputOptions{Extras: f.extras, Groups: f.groups, AllExtras: f.allExtras, ConstraintFiles: f.constraints})
	if err != nil {
		return usageError(err)
	}
	output := f.output
	if output == "" {
		output = in.DefaultOutput
	}
	format, err := lockFormat(f.format, output)
	if err != nil {
		return usageError(err)
	}
	if err := checkOutput(output); err != nil {
		return usageError(err)
	}
	var cutoff time.Time
	if f.excludeNewer != "" {
		if cutoff, err = timespec.Cutoff(f.excludeNewer, time.Now()); err != nil {
			return usageErrorf("--exclude-newer: %v", err)
		}
	}
	cacheDir := ""
	if !f.noCache {
		if cacheDir, err = a.cacheRoot(f.cacheDir); err != nil {
			return usageError(err)
		}
	}
	tq := startLockTarget(ctx, f, cacheDir)
	defer tq.wait() // an early return leaves no interpreter running
	srcs, err := sources.New(sources.Config{Flags: f.sourceFlags(cacheDir), Files: in.Sources, Env: machineEnv()})
	if err != nil {
		return usageError(err)
	}
	for _, w := range srcs.Warnings() {
		fmt.Fprintf(a.stderr, "pyward: warning: %s\n", w)
	}
	if f.check {
		target, universe, err := tq.universe(f, in.RequiresPython)
		if err != nil {
			return usageError(err)
		}
		if universe != nil {
			target.Environment = nil // every environment: no requirement is skipped by marker
		}
		return a.checkLock(in, args, f, output, format, srcs.URLs(), target)
	}
	progress := newProgress(a.stderr, a.quiet || !isTerminal(a.stderr))
	defer progress.Finish()
	copts := a.clientOptions()
	if copts.Logf != nil {
		// Log lines go above the status line.
		copts.Logf = func(format string, args ...any) { progress.Log(fmt.Sprintf(format, args...)) }
	}
	client, err := srcs.Client(copts)
	if err != nil {
		return usageError(err)
	}
	defer client.Close()
	if tq.slow {
		w := resolve.StartWarmup(ctx, resolve.NewIndexProvider(client), lock.Reqs(in.Requirements))
		defer w.Close()
		tq.wait()
		w.Halt()
	}
	target, universe, err := tq.universe(f, in.RequiresPython)
	if err != nil {
		return usageError(err)
	}
	// The lock being replaced, parsed once for its pins, markers and
	// publishers (or read from the record of its exact bytes).
	buildID := buildIdentity()
	parsed := lock.ExistingCache{Build: buildID}
	if cacheDir != "" && output != "-" {
		parsed.Dir = cacheDir
	}
	prev, err := parsed.Read(output, format == "pylock")
	if err != nil {
		return usageError(err)
	}
	prefs, existing := prev.Pins, prev.Digest
	if err := a.warnLookalikes(ctx, f, in.Requirements, prefs, client); err != nil {
		return usageError(err)
	}
	var upgradeNames []string
	constraints := in.Constraints
	for _, up := range f.upgradePackages {
		r, err := pep508.ParseRequirement(up)
		if err != nil {
			return usageErrorf("--upgrade-package %q: %v", up, err)
		}
		upgradeNames = append(upgradeNames, pep503.Normalize(r.Name))
		if !r.Specifier.IsEmpty() {
			constraints = append(constraints, r)
		}
	}
	if universe != nil {
		if universe.Preferences, err = prev.MarkerPins(); err != nil {
			return usageError(err)
		}
	}
	var inner resolve.Provider = resolve.NewIndexProvider(client)
	if f.allowBuild {
		inner = &build.Provider{Inner: inner, Builder: build.New(client, build.Options{Python: f.python, CacheDir: cacheDir, Logf: copts.Logf})}
	} else {
		inner = lock.RefuseBuilds(inner)
	}
	provider := progress.wrap(inner)
	requiresPython := in.RequiresPython
	if universe != nil && requiresPython == "" && !universe.RequiresPython.IsEmpty() {
		// A universal lock holds for the Python range it was resolved for
		// (without pyproject.toml, the target's version and later);
		// recording it makes sync refuse an older interpreter rather than
		// install a set the lock never checked there.
		requiresPython = universe.RequiresPython.String()
	}
	opts := lock.Options{
		Requirements: in.Requirements, Constraints: constraints, Provider: provider, Downloader: client, SourceURLs: srcs.URLs(),
		Target: target, Prereleases: f.pre || in.Pre, StrictRequiresPython: f.strictPython,
		Preferences: prefs, Upgrade: f.upgrade, UpgradePackages: upgradeNames, ExcludeNewer: cutoff,
		RequiresPython: requiresPython, Command: lockCommandLine(args, f, output), Universal: universe,
	}
	provKey := "provenance=off"
	if !f.noProvenance {
		pv, key, err := lockProvenance(f, in, prev.Lock, cacheDir)
		if err != nil {
			return usageError(err)
		}
		pv.Fetcher = client
		opts.Provenance, provKey = pv, key
	}
	// Nothing changed since a previous run with the same inputs: the lock
	// on disk is what resolving again would write (see lock.Memo).
	memoPath := ""
	if cacheDir != "" && output != "" && output != "-" && !f.allowBuild {
		memoPath = lock.MemoPath(cacheDir, lock.MemoKey(opts, "output="+output, "format="+format,
			"sources="+srcs.Key(), provKey,
			fmt.Sprintf("offline=%v", f.offline), "build="+buildID))
		if m, err := lock.ReadMemo(memoPath); err == nil && m != nil &&
			existing == m.Output && client.Unchanged(m.Responses) {
			progress.Finish()
			for _, w := range m.Warnings {
				fmt.Fprintf(a.stderr, "pyward: warning: %s\n", w)
			}
			if !a.quiet {
				fmt.Fprintf(a.stderr, "Lock is up to date: %d packages in %s (nothing changed)\n", m.Packages, output)
			}
			return nil
		}
	}
	res, err := lock.Lock(ctx, opts)
	progress.Finish()
	var locked *lockfile.Lock
	if err == nil {
		locked = res.Lock
	}
	notes, cerr := srcs.Review(client.Overlaps(), locked)
	if cerr != nil {
		// A name on several indexes explains a failed resolution too.
		return usageError(cerr)
	}
	if err != nil {
		var nse *resolve.NoSolutionError
		if errors.As(err, &nse) {
			fmt.Fprintf(a.stderr, "%s\n", nse.Explanation())
			return usageErrorf("lock: no solution: the requirements cannot be satisfied together (explanation above)")
		}
		return err
	}
	res.Warnings = append(res.Warnings, srcs.Record(res.Lock, format == "requirements")...)
	res.Warnings = append(res.Warnings, notes...)
	for _, w := range res.Warnings {
		fmt.Fprintf(a.stderr, "pyward: warning: %s\n", w)
	}
	var data []byte
	if format == "pylock" {
		data, err = lockfile.MarshalPylock(res.Lock)
	} else {
		data, err = lockfile.MarshalRequirements(res.Lock)
	}
	if err != nil {
		return internalError(err)
	}
	if f.noHeader {
		data = stripHeader(data)
	}
	if output == "" || output == "-" {
		_, err = a.stdout.Write(data)
		return err
	}
	// A re-lock that changes nothing leaves the file as it is, as an
	// up-to-date memo does: no rewrite, no sync (milliseconds on the path
	// of every re-lock). existing is the digest of the file as read above.
	digest := lock.DataSHA256(data)
	if digest != existing {
		if err := atomicfile.WriteFile(output, data, 0o644); err != nil {
			return internalError(fmt.Errorf("write %s: %w", output, err))
		}
		if format == "pylock" {
			parsed.Remember(output, data) // the bytes read above were recorded then
		}
	}
	if memoPath != "" {
		if refs, ok := client.Consulted(); ok {
			m := &lock.Memo{Output: digest, Packages: len(res.Lock.Packages), Warnings: res.Warnings, Responses: refs}
			if err := lock.WriteMemo(memoPath, m); err != nil && a.verbose {
				progress.Log(fmt.Sprintf("lock memo: %v", err))
			}
		}
	}
	if !a.quiet {
		forks := ""
		if universe != nil {
			forks = " for every environment (1 fork)"
			if n := len(res.Resolution.Forks); n != 1 {
				forks = fmt.Sprintf(" for every environment (%d forks)", n)
			}
		}
		fmt.Fprintf(a.stderr, "Locked %d packages into %s%s\n", len(res.Lock.Packages), output, forks)
	}
	return nil
}

// pylockName is the file name PEP 751 requires of a lock:
// pylock.toml or pylock.<name>.toml, where the name has no dot.
var pylockName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^pylock(\.[^.]+)?\.toml$`) })

// lockFormat chooses the output format from --format and the output file
// name, and refuses a name that says otherwise: a PEP 751 lock must be
// named pylock[.NAME].toml, and a .toml file must not hold requirements
// text (pip and uv would read it as TOML, or not at all).
func lockFormat(flag, output string) (string, error) {
	toStdout := output == "" || output == "-"
	base := strings.ToLower(filepath.Base(output))
	isPylock := !toStdout && pylockName().MatchString(base)
	isTOML := !toStdout && strings.HasSuffix(base, ".toml")
	switch flag {
	case "pylock":
		if !toStdout && !isPylock {
			return "", fmt.Errorf("-o %s: a PEP 751 lock must be named pylock.toml or pylock.NAME.toml", output)
		}
		return flag, nil
	case "requirements":
		if isTOML {
			return "", fmt.Errorf("-o %s: requirements text does not belong in a .toml file; name it requirements.txt (or drop --format requirements and name it pylock.toml for a PEP 751 lock)", output)
		}
		return flag, nil
	case "":
		switch {
		case isPylock:
			return "pylock", nil
		case isTOML:
			return "", fmt.Errorf("-o %s: a PEP 751 lock must be named pylock.toml or pylock.NAME.toml, and requirements text belongs in a .txt file", output)
		}
		return "requirements", nil
	}
	return "", fmt.Errorf("--format: unknown format %q (want requirements or pylock)", flag)
}

// stripHeader removes the comment lines a lock starts with (--no-header,
// as pip-compile's).
func stripHeader(data []byte) []byte {
	for len(data) > 0 && data[0] == '#' {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil
		}
		data = data[i+1:]
	}
	return data
}

// checkOutput refuses, before any resolving, an output path that cannot be
// written: its directory must exist, and it must not be a directory.
func checkOutput(output string) error {
	if output == "" || output == "-" {
		return nil
	}
	if fi, err := os.Stat(output); err == nil && fi.IsDir() {
		return fmt.Errorf("-o %s: is a directory", output)
	}
	dir := filepath.Dir(output)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("-o %s: directory %s does not exist", output, dir)
	case err != nil:
		return fmt.Errorf("-o %s: %w", output, err)
	case !fi.IsDir():
		return fmt.Errorf("-o %s: %s is not a directory", output, dir)
	}
	return nil
}

// lockTarget chooses the interpreter and platform to resolve for.
func lockTarget(ctx context.Context, f lockFlags, cacheDir string) (lock.Target, error) {
	if f.pythonVersion == "" && f.platform == "" {
		path, err := venv.Find(f.python)
		if err == nil {
			in, qerr := venv.Query(ctx, path, cacheDir)
			if qerr == nil {
				v, perr := pep440.Parse(in.VersionString())
				if perr == nil {
					return lock.Target{Python: v, Environment: in.Environment(), Tags: in.Tags()}, nil
				}
				err = perr
			} else {
				err = qerr
			}
		}
		if f.python != "" {
			return lock.Target{}, err
		}
		// No usable python3: CPython 3.12 on manylinux x86_64.
	}
	pyver := f.pythonVersion
	if pyver == "" {
		pyver = "3.12"
	}
	platform := f.platform
	if platform == "" {
		platform = "manylinux_x86_64"
	}
	v, err := pep440.Parse(pyver)
	if err != nil || len(v.Release()) < 2 || len(v.Release()) > 3 {
		return lock.Target{}, fmt.Errorf("--python-version %q: want X.Y or X.Y.Z", pyver)
	}
	rel := v.Release()
	interp, err := pep425.Target(platform, [2]int{rel[0], rel[1]})
	if err != nil {
		return lock.Target{}, fmt.Errorf("--platform: %w", err)
	}
	env, err := pep508.TargetEnvironment(pyver, markerPlatform(platform))
	if err != nil {
		return lock.Target{}, fmt.Errorf("--platform: %w", err)
	}
	return lock.Target{Python: v, Environment: env, Tags: interp.Tags()}, nil
}

// targetQuery is lockTarget running in the background.
type targetQuery struct {
	// slow is set when the target comes from running the interpreter
	// (its answer is not in the cache). That can take longer than the
	// first levels of a cold lock's crawl, e.g. through a pyenv shim that
	// runs a dozen shell scripts, so the lock starts crawling meanwhile.
	slow   bool
	done   chan struct{}
	target lock.Target
	err    error
}

// startLockTarget starts lockTarget.
func startLockTarget(ctx context.Context, f lockFlags, cacheDir string) *targetQuery {
	tq := &targetQuery{done: make(chan struct{})}
	if f.pythonVersion == "" && f.platform == "" {
		if path, err := venv.Find(f.python); err == nil && !venv.Cached(path, cacheDir) {
			tq.slow = true
		}
	}
	go func() {
		defer close(tq.done)
		tq.target, tq.err = lockTarget(ctx, f, cacheDir)
	}()
	return tq
}

// wait waits for the target.
func (tq *targetQuery) wait() { <-tq.done }

// universe waits for the target and returns it with lockUniverse's
// answer.
func (tq *targetQuery) universe(f lockFlags, requiresPython string) (lock.Target, *resolve.Universe, error) {
	tq.wait()
	if tq.err != nil {
		return lock.Target{}, nil, tq.err
	}
	u, err := lockUniverse(f, requiresPython, tq.target)
	return tq.target, u, err
}

// lockUniverse returns the environments a universal lock covers, or nil
// for a single-environment lock: --no-universal, or a target named with
// --python-version, --platform or --python (unless --universal). The
// Python range is the project's requires-python, else the target's minor
// version and later.
func lockUniverse(f lockFlags, requiresPython string, target lock.Target) (*resolve.Universe, error) {
	explicit := f.pythonVersion != "" || f.platform != "" || f.python != ""
	single := f.noUniversal || (explicit && !f.universal)
	if f.universal && f.noUniversal {
		return nil, fmt.Errorf("--universal and --no-universal contradict each other")
	}
	if single {
		if len(f.environments) > 0 || len(f.requiredEnvs) > 0 {
			return nil, fmt.Errorf("--environment and --required-environment need a universal lock (drop --no-universal, or add --universal)")
		}
		return nil, nil
	}
	u := &resolve.Universe{}
	rp := requiresPython
	if rp == "" && !target.Python.IsZero() {
		rel := target.Python.Release()
		rp = fmt.Sprintf(">=%d.%d", rel[0], rel[1])
	}
	if rp != "" {
		spec, err := pep440.ParseSpecifierSet(rp)
		if err != nil {
			return nil, fmt.Errorf("requires-python %q: %w", rp, err)
		}
		u.RequiresPython = spec
	}
	for _, group := range []struct {
		flag string
		in   []string
		out  *[]*pep508.Marker
	}{{"--environment", f.environments, &u.Environments}, {"--required-environment", f.requiredEnvs, &u.Required}} {
		for _, text := range group.in {
			m, err := pep508.ParseMarker(text)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", group.flag, text, err)
			}
			*group.out = append(*group.out, m)
		}
	}
	return u, nil
}

// markerPlatform maps a wheel-tag target name to pep508.TargetEnvironment's
// platform names.
func markerPlatform(target string) string {
	t := strings.ToLower(target)
	switch {
	case strings.HasPrefix(t, "mac"):
		if strings.Contains(t, "x86_64") {
			return "macos-x86_64"
		}
		return "macos"
	case strings.HasPrefix(t, "win"):
		return "windows"
	case strings.Contains(t, "aarch64"):
		return "linux-aarch64"
	}
	return "linux"
}

// lockCommandLine renders the command for the lock header, without
// credentials and machine-specific paths of caches.
func lockCommandLine(args []string, f lockFlags, output string) string {
	parts := []string{"pyward", "lock"}
	parts = append(parts, args...)
	if output != "" {
		parts = append(parts, "-o", output)
	}
	if f.noIndex {
		parts = append(parts, "--no-index")
	}
	if f.indexURL != "" {
		parts = append(parts, "--index-url", redact.URLs(f.indexURL))
	}
	for _, fl := range f.findLinks {
		parts = append(parts, "--find-links", redact.URLs(fl))
	}
	for _, s := range f.indexes {
		parts = append(parts, "--index", redact.URLs(s))
	}
	for _, u := range f.extraIndexURLs {
		parts = append(parts, "--extra-index-url", redact.URLs(u))
	}
	for _, s := range f.indexFor {
		parts = append(parts, "--index-for", s)
	}
	if f.indexStrategy != "" {
		parts = append(parts, "--index-strategy", f.indexStrategy)
	}
	if f.pythonVersion != "" {
		parts = append(parts, "--python-version", f.pythonVersion)
	}
	if f.platform != "" {
		parts = append(parts, "--platform", f.platform)
	}
	if f.universal {
		parts = append(parts, "--universal")
	}
	if f.noUniversal || f.python != "" && !f.universal {
		// --python is not recorded (a path on this machine); say that the
		// lock is for one environment.
		parts = append(parts, "--no-universal")
	}
	for _, e := range f.environments {
		parts = append(parts, "--environment", strconv.Quote(e))
	}
	for _, e := range f.requiredEnvs {
		parts = append(parts, "--required-environment", strconv.Quote(e))
	}
	if f.pre {
		parts = append(parts, "--pre")
	}
	for _, e := range f.extras {
		parts = append(parts, "--extra", e)
	}
	for _, g := range f.groups {
		parts = append(parts, "--group", g)
	}
	if f.allExtras {
		parts = append(parts, "--all-extras")
	}
	if f.excludeNewer != "" {
		parts = append(parts, "--exclude-newer", strconv.Quote(f.excludeNewer))
	}
	return strings.Join(parts, " ")
}

// checkLock is lock --check: it compares the lock at output with the
// inputs and options of this run (lock.Check, plus the command line the
// lock's header records) and exits 1 naming every difference.
func (a *app) checkLock(in *lock.Inputs, args []string, f lockFlags, output, format string, urls map[string]string, target lock.Target) error {
	if output == "" || output == "-" {
		return usageErrorf("lock --check: name the lock to check with -o FILE")
	}
	l, _, err := lock.ReadLock(output, format == "pylock")
	if err != nil {
		return usageError(err)
	}
	if l == nil {
		fmt.Fprintf(a.stderr, "pyward: %s is out of date: it does not exist (run the same command without --check)\n", output)
		a.exitCode = exitFindings
		return nil
	}
	data, err := os.ReadFile(output)
	if err != nil {
		return usageError(err)
	}
	header := fix.ReadHeader(data)
	if l.RequiresPython == "" {
		l.RequiresPython = header.RequiresPython // a requirements lock's "# Requires-Python:"
	}
	stale := lock.Check(l, in, urls, target.Environment)
	recorded := header.Command
	if now := lockCommandLine(args, f, output); strings.HasPrefix(recorded, "pyward lock ") && recorded != now {
		stale = append(stale, lock.Staleness{Kind: "options changed",
			Detail: fmt.Sprintf("the lock was made by '%s', this run is '%s'", recorded, now)})
	}
	if len(stale) == 0 {
		if !a.quiet {
			fmt.Fprintf(a.stderr, "Lock is fresh: %s matches its inputs (%d packages)\n", output, len(l.Packages))
		}
		return nil
	}
	fmt.Fprintf(a.stderr, "pyward: %s is out of date with its inputs:\n", output)
	for _, s := range stale {
		fmt.Fprintf(a.stderr, "  - %s\n", s)
	}
	fmt.Fprintf(a.stderr, "Run the same command without --check to update it.\n")
	a.exitCode = exitFindings
	return nil
}

// warnLookalikes warns, before resolving, about each top-level requirement
// that is new to the lock (absent from the previous one) and whose name
// looks like a popular project's; with --vet it also asks the index about
// the project and prints the combined verdict (internal/vet).
func (a *app) warnLookalikes(ctx context.Context, f lockFlags, reqs []lock.Requirement, previous map[string]pep440.Version, ix vet.Index) error {
	var ref *typosquat.Reference
	var names []string
	seen := map[string]bool{}
	for _, r := range reqs {
		n := r.Req.NormalizedName()
		if _, old := previous[n]; old || seen[n] {
			continue
		}
		seen[n] = true
		if ref == nil {
			var err error
			if ref, err = a.loadReference("", f.cacheDir); err != nil {
				return err
			}
		}
		fs := ref.Check(n)
		if len(fs) == 0 {
			continue
		}
		fmt.Fprintf(a.stderr, "pyward: warning: %s: new requirement %s [%s]; if it is not a mistake, vet it with 'pyward audit --name %s'\n",
			r.Origin, fs[0].Why(), fs[0].Rule(), r.Req.Name)
		names = append(names, r.Req.Name)
	}
	if !f.vet || f.offline || len(names) == 0 {
		return nil
	}
	found, warns := audit.VetNames(ctx, ix, names, ref, time.Now())
	for _, w := range warns {
		fmt.Fprintf(a.stderr, "pyward: warning: --vet: %s\n", w)
	}
	for _, fd := range found {
		fmt.Fprintf(a.stderr, "pyward: vet %s [%s, %s]: %s\n", fd.Package, fd.Rule, fd.Severity, fd.Title)
	}
	return nil
}
