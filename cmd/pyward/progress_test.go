package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
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
