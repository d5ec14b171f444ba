package lock

import (
	"context"
	"errors"
	"fmt"

	"github.com/pyward/pyward/internal/resolve"
)

// ErrBuildRequired is wrapped when a release's metadata can only be had by
// running its build backend, which pyward never does without --allow-build.
var ErrBuildRequired = errors.New("metadata needs a build")

// RefuseBuilds wraps p so that a release whose only source of metadata is
// a build (an sdist with dynamic Requires-Dist, or Metadata-Version < 2.2)
// stops resolution with an error naming it, instead of being skipped: a
// silently older lock is worse than a clear question to the user.
func RefuseBuilds(p resolve.Provider) resolve.Provider { return &refuseBuilds{p} }

type refuseBuilds struct{ resolve.Provider }

func (r *refuseBuilds) Dependencies(ctx context.Context, c *resolve.Candidate, f *resolve.File) (*resolve.Dependencies, error) {
	deps, err := r.Provider.Dependencies(ctx, c, f)
	if errors.Is(err, resolve.ErrNoMetadata) {
		return nil, fmt.Errorf("%s %s has only a source distribution whose dependencies are computed at build time; pyward runs no package code unless you pass --allow-build: %w (%v)", c.Name, c.Version, ErrBuildRequired, err)
	}
	return deps, err
}

// FromURL passes direct URL requirements through.
func (r *refuseBuilds) FromURL(ctx context.Context, name, url string) (*resolve.Candidate, error) {
	u, ok := r.Provider.(resolve.URLProvider)
	if !ok {
		return nil, fmt.Errorf("%s @ %s: direct URL requirements are not supported by this package source", name, url)
	}
	return u.FromURL(ctx, name, url)
}
