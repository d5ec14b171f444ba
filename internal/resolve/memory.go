package resolve

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
)

// MemoryRelease describes one release for a MemoryProvider.
type MemoryRelease struct {
	Name    string
	Version string
	// Requires are Requires-Dist strings; Extras maps an extra to its
	// requirements (they get an `extra == "..."` marker).
	Requires       []string
	Extras         map[string][]string
	RequiresPython string
	Yanked         bool
	// WheelTags lists one wheel per (possibly compressed) tag; nil means a
	// single py3-none-any wheel. NoWheel and NoSdist drop those artifacts.
	WheelTags []string
	NoWheel   bool
	NoSdist   bool
}

// MemoryProvider is a Provider over releases held in memory, for tests and
// benchmarks. Latency, if set, is added to every call (honouring the
// context), to model a remote index.
type MemoryProvider struct {
	Latency time.Duration

	mu       sync.RWMutex
	projects map[string][]*memRelease
	urls     map[string]*memRelease

	versionCalls, depCalls atomic.Int64
}

type memRelease struct {
	cand *Candidate
	deps *Dependencies
}

// NewMemoryProvider returns an empty MemoryProvider.
func NewMemoryProvider() *MemoryProvider {
	return &MemoryProvider{projects: map[string][]*memRelease{}, urls: map[string]*memRelease{}}
}

// AddProject records that a project exists, even with no releases.
func (m *MemoryProvider) AddProject(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := pep503.Normalize(name)
	if _, ok := m.projects[n]; !ok {
		m.projects[n] = nil
	}
}

// Add records a release.
func (m *MemoryProvider) Add(r MemoryRelease) error {
	rel, err := newMemRelease(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	name := pep503.Normalize(r.Name)
	m.projects[name] = append(m.projects[name], rel)
	return nil
}

// AddURL records a release that is only reachable as a direct URL.
func (m *MemoryProvider) AddURL(url string, r MemoryRelease) error {
	rel, err := newMemRelease(r)
	if err != nil {
		return err
	}
	rel.cand.URL = url
	m.mu.Lock()
	defer m.mu.Unlock()
	m.urls[url] = rel
	return nil
}

// FromURL implements URLProvider.
func (m *MemoryProvider) FromURL(ctx context.Context, name, url string) (*Candidate, error) {
	if err := m.sleep(ctx); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	rel, ok := m.urls[url]
	if !ok || pep503.Normalize(rel.cand.Name) != name {
		return nil, fmt.Errorf("%s @ %s: %w", name, url, ErrNotFound)
	}
	return rel.cand, nil
}

func newMemRelease(r MemoryRelease) (*memRelease, error) {
	v, err := pep440.Parse(r.Version)
	if err != nil {
		return nil, fmt.Errorf("resolve: memory release %s: %w", r.Name, err)
	}
	deps := &Dependencies{RequiresPython: r.RequiresPython}
	for _, s := range r.Requires {
		req, err := pep508.ParseRequirement(s)
		if err != nil {
			return nil, fmt.Errorf("resolve: memory release %s %s: %w", r.Name, r.Version, err)
		}
		deps.Requires = append(deps.Requires, req)
	}
	for extra, reqs := range r.Extras {
		deps.ProvidesExtra = append(deps.ProvidesExtra, extra)
		for _, s := range reqs {
			body, marker, found := strings.Cut(s, ";")
			full := body + "; extra == '" + extra + "'"
			if found {
				full = body + "; (" + marker + ") and extra == '" + extra + "'"
			}
			req, err := pep508.ParseRequirement(full)
			if err != nil {
				return nil, fmt.Errorf("resolve: memory release %s %s extra %s: %w", r.Name, r.Version, extra, err)
			}
			deps.Requires = append(deps.Requires, req)
		}
	}
	name := pep503.Normalize(r.Name)
	cand := &Candidate{Name: r.Name, Version: v}
	base := strings.ReplaceAll(name, "-", "_") + "-" + v.String()
	if !r.NoWheel {
		tags := r.WheelTags
		if tags == nil {
			tags = []string{"py3-none-any"}
		}
		for _, t := range tags {
			parsed, err := pep425.ParseTag(t)
			if err != nil {
				return nil, fmt.Errorf("resolve: memory release %s %s: wheel tag %q: %w", r.Name, r.Version, t, err)
			}
			cand.Files = append(cand.Files, &File{Filename: base + "-" + t + ".whl", Kind: Wheel, Tags: parsed,
				RequiresPython: r.RequiresPython, Yanked: r.Yanked})
		}
	}
	if !r.NoSdist {
		cand.Files = append(cand.Files, &File{Filename: base + ".tar.gz", Kind: Sdist,
			RequiresPython: r.RequiresPython, Yanked: r.Yanked})
	}
	return &memRelease{cand: cand, deps: deps}, nil
}

func (m *MemoryProvider) sleep(ctx context.Context) error {
	if m.Latency <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(m.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Versions implements Provider.
func (m *MemoryProvider) Versions(ctx context.Context, name string) ([]*Candidate, error) {
	m.versionCalls.Add(1)
	if err := m.sleep(ctx); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	rels, ok := m.projects[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	out := make([]*Candidate, len(rels))
	for i, r := range rels {
		out[i] = r.cand
	}
	return out, nil
}

// Dependencies implements Provider.
func (m *MemoryProvider) Dependencies(ctx context.Context, c *Candidate, _ *File) (*Dependencies, error) {
	m.depCalls.Add(1)
	if err := m.sleep(ctx); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if c.URL != "" {
		if r, ok := m.urls[c.URL]; ok {
			return r.deps, nil
		}
	}
	for _, r := range m.projects[pep503.Normalize(c.Name)] {
		if r.cand.Version.Compare(c.Version) == 0 {
			return r.deps, nil
		}
	}
	return nil, fmt.Errorf("%s %s: %w", c.Name, c.Version, ErrNotFound)
}

// Calls returns how many Versions and Dependencies calls were made.
func (m *MemoryProvider) Calls() (versions, dependencies int64) {
	return m.versionCalls.Load(), m.depCalls.Load()
}
