package pypinames

// The most-downloaded-projects list: the typo-squat reference that
// `pyward db update` refreshes (the binary embeds an older copy, see
// internal/typosquat).
//
// Source: Hugo van Kemenade's monthly ranking of PyPI downloads
// (DefaultTopURL), a JSON object
//
//	{"last_update": "2026-11-01 10:00:00", "query": {...},
//	 "rows": [{"download_count": 123, "project": "boto3"}, ...]}
//
// Rules applied to the response:
//
//   - members other than "last_update" and "rows", and fields of a row
//     other than "project" and "download_count", are ignored;
//   - a row is ranked by its download_count, highest first; rows with equal
//     counts keep their order in the file (the source already lists rows in
//     descending order, sorting only makes the rank independent of it);
//   - project names are PEP 503-normalized; a duplicate after normalization
//     keeps its best rank; ranks are 1..n over the kept rows;
//   - a row without a project name that is valid under PEP 508 (and at most
//     MaxNameLength long), or without a non-negative integer download_count,
//     is skipped and counted; more than MaxTopSkippedPercent of the rows
//     skipped means the format changed, and the list is refused;
//   - a list with fewer than MinTopProjects or more than MaxTopProjects
//     projects is refused (a truncated or placeholder response would
//     silently blind the typo-squat check), as is a body over
//     MaxTopDownloadSize.
//
// Storage: Dir/top-pypi.tsv.gz, "rank<TAB>name" lines in rank order after
// "#" comment lines naming the source, the format typosquat.ParseReference
// reads; its compiled typo-squat index top-pypi.tsv.gz.idx
// (typosquat.WriteIndexBeside: typosquat.LoadReferenceFile of the list
// uses it while it matches the list, so audits skip parsing and compiling);
// and top-pypi.meta.json (URL, ETag/Last-Modified, the source's
// last_update, fetch time, count). The list is written before its index
// and its metadata, each by atomic rename, so a failed or interrupted
// update keeps the previous list usable.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/redact"
	"github.com/pyward/pyward/internal/retry"
	"github.com/pyward/pyward/internal/typosquat"
)

// DefaultTopURL is the ranking of the most-downloaded PyPI projects over the
// last 30 days (about 15,000 rows, under 1 MiB).
const DefaultTopURL = "https://hugovk.github.io/top-pypi-packages/top-pypi-packages.min.json"

// Limits of the top-projects list.
const (
	// MaxTopDownloadSize bounds the JSON document (the real one is well
	// under 1 MiB).
	MaxTopDownloadSize = 64 << 20
	// MinTopProjects is the smallest plausible ranking: anything shorter is
	// a truncated or placeholder response.
	MinTopProjects = 100
	// MaxTopProjects bounds the ranking (PyPI holds under a million
	// projects).
	MaxTopProjects = 1_000_000
	// MaxTopSkippedPercent is the share of unusable rows tolerated before
	// the list is taken for a changed format and refused.
	MaxTopSkippedPercent = 1
	// DefaultTopTimeout bounds one download attempt.
	DefaultTopTimeout = 2 * time.Minute
)

// File names inside TopCache.Dir.
const (
	TopFile     = "top-pypi.tsv.gz"
	topMetaFile = "top-pypi.meta.json"
)

var (
	// ErrTopOffline is returned by TopCache.Update in offline mode.
	ErrTopOffline = errors.New("offline mode: not downloading the top-projects list")
	// ErrNoTopList is returned by TopCache.ReadMeta when nothing was
	// downloaded.
	ErrNoTopList = errors.New("no top-projects list in the cache (run `pyward db update`)")
)

// TopCache is the on-disk most-downloaded-projects list.
type TopCache struct {
	Dir     string
	URL     string           // DefaultTopURL when empty
	Client  *http.Client     // a client with DefaultTopTimeout when nil
	Offline bool             // never touch the network
	Now     func() time.Time // time.Now when nil
	// RetryBase overrides the first retry delay (tests use a tiny one).
	RetryBase time.Duration
}

// TopMeta describes the stored list.
type TopMeta struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastUpdate   string    `json:"last_update,omitempty"` // the source's own "last_update"
	FetchedAt    time.Time `json:"fetched_at"`            // last download or successful revalidation
	ChangedAt    time.Time `json:"changed_at"`            // last time new content was stored
	Projects     int       `json:"projects"`
	Skipped      int       `json:"skipped"` // unusable rows left out
	Size         int64     `json:"size"`    // bytes of the gzip file
}

// Age is how old the list is at now, from the last time the server
// confirmed it current.
func (m TopMeta) Age(now time.Time) time.Duration { return now.Sub(m.FetchedAt) }

// TopUpdateResult reports what TopCache.Update did.
type TopUpdateResult struct {
	Meta        TopMeta
	NotModified bool // the server answered 304
}

func (c *TopCache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *TopCache) url() string {
	if c.URL != "" {
		return c.URL
	}
	return DefaultTopURL
}

// Path is the list file, readable by typosquat.LoadReferenceFile.
func (c *TopCache) Path() string { return c.files().dataPath() }

func (c *TopCache) files() files {
	return files{dir: c.Dir, data: TopFile, meta: topMetaFile, what: "top-projects list", none: ErrNoTopList}
}

// ReadMeta returns the stored list's metadata (ErrNoTopList when there is
// none).
func (c *TopCache) ReadMeta() (TopMeta, error) { return readMeta[TopMeta](c.files()) }

// Update downloads the list when it changed (If-None-Match /
// If-Modified-Since), parses and checks it, and only then replaces the
// stored one.
func (c *TopCache) Update(ctx context.Context) (TopUpdateResult, error) {
	if err := c.files().prepare(c.Offline, ErrTopOffline); err != nil {
		return TopUpdateResult{}, err
	}
	old, err := c.ReadMeta()
	haveOld := err == nil && old.URL == redact.URLs(c.url()) // the meta file never holds credentials
	return retry.Do(ctx, retry.Policy{Base: c.RetryBase}, "top-projects download", func() (TopUpdateResult, bool, error) {
		return c.fetch(ctx, old, haveOld)
	})
}

// fetch makes one attempt; retry reports whether the failure is transient.
func (c *TopCache) fetch(ctx context.Context, old TopMeta, haveOld bool) (res TopUpdateResult, retry bool, err error) {
	u := c.url()
	req := download{url: u, accept: "application/json", limit: MaxTopDownloadSize}
	if haveOld {
		req.revalidate, req.etag, req.lastModified = true, old.ETag, old.LastModified
	}
	resp, retry, err := get(ctx, httpClient(c.Client, DefaultTopTimeout), req)
	if err != nil {
		return res, retry, fmt.Errorf("top-projects download %w", err)
	}
	if resp.notModified {
		// The list is unchanged, but an older pyward may have stored it
		// without its compiled index.
		if err := typosquat.WriteIndexBeside(c.Path()); err != nil {
			return res, false, fmt.Errorf("top-projects list: %w", err)
		}
		m := old
		m.FetchedAt = c.now()
		if err := c.files().writeMeta(m); err != nil {
			return res, false, fmt.Errorf("top-projects list: %w", err)
		}
		return TopUpdateResult{Meta: m, NotModified: true}, false, nil
	}
	list, err := ParseTopList(bytes.NewReader(resp.body))
	if err != nil {
		return res, false, fmt.Errorf("top-projects download %s: %w", u, err)
	}
	now := c.now()
	gz, err := encodeTopList(list, u, now)
	if err != nil {
		return res, false, fmt.Errorf("top-projects list: %w", err)
	}
	if err := atomicfile.WriteFile(c.Path(), gz, 0o644); err != nil {
		return res, false, fmt.Errorf("top-projects list: %w", err)
	}
	if err := typosquat.WriteIndexBeside(c.Path()); err != nil {
		return res, false, fmt.Errorf("top-projects list: %w", err)
	}
	m := TopMeta{URL: redact.URLs(u), ETag: resp.etag, LastModified: resp.lastModified, LastUpdate: list.LastUpdate,
		FetchedAt: now, ChangedAt: now, Projects: len(list.Names), Skipped: list.Skipped, Size: int64(len(gz))}
	if err := c.files().writeMeta(m); err != nil {
		return res, false, fmt.Errorf("top-projects list: %w", err)
	}
	return TopUpdateResult{Meta: m}, false, nil
}

// encodeTopList writes the gzip file: comment lines, then "rank<TAB>name".
func encodeTopList(list *TopList, source string, at time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintf(zw, "# most-downloaded PyPI projects from %s\n# last_update %q; fetched %s; %d projects\n",
		source, list.LastUpdate, at.UTC().Format(time.RFC3339), len(list.Names))
	for i, n := range list.Names {
		fmt.Fprintf(zw, "%d\t%s\n", i+1, n)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TopList is a parsed most-downloaded-projects ranking.
type TopList struct {
	LastUpdate string   // the source's "last_update", verbatim
	Names      []string // normalized, unique, most downloaded first: Names[i] has rank i+1
	Skipped    int      // rows that were not usable
}

// ParseTopList reads the top-pypi-packages JSON document, streaming, under
// the rules at the top of this file.
func ParseTopList(r io.Reader) (*TopList, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("top-projects list: %w", err)
	}
	type row struct {
		name  string
		count int64
	}
	var rows []row
	list := &TopList{}
	haveRows := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("top-projects list: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "last_update":
			if err := dec.Decode(&list.LastUpdate); err != nil {
				return nil, fmt.Errorf("top-projects list: last_update at byte %d: %w", dec.InputOffset(), err)
			}
		case "rows":
			if err := expectDelim(dec, '['); err != nil {
				return nil, fmt.Errorf("top-projects list: rows: %w", err)
			}
			for dec.More() {
				var r struct {
					Project       *string `json:"project"`
					DownloadCount *int64  `json:"download_count"`
				}
				if err := dec.Decode(&r); err != nil {
					return nil, fmt.Errorf("top-projects list: row %d at byte %d: %w", len(rows)+list.Skipped+1, dec.InputOffset(), err)
				}
				if r.Project == nil || len(*r.Project) > MaxNameLength || !pep503.Valid(*r.Project) ||
					r.DownloadCount == nil || *r.DownloadCount < 0 {
					list.Skipped++
					continue
				}
				if len(rows) == MaxTopProjects {
					return nil, fmt.Errorf("top-projects list: more than %d rows", MaxTopProjects)
				}
				rows = append(rows, row{pep503.Normalize(*r.Project), *r.DownloadCount})
			}
			if err := expectDelim(dec, ']'); err != nil {
				return nil, fmt.Errorf("top-projects list: rows: %w", err)
			}
			haveRows = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("top-projects list: %q at byte %d: %w", key, dec.InputOffset(), err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, fmt.Errorf("top-projects list: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("top-projects list: data after the JSON object at byte %d", dec.InputOffset())
	}
	if !haveRows {
		return nil, errors.New("top-projects list: no rows array")
	}
	if total := len(rows) + list.Skipped; list.Skipped*100 > total*MaxTopSkippedPercent {
		return nil, fmt.Errorf("top-projects list: %d of %d rows lack a valid project name or download_count (more than %d%%: has the format changed?)",
			list.Skipped, total, MaxTopSkippedPercent)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].count > rows[j].count })
	seen := make(map[string]struct{}, len(rows))
	list.Names = make([]string, 0, len(rows))
	for _, r := range rows {
		if _, dup := seen[r.name]; !dup {
			seen[r.name] = struct{}{}
			list.Names = append(list.Names, r.name)
		}
	}
	if len(list.Names) < MinTopProjects {
		return nil, fmt.Errorf("top-projects list: %d projects, want at least %d (truncated or placeholder list?)", len(list.Names), MinTopProjects)
	}
	return list, nil
}
