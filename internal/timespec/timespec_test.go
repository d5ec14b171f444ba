package timespec

import (
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestAge(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"7d", 7 * 24 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"0d", 0, false},
		{"36h", 36 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"0", 0, false},
		{"-1d", 0, true},
		{"-5h", 0, true},
		{"d", 0, true},
		{"7 days", 0, true},
		{"", 0, true},
		{"1e300d", 0, true},
		{"NaNd", 0, true},
		{"Infd", 0, true},
	}
	for _, tt := range tests {
		got, err := Age(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("Age(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("Age(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCutoff(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2026-01-31T10:00:00Z", time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC), false},
		{"2026-01-31", time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), false},
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{"48h", now.Add(-48 * time.Hour), false},
		{"yesterday", time.Time{}, true},
		{"2026-13-01", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := Cutoff(tt.in, now)
		if (err != nil) != tt.wantErr {
			t.Errorf("Cutoff(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("Cutoff(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestErrorQuotesBoundedInput(t *testing.T) {
	_, err := Cutoff(strings.Repeat("x", 10000), time.Now())
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("error %q: want a bounded message", err)
	}
}

func FuzzCutoff(f *testing.F) {
	for _, s := range []string{"7d", "2026-01-31", "2026-01-31T10:00:00Z", "1.5d", "36h", "-1d"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		d, err := Age(s)
		budgettest.Check(t, len(s), start)
		if err == nil && d < 0 {
			t.Fatalf("Age(%q) = %v: negative", s, d)
		}
		// Quoting may escape each byte of the quoted prefix to 4 characters.
		start = time.Now()
		_, err = Cutoff(s, now)
		budgettest.Check(t, len(s), start)
		if err != nil && len(err.Error()) > 4*MaxInput+200 {
			t.Fatalf("Cutoff(%q): unbounded error %d bytes", s, len(err.Error()))
		}
	})
}
