// HashMode and CheckHashes state pip's --require-hashes rule for the
// tests; sync checks its own stricter rules on the lock (sync.LoadLock).

package reqfile

import (
	"errors"
	"fmt"
)

// HashMode reports whether pip would check hashes for this file: with
// --require-hashes, or as soon as any requirement carries a --hash.
func (f *File) HashMode() bool {
	if f.RequireHashes {
		return true
	}
	for _, r := range f.Requirements {
		if len(r.Hashes) > 0 {
			return true
		}
	}
	return false
}

// CheckHashes returns every violation of pip's hash-checking mode, or nil
// when f is not in hash mode (see HashMode) or satisfies it. In hash mode
// every requirement must be pinned with == (no wildcard) or ===, or be a
// direct URL, must carry at least one hash, and may not be editable.
// Constraints are not checked, as in pip.
func (f *File) CheckHashes() error {
	if !f.HashMode() {
		return nil
	}
	var errs []error
	for _, r := range f.Requirements {
		what := r.Raw
		if what == "" && r.Req != nil {
			what = r.Req.String()
		}
		pinned := false
		if r.Req != nil {
			_, pinned = r.Req.Specifier.ExactVersion()
		}
		switch {
		case r.Editable:
			errs = append(errs, fmt.Errorf("%s: %s: editable requirements cannot be hash-checked", r.Origin, what))
			continue
		case r.Link == "" && !pinned:
			errs = append(errs, fmt.Errorf("%s: %s: hash-checking mode needs an exact pin (==VERSION or ===VERSION)", r.Origin, what))
		}
		if len(r.Hashes) == 0 {
			errs = append(errs, fmt.Errorf("%s: %s: hash-checking mode needs a --hash", r.Origin, what))
		}
	}
	return errors.Join(errs...)
}
