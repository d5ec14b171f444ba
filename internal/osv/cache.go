package osv

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
	"time"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/redact"
	"github.com/pyward/pyward/internal/retry"
)

// DefaultURL is the OSV bulk export of every PyPI advisory.
const DefaultURL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"

// Limits and timings for `pyward db update`.
const (
	// MaxDownloadSize bounds the export; it is tens of MiB today.
	MaxDownloadSize = 1 << 30
	// DefaultTimeout bounds one download attempt.
	DefaultTimeout = 10 * time.Minute
)

// Cache file names inside Cache.Dir.
const (
	zipFile   = "pypi-all.zip"
	indexFile = "pypi-all.idx"
	metaFile  = "meta.json"
)

var (
	// ErrOffline is returned by Update in offline mode.
	ErrOffline = errors.New("offline mode: not downloading the advisory database")
	// ErrNoDatabase is returned by Open when nothing was downloaded yet.
	ErrNoDatabase = errors.New("no advisory database in the cache (run `pyward db update`)")
)

// Cache is the on-disk advisory database: the OSV export as downloaded, a
// compiled index of it for fast warm loads, and metadata for revalidation
// and for showing the database's age.
type Cache struct {
	Dir     string
	URL     string           // DefaultURL when empty
	Client  *http.Client     // a client with DefaultTimeout when nil
	Offline bool             // never touch the network
	Now     func() time.Time // time.Now when nil (tests pin it)
	// RetryBase overrides the first retry delay (tests use a tiny one).
	RetryBase time.Duration
}

// Meta describes the cached export.
type Meta struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	FetchedAt    time.Time `json:"fetched_at"`  // last successful download or revalidation
	ChangedAt    time.Time `json:"changed_at"`  // last time new content was stored
	SHA256       string    `json:"sha256"`      // of the stored archive
	Size         int64     `json:"size"`        // bytes of the stored archive
	Advisories   int       `json:"advisories"`  // compiled (non-withdrawn) advisories
	FileErrors   int       `json:"file_errors"` // members that failed to parse
}

// Age is how old the data is at now, measured from the last time the server
// confirmed it current.
func (m Meta) Age(now time.Time) time.Duration { return now.Sub(m.FetchedAt) }

// UpdateResult reports what Update did.
type UpdateResult struct {
	Meta        Meta
	NotModified bool    // the server answered 304; nothing was downloaded
	FileErrors  []error // archive members that failed to parse (left out)
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache) url() string {
	if c.URL != "" {
		return c.URL
	}
	return DefaultURL
}

func (c *Cache) path(name string) string { return filepath.Join(c.Dir, name) }

// ReadMeta returns the metadata of the cached export (ErrNoDatabase when
// there is none).
func (c *Cache) ReadMeta() (Meta, error) {
	var m Meta
	data, err := os.ReadFile(c.path(metaFile))
	if errors.Is(err, os.ErrNotExist) {
		return m, ErrNoDatabase
	}
	if err != nil {
		return m, fmt.Errorf("advisory cache: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("advisory cache %s: %w", c.path(metaFile), err)
	}
	return m, nil
}

func (c *Cache) writeMeta(m Meta) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(c.path(metaFile), append(data, '\n'), 0o644)
}

// Update downloads the export when it changed since the last fetch
// (If-None-Match / If-Modified-Since revalidation), validates it as an OSV
// archive, compiles the index and only then replaces the cached files, each
// by rename, so a failed or interrupted update leaves the previous database
// intact.
func (c *Cache) Update(ctx context.Context) (UpdateResult, error) {
	if c.Offline {
		return UpdateResult{}, ErrOffline
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return UpdateResult{}, fmt.Errorf("advisory cache: %w", err)
	}
	old, err := c.ReadMeta()
	haveOld := err == nil && old.URL == redact.URLs(c.url()) // the meta file never holds credentials
	if haveOld {
		if _, err := os.Stat(c.path(zipFile)); err != nil {
			haveOld = false
		}
	}
	return retry.Do(ctx, retry.Policy{Base: c.RetryBase}, "advisory download", func() (UpdateResult, bool, error) {
		return c.fetch(ctx, old, haveOld)
	})
}

// fetch makes one attempt; retry reports whether the failure is transient.
func (c *Cache) fetch(ctx context.Context, old Meta, haveOld bool) (res UpdateResult, retry bool, err error) {
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(), nil)
	if err != nil {
		return res, false, fmt.Errorf("advisory download: %w", err)
	}
	if haveOld {
		if old.ETag != "" {
			req.Header.Set("If-None-Match", old.ETag)
		}
		if old.LastModified != "" {
			req.Header.Set("If-Modified-Since", old.LastModified)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return res, ctx.Err() == nil, fmt.Errorf("advisory download %s: %w", c.url(), err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && haveOld:
		m := old
		m.FetchedAt = c.now()
		if err := c.writeMeta(m); err != nil {
			return res, false, fmt.Errorf("advisory cache: %w", err)
		}
		return UpdateResult{Meta: m, NotModified: true}, false, nil
	case resp.StatusCode == http.StatusOK:
	default:
		transient := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return res, transient, fmt.Errorf("advisory download %s: unexpected HTTP status %s", c.url(), resp.Status)
	}
	var want int64 = -1
	if cl := resp.Header.Get("Content-Length"); cl != "" {
		if v, err := strconv.ParseInt(cl, 10, 64); err == nil {
			want = v
		}
	}
	st, retry, err := c.store(ctx, resp.Body, c.url(), want)
	if err != nil {
		return res, retry, err
	}
	now := c.now()
	m := Meta{
		URL:          redact.URLs(c.url()),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		FetchedAt:    now,
		ChangedAt:    now,
		SHA256:       st.sum,
		Size:         st.size,
		Advisories:   st.db.Len(),
		FileErrors:   len(st.fileErrs),
	}
	if err := c.writeMeta(m); err != nil {
		return res, false, fmt.Errorf("advisory cache: %w", err)
	}
	return UpdateResult{Meta: m, FileErrors: st.fileErrs}, false, nil
}

// Open loads the cached database without any network access. The warm
// path reads only the compiled index; if it is missing, corrupt or belongs
// to another archive (an update interrupted between renames), the archive
// is parsed again and the index rewritten.
func (c *Cache) Open(ctx context.Context) (*DB, Meta, error) {
	m, err := c.ReadMeta()
	if err != nil {
		return nil, m, err
	}
	if body, err := readChecked(c.path(indexFile)); err == nil {
		if db, src, err := decodeIndexBody(body); err == nil && src == m.SHA256 {
			return db, m, nil
		}
	}
	data, err := os.ReadFile(c.path(zipFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, m, ErrNoDatabase
	}
	if err != nil {
		return nil, m, fmt.Errorf("advisory cache: %w", err)
	}
	sum := sha256.Sum256(data)
	recs, fileErrs, err := readZip(ctx, c.path(zipFile), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, m, err
	}
	db := Build(recs)
	src := hex.EncodeToString(sum[:])
	if err := atomicfile.WriteFile(c.path(indexFile), EncodeIndex(db, src), 0o644); err != nil {
		return nil, m, fmt.Errorf("advisory cache: %w", err)
	}
	if src != m.SHA256 {
		m.SHA256, m.Size, m.Advisories, m.FileErrors = src, int64(len(data)), db.Len(), len(fileErrs)
		if err := c.writeMeta(m); err != nil {
			return nil, m, fmt.Errorf("advisory cache: %w", err)
		}
	}
	return db, m, nil
}

type stored struct {
	sum      string
	size     int64
	db       *DB
	fileErrs []error
}

// store copies an archive from r into the cache: to a temporary file
// first, validated and compiled, then renamed over the cached archive with
// its index written next to it. want is the expected size (-1: unknown).
// retry reports a transient failure (a broken transfer).
func (c *Cache) store(ctx context.Context, r io.Reader, label string, want int64) (st stored, retry bool, err error) {
	tmp, err := os.CreateTemp(c.Dir, "."+zipFile+".tmp-*")
	if err != nil {
		return st, false, fmt.Errorf("advisory cache: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, MaxDownloadSize+1))
	if err != nil {
		return st, ctx.Err() == nil, fmt.Errorf("advisory archive %s: %w", label, err)
	}
	if n > MaxDownloadSize {
		return st, false, fmt.Errorf("advisory archive %s: over the %d-byte limit", label, MaxDownloadSize)
	}
	if want >= 0 && want != n {
		return st, true, fmt.Errorf("advisory archive %s: got %d of %d bytes", label, n, want)
	}
	st.sum, st.size = hex.EncodeToString(h.Sum(nil)), n
	recs, fileErrs, err := readZip(ctx, label, tmp, n)
	if err != nil {
		return st, false, fmt.Errorf("advisory archive is unusable: %w", err)
	}
	if len(recs) == 0 {
		return st, false, fmt.Errorf("advisory archive %s: %w (%d files failed to parse)", label, errNoRecords, len(fileErrs))
	}
	st.db, st.fileErrs = Build(recs), fileErrs
	if err := tmp.Sync(); err != nil {
		return st, false, fmt.Errorf("advisory cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return st, false, fmt.Errorf("advisory cache: %w", err)
	}
	if err := os.Rename(tmpName, c.path(zipFile)); err != nil {
		return st, false, fmt.Errorf("advisory cache: %w", err)
	}
	tmp = nil
	if err := atomicfile.WriteFile(c.path(indexFile), EncodeIndex(st.db, st.sum), 0o644); err != nil {
		return st, false, fmt.Errorf("advisory cache: %w", err)
	}
	return st, false, nil
}
