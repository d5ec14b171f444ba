package lock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/provenance/provenancetest"
	"github.com/pyward/pyward/internal/resolve"
)

// provenanceIndex is a resolve.Provider whose files link provenance, and
// the ProvenanceFetcher that serves it: genuine attestations from a
// provenancetest instance, each fetch counted.
type provenanceIndex struct {
	resolve.Provider
	ss *provenancetest.Sigstore
	id provenance.Identity
	// gate, when set, is the release whose metadata read waits until the
	// provenance of file gateOn has been requested.
	gate, gateOn string
	arrived      chan struct{}

	mu      sync.Mutex
	fetches map[string]int
}

func fileSHA(name string) string {
	s := sha256.Sum256([]byte(name))
	return hex.EncodeToString(s[:])
}

func (p *provenanceIndex) Versions(ctx context.Context, name string) ([]*resolve.Candidate, error) {
	cands, err := p.Provider.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]*resolve.Candidate, len(cands))
	for i, c := range cands {
		cc := *c
		cc.Files = nil
		for _, f := range c.Files {
			ff := *f
			ff.Hashes = map[string]string{"sha256": fileSHA(f.Filename)}
			ff.Data = &index.File{Filename: f.Filename, URL: "https://files.example/" + f.Filename, Hashes: ff.Hashes,
				Provenance: "https://files.example/" + f.Filename + ".provenance"}
			cc.Files = append(cc.Files, &ff)
		}
		out[i] = &cc
	}
	return out, nil
}

func (p *provenanceIndex) Dependencies(ctx context.Context, c *resolve.Candidate, f *resolve.File) (*resolve.Dependencies, error) {
	if c.Name == p.gate {
		select {
		case <-p.arrived:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return p.Provider.Dependencies(ctx, c, f)
}

func (p *provenanceIndex) Provenance(_ context.Context, f index.File) ([]byte, error) {
	p.mu.Lock()
	p.fetches[f.Filename]++
	first := p.fetches[f.Filename] == 1
	p.mu.Unlock()
	if first && f.Filename == p.gateOn {
		close(p.arrived)
	}
	return p.ss.Provenance(f.Filename, fileSHA(f.Filename), p.id)
}

// TestProvenanceFetchedDuringResolution: a release's provenance is
// requested as soon as the solver turns to it, while later releases'
// metadata is still being read (here c's metadata is only served once a's
// provenance has been asked for, which would never happen if provenance
// waited for the resolution to end), and each file's provenance is fetched
// once: the lock takes the prefetched verdicts.
func TestProvenanceFetchedDuringResolution(t *testing.T) {
	ss, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ss.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	gh := provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "acme/a", "workflow": "release.yml"}}
	ix := &provenanceIndex{
		Provider: memProvider(t,
			resolve.MemoryRelease{Name: "a", Version: "1.0", Requires: []string{"b"}, NoSdist: true},
			resolve.MemoryRelease{Name: "b", Version: "1.0", Requires: []string{"c"}, NoSdist: true},
			resolve.MemoryRelease{Name: "c", Version: "1.0", NoSdist: true},
		),
		ss: ss, id: gh, gate: "c", gateOn: "a-1.0-py3-none-any.whl", arrived: make(chan struct{}), fetches: map[string]int{},
	}
	res, err := Lock(context.Background(), Options{
		Requirements: []Requirement{{Req: mustReq(t, "a")}},
		Provider:     ix, Target: target(t),
		Provenance: &Provenance{Fetcher: ix, Verifier: v},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		p := res.Lock.Find(name)
		if p == nil || len(p.AttestationIdentities) != 1 || !p.AttestationIdentities[0].Equal(gh) {
			t.Errorf("%s: identities %+v", name, p)
		}
	}
	for name, n := range ix.fetches {
		if n != 1 {
			t.Errorf("%s: provenance fetched %d times, want once", name, n)
		}
	}
	if len(ix.fetches) != 3 {
		t.Errorf("fetches: %v", ix.fetches)
	}
}
