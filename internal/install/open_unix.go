//go:build unix

package install

import (
	"io/fs"
	"os"
	"syscall"
)

// openPlain opens a file for reading without registering it with the
// runtime's poller, which os.Open tries for every file at the cost of four
// fcntl and an epoll_ctl; a sync that changes nothing opens a few hundred
// small files, and regular files never block on the poller anyway.
func openPlain(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}
