package osv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pyward/pyward/internal/atomicfile"
)

// SourceCache keeps the compiled form of local advisory sources (`pyward
// audit --db DIR|ZIP`), so that only the first process after a change
// parses the records. An entry is used only while the source's fingerprint
// (SourceFingerprint) is the one it was compiled from; otherwise, or when
// the entry is unreadable, truncated or fails its checksum, the source is
// parsed again and the entry rewritten (temp file + rename). One entry is
// kept per source path, so the cache does not grow as a source changes.
//
// Entry layout (varints and strings as in the index file):
//
//	magic "PYWSRC1\n"
//	fingerprint string
//	file errors (count + strings)  the records left out, reported again
//	index                          EncodeIndex(db, fingerprint), whole
//	crc32c of everything above, 4 bytes little-endian
type SourceCache struct {
	Dir string
}

const srcMagic = "PYWSRC1\n"

// SourceLoad is what SourceCache.Load found.
type SourceLoad struct {
	DB *DB
	// FileErrors are the records left out (see LoadDir); a cached load
	// reports the same messages as the parse that compiled it.
	FileErrors []error
	// Cached is true when the compiled entry was used.
	Cached bool
	// CacheErr says why a freshly parsed source could not be stored; the
	// database is complete regardless.
	CacheErr error
}

// SourceFingerprint identifies the state of an advisory source cheaply,
// without reading any record. For an archive it covers the absolute path,
// size and modification time; for a directory, the absolute path and the
// relative name, size and modification time of every record file LoadDir
// would read (directories whose names start with "." are skipped the same
// way), so adding, removing, rewriting or touching a record changes it.
// Content rewritten in place with the same size and a restored mtime is
// not detected: that is the price of not hashing tens of MiB per process.
func SourceFingerprint(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("advisory source: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("advisory source: %w", err)
	}
	h := sha256.New()
	if !fi.IsDir() {
		fmt.Fprintf(h, "zip\x00%s\x00%d\x00%d\n", abs, fi.Size(), fi.ModTime().UnixNano())
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	fmt.Fprintf(h, "dir\x00%s\n", abs)
	var lines []string
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != abs && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !isRecordFile(p) {
			return nil
		}
		var info fs.FileInfo
		if d.Type()&fs.ModeSymlink != 0 {
			info, err = os.Stat(p) // the record read is the link's target
		} else {
			info, err = d.Info()
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(abs, p)
		lines = append(lines, rel+"\x00"+strconv.FormatInt(info.Size(), 10)+"\x00"+strconv.FormatInt(info.ModTime().UnixNano(), 10)+"\n")
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("advisory directory %s: %w", path, err)
	}
	slices.Sort(lines)
	for _, l := range lines {
		h.Write([]byte(l))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// entryPath names the entry of the source at abs.
func (c *SourceCache) entryPath(abs string) string {
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(c.Dir, "src-"+hex.EncodeToString(sum[:12])+".idx")
}

// Load returns the database of the source at path (see Load), from the
// compiled entry when the source is unchanged since it was compiled.
func (c *SourceCache) Load(ctx context.Context, path string) (*SourceLoad, error) {
	key, err := SourceFingerprint(path)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(path) // SourceFingerprint succeeded with it
	entry := c.entryPath(abs)
	if body, err := readChecked(entry); err == nil {
		if db, errs, err := decodeSourceBody(body, key); err == nil {
			return &SourceLoad{DB: db, FileErrors: errs, Cached: true}, nil
		}
	}
	db, fileErrs, err := Load(ctx, path)
	if err != nil {
		return nil, err
	}
	res := &SourceLoad{DB: db, FileErrors: fileErrs}
	// A source that changed while it was read may mix two states; it is
	// used for this run and compiled again by the next.
	if after, err := SourceFingerprint(path); err != nil || after != key {
		res.CacheErr = fmt.Errorf("advisory source %s changed while it was read; not cached", path)
		return res, nil
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		res.CacheErr = fmt.Errorf("advisory cache: %w", err)
		return res, nil
	}
	if err := atomicfile.WriteFile(entry, encodeSourceEntry(db, key, fileErrs), 0o644); err != nil {
		res.CacheErr = fmt.Errorf("advisory cache: %w", err)
	}
	return res, nil
}

func encodeSourceEntry(db *DB, key string, fileErrs []error) []byte {
	b := []byte(srcMagic)
	b = appendString(b, key)
	msgs := make([]string, len(fileErrs))
	for i, e := range fileErrs {
		msgs[i] = e.Error()
	}
	b = appendStrings(b, msgs)
	b = append(b, EncodeIndex(db, key)...)
	return appendCRC(b)
}

// decodeSourceBody checks an entry, read by readChecked, against the
// fingerprint the source has now; any mismatch or damage is an error
// wrapping ErrBadIndex.
func decodeSourceBody(body, key string) (*DB, []error, error) {
	if !strings.HasPrefix(body, srcMagic) {
		return nil, nil, fmt.Errorf("%w: bad source entry header", ErrBadIndex)
	}
	d := &decoder{s: body, pos: len(srcMagic)}
	got := d.str()
	msgs := d.strs()
	if d.err != nil {
		return nil, nil, d.err
	}
	if got != key {
		return nil, nil, fmt.Errorf("%w: compiled from another state of the source", ErrBadIndex)
	}
	// The entry's checksum covers the index, its own checksum included.
	idx := d.s[d.pos:]
	if len(idx) < len(indexMagic)+4 {
		return nil, nil, fmt.Errorf("%w: truncated source entry", ErrBadIndex)
	}
	db, src, err := decodeIndexBody(idx[:len(idx)-4])
	if err != nil {
		return nil, nil, err
	}
	if src != key {
		return nil, nil, fmt.Errorf("%w: index of another source", ErrBadIndex)
	}
	var errs []error
	for _, m := range msgs {
		errs = append(errs, errors.New(m))
	}
	return db, errs, nil
}
