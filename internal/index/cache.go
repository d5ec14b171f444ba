package index

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Cache layout under CacheDir (every write is temp file + rename, so
// concurrent pyward processes only ever see complete files):
//
//	packs/<name>.pack   HTTP responses (pages, metadata files), many to a
//	                    file (pack.go): a JSON header line then the body,
//	                    under k = sha256(URL + "\n" + Accept)
//	blobs/sha256/<h[:2]>/<h>  downloaded files, content-addressed by sha256
//	metadata/<h>        METADATA read by range requests from the wheel whose
//	                    sha256 is h
const cacheVersion = 2

// diskCache keeps HTTP entries in pack files (see pack.go): a response is
// handed to the caller as soon as it is read and kept in memory; the
// entries of a run are written together, as one new pack, when the client
// closes (or when many have accumulated). Creating a file costs far more
// than writing one (up to a millisecond of kernel time each on some
// machines), and a lock reads and stores well over a thousand responses.
type diskCache struct {
	dir  string
	logf func(format string, args ...any)

	mu           sync.Mutex
	pending      map[string]*pendingEntry // stored, not yet in a pack on disk
	pendingBytes int
	packs        *packSet // opened on first load
	flushMu      sync.Mutex
	flushing     sync.WaitGroup
}

type pendingEntry struct {
	e    *cacheEntry
	data []byte // header line and body, as written to a pack
}

func newDiskCache(dir string, logf func(string, ...any)) *diskCache {
	return &diskCache{dir: dir, logf: logf, pending: map[string]*pendingEntry{}}
}

// wait writes every pending entry to disk (one pack) and returns when all
// writes have finished; a failure is logged, never fatal.
func (d *diskCache) wait() {
	d.flushing.Wait()
	if err := d.flush(true); err != nil {
		d.logf("cache: %v", err)
	}
}

// close releases the open pack files.
func (d *diskCache) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.packs != nil {
		d.packs.close()
		d.packs = nil
	}
}

// cacheEntry is the header of an HTTP cache file.
type cacheEntry struct {
	Version      int       `json:"v"`
	URL          string    `json:"url"`
	FinalURL     string    `json:"final_url"`
	ContentType  string    `json:"content_type"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Stored       time.Time `json:"stored"`
	MaxAge       int64     `json:"max_age"` // seconds; -1 when the response must be revalidated
	body         []byte
}

func (e *cacheEntry) fresh(now time.Time) bool {
	return e.MaxAge >= 0 && now.Sub(e.Stored) < time.Duration(e.MaxAge)*time.Second
}

// cacheable reports whether a response may be stored, and its max-age
// (-1: store but always revalidate). RFC 9111 §5.2.2: no-store forbids
// storing; no-cache and missing max-age mean revalidate before reuse.
func cachePolicy(h http.Header) (store bool, maxAge int64) {
	maxAge = -1
	for _, d := range strings.Split(strings.ToLower(h.Get("Cache-Control")), ",") {
		d = strings.TrimSpace(d)
		switch {
		case d == "no-store":
			return false, -1
		case d == "no-cache":
			return true, -1
		case strings.HasPrefix(d, "max-age="):
			if n, err := strconv.ParseInt(strings.Trim(d[len("max-age="):], `"`), 10, 64); err == nil && n >= 0 {
				maxAge = n
			}
		}
	}
	return true, maxAge
}

func keyOf(parts ...string) string {
	s := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(s[:])
}

// validSHA256 reports whether s is a lower-case hex sha256 digest. Digests
// from callers (a lock file, a page) name cache files, so anything else
// must never reach a path.
func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// blobPath and metadataPath require validSHA256(sha).
func (d *diskCache) blobPath(sha string) string {
	return filepath.Join(d.dir, "blobs", "sha256", sha[:2], sha)
}

func (d *diskCache) metadataPath(sha string) string {
	return filepath.Join(d.dir, "metadata", sha)
}

// load reads an HTTP entry; a missing or corrupt entry is a miss.
func (d *diskCache) load(key string) *cacheEntry {
	d.mu.Lock()
	if p, ok := d.pending[key]; ok {
		d.mu.Unlock()
		c := *p.e
		return &c
	}
	if d.packs == nil {
		d.packs = openPacks(filepath.Join(d.dir, packDir), d.logf)
	}
	packs := d.packs
	d.mu.Unlock()
	data := packs.read(key)
	if data == nil {
		return nil
	}
	return parseEntry(data)
}

// parseEntry decodes "header JSON line, body".
func parseEntry(data []byte) *cacheEntry {
	head, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil
	}
	var e cacheEntry
	if json.Unmarshal(head, &e) != nil || e.Version != cacheVersion {
		return nil
	}
	e.body = body
	return &e
}

// flushBytes is how much stored data makes the cache write a pack before
// the client closes, bounding its memory on very large runs.
const flushBytes = 64 << 20

// store keeps an HTTP entry for the next pack; a failure to encode it is
// logged (the entry is merely not cached).
func (d *diskCache) store(key string, e *cacheEntry) {
	entry := *e
	entry.Version = cacheVersion
	head, err := json.Marshal(&entry)
	if err != nil {
		d.logf("cache: %v", err)
		return
	}
	data := append(append(head, '\n'), entry.body...)
	d.mu.Lock()
	if old, ok := d.pending[key]; ok {
		d.pendingBytes -= len(old.data)
	}
	d.pending[key] = &pendingEntry{e: &entry, data: data}
	d.pendingBytes += len(data)
	full := d.pendingBytes >= flushBytes
	d.mu.Unlock()
	if full {
		d.flushing.Add(1)
		go func() {
			defer d.flushing.Done()
			if err := d.flush(false); err != nil {
				d.logf("cache: %v", err)
			}
		}()
	}
}

// flush writes the pending entries as one pack and serves them from it
// afterwards. With compact, it then merges the cache's packs if there are
// too many.
func (d *diskCache) flush(compact bool) error {
	d.flushMu.Lock()
	defer d.flushMu.Unlock()
	d.mu.Lock()
	records := make([]packRecord, 0, len(d.pending))
	batch := make([]*pendingEntry, 0, len(d.pending)) // batch[i] is records[i]'s
	for k, p := range d.pending {
		records = append(records, packRecord{key: k, data: p.data})
		batch = append(batch, p)
	}
	d.mu.Unlock()
	dir := filepath.Join(d.dir, packDir)
	if len(records) > 0 {
		path, err := writePack(dir, newPackName(""), records)
		if err != nil {
			return err
		}
		d.mu.Lock()
		if d.packs == nil {
			d.packs = openPacks(dir, d.logf)
		} else {
			d.packs.add(path, d.logf)
		}
		for i, p := range batch {
			if k := records[i].key; d.pending[k] == p {
				delete(d.pending, k)
				d.pendingBytes -= len(p.data)
			}
		}
		d.mu.Unlock()
	}
	if compact {
		return compactPacks(dir, d.logf)
	}
	return nil
}

// writeAtomic writes data to path via a temporary file and rename.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// group deduplicates concurrent calls with the same key (singleflight).
type group struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

// shared runs fn once for all concurrent callers with key. The work runs
// under the first caller's context; a caller whose own context is still
// live retries when that context ended the shared call, so one caller's
// cancellation never fails another.
func (g *group) shared(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	for {
		v, err := g.do(key, func() (any, error) { return fn(ctx) })
		if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			continue
		}
		return v, err
	}
}

// do runs fn once for all concurrent callers with key.
func (g *group) do(key string, fn func() (any, error)) (any, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[string]*call{}
	}
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &call{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(c.done)
	}()
	c.val, c.err = fn()
	return c.val, c.err
}

// errTooLarge: a body exceeded its limit (not retried).
var errTooLarge = errors.New("too large")

// readLimited reads r fully, failing beyond limit bytes.
func readLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s %w: more than %d bytes", what, errTooLarge, limit)
	}
	return data, nil
}
