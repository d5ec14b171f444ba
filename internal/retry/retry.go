// Package retry is pyward's one retry loop for network operations: an
// attempt that fails with an error it calls transient (a network error,
// HTTP 429 or 5xx, a short body) is tried again after an exponentially
// growing wait, base, 2×base, 4×base, …, up to a fixed number of attempts.
// A permanent error, success, or a cancelled context ends the loop at once.
package retry

import (
	"context"
	"fmt"
	"time"
)

// Defaults used when a Policy field is zero.
const (
	DefaultAttempts = 4
	DefaultBase     = 500 * time.Millisecond
)

// Policy says how often and how patiently to retry.
type Policy struct {
	Attempts int           // DefaultAttempts when <= 0
	Base     time.Duration // first wait; DefaultBase when <= 0 (tests set a tiny one)
}

// Do runs attempt until it succeeds, fails with transient == false, or has
// been tried p.Attempts times, waiting between attempts as the package
// comment says. The last attempt's result and error are returned. A context
// cancelled during a wait ends the loop with an error that wraps both the
// context's error and the last attempt's, prefixed by what.
func Do[T any](ctx context.Context, p Policy, what string, attempt func() (res T, transient bool, err error)) (T, error) {
	attempts, base := p.Attempts, p.Base
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	if base <= 0 {
		base = DefaultBase
	}
	for n := 1; ; n++ {
		res, transient, err := attempt()
		if err == nil || !transient || n >= attempts {
			return res, err
		}
		t := time.NewTimer(base << (n - 1))
		select {
		case <-ctx.Done():
			t.Stop()
			var zero T
			return zero, fmt.Errorf("%s: %w (after: %w)", what, ctx.Err(), err)
		case <-t.C:
		}
	}
}
