//go:build unix

package install

import (
	"io"
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

// canFingerprint: files can be fingerprinted (see fingerprintOf).
const canFingerprint = true

// writeNew creates path, which must not exist, with perm, and copies
// content into it through buf. The file is opened with a system call and
// wrapped by os.NewFile: os.OpenFile would try to register it with the
// runtime's poller (four fcntl and an epoll_ctl), for each of the
// thousands of files a sync creates. With fp non-nil, the file's
// fingerprint is taken from the descriptor after the last write (perm may
// lack write permission: the descriptor is writable).
func writeNew(path string, perm uint32, content io.Reader, buf []byte, fp *fingerprint) (err error) {
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, perm)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	// Wrapped, so that CopyBuffer uses buf rather than File.ReadFrom's own.
	if _, err := io.CopyBuffer(struct{ io.Writer }{f}, struct{ io.Reader }{content}, buf); err != nil {
		return err
	}
	if fp == nil {
		return nil
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	*fp, err = fingerprintFrom(path, st)
	return err
}

// writePlain is os.WriteFile (create or truncate path, then write data)
// without the poller registration os.OpenFile tries (see writeNew): an
// installation writes RECORD, INSTALLER, scripts and pyward's record.
func writePlain(path string, data []byte, perm uint32) (err error) {
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC, perm)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
