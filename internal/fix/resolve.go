package fix

import (
	"context"
	"fmt"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
)

// resolveFix re-resolves with every locked package as a
// root, the old pins preferred and the targets required.
func resolveFix(ctx context.Context, opts Options, doc *document, plans []*plan) (*lockfile.Lock, error) {
	old := doc.lock
	var roots []lock.Requirement
	prefs := map[string]pep440.Version{}
	for _, p := range old.Packages {
		text := p.Name
		if p.Archive != nil {
			text += " @ " + p.Archive.URL
		}
		if p.Marker != "" {
			text += " ; " + p.Marker
		}
		r, err := pep508.ParseRequirement(text)
		if err != nil {
			return nil, fmt.Errorf("locked package %q: %w", text, err)
		}
		roots = append(roots, lock.Requirement{Req: r})
		if v, err := pep440.Parse(p.Version); err == nil && p.Archive == nil {
			prefs[p.NormalizedName()] = v
		}
	}
	var cons []*pep508.Requirement
	for _, pl := range plans {
		t, err := pep440.Parse(pl.target)
		if err != nil {
			return nil, err
		}
		prefs[pl.name] = t
		spec := pl.name + ">=" + pl.target
		if !opts.AllowMajor {
			cur, err := pep440.Parse(pl.current)
			if err != nil {
				return nil, err
			}
			spec += ",<" + nextMajor(cur)
		}
		c, err := pep508.ParseRequirement(spec)
		if err != nil {
			return nil, fmt.Errorf("constraint %q: %w", spec, err)
		}
		cons = append(cons, c)
	}
	universe, err := fixUniverse(opts, old, plans)
	if err != nil {
		return nil, err
	}
	res, err := lock.Lock(ctx, lock.Options{
		Requirements: roots, Constraints: cons, Provider: opts.Provider, Downloader: opts.Index,
		SourceURLs: opts.SourceURLs, Target: opts.Target, Prereleases: opts.Prereleases,
		Preferences: prefs, ExcludeNewer: opts.ExcludeNewer, Command: old.Command, RequiresPython: old.RequiresPython,
		Universal: universe,
	})
	if err != nil {
		return nil, err
	}
	nl := res.Lock
	nl.CreatedBy = "pyward"
	nl.Environments, nl.Extras, nl.DependencyGroups, nl.DefaultGroups = old.Environments, old.Extras, old.DependencyGroups, old.DefaultGroups

	// Keep the first-party origins ("-r requirements.in", "pyproject.toml")
	// the old lock recorded; package names come from the new resolution.
	oldNames := map[string]bool{}
	for _, p := range old.Packages {
		oldNames[p.NormalizedName()] = true
	}
	for i := range nl.Packages {
		p := &nl.Packages[i]
		if op := old.Find(p.Name); op != nil {
			// The inputs asked for these extras; the lock keeps saying so.
			p.Extras = op.Extras
			for _, v := range op.Via {
				if !oldNames[pep503.Normalize(v)] && nl.Find(v) == nil {
					p.Via = append(p.Via, v)
				}
			}
		}
	}
	// Carry over packages the resolution did not reach for the target
	// (markers for other platforms or Pythons), as they were.
	for _, p := range old.Packages {
		if nl.Find(p.Name) == nil && p.Marker != "" {
			nl.Packages = append(nl.Packages, p)
		}
	}
	if doc.hasVia {
		prune(nl, old)
	}
	nl.Sort()
	return nl, nil
}

// fixUniverse is opts.Universal for re-resolving old: each locked entry
// preferred where its marker holds, except the packages being fixed,
// and the Python range of the old lock.
func fixUniverse(opts Options, old *lockfile.Lock, plans []*plan) (*resolve.Universe, error) {
	if opts.Universal == nil {
		return nil, nil
	}
	u := *opts.Universal
	if old.RequiresPython != "" {
		spec, err := pep440.ParseSpecifierSet(old.RequiresPython)
		if err != nil {
			return nil, fmt.Errorf("requires-python %q of the lock: %w", old.RequiresPython, err)
		}
		u.RequiresPython = spec
	}
	fixing := map[string]bool{}
	for _, pl := range plans {
		fixing[pl.name] = true
	}
	u.Preferences = map[string][]resolve.Preference{}
	for _, p := range old.Packages {
		n := p.NormalizedName()
		v, err := pep440.Parse(p.Version)
		if err != nil || fixing[n] || p.Archive != nil {
			continue
		}
		var m *pep508.Marker
		if p.Marker != "" {
			if m, err = pep508.ParseMarker(p.Marker); err != nil {
				return nil, fmt.Errorf("locked package %s: marker: %w", p.Name, err)
			}
		}
		u.Preferences[n] = append(u.Preferences[n], resolve.Preference{Version: v, Marker: m})
	}
	return &u, nil
}

// prune drops packages nothing requires any more: they were only
// dependencies of the old versions of upgraded packages.
func prune(nl, old *lockfile.Lock) {
	for {
		present := map[string]bool{}
		for _, p := range nl.Packages {
			present[p.NormalizedName()] = true
		}
		keep := nl.Packages[:0:0]
		dropped := false
		for _, p := range nl.Packages {
			var via []string
			for _, v := range p.Via {
				n := pep503.Normalize(v)
				if present[n] || old.Find(v) == nil {
					via = append(via, v) // a live package, or a first-party origin
				}
			}
			if len(via) == 0 && old.Find(p.Name) != nil {
				dropped = true
				continue
			}
			p.Via = via
			keep = append(keep, p)
		}
		nl.Packages = keep
		if !dropped {
			return
		}
	}
}

var _ Index = (*index.Client)(nil)
