//go:build !unix

package install

import (
	"errors"
	"fmt"
)

// fingerprintOf is not available: Seal fails, and Install copies.
func fingerprintOf(p string) (fingerprint, error) {
	return fingerprint{}, fmt.Errorf("%s: %w", p, errors.ErrUnsupported)
}
