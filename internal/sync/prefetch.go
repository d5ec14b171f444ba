package sync

import (
	"context"
	gosync "sync"

	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/pep503"
)

// prefetch starts fetching, verifying and unpacking into the cache the
// files of a new environment whose choice needs no interpreter, while the
// interpreter is queried (through a pyenv shim that alone runs a dozen
// processes). Such a file belongs to an entry of a hashed requirements lock
// that has no marker and one hash, and is the one wheel of that version
// whose sha256 is that hash. It goes through fetch.prepare with the neutral
// options the unpacked cache is written with (verified download, every
// safety check, the PEP 658 metadata compared): the cached tree serves
// every later sync, which applies its own policy (Recheck) when prepare
// takes the tree. A failure is left for prepare to meet again and report.
// Entries whose wheel is already unpacked in the cache are skipped (a warm
// sync asks the index nothing); the manifests read to find that out, in
// parallel since without an interpreter query to wait for (it is cached)
// this is a warm sync's critical path, are kept in p.trees for choose, and
// so are the trees prefetch unpacks.
//
// It does nothing for a dry run, offline, without a cache, or with
// Options.Fetcher. p.waitPrefetch waits for it; the client it made is left
// in p.client for the later phases.
func (p *plan) prefetch(ctx context.Context) {
	opts, lock := p.opts, p.lock
	if opts.DryRun || opts.Offline || p.cacheDir == "" || opts.Fetcher != nil || lock.Format != "requirements" {
		return
	}
	var cands []Entry
	for _, e := range lock.Entries {
		if e.Marker != nil || len(e.Hashes) != 1 || len(e.Files) > 0 || !validSHA256(e.Hashes[0]) {
			continue
		}
		cands = append(cands, e)
	}
	cached := make([]bool, len(cands))
	parallel(len(cands), opts.Jobs, func(i int) {
		_, err := p.trees.load(unpackedPath(p.cacheDir, cands[i].Hashes[0]))
		cached[i] = err == nil
	})
	var todo []Entry
	for i, e := range cands {
		if !cached[i] {
			todo = append(todo, e)
		}
	}
	if len(todo) == 0 {
		return
	}
	c, err := p.srcs.Client(opts.Client)
	if err != nil {
		return // prepare makes its own client and reports the error
	}
	p.client = c
	p.beforeWork()
	// The trees prefetch writes go into p.trees, where choose finds them
	// without decoding their manifests from disk again.
	unpacked := &gosync.Map{}
	if p.trees != nil {
		unpacked = &p.trees.m
	}
	p.prefetched = &fetch{fetcher: c, cacheDir: p.cacheDir, unpacked: unpacked}
	ctx, cancel := context.WithCancel(ctx)
	var wg gosync.WaitGroup
	sem := make(chan struct{}, opts.Jobs)
	for _, e := range todo {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			pr, err := c.Project(ctx, e.Name)
			if err != nil {
				return
			}
			sha := e.Hashes[0]
			for _, f := range pr.Files {
				if f.Hashes["sha256"] != sha || !sameVersion(versionFromFilename(f.Filename), e.Version) {
					continue
				}
				if df, err := dist.ParseFilename(f.Filename); err != nil || df.Kind != dist.Wheel || df.Name != pep503.Normalize(e.Name) {
					continue
				}
				// No names/ entry: the tree prepare writes records the
				// file name (see chooseFromCache).
				f.Hashes = map[string]string{"sha256": sha}
				j := &job{entry: e, file: f}
				_ = p.prefetched.prepare(ctx, j, install.Options{Name: e.Name, Version: e.Version, AllowStartup: true})
				return
			}
		})
	}
	p.waitPrefetch = func(stop bool) {
		if stop {
			cancel()
		}
		wg.Wait()
		cancel()
	}
}
