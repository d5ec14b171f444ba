// Package pypinames keeps offline snapshots of public PyPI project names:
//
//   - Cache: every project name on the public index, for the
//     dependency-confusion check of `pyward audit` when the index cannot
//     be asked live (--offline, CI without network); specified below;
//   - TopCache: the most-downloaded projects with their rank, the
//     typo-squat reference; specified in top.go.
//
// Both share one download path: a conditional GET (ETag/Last-Modified),
// a bounded body, retries with backoff on network errors, 429 and 5xx,
// and storage by atomic rename only after the content was checked.
//
// Source: the PEP 691 JSON form of the PEP 503 simple-index root, fetched
// with "Accept: application/vnd.pypi.simple.v1+json":
//
//	{"meta": {"api-version": "1.x", ...}, "projects": [{"name": "..."}, ...]}
//
// Rules applied to the response:
//
//   - the Content-Type must be the PEP 691 JSON type (v1 or latest); an
//     HTML page is refused rather than scraped;
//   - meta.api-version must have major version 1 (PEP 629: a client must
//     refuse a major version it does not know); minor versions are fine;
//   - members other than "meta" and "projects", and fields of a project
//     other than "name", are ignored (PEP 691 lets servers add them);
//   - each name is PEP 503-normalized; names that are not valid project
//     names (PEP 508 grammar) or longer than MaxNameLength are skipped and
//     counted, not fatal: one odd entry must not cost the whole snapshot;
//   - a response with no valid name at all is refused, so a broken mirror
//     never replaces a good snapshot with an empty one;
//   - the body is bounded by MaxDownloadSize and checked against
//     Content-Length.
//
// Storage: Cache.Dir/names.txt.gz (sorted, unique, one normalized name a
// line, after "#" comment lines naming the source) and names.meta.json
// (URL, ETag/Last-Modified for revalidation, fetch time, count). Both are
// replaced by rename, the snapshot first, so an interrupted or failed
// update leaves the previous snapshot usable. audit.ReadNamesSnapshot reads
// the file.
package pypinames

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/redact"
	"github.com/pyward/pyward/internal/retry"
)

// DefaultURL is the public index's simple root.
const DefaultURL = "https://pypi.org/simple/"

// Media types of PEP 691.
const (
	MediaTypeV1     = "application/vnd.pypi.simple.v1+json"
	mediaTypeLatest = "application/vnd.pypi.simple.latest+json"
)

// Limits and timings.
const (
	// MaxDownloadSize bounds the project list (about 30 MiB for ~700,000
	// projects today).
	MaxDownloadSize = 512 << 20
	// MaxNameLength bounds one project name; PyPI's longest are far below.
	MaxNameLength = 256
	// DefaultTimeout bounds one download attempt.
	DefaultTimeout = 10 * time.Minute
)

// File names inside Cache.Dir.
const (
	SnapshotFile = "names.txt.gz"
	metaFile     = "names.meta.json"
)

var (
	// ErrOffline is returned by Update in offline mode.
	ErrOffline = errors.New("offline mode: not downloading the public project names")
	// ErrNoSnapshot is returned by ReadMeta when nothing was downloaded.
	ErrNoSnapshot = errors.New("no public names snapshot in the cache (run `pyward db update`)")
)

// Cache is the on-disk names snapshot.
type Cache struct {
	Dir     string
	URL     string           // DefaultURL when empty
	Client  *http.Client     // a client with DefaultTimeout when nil
	Offline bool             // never touch the network
	Now     func() time.Time // time.Now when nil
	// RetryBase overrides the first retry delay (tests use a tiny one).
	RetryBase time.Duration
}

// Meta describes the stored snapshot.
type Meta struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	APIVersion   string    `json:"api_version"`
	FetchedAt    time.Time `json:"fetched_at"` // last download or successful revalidation
	ChangedAt    time.Time `json:"changed_at"` // last time new content was stored
	Names        int       `json:"names"`
	Skipped      int       `json:"skipped"` // invalid names left out
	Size         int64     `json:"size"`    // bytes of the gzip file
}

// Age is how old the snapshot is at now, from the last time the server
// confirmed it current.
func (m Meta) Age(now time.Time) time.Duration { return now.Sub(m.FetchedAt) }

// UpdateResult reports what Update did.
type UpdateResult struct {
	Meta        Meta
	NotModified bool // the server answered 304
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

// Path is the snapshot file.
func (c *Cache) Path() string { return c.files().dataPath() }

func (c *Cache) files() files {
	return files{dir: c.Dir, data: SnapshotFile, meta: metaFile, what: "names snapshot", none: ErrNoSnapshot}
}

// ReadMeta returns the stored snapshot's metadata (ErrNoSnapshot when
// there is none).
func (c *Cache) ReadMeta() (Meta, error) { return readMeta[Meta](c.files()) }

// Update downloads the project list when it changed (If-None-Match /
// If-Modified-Since), parses and checks it, and only then replaces the
// snapshot.
func (c *Cache) Update(ctx context.Context) (UpdateResult, error) {
	if err := c.files().prepare(c.Offline, ErrOffline); err != nil {
		return UpdateResult{}, err
	}
	old, err := c.ReadMeta()
	haveOld := err == nil && old.URL == redact.URLs(c.url()) // the meta file never holds credentials
	return retry.Do(ctx, retry.Policy{Base: c.RetryBase}, "names download", func() (UpdateResult, bool, error) {
		return c.fetch(ctx, old, haveOld)
	})
}

// fetch makes one attempt; retry reports whether the failure is transient.
func (c *Cache) fetch(ctx context.Context, old Meta, haveOld bool) (res UpdateResult, retry bool, err error) {
	u := c.url()
	req := download{url: u, accept: MediaTypeV1, limit: MaxDownloadSize, checkType: func(ct string) error {
		if !isPEP691(ct) {
			return fmt.Errorf("Content-Type %q is not PEP 691 JSON (%s)", ct, MediaTypeV1)
		}
		return nil
	}}
	if haveOld {
		req.revalidate, req.etag, req.lastModified = true, old.ETag, old.LastModified
	}
	resp, retry, err := get(ctx, httpClient(c.Client, DefaultTimeout), req)
	if err != nil {
		return res, retry, fmt.Errorf("names download %w", err)
	}
	if resp.notModified {
		m := old
		m.FetchedAt = c.now()
		if err := c.files().writeMeta(m); err != nil {
			return res, false, fmt.Errorf("names snapshot: %w", err)
		}
		return UpdateResult{Meta: m, NotModified: true}, false, nil
	}
	list, err := ParseProjectList(bytes.NewReader(resp.body))
	if err != nil {
		return res, false, fmt.Errorf("names download %s: %w", u, err)
	}
	now := c.now()
	gz, err := encodeSnapshot(list.Names, u, now)
	if err != nil {
		return res, false, fmt.Errorf("names snapshot: %w", err)
	}
	if err := atomicfile.WriteFile(c.Path(), gz, 0o644); err != nil {
		return res, false, fmt.Errorf("names snapshot: %w", err)
	}
	m := Meta{URL: redact.URLs(u), ETag: resp.etag, LastModified: resp.lastModified,
		APIVersion: list.APIVersion, FetchedAt: now, ChangedAt: now, Names: len(list.Names), Skipped: list.Skipped, Size: int64(len(gz))}
	if err := c.files().writeMeta(m); err != nil {
		return res, false, fmt.Errorf("names snapshot: %w", err)
	}
	return UpdateResult{Meta: m}, false, nil
}

// The download path below is shared by every snapshot of this package
// (Cache, TopCache): one conditional GET with a bounded body, retried with
// backoff while the failure is transient, stored by atomic rename.

// download is one conditional GET of a snapshot source.
type download struct {
	url    string
	accept string // Accept header; none when empty
	// revalidate sends the stored copy's validators; a 304 is only
	// accepted then.
	revalidate         bool
	etag, lastModified string
	limit              int64                 // body size limit in bytes
	checkType          func(ct string) error // checks the Content-Type of a 200 before the body is read; nil accepts any
}

// fetched is the outcome of a download: a 304, or a 200 with its body.
type fetched struct {
	notModified        bool
	body               []byte
	etag, lastModified string
}

// get makes one attempt of d; retry reports whether a failure is transient
// (network errors, 429, 5xx, a short body). Errors start with the URL.
func get(ctx context.Context, client *http.Client, d download) (res fetched, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return res, false, fmt.Errorf("%s: %w", d.url, err)
	}
	if d.accept != "" {
		req.Header.Set("Accept", d.accept)
	}
	if d.revalidate {
		if d.etag != "" {
			req.Header.Set("If-None-Match", d.etag)
		}
		if d.lastModified != "" {
			req.Header.Set("If-Modified-Since", d.lastModified)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return res, ctx.Err() == nil, fmt.Errorf("%s: %w", d.url, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && d.revalidate:
		return fetched{notModified: true}, false, nil
	case resp.StatusCode == http.StatusOK:
	default:
		transient := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return res, transient, fmt.Errorf("%s: unexpected HTTP status %s", d.url, resp.Status)
	}
	if d.checkType != nil {
		if err := d.checkType(resp.Header.Get("Content-Type")); err != nil {
			return res, false, fmt.Errorf("%s: %w", d.url, err)
		}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, d.limit+1))
	if err != nil {
		return res, ctx.Err() == nil, fmt.Errorf("%s: %w", d.url, err)
	}
	if int64(len(body)) > d.limit {
		return res, false, fmt.Errorf("%s: over the %d-byte limit", d.url, d.limit)
	}
	if cl := resp.Header.Get("Content-Length"); cl != "" {
		if want, err := strconv.ParseInt(cl, 10, 64); err == nil && want != int64(len(body)) {
			return res, true, fmt.Errorf("%s: got %d of %d bytes", d.url, len(body), want)
		}
	}
	return fetched{body: body, etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, false, nil
}

func httpClient(c *http.Client, timeout time.Duration) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: timeout}
}

// files are a snapshot's data file and the JSON metadata stored beside it,
// shared by Cache and TopCache.
type files struct {
	dir, data, meta string // data and meta are file names inside dir
	what            string // names the snapshot in errors
	none            error  // returned by readMeta when nothing is stored
}

func (f files) dataPath() string { return filepath.Join(f.dir, f.data) }
func (f files) metaPath() string { return filepath.Join(f.dir, f.meta) }

// readMeta returns the stored metadata, or f.none when either file is
// missing.
func readMeta[M any](f files) (M, error) {
	var m M
	data, err := os.ReadFile(f.metaPath())
	if errors.Is(err, os.ErrNotExist) {
		return m, f.none
	}
	if err != nil {
		return m, fmt.Errorf("%s: %w", f.what, err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s %s: %w", f.what, f.metaPath(), err)
	}
	if _, err := os.Stat(f.dataPath()); err != nil {
		return m, f.none
	}
	return m, nil
}

// writeMeta atomically writes m, indented, as the metadata file.
func (f files) writeMeta(m any) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(f.metaPath(), append(data, '\n'), 0o644)
}

// prepare refuses an update in offline mode and creates the directory.
func (f files) prepare(offline bool, offlineErr error) error {
	if offline {
		return offlineErr
	}
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return fmt.Errorf("%s: %w", f.what, err)
	}
	return nil
}

func isPEP691(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == MediaTypeV1 || mt == mediaTypeLatest)
}

// encodeSnapshot writes the gzip file: comment lines, then one name a line.
func encodeSnapshot(names []string, source string, at time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintf(zw, "# public project names from %s\n# fetched %s; %d names\n", source, at.UTC().Format(time.RFC3339), len(names))
	for _, n := range names {
		zw.Write([]byte(n))
		zw.Write([]byte{'\n'})
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ProjectList is a parsed PEP 691 project list.
type ProjectList struct {
	APIVersion string
	Names      []string // normalized, sorted, unique
	Skipped    int      // entries that were not valid project names
}

// ParseProjectList reads a PEP 691 JSON project list, streaming, under the
// rules in the package comment.
func ParseProjectList(r io.Reader) (*ProjectList, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("project list: %w", err)
	}
	list := &ProjectList{}
	seen := map[string]struct{}{}
	haveMeta, haveProjects := false, false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("project list: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "meta":
			var meta struct {
				APIVersion string `json:"api-version"`
			}
			if err := dec.Decode(&meta); err != nil {
				return nil, fmt.Errorf("project list: meta at byte %d: %w", dec.InputOffset(), err)
			}
			major, _, _ := strings.Cut(meta.APIVersion, ".")
			if major != "1" {
				return nil, fmt.Errorf("project list: meta.api-version %q: want 1.x (PEP 629)", meta.APIVersion)
			}
			list.APIVersion, haveMeta = meta.APIVersion, true
		case "projects":
			if err := expectDelim(dec, '['); err != nil {
				return nil, fmt.Errorf("project list: projects: %w", err)
			}
			for dec.More() {
				var p struct {
					Name *string `json:"name"`
				}
				if err := dec.Decode(&p); err != nil {
					return nil, fmt.Errorf("project list: project at byte %d: %w", dec.InputOffset(), err)
				}
				if p.Name == nil || len(*p.Name) > MaxNameLength || !pep503.Valid(*p.Name) {
					list.Skipped++
					continue
				}
				n := pep503.Normalize(*p.Name)
				if _, dup := seen[n]; !dup {
					seen[n] = struct{}{}
					list.Names = append(list.Names, n)
				}
			}
			if err := expectDelim(dec, ']'); err != nil {
				return nil, fmt.Errorf("project list: projects: %w", err)
			}
			haveProjects = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("project list: %q at byte %d: %w", key, dec.InputOffset(), err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, fmt.Errorf("project list: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("project list: data after the JSON object at byte %d", dec.InputOffset())
	}
	switch {
	case !haveMeta:
		return nil, errors.New("project list: no meta.api-version (not a PEP 691 response)")
	case !haveProjects:
		return nil, errors.New("project list: no projects array")
	case len(list.Names) == 0:
		return nil, fmt.Errorf("project list: no valid project names (%d skipped)", list.Skipped)
	}
	sort.Strings(list.Names)
	return list, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return fmt.Errorf("unexpected end of input, want %q", want)
		}
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("at byte %d: got %v, want %q", dec.InputOffset(), tok, want)
	}
	return nil
}
