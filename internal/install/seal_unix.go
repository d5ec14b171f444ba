//go:build unix

package install

import (
	"fmt"
	"os"
	"syscall"
)

func fingerprintOf(p string) (fingerprint, error) {
	st, err := os.Lstat(p)
	if err != nil {
		return fingerprint{}, err
	}
	return fingerprintFrom(p, st)
}

// fingerprintFrom is the fingerprint of the file p that st describes.
func fingerprintFrom(p string, st os.FileInfo) (fingerprint, error) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || !st.Mode().IsRegular() {
		return fingerprint{}, fmt.Errorf("%s: %w: not a regular file", p, ErrTreeChanged)
	}
	return fingerprint{Ino: uint64(sys.Ino), Size: st.Size(), Mtime: st.ModTime().UnixNano(), Mode: uint32(st.Mode())}, nil
}
