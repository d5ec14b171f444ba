package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/provenance"
)

// MaxProvenanceChecks bounds concurrent provenance look-ups and
// verifications of InvalidProvenanceFindings.
const MaxProvenanceChecks = 8

// ProvenanceIndex is what the invalid-provenance check reads from the index
// a package was locked from; IndexLookups is one.
type ProvenanceIndex interface {
	// ProjectPage returns the project's page on indexURL (the default
	// index when ""), nil when the index does not have the project.
	ProjectPage(ctx context.Context, name, indexURL string) (*index.Project, error)
	// FileProvenance returns the PEP 740 provenance the page links for f,
	// nil when it links none.
	FileProvenance(ctx context.Context, f index.File, indexURL string) ([]byte, error)
}

// InvalidProvenanceFindings verifies the provenance the index serves for
// every locked file (found on the package's index page by its sha256) and
// reports each file whose provenance is present but fails verification as
// provenance/invalid (critical): the file or its attestation was altered,
// or the index serves another file's attestation. Files without
// provenance are provenance/none's concern (ProvenanceFindings). An index
// that cannot be read gives a warning, not a finding. file names the lock
// in the findings. The locked sha256 digests are the lock's files' and,
// when inv is given, its packages' hashes (a requirements lock read into
// the lock model keeps none).
func InvalidProvenanceFindings(ctx context.Context, l *lockfile.Lock, inv *inventory.Inventory, file string, src ProvenanceIndex, v *provenance.Verifier) ([]Finding, []string) {
	invHashes := map[string][]string{} // normalized name -> sha256 hex
	if inv != nil {
		for _, p := range inv.Packages {
			for _, h := range p.Hashes {
				if hex, ok := strings.CutPrefix(strings.ToLower(h), "sha256:"); ok {
					invHashes[p.NormalizedName()] = append(invHashes[p.NormalizedName()], hex)
				}
			}
		}
	}
	var (
		mu    sync.Mutex
		out   []Finding
		warns []string
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(MaxProvenanceChecks)
	for i := range l.Packages {
		p := &l.Packages[i]
		if p.Archive != nil {
			continue // a direct URL has no index provenance
		}
		locked := map[string]bool{}
		for _, f := range p.Files() {
			if h := strings.ToLower(f.Hashes["sha256"]); h != "" {
				locked[h] = true
			}
		}
		for _, h := range invHashes[p.NormalizedName()] {
			locked[h] = true
		}
		if len(locked) == 0 {
			continue
		}
		g.Go(func() error {
			found, warn := checkPackageProvenance(gctx, p, locked, file, src, v)
			mu.Lock()
			defer mu.Unlock()
			out = append(out, found...)
			if warn != "" {
				warns = append(warns, warn)
			}
			return nil
		})
	}
	g.Wait()
	slices.SortFunc(out, func(a, b Finding) int {
		return strings.Compare(a.Package+" "+a.Detail, b.Package+" "+b.Detail)
	})
	slices.Sort(warns)
	return out, warns
}

func checkPackageProvenance(ctx context.Context, p *lockfile.Package, locked map[string]bool, file string, src ProvenanceIndex, v *provenance.Verifier) ([]Finding, string) {
	proj, err := src.ProjectPage(ctx, p.Name, p.Index)
	if err != nil {
		return nil, fmt.Sprintf("%s: provenance not checked: %v", p.Name, err)
	}
	if proj == nil {
		return nil, ""
	}
	var out []Finding
	for _, f := range proj.Files {
		sha := strings.ToLower(f.Hashes["sha256"])
		if f.Provenance == "" || !locked[sha] {
			continue
		}
		data, err := src.FileProvenance(ctx, f, p.Index)
		if err != nil {
			return out, fmt.Sprintf("%s: provenance not checked: %v", p.Name, err)
		}
		if data == nil {
			continue
		}
		if _, err := v.VerifyProvenance(provenance.Dist{Filename: f.Filename, SHA256: sha}, data); err != nil {
			check := provenance.CheckFormat
			var pe *provenance.Error
			if errors.As(err, &pe) {
				check = pe.Check
			}
			out = append(out, Finding{Kind: KindProvenance, Rule: "provenance/invalid", Severity: SeverityCritical,
				Package: p.Name, Version: p.Version, File: file, Line: p.Line,
				Title:  fmt.Sprintf("%s %s: the provenance of %s fails the %s check", p.Name, p.Version, f.Filename, check),
				Detail: err.Error(),
				Fix:    "do not install this file; report it to the project and the index (the file or its attestation was altered, or the index serves another file's attestation)"})
		}
	}
	return out, ""
}

// ProjectPage implements ProvenanceIndex.
func (l *IndexLookups) ProjectPage(ctx context.Context, name, indexURL string) (*index.Project, error) {
	c, err := l.client(indexURL)
	if err != nil {
		return nil, err
	}
	proj, err := c.Project(ctx, name)
	if errors.Is(err, index.ErrNotFound) {
		return nil, nil
	}
	return proj, err
}

// FileProvenance implements ProvenanceIndex.
func (l *IndexLookups) FileProvenance(ctx context.Context, f index.File, indexURL string) ([]byte, error) {
	c, err := l.client(indexURL)
	if err != nil {
		return nil, err
	}
	return c.Provenance(ctx, f)
}
