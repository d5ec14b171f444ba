package install

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
)

// ErrTreeChanged is matched by the error Install returns when a file of an
// unpacked tree no longer has the size and sha256 recorded for it when the
// wheel was checked: the tree (a cache entry) was edited since. Nothing of
// that wheel has been moved into the environment then.
var ErrTreeChanged = errors.New("unpacked wheel changed since it was checked")

// cloneState remembers that the file system cannot clone, so that a sync
// asks once, not once per file.
type cloneState struct{ unsupported atomic.Bool }

// copyVerified creates to with from's content, as a reflink where the file
// system can make one and as a copy otherwise, and checks that what was
// written has the size and sha256 ("sha256=<urlsafe b64>") the wheel's
// RECORD gave: the environment gets a file of its own (an edit in one
// environment reaches neither the cache nor another environment), and a
// cache file edited since it was checked never reaches it.
func (t *Target) copyVerified(from, to, want string, size int64) (err error) {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w: not a regular file", from, ErrTreeChanged)
	}
	out, err := os.OpenFile(to, os.O_RDWR|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	h := sha256.New()
	var n int64
	if !t.clone.unsupported.Load() && cloneFile(out, in) {
		// The clone shares blocks with the cache file until either is
		// written; hash what the environment now holds.
		n, err = io.Copy(h, io.NewSectionReader(out, 0, st.Size()+1))
	} else {
		t.clone.unsupported.Store(true)
		n, err = io.Copy(io.MultiWriter(out, h), in)
	}
	if err != nil {
		return err
	}
	if got := "sha256=" + b64(h.Sum(nil)); n != size || got != want {
		return fmt.Errorf("%s: %w: %d bytes with %s, checked %d bytes with %s", from, ErrTreeChanged, n, got, size, want)
	}
	return nil
}
