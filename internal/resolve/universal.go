package resolve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
)

// Universal resolution limits.
const (
	// MaxForks bounds how many forks one universal resolution may solve
	// (counting forks that split again); real projects need a handful.
	MaxForks = 256
	// LowestTargetPython and HighestTargetPython bound the CPython minor
	// versions DefaultTargets lists when the universe does not.
	LowestTargetPython  = 8
	HighestTargetPython = 14
)

// ErrEnvironments is wrapped by the errors a universal resolution returns
// because of the environments it was asked for (Universe.Environments,
// Required, RequiresPython) rather than the index: the caller changes them.
var ErrEnvironments = errors.New("resolve: cannot lock for the environments asked")

// Universe describes the environments a universal resolution covers.
type Universe struct {
	// RequiresPython is the project's Requires-Python: the interpreter
	// versions the lock must cover. Empty: every version.
	RequiresPython pep440.SpecifierSet
	// Environments narrows the universe to the environments matching any of
	// these markers (uv's `environments`); none: no narrowing.
	Environments []*pep508.Marker
	// Required lists environments the lock must be installable on (uv's
	// `required-environments`): every chosen release needs a usable file on
	// each Target matching one of them that the release's fork covers.
	Required []*pep508.Marker
	// Targets are the concrete environments wheel coverage is computed for,
	// and that Required is checked against; nil means DefaultTargets.
	Targets []*Target
	// Preferences are locked versions with the marker of the lock entry
	// they come from (nil: everywhere); in a fork, the first entry of a
	// project whose marker overlaps the fork is preferred. Options.Preferences
	// apply where a project has none here.
	Preferences map[string][]Preference
}

// Preference is a version to keep where Marker holds.
type Preference struct {
	Version pep440.Version
	Marker  *pep508.Marker
}

// Target is one concrete environment: a CPython version on a platform.
type Target struct {
	Name        string // "cp312-windows"
	Python      pep440.Version
	Environment pep508.Environment
	// Interpreter gives the wheel tags the target supports; they are
	// expanded on first use (most files are pure-Python wheels that need
	// none).
	Interpreter pep425.Interpreter
	once        sync.Once
	ranker      *pep425.Ranker
	mu          sync.Mutex
	allows      map[string]bool // Requires-Python → lowerBoundsAllow(Python, it)
}

// targetPlatforms pairs pep508's marker platforms with pep425's tag
// targets.
var targetPlatforms = []struct{ marker, tags string }{
	{pep508.PlatformLinux, "manylinux_x86_64"},
	{pep508.PlatformLinuxAarch64, "manylinux_aarch64"},
	{pep508.PlatformMacOS, "macos_arm64"},
	{pep508.PlatformMacOSX8664, "macos_x86_64"},
	{pep508.PlatformWindows, "win_amd64"},
}

// NewTarget returns CPython python ("3.12") on platform (a pep508
// Platform constant).
func NewTarget(python, platform string) (*Target, error) {
	for _, tp := range targetPlatforms {
		if tp.marker != platform {
			continue
		}
		v, err := pep440.Parse(python)
		if err != nil || len(v.Release()) < 2 {
			return nil, fmt.Errorf("resolve: target python %q: want X.Y", python)
		}
		env, err := pep508.TargetEnvironment(python, platform)
		if err != nil {
			return nil, err
		}
		interp, err := pep425.Target(tp.tags, [2]int{v.Release()[0], v.Release()[1]})
		if err != nil {
			return nil, err
		}
		return &Target{Name: fmt.Sprintf("cp%d%d-%s", v.Release()[0], v.Release()[1], platform),
			Python: v, Environment: env, Interpreter: interp}, nil
	}
	return nil, fmt.Errorf("resolve: unknown target platform %q", platform)
}

// DefaultTargets lists CPython 3.LowestTargetPython..3.HighestTargetPython
// (those in the universe) on Linux (x86_64, aarch64), macOS (arm64,
// x86_64) and Windows (AMD64).
func DefaultTargets(universe pep508.MarkerSet) []*Target {
	var out []*Target
	for minor := LowestTargetPython; minor <= HighestTargetPython; minor++ {
		py := fmt.Sprintf("3.%d", minor)
		pyOnly, err := pep508.ParseMarker(`python_version == "` + py + `"`)
		if err != nil {
			continue
		}
		ps, err := pep508.NewMarkerSet(pyOnly, "")
		if err != nil || universe.Disjoint(ps) {
			continue
		}
		for _, tp := range targetPlatforms {
			t, err := NewTarget(py, tp.marker)
			if err != nil {
				continue
			}
			// Platform narrowing (--environment sys_platform == ...) applies;
			// the exact micro version does not matter here.
			env := maps.Clone(t.Environment)
			env["python_full_version"] = py + ".99"
			if universe.Evaluate(env) || universe.Evaluate(t.Environment) {
				out = append(out, t)
			}
		}
	}
	return out
}

// usableOn reports whether one of files can be installed on t.
func (t *Target) usableOn(files []*File) bool {
	for _, f := range files {
		if !t.pythonAllows(f.RequiresPython) {
			continue
		}
		if f.Kind == Sdist || pure(f.Tags) {
			return true
		}
		t.once.Do(func() { t.ranker = pep425.NewRanker(t.Interpreter.Tags()) })
		if _, ok := t.ranker.Rank(f.Tags); ok {
			return true
		}
	}
	return false
}

// pythonAllows is lowerBoundsAllow for t's Python, memoized: the same few
// Requires-Python specifiers recur on every file of every release.
func (t *Target) pythonAllows(spec string) bool {
	if spec == "" {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ok, found := t.allows[spec]
	if !found {
		if t.allows == nil {
			t.allows = map[string]bool{}
		}
		ok = lowerBoundsAllow(t.Python, spec)
		t.allows[spec] = ok
	}
	return ok
}

// pure reports whether a wheel is for any Python 3 on any platform
// (py3-none-any), which every target supports.
func pure(tags []pep425.Tag) bool {
	for _, tg := range tags {
		if tg.Interpreter == "py3" && tg.ABI == "none" && tg.Platform == "any" {
			return true
		}
	}
	return false
}

// lowerBoundsAllow is config.pythonAllows for one interpreter.
func lowerBoundsAllow(py pep440.Version, spec string) bool {
	return (&config{python: py}).pythonAllows(spec)
}

// markerSets computes, once per marker and extra, the environments in
// which a requirement applies. It is shared by every fork and safe for
// concurrent use (the prefetcher filters requirements too).
type markerSets struct {
	mu sync.Mutex
	m  map[markerKey]pep508.MarkerSet
}

type markerKey struct {
	m     *pep508.Marker
	extra string
}

// of returns where a requirement with marker m applies to a package's
// base (extra "") or to one extra: for an extra, where it holds with the
// extra and not without it. A marker the algebra cannot represent is taken
// to hold everywhere (base) or, if it names an extra, for every extra:
// over-including a requirement can only add a package, never lose one.
func (ms *markerSets) of(m *pep508.Marker, extra string) pep508.MarkerSet {
	if m == nil {
		if extra == "" {
			return pep508.AllEnvironments()
		}
		return pep508.NoEnvironment()
	}
	k := markerKey{m, extra}
	ms.mu.Lock()
	s, ok := ms.m[k]
	ms.mu.Unlock()
	if ok {
		return s
	}
	base, err := pep508.NewMarkerSet(m, "")
	if err != nil {
		base = boolMarkerSet(!m.UsesExtra())
	}
	s = base
	if extra != "" {
		with, err := pep508.NewMarkerSet(m, extra)
		if err != nil {
			with = boolMarkerSet(m.UsesExtra())
		}
		s = with.And(base.Not())
	}
	ms.mu.Lock()
	ms.m[k] = s
	ms.mu.Unlock()
	return s
}

func boolMarkerSet(b bool) pep508.MarkerSet {
	if b {
		return pep508.AllEnvironments()
	}
	return pep508.NoEnvironment()
}

// universalApplies reports whether r applies somewhere in the fork,
// memoized per marker and extra (the crawl and the solver ask about the
// same requirements over and over).
func (c *config) universalApplies(r *pep508.Requirement, extra string) bool {
	if r.Marker == nil {
		return extra == ""
	}
	k := markerKey{r.Marker, extra}
	c.appliesMu.Lock()
	ok, found := c.appliesMemo[k]
	c.appliesMu.Unlock()
	if found {
		return ok
	}
	ok = !c.fork.Disjoint(c.sets.of(r.Marker, extra))
	c.appliesMu.Lock()
	c.appliesMemo[k] = ok
	c.appliesMu.Unlock()
	return ok
}

// errFork says that a fork's requirements diverge: the resolution of the
// fork restarts as one resolution per region of the markers.
type errFork struct {
	name    string
	markers []pep508.MarkerSet
}

func (e *errFork) Error() string { return "resolve: requirements on " + e.name + " diverge by marker" }

// divergence returns an errFork when the requirements of one package on
// one project carry markers that differ within the fork (as uv, siblings
// only: the same project required under different markers by different
// packages does not fork).
func (c *config) divergence(reqs []*pep508.Requirement, extra string) error {
	byName := map[string][]*pep508.Requirement{}
	var order []string
	for _, r := range reqs {
		n := r.NormalizedName()
		if len(byName[n]) == 1 {
			order = append(order, n)
		}
		byName[n] = append(byName[n], r)
	}
	for _, n := range order {
		var sets []pep508.MarkerSet
		for _, r := range byName[n] {
			sets = append(sets, c.sets.of(r.Marker, extra).And(*c.fork))
		}
		for _, s := range sets[1:] {
			if !s.Equivalent(sets[0]) {
				return &errFork{name: n, markers: sets}
			}
		}
	}
	return nil
}

// partialReq is a requirement of from on name that applies in part of
// the fork only.
type partialReq struct {
	from, name string
	set        pep508.MarkerSet
}

// notePartial records the requirements of p whose marker splits the fork.
func (s *solver) notePartial(p *pkg, reqs []*pep508.Requirement) {
	for _, r := range reqs {
		m := s.cfg.sets.of(r.Marker, p.extra)
		if s.cfg.fork.Implies(m) {
			continue
		}
		s.partial = append(s.partial, partialReq{from: p.name, name: r.NormalizedName(), set: m.And(*s.cfg.fork)})
	}
}

// splitOnFailure picks a marker to split a failed fork by: one of a
// requirement that applies in part of the fork only and links packages of
// the conflict. uv stops at such a conflict between requirements that are
// not siblings (its fork-non-local-fork-marker scenarios); splitting
// instead finds the lock whenever each environment has a solution, which
// is what a lock for several environments promises.
func (s *solver) splitOnFailure(nse *NoSolutionError) (pep508.MarkerSet, bool) {
	involved := map[string]bool{}
	nse.root.walk(func(ic *incompat) {
		for _, t := range ic.terms {
			involved[t.pkg.name] = true
		}
	})
	for _, pr := range s.partial {
		if (involved[pr.from] || involved[pr.name]) && !pr.set.IsEmpty() && !s.cfg.fork.Implies(pr.set) {
			return pr.set, true
		}
	}
	return pep508.MarkerSet{}, false
}

// split partitions fork f by markers: every non-empty intersection of each
// marker or its complement.
func split(f pep508.MarkerSet, markers []pep508.MarkerSet) []pep508.MarkerSet {
	regions := []pep508.MarkerSet{f}
	for _, m := range markers {
		var next []pep508.MarkerSet
		for _, r := range regions {
			for _, part := range []pep508.MarkerSet{r.And(m), r.And(m.Not())} {
				if !part.IsEmpty() {
					next = append(next, part)
				}
			}
		}
		regions = next
	}
	return regions
}

// universe returns the environments the resolution covers.
func (u *Universe) markerSet() (pep508.MarkerSet, error) {
	s := pep508.PythonRange(u.RequiresPython)
	if len(u.Environments) > 0 {
		any := pep508.NoEnvironment()
		for _, m := range u.Environments {
			ms, err := pep508.NewMarkerSet(m, "")
			if err != nil {
				return s, fmt.Errorf("%w: environment %q: %w", ErrEnvironments, m, err)
			}
			any = any.Or(ms)
		}
		s = s.And(any)
	}
	if s.IsEmpty() {
		return s, fmt.Errorf("%w: the environments and Requires-Python leave nothing to resolve for", ErrEnvironments)
	}
	return s, nil
}

// forkResult is one solved fork.
type forkResult struct {
	marker pep508.MarkerSet
	s      *solver
}

// resolveUniversal solves one fork after another. A fork starts as the
// whole universe (split by the required environments); when the solver
// meets a package whose requirements on one project diverge by marker
// within the fork, the fork is replaced by its regions, each solved anew.
// Every fork shares the fetcher, so metadata is fetched once and
// speculation runs ahead of all forks; each fork prefers the versions
// earlier forks chose, so forks agree where they can.
func resolveUniversal(ctx context.Context, p Provider, opts *Options) (*Resolution, error) {
	u := opts.Universal
	universe, err := u.markerSet()
	if err != nil {
		return nil, err
	}
	targets := u.Targets
	if targets == nil {
		targets = DefaultTargets(universe)
	}
	var required []*Target
	var requiredSets []pep508.MarkerSet
	for _, m := range u.Required {
		rs, err := pep508.NewMarkerSet(m, "")
		if err != nil {
			return nil, fmt.Errorf("%w: required environment %q: %w", ErrEnvironments, m, err)
		}
		requiredSets = append(requiredSets, rs)
		for _, t := range targets {
			if rs.Evaluate(t.Environment) && !slices.Contains(required, t) {
				required = append(required, t)
			}
		}
		if universe.Disjoint(rs) {
			return nil, fmt.Errorf("%w: required environment %q is outside the resolved environments", ErrEnvironments, m)
		}
	}
	sets := &markerSets{m: map[markerKey]pep508.MarkerSet{}}
	base := newConfig(opts)
	base.fork, base.sets = &universe, sets
	base.python, _ = universe.PythonLowest()
	f, stop := startFetcher(ctx, p, base, opts)
	defer stop()
	queue := split(universe, requiredSets)
	var done []forkResult
	chosen := map[string]pep440.Version{}
	solved := 0
	for len(queue) > 0 {
		fork := queue[0]
		queue = queue[1:]
		if solved++; solved > MaxForks {
			return nil, fmt.Errorf("%w: more than %d forks; narrow the environments (--environment)", ErrEnvironments, MaxForks)
		}
		cfg := newConfig(opts)
		cfg.fork, cfg.sets = &fork, sets
		cfg.python, _ = fork.PythonLowest()
		cfg.prefs = forkPreferences(opts, fork, sets, chosen)
		for _, t := range required {
			if fork.Evaluate(t.Environment) {
				cfg.required = append(cfg.required, t)
			}
		}
		s := newSolver(ctx, cfg, opts, f)
		err := s.solve()
		var fe *errFork
		if errors.As(err, &fe) {
			queue = append(split(fork, fe.markers), queue...)
			continue
		}
		var nse *NoSolutionError
		if errors.As(err, &nse) {
			if m, ok := s.splitOnFailure(nse); ok {
				queue = append(split(fork, []pep508.MarkerSet{m}), queue...)
				continue
			}
			if text := fork.Within(universe).String(); text != "" {
				nse.fork = text
			}
			return nil, nse
		}
		if err != nil {
			return nil, err
		}
		done = append(done, forkResult{marker: fork, s: s})
		for _, p := range s.list {
			if p.decided && !p.isRoot() && p.extra == "" {
				if _, ok := chosen[p.name]; !ok {
					chosen[p.name] = p.proj.versions[p.version]
				}
			}
		}
	}
	return mergeForks(done, universe, targets, required, sets)
}

// forkPreferences picks, per project, the version to prefer in a fork:
// the locked entry whose marker overlaps the fork, else the single locked
// version, else what an earlier fork chose.
func forkPreferences(opts *Options, fork pep508.MarkerSet, sets *markerSets, chosen map[string]pep440.Version) map[string]pep440.Version {
	prefs := map[string]pep440.Version{}
	upgrade := map[string]bool{}
	for _, n := range opts.UpgradePackages {
		upgrade[pep503.Normalize(n)] = true
	}
	for n, v := range chosen {
		prefs[n] = v
	}
	if opts.Upgrade {
		return prefs
	}
	for n, v := range opts.Preferences {
		if n = pep503.Normalize(n); !upgrade[n] {
			prefs[n] = v
		}
	}
	for n, list := range opts.Universal.Preferences {
		if n = pep503.Normalize(n); upgrade[n] {
			continue
		}
		for _, pr := range list {
			if !fork.Disjoint(sets.of(pr.Marker, "")) {
				prefs[n] = pr.Version
				break
			}
		}
	}
	return prefs
}

// reach computes, for the solved fork, where each chosen node is needed:
// the root everywhere in the fork, and a dependency wherever a dependent
// is needed and the requirement's marker holds.
func (s *solver) reach(fork pep508.MarkerSet, sets *markerSets) (map[*pkg]pep508.MarkerSet, error) {
	out := map[*pkg]pep508.MarkerSet{s.root: fork}
	queue := []*pkg{s.root}
	add := func(q *pkg, m pep508.MarkerSet) {
		if m.IsEmpty() {
			return
		}
		old, ok := out[q]
		if ok && m.Implies(old) {
			return
		}
		if ok {
			m = old.Or(m)
		}
		out[q] = m
		queue = append(queue, q)
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		here := out[p]
		if p.extra != "" {
			if base := s.pkgs[p.name]; base != nil && base.decided {
				add(base, here)
			}
		}
		reqs, _, err := s.requirements(p, p.version)
		if err != nil {
			return nil, err
		}
		for _, r := range reqs {
			name := r.NormalizedName()
			m := here.And(sets.of(r.Marker, p.extra))
			for _, extra := range append([]string{""}, r.NormalizedExtras()...) {
				key := name
				if extra != "" {
					key = name + "[" + extra + "]"
				}
				if q := s.pkgs[key]; q != nil && q.decided && q != p {
					add(q, m)
				}
			}
		}
	}
	return out, nil
}

// mergeForks joins the forks' choices into one resolution: one entry per
// project and version, with the marker where it is needed.
func mergeForks(done []forkResult, universe pep508.MarkerSet, targets, required []*Target, sets *markerSets) (*Resolution, error) {
	type entry struct {
		r        *Resolved
		marker   pep508.MarkerSet
		extras   map[string]bool
		by, deps map[string]bool
	}
	key := func(name string, v pep440.Version) string { return name + " " + v.String() }
	entries := map[string]*entry{}
	res := &Resolution{}
	for _, fr := range done {
		res.Warnings = append(res.Warnings, fr.s.warnings...)
		res.Forks = append(res.Forks, fr.marker.Within(universe).String())
		reach, err := fr.s.reach(fr.marker, sets)
		if err != nil {
			return nil, err
		}
		for _, p := range fr.s.list {
			m, ok := reach[p]
			if !ok || p.isRoot() {
				continue
			}
			v := p.version
			k := key(p.name, p.proj.versions[v])
			e := entries[k]
			if e == nil {
				e = &entry{r: &Resolved{Name: p.name, Version: p.proj.versions[v], Candidate: p.proj.cands[v],
					File: p.proj.best[v], Files: p.proj.files[v]}, marker: pep508.NoEnvironment(),
					extras: map[string]bool{}, by: map[string]bool{}, deps: map[string]bool{}}
				entries[k] = e
			}
			if p.extra != "" {
				e.extras[p.extra] = true
				continue
			}
			e.marker = e.marker.Or(m)
		}
		for _, p := range fr.s.list {
			if _, ok := reach[p]; !ok {
				continue
			}
			for _, ic := range p.deps[p.version] {
				if ic.kind != kindDependency {
					continue
				}
				q := ic.terms[1].pkg
				if _, ok := reach[q]; !ok || q.name == p.name {
					continue
				}
				qe := entries[key(q.name, q.proj.versions[q.version])]
				if p.isRoot() {
					qe.r.Direct = true
					continue
				}
				qe.by[p.name] = true
				entries[key(p.name, p.proj.versions[p.version])].deps[q.name] = true
			}
		}
	}
	slices.Sort(res.Warnings)
	res.Warnings = slices.Compact(res.Warnings)
	// Most entries are needed everywhere; they apply on every target of
	// the universe without evaluating their marker once per target.
	inUniverse := make([]bool, len(targets))
	for i, t := range targets {
		inUniverse[i] = universe.Evaluate(t.Environment)
	}
	for _, e := range entries {
		if e.marker.IsEmpty() {
			continue // only an extra node was reached; cannot happen without its base
		}
		within := e.marker.Within(universe)
		e.r.Marker = within.Marker()
		e.r.Extras = sortedKeys(e.extras)
		e.r.RequiredBy = sortedKeys(e.by)
		e.r.Dependencies = sortedKeys(e.deps)
		everywhere := e.r.Marker == nil
		for i, t := range targets {
			if everywhere && !inUniverse[i] || !everywhere && !e.marker.Evaluate(t.Environment) {
				continue
			}
			if t.usableOn(e.r.Files) {
				e.r.Covers = append(e.r.Covers, t.Name)
				continue
			}
			e.r.Uncovered = append(e.r.Uncovered, t.Name)
			if slices.Contains(required, t) {
				return nil, fmt.Errorf("%w: %s %s has no wheel or allowed sdist for required environment %s",
					ErrEnvironments, e.r.Name, e.r.Version, t.Name)
			}
		}
		if len(e.r.Uncovered) > 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s %s has no usable file for %s",
				e.r.Name, e.r.Version, strings.Join(e.r.Uncovered, ", ")))
		}
		res.Packages = append(res.Packages, *e.r)
	}
	slices.SortFunc(res.Packages, func(a, b Resolved) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return a.Version.Compare(b.Version)
	})
	return res, nil
}
