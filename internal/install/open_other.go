//go:build !unix

package install

import (
	"io"
	"os"
)

// openPlain opens a file for reading.
func openPlain(path string) (*os.File, error) { return os.Open(path) }

// canFingerprint: files cannot be fingerprinted (see fingerprintOf).
const canFingerprint = false

// writeNew creates path, which must not exist, with perm, and copies
// content into it through buf (fp must be nil: see canFingerprint).
func writeNew(path string, perm uint32, content io.Reader, buf []byte, fp *fingerprint) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, os.FileMode(perm))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.CopyBuffer(struct{ io.Writer }{f}, struct{ io.Reader }{content}, buf)
	return err
}

// writePlain is os.WriteFile.
func writePlain(path string, data []byte, perm uint32) error {
	return os.WriteFile(path, data, os.FileMode(perm))
}
