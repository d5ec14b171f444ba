// Package retry is pyward's one retry loop for network operations: an
// attempt that fails with an error it calls transient (a network error,
// HTTP 429 or 5xx, a short body, a stalled read) is tried again after an
// exponentially growing wait, base, 2×base, 4×base, …, each capped by
// Policy.Max, up to Policy.Attempts attempts in all. With Jitter a wait d
// becomes a random time in [d/2, d] (equal jitter), so that many clients
// failing together do not retry together. An error that carries a server's
// delay (a RetryAfter method, found with errors.As: HTTP Retry-After) waits
// at least that long, up to Max.
//
// A permanent error, success, or a cancelled context ends the loop at once.
// When every attempt failed, the error is the last attempt's, followed by
// how many attempts were made, so it still starts with what failed.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Defaults used when a Policy field is zero.
const (
	DefaultAttempts = 4
	DefaultBase     = 500 * time.Millisecond
)

// Policy says how often and how patiently to retry.
type Policy struct {
	Attempts int           // attempts in all; DefaultAttempts when <= 0
	Base     time.Duration // first wait; DefaultBase when <= 0 (tests set a tiny one)
	Max      time.Duration // cap on one wait; none when <= 0
	Jitter   bool          // wait a random time in [d/2, d]
	// OnRetry, when set, is called after a transient failure that will be
	// retried (n is the attempt that failed, from 1).
	OnRetry func(err error, n int)
}

// RetryAfter is implemented by errors that carry the delay a server asked
// for before the next attempt.
type RetryAfter interface {
	RetryAfter() time.Duration
}

// Do runs attempt until it succeeds, fails with transient == false, or has
// been tried p.Attempts times, waiting between attempts as the package
// comment says. The last attempt's result is returned. A context cancelled
// during a wait ends the loop with an error that wraps both the context's
// error and the last attempt's, prefixed by what.
func Do[T any](ctx context.Context, p Policy, what string, attempt func() (res T, transient bool, err error)) (T, error) {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	for n := 1; ; n++ {
		res, transient, err := attempt()
		if err == nil || !transient {
			return res, err
		}
		if n >= attempts {
			if attempts > 1 {
				err = fmt.Errorf("%w (gave up after %d attempts)", err, attempts)
			}
			return res, err
		}
		if p.OnRetry != nil {
			p.OnRetry(err, n)
		}
		t := time.NewTimer(p.wait(n, err))
		select {
		case <-ctx.Done():
			t.Stop()
			var zero T
			return zero, fmt.Errorf("%s: %w (after: %w)", what, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// wait is the pause after the n-th failed attempt.
func (p Policy) wait(n int, err error) time.Duration {
	base := p.Base
	if base <= 0 {
		base = DefaultBase
	}
	d := base << (n - 1)
	if d <= 0 || (p.Max > 0 && d > p.Max) { // d <= 0: the shift overflowed
		d = p.Max
		if d <= 0 {
			d = base
		}
	}
	if p.Jitter {
		d = d/2 + rand.N(d/2+1)
	}
	var ra RetryAfter
	if errors.As(err, &ra) {
		if asked := ra.RetryAfter(); asked > d && (p.Max <= 0 || asked <= p.Max) {
			d = asked
		}
	}
	return d
}
