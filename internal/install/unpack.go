package install

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// unpackedMarker is written last into an unpacked wheel directory; its
// presence means the tree is complete and checked. It holds an
// unpackedRecord as JSON.
const unpackedMarker = ".pyward-wheel.json"

// unpackedFormat versions what Check records in a Wheel. It changes
// whenever a rule adds to it (Recheck trusts the recorded findings, such as
// Wheel.Startup), so a tree unpacked under older rules is unpacked again.
const unpackedFormat = 2

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
func UnpackFrom(ctx context.Context, r io.ReaderAt, size int64, filename, dir string, opts Options) (w *Wheel, err error) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	made := map[string]bool{dir: true}
	sink := func(name string, exec bool, content io.Reader) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		parent := filepath.Dir(dst)
		if !made[parent] {
			if err := os.MkdirAll(parent, 0o755); err != nil {
				return err
			}
			made[parent] = true
		}
		mode := os.FileMode(0o644)
		if exec {
			mode = 0o755
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, content)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	w, err = check(r, size, filename, opts, sink)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(unpackedRecord{Format: unpackedFormat, Wheel: w})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, unpackedMarker), data, 0o644); err != nil {
		return nil, err
	}
	return w, nil
}

// ErrNotUnpacked is returned by LoadUnpacked for a directory that Unpack did
// not complete.
var ErrNotUnpacked = errors.New("not a complete unpacked wheel")

// LoadUnpacked returns the Wheel of a directory written by Unpack with the
// current rules.
func LoadUnpacked(dir string) (*Wheel, error) {
	data, err := os.ReadFile(filepath.Join(dir, unpackedMarker))
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
