package resolve

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/pyward/pyward/internal/pep440"
)

// Prefetch limits.
const (
	// DefaultConcurrency is the number of provider calls the prefetcher keeps
	// in flight when Options.Concurrency is 0. A cold lock of a few hundred
	// packages makes over a thousand speculative requests, most of them in
	// the first round trips: with fewer slots they queue, and the solver
	// waits for the queue. It is below the index client's own limit
	// (index.DefaultConcurrency) so the solver's requests always find a
	// free connection.
	DefaultConcurrency = 64
	// maxPrefetch bounds how many (project, extra) pairs the speculative
	// crawl may visit, so a pathological index cannot make it run away.
	maxPrefetch = 5000
	// crawlWalk is how many releases below its guess the crawl fetches
	// when each one looks bound to be rejected (see fetcher.crawl).
	crawlWalk = 4
	// pendingSiblings is how many releases below the solver's current
	// choice for an undecided package get their metadata fetched ahead
	// (see solver.prefetchPending).
	pendingSiblings = 2
	// foreseeWalk is how many releases below its choice for an undecided
	// package the solver looks ahead through (see solver.foresee).
	foreseeWalk = 8
	// alternativePrefetch is how many releases below an unforeseen choice
	// get their metadata fetched while the solver waits for it.
	alternativePrefetch = 8
)

// call is one memoized provider call; done is closed when val/err are set.
type call[T any] struct {
	done        chan struct{}
	val         T
	err         error
	speculative bool
}

// fetcher memoizes provider answers and crawls ahead of the solver.
//
// The solver is sequential: it needs the releases of a project when a
// dependency on it first appears, and the metadata of a release when it
// decides on it. Waiting for each in turn would cost one round trip per
// package. Instead, as soon as a project is named anywhere, the fetcher
// fetches its release list, guesses the release the solver will most
// likely pick (the one it would pick with no other constraints), fetches
// that release's metadata and recurses into its dependencies, all with
// bounded parallelism. When the guesses are right — nearly always — wall
// time is about depth × round trip. Guesses never change the result: the
// solver only ever reads memoized answers to the questions it asks itself.
type fetcher struct {
	p        Provider
	cfg      *config
	sem      chan struct{}
	bg       context.Context // speculative work; cancelled when resolution ends
	wg       sync.WaitGroup
	vers     *table[string, []*Candidate]
	deps     *table[*Candidate, *Dependencies]
	mu       sync.Mutex
	seen     map[string]bool // crawled "name[extra]" keys
	noSpec   bool
	halted   atomic.Bool               // no new crawl (Warmup.Halt)
	guess    map[string]pep440.Version // the release the crawl expects, by project
	projects map[string]*project       // assessed releases, by project
	// pending holds the speculations started and not yet finished, so
	// that the solver, which asks again after every step while the
	// metadata is not claimed (a speculation claims it only once it has
	// a slot of sem), starts one goroutine per release and extra rather
	// than one per step: on a busy machine that was hundreds of queued
	// goroutines, each with a fresh stack.
	pending map[speculation]bool
}

type speculation struct {
	c     *Candidate
	extra string
}

func newFetcher(bg context.Context, p Provider, cfg *config, concurrency int, speculate bool) *fetcher {
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	return &fetcher{
		p: p, cfg: cfg, bg: bg,
		sem:      make(chan struct{}, concurrency),
		vers:     newTable[string, []*Candidate](),
		deps:     newTable[*Candidate, *Dependencies](),
		seen:     map[string]bool{},
		guess:    map[string]pep440.Version{},
		projects: map[string]*project{},
		pending:  map[speculation]bool{},
		noSpec:   !speculate,
	}
}

// table memoizes one kind of provider call.
type table[K comparable, T any] struct {
	mu sync.Mutex
	m  map[K]*call[T]
}

func newTable[K comparable, T any]() *table[K, T] { return &table[K, T]{m: map[K]*call[T]{}} }

func (t *table[K, T]) forget(key K, c *call[T]) {
	t.mu.Lock()
	if t.m[key] == c {
		delete(t.m, key)
	}
	t.mu.Unlock()
}

// do runs fn at most once per key and waits for the result. A speculative
// caller first takes a slot of sem, and only then claims the key: a key is
// never claimed by a guess that is still queued, so the solver never waits
// behind the prefetch queue. A failed speculative run (other than
// ErrNotFound) is forgotten, and a solver call waiting for it runs fn again.
func (t *table[K, T]) do(ctx context.Context, key K, speculative bool, sem chan struct{}, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	held := false
	if speculative {
		t.mu.Lock()
		_, claimed := t.m[key]
		t.mu.Unlock()
		if !claimed {
			select {
			case sem <- struct{}{}:
				held = true
			case <-ctx.Done():
				return zero, ctx.Err()
			}
		}
	}
	release := func() {
		if held {
			<-sem
			held = false
		}
	}
	defer release()
	for attempt := 0; ; attempt++ {
		t.mu.Lock()
		c, ok := t.m[key]
		if !ok {
			c = &call[T]{done: make(chan struct{}), speculative: speculative}
			t.m[key] = c
			t.mu.Unlock()
			c.val, c.err = fn(ctx)
			release()
			if c.err != nil && speculative && !errors.Is(c.err, ErrNotFound) {
				t.forget(key, c)
			}
			close(c.done)
			return c.val, c.err
		}
		t.mu.Unlock()
		release()
		select {
		case <-c.done:
		case <-ctx.Done():
			return zero, ctx.Err()
		}
		if c.err != nil && c.speculative && !speculative && attempt == 0 && !errors.Is(c.err, ErrNotFound) {
			continue // the guess failed (perhaps cancelled); ask again for real
		}
		return c.val, c.err
	}
}

// versions returns the releases of a project sorted by version, equal
// versions merged.
func (f *fetcher) versions(ctx context.Context, name string, speculative bool) ([]*Candidate, error) {
	return f.vers.do(ctx, name, speculative, f.sem, func(ctx context.Context) ([]*Candidate, error) {
		cands, err := f.p.Versions(ctx, name)
		if err != nil {
			return nil, err
		}
		return sortCandidates(cands), nil
	})
}

func (f *fetcher) dependencies(ctx context.Context, c *Candidate, file *File, speculative bool) (*Dependencies, error) {
	if !speculative {
		if o, ok := f.p.(ChoiceObserver); ok {
			o.Considering(c)
		}
	}
	return f.deps.do(ctx, c, speculative, f.sem, func(ctx context.Context) (*Dependencies, error) {
		d, err := f.p.Dependencies(ctx, c, file)
		if err == nil && d == nil {
			d = &Dependencies{}
		}
		return d, err
	})
}

// requested reports whether the metadata of c has been asked for (it may
// still be in flight).
func (f *fetcher) requested(c *Candidate) bool {
	f.deps.mu.Lock()
	defer f.deps.mu.Unlock()
	_, ok := f.deps.m[c]
	return ok
}

// ready returns the metadata of c if a fetch of it has finished without
// error; it never waits.
func (f *fetcher) ready(c *Candidate) (*Dependencies, bool) {
	f.deps.mu.Lock()
	cl, ok := f.deps.m[c]
	f.deps.mu.Unlock()
	if !ok {
		return nil, false
	}
	select {
	case <-cl.done:
		return cl.val, cl.err == nil
	default:
		return nil, false
	}
}

// speculate fetches the metadata of c in the background and crawls on
// from the requirements that apply with extra.
func (f *fetcher) speculate(c *Candidate, file *File, extra string) {
	key := speculation{c, extra}
	f.mu.Lock()
	if f.pending[key] {
		f.mu.Unlock()
		return // the same fetch and crawl are under way
	}
	f.pending[key] = true
	f.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer func() {
			f.mu.Lock()
			delete(f.pending, key)
			f.mu.Unlock()
		}()
		deps, err := f.dependencies(f.bg, c, file, true)
		if err != nil || f.bg.Err() != nil {
			return
		}
		f.crawlOn(deps, extra)
	}()
}

// crawlOn prefetches the requirements of a release that apply with each
// of extras ("" for the release itself).
func (f *fetcher) crawlOn(deps *Dependencies, extras ...string) {
	for _, e := range extras {
		for _, r := range f.cfg.filterRequires(deps.Requires, e) {
			f.prefetch(r.NormalizedName(), r.NormalizedExtras(), r.Specifier)
		}
	}
}

// sortCandidates sorts by version and merges candidates with equal versions
// ("1.0" and "1.0.0" are the same release).
func sortCandidates(in []*Candidate) []*Candidate {
	cands := slices.Clone(in)
	cands = slices.DeleteFunc(cands, func(c *Candidate) bool { return c == nil || c.Version.IsZero() })
	slices.SortStableFunc(cands, func(a, b *Candidate) int { return a.Version.Compare(b.Version) })
	out := cands[:0]
	for _, c := range cands {
		if n := len(out); n > 0 && out[n-1].Version.Compare(c.Version) == 0 {
			merged := *out[n-1]
			merged.Files = append(slices.Clone(merged.Files), c.Files...)
			out[n-1] = &merged
			continue
		}
		out = append(out, c)
	}
	return out
}

// prefetch starts crawling a project (and the given extras) in the
// background, unless that has been done already for the same specifier.
// The specifier of the requirement that named the project steers the guess:
// the release it allows, not merely the newest, is what the solver will
// most likely ask about, so a dependent's upper bound costs no round trip.
func (f *fetcher) prefetch(name string, extras []string, spec pep440.SpecifierSet) {
	if f.noSpec || f.halted.Load() {
		return
	}
	keys := append([]string{""}, extras...)
	var todo []string
	specKey := spec.String()
	f.mu.Lock()
	for _, e := range keys {
		k := name + "[" + e + "]" + specKey
		if !f.seen[k] && len(f.seen) < maxPrefetch {
			f.seen[k] = true
			todo = append(todo, e)
		}
	}
	f.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		f.crawl(name, todo, spec)
	}()
}

func (f *fetcher) crawl(name string, extras []string, spec pep440.SpecifierSet) {
	ctx := f.bg
	if f.cfg.urls[name] != "" {
		return // direct URL projects are fetched by the solver itself
	}
	cands, err := f.versions(ctx, name, true)
	if err != nil || ctx.Err() != nil {
		return
	}
	proj := f.project(name, cands)
	v := proj.likely(f.cfg)
	if v < 0 {
		return
	}
	if !spec.IsEmpty() && !spec.Contains(proj.versions[v], spec.Prereleases()) {
		v = proj.highestIn(v, spec)
		if v < 0 {
			return
		}
	}
	f.mu.Lock()
	if _, ok := f.guess[name]; !ok {
		f.guess[name] = proj.versions[v]
	}
	f.mu.Unlock()
	// A release that requires a project at versions excluding the crawl's
	// guess for it is likely to be rejected: the solver then tries the
	// next release down, so the crawl walks down with it.
	for walked := 0; ; walked++ {
		deps, err := f.dependencies(ctx, proj.cands[v], proj.best[v], true)
		if err != nil {
			return
		}
		f.crawlOn(deps, extras...)
		if walked == crawlWalk || f.halted.Load() || !f.excludesGuess(deps, extras) {
			return
		}
		if v = proj.highestIn(v, spec); v < 0 {
			return
		}
	}
}

// project is cfg.assess of a project's releases, memoized: the crawl
// reaches a project once per distinct specifier naming it.
func (f *fetcher) project(name string, cands []*Candidate) *project {
	f.mu.Lock()
	proj, ok := f.projects[name]
	f.mu.Unlock()
	if ok {
		return proj
	}
	proj = f.cfg.assess(name, cands)
	f.mu.Lock()
	f.projects[name] = proj
	f.mu.Unlock()
	return proj
}

// excludesGuess reports whether one of the requirements of a release
// (with any of extras) excludes the release the crawl guessed for its
// project.
func (f *fetcher) excludesGuess(deps *Dependencies, extras []string) bool {
	for _, e := range extras {
		for _, r := range f.cfg.filterRequires(deps.Requires, e) {
			f.mu.Lock()
			g, ok := f.guess[r.NormalizedName()]
			f.mu.Unlock()
			if ok && !r.Specifier.Contains(g, true) {
				return true
			}
		}
	}
	return false
}

// wait stops speculative work (the caller cancels f.bg first).
func (f *fetcher) wait() { f.wg.Wait() }
