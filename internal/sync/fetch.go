package sync

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"

	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/sources"
	"github.com/pyward/pyward/internal/venv"
)

// unpackedDir is the cache subdirectory of unpacked, checked wheels.
const unpackedDir = "wheels-v2"

type ranker struct {
	r    *pep425.Ranker
	best string // most preferred tag, for messages
}

func newRanker(in *venv.Interpreter) *ranker {
	tags := in.Tags()
	r := &ranker{r: pep425.NewRanker(tags)}
	if len(tags) > 0 {
		r.best = tags[0].String()
	}
	return r
}

func sameVersion(a, b string) bool {
	if a == b {
		return true // equality is reflexive, valid or not: no parsing
	}
	va, err1 := pep440.Parse(a)
	vb, err2 := pep440.Parse(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return va.Equal(vb)
}

// versionFromFilename returns the version in a wheel or sdist file name.
func versionFromFilename(name string) string {
	f, err := dist.ParseFilename(name)
	if err != nil {
		return ""
	}
	return f.Version.String()
}

// choose picks the file to install for j. See the package comment.
// trees holds the cache trees' manifests this sync has read (nil: none).
func choose(ctx context.Context, fetcher Fetcher, srcs *sources.Sources, opts Options, rk *ranker, trees *treeCache, j *job) error {
	e := j.entry
	pkg := e.Name + "==" + e.Version
	var cands []index.File
	// A pylock's files are fetched from the URLs it records, unless the
	// package is to be looked up by name and hash: on a mirror of its index,
	// in --find-links locations, or on --index-url when the lock records no
	// index for it.
	byName := srcs.Mirrored(e.Index) || len(opts.FindLinks) > 0 || (e.Index == "" && opts.IndexURL != "")
	useLockURLs := len(e.Files) > 0 && (e.Direct || !byName)
	if useLockURLs {
		for _, f := range e.Files {
			if !validSHA256(f.Hashes["sha256"]) {
				continue // unverifiable
			}
			if f.URL == "" {
				useLockURLs = false
				break
			}
			cands = append(cands, index.File{Filename: f.Name, URL: f.URL, Hashes: f.Hashes, Size: f.Size})
		}
	}
	cacheDir := opts.CacheDir
	if opts.NoCache {
		cacheDir = ""
	}
	if !useLockURLs && len(e.Files) == 0 && cacheDir != "" {
		// Warm path: every hash of the entry was seen on an index before
		// and the best file is unpacked in the cache: no index request.
		if f, w, ok := chooseFromCache(cacheDir, e, rk, trees); ok {
			j.file, j.loaded = f, w
			return nil
		}
	}
	if !useLockURLs {
		cands = nil
		p, err := fetcher.Project(ctx, e.Name)
		if errors.Is(err, index.ErrNotFound) {
			return &RefusedError{Package: pkg, Err: err}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", pkg, err)
		}
		lockFiles := map[string]string{} // pylock: file name → sha256
		for _, f := range e.Files {
			lockFiles[f.Name] = f.Hashes["sha256"]
		}
		for _, f := range p.Files {
			if !sameVersion(versionFromFilename(f.Filename), e.Version) {
				continue
			}
			got := f.Hashes["sha256"]
			switch {
			case len(e.Files) > 0:
				want, ok := lockFiles[f.Filename]
				if !ok || !validSHA256(want) {
					continue
				}
				f.Hashes = map[string]string{"sha256": want}
			case got == "":
				// The index lists no sha256: the download is checked
				// against every hash of the entry (see prepare).
				f.Hashes = map[string]string{}
			case slices.Contains(e.Hashes, got):
				f.Hashes = map[string]string{"sha256": got}
				rememberName(cacheDir, got, f.Filename)
			default:
				continue
			}
			cands = append(cands, f)
		}
	}
	bestRank := -1
	var sdists []string
	var seen []string
	for _, f := range cands {
		seen = append(seen, f.Filename)
		df, err := dist.ParseFilename(f.Filename)
		if err != nil {
			continue
		}
		if df.Kind == dist.Sdist {
			sdists = append(sdists, f.Filename)
			continue
		}
		if df.Kind != dist.Wheel || df.Name != pep503.Normalize(e.Name) {
			continue
		}
		rank, ok := rk.r.Rank(df.Wheel.Tags)
		if ok && (bestRank < 0 || rank < bestRank) {
			bestRank, j.file = rank, f
		}
	}
	if bestRank >= 0 {
		j.direct = e.Direct
		return nil
	}
	switch {
	case len(sdists) > 0 && !opts.AllowBuild:
		return &RefusedError{Package: pkg, File: sdists[0], Err: fmt.Errorf("no compatible wheel, only an sdist, which must be built by running its build backend: refused (pyward sync never runs package code; --allow-build would be needed)")}
	case len(sdists) > 0:
		return &RefusedError{Package: pkg, File: sdists[0], Err: fmt.Errorf("no compatible wheel; building sdists is not supported by pyward sync: build a wheel (python -m build --wheel), serve it, and lock again")}
	case len(seen) == 0 && !useLockURLs:
		return &RefusedError{Package: pkg, Err: fmt.Errorf("no file of this version on the index with a hash listed in the lock")}
	default:
		return &RefusedError{Package: pkg, Err: fmt.Errorf("no wheel compatible with this interpreter (best tag %s) among %s", rk.best, strings.Join(seen, ", "))}
	}
}

// namesDir maps sha256 → file name for files seen on an index, so that a
// hashed requirements lock can be resolved to cached wheels offline.
const namesDir = "names"

func rememberName(cacheDir, sha, filename string) {
	if cacheDir == "" || !validSHA256(sha) || strings.ContainsAny(filename, "/\\") {
		return
	}
	p := filepath.Join(cacheDir, unpackedDir, namesDir, sha)
	if _, err := os.Stat(p); err == nil {
		return
	}
	// Best effort: a missing entry only costs an index request next time.
	if os.MkdirAll(filepath.Dir(p), 0o755) == nil {
		tmp := fmt.Sprintf("%s.tmp%d", p, os.Getpid())
		if os.WriteFile(tmp, []byte(filename), 0o644) == nil {
			os.Rename(tmp, p)
		}
	}
}

// chooseFromCache picks the best-ranked wheel among the entry's hashes when
// every hash has a known file name and that wheel is unpacked in the cache.
// An unpacked tree records its wheel's file name; names/ knows the others.
func chooseFromCache(cacheDir string, e Entry, rk *ranker, trees *treeCache) (index.File, *install.Wheel, bool) {
	best, bestRank := index.File{}, -1
	var bestTree *install.Wheel
	for _, h := range e.Hashes {
		if !validSHA256(h) {
			return index.File{}, nil, false
		}
		tree, err := trees.load(unpackedPath(cacheDir, h))
		var name string
		if err == nil {
			name = tree.Filename
		} else {
			b, err := os.ReadFile(filepath.Join(cacheDir, unpackedDir, namesDir, h))
			if err != nil {
				return index.File{}, nil, false
			}
			name, tree = string(b), nil
		}
		df, err := dist.ParseFilename(name)
		if err != nil || df.Kind != dist.Wheel || df.Name != pep503.Normalize(e.Name) || !sameVersion(df.Version.String(), e.Version) {
			continue
		}
		if rank, ok := rk.r.Rank(df.Wheel.Tags); ok && (bestRank < 0 || rank < bestRank) {
			best, bestRank, bestTree = index.File{Filename: name, Hashes: map[string]string{"sha256": h}}, rank, tree
		}
	}
	if bestTree == nil {
		return index.File{}, nil, false // no candidate, or the best one is not unpacked
	}
	return best, bestTree, true
}

// unpackedPath is where the wheel whose sha256 is sha is unpacked in the
// cache.
func unpackedPath(cacheDir, sha string) string {
	return filepath.Join(cacheDir, unpackedDir, sha[:2], sha)
}

// readManifest reads a cache tree's manifest; tests count the calls.
var readManifest = install.LoadUnpacked

// treeCache remembers the manifests of the cache trees one sync has read,
// so that each is decoded once although prefetch (to skip what is
// unpacked) and choose (to pick the best unpacked wheel) both need it:
// decoding is most of a warm sync's planning.
type treeCache struct{ m gosync.Map }

// load is readManifest, answered from the trees already read. It returns a
// copy (Recheck sets fields of the Wheel); a nil treeCache remembers
// nothing.
func (t *treeCache) load(dir string) (*install.Wheel, error) {
	if t != nil {
		if v, ok := t.m.Load(dir); ok {
			w := *v.(*install.Wheel)
			return &w, nil
		}
	}
	w, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	if t != nil {
		c := *w
		t.m.Store(dir, &c)
	}
	return w, nil
}

// fetch downloads and unpacks wheels.
type fetch struct {
	fetcher    Fetcher
	cacheDir   string
	progress   Progress
	downloaded atomic.Int64
	// unpacked maps the cache trees this sync checked and renamed into
	// place to their *install.Wheel, so that taking one again does not
	// decode its marker file again (nil: always decode).
	unpacked *gosync.Map
}

// bytesFetcher is a Fetcher that can return a small file's verified bytes
// in memory (*index.Client does): read once and hashed as read, so the
// bytes unpacked are the bytes verified without hashing them again.
type bytesFetcher interface {
	DownloadBytes(ctx context.Context, f index.File) ([]byte, string, error)
}

// maxMemoryWheel is the largest wheel (by its listed size) downloaded into
// memory rather than into a temporary file: the bytes unpacked are then the
// bytes hashed, and no copy is written to disk. Jobs wheels may be held at
// once.
const maxMemoryWheel = 32 << 20

// loadUnpacked is install.LoadUnpacked, answered from f.unpacked when this
// sync wrote the tree (a copy: Recheck sets fields of the Wheel).
func (f *fetch) loadUnpacked(dir string) (*install.Wheel, error) {
	if f.unpacked != nil {
		if v, ok := f.unpacked.Load(dir); ok {
			w := *v.(*install.Wheel)
			return &w, nil
		}
	}
	return readManifest(dir)
}

type countWriter struct {
	w io.Writer
	n *atomic.Int64
	p Progress
}

func (w *countWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.n.Add(int64(n))
	if w.p != nil {
		w.p.Add(int64(n))
	}
	return n, err
}

// prepare makes j.wheel and j.dir: from the unpacked cache when present,
// else by downloading (verified), checking and unpacking.
func (f *fetch) prepare(ctx context.Context, j *job, opts install.Options) error {
	pkg := j.entry.Name + "==" + j.entry.Version
	refuse := func(err error) error {
		return &RefusedError{Package: pkg, File: j.file.Filename, Err: err}
	}
	sha := j.file.Hashes["sha256"]
	var final string
	if f.cacheDir != "" && sha != "" {
		final = unpackedPath(f.cacheDir, sha)
		w, err := j.loaded, error(nil)
		j.loaded = nil // taken once: a second prepare (a changed tree) loads again
		if w == nil {
			w, err = f.loadUnpacked(final)
		}
		if err == nil && w.Filename == j.file.Filename {
			if j.file.MetadataHashes != nil {
				if _, raw, err := f.fetcher.Metadata(ctx, j.file); err == nil {
					opts.Metadata = raw
				}
			}
			if err := install.Recheck(w, opts); err != nil {
				return refuse(err)
			}
			j.wheel, j.dir = w, final
			return nil
		}
	}
	tmpRoot := os.TempDir()
	if f.cacheDir != "" {
		tmpRoot = filepath.Join(f.cacheDir, "tmp")
		if err := os.MkdirAll(tmpRoot, 0o755); err != nil {
			return err
		}
	}
	var mem *bytes.Buffer
	var dst io.Writer
	var out *os.File // the download when it is not kept in memory
	var got string
	var err error
	bf, inMemory := f.fetcher.(bytesFetcher)
	if j.file.Size > 0 && j.file.Size <= maxMemoryWheel && inMemory {
		// The verified bytes themselves, read once: nothing to hash again.
		var data []byte
		data, got, err = bf.DownloadBytes(ctx, j.file)
		mem = bytes.NewBuffer(data)
		f.downloaded.Add(int64(len(data)))
		if f.progress != nil {
			f.progress.Add(int64(len(data)))
		}
	} else if j.file.Size > 0 && j.file.Size <= maxMemoryWheel {
		mem = bytes.NewBuffer(make([]byte, 0, j.file.Size))
		dst = mem
	} else {
		var err error
		if out, err = os.CreateTemp(tmpRoot, "dl-*.whl"); err != nil {
			return err
		}
		defer func() {
			out.Close()
			os.Remove(out.Name())
		}()
		dst = out
	}
	if dst != nil {
		got, err = f.fetcher.Download(ctx, j.file, &countWriter{w: dst, n: &f.downloaded, p: f.progress})
	}
	if err == nil && dst != nil && mem != nil {
		// Download verified the bytes it stored, then copied them here:
		// hash what is about to be unpacked.
		if sum := sha256.Sum256(mem.Bytes()); hex.EncodeToString(sum[:]) != got {
			return refuse(fmt.Errorf("sha256 of the %d bytes read is %s, not %s as verified: the stored file changed while it was read (none of its bytes used)", mem.Len(), hex.EncodeToString(sum[:]), got))
		}
	}
	// unpack unpacks the verified wheel into dir, sealed (see
	// install.UnpackSealed) for a tree that will be shared.
	unpack := func(dir string, o install.Options, sealed bool) (*install.Wheel, error) {
		var r io.ReaderAt
		var size int64
		if mem != nil {
			r, size = bytes.NewReader(mem.Bytes()), int64(mem.Len())
		} else {
			// Read through the descriptor the download was written to.
			st, err := out.Stat()
			if err != nil {
				return nil, err
			}
			r, size = out, st.Size()
		}
		if sealed {
			return install.UnpackSealed(ctx, r, size, filepath.Base(j.file.Filename), dir, o)
		}
		return install.UnpackFrom(ctx, r, size, filepath.Base(j.file.Filename), dir, o)
	}
	if err != nil {
		var hm *index.HashMismatchError
		if errors.As(err, &hm) {
			return refuse(fmt.Errorf("%s hash mismatch: expected %s, got %s (file rejected, none of its bytes used)", hm.Algorithm, hm.Expected, hm.Actual))
		}
		if errors.Is(err, index.ErrHashMismatch) || errors.Is(err, index.ErrMetadataMismatch) {
			return refuse(err)
		}
		return fmt.Errorf("%s: download %s: %w", pkg, j.file.Filename, err)
	}
	if sha == "" {
		if !slices.Contains(j.entry.Hashes, got) {
			return refuse(fmt.Errorf("sha256 %s is not among the lock's hashes (%s)", got, strings.Join(j.entry.Hashes, ", ")))
		}
		sha = got
		j.file.Hashes = map[string]string{"sha256": got}
		if f.cacheDir != "" {
			final = unpackedPath(f.cacheDir, sha)
		}
	}
	if j.file.MetadataHashes != nil {
		_, raw, err := f.fetcher.Metadata(ctx, j.file)
		if err != nil {
			return fmt.Errorf("%s: PEP 658 metadata of %s: %w", pkg, j.file.Filename, err)
		}
		opts.Metadata = raw
	}
	if final == "" {
		dir := filepath.Join(tmpRoot, "unpacked-"+rand.Text())
		w, err := unpack(dir, opts, false)
		if err != nil {
			return refuse(err)
		}
		j.wheel, j.dir, j.tempDir = w, dir, true
		return nil
	}
	// Unpack under a temporary name with the neutral options (the cached
	// tree serves every later sync), then apply this sync's policy.
	// It is sealed (read-only, fingerprinted) before it is shared; where
	// that is not possible, Install copies from it.
	// The temporary name is unique without a directory of its own to hold
	// it (a mkdir and an rmdir less per wheel); unpack creates it.
	staging := filepath.Join(tmpRoot, "unpacked-"+rand.Text())
	w, err := unpack(staging, install.Options{AllowStartup: true, Limits: opts.Limits}, true)
	if err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return refuse(err) // unpack removed staging
	}
	renamed := false
	defer func() {
		if !renamed {
			os.RemoveAll(staging)
		}
	}()
	if err := install.Recheck(w, opts); err != nil {
		return refuse(err)
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return err
	}
	if err := os.Rename(staging, final); err != nil {
		// Another process won the race, or a stale incomplete tree is there.
		won, lerr := install.LoadUnpacked(final)
		if lerr == nil && sameEntries(won, w) {
			// The winner unpacked the same verified bytes (the tree is
			// keyed by their sha256), perhaps found under another file
			// name: install from its tree, as from any cached one, and
			// drop ours (deferred). Messages name this sync's file.
			won.Filename = j.file.Filename
			if err := install.Recheck(won, opts); err != nil {
				return refuse(err)
			}
			j.wheel, j.dir = won, final
			return nil
		}
		// An incomplete tree, or one whose files are not these bytes':
		// ours replaces it.
		if err := discardUnpacked(final); err != nil {
			return err
		}
		if err := os.Rename(staging, final); err != nil {
			return err
		}
	}
	renamed = true
	if f.unpacked != nil {
		c := *w
		f.unpacked.Store(final, &c)
	}
	j.wheel, j.dir = w, final
	return nil
}

// discardUnpacked removes an unpacked cache entry: renamed aside first, so
// that no other sync loads it half removed.
func discardUnpacked(dir string) error {
	aside := fmt.Sprintf("%s.discard%d", dir, os.Getpid())
	if err := os.Rename(dir, aside); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // another sync discarded it
		}
		return err
	}
	return os.RemoveAll(aside)
}

// sameEntries reports whether two checks of a wheel list the same files.
func sameEntries(a, b *install.Wheel) bool {
	return a.DistInfo == b.DistInfo && a.RootIsPurelib == b.RootIsPurelib && slices.Equal(a.Entries, b.Entries)
}
