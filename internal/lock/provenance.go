package lock

import (
	"context"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/resolve"
)

// MaxProvenanceFetches bounds concurrent provenance requests (the index
// client's own limit, shared with the solver's metadata requests, is
// larger). A request mostly waits for the network: at 16, a 150-name lock
// with 20 ms per request finished resolving ~300 ms before its last
// provenance arrived; at 64 the wait is a few tens of milliseconds, and
// more than that slows the solver's own requests. Verifications have
// their own, smaller limit (Provenance.verify).
const MaxProvenanceFetches = 64

// ErrProvenancePolicy is the error of a lock refused for its publishers: a
// package without the provenance --require-provenance asks for, or whose
// publisher changed or vanished since the lock it replaces.
var ErrProvenancePolicy = errors.New("provenance policy")

// ProvenanceFetcher fetches the PEP 740 provenance the index links for a
// file (nil when it links none); index.Client is one.
type ProvenanceFetcher interface {
	Provenance(ctx context.Context, f index.File) ([]byte, error)
}

// Provenance turns on PEP 740 checks (see ProvenanceOptions' fields). For
// every locked file the index links provenance for, the provenance is
// fetched and verified; a file whose provenance fails verification refuses
// the lock with the *provenance.Error naming the file and the check. The
// package records the identities its files verified for.
type Provenance struct {
	Fetcher  ProvenanceFetcher
	Verifier *provenance.Verifier
	// Require holds glob patterns (path.Match, on normalized names): a
	// matching package without verified provenance refuses the lock.
	Require []string
	// RequireFrom names where a Require glob came from, for the refusal
	// (e.g. "[tool.pyward] require-provenance"); a glob it does not name
	// came from --require-provenance.
	RequireFrom map[string]string
	// AllowChange names packages whose publisher may change (or vanish)
	// relative to Previous; the lock records the accepted change.
	AllowChange []string
	// Previous is the lock being replaced, nil for none.
	Previous *lockfile.Lock
	// Verdicts, when set, remembers the identities a provenance object
	// verified for, so a re-lock does not verify the same bytes again.
	Verdicts *Verdicts

	cpuOnce sync.Once
	cpu     chan struct{} // verification slots, GOMAXPROCS of them
}

// checkProvenance verifies the locked files' provenance, records identities
// and applies the policy to l.
func checkProvenance(ctx context.Context, l *lockfile.Lock, res *resolve.Resolution, pv *Provenance, pre *provenancePrefetch) error {
	type job struct {
		pkg  int
		file index.File
		sha  string
	}
	var jobs []job
	for i := range l.Packages {
		p := &l.Packages[i]
		rp := res.Packages[i]
		if rp.Candidate == nil {
			continue
		}
		byName := map[string]index.File{}
		for _, f := range rp.Candidate.Files {
			if ixf, ok := f.Data.(*index.File); ok {
				byName[f.Filename] = *ixf
			}
		}
		for _, lf := range p.Files() {
			if ixf, ok := byName[lf.Name]; ok && ixf.Provenance != "" {
				jobs = append(jobs, job{pkg: i, file: ixf, sha: lf.Hashes["sha256"]})
			}
		}
	}
	found := make([][]provenance.Identity, len(jobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(MaxProvenanceFetches)
	for i, j := range jobs {
		g.Go(func() error {
			if r, ok := pre.result(gctx, j.file, j.sha); ok {
				found[i] = r.ids
				return r.err
			}
			ids, err := pv.fetchVerify(gctx, j.file, j.sha)
			found[i] = ids
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, j := range jobs {
		p := &l.Packages[j.pkg]
		for _, id := range found[i] {
			if !slices.ContainsFunc(p.AttestationIdentities, id.Equal) {
				p.AttestationIdentities = append(p.AttestationIdentities, id)
			}
		}
	}
	var problems []string
	for i := range l.Packages {
		if msg := pv.judge(&l.Packages[i]); msg != "" {
			problems = append(problems, msg)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrProvenancePolicy, strings.Join(problems, "; "))
	}
	return nil
}

// fetchVerify fetches f's provenance and verifies it against the file's
// sha256; nil identities when the index links none.
func (pv *Provenance) fetchVerify(ctx context.Context, f index.File, sha string) ([]provenance.Identity, error) {
	data, err := pv.Fetcher.Provenance(ctx, f)
	if err != nil || data == nil {
		return nil, err
	}
	return pv.verify(ctx, f, sha, data)
}

// verify checks f's provenance data against the file's sha256, through the
// verdict cache. Verifications run at most GOMAXPROCS at a time, apart
// from the fetches: a verification is pure CPU, so more at once only
// delays each one (and the lock waits for the last), while a fetch mostly
// waits for the network and should not hold a verification back.
func (pv *Provenance) verify(ctx context.Context, f index.File, sha string, data []byte) ([]provenance.Identity, error) {
	if pv.Verdicts != nil {
		if ids, ok := pv.Verdicts.get(data, sha); ok {
			return ids, nil
		}
	}
	pv.cpuOnce.Do(func() { pv.cpu = make(chan struct{}, runtime.GOMAXPROCS(0)) })
	select {
	case pv.cpu <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ids, err := pv.Verifier.VerifyProvenance(provenance.Dist{Filename: f.Filename, SHA256: sha}, data)
	<-pv.cpu
	if err != nil {
		return nil, err
	}
	if pv.Verdicts != nil {
		pv.Verdicts.put(data, sha, ids)
	}
	return ids, nil
}

// provenancePrefetch fetches and verifies a release's provenance as soon
// as the resolver reads the release's metadata, MaxProvenanceFetches
// requests at a time, each verified as soon as it arrives, so that both
// overlap the resolution instead of following it. Releases the resolver
// later drops cost their requests (every one goes through the index
// client like any other, so it counts in the request total);
// checkProvenance takes the results of the releases it locks and fetches
// what was not prefetched.
type provenancePrefetch struct {
	pv   *Provenance
	ctx  context.Context // ends with the lock
	sem  chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	jobs map[string]*prefetched // by provenance URL
}

// prefetched is one file's outcome, ready when done is closed.
type prefetched struct {
	sha  string // the index's sha256 it was verified against
	done chan struct{}
	ids  []provenance.Identity
	err  error
}

func newProvenancePrefetch(ctx context.Context, pv *Provenance) *provenancePrefetch {
	return &provenancePrefetch{pv: pv, ctx: ctx, sem: make(chan struct{}, MaxProvenanceFetches), jobs: map[string]*prefetched{}}
}

// start begins fetching the provenance of c's files that link one and
// list a sha256 (a file without one is hashed after resolution, and
// checked then). It does not wait.
func (pp *provenancePrefetch) start(c *resolve.Candidate) {
	for _, f := range c.Files {
		p, ok := f.Data.(*index.File)
		sha := strings.ToLower(f.Hashes["sha256"])
		if !ok || p.Provenance == "" || sha == "" || f.Yanked {
			continue
		}
		ixf := *p
		pp.mu.Lock()
		_, seen := pp.jobs[ixf.Provenance]
		j := &prefetched{sha: sha, done: make(chan struct{})}
		if !seen {
			pp.jobs[ixf.Provenance] = j
		}
		pp.mu.Unlock()
		if seen {
			continue
		}
		pp.wg.Add(1)
		go func() {
			defer pp.wg.Done()
			defer close(j.done)
			select {
			case pp.sem <- struct{}{}:
			case <-pp.ctx.Done():
				j.err = pp.ctx.Err()
				return
			}
			data, err := pp.pv.Fetcher.Provenance(pp.ctx, ixf)
			<-pp.sem
			if err != nil || data == nil {
				j.err = err
				return
			}
			j.ids, j.err = pp.pv.verify(pp.ctx, ixf, sha, data)
		}()
	}
}

// wait waits for every prefetch started; the caller ends their context
// first, so that those the lock does not need stop early.
func (pp *provenancePrefetch) wait() { pp.wg.Wait() }

// result waits for f's prefetched outcome; false when f was not
// prefetched against sha, or the prefetch was cut short by the end of
// its context.
func (pp *provenancePrefetch) result(ctx context.Context, f index.File, sha string) (*prefetched, bool) {
	if pp == nil {
		return nil, false
	}
	pp.mu.Lock()
	j := pp.jobs[f.Provenance]
	pp.mu.Unlock()
	if j == nil || j.sha != sha {
		return nil, false
	}
	select {
	case <-j.done:
	case <-ctx.Done():
		return nil, false
	}
	if j.err != nil && pp.ctx.Err() != nil {
		return nil, false
	}
	return j, true
}

// prefetchProvider starts a release's provenance prefetch when the solver
// turns to it (resolve.ChoiceObserver), as its metadata is read; the
// prefetcher's speculative reads of neighbouring releases start none, so
// that releases the solver never considers cost no provenance request.
type prefetchProvider struct {
	resolve.Provider
	pre *provenancePrefetch
}

// Considering implements resolve.ChoiceObserver.
func (p *prefetchProvider) Considering(c *resolve.Candidate) { p.pre.start(c) }

// FromURL passes direct URL requirements through to the wrapped provider.
func (p *prefetchProvider) FromURL(ctx context.Context, name, url string) (*resolve.Candidate, error) {
	u, ok := p.Provider.(resolve.URLProvider)
	if !ok {
		return nil, fmt.Errorf("%s @ %s: direct URL requirements are not supported by this package source", name, url)
	}
	return u.FromURL(ctx, name, url)
}

// judge applies --require-provenance and change detection to one package,
// recording an accepted change; it returns the refusal, "" when none.
func (pv *Provenance) judge(p *lockfile.Package) string {
	name := p.NormalizedName()
	if len(p.AttestationIdentities) == 0 {
		for _, g := range pv.Require {
			if ok, _ := path.Match(pep503.Normalize(g), name); ok || g == name {
				from := pv.RequireFrom[g]
				if from == "" {
					from = "--require-provenance"
				}
				return fmt.Sprintf("%s %s has no verified provenance (%s %s)", p.Name, p.Version, from, g)
			}
		}
	}
	var prev *lockfile.Package
	if pv.Previous != nil {
		prev = pv.Previous.Find(name)
	}
	if prev == nil {
		return ""
	}
	if prev.PublisherChange != "" && prev.Version == p.Version {
		p.PublisherChange = prev.PublisherChange // the accepted change stays on record
	}
	if len(prev.AttestationIdentities) == 0 {
		return ""
	}
	added, changed := PublisherChanged(prev.AttestationIdentities, p.AttestationIdentities)
	if !changed {
		return ""
	}
	was := identityList(prev.AttestationIdentities)
	change := fmt.Sprintf("%s %s has no provenance, but %s was published by %s", p.Name, p.Version, prev.Version, was)
	if added != nil {
		change = fmt.Sprintf("%s %s was published by %s, but %s by %s", p.Name, p.Version, *added, prev.Version, was)
	}
	if slices.Contains(pv.AllowChange, name) {
		p.PublisherChange = "accepted with --allow-publisher-change: " + change
		return ""
	}
	return change + " (if expected, re-lock with --allow-publisher-change " + name + ")"
}

// PublisherChanged reports whether a package's publishers changed from
// was (the locked version's) to now (a new version's) in the way lock
// refuses without --allow-publisher-change, and audit reports in a lock's
// history: was had publishers, and now has none, or one that was lacks.
// added is the first such new publisher, nil when now has none.
func PublisherChanged(was, now []provenance.Identity) (added *provenance.Identity, changed bool) {
	if len(was) == 0 {
		return nil, false
	}
	if len(now) == 0 {
		return nil, true
	}
	for i := range now {
		if !slices.ContainsFunc(was, now[i].Equal) {
			return &now[i], true
		}
	}
	return nil, false
}

func identityList(ids []provenance.Identity) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, " and ")
}
