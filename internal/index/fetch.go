package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/pyward/pyward/internal/httpcache"
)

// fetched is a response body kept in memory (pages and metadata files).
type fetched struct {
	body        []byte
	contentType string
	finalURL    *url.URL
	fromCache   bool
	// reusable is set when the same bytes will be served from the cache
	// without a request for as long as the entry stays fresh.
	reusable bool
}

// get fetches u through the on-disk HTTP cache: a fresh entry is used as
// is, a stale one is revalidated with If-None-Match / If-Modified-Since, and
// in offline mode any entry is used. Concurrent identical calls share one
// request. The returned body must not be modified.
func (c *Client) get(ctx context.Context, u *url.URL, accept string, limit int64) (*fetched, error) {
	return c.getVerified(ctx, u, accept, limit, nil)
}

// getVerified is get for a body with a known digest: verify (when not nil)
// must accept a body before it is stored in the cache, and a cached body
// it rejects is treated as absent. Callers still check what they receive:
// concurrent calls share the first caller's verify.
func (c *Client) getVerified(ctx context.Context, u *url.URL, accept string, limit int64, verify func([]byte) error) (*fetched, error) {
	key := httpcache.Key(redact(u), accept)
	v, err := c.flight.shared(ctx, "get\n"+key, func(ctx context.Context) (any, error) {
		return c.getOnce(ctx, u, accept, limit, key, verify)
	})
	if err != nil {
		if ctx.Err() == nil { // an abandoned (cancelled) read informed nothing
			c.seen.NoteOpaque()
		}
		return nil, err
	}
	f := v.(*fetched)
	if f.reusable {
		c.seen.Note(key, f.body)
	} else {
		c.seen.NoteOpaque()
	}
	return f, nil
}

func (c *Client) getOnce(ctx context.Context, u *url.URL, accept string, limit int64, key string, verify func([]byte) error) (*fetched, error) {
	var cached *httpcache.Entry
	if c.cache != nil && u.Scheme != "file" {
		cached = c.cache.Load(key)
		if cached != nil && verify != nil {
			if err := verify(cached.Body); err != nil {
				c.logf("cache: discarding %s: %v", u, err)
				cached = nil
			}
		}
	}
	fromEntry := func(e *httpcache.Entry) (*fetched, error) {
		fu, err := url.Parse(e.FinalURL)
		if err != nil {
			fu = u
		}
		return &fetched{body: e.Body, contentType: e.ContentType, finalURL: fu, fromCache: true,
			reusable: c.opts.Offline || e.Fresh(time.Now())}, nil
	}
	if c.opts.Offline && u.Scheme != "file" {
		if cached == nil {
			return nil, fmt.Errorf("%s: %w", redact(u), ErrOffline)
		}
		c.logf("cache (offline) %s", u)
		return fromEntry(cached)
	}
	if cached != nil && cached.Fresh(time.Now()) {
		c.logf("cache hit %s", u)
		return fromEntry(cached)
	}
	hdr := http.Header{}
	if accept != "" {
		hdr.Set("Accept", accept)
	}
	if cached != nil {
		if cached.ETag != "" {
			hdr.Set("If-None-Match", cached.ETag)
		}
		if cached.LastModified != "" {
			hdr.Set("If-Modified-Since", cached.LastModified)
		}
	}
	var out *fetched
	err := c.request(ctx, u, hdr, func(resp *http.Response) error {
		store, maxAge := httpcache.Policy(resp.Header)
		if resp.StatusCode == http.StatusNotModified {
			if cached == nil {
				return fmt.Errorf("GET %s: 304 Not Modified to an unconditional request", redact(u))
			}
			cached.Stored, cached.MaxAge = time.Now(), maxAge
			if et := resp.Header.Get("ETag"); et != "" {
				cached.ETag = et
			}
			if store {
				c.cache.Store(key, cached)
			}
			out, _ = fromEntry(cached)
			out.reusable = store && maxAge > 0
			return nil
		}
		body, err := readLimited(resp.Body, limit, "response")
		if errors.Is(err, errTooLarge) {
			return fmt.Errorf("GET %s: %w", redact(u), err)
		} else if err != nil {
			return &retryableError{fmt.Errorf("GET %s: reading body: %w", redact(u), err)}
		}
		if verify != nil {
			if err := verify(body); err != nil {
				return err
			}
		}
		final := resp.Request.URL
		out = &fetched{body: body, contentType: resp.Header.Get("Content-Type"), finalURL: final}
		if c.cache != nil && store && u.Scheme != "file" {
			e := &httpcache.Entry{
				URL: redact(u), FinalURL: redact(final), ContentType: out.contentType,
				ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"),
				Stored: time.Now(), MaxAge: maxAge, Body: body,
			}
			c.cache.Store(key, e)
			out.reusable = maxAge > 0
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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
