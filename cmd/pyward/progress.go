package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"

	"github.com/pyward/pyward/internal/resolve"
)

// progress shows a live status line on a terminal (projects and metadata
// fetched) and is silent otherwise.
type progress struct {
	w        io.Writer
	bar      *progressbar.ProgressBar // nil when silent
	mu       sync.Mutex
	done     bool
	projects atomic.Int64
	metadata atomic.Int64
}

func newProgress(w io.Writer, silent bool) *progress {
	p := &progress{w: w}
	if !silent {
		p.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionSetDescription("resolving"),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(65_000_000),
		)
	}
	return p
}

func (p *progress) update() {
	if p.bar == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.done {
		p.bar.Describe(fmt.Sprintf("resolving: %d projects, %d metadata files", p.projects.Load(), p.metadata.Load()))
		_ = p.bar.Add(1)
	}
}

// Log prints a line above the status line (or plainly when silent).
func (p *progress) Log(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil && !p.done {
		_ = p.bar.Clear()
	}
	fmt.Fprintln(p.w, line)
}

// Finish removes the status line; it is safe to call more than once.
func (p *progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil && !p.done {
		_ = p.bar.Finish()
	}
	p.done = true
}

// wrap counts a provider's calls for the status line.
func (p *progress) wrap(inner resolve.Provider) resolve.Provider {
	return &countingProvider{inner: inner, p: p}
}

type countingProvider struct {
	inner resolve.Provider
	p     *progress
}

func (c *countingProvider) Versions(ctx context.Context, name string) ([]*resolve.Candidate, error) {
	defer func() { c.p.projects.Add(1); c.p.update() }()
	return c.inner.Versions(ctx, name)
}

func (c *countingProvider) Dependencies(ctx context.Context, cand *resolve.Candidate, f *resolve.File) (*resolve.Dependencies, error) {
	defer func() { c.p.metadata.Add(1); c.p.update() }()
	return c.inner.Dependencies(ctx, cand, f)
}

func (c *countingProvider) FromURL(ctx context.Context, name, url string) (*resolve.Candidate, error) {
	u, ok := c.inner.(resolve.URLProvider)
	if !ok {
		return nil, fmt.Errorf("%s @ %s: direct URL requirements are not supported by this package source", name, url)
	}
	return u.FromURL(ctx, name, url)
}
