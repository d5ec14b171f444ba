package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/redact"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// TestByteProgressRate feeds the bar the way a sync does: the index client
// hands over each file's bytes in one burst once it is fetched and
// verified. The rate is bytes over the time since Start.
func TestByteProgressRate(t *testing.T) {
	const chunk = 32 << 10
	type step struct {
		after time.Duration // clock advance before the burst
		bytes int64         // burst size; 0 for a file served from the cache
	}
	tests := []struct {
		name  string
		total int64
		steps []step
		want  string
	}{
		{"one 20 MiB file at 1.2 MiB/s", 20 << 20,
			[]step{{after: 16*time.Second + 667*time.Millisecond, bytes: 20 << 20}},
			"1/1 files, 20.0 MiB of 20.0 MiB, 1.2 MiB/s"},
		{"a small file, then a long wait, then a big one", 20<<20 + 1300,
			[]step{{after: 2 * time.Second, bytes: 1300}, {after: 14*time.Second + 667*time.Millisecond, bytes: 20 << 20}},
			"2/2 files, 20.0 MiB of 20.0 MiB, 1.2 MiB/s"},
		{"cached files add no bytes", 2 << 20,
			[]step{{after: 0, bytes: 0}, {after: 2 * time.Second, bytes: 2 << 20}},
			"2/2 files, 2.0 MiB of 2.0 MiB, 1.0 MiB/s"},
		{"no rate before a second has passed", 1 << 20,
			[]step{{after: 500 * time.Millisecond, bytes: 1 << 20}},
			"1/1 files, 1.0 MiB of 1.0 MiB"},
		{"unknown total", 0,
			[]step{{after: 4 * time.Second, bytes: 4 << 20}},
			"1/1 files, 4.0 MiB, 1.0 MiB/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			var out bytes.Buffer
			p := newByteProgress(&out, clock.now)
			p.Start(len(tt.steps), tt.total)
			for _, s := range tt.steps {
				clock.advance(s.after)
				for left := s.bytes; left > 0; left -= chunk {
					p.Add(min(left, chunk))
				}
				p.FileDone()
			}
			p.mu.Lock()
			got := p.status()
			p.mu.Unlock()
			if got != tt.want {
				t.Errorf("status = %q, want %q", got, tt.want)
			}
			p.Finish()
			if strings.Contains(out.String(), "B/s") && !strings.Contains(tt.want, "B/s") {
				t.Errorf("a rate was drawn before it was known: %q", out.String())
			}
		})
	}
}

// TestStatusLine checks the redraw protocol of a status line: throttled
// redraws, each ending in "erase to the end of the line" and a carriage
// return, the spinner turning once per redraw, the cut to the terminal's
// width, and the text reaching the terminal through redact.Writer at once.
func TestStatusLine(t *testing.T) {
	type step struct {
		after       time.Duration // clock advance before the step
		text        string        // "" for clear
		spin, force bool
		want        string // what reaches the terminal
	}
	tests := []struct {
		name  string
		width int
		steps []step
	}{
		{"throttled", 0, []step{
			{0, "a", false, false, "a\x1b[K\r"},
			{10 * time.Millisecond, "b", false, false, ""},
			{10 * time.Millisecond, "c", false, true, "c\x1b[K\r"},
			{statusThrottle, "d", false, false, "d\x1b[K\r"},
		}},
		{"spinner turns on redraws only", 0, []step{
			{0, "x", true, false, "⠋ x\x1b[K\r"},
			{time.Millisecond, "x", true, false, ""},
			{statusThrottle, "x", true, false, "⠙ x\x1b[K\r"},
		}},
		{"cut to the width", 8, []step{
			{0, "resolving: 12 projects", true, false, "⠋ resol\x1b[K\r"}, // 7 columns: the cursor stays on the line
			{0, "", false, false, "\x1b[K\r"},
		}},
		{"clear only what is shown", 0, []step{
			{0, "", false, false, ""},
			{0, "a", false, false, "a\x1b[K\r"},
			{0, "", false, false, "\x1b[K\r"},
			{0, "", false, false, ""},
			{time.Millisecond, "b", false, false, "b\x1b[K\r"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			var term bytes.Buffer
			s := &statusLine{w: redact.NewWriter(&term), now: clock.now, width: tt.width}
			for i, st := range tt.steps {
				clock.advance(st.after)
				term.Reset()
				if st.text == "" {
					s.clear()
				} else {
					s.draw(st.text, st.spin, st.force)
				}
				if got := term.String(); got != st.want {
					t.Errorf("step %d: wrote %q, want %q", i, got, st.want)
				}
			}
		})
	}
}

// TestByteProgressDraws checks sync's line: a bar and percentage when the
// total is known, a spinner when it is not, the last file always shown,
// and nothing left on the screen by Finish.
func TestByteProgressDraws(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out bytes.Buffer
	p := newByteProgress(&out, clock.now)
	p.Start(2, 100)
	clock.advance(statusThrottle)
	p.Add(50)
	p.FileDone() // throttled
	clock.advance(time.Millisecond)
	p.Add(50) // throttled
	p.FileDone()
	p.Finish()
	want := "|" + strings.Repeat(" ", 30) + "|   0% 0/2 files, 0 bytes of 100 bytes\x1b[K\r" +
		"|" + strings.Repeat("█", 15) + strings.Repeat(" ", 15) + "|  50% 0/2 files, 50 bytes of 100 bytes\x1b[K\r" +
		"|" + strings.Repeat("█", 30) + "| 100% 2/2 files, 100 bytes of 100 bytes\x1b[K\r" +
		"\x1b[K\r"
	if got := out.String(); got != want {
		t.Errorf("drew %q, want %q", got, want)
	}
	out.Reset()
	p = newByteProgress(&out, clock.now)
	p.Start(1, 0)
	if got, want := out.String(), "⠋ 0/1 files, 0 bytes\x1b[K\r"; got != want {
		t.Errorf("unknown total: drew %q, want %q", got, want)
	}
}
