package lock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/resolve"
)

// MaxProvenanceFetches bounds concurrent provenance requests and checks.
const MaxProvenanceFetches = 16

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
	// AllowChange names packages whose publisher may change (or vanish)
	// relative to Previous; the lock records the accepted change.
	AllowChange []string
	// Previous is the lock being replaced, nil for none.
	Previous *lockfile.Lock
	// Verdicts, when set, remembers the identities a provenance object
	// verified for, so a re-lock does not verify the same bytes again.
	Verdicts *Verdicts
}

// Verdicts is a directory of verification results, one JSON file per
// (trusted root, provenance body, file digest): the same three inputs give
// the same result, so a hit is as good as verifying again. Only successes
// are stored.
type Verdicts struct {
	Dir  string
	Root string // sha256 of the trusted root document
}

func (v *Verdicts) path(body []byte, fileSHA string) string {
	key := DataSHA256([]byte(v.Root + "\n" + DataSHA256(body) + "\n" + fileSHA))
	return filepath.Join(v.Dir, key[:2], key+".json")
}

func (v *Verdicts) get(body []byte, fileSHA string) ([]provenance.Identity, bool) {
	data, err := os.ReadFile(v.path(body, fileSHA))
	if err != nil || len(data) > provenance.MaxProvenanceSize {
		return nil, false
	}
	var ids []string
	if json.Unmarshal(data, &ids) != nil || len(ids) == 0 {
		return nil, false
	}
	out := make([]provenance.Identity, 0, len(ids))
	for _, s := range ids {
		id, err := provenance.ParseIdentity(s)
		if err != nil {
			return nil, false
		}
		out = append(out, id)
	}
	return out, true
}

func (v *Verdicts) put(body []byte, fileSHA string, ids []provenance.Identity) {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	data, err := json.Marshal(s)
	if err != nil {
		return
	}
	p := v.path(body, fileSHA)
	if os.MkdirAll(filepath.Dir(p), 0o755) == nil {
		_ = atomicfile.WriteFile(p, data, 0o644) // a cache: a failed write only costs a verification later
	}
}

// checkProvenance verifies the locked files' provenance, records identities
// and applies the policy to l.
func checkProvenance(ctx context.Context, l *lockfile.Lock, res *resolve.Resolution, pv *Provenance) error {
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
			if ixf, ok := f.Data.(index.File); ok {
				byName[f.Filename] = ixf
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
			data, err := pv.Fetcher.Provenance(gctx, j.file)
			if err != nil {
				return err
			}
			if data == nil {
				return nil
			}
			if pv.Verdicts != nil {
				if ids, ok := pv.Verdicts.get(data, j.sha); ok {
					found[i] = ids
					return nil
				}
			}
			ids, err := pv.Verifier.VerifyProvenance(provenance.Dist{Filename: j.file.Filename, SHA256: j.sha}, data)
			if err != nil {
				return err
			}
			if pv.Verdicts != nil && len(ids) > 0 {
				pv.Verdicts.put(data, j.sha, ids)
			}
			found[i] = ids
			return nil
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

// judge applies --require-provenance and change detection to one package,
// recording an accepted change; it returns the refusal, "" when none.
func (pv *Provenance) judge(p *lockfile.Package) string {
	name := p.NormalizedName()
	if len(p.AttestationIdentities) == 0 {
		for _, g := range pv.Require {
			if ok, _ := path.Match(pep503.Normalize(g), name); ok || g == name {
				return fmt.Sprintf("%s %s has no verified provenance (--require-provenance %s)", p.Name, p.Version, g)
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
	was := identityList(prev.AttestationIdentities)
	var change string
	switch {
	case len(p.AttestationIdentities) == 0:
		change = fmt.Sprintf("%s %s has no provenance, but %s was published by %s", p.Name, p.Version, prev.Version, was)
	default:
		for _, id := range p.AttestationIdentities {
			if !slices.ContainsFunc(prev.AttestationIdentities, id.Equal) {
				change = fmt.Sprintf("%s %s was published by %s, but %s by %s", p.Name, p.Version, id, prev.Version, was)
				break
			}
		}
	}
	if change == "" {
		return ""
	}
	if slices.Contains(pv.AllowChange, name) {
		p.PublisherChange = "accepted with --allow-publisher-change: " + change
		return ""
	}
	return change + " (if expected, re-lock with --allow-publisher-change " + name + ")"
}

func identityList(ids []provenance.Identity) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, " and ")
}
