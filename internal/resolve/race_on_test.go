//go:build race

package resolve

// raceEnabled: the race detector slows code ~10x, so timing bounds are not checked.
const raceEnabled = true
