package build

import (
	"context"
	"errors"
	"fmt"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/resolve"
)

// Provider is a resolve.Provider that builds the metadata of sdists whose
// metadata is dynamic: Dependencies asks Inner first and, only when Inner's
// error matches index.ErrNeedsBuild, builds the release's sdist with
// Builder. A failed build is an error for the whole resolution (it is not
// turned into resolve.ErrNoMetadata): with building allowed, a release
// that cannot be built is a problem the user must see.
type Provider struct {
	Inner   resolve.Provider
	Builder *Builder
}

// Versions implements resolve.Provider.
func (p *Provider) Versions(ctx context.Context, name string) ([]*resolve.Candidate, error) {
	return p.Inner.Versions(ctx, name)
}

// Dependencies implements resolve.Provider.
func (p *Provider) Dependencies(ctx context.Context, c *resolve.Candidate, f *resolve.File) (*resolve.Dependencies, error) {
	deps, err := p.Inner.Dependencies(ctx, c, f)
	if err == nil || !errors.Is(err, index.ErrNeedsBuild) {
		return deps, err
	}
	sd := f
	if sd == nil || sd.Kind != resolve.Sdist {
		sd = nil
		for _, g := range c.Files {
			if g.Kind == resolve.Sdist {
				sd = g
				break
			}
		}
	}
	if sd == nil {
		return nil, err
	}
	idx := index.File{Filename: sd.Filename, URL: sd.URL, Hashes: sd.Hashes, Size: sd.Size}
	if ixf, ok := sd.Data.(*index.File); ok {
		idx = *ixf
	}
	md, _, berr := p.Builder.Metadata(ctx, idx)
	if berr != nil {
		return nil, fmt.Errorf("%s %s: %w", c.Name, c.Version, berr)
	}
	return &resolve.Dependencies{Requires: md.RequiresDist, RequiresPython: md.RequiresPython.String(), ProvidesExtra: md.ProvidesExtra}, nil
}

// FromURL implements resolve.URLProvider when Inner does.
func (p *Provider) FromURL(ctx context.Context, name, url string) (*resolve.Candidate, error) {
	u, ok := p.Inner.(resolve.URLProvider)
	if !ok {
		return nil, fmt.Errorf("%s @ %s: direct URL requirements are not supported by this package source", name, url)
	}
	return u.FromURL(ctx, name, url)
}
