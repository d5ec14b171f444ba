//go:build linux || darwin

package install

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// recordBuffers hold the bytes of the record verifyOwnSizes reads: a sync
// that changes nothing reads the record of every installed distribution.
var recordBuffers = sync.Pool{New: func() any { return new([]byte) }}

// verifyOwnSizes is Verify without hashing (full false) for a distribution
// that pyward recorded, with the checks Verify makes: every hashed file is
// within t.Root, a regular file (not followed if a link) of the recorded
// size. It reads the record into a reused buffer and stats each file
// relative to the environment's directory, so that a sync that changes
// nothing allocates nothing per installed file: os.Lstat and the joined
// absolute paths were most of the memory such a sync touched. ok is false
// when there is no valid record, or it holds a path that is not plainly
// local: Verify then answers as it always does.
func (t *Target) verifyOwnSizes(distInfo string) (ok bool, err error) {
	bp := recordBuffers.Get().(*[]byte)
	defer recordBuffers.Put(bp)
	p := t.recordPath(distInfo)
	data, rerr := readPlainInto(p, (*bp)[:0])
	if errors.Is(rerr, os.ErrNotExist) {
		data, rerr = readPlainInto(p+partialSuffix, (*bp)[:0])
	}
	if cap(data) > cap(*bp) {
		*bp = data[:0]
	}
	if rerr != nil {
		return false, nil
	}
	rows, rerr := ownRecordRows(data)
	if rerr != nil || needsRecordCSV(rows) {
		return false, nil
	}
	root, rerr := unix.Open(t.Root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if rerr != nil {
		return false, nil
	}
	defer unix.Close(root)
	local := true
	// The rows' strings share the buffer, which is reused once this
	// function returns: none is kept (errors quote copies).
	text := unsafe.String(unsafe.SliceData(rows), len(rows))
	err = eachRecordRow(text, func(e RecordEntry) error {
		if e.Hash == "" {
			return nil // .pyc files: may legitimately be absent
		}
		if path.Clean(e.Path) != e.Path || !filepath.IsLocal(e.Path) {
			local = false
			return errNotLocal
		}
		var st unix.Stat_t
		var serr error
		for {
			serr = unix.Fstatat(root, e.Path, &st, unix.AT_SYMLINK_NOFOLLOW)
			if serr != unix.EINTR {
				break
			}
		}
		abs := func() string { return filepath.Join(t.Root, filepath.FromSlash(e.Path)) }
		if serr != nil {
			return &os.PathError{Op: "lstat", Path: abs(), Err: serr}
		}
		return checkInstalledStat(abs, st.Mode&unix.S_IFMT == unix.S_IFREG, st.Size, e.Size)
	})
	if !local {
		return false, nil
	}
	return true, err
}

// errNotLocal stops verifyOwnSizes at a path it leaves to Verify.
var errNotLocal = errors.New("path not plainly local")
