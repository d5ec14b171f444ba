package main

import (
	"context"
	"fmt"
	"io"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/pyward/pyward/internal/resolve"
)

// progress shows a live status line on a terminal (projects and metadata
// fetched) and is silent otherwise.
type progress struct {
	w        io.Writer
	bar      *progressbar.ProgressBar // nil when silent
	mu       gosync.Mutex
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

// minRateWindow is how long a transfer must have run before its rate is
// shown: earlier figures are noise.
const minRateWindow = time.Second

// byteProgress draws sync's download bar: files done, bytes received and
// the average rate since the start.
//
// The index client hands a file's bytes over only once the whole file has
// been fetched and verified, so bytes arrive in bursts separated by long
// silences. A rolling rate over the last instants (what the bar library
// computes) then divides one burst by the silence before it and shows
// nonsense ("111 B/s" for 1.2 MB/s); the rate here is bytes over the time
// since Start, which bursts cannot distort.
type byteProgress struct {
	w   io.Writer
	now func() time.Time // injected for tests

	mu           gosync.Mutex
	bar          *progressbar.ProgressBar
	start        time.Time
	files, done  int
	total, bytes int64
}

func newByteProgress(w io.Writer, now func() time.Time) *byteProgress {
	return &byteProgress{w: w, now: now}
}

func (p *byteProgress) Start(files int, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.files, p.total, p.start = files, total, p.now()
	max := total
	if max <= 0 {
		max = -1 // unknown: spinner
	}
	p.bar = progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(p.status()),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(false),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(65*time.Millisecond),
	)
}

func (p *byteProgress) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytes += n
	if p.bar != nil {
		p.bar.Describe(p.status())
		_ = p.bar.Add64(n)
	}
}

func (p *byteProgress) FileDone() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if p.bar != nil {
		p.bar.Describe(p.status())
	}
}

func (p *byteProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// status is the bar's description: "3/10 files, 12.0 MiB of 20.0 MiB,
// 1.2 MiB/s". Callers hold p.mu.
func (p *byteProgress) status() string {
	s := fmt.Sprintf("%d/%d files, %s", p.done, p.files, byteSize(p.bytes))
	if p.total > 0 {
		s += " of " + byteSize(p.total)
	}
	if elapsed := p.now().Sub(p.start); elapsed >= minRateWindow {
		s += ", " + byteSize(int64(float64(p.bytes)/elapsed.Seconds())) + "/s"
	}
	return s
}
