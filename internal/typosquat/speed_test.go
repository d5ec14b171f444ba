//go:build !race

package typosquat

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// maxCold1000 is the budget for one audit's typo-squat pass: load the
// embedded snapshot (the compiled index is validated, not built) and
// check 1,000 names.
const maxCold1000 = 50 * time.Millisecond

// cpuTime is the CPU time this process has used. The speed tests measure
// CPU rather than wall time, but CPU time still depends on the machine
// (and on the cache pressure of a loaded one), so their budgets are
// checked only with PYWARD_PERF=1, like the sync targets; without it the
// same work runs and is logged. With the race detector (5-10× slower) the
// file is not built.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perf reports whether performance budgets are checked (PYWARD_PERF=1).
func perf() bool { return os.Getenv("PYWARD_PERF") == "1" }

func TestSpeedCold1000(t *testing.T) {
	names := sampleNames(t, 1000)
	best := time.Duration(1<<63 - 1)
	var load, check time.Duration
	for range 5 {
		c0 := cpuTime()
		ref := freshEmbedded(t)
		c1 := cpuTime()
		for _, n := range names {
			ref.Check(n)
		}
		c2 := cpuTime()
		if c2-c0 < best {
			best, load, check = c2-c0, c1-c0, c2-c1
		}
	}
	t.Logf("cold 1,000 names: %v CPU (load %v, checks %v); budget %v", best, load, check, maxCold1000)
	if perf() && best > maxCold1000 {
		t.Errorf("cold check of 1,000 names took %v CPU, budget %v", best, maxCold1000)
	}
}

// maxPerName is the average CPU budget per name on the whole PyPI name
// list, index excluded.
const maxPerName = 20 * time.Microsecond

// TestAllPyPINames checks PyPI project names against the full embedded
// reference: a throughput check, and a report of how much of PyPI the
// detector calls look-alike (not a precision figure: many of those names
// are squats or junk, and we cannot tell which). It takes every eighth
// name, or all ~900k with TYPOSQUAT_ALL_NAMES=1.
func TestAllPyPINames(t *testing.T) {
	all := allNames(t)
	if os.Getenv("TYPOSQUAT_ALL_NAMES") != "1" {
		sample := make([]string, 0, len(all)/8+1)
		for i := 0; i < len(all); i += 8 {
			sample = append(sample, all[i])
		}
		all = sample
	}
	ref := Embedded()
	flagged := 0
	c0 := cpuTime()
	for _, n := range all {
		if len(ref.Check(n)) > 0 {
			flagged++
		}
	}
	used := cpuTime() - c0
	per := used / time.Duration(len(all))
	t.Logf("%d PyPI names checked in %v CPU (%v a name); %d (%.2f%%) look like a popular project",
		len(all), used, per, flagged, 100*float64(flagged)/float64(len(all)))
	if perf() && per > maxPerName {
		t.Errorf("%v a name, budget %v", per, maxPerName)
	}
}
