//go:build race

package testindex

// raceEnabled scales timing thresholds: the race detector slows code ~10-40×.
const raceEnabled = true
