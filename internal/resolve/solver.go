package resolve

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
)

// pkg is a node of the solver: a project, or a project with one extra (a
// virtual package "name[extra]" that depends on name==its own version), or
// the root.
type pkg struct {
	name  string // PEP 503 normalized project name; "" for the root
	extra string // normalized extra; "" for a base package
	key   string // "name" or "name[extra]"
	proj  *project
	n     int // number of versions (size of the universe)
	order int // first-seen order, breaks ties between decisions
	any   term

	incompats []*incompat
	deps      map[int][]*incompat  // dependency incompatibilities by version
	depMerge  map[string]*incompat // widest "p∈S depends on <label>" so far

	// decision heuristics
	rejections int    // versions rejected because of decided packages
	early      bool   // decide before everything else (see solve)
	prefetched int    // version prefetchPending last guessed (-1: none)
	foreseen   int    // solver.foreseeRound that last looked at the package
	watchers   []*pkg // packages whose foresee walk read this one
	touched    bool   // in solver.changed

	// partial-solution state
	assigns []int // indexes into solver.assignments
	acc     term  // intersection of all assignments (valid if len(assigns) > 0)
	decided bool
	version int
}

func (p *pkg) isRoot() bool { return p.name == "" }

// assignment is a decision (cause == nil) or a derivation.
type assignment struct {
	t     term
	level int
	cause *incompat
	after term // accumulated term of t.pkg including this assignment
}

// solver is one run of the PubGrub algorithm (Weizenbaum, "PubGrub: Next-
// Generation Version Solving", 2018) over bitset version sets.
type solver struct {
	ctx   context.Context
	cfg   *config
	opts  *Options
	fetch *fetcher

	root *pkg
	pkgs map[string]*pkg
	list []*pkg

	incompats   []*incompat
	assignments []assignment
	level       int
	warnings    []string
	// conflicted is set once a version has been rejected or a conflict
	// learned: from then on, siblings of guesses are fetched too.
	conflicted bool
	// changed lists the packages whose assignments changed since the last
	// prefetchPending.
	changed []*pkg
	// partial lists, in a universal fork, the requirements met whose marker
	// holds in part of the fork only (see resolveUniversal).
	partial []partialReq
	// unsettled lists the packages whose foresee walk stopped at metadata
	// still in flight; foreseeRound numbers the calls of foresee.
	unsettled    []*pkg
	foreseeRound int
	// specMemo holds the versions of its project a requirement allows.
	specMemo map[*pep508.Requirement]vset
}

func (s *solver) warn(msg string) {
	if !slices.Contains(s.warnings, msg) {
		s.warnings = append(s.warnings, msg)
	}
}

func (s *solver) addIncompat(ic *incompat) {
	ic.id = len(s.incompats)
	s.incompats = append(s.incompats, ic)
	for _, t := range ic.terms {
		t.pkg.incompats = append(t.pkg.incompats, ic)
	}
}

func (s *solver) accOf(p *pkg) term {
	if len(p.assigns) > 0 {
		return p.acc
	}
	return p.any
}

const relAlmost relation = 3

// relation returns how ic relates to the partial solution, and for
// relAlmost the index of the one term not yet satisfied.
func (s *solver) relation(ic *incompat) (relation, int) {
	unsat := -1
	for i, t := range ic.terms {
		switch relationTo(s.accOf(t.pkg), t) {
		case relContradicted:
			return relContradicted, -1
		case relInconclusive:
			if unsat >= 0 {
				return relInconclusive, -1
			}
			unsat = i
		}
	}
	if unsat < 0 {
		return relSatisfied, -1
	}
	return relAlmost, unsat
}

func (s *solver) push(t term, cause *incompat) {
	p := t.pkg
	acc := t
	if len(p.assigns) > 0 {
		acc = p.acc.intersect(t)
	}
	p.acc = acc
	p.assigns = append(p.assigns, len(s.assignments))
	s.assignments = append(s.assignments, assignment{t: t, level: s.level, cause: cause, after: acc})
	s.touch(p)
}

// touch notes that p's assignments changed, for prefetchPending.
func (s *solver) touch(p *pkg) {
	if !p.touched {
		p.touched = true
		s.changed = append(s.changed, p)
	}
}

func (s *solver) decide(p *pkg, v int) {
	s.level++
	s.push(term{pkg: p, pos: true, set: singleton(p.n, v)}, nil)
	p.decided, p.version = true, v
}

// backtrack removes every assignment made above decision level l.
func (s *solver) backtrack(l int) {
	for len(s.assignments) > 0 {
		a := s.assignments[len(s.assignments)-1]
		if a.level <= l {
			break
		}
		s.assignments = s.assignments[:len(s.assignments)-1]
		p := a.t.pkg
		p.assigns = p.assigns[:len(p.assigns)-1]
		if a.cause == nil {
			p.decided = false
		}
		if k := len(p.assigns); k > 0 {
			p.acc = s.assignments[p.assigns[k-1]].after
		}
		s.touch(p)
	}
	s.level = l
}

// satisfier returns the index of the earliest assignment to t.pkg after
// which the accumulated term (intersected with start, if given) satisfies t.
func (s *solver) satisfier(t term, start *term) int {
	for _, ai := range t.pkg.assigns {
		acc := s.assignments[ai].after
		if start != nil {
			acc = acc.intersect(*start)
		}
		if acc.subsetOf(t) {
			return ai
		}
	}
	return -1
}

// propagate is unit propagation starting from the package that changed.
func (s *solver) propagate(start *pkg) error {
	queue := []*pkg{start}
	for len(queue) > 0 {
		p := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		var conflict *incompat
		for i := len(p.incompats) - 1; i >= 0; i-- {
			ic := p.incompats[i]
			rel, k := s.relation(ic)
			if rel == relSatisfied {
				conflict = ic
				break
			}
			if rel == relAlmost {
				t := ic.terms[k]
				s.push(t.negate(), ic)
				queue = append(queue, t.pkg)
			}
		}
		if conflict != nil {
			s.conflicted = true
			learned, q, err := s.resolveConflict(conflict)
			if err != nil {
				return err
			}
			t, _ := learned.term(q)
			s.push(t.negate(), learned)
			queue = append(queue[:0], q)
		}
	}
	return nil
}

// resolveConflict learns the root cause of a satisfied incompatibility and
// backjumps to where it becomes almost satisfied. It returns the learned
// incompatibility and the package of its unsatisfied term.
func (s *solver) resolveConflict(ic *incompat) (*incompat, *pkg, error) {
	changed := false
	for {
		if ic.isFailure(s.root) {
			return nil, nil, &NoSolutionError{root: ic, rootPkg: s.root}
		}
		idx := make([]int, len(ic.terms))
		sat, satTerm := -1, term{}
		for i, t := range ic.terms {
			idx[i] = s.satisfier(t, nil)
			if idx[i] > sat {
				sat, satTerm = idx[i], t
			}
		}
		if sat < 0 {
			return nil, nil, errors.New("resolve: internal error: conflict without satisfier")
		}
		a := s.assignments[sat]
		prev := 0
		for i, t := range ic.terms {
			j := idx[i]
			if t.pkg == satTerm.pkg {
				start := a.t
				j = s.satisfier(t, &start)
			}
			if j >= 0 && s.assignments[j].level > prev {
				prev = s.assignments[j].level
			}
		}
		if a.cause == nil && prev >= a.level {
			prev = a.level - 1 // a decision is always undone
		}
		if prev < a.level {
			s.backtrack(prev)
			if changed {
				s.addIncompat(ic)
			}
			return ic, satTerm.pkg, nil
		}
		ic = priorCause(ic, a.cause, satTerm.pkg)
		changed = true
	}
}

// priorCause is the resolution rule: the union of both incompatibilities'
// terms, with p's two terms merged by union and the other packages' by
// intersection.
func priorCause(ic, cause *incompat, p *pkg) *incompat {
	var out []term
	add := func(t term) {
		for i := range out {
			if out[i].pkg == t.pkg {
				out[i] = out[i].intersect(t)
				return
			}
		}
		out = append(out, t)
	}
	t1, _ := ic.term(p)
	t2, _ := cause.term(p)
	for _, t := range ic.terms {
		if t.pkg != p {
			add(t)
		}
	}
	for _, t := range cause.terms {
		if t.pkg != p {
			add(t)
		}
	}
	if u := t1.union(t2); !u.isAny() {
		add(u)
	}
	return &incompat{terms: out, kind: kindDerived, cause1: ic, cause2: cause}
}

// next picks the undecided required package to decide: packages marked
// early first, then the one with the fewest versions left (ties: the one
// seen first); nil when every required package is decided.
func (s *solver) next() *pkg {
	var best *pkg
	bestN := 0
	for _, p := range s.list {
		if p.decided || len(p.assigns) == 0 || !p.acc.pos {
			continue
		}
		n := p.acc.set.count()
		if best == nil || (p.early && !best.early) ||
			(p.early == best.early && (n < bestN || (n == bestN && p.order < best.order))) {
			best, bestN = p, n
		}
	}
	return best
}

// maxRejections is how many versions of a package may be rejected because
// of other packages' decisions before the package is decided first.
const maxRejections = 5

// reprioritize handles a version of p that was rejected because a
// dependency conflicts with a decided package (the culprit). Deciding
// packages in the wrong order makes the solver walk p down to ancient
// versions that happen not to conflict (the packse wrong-backtracking
// scenarios); like uv, after maxRejections such rejections p is marked to
// be decided early, and the solver backjumps to before the culprit's
// decision. Backjumping only discards decisions, so the result stays
// correct; each package is promoted at most once, so this terminates.
func (s *solver) reprioritize(p *pkg, deps []*incompat, v int) {
	if p.early {
		return
	}
	culprit := -1 // decision level
	for _, ic := range deps {
		if !s.wouldSatisfy(ic, p, v) {
			continue
		}
		for _, t := range ic.terms {
			if t.pkg == p || !t.pkg.decided {
				continue
			}
			for _, ai := range t.pkg.assigns {
				if a := s.assignments[ai]; a.cause == nil && a.level > culprit {
					culprit = a.level
				}
			}
		}
	}
	if culprit < 0 {
		return
	}
	if p.rejections++; p.rejections >= maxRejections {
		p.early = true
		s.backtrack(culprit - 1)
	}
}

// choose picks the version to try: the preferred (locked) one if still
// allowed, else the newest allowed.
func (s *solver) choose(p *pkg) int {
	if p.proj != nil {
		if pv, ok := s.cfg.prefs[p.name]; ok {
			if i := p.proj.index(pv); i >= 0 && p.acc.set.has(i) {
				return i
			}
		}
	}
	return p.acc.set.highest()
}

// wouldSatisfy reports whether ic would be satisfied if p were decided at v.
func (s *solver) wouldSatisfy(ic *incompat, p *pkg, v int) bool {
	for _, t := range ic.terms {
		if t.pkg == p {
			if t.set.has(v) != t.pos {
				return false
			}
			continue
		}
		if relationTo(s.accOf(t.pkg), t) != relSatisfied {
			return false
		}
	}
	return true
}

func (s *solver) solve() error {
	s.addIncompat(&incompat{terms: []term{{pkg: s.root, pos: false, set: fullSet(1)}}, kind: kindNotRoot})
	next := s.root
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		if err := s.propagate(next); err != nil {
			return err
		}
		s.prefetchPending()
		p := s.next()
		if p == nil {
			return nil
		}
		v := s.choose(p)
		s.prefetchAlternatives(p, v)
		deps, err := s.dependencies(p, v)
		if err != nil {
			return err
		}
		conflict := false
		for _, ic := range deps {
			if s.wouldSatisfy(ic, p, v) {
				conflict = true
				break
			}
		}
		if !conflict {
			s.decide(p, v)
		} else {
			s.conflicted = true
			s.reprioritize(p, deps, v)
		}
		next = p
	}
}

// prefetchPending guesses, after every propagation, the release the solver
// would now choose for each undecided required package whose assignments
// changed, and fetches its metadata (crawling on from it) in the
// background; once the graph has shown a conflict, also that of the next
// pendingSiblings allowed releases below it. The crawl guesses from one
// specifier at a time; once propagation has intersected several, or a
// conflict has been learned, the solver's own choice is the better guess.
// Without this, the solver waits one round trip for nearly every decision
// after its first backjump. Guesses never change the result.
func (s *solver) prefetchPending() {
	changed := s.changed
	defer func() { s.changed = changed[:0] }() // nothing below touches a package
	for _, p := range changed {
		p.touched = false
	}
	if s.fetch.noSpec {
		return
	}
	for _, p := range changed {
		if p.isRoot() || p.decided || len(p.assigns) == 0 || !p.acc.pos || p.proj.url != "" {
			continue
		}
		v := s.choose(p)
		if v < 0 || v == p.prefetched || !s.usable(p, v) {
			continue
		}
		p.prefetched = v
		s.fetch.speculate(p.proj.cands[v], p.proj.best[v], p.extra)
		if s.conflicted {
			s.speculateBelow(p, v, pendingSiblings)
		}
	}
	s.foresee(changed)
}

// foresee predicts, for undecided required packages, the rejections the
// solver is heading for. A release whose metadata is known and that
// requires a project at versions its partial solution already excludes
// will be rejected as soon as the solver tries it; the solver then tries
// the next allowed release, so that one's metadata is fetched in the
// background (or the walk goes on down, up to foreseeWalk releases).
// A package is looked at again when its own assignments change, when
// those of a project its walk read change, or while the metadata its walk
// stopped at is still in flight. Predictions never change the result.
func (s *solver) foresee(changed []*pkg) {
	dirty := s.unsettled
	s.unsettled = nil
	for _, q := range changed {
		dirty = append(dirty, q)
		dirty = append(dirty, q.watchers...)
	}
	s.foreseeRound++
	for _, p := range dirty {
		if p.foreseen == s.foreseeRound {
			continue
		}
		p.foreseen = s.foreseeRound
		if p.isRoot() || p.decided || len(p.assigns) == 0 || !p.acc.pos || p.proj.url != "" {
			continue
		}
		v := s.choose(p)
		for walked := 0; v >= 0 && walked <= foreseeWalk; walked++ {
			cand := p.proj.cands[v]
			if !s.usable(p, v) {
				v = s.below(p, v)
				continue
			}
			deps, ok := s.fetch.ready(cand)
			if !ok {
				if !s.fetch.requested(cand) {
					s.fetch.speculate(cand, p.proj.best[v], p.extra)
				}
				s.unsettled = append(s.unsettled, p)
				break
			}
			if !s.excluded(p, deps) {
				break
			}
			v = s.below(p, v)
		}
	}
}

// below returns the highest version of p below v that p's partial
// solution allows, or -1.
func (s *solver) below(p *pkg, v int) int {
	for i := v - 1; i >= 0; i-- {
		if p.acc.set.has(i) {
			return i
		}
	}
	return -1
}

// excluded reports whether a release of p with metadata deps requires a
// project at versions that the partial solution excludes; p watches every
// project it reads here.
func (s *solver) excluded(p *pkg, deps *Dependencies) bool {
	for _, r := range deps.Requires {
		if r == nil || r.URL != "" {
			continue
		}
		q := s.pkgs[r.NormalizedName()]
		if q == nil || q == p || !s.cfg.applies(r, p.extra) {
			continue
		}
		if !slices.Contains(q.watchers, p) {
			q.watchers = append(q.watchers, p)
		}
		if len(q.assigns) == 0 || !q.acc.pos {
			continue
		}
		set, ok := s.specMemo[r]
		if !ok {
			set = s.specSet(q, r.Specifier)
			s.specMemo[r] = set
		}
		if !set.intersects(q.acc.set) {
			return true
		}
	}
	return false
}

// prefetchAlternatives runs when the solver, after a conflict, is about
// to ask for the metadata of p at v, which nobody foresaw: the solver is
// walking down p's releases. While it waits anyway, the next
// alternativePrefetch allowed releases below v are fetched too, so the
// walk costs one round trip rather than one per release.
func (s *solver) prefetchAlternatives(p *pkg, v int) {
	if !s.conflicted || p.isRoot() || p.proj.url != "" || s.fetch.noSpec || s.fetch.requested(p.proj.cands[v]) {
		return
	}
	s.speculateBelow(p, v, alternativePrefetch)
}

// speculateBelow fetches in the background the metadata of up to n
// allowed, usable releases of p below v.
func (s *solver) speculateBelow(p *pkg, v, n int) {
	for i := v - 1; i >= 0 && n > 0; i-- {
		if p.acc.set.has(i) && s.usable(p, i) {
			n--
			s.fetch.speculate(p.proj.cands[i], p.proj.best[i], p.extra)
		}
	}
}

func (s *solver) usable(p *pkg, v int) bool {
	return p.proj.usable.has(v) && p.proj.best[v] != nil
}

// pkgFor returns the solver node for a project (and extra), loading the
// project's releases on first use.
func (s *solver) pkgFor(name, extra string) (*pkg, error) {
	key := name
	if extra != "" {
		key = name + "[" + extra + "]"
	}
	if p, ok := s.pkgs[key]; ok {
		return p, nil
	}
	var proj *project
	if extra != "" {
		base, err := s.pkgFor(name, "")
		if err != nil {
			return nil, err
		}
		proj = base.proj
	} else {
		var err error
		if proj, err = s.loadProject(name); err != nil {
			return nil, err
		}
	}
	p := &pkg{name: name, extra: extra, key: key, proj: proj, n: len(proj.versions), order: len(s.list),
		deps: map[int][]*incompat{}, prefetched: -1}
	p.any = term{pkg: p, pos: false, set: emptySet(p.n)}
	s.pkgs[key] = p
	s.list = append(s.list, p)
	for _, g := range proj.groups {
		s.addIncompat(&incompat{terms: []term{{pkg: p, pos: true, set: g.set}}, kind: kindUnusable, reason: g.reason})
	}
	if extra == "" {
		for _, r := range s.opts.Constraints {
			if r.NormalizedName() != name || !s.cfg.applies(r, "") {
				continue
			}
			allowed := s.specSet(p, r.Specifier)
			label := p.key + r.Specifier.String()
			s.addIncompat(&incompat{terms: []term{{pkg: p, pos: true, set: allowed.complement(p.n)}},
				kind: kindConstraint, reason: label})
		}
	}
	return p, nil
}

func (s *solver) loadProject(name string) (*project, error) {
	if url := s.cfg.urls[name]; url != "" {
		up, ok := s.fetch.p.(URLProvider)
		if !ok {
			return nil, fmt.Errorf("resolve: %s @ %s: the provider cannot fetch direct URLs", name, url)
		}
		cand, err := up.FromURL(s.ctx, name, url)
		if err != nil {
			return nil, fmt.Errorf("resolve: fetching %s @ %s: %w", name, url, err)
		}
		c := *cand
		c.URL = url
		proj := s.cfg.assess(name, []*Candidate{&c})
		proj.url = url
		return proj, nil
	}
	cands, err := s.fetch.versions(s.ctx, name, false)
	if errors.Is(err, ErrNotFound) {
		proj := s.cfg.assess(name, nil)
		proj.missing = true
		return proj, nil
	}
	if err != nil {
		return nil, fmt.Errorf("resolve: listing versions of %s: %w", name, err)
	}
	return s.cfg.assess(name, cands), nil
}

// specSet is the set of p's versions a specifier admits. Pre-release
// policy is not applied here: unusable pre-releases are excluded by their
// own incompatibility, so explanations can say why.
func (s *solver) specSet(p *pkg, spec pep440.SpecifierSet) vset {
	set := emptySet(p.n)
	for i, v := range p.proj.versions {
		if spec.Contains(v, true) {
			set[i/64] |= 1 << (i % 64)
		}
	}
	return set
}

// requirements returns the requirements of p at version v that apply on
// the target, and an incompatibility if the release turns out unusable.
func (s *solver) requirements(p *pkg, v int) ([]*pep508.Requirement, *incompat, error) {
	if p.isRoot() {
		return s.cfg.filterRequires(s.opts.Requirements, ""), nil, nil
	}
	cand, file := p.proj.cands[v], p.proj.best[v]
	if file == nil { // unusable releases are excluded by propagation; be safe anyway
		return nil, &incompat{terms: []term{{pkg: p, pos: true, set: singleton(p.n, v)}}, kind: kindUnusable,
			reason: "has no usable distribution file"}, nil
	}
	deps, err := s.fetch.dependencies(s.ctx, cand, file, false)
	if errors.Is(err, ErrNoMetadata) {
		s.warn(fmt.Sprintf("%s %s was skipped: %v", p.name, cand.Version, err))
		return nil, &incompat{terms: []term{{pkg: p, pos: true, set: singleton(p.n, v)}}, kind: kindUnusable,
			reason: "has no static metadata (building sdists is not supported)"}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("resolve: reading metadata of %s %s: %w", p.name, cand.Version, err)
	}
	if p.proj.url == "" && !s.cfg.pythonAllows(deps.RequiresPython) {
		return nil, &incompat{terms: []term{{pkg: p, pos: true, set: singleton(p.n, v)}}, kind: kindUnusable,
			reason: fmt.Sprintf("requires Python %s (%s)", deps.RequiresPython, s.cfg.pythonDesc())}, nil
	}
	return s.cfg.filterRequires(deps.Requires, p.extra), nil, nil
}

// dependencies returns (creating and registering once) the dependency
// incompatibilities of p at version v.
func (s *solver) dependencies(p *pkg, v int) ([]*incompat, error) {
	if ics, ok := p.deps[v]; ok {
		return ics, nil
	}
	reqs, unusable, err := s.requirements(p, v)
	if err != nil {
		return nil, err
	}
	if s.cfg.fork != nil && unusable == nil {
		if err := s.cfg.divergence(reqs, p.extra); err != nil {
			return nil, err
		}
		s.notePartial(p, reqs)
	}
	self := term{pkg: p, pos: true, set: singleton(p.n, v)}
	if !p.isRoot() {
		self.label = p.key + "==" + p.proj.versions[v].String()
	}
	var ics []*incompat
	if unusable != nil {
		ics = append(ics, unusable)
	}
	if p.extra != "" {
		base, err := s.pkgFor(p.name, "")
		if err != nil {
			return nil, err
		}
		ics = append(ics, &incompat{kind: kindDependency, terms: []term{self,
			{pkg: base, pos: false, set: singleton(base.n, v), label: base.key + "==" + p.proj.versions[v].String()}}})
	}
	for _, r := range reqs {
		s.fetch.prefetch(r.NormalizedName(), r.NormalizedExtras(), r.Specifier)
	}
	for _, r := range reqs {
		name := r.NormalizedName()
		if r.URL != "" && s.cfg.urls[name] != r.URL {
			if p.isRoot() {
				return nil, fmt.Errorf("resolve: conflicting direct URLs for %s", name)
			}
			return nil, fmt.Errorf("resolve: %s %s depends on %s @ %s: direct URL dependencies must be required directly",
				p.key, p.proj.versions[v], name, r.URL)
		}
		for _, extra := range append([]string{""}, r.NormalizedExtras()...) {
			if name == p.name && extra == p.extra {
				// A release depending on itself is satisfied by itself, or by
				// nothing when the specifier excludes its own version.
				if r.URL == "" && !r.Specifier.Contains(p.proj.versions[v], true) {
					ics = append(ics, &incompat{terms: []term{self}, kind: kindUnusable,
						reason: "depends on " + p.key + r.Specifier.String() + ", which excludes itself"})
				}
				continue
			}
			q, err := s.pkgFor(name, extra)
			if err != nil {
				return nil, err
			}
			if q.proj.missing && extra != "" {
				continue // the base dependency already says it is missing
			}
			ics = append(ics, p.merge(s.dependency(self, q, r)))
		}
	}
	p.deps[v] = ics
	for _, ic := range ics {
		s.addIncompat(ic)
	}
	return ics, nil
}

// merge widens a dependency incompatibility of p to every version of p
// already known to have the same dependency: "a==1 depends on b>=2" and
// "a==2 depends on b>=2" become "a>=1,<3 depends on b>=2". One learned
// conflict then rules out all those versions at once, and explanations
// get shorter.
func (p *pkg) merge(ic *incompat) *incompat {
	if ic.kind != kindDependency || p.isRoot() {
		return ic
	}
	dep := ic.terms[1]
	key := dep.pkg.key + "\x00" + dep.label
	prev, ok := p.depMerge[key]
	if p.depMerge == nil {
		p.depMerge = map[string]*incompat{}
	}
	if !ok || !prev.terms[1].set.equal(dep.set) {
		p.depMerge[key] = ic
		return ic
	}
	self := term{pkg: p, pos: true, set: prev.terms[0].set.or(ic.terms[0].set)}
	merged := &incompat{kind: kindDependency, terms: []term{self, dep}}
	p.depMerge[key] = merged
	return merged
}

// dependency builds the incompatibility "self depends on q per r". When no
// version of q can match, the incompatibility is {self} alone, derived
// (for the explanation) from the dependency and the fact that q has no
// such version.
func (s *solver) dependency(self term, q *pkg, r *pep508.Requirement) *incompat {
	label := q.key + r.Specifier.String()
	if r.URL != "" {
		label = q.key + " @ " + r.URL
	}
	set := s.specSet(q, r.Specifier)
	dep := &incompat{kind: kindDependency, terms: []term{self, {pkg: q, pos: false, set: set, label: label}}}
	switch {
	case q.proj.missing:
		fact := &incompat{kind: kindNotFound, terms: []term{{pkg: q, pos: true, set: set, label: q.key}}}
		return &incompat{kind: kindDerived, terms: []term{self}, cause1: fact, cause2: dep}
	case set.isEmpty():
		fact := &incompat{kind: kindNoVersions, terms: []term{{pkg: q, pos: true, set: set, label: label}}}
		return &incompat{kind: kindDerived, terms: []term{self}, cause1: fact, cause2: dep}
	}
	return dep
}

// resolution builds the result from a complete partial solution.
func (s *solver) resolution() *Resolution {
	type entry struct {
		r        *Resolved
		extras   map[string]bool
		by, deps map[string]bool
	}
	byName := map[string]*entry{}
	for _, p := range s.list {
		if p.isRoot() || !p.decided {
			continue
		}
		e := byName[p.name]
		if e == nil {
			v := p.version
			e = &entry{r: &Resolved{
				Name: p.name, Version: p.proj.versions[v], Candidate: p.proj.cands[v],
				File: p.proj.best[v], Files: p.proj.files[v],
			}, extras: map[string]bool{}, by: map[string]bool{}, deps: map[string]bool{}}
			byName[p.name] = e
		}
		if p.extra != "" {
			e.extras[p.extra] = true
		}
	}
	for _, p := range s.list {
		if !p.decided {
			continue
		}
		for _, ic := range p.deps[p.version] {
			if ic.kind != kindDependency {
				continue
			}
			q := ic.terms[1].pkg
			if !q.decided || q.name == p.name {
				continue
			}
			if p.isRoot() {
				byName[q.name].r.Direct = true
				continue
			}
			byName[q.name].by[p.name] = true
			byName[p.name].deps[q.name] = true
		}
	}
	res := &Resolution{Warnings: s.warnings}
	for _, e := range byName {
		e.r.Extras = sortedKeys(e.extras)
		e.r.RequiredBy = sortedKeys(e.by)
		e.r.Dependencies = sortedKeys(e.deps)
		res.Packages = append(res.Packages, *e.r)
	}
	slices.SortFunc(res.Packages, func(a, b Resolved) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return res
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
