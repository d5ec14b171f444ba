//go:build unix

package build

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup runs cmd in a new process group and makes cancellation
// kill the whole group: a backend may start compilers or other pythons,
// and none of them may outlive the build.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
