//go:build !linux

package install

import "os"

// cloneFile reports false: reflinks are used on Linux only.
func cloneFile(dst, src *os.File) bool { return false }
