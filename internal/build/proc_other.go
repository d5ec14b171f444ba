//go:build !unix

package build

import "os/exec"

// ownProcessGroup: without POSIX process groups only the hook process
// itself is killed on cancellation (exec's default).
func ownProcessGroup(cmd *exec.Cmd) {}
