// Package sync makes a virtual environment contain exactly the
// distributions of a lock, verifying every byte and running no package code.
//
// # Rules (strict by default)
//
//   - Lock: every entry pinned with "==" to one version and carrying at least
//     one sha256 hash (LoadLock; all violations reported together). The
//     lock's requires-python must hold for the interpreter.
//   - Selection: of the entries whose marker holds for the interpreter and
//     for the selected extras and dependency groups of a pylock.toml
//     (Options.Selection: by default no extras and the lock's
//     default-groups; see Selection), each is installed from the
//     best-ranked wheel compatible with the interpreter's PEP 425 tags
//     (ties keep lock/index order). For a lock
//     without file names (hashed requirements.txt) the candidates are the
//     files of Name==Version on the sources whose sha256 the lock lists.
//     An sdist is never built: without --allow-build it is refused, with it
//     pyward still stops and says building is out of scope.
//   - Integrity: a file is streamed to a temporary file while hashed and only
//     used after its sha256 matched the lock (index.Client.Download); the
//     error names the package, the file, the expected and the actual hash.
//     The wheel is then checked by package install (paths, RECORD, bombs,
//     .pth, METADATA against the lock and the index's PEP 658 metadata).
//   - Plan: diff(installed .dist-info directories, selected entries):
//     install what is missing, replace what differs (version, or an
//     interrupted install/uninstall), remove what the lock does not name
//     or the selection leaves out (except names given in Options.Keep).
//   - Environment: every installation is checked against the environment
//     with the plan's removals done (install.Target.CheckPlan: no file over a
//     directory or the reverse, no other distribution's files or metadata, no
//     interpreter link, pyvenv.cfg or pyward state). --verify compares every
//     installed file's sha256 with pyward's record instead of its size only.
//   - Order: the lock is validated and every file fetched and checked, and
//     every installation checked against the environment, before the
//     environment is touched (created, or changed); a failure leaves it as
//     it was.
//
// # Caches
//
// Downloads are kept by the index client in a content-addressed store keyed
// by sha256 and re-verified when read; a local (file://) wheel is read once,
// hashed while copied into that store, and only the copy used. Checked
// wheels are unpacked once into <cache>/wheels-v2/<sha256>/ (written under a
// temporary name, renamed when complete, with a manifest of every file's
// size and sha256 from the wheel's verified RECORD), so a warm sync neither
// downloads nor unzips. Before an entry is shared it is sealed: its files
// are created read-only and each one's inode number, size, modification
// time and mode recorded as it is written (install.UnpackSealed).
//
// Re-verification rule. With --link-mode hardlink (the default), installed
// files are hard links to those read-only files, and every link's inode is
// compared with the seal as it is made: any write through any link (or a
// chmod, or a replaced file) changes it (an edit that also sets the
// modification time back on purpose is found by --verify). With --link-mode copy, files are
// reflinked (FICLONE, where the file system can) or copied, and hashed as
// they are written against the manifest, so that no two environments share
// a file. Either check failing means the entry was edited since it was
// written (and nothing of that wheel was moved into the environment): the
// entry is discarded, the wheel unpacked again from its verified download,
// and installed from that (a changed file list is refused). So an edit in
// the cache never reaches a new environment, and an installed file cannot be
// edited in place without first making it writable (root excepted: with
// hard links, root's in-place edit reaches the other environments sharing
// the file until --verify; use --link-mode copy where that matters).
// Copying costs: creating a file takes 20-100 times as long as linking one
// on the loaded ext4 machine the benchmarks run on. Installed files are
// compared with pyward's record of them by size on every sync, and by
// sha256 with --verify. A temporary unpacked tree (--no-cache) is
// hard-linked: it was checked in this run and is removed after it.
//
// For a hashed requirements lock, the file names seen on an index are
// remembered by sha256 (<cache>/wheels-v2/names/), so a warm sync whose best
// wheel is already unpacked makes no index request at all. For a new
// environment, the wheels that need no interpreter to be chosen (no marker,
// one hash) are fetched, checked and unpacked into that cache while the
// interpreter is queried (see prefetch).
//
// # Sources
//
// A pylock.toml's files are fetched from the URLs it records (unless
// --index-url or --find-links is given: then the files are looked up there by
// name and must carry the lock's sha256). A requirements lock uses
// --index-url, else its own -i/--extra-index-url (default PyPI), plus
// --find-links. Sources are merged (every file is pinned by hash, so no source
// can substitute bytes). The index client's rules apply: plain http only for
// --trusted-host, credentials from PYWARD_INDEX_* or netrc.
//
// # Publishers
//
// Where the lock records a package's publishers (PEP 740 attestation
// identities) and Options.ProvenanceVerifier is set, every package to be
// installed has the provenance its index serves for the chosen file
// verified again before anything is fetched: a failed check or an identity
// the lock does not record refuses the sync (ErrRefused, naming the file and
// the check). A file the index serves no provenance for is warned about
// (losing a publisher is the re-lock's check); with --offline nothing is
// re-verified, and a warning says so.
//
// # Recovery
//
// Each wheel is staged inside the environment and renamed into place, with
// pyward's record of it partial until the end (see package install); a sync
// interrupted at any point (even by SIGKILL) leaves distributions that the
// next sync recognises as incomplete and repairs. A lock file (flock) on
// <venv>/.pyward.lock serialises concurrent syncs of one environment.
package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/metadata"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/sources"
	"github.com/pyward/pyward/internal/venv"
)

// DefaultIndexURL is used for a requirements lock that names no index.
const DefaultIndexURL = "https://pypi.org/simple/"

// Link modes (Options.LinkMode).
const (
	LinkHardlink = "hardlink"
	LinkCopy     = "copy"
)

// DefaultJobs bounds parallel downloads and installs.
const DefaultJobs = 8

// Fetcher is what sync needs from a package index; *index.Client
// implements it.
type Fetcher interface {
	Project(ctx context.Context, name string) (*index.Project, error)
	Metadata(ctx context.Context, f index.File) (*metadata.Metadata, []byte, error)
	Download(ctx context.Context, f index.File, dst io.Writer) (string, error)
}

// Options configures Sync.
type Options struct {
	Lock   string // lock file path
	Venv   string // environment directory; "" → ".venv"
	Python string // interpreter for a new environment; "" → python3 on PATH

	// Source flags (see package sources): they may add credentials to the
	// indexes the lock records, or map one to a mirror (Indexes NAME=URL
	// with the lock's name for it), never send a package elsewhere.
	IndexURL     string   // the lock's index with credentials; the index of a lock that records none
	Indexes      []string // NAME=URL: credentials or a mirror for the lock's index NAME
	FindLinks    []string // extra find-links locations (files are looked up there by name and hash)
	TrustedHosts []string // hosts allowed over plain http
	// Env is where pip's configuration is read (credentials and trusted
	// hosts for the lock's indexes; the index of a lock that records
	// none); nil reads none.
	Env *sources.Env

	// Selection chooses a pylock's extras and dependency groups; entries
	// it leaves out are not installed, and removed when installed.
	Selection Selection

	Keep         []string // installed names to keep although not in the lock
	AllowStartup []string // names allowed to ship start-up code (install.RuleStartup)
	AllowBuild   bool
	Compile      bool

	CacheDir string // "" → no persistent cache
	NoCache  bool
	Offline  bool
	DryRun   bool
	Jobs     int    // 0 → DefaultJobs
	Verify   bool   // compare every installed file's hash with pyward's record, not only its size
	LinkMode string // LinkHardlink or "" (read-only hard links into the cache, checked), LinkCopy (files of the environment's own)

	// ProvenanceVerifier, when set, makes sync re-verify the publishers
	// (PEP 740 attestation identities) the lock records, for every package
	// it installs, before anything is fetched: see plan.reverify. It is
	// called once, and only when there is something to verify.
	ProvenanceVerifier func() (*provenance.Verifier, error)

	// Fetcher replaces the index client (tests); Client configures the
	// index client otherwise (user agent, transport, the -v request log).
	Fetcher Fetcher
	Client  sources.ClientOptions

	// Progress receives progress events (nil: none).
	Progress Progress

	// BeforeWork, when set, is called once before the sync first fetches
	// or unpacks a wheel or installs from the cache (a sync that changes
	// nothing never calls it), so that the caller can prepare for a run
	// that allocates (see cmd/pyward's syncGCPercent).
	BeforeWork func()
}

// Progress observes a sync.
type Progress interface {
	Start(files int, bytes int64)
	Add(bytes int64)
	FileDone()
	Finish()
}

// Action is one planned change.
type Action struct {
	Name    string
	Version string // version to install ("" for a removal)
	Old     string // installed version being replaced or removed ("" when none)
	Reason  string // "missing", "version differs", "incomplete", "not in lock"
	File    string // file name chosen (install)
}

// Result reports what Sync did (or, with DryRun, would do).
type Result struct {
	Venv       string
	Created    bool
	Install    []Action
	Remove     []Action
	Unchanged  int
	Downloaded int64 // bytes
	Elapsed    time.Duration
	Warnings   []string
}

// Error classes for exit codes.
var (
	// ErrRefused: a file or wheel failed verification (hash, safety rule,
	// metadata) or cannot be installed under the strict rules.
	ErrRefused = errors.New("refused")
	// ErrEnvironment: the interpreter or environment cannot be used.
	ErrEnvironment = errors.New("unusable environment")
	// ErrSources: the lock and the source options disagree (a flag would
	// re-route a locked package) or leave no source.
	ErrSources = errors.New("package sources")
)

// RefusedError says why a package cannot be installed.
type RefusedError struct {
	Package string // name==version
	File    string
	Err     error
}

func (e *RefusedError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s (%s): %v", e.Package, e.File, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Package, e.Err)
}
func (e *RefusedError) Unwrap() error        { return e.Err }
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Errors collects several failures (one per package).
type Errors []error

func (e Errors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	if len(msgs) == 1 {
		return msgs[0]
	}
	return fmt.Sprintf("%d packages failed:\n  %s", len(msgs), strings.Join(msgs, "\n  "))
}
func (e Errors) Unwrap() []error { return e }

// job is one package to install.
type job struct {
	entry   Entry
	file    index.File
	old     []*install.Installed // installed dist-infos of the name, replaced
	reason  string
	wheel   *install.Wheel
	loaded  *install.Wheel // the cache tree's Wheel as choose read it (nil: not read)
	dir     string         // unpacked tree
	tempDir bool           // dir is a temporary (no cache) and must be removed
	direct  bool
}

// Sync makes the environment match the lock. See the package comment.
//
// It runs in three phases, as uv's installer does: plan (what differs from
// the lock, and which file to install for each difference), prepare (fetch,
// verify and unpack every file into the store, and check every install plan
// against the environment) and apply (create the environment, remove,
// install). Nothing in the environment changes before apply.
func Sync(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Venv == "" {
		opts.Venv = ".venv"
	}
	if opts.Jobs <= 0 {
		opts.Jobs = DefaultJobs
	}
	if opts.LinkMode != "" && opts.LinkMode != LinkHardlink && opts.LinkMode != LinkCopy {
		return nil, fmt.Errorf("link mode %q: want %s or %s", opts.LinkMode, LinkHardlink, LinkCopy)
	}
	p, err := makePlan(ctx, opts)
	defer func() {
		if p != nil && p.waitPrefetch != nil {
			p.waitPrefetch(true)
		}
		if p != nil && p.client != nil {
			p.client.Close()
		}
		if p != nil && p.unlock != nil {
			p.unlock()
		}
	}()
	if err != nil {
		return nil, err
	}
	res := p.res
	if len(p.jobs) == 0 && len(p.removals) == 0 && !res.Created {
		res.Elapsed = time.Since(start)
		return res, nil
	}
	fetcher := opts.Fetcher
	if fetcher == nil && p.client != nil {
		fetcher = p.client
	}
	if fetcher == nil && len(p.jobs) > 0 {
		c, err := p.srcs.Client(opts.Client)
		if err != nil {
			return nil, err
		}
		p.client = c
		fetcher = c
	}
	if p.waitPrefetch != nil {
		p.waitPrefetch(false) // prepare then takes its trees from the cache
	}
	if err := p.chooseFiles(ctx, fetcher); err != nil {
		return nil, err
	}
	if opts.DryRun {
		res.Elapsed = time.Since(start)
		return res, nil
	}
	if err := p.reverify(ctx, fetcher); err != nil {
		return nil, err
	}
	defer p.removeTemp()
	if err := p.prepare(ctx, fetcher); err != nil {
		return nil, err
	}
	if err := p.apply(ctx); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// plan is one sync's state across its phases.
type plan struct {
	opts      Options
	work      gosync.Once // calls opts.BeforeWork
	cacheDir  string
	lock      *Lock
	sets      map[string][]string // the marker variables "extras" and "dependency_groups" (Lock.markerSets)
	srcs      *sources.Sources
	interp    *venv.Interpreter
	v         *venv.Venv      // nil until the environment exists
	target    *install.Target // nil until the environment exists
	planned   *install.Target // a new environment's target, as checkPlan checked the jobs against it
	jobs      []*job          // sorted by normalized name
	removals  []*install.Installed
	installed []install.Installed
	fetch     *fetch          // set by prepare
	allowPth  map[string]bool // normalized names, set by prepare
	res       *Result
	unlock    func()     // releases the environment's lock file; nil when not held
	trees     *treeCache // the cache trees' manifests read so far

	client       *index.Client   // made by prefetch or for prepare; closed by Sync
	prefetched   *fetch          // what prefetch fetched; nil when it did not run
	waitPrefetch func(stop bool) // waits for prefetch (stopping it first); nil when none ran
}

// makePlan loads the lock and the environment and works out what differs:
// the jobs to install and the distributions to remove. An existing
// environment is locked (except for a dry run) until p.unlock.
func makePlan(ctx context.Context, opts Options) (*plan, error) {
	p := &plan{opts: opts, cacheDir: opts.CacheDir, trees: &treeCache{}}
	if opts.NoCache {
		p.cacheDir = ""
	}
	lock, err := LoadLock(ctx, opts.Lock)
	if err != nil {
		return nil, err
	}
	p.lock = lock
	if p.sets, err = lock.markerSets(opts.Selection); err != nil {
		return nil, err
	}
	if p.srcs, err = newSources(lock, opts, p.cacheDir); err != nil {
		return nil, err
	}
	venvDir, err := filepath.Abs(opts.Venv)
	if err != nil {
		return nil, err
	}
	p.res = &Result{Venv: venvDir}
	if err := p.openEnvironment(ctx, venvDir); err != nil {
		return p, err
	}
	if err := p.interp.CheckRequiresPython(lock.RequiresPython); err != nil {
		return p, fmt.Errorf("%w: %s: %w", ErrEnvironment, lock.Path, err)
	}
	if err := coversEnvironment(lock, p.interp.Environment()); err != nil {
		return p, err
	}
	wanted, err := p.wanted()
	if err != nil {
		return p, err
	}
	return p, p.diff(wanted)
}

// openEnvironment finds the interpreter: the environment's own, or the one
// to create it with.
func (p *plan) openEnvironment(ctx context.Context, venvDir string) error {
	opts := p.opts
	if _, err := os.Stat(filepath.Join(venvDir, "pyvenv.cfg")); err != nil {
		if err := venv.CheckNew(venvDir); err != nil {
			return fmt.Errorf("%w: %w", ErrEnvironment, err)
		}
		py, err := venv.Find(opts.Python)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrEnvironment, err)
		}
		p.prefetch(ctx)
		p.interp, err = venv.Query(ctx, py, p.cacheDir)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrEnvironment, err)
		}
		p.res.Created = true
		return nil
	}
	v, err := venv.Open(ctx, venvDir, p.cacheDir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrEnvironment, err)
	}
	p.v, p.interp, p.target = v, v.Base, targetFor(v)
	if opts.Python != "" {
		// The environment keeps its interpreter; a different one is an
		// error rather than a silent choice.
		py, err := venv.Find(opts.Python)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrEnvironment, err)
		}
		want, err := venv.Query(ctx, py, p.cacheDir)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrEnvironment, err)
		}
		in := p.interp
		if want.Short() != in.Short() || want.Info.Implementation != in.Info.Implementation {
			return fmt.Errorf("%w: %s uses %s %s, not %s %s from --python; remove the environment to recreate it",
				ErrEnvironment, venvDir, in.Info.Implementation, in.VersionString(), want.Info.Implementation, want.VersionString())
		}
	}
	if !opts.DryRun {
		unlock, err := lockDir(venvDir)
		if err != nil {
			return err
		}
		p.unlock = unlock
	}
	return nil
}

// wanted returns the lock's entries for this interpreter.
func (p *plan) wanted() ([]Entry, error) {
	lock := p.lock
	env := p.interp.Environment()
	var wanted []Entry
	var problems Errors
	for _, e := range lock.Entries {
		ok, err := applies(e, env, lock, p.sets)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: marker: %w", e.Origin, err))
			continue
		}
		if ok {
			wanted = append(wanted, e)
		}
	}
	if len(problems) > 0 {
		return nil, &LockError{Path: lock.Path, Problems: errStrings(problems)}
	}
	dups := map[string]string{}
	for _, e := range wanted {
		k := pep503.Normalize(e.Name)
		if prev, ok := dups[k]; ok {
			problems = append(problems, fmt.Errorf("%s: %s is also selected at %s for this interpreter", e.Origin, e.Name, prev))
		}
		dups[k] = e.Origin
	}
	if len(problems) > 0 {
		return nil, &LockError{Path: lock.Path, Problems: errStrings(problems)}
	}
	for _, e := range wanted {
		if err := p.interp.CheckRequiresPython(e.RequiresPython); err != nil {
			problems = append(problems, &RefusedError{Package: e.Name + "==" + e.Version, Err: err})
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return wanted, nil
}

// diff compares the installed distributions with wanted.
func (p *plan) diff(wanted []Entry) error {
	var installed []install.Installed
	if p.target != nil {
		var err error
		installed, err = p.target.Scan()
		if err != nil {
			return err
		}
	}
	p.installed = installed
	// Several dist-info directories for one name (left by other tools) are
	// all removed and the entry installed afresh.
	byName := map[string][]*install.Installed{}
	for i := range installed {
		k := pep503.Normalize(installed[i].Name)
		byName[k] = append(byName[k], &installed[i])
	}
	verifyErrs := verifyInstalled(p.target, p.opts.Verify, wanted, byName, p.opts.Jobs)
	for _, e := range wanted {
		k := pep503.Normalize(e.Name)
		ins := byName[k]
		delete(byName, k)
		j := &job{entry: e, old: ins}
		switch {
		case len(ins) == 0:
			j.reason = "missing"
		case len(ins) > 1:
			j.reason = "installed more than once"
		case ins[0].Incomplete:
			j.reason = "incomplete"
		case !sameVersion(ins[0].Version, e.Version):
			j.reason = "version differs"
		case verifyErrs[ins[0]] != nil:
			j.reason = "files missing or changed"
		default:
			p.res.Unchanged++
			continue
		}
		p.jobs = append(p.jobs, j)
	}
	keep := map[string]bool{}
	for _, k := range p.opts.Keep {
		keep[pep503.Normalize(k)] = true
	}
	for _, in := range installed {
		k := pep503.Normalize(in.Name)
		if byName[k] == nil {
			continue // wanted
		}
		if keep[k] && !in.Incomplete && len(byName[k]) == 1 {
			p.res.Unchanged++
			continue
		}
		in := in
		p.removals = append(p.removals, &in)
		p.res.Remove = append(p.res.Remove, Action{Name: in.Name, Old: in.Version, Reason: "not in lock"})
	}
	slices.SortFunc(p.jobs, func(a, b *job) int {
		return strings.Compare(pep503.Normalize(a.entry.Name), pep503.Normalize(b.entry.Name))
	})
	return nil
}

// verifyInstalled runs t.Verify on every installed distribution that could
// be kept as it is (the only one of its name, complete, at the wanted
// version), jobs at a time: it stats every installed file (hashes it with
// full), which is most of a sync that changes nothing.
func verifyInstalled(t *install.Target, full bool, wanted []Entry, byName map[string][]*install.Installed, jobs int) map[*install.Installed]error {
	var cands []*install.Installed
	for _, e := range wanted {
		ins := byName[pep503.Normalize(e.Name)]
		if len(ins) == 1 && !ins[0].Incomplete && sameVersion(ins[0].Version, e.Version) {
			cands = append(cands, ins[0])
		}
	}
	errs := make([]error, len(cands))
	parallel(len(cands), jobs, func(i int) { errs[i] = t.Verify(*cands[i], full) })
	out := make(map[*install.Installed]error, len(cands))
	for i, in := range cands {
		out[in] = errs[i]
	}
	return out
}

// parallel calls fn(i) for i in [0, n) on at most jobs workers, and no
// more than there are CPUs: for work that hits the page cache (stats,
// small reads), where extra workers only add hand-offs. Each worker takes
// the next index rather than a goroutine per index.
func parallel(n, jobs int, fn func(i int)) {
	var next atomic.Int64
	var wg gosync.WaitGroup
	for range min(max(jobs, 1), runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// chooseFiles picks each job's file (needs the index only for locks
// without file names) and lists the planned installs in the result.
func (p *plan) chooseFiles(ctx context.Context, fetcher Fetcher) error {
	ranker := newRanker(p.interp)
	err := p.each(ctx, func(ctx context.Context, j *job) error {
		return choose(ctx, fetcher, p.srcs, p.opts, ranker, p.trees, j)
	})
	if err != nil {
		return err
	}
	for _, j := range p.jobs {
		a := Action{Name: j.entry.Name, Version: j.entry.Version, Reason: j.reason, File: j.file.Filename}
		if len(j.old) > 0 {
			a.Old = j.old[0].Version
		}
		p.res.Install = append(p.res.Install, a)
	}
	return nil
}

// each runs fn for every job, opts.Jobs at a time, and returns the
// failures sorted (all of them, not only the first), or ctx's error.
func (p *plan) each(ctx context.Context, fn func(context.Context, *job) error) error {
	var mu gosync.Mutex
	var errs Errors
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.opts.Jobs)
	for _, j := range p.jobs {
		g.Go(func() error {
			if err := fn(gctx, j); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			return nil
		})
	}
	g.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(errs) > 0 {
		sortErrs(errs)
		return errs
	}
	return nil
}

// beforeWork calls opts.BeforeWork the first time.
func (p *plan) beforeWork() {
	if p.opts.BeforeWork != nil {
		p.work.Do(p.opts.BeforeWork)
	}
}

// prepare fetches, verifies and unpacks every job's file (from the store
// when it is there) before the environment is touched.
func (p *plan) prepare(ctx context.Context, fetcher Fetcher) error {
	opts := p.opts
	p.allowPth = map[string]bool{}
	for _, n := range opts.AllowStartup {
		p.allowPth[pep503.Normalize(n)] = true
	}
	f := &fetch{fetcher: fetcher, cacheDir: p.cacheDir, progress: opts.Progress}
	p.fetch = f
	if p.prefetched != nil {
		f.unpacked = p.prefetched.unpacked // the trees prefetch wrote
	}
	if len(p.jobs) > 0 {
		p.beforeWork()
	}
	if opts.Progress != nil {
		var total int64
		for _, j := range p.jobs {
			total += j.file.Size
		}
		opts.Progress.Start(len(p.jobs), total)
	}
	err := p.each(ctx, func(ctx context.Context, j *job) error {
		err := f.prepare(ctx, j, p.checkOptions(j))
		if opts.Progress != nil {
			opts.Progress.FileDone()
		}
		return err
	})
	if opts.Progress != nil {
		opts.Progress.Finish()
	}
	p.res.Downloaded = f.downloaded.Load()
	if p.prefetched != nil {
		p.res.Downloaded += p.prefetched.downloaded.Load()
	}
	if err != nil {
		return err
	}
	return p.checkPlan()
}

// checkPlan checks every installation against the environment (or, for a
// new one, against the layout it will have) with the removals done first:
// see install.Target.CheckPlan.
func (p *plan) checkPlan() error {
	target := p.target
	if target == nil {
		// Kept for apply, which installs into the environment this
		// layout describes: the wheels checked here are not listed and
		// checked again (see install.Target.Install).
		target = targetFor(venv.Layout(p.res.Venv, p.interp))
		p.planned = target
	}
	var removed []string
	for _, in := range p.removals {
		removed = append(removed, in.DistInfo)
	}
	ws := make([]*install.Wheel, len(p.jobs))
	for i, j := range p.jobs {
		ws[i] = j.wheel
		for _, in := range j.old {
			removed = append(removed, in.DistInfo)
		}
	}
	var errs Errors
	for i, err := range target.CheckPlan(ws, p.installed, removed) {
		if err != nil {
			j := p.jobs[i]
			errs = append(errs, &RefusedError{Package: j.entry.Name + "==" + j.entry.Version, File: j.file.Filename, Err: err})
		}
	}
	if len(errs) > 0 {
		sortErrs(errs)
		return errs
	}
	return nil
}

// checkOptions are the rules j's wheel is checked with.
func (p *plan) checkOptions(j *job) install.Options {
	return install.Options{Name: j.entry.Name, Version: j.entry.Version, AllowStartup: p.allowPth[pep503.Normalize(j.entry.Name)]}
}

// install installs j. Files from the unpacked cache are checked against
// their RECORD hashes as they are copied; when one differs (the cache
// entry was edited since it was written, and nothing of j was moved into
// the environment), the entry is discarded, the wheel unpacked again from
// its verified download, and installed from that.
func (p *plan) install(ctx context.Context, j *job) ([]string, error) {
	io := install.InstallOptions{Link: j.tempDir, Copy: p.opts.LinkMode == LinkCopy, Compile: p.opts.Compile}
	if j.direct {
		io.DirectURL = &install.DirectURL{URL: j.file.URL, SHA256: j.file.Hashes["sha256"]}
	}
	files, err := p.target.Install(ctx, j.wheel, j.dir, io)
	if err == nil || j.tempDir || !errors.Is(err, install.ErrTreeChanged) {
		return files, err
	}
	checked := j.wheel
	if p.fetch.unpacked != nil {
		p.fetch.unpacked.Delete(j.dir) // its check no longer speaks for the tree
	}
	if derr := discardUnpacked(j.dir); derr != nil {
		return nil, errors.Join(err, derr)
	}
	if err := p.fetch.prepare(ctx, j, p.checkOptions(j)); err != nil {
		return nil, err
	}
	if !sameEntries(checked, j.wheel) {
		return nil, &RefusedError{Package: j.entry.Name + "==" + j.entry.Version, File: j.file.Filename,
			Err: fmt.Errorf("the cached copy of this wheel was altered: its file list differs from the wheel's")}
	}
	io.Link = j.tempDir
	return p.target.Install(ctx, j.wheel, j.dir, io)
}

// removeTemp removes the unpacked trees that are not in the cache.
func (p *plan) removeTemp() {
	for _, j := range p.jobs {
		if j.tempDir && j.dir != "" {
			os.RemoveAll(j.dir)
		}
	}
}

// apply changes the environment: creates it when missing, removes what the
// lock does not name and what is replaced, installs the jobs.
func (p *plan) apply(ctx context.Context) error {
	opts := p.opts
	if p.v == nil {
		v, err := venv.Create(ctx, p.res.Venv, p.interp)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrEnvironment, err)
		}
		p.v, p.target = v, p.planned
		if p.target == nil {
			p.target = targetFor(v)
		}
		unlock, err := lockDir(p.res.Venv)
		if err != nil {
			return err
		}
		p.unlock = unlock
	}
	target := p.target
	// A previous run's staging leftovers.
	if err := target.Cleanup(); err != nil {
		return err
	}
	defer target.Cleanup()
	for _, in := range p.removals {
		if err := target.Uninstall(in.DistInfo); err != nil {
			return err
		}
	}
	for _, j := range p.jobs {
		for _, in := range j.old {
			if err := target.Uninstall(in.DistInfo); err != nil {
				return err
			}
		}
	}
	var pyMu gosync.Mutex
	var pyFiles []string
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Jobs)
	for _, j := range p.jobs {
		g.Go(func() error {
			files, err := p.install(gctx, j)
			if err != nil {
				return fmt.Errorf("install %s==%s: %w", j.entry.Name, j.entry.Version, err)
			}
			pyMu.Lock()
			pyFiles = append(pyFiles, files...)
			pyMu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if opts.Compile {
		// As with pip, a file that does not compile (e.g. Python 2 code
		// shipped for reference) does not fail the installation.
		if err := p.target.Compile(ctx, pyFiles); err != nil {
			p.res.Warnings = append(p.res.Warnings, err.Error())
		}
	}
	return nil
}

func errStrings(errs []error) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

func sortErrs(errs Errors) {
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
}

// coversEnvironment refuses an interpreter that none of the lock's
// environments markers (PEP 751) describes: the lock was not resolved for
// it, so its entries may be incomplete there.
func coversEnvironment(l *Lock, env pep508.Environment) error {
	if len(l.Environments) == 0 {
		return nil
	}
	var shown []string
	for _, text := range l.Environments {
		m, err := pep508.ParseMarker(text)
		if err != nil {
			return &LockError{Path: l.Path, Problems: []string{fmt.Sprintf("environments: %q: %v", text, err)}}
		}
		if m.Evaluate(env) {
			return nil
		}
		shown = append(shown, m.String())
	}
	return fmt.Errorf("%w: %s covers the environments %s; this interpreter (sys_platform %s, platform_machine %s, Python %s, %s) is none of them: lock again with an --environment that includes it",
		ErrEnvironment, l.Path, strings.Join(shown, ", "), env["sys_platform"], env["platform_machine"], env["python_full_version"], env["implementation_name"])
}

// applies evaluates an entry's marker for the interpreter, with sets giving
// the selected "extras" and "dependency_groups" (which pylock markers may
// use; see Selection).
func applies(e Entry, env pep508.Environment, l *Lock, sets map[string][]string) (bool, error) {
	if e.Marker == nil {
		return true, nil
	}
	ctx := pep508.ContextRequirement
	if l.Format == "pylock" {
		ctx = pep508.ContextLockFile
	}
	return e.Marker.EvaluateWith(env, pep508.EvalOptions{Context: ctx, Sets: sets})
}

func targetFor(v *venv.Venv) *install.Target {
	return &install.Target{
		Root: v.Dir, Purelib: v.Paths.Purelib, Platlib: v.Paths.Platlib, Scripts: v.Paths.Scripts, Data: v.Paths.Data,
		Headers: filepath.Dir(v.Headers("x")), Python: v.Python, Staging: filepath.Join(v.Dir, ".pyward-staging"),
		PycacheTag: v.Base.Info.CacheTag,
	}
}

// newSources reads what the lock records about sources, with the source
// options of opts (see package sources).
func newSources(l *Lock, opts Options, cacheDir string) (*sources.Sources, error) {
	locked := &sources.Locked{Path: l.Path, Indexes: l.Indexes, TrustedHosts: l.TrustedHosts, FilesByURL: l.Format == "pylock"}
	if l.Format == "requirements" {
		locked.IndexURL, locked.ExtraIndexURLs, locked.FindLinks, locked.NoIndex = l.IndexURL, l.ExtraIndexURLs, l.FindLinks, l.NoIndex
	}
	for _, e := range l.Entries {
		locked.Packages = append(locked.Packages, sources.LockedPackage{Name: e.Name, Index: e.Index})
	}
	srcs, err := sources.New(sources.Config{
		Flags: sources.Flags{IndexURL: opts.IndexURL, Indexes: opts.Indexes, FindLinks: opts.FindLinks,
			TrustedHosts: opts.TrustedHosts, CacheDir: cacheDir, Offline: opts.Offline},
		Env: opts.Env, Lock: locked,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSources, err)
	}
	return srcs, nil
}
