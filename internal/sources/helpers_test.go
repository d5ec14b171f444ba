package sources

import (
	"slices"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep503"
)

// LockedFrom reads what a parsed lock records about sources. data is the
// file's content (a requirements lock's comments are read from it); for a
// pylock.toml it may be nil.
func LockedFrom(path string, l *lockfile.Lock, pylock bool) *Locked {
	out := &Locked{Path: path, Indexes: l.Indexes, IndexURL: l.IndexURL, FindLinks: l.FindLinks, NoIndex: l.NoIndex,
		TrustedHosts: l.TrustedHosts, FilesByURL: pylock}
	for _, p := range l.Packages {
		out.Packages = append(out.Packages, LockedPackage{Name: pep503.Normalize(p.Name), Index: p.Index})
	}
	return out
}

// Indexes returns the indexes and find-links locations, in order.
func (s *Sources) Indexes() []Index { return slices.Clone(s.indexes) }

// Routes returns the per-package routes, in precedence order.
func (s *Sources) Routes() []Route { return slices.Clone(s.routes) }

// Strategy returns the strategy in force.
func (s *Sources) Strategy() Strategy { return s.strategy }
