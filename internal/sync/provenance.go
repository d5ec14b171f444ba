package sync

import (
	"context"
	"fmt"
	"slices"
	"strings"
	gosync "sync"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/provenance"
)

// provenanceFetcher is the part of index.Client that fetches PEP 740
// provenance; a Fetcher without it (a test's) re-verifies nothing.
type provenanceFetcher interface {
	Provenance(ctx context.Context, f index.File) ([]byte, error)
}

// reverify re-verifies the publishers the lock records for every package
// sync is about to install (see Options.ProvenanceVerifier): the index's
// provenance for the chosen file must verify, and every identity it
// verifies for must be one the lock records. A failure refuses the sync
// before anything is fetched or changed. A file the index serves no
// provenance for is only warned about: the lock's check of lost
// provenance happens on re-lock. --offline skips all of it, with a
// warning, since the provenance is on the index.
func (p *plan) reverify(ctx context.Context, fetcher Fetcher) error {
	n := 0
	for _, j := range p.jobs {
		if len(j.entry.Identities) > 0 {
			n++
		}
	}
	if n == 0 || p.opts.ProvenanceVerifier == nil {
		return nil
	}
	if p.opts.Offline {
		p.res.Warnings = append(p.res.Warnings, fmt.Sprintf("--offline: the publishers the lock records for %d package(s) were not re-verified against the index's provenance", n))
		return nil
	}
	pf, ok := fetcher.(provenanceFetcher)
	if !ok {
		return nil
	}
	v, err := p.opts.ProvenanceVerifier()
	if err != nil {
		return err
	}
	var mu gosync.Mutex
	var warns []string
	err = p.each(ctx, func(ctx context.Context, j *job) error {
		if len(j.entry.Identities) == 0 {
			return nil
		}
		warn, err := reverifyJob(ctx, fetcher, pf, v, j)
		if warn != "" {
			mu.Lock()
			warns = append(warns, warn)
			mu.Unlock()
		}
		return err
	})
	slices.Sort(warns)
	p.res.Warnings = append(p.res.Warnings, warns...)
	return err
}

// reverifyJob checks one job's file; it returns a warning when there is
// nothing to check.
func reverifyJob(ctx context.Context, fetcher Fetcher, pf provenanceFetcher, v *provenance.Verifier, j *job) (string, error) {
	e := j.entry
	pkg := e.Name + "==" + e.Version
	f := j.file
	if f.Provenance == "" && !e.Direct {
		// The file came from the lock's URL or the cache: its index's page
		// says where the provenance is.
		proj, err := fetcher.Project(ctx, e.Name)
		if err != nil {
			return "", fmt.Errorf("%s: provenance: %w", pkg, err)
		}
		for _, pf := range proj.Files {
			if pf.Filename == f.Filename {
				f.Provenance = pf.Provenance
				break
			}
		}
	}
	recorded := identityList(e.Identities)
	if f.Provenance == "" {
		return fmt.Sprintf("%s: the lock records publisher %s, but the index serves no provenance for %s: not re-verified", pkg, recorded, f.Filename), nil
	}
	sha := f.Hashes["sha256"]
	if sha == "" && len(e.Hashes) == 1 {
		sha = e.Hashes[0]
	}
	if sha == "" {
		return fmt.Sprintf("%s: the index lists no sha256 for %s: its provenance was not re-verified", pkg, f.Filename), nil
	}
	data, err := pf.Provenance(ctx, f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", pkg, err)
	}
	if data == nil {
		return fmt.Sprintf("%s: the lock records publisher %s, but the index serves no provenance for %s: not re-verified", pkg, recorded, f.Filename), nil
	}
	ids, err := v.VerifyProvenance(provenance.Dist{Filename: f.Filename, SHA256: sha}, data)
	if err != nil {
		return "", &RefusedError{Package: pkg, Err: err}
	}
	for _, id := range ids {
		if !slices.ContainsFunc(e.Identities, id.Equal) {
			return "", &RefusedError{Package: pkg, Err: &provenance.Error{File: f.Filename, Check: provenance.CheckPublisher,
				Err: fmt.Errorf("published by %s, but the lock records %s (re-lock to review the change)", id, recorded)}}
		}
	}
	return "", nil
}

func identityList(ids []lockfile.AttestationIdentity) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, " and ")
}
