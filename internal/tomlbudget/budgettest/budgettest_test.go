package budgettest

import (
	"testing"
	"time"
)

// TestCheckOnlyWhileFuzzing: go test runs seed inputs, where the parse
// time is not a verdict, so a slow parse passes unless fuzzing.
func TestCheckOnlyWhileFuzzing(t *testing.T) {
	if Fuzzing() {
		t.Skip("run without -fuzz")
	}
	Check(t, 10, time.Now().Add(-time.Hour))
}
