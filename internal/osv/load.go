package osv

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxZipEntries bounds the members read from one archive (the PyPI export
// holds tens of thousands; a million means something is wrong).
const MaxZipEntries = 1 << 20

// isRecordFile reports whether a path names an OSV record we read.
func isRecordFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// Load reads an advisory source: a directory tree of .json/.yaml/.yml
// records or a .zip of them (the OSV bulk export format). See LoadDir and
// LoadZip.
func Load(ctx context.Context, path string) (*DB, []error, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("advisory source: %w", err)
	}
	if fi.IsDir() {
		return LoadDir(ctx, path)
	}
	return LoadZip(ctx, path)
}

// LoadDir parses every record under dir in parallel and compiles them.
// Directories starting with "." (such as .git) and files with other
// extensions are skipped. A file that cannot be read or parsed never stops
// the others: it is reported in the returned slice (each a *ParseError
// naming the file) and left out. The final error is for failures that
// affect the whole source: dir unreadable or ctx done.
func LoadDir(ctx context.Context, dir string) (*DB, []error, error) {
	recs, errs, err := ReadDir(ctx, dir)
	if err != nil {
		return nil, errs, err
	}
	return Build(recs), errs, nil
}

// ReadDir is LoadDir without the compilation step.
func ReadDir(ctx context.Context, dir string) ([]*Record, []error, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			paths = append(paths, p) // reported by the reader below
			return nil
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if isRecordFile(p) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("advisory directory %s: %w", dir, err)
	}
	return parseAll(ctx, len(paths), func(i int) (string, []byte, error) {
		data, err := readLimited(paths[i])
		return paths[i], data, err
	})
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() <= MaxRecordSize {
		// Exact-size read: io.ReadAll would grow its buffer several times.
		buf := make([]byte, fi.Size()+1)
		n, err := io.ReadFull(f, buf)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return buf[:n], nil
		}
		if err != nil {
			return nil, err
		}
		// The file grew since Stat; read the rest with the limit.
		rest, err := readAtMost(f)
		if err != nil {
			return nil, err
		}
		return readAtMostBytes(append(buf, rest...))
	}
	return readAtMost(f)
}

func readAtMostBytes(data []byte) ([]byte, error) {
	if len(data) > MaxRecordSize {
		return nil, fmt.Errorf("record is over the %d-byte limit", MaxRecordSize)
	}
	return data, nil
}

func readAtMost(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRecordSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxRecordSize {
		return nil, fmt.Errorf("record is over the %d-byte limit", MaxRecordSize)
	}
	return data, nil
}

// LoadZip parses every .json/.yaml/.yml member of the archive at path, in
// parallel, with the same error contract as LoadDir. Member names in errors
// read "archive.zip!member.json".
func LoadZip(ctx context.Context, path string) (*DB, []error, error) {
	recs, errs, err := ReadZip(ctx, path)
	if err != nil {
		return nil, errs, err
	}
	return Build(recs), errs, nil
}

// ReadZip is LoadZip without the compilation step.
func ReadZip(ctx context.Context, path string) ([]*Record, []error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("advisory archive: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("advisory archive: %w", err)
	}
	return readZip(ctx, path, f, fi.Size())
}

func readZip(ctx context.Context, name string, r io.ReaderAt, size int64) ([]*Record, []error, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("advisory archive %s: %w", name, err)
	}
	var members []*zip.File
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || !isRecordFile(zf.Name) {
			continue
		}
		members = append(members, zf)
	}
	if len(members) > MaxZipEntries {
		return nil, nil, fmt.Errorf("advisory archive %s: %d records, over the limit of %d", name, len(members), MaxZipEntries)
	}
	return parseAll(ctx, len(members), func(i int) (string, []byte, error) {
		zf := members[i]
		label := name + "!" + zf.Name
		rc, err := zf.Open()
		if err != nil {
			return label, nil, err
		}
		defer rc.Close()
		data, err := readAtMost(rc)
		return label, data, err
	})
}

// parseAll runs read+parse for n items on GOMAXPROCS workers. Results keep
// input order so that errors are reported deterministically.
func parseAll(ctx context.Context, n int, read func(i int) (string, []byte, error)) ([]*Record, []error, error) {
	recs := make([]*Record, n)
	errs := make([]error, n)
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	claim := func() int { return int(next.Add(1) - 1) }
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := claim(); i < n; i = claim() {
				if ctx.Err() != nil {
					return
				}
				name, data, err := read(i)
				if err != nil {
					errs[i] = &ParseError{File: name, Err: err}
					continue
				}
				recs[i], errs[i] = ParseFile(name, data)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("loading advisories: %w", err)
	}
	out := recs[:0]
	for _, r := range recs {
		if r != nil {
			out = append(out, r)
		}
	}
	var fileErrs []error
	for _, e := range errs {
		if e != nil {
			fileErrs = append(fileErrs, e)
		}
	}
	return out, fileErrs, nil
}

// errNoRecords is wrapped when a source yields nothing usable.
var errNoRecords = errors.New("no advisories found")
