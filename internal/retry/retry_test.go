package retry

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestDo(t *testing.T) {
	errTransient := errors.New("transient")
	errPermanent := errors.New("permanent")
	tests := []struct {
		name      string
		outcomes  []error // one per attempt; nil is success
		transient []bool
		attempts  int
		wantCalls int
		wantErr   error
	}{
		{"success first", []error{nil}, []bool{false}, 4, 1, nil},
		{"transient then success", []error{errTransient, errTransient, nil}, []bool{true, true, false}, 4, 3, nil},
		{"permanent stops", []error{errPermanent, nil}, []bool{false, false}, 4, 1, errPermanent},
		{"gives up after attempts", []error{errTransient, errTransient, errTransient, nil}, []bool{true, true, true, false}, 3, 3, errTransient},
		{"default attempts", []error{errTransient, errTransient, errTransient, errTransient, nil}, []bool{true, true, true, true, false}, 0, DefaultAttempts, errTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			got, err := Do(context.Background(), Policy{Attempts: tt.attempts, Base: time.Nanosecond}, "op", func() (int, bool, error) {
				i := calls
				calls++
				return i, tt.transient[i], tt.outcomes[i]
			})
			if calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tt.wantCalls)
			}
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if got != calls-1 {
				t.Errorf("result = %d, want the last attempt's %d", got, calls-1)
			}
		})
	}
}

func TestDoCancelledWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	errTransient := errors.New("connection refused")
	calls := 0
	_, err := Do(ctx, Policy{Attempts: 5, Base: time.Hour}, "names download", func() (struct{}, bool, error) {
		calls++
		cancel()
		return struct{}{}, true, errTransient
	})
	if calls != 1 {
		t.Errorf("calls = %d, want 1", calls)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, errTransient) {
		t.Errorf("err = %v, want it to wrap context.Canceled and the attempt's error", err)
	}
}

type serverDelay struct{ d time.Duration }

func (e serverDelay) Error() string             { return "429 Too Many Requests" }
func (e serverDelay) RetryAfter() time.Duration { return e.d }

func TestWait(t *testing.T) {
	tests := []struct {
		name     string
		p        Policy
		n        int
		err      error
		min, max time.Duration
	}{
		{"first", Policy{Base: time.Second}, 1, errors.New("x"), time.Second, time.Second},
		{"doubles", Policy{Base: time.Second}, 3, errors.New("x"), 4 * time.Second, 4 * time.Second},
		{"capped", Policy{Base: time.Second, Max: 3 * time.Second}, 3, errors.New("x"), 3 * time.Second, 3 * time.Second},
		{"overflow capped", Policy{Base: time.Second, Max: 5 * time.Second}, 80, errors.New("x"), 5 * time.Second, 5 * time.Second},
		{"jitter", Policy{Base: 4 * time.Second, Jitter: true}, 1, errors.New("x"), 2 * time.Second, 4 * time.Second},
		{"retry-after longer", Policy{Base: time.Second, Max: 10 * time.Second}, 1, fmt.Errorf("GET x: %w", serverDelay{7 * time.Second}), 7 * time.Second, 7 * time.Second},
		{"retry-after over max ignored", Policy{Base: time.Second, Max: 10 * time.Second}, 1, serverDelay{time.Hour}, time.Second, time.Second},
		{"retry-after shorter ignored", Policy{Base: 4 * time.Second}, 1, serverDelay{time.Second}, 4 * time.Second, 4 * time.Second},
	}
	for _, tt := range tests {
		for range 20 {
			if d := tt.p.wait(tt.n, tt.err); d < tt.min || d > tt.max {
				t.Errorf("%s: wait = %v, want in [%v, %v]", tt.name, d, tt.min, tt.max)
				break
			}
		}
	}
}

func TestDoGivesUpWithCount(t *testing.T) {
	var retried []int
	_, err := Do(context.Background(), Policy{Attempts: 3, Base: time.Nanosecond, OnRetry: func(_ error, n int) { retried = append(retried, n) }},
		"op", func() (int, bool, error) { return 0, true, errors.New("503 Service Unavailable") })
	if err == nil || err.Error() != "503 Service Unavailable (gave up after 3 attempts)" {
		t.Errorf("err = %v", err)
	}
	if fmt.Sprint(retried) != "[1 2]" {
		t.Errorf("OnRetry saw attempts %v, want [1 2]", retried)
	}
}
