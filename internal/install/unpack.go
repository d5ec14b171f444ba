package install

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// unpackedMarker is written last into an unpacked wheel directory; its
// presence means the tree is complete and checked. It holds an
// unpackedRecord as JSON.
const unpackedMarker = ".pyward-wheel.json"

// unpackedFormat versions what Check records in a Wheel. It changes
// whenever a rule adds to it (Recheck trusts the recorded findings, such as
// Wheel.Startup), so a tree unpacked under older rules is unpacked again.
// Format 3 keeps only METADATA's header section (metadataHeaders).
const unpackedFormat = 3

type unpackedRecord struct {
	Format int    `json:"format"`
	Wheel  *Wheel `json:"wheel"`
}

// Unpack checks the wheel at wheelPath (see Check) and extracts it into dir,
// which must not exist yet. On any error dir is removed: nothing from a
// refused wheel remains.
func Unpack(ctx context.Context, wheelPath, dir string, opts Options) (w *Wheel, err error) {
	zf, err := os.Open(wheelPath)
	if err != nil {
		return nil, err
	}
	defer zf.Close()
	st, err := zf.Stat()
	if err != nil {
		return nil, err
	}
	return UnpackFrom(ctx, zf, st.Size(), filepath.Base(wheelPath), dir, opts)
}

// UnpackFrom is Unpack for the wheel file named filename whose size bytes r
// holds (e.g. a verified download kept in memory).
func UnpackFrom(ctx context.Context, r io.ReaderAt, size int64, filename, dir string, opts Options) (*Wheel, error) {
	return unpack(ctx, r, size, filename, dir, opts, nil)
}

// UnpackSealed is UnpackFrom followed by Seal, in one pass: each file is
// created read-only and fingerprinted from its open descriptor after its
// last write, which saves Seal's chmod and two lstat calls per file. Where
// files cannot be fingerprinted, the tree is unpacked and Seal's
// errors.ErrUnsupported returned with it (Install then copies from it).
func UnpackSealed(ctx context.Context, r io.ReaderAt, size int64, filename, dir string, opts Options) (*Wheel, error) {
	if !canFingerprint {
		w, err := UnpackFrom(ctx, r, size, filename, dir, opts)
		if err != nil {
			return nil, err
		}
		return w, Seal(dir, w)
	}
	fps := map[string]fingerprint{}
	w, err := unpack(ctx, r, size, filename, dir, opts, fps)
	if err != nil {
		return nil, err
	}
	if err := writeSeal(dir, fps); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if fp, err := fingerprintOf(filepath.Join(dir, sealFile)); err == nil {
		w.seal, w.sealFP = fps, fp
	}
	return w, nil
}

// unpack checks and extracts a wheel; with seal non-nil, files are created
// without write permission and their fingerprints recorded in seal.
func unpack(ctx context.Context, r io.ReaderAt, size int64, filename, dir string, opts Options, seal map[string]fingerprint) (w *Wheel, err error) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	made := map[string]bool{dir: true}
	bp := copyBuffers.Get().(*[]byte) // one for every file of the wheel
	defer copyBuffers.Put(bp)
	buf := *bp
	sink := func(name string, exec bool, content io.Reader) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := mkdirs(filepath.Dir(dst), made); err != nil {
			return err
		}
		perm := uint32(0o644)
		if exec {
			perm = 0o755
		}
		if seal == nil {
			return writeNew(dst, perm, content, buf, nil)
		}
		var fp fingerprint
		if err := writeNew(dst, perm&^0o222, content, buf, &fp); err != nil {
			return err
		}
		seal[name] = fp
		return nil
	}
	w, err = check(r, size, filename, opts, sink)
	if err != nil {
		return nil, err
	}
	// The caller gets what LoadUnpacked would return: the description,
	// often most of METADATA, is not kept for the rest of the sync.
	w.Metadata = metadataHeaders(w.Metadata)
	data, err := json.Marshal(unpackedRecord{Format: unpackedFormat, Wheel: w})
	if err != nil {
		return nil, err
	}
	if err := writePlain(filepath.Join(dir, unpackedMarker), data, 0o644); err != nil {
		return nil, err
	}
	return w, nil
}

// copyBufSize is the size of the buffer a wheel's files are copied
// through (one per wheel, not one per file).
const copyBufSize = 32 << 10

// copyBuffers hold the copy buffers of the wheels being unpacked: one for
// each wheel unpacked at a time, rather than a fresh one per wheel.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// mkdirs creates dir and its missing parents, remembering in made what
// exists: a directory whose parent was made is created with one mkdir.
func mkdirs(dir string, made map[string]bool) error {
	if made[dir] {
		return nil
	}
	var err error
	if made[filepath.Dir(dir)] {
		err = os.Mkdir(dir, 0o755)
	} else {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	made[dir] = true
	return nil
}

// metadataHeaders returns the header section of a METADATA file, as
// metadata.Parse splits it (a byte order mark dropped, CR LF and CR read as
// LF, up to the first empty line), without the description body. Every
// field Recheck compares is a header, and the body, often most of the
// file, made up most of the bytes a warm sync decoded from the manifests
// and parsed again.
func metadataHeaders(data []byte) []byte {
	text := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.ContainsRune(text, '\r') {
		text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
		text = bytes.ReplaceAll(text, []byte("\r"), []byte("\n"))
	}
	if bytes.HasPrefix(text, []byte("\n")) {
		return []byte{}
	}
	if i := bytes.Index(text, []byte("\n\n")); i >= 0 {
		text = text[:i+1]
	}
	return bytes.Clone(text)
}

// ErrNotUnpacked is returned by LoadUnpacked for a directory that Unpack did
// not complete.
var ErrNotUnpacked = errors.New("not a complete unpacked wheel")

// LoadUnpacked returns the Wheel of a directory written by Unpack with the
// current rules. Its Metadata is METADATA's header section only.
func LoadUnpacked(dir string) (*Wheel, error) {
	data, err := readPlain(filepath.Join(dir, unpackedMarker))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotUnpacked)
	}
	var rec unpackedRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", dir, ErrNotUnpacked, err)
	}
	if rec.Format != unpackedFormat || rec.Wheel == nil {
		return nil, fmt.Errorf("%s: %w: checked under other rules (format %d, want %d)", dir, ErrNotUnpacked, rec.Format, unpackedFormat)
	}
	return rec.Wheel, nil
}
