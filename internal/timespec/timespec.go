// Package timespec reads the time values pyward's options take: ages such
// as a cooldown ("7d", "36h") and cut-off instants such as --exclude-newer,
// which the lock header records and fix reads back.
//
// An age is a Go duration (time.ParseDuration) or a number of days with a
// "d" suffix ("7d", "1.5d"); it is never negative. A cut-off is an RFC 3339
// time, a date (2006-01-02, midnight UTC) or an age, meaning that long
// before now.
//
// Input limits: a value is a command-line option, a setting or a lock
// header's field, bounded by that file's limit. Parsing is linear in the
// value, a number of days is at most 100 years, and an error quotes at most
// MaxInput (64) bytes of it.
package timespec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxInput bounds the text quoted back in an error.
const MaxInput = 64

// Age reads an age: a Go duration or a number of days ("7d").
func Age(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil || !(days >= 0 && days <= maxDays) {
			return 0, fmt.Errorf("bad duration %s (e.g. 7d, 36h)", quote(s))
		}
		return time.Duration(days * 24 * float64(time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %s (e.g. 7d, 36h)", quote(s))
	}
	return d, nil
}

// maxDays keeps a day count inside time.Duration's range (about 292 years).
const maxDays = 100 * 365

// Cutoff reads an RFC 3339 time, a date, or an age before now.
func Cutoff(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	d, err := Age(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s is not an RFC 3339 time, a date (2026-01-31) or a duration (7d, 48h)", quote(s))
	}
	return now.Add(-d), nil
}

func quote(s string) string {
	if len(s) > MaxInput {
		return strconv.Quote(s[:MaxInput]) + "..."
	}
	return strconv.Quote(s)
}
