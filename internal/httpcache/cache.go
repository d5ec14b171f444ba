package httpcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cacheVersion is the "v" of every entry header; entries of another
// version are ignored.
const cacheVersion = 2

// Cache keeps HTTP entries in pack files (see pack.go): a response is
// handed to the caller as soon as it is read and kept in memory; the
// entries of a run are written together, as one new pack, by Wait (or when
// many have accumulated). Creating a file costs far more than writing one
// (up to a millisecond of kernel time each on some machines), and a lock
// reads and stores well over a thousand responses. It is safe for
// concurrent use.
type Cache struct {
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
	e    *Entry
	data []byte // header line and body, as written to a pack
}

// New returns the cache in dir (created on first write); logf receives
// problems that only cost caching (unreadable packs, failed writes).
func New(dir string, logf func(format string, args ...any)) *Cache {
	return &Cache{dir: dir, logf: logf, pending: map[string]*pendingEntry{}}
}

// Wait writes every pending entry to disk (one pack) and returns when all
// writes have finished; a failure is logged, never fatal.
func (d *Cache) Wait() {
	d.flushing.Wait()
	if err := d.flush(true); err != nil {
		d.logf("cache: %v", err)
	}
}

// Close releases the open pack files; the cache stays usable and reopens
// them when needed.
func (d *Cache) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.packs != nil {
		d.packs.close()
		d.packs = nil
	}
}

// Entry is one cached HTTP response: the header fields are stored as a
// JSON line before the body.
type Entry struct {
	Version      int       `json:"v"` // set by Store
	URL          string    `json:"url"`
	FinalURL     string    `json:"final_url"`
	ContentType  string    `json:"content_type"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Stored       time.Time `json:"stored"`
	MaxAge       int64     `json:"max_age"` // seconds; -1 when the response must be revalidated
	Body         []byte    `json:"-"`
}

// Fresh reports whether e may be used at now without revalidation.
func (e *Entry) Fresh(now time.Time) bool {
	return e.MaxAge >= 0 && now.Sub(e.Stored) < time.Duration(e.MaxAge)*time.Second
}

// Policy reports whether a response with header h may be stored, and its
// max-age (-1: store but always revalidate). RFC 9111 §5.2.2: no-store
// forbids storing; no-cache and missing max-age mean revalidate before
// reuse.
func Policy(h http.Header) (store bool, maxAge int64) {
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

// Key is the cache key of a request: the sha256 (hex) of its parts joined
// by newlines (the redacted URL, then the Accept header).
func Key(parts ...string) string {
	s := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(s[:])
}

// ValidSHA256 reports whether s is a lower-case hex sha256 digest. Digests
// from callers (a lock file, a page) name cache files, so anything else
// must never reach a path.
func ValidSHA256(s string) bool {
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

// BlobPath is where the file with this sha256 is kept; it requires
// ValidSHA256(sha).
func (d *Cache) BlobPath(sha string) string {
	return filepath.Join(d.dir, "blobs", "sha256", sha[:2], sha)
}

// BlobTempDir is the directory downloads are written to before they are
// verified and renamed to their BlobPath.
func (d *Cache) BlobTempDir() string {
	return filepath.Join(d.dir, "blobs", "tmp")
}

// Load returns the entry stored under key; a missing or corrupt entry is a
// miss (nil). The entry is the caller's copy; its Body must not be
// modified.
func (d *Cache) Load(key string) *Entry {
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
func parseEntry(data []byte) *Entry {
	head, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil
	}
	e, ok := decodeHeader(head) // fast path (header.go); e is zero when not handled
	if !ok && json.Unmarshal(head, &e) != nil {
		return nil
	}
	if e.Version != cacheVersion {
		return nil
	}
	e.Body = body
	return &e
}

// flushBytes is how much stored data makes the cache write a pack before
// the client closes, bounding its memory on very large runs.
const flushBytes = 64 << 20

// Store keeps e under key (64 hex digits, see Key) for the next pack; a
// failure to encode it is logged (the entry is merely not cached).
func (d *Cache) Store(key string, e *Entry) {
	entry := *e
	entry.Version = cacheVersion
	head, err := json.Marshal(&entry)
	if err != nil {
		d.logf("cache: %v", err)
		return
	}
	data := append(append(head, '\n'), entry.Body...)
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
func (d *Cache) flush(compact bool) error {
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
