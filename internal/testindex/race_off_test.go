//go:build !race

package testindex

const raceEnabled = false
