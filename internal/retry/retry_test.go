package retry

import (
	"context"
	"errors"
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
