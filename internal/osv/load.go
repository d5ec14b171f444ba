package osv

import (
	"archive/zip"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Limits on an advisory archive. The PyPI OSV export holds tens of
// thousands of members of a few KB each; the limits are far above that and
// stop a hostile archive (4,000 members sharing one 16 MiB deflated body
// took 103 s to read) before anything is decompressed. Each member is also
// at most MaxRecordSize.
const (
	// MaxZipEntries bounds the members of one archive, of any kind.
	MaxZipEntries = 500_000
	// MaxZipTotalSize bounds the uncompressed size of the record members
	// together, as the central directory declares it (archive/zip refuses a
	// member that decompresses to more than it declares).
	MaxZipTotalSize = 1 << 30
)

// zipLimits are the limits readZip applies; tests use smaller ones.
type zipLimits struct {
	entries     int
	total, each uint64
}

var defaultZipLimits = zipLimits{entries: MaxZipEntries, total: MaxZipTotalSize, each: MaxRecordSize}

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
	if fi, err := f.Stat(); err == nil {
		return readSized(f, fi.Size())
	}
	return readAtMost(f)
}

// readSized is readAtMost for a record expected to be size bytes (a file's
// or a zip member's declared size): one exact allocation, where io.ReadAll
// would grow its buffer several times; a record that turns out longer is
// read on with the limit.
func readSized(r io.Reader, size int64) ([]byte, error) {
	if size < 0 || size > MaxRecordSize {
		return readAtMost(r)
	}
	buf := make([]byte, size+1)
	n, err := io.ReadFull(r, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return buf[:n], nil
	}
	if err != nil {
		return nil, err
	}
	rest, err := readAtMost(r)
	if err != nil {
		return nil, err
	}
	return readAtMostBytes(append(buf, rest...))
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
// read "archive.zip!member.json". An archive over the limits of the package
// comment ("Input limits") is refused before anything is decompressed.
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
	members, skipped, err := zipMembers(name, r, size, defaultZipLimits)
	if err != nil {
		return nil, nil, err
	}
	recs, errs, err := parseAll(ctx, len(members), func(i int) (string, []byte, error) {
		zf := members[i]
		label := name + "!" + zf.Name
		rc, err := zf.Open()
		if err != nil {
			return label, nil, err
		}
		defer rc.Close()
		data, err := readSized(rc, int64(zf.UncompressedSize64))
		return label, data, err
	})
	return recs, append(skipped, errs...), err
}

// zipMembers returns the record members of the archive after checking it
// against lim: member count, all records' declared size, and that no two
// members share compressed bytes (an overlap is how a small archive
// declares many large members); any of these refuses the archive. A record
// declared larger than lim.each is left out and reported in skipped.
func zipMembers(name string, r io.ReaderAt, size int64, lim zipLimits) (members []*zip.File, skipped []error, err error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("advisory archive %s: %w", name, err)
	}
	if len(zr.File) > lim.entries {
		return nil, nil, fmt.Errorf("advisory archive %s: %d members, over the limit of %d (osv.MaxZipEntries)", name, len(zr.File), lim.entries)
	}
	type span struct {
		start, end uint64
		name       string
	}
	spans := make([]span, 0, len(zr.File))
	for _, zf := range zr.File {
		start, err := zf.DataOffset()
		if err != nil {
			return nil, nil, fmt.Errorf("advisory archive %s: member %s: %w", name, zf.Name, err)
		}
		spans = append(spans, span{uint64(start), uint64(start) + zf.CompressedSize64, zf.Name})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(spans); i++ {
		if prev := spans[i-1]; spans[i].start < prev.end || spans[i].start == prev.start {
			return nil, nil, fmt.Errorf("advisory archive %s: members %s and %s share compressed data (overlapping members are refused)", name, prev.name, spans[i].name)
		}
	}
	var total uint64
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || !isRecordFile(zf.Name) {
			continue
		}
		if zf.UncompressedSize64 > lim.each {
			skipped = append(skipped, &ParseError{File: name + "!" + zf.Name,
				Err: fmt.Errorf("%d bytes uncompressed, over the limit of %d (osv.MaxRecordSize)", zf.UncompressedSize64, lim.each)})
			continue
		}
		total += zf.UncompressedSize64
		if total > lim.total {
			return nil, nil, fmt.Errorf("advisory archive %s: records over %d bytes uncompressed, reached at member %s (osv.MaxZipTotalSize)", name, lim.total, zf.Name)
		}
		members = append(members, zf)
	}
	return members, skipped, nil
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
