//go:build !unix

package sync

// lockDir is a no-op where flock is unavailable.
func lockDir(dir string) (unlock func(), err error) { return func() {}, nil }
