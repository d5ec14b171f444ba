package install

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// sealFile, inside an unpacked tree, holds the fingerprint of each file
// taken when Seal made it read-only. Unpack writes the tree's manifest
// last, so a wheel entry of either name is overwritten and then fails its
// RECORD hash.
const sealFile = ".pyward-seal.json"

// fingerprint identifies a sealed file's inode and state: any write through
// any hard link changes the modification time, a chmod the mode, and a
// replaced file the inode number.
type fingerprint struct {
	Ino   uint64 `json:"ino"`
	Size  int64  `json:"size"`
	Mtime int64  `json:"mtime"` // nanoseconds
	Mode  uint32 `json:"mode"`
}

// Seal makes every file of the unpacked tree dir (of w) read-only and
// records its fingerprint, so that Install can hard-link from the tree into
// environments and still notice an edit made through any link (the
// package comment, "Installing", says when the fingerprint is trusted). Call
// it before the tree is shared (renamed into a cache).
func Seal(dir string, w *Wheel) error {
	fps := make(map[string]fingerprint, len(w.Entries))
	for _, e := range w.Entries {
		p := filepath.Join(dir, filepath.FromSlash(e.Name))
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		mode := st.Mode().Perm() &^ 0o222
		if err := os.Chmod(p, mode); err != nil {
			return err
		}
		fp, err := fingerprintOf(p)
		if err != nil {
			return err
		}
		fps[e.Name] = fp
	}
	return writeSeal(dir, fps)
}

// writeSeal records the fingerprints of a sealed tree.
func writeSeal(dir string, fps map[string]fingerprint) error {
	data, err := json.Marshal(fps)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, sealFile), data, 0o444)
}

// sealOf returns the fingerprints of w's sealed tree src: those
// UnpackSealed kept, when src's seal file is the one it wrote them to, else
// loadSeal's.
func (w *Wheel) sealOf(src string) (map[string]fingerprint, error) {
	if w.seal != nil {
		if fp, err := fingerprintOf(filepath.Join(src, sealFile)); err == nil && fp == w.sealFP {
			return w.seal, nil
		}
	}
	return loadSeal(src)
}

// loadSeal returns the fingerprints of a sealed tree (nil, nil when the tree
// was not sealed).
func loadSeal(dir string) (map[string]fingerprint, error) {
	data, err := readPlain(filepath.Join(dir, sealFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var fps map[string]fingerprint
	if err := json.Unmarshal(data, &fps); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", dir, ErrTreeChanged, err)
	}
	return fps, nil
}

// linkSealed hard-links from to to and checks the inode now installed
// against the fingerprint from Seal.
func linkSealed(from, to string, want fingerprint) error {
	if err := os.Link(from, to); err != nil {
		return err
	}
	got, err := fingerprintOf(to)
	if err != nil {
		return err
	}
	if got != want {
		os.Remove(to)
		return fmt.Errorf("%s: %w: its inode changed since it was sealed", from, ErrTreeChanged)
	}
	return nil
}
