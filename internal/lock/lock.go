// Package lock turns requirements into a hashed lock: it resolves them
// (resolve) against the configured indexes (index), then records for every
// chosen release ALL of its files on the index — every platform's wheels
// and the sdist — with their sha256 hashes, sizes, upload times and the
// index they came from, so the lock installs anywhere with
// pip --require-hashes or pyward sync.
//
// Rules:
//
//   - Hashes come from the index (URL fragment or PEP 691 "hashes"). A file
//     the index gives no sha256 for is downloaded and hashed.
//   - ExcludeNewer (the cooldown) drops every file uploaded after the cutoff
//     before resolution, so a release published minutes ago by a hijacked
//     account is never picked up. Files without an upload time are kept and
//     reported in the warnings.
//   - Re-locking keeps the versions of the previous lock (Preferences)
//     unless Upgrade or UpgradePackages say otherwise: the smallest change.
//   - Output ordering is deterministic: the same inputs and index give the
//     same bytes.
//   - Universal locks (Options.Universal) hold every environment of the
//     universe: each package carries the marker where it is needed, a
//     project may appear once per version under disjoint markers, and the
//     universe's environments are recorded. Re-locks prefer each fork's
//     locked version (MarkerPins); UpgradePackages applies to every fork.
package lock

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
)

// MaxHashDownloads bounds concurrent downloads of files that need hashing.
const MaxHashDownloads = 8

// Requirement is a first-party requirement and where it was written, for
// "# via" annotations (e.g. "-r requirements.in", "pyproject.toml").
type Requirement struct {
	Req    *pep508.Requirement
	Origin string
}

// Target is the environment the lock is resolved for.
type Target struct {
	Python      pep440.Version
	Environment pep508.Environment
	Tags        []pep425.Tag
}

// Downloader fetches a file and returns its sha256 (hex).
type Downloader interface {
	Download(ctx context.Context, f index.File, dst io.Writer) (string, error)
}

// Options configures one lock.
type Options struct {
	Requirements []Requirement
	Constraints  []*pep508.Requirement
	Provider     resolve.Provider
	Downloader   Downloader
	// SourceURLs maps index source names (index.File.Index) to the URL
	// recorded in the lock.
	SourceURLs map[string]string
	Target     Target

	Prereleases          bool
	StrictRequiresPython bool
	NoBinary, NoBuild    []string
	Preferences          map[string]pep440.Version
	Upgrade              bool
	UpgradePackages      []string
	ExcludeNewer         time.Time

	RequiresPython string // recorded in the lock header
	Command        string // recorded in the lock header

	// Universal, when set, locks for every environment it describes
	// instead of Target: each package gets the marker of the environments
	// that need it, and the lock records Universal.Environments.
	Universal *resolve.Universe

	// Provenance, when set, verifies PEP 740 provenance and records
	// publisher identities (see Provenance).
	Provenance *Provenance
}

// Result is a lock and what the caller should tell the user.
type Result struct {
	Lock       *lockfile.Lock
	Resolution *resolve.Resolution
	Warnings   []string
}

// Lock resolves opts.Requirements and builds the lock.
func Lock(ctx context.Context, opts Options) (*Result, error) {
	if opts.Provider == nil {
		return nil, fmt.Errorf("lock: no package source")
	}
	provider := opts.Provider
	var undated *undatedFiles
	if !opts.ExcludeNewer.IsZero() {
		undated = &undatedFiles{}
		provider = &cooldownProvider{Provider: provider, cutoff: opts.ExcludeNewer, undated: undated}
	}
	var pre *provenancePrefetch
	if opts.Provenance != nil {
		pctx, cancel := context.WithCancel(ctx)
		pre = newProvenancePrefetch(pctx, opts.Provenance)
		// The verdicts of this run are written once, after the last
		// verification, whether or not the lock succeeds.
		defer opts.Provenance.Verdicts.Save()
		// Prefetches of releases the lock did not keep stop here; none
		// uses the index client after Lock returns.
		defer pre.wait()
		defer cancel()
		provider = &prefetchProvider{Provider: provider, pre: pre}
	}
	res, err := resolve.Resolve(ctx, provider, resolve.Options{
		Requirements:         Reqs(opts.Requirements),
		Constraints:          opts.Constraints,
		Python:               opts.Target.Python,
		Environment:          opts.Target.Environment,
		Tags:                 opts.Target.Tags,
		StrictRequiresPython: opts.StrictRequiresPython,
		Prereleases:          opts.Prereleases,
		NoBinary:             opts.NoBinary,
		NoBuild:              opts.NoBuild,
		Preferences:          opts.Preferences,
		Upgrade:              opts.Upgrade,
		UpgradePackages:      opts.UpgradePackages,
		Universal:            opts.Universal,
	})
	if err != nil {
		return nil, err
	}
	l := &lockfile.Lock{CreatedBy: "pyward", Command: opts.Command, RequiresPython: opts.RequiresPython}
	if opts.Universal != nil {
		for _, m := range opts.Universal.Environments {
			l.Environments = append(l.Environments, m.String())
		}
	}
	origins := map[string][]string{}
	for _, r := range opts.Requirements {
		n := pep503.Normalize(r.Req.Name)
		if r.Origin != "" {
			origins[n] = append(origins[n], r.Origin)
		}
	}
	extras := InputExtras(opts.Requirements)
	var toHash []*lockfile.File
	var toHashSrc []index.File
	for _, rp := range res.Packages {
		p := lockfile.Package{
			Name:         rp.Name,
			Version:      rp.Version.String(),
			Dependencies: rp.Dependencies,
		}
		if rp.Marker != nil {
			p.Marker = rp.Marker.String()
		}
		if rp.Candidate != nil && rp.Candidate.Name != "" {
			p.Name = rp.Candidate.Name
		}
		p.Via = append(append([]string(nil), rp.RequiredBy...), origins[rp.Name]...)
		p.Extras = extras[pep503.Normalize(rp.Name)]
		files := []*resolve.File{}
		if rp.Candidate != nil {
			files = rp.Candidate.Files
		}
		if rp.Candidate != nil && rp.Candidate.URL != "" {
			p.Archive = &lockfile.File{URL: rp.Candidate.URL, Name: lastSegment(rp.Candidate.URL)}
		}
		indexes := map[string]bool{}
		for _, f := range files {
			if f.Yanked && !pinnedExactly(opts.Requirements, opts.Constraints, rp.Name) {
				continue
			}
			lf := lockfile.File{Name: f.Filename, URL: f.URL, Size: f.Size, UploadTime: f.UploadTime, Hashes: map[string]string{}}
			if h := strings.ToLower(f.Hashes["sha256"]); h != "" {
				lf.Hashes["sha256"] = h
			}
			if ixf, ok := f.Data.(*index.File); ok && ixf.Index != "" {
				indexes[ixf.Index] = true
			}
			switch f.Kind {
			case resolve.Sdist:
				if p.Sdist != nil {
					continue // one sdist per release in PEP 751
				}
				p.Sdist = &lf
			default:
				p.Wheels = append(p.Wheels, lf)
			}
		}
		if p.Archive != nil && len(files) == 1 {
			// The direct URL's one artifact is the archive itself.
			f := files[0]
			p.Archive.Size, p.Archive.Hashes = f.Size, map[string]string{}
			if h := f.Hashes["sha256"]; h != "" {
				p.Archive.Hashes["sha256"] = strings.ToLower(h)
			}
			p.Sdist, p.Wheels = nil, nil
		}
		if len(indexes) > 1 {
			return nil, fmt.Errorf("lock: files of %s %s come from several indexes (%s); refusing to lock a mixed release", p.Name, p.Version, strings.Join(sortedKeys(indexes), ", "))
		}
		for name := range indexes {
			p.Index = opts.SourceURLs[name]
		}
		l.Packages = append(l.Packages, p)
	}
	// Collect files that still lack a sha256 (pointers into l, stable now).
	for i := range l.Packages {
		p := &l.Packages[i]
		rp := res.Packages[i]
		if rp.Candidate == nil {
			continue
		}
		byName := map[string]*resolve.File{}
		for _, f := range rp.Candidate.Files {
			byName[f.Filename] = f
		}
		visit := func(lf *lockfile.File, key string) {
			if lf.Hashes["sha256"] != "" {
				return
			}
			if f, ok := byName[key]; ok {
				if ixf, ok := f.Data.(*index.File); ok {
					toHash = append(toHash, lf)
					toHashSrc = append(toHashSrc, *ixf)
					return
				}
			}
			toHash = append(toHash, lf)
			toHashSrc = append(toHashSrc, index.File{Filename: lf.Name, URL: lf.URL, Hashes: map[string]string{}})
		}
		if p.Sdist != nil {
			visit(p.Sdist, p.Sdist.Name)
		}
		for j := range p.Wheels {
			visit(&p.Wheels[j], p.Wheels[j].Name)
		}
		if p.Archive != nil {
			key := p.Archive.Name
			if len(rp.Candidate.Files) == 1 {
				key = rp.Candidate.Files[0].Filename
			}
			visit(p.Archive, key)
		}
	}
	if len(toHash) > 0 {
		if opts.Downloader == nil {
			return nil, fmt.Errorf("lock: %s has no sha256 on the index and no downloader is configured", toHash[0].Name)
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(MaxHashDownloads)
		for i := range toHash {
			g.Go(func() error {
				sum, err := opts.Downloader.Download(gctx, toHashSrc[i], io.Discard)
				if err != nil {
					return fmt.Errorf("hash %s: %w", toHash[i].Name, err)
				}
				toHash[i].Hashes["sha256"] = sum
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
	}
	if opts.Provenance != nil {
		if err := checkProvenance(ctx, l, res, opts.Provenance, pre); err != nil {
			return nil, err
		}
	}
	l.Sort()
	result := &Result{Lock: l, Resolution: res}
	if opts.Universal != nil {
		result.Warnings = append(result.Warnings, res.Warnings...)
	}
	if undated != nil && undated.count() > 0 {
		result.Warnings = append(result.Warnings, fmt.Sprintf("--exclude-newer: %d file(s) have no upload time on the index and could not be checked against the cutoff (e.g. %s)", undated.count(), undated.example()))
	}
	return result, nil
}

// Reqs returns the requirements without their origins.
func Reqs(reqs []Requirement) []*pep508.Requirement {
	out := make([]*pep508.Requirement, len(reqs))
	for i, r := range reqs {
		out[i] = r.Req
	}
	return out
}

// pinnedExactly reports whether a first-party requirement or constraint
// pins name to one version (== without a wildcard, or ===), which allows a
// yanked release (PEP 592, as pip reads it).
func pinnedExactly(reqs []Requirement, cons []*pep508.Requirement, name string) bool {
	check := func(r *pep508.Requirement) bool {
		if pep503.Normalize(r.Name) != name {
			return false
		}
		_, ok := r.Specifier.ExactVersion()
		return ok
	}
	for _, r := range reqs {
		if check(r.Req) {
			return true
		}
	}
	for _, r := range cons {
		if check(r) {
			return true
		}
	}
	return false
}

func lastSegment(u string) string {
	u, _, _ = strings.Cut(u, "#")
	u, _, _ = strings.Cut(u, "?")
	return u[strings.LastIndexByte(u, '/')+1:]
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// cooldownProvider hides files uploaded after cutoff.
type cooldownProvider struct {
	resolve.Provider
	cutoff  time.Time
	undated *undatedFiles
}

func (c *cooldownProvider) Versions(ctx context.Context, name string) ([]*resolve.Candidate, error) {
	cands, err := c.Provider.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]*resolve.Candidate, 0, len(cands))
	for _, cand := range cands {
		kept := make([]*resolve.File, 0, len(cand.Files))
		for _, f := range cand.Files {
			switch {
			case f.UploadTime.IsZero():
				c.undated.add(f.Filename)
				kept = append(kept, f)
			case !f.UploadTime.After(c.cutoff):
				kept = append(kept, f)
			}
		}
		if len(kept) == 0 {
			continue
		}
		cc := *cand
		cc.Files = kept
		out = append(out, &cc)
	}
	return out, nil
}

// FromURL passes direct URL requirements through to the wrapped provider.
func (c *cooldownProvider) FromURL(ctx context.Context, name, url string) (*resolve.Candidate, error) {
	u, ok := c.Provider.(resolve.URLProvider)
	if !ok {
		return nil, fmt.Errorf("%s @ %s: direct URL requirements are not supported by this package source", name, url)
	}
	return u.FromURL(ctx, name, url)
}

// undatedFiles counts files the cooldown could not judge.
type undatedFiles struct {
	mu    sync.Mutex
	n     int
	first string
}

func (u *undatedFiles) add(name string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.n == 0 {
		u.first = name
	}
	u.n++
}

func (u *undatedFiles) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.n
}

func (u *undatedFiles) example() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.first
}
