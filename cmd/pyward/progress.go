package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/pyward/pyward/internal/resolve"
)

// statusThrottle is the shortest time between two redraws of a status
// line: faster than the eye needs, and the terminal is not flooded by a
// resolver that reports hundreds of events a second.
const statusThrottle = 65 * time.Millisecond

// spinnerFrames turn once per redraw of a status line whose end is
// unknown.
var spinnerFrames = [...]string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// barWidth is the number of cells of sync's download bar.
const barWidth = 30

// statusLine is one line of live status on a terminal, redrawn in place:
// the text, "erase to the end of the line", and a carriage return that
// parks the cursor at the start of the line for the next redraw. Ending
// in a carriage return also lets a line-buffered writer (redact.Writer,
// which every pyward output goes through) pass the text on at once. The
// text is cut to the terminal's width, since a line that wraps cannot be
// redrawn in place. Callers serialize its use.
type statusLine struct {
	w     io.Writer
	now   func() time.Time
	width int // terminal columns; 0 when unknown (no cut)
	last  time.Time
	shown bool // a status line is on the screen
	frame int  // the spinner's next frame
}

// draw shows text, after the spinner's next frame with spin, unless the
// last redraw is more recent than statusThrottle and force is false.
func (s *statusLine) draw(text string, spin, force bool) {
	t := s.now()
	if s.shown && !force && t.Sub(s.last) < statusThrottle {
		return
	}
	s.last = t
	if spin {
		text = spinnerFrames[s.frame%len(spinnerFrames)] + " " + text
		s.frame++
	}
	if s.width > 1 {
		text = clipRunes(text, s.width-1) // the cursor stays on the line
	}
	fmt.Fprintf(s.w, "%s\x1b[K\r", text)
	s.shown = true
}

// clear erases the status line, if one is shown.
func (s *statusLine) clear() {
	if s.shown {
		io.WriteString(s.w, "\x1b[K\r")
		s.shown = false
	}
}

// clipRunes cuts s to n runes: status text is ASCII, the bar's cells and
// the spinner, one column each.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// bar draws a fraction done as barWidth cells.
func bar(done, total int64) string {
	cells := 0
	if total > 0 {
		cells = int(min(done, total) * barWidth / total)
	}
	return "|" + strings.Repeat("█", cells) + strings.Repeat(" ", barWidth-cells) + "|"
}

// progress shows a live status line on a terminal (projects and metadata
// fetched) and is silent otherwise.
type progress struct {
	w        io.Writer
	line     *statusLine // nil when silent
	mu       gosync.Mutex
	done     bool
	projects atomic.Int64
	metadata atomic.Int64
}

func newProgress(w io.Writer, silent bool) *progress {
	p := &progress{w: w}
	if !silent {
		p.line = &statusLine{w: w, now: time.Now, width: terminalWidth(w)}
	}
	return p
}

func (p *progress) update() {
	if p.line == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.done {
		p.line.draw(fmt.Sprintf("resolving: %d projects, %d metadata files", p.projects.Load(), p.metadata.Load()), true, false)
	}
}

// Log prints a line above the status line (or plainly when silent).
func (p *progress) Log(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line != nil {
		p.line.clear() // the next update draws it again
	}
	fmt.Fprintln(p.w, line)
}

// Finish removes the status line; it is safe to call more than once.
func (p *progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line != nil {
		p.line.clear()
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
// silences. A rolling rate over the last instants then divides one burst by the silence before it and shows
// nonsense ("111 B/s" for 1.2 MB/s); the rate here is bytes over the time
// since Start, which bursts cannot distort.
type byteProgress struct {
	w   io.Writer
	now func() time.Time // injected for tests

	mu           gosync.Mutex
	line         *statusLine // nil before Start
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
	p.line = &statusLine{w: p.w, now: p.now, width: terminalWidth(p.w)}
	p.draw(true)
}

func (p *byteProgress) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytes += n
	p.draw(false)
}

func (p *byteProgress) FileDone() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.draw(p.done == p.files) // the last file is always shown
}

func (p *byteProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line != nil {
		p.line.clear()
	}
}

// draw shows the status and, when the total is known, the bar; else a
// spinner. Callers hold p.mu.
func (p *byteProgress) draw(force bool) {
	if p.line == nil {
		return
	}
	if p.total > 0 {
		p.line.draw(fmt.Sprintf("%s %3d%% %s", bar(p.bytes, p.total), min(p.bytes, p.total)*100/p.total, p.status()), false, force)
	} else {
		p.line.draw(p.status(), true, force)
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
