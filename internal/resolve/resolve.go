package resolve

import (
	"context"
	"fmt"

	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
)

// Options configures one resolution.
type Options struct {
	// Requirements are the first-party requirements (the root's
	// dependencies). Markers are evaluated against Environment.
	Requirements []*pep508.Requirement
	// Constraints restrict the versions of a project only if something else
	// requires it (pip's -c). Their specifiers also count as first-party for
	// the pre-release and yanked-version opt-ins.
	Constraints []*pep508.Requirement

	// Python is the target interpreter version, checked against
	// Requires-Python (lower bounds only unless StrictRequiresPython). If
	// zero, Environment's python_full_version is used; if that is absent
	// too, Requires-Python is not checked.
	Python pep440.Version
	// Environment is the PEP 508 marker environment of the target (without
	// "extra").
	Environment pep508.Environment
	// Tags are the wheel tags the target supports, most preferred first. Nil
	// accepts every wheel.
	Tags []pep425.Tag
	// StrictRequiresPython also enforces upper bounds of Requires-Python.
	StrictRequiresPython bool

	// Prereleases allows pre-releases of every project (--pre).
	Prereleases bool
	// NoBinary and NoBuild list projects whose wheels, respectively sdists,
	// must not be used; ":all:" means every project.
	NoBinary, NoBuild []string

	// Preferences are versions to keep when still allowed (the existing
	// lock), by project name.
	Preferences map[string]pep440.Version
	// Upgrade ignores all Preferences; UpgradePackages ignores them for the
	// listed projects.
	Upgrade         bool
	UpgradePackages []string

	// Concurrency bounds the prefetcher's parallel provider calls
	// (DefaultConcurrency if 0). NoPrefetch turns speculation off.
	Concurrency int
	NoPrefetch  bool

	// Universal, when set, resolves once for every environment of the
	// universe it describes (see Universe), forking where requirements
	// diverge by marker; Python, Environment and Tags are then ignored.
	Universal *Universe
}

// Resolution is a complete, consistent set of releases.
type Resolution struct {
	Packages []Resolved // sorted by Name
	// Warnings lists releases that were skipped for reasons the user may
	// want to know (e.g. metadata that needs a build).
	Warnings []string
	// Forks are the markers of the forks a universal resolution solved
	// ("" for one fork covering everything).
	Forks []string
}

// Resolved is one chosen release.
type Resolved struct {
	Name      string // PEP 503 normalized
	Version   pep440.Version
	Extras    []string // extras of this project that are needed, sorted
	Candidate *Candidate
	File      *File   // the preferred artifact for the target
	Files     []*File // every artifact usable on the target, best first
	// Direct is set when a first-party requirement names the project.
	Direct bool
	// RequiredBy lists the chosen projects that depend on this one (for
	// "# via" annotations); Dependencies the ones this one depends on.
	RequiredBy   []string
	Dependencies []string

	// Marker says where a universal resolution needs this release (nil:
	// everywhere); a project may have several entries with disjoint markers.
	Marker *pep508.Marker
	// Covers and Uncovered name the universal resolution's targets where
	// Marker holds and the release has, or lacks, a usable file.
	Covers, Uncovered []string
}

// Resolve finds releases satisfying opts.Requirements using p. It returns
// a *NoSolutionError when there is none, and wraps provider errors.
func Resolve(ctx context.Context, p Provider, opts Options) (*Resolution, error) {
	if p == nil {
		return nil, fmt.Errorf("resolve: nil provider")
	}
	for _, r := range opts.Requirements {
		if r == nil {
			return nil, fmt.Errorf("resolve: nil requirement")
		}
	}
	for _, r := range opts.Constraints {
		if r == nil {
			return nil, fmt.Errorf("resolve: nil constraint")
		}
	}
	if opts.Universal != nil {
		return resolveUniversal(ctx, p, &opts)
	}
	cfg := newConfig(&opts)
	f, stop := startFetcher(ctx, p, cfg, &opts)
	defer stop()
	s := newSolver(ctx, cfg, &opts, f)
	if err := s.solve(); err != nil {
		return nil, err
	}
	return s.resolution(), nil
}

// startFetcher starts crawling from the root requirements; stop cancels
// speculation and waits for it.
func startFetcher(ctx context.Context, p Provider, cfg *config, opts *Options) (*fetcher, func()) {
	bg, cancel := context.WithCancel(ctx)
	f := newFetcher(bg, p, cfg, opts.Concurrency, !opts.NoPrefetch)
	for _, r := range cfg.filterRequires(opts.Requirements, "") {
		f.prefetch(r.NormalizedName(), r.NormalizedExtras(), r.Specifier)
	}
	return f, func() {
		cancel()
		f.wait()
	}
}

// A Warmup crawls the dependency graph of requirements before the
// resolution can start, e.g. while a command waits for its interpreter to
// name the target: every requirement is taken to apply, whatever its
// marker, and Requires-Python is not checked. It helps only with a
// Provider that keeps what it fetched, as the index client does, for the
// resolution that follows.
type Warmup struct {
	f    *fetcher
	stop func()
}

// StartWarmup starts crawling from reqs through p.
func StartWarmup(ctx context.Context, p Provider, reqs []*pep508.Requirement) *Warmup {
	u := &Universe{}
	everywhere, _ := u.markerSet() // every environment: never empty
	opts := &Options{Requirements: reqs}
	cfg := newConfig(opts)
	cfg.fork, cfg.sets = &everywhere, &markerSets{m: map[markerKey]pep508.MarkerSet{}}
	f, stop := startFetcher(ctx, p, cfg, opts)
	return &Warmup{f: f, stop: stop}
}

// Halt stops the crawl from making new requests; those in flight go on,
// so that the provider keeps their answers.
func (w *Warmup) Halt() { w.f.halted.Store(true) }

// Close cancels what is still in flight and waits for the crawl to end.
func (w *Warmup) Close() { w.stop() }

// newSolver returns a solver with only the root package.
func newSolver(ctx context.Context, cfg *config, opts *Options, f *fetcher) *solver {
	s := &solver{ctx: ctx, cfg: cfg, opts: opts, fetch: f, pkgs: map[string]*pkg{}, specMemo: map[*pep508.Requirement]vset{}}
	rootProj := &project{versions: make([]pep440.Version, 1), cands: make([]*Candidate, 1),
		best: make([]*File, 1), files: make([][]*File, 1), usable: fullSet(1)}
	s.root = &pkg{key: "root", proj: rootProj, n: 1, deps: map[int][]*incompat{}}
	s.root.any = term{pkg: s.root, pos: false, set: emptySet(1)}
	s.list = append(s.list, s.root)
	return s
}
