package index

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// CacheRef names one cached HTTP response a client read: its cache key and
// the sha256 of its body.
type CacheRef struct {
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
}

// consulted records what a client has read, so that a caller can later
// ask whether running the same work again would read exactly the same
// bytes without touching the network (see Client.Consulted and
// Client.Unchanged). opaque is set by every read the cache cannot vouch
// for on its own: a response that must be revalidated or was not stored,
// a failed request, local files and directories, downloads and range
// requests.
type consulted struct {
	mu     sync.Mutex
	refs   map[string]string // cache key → body sha256
	opaque bool
}

func (c *consulted) note(key string, body []byte) {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	c.mu.Lock()
	if c.refs == nil {
		c.refs = map[string]string{}
	}
	if old, ok := c.refs[key]; ok && old != h {
		c.opaque = true // the same URL answered twice, differently
	}
	c.refs[key] = h
	c.mu.Unlock()
}

func (c *consulted) noteOpaque() {
	c.mu.Lock()
	c.opaque = true
	c.mu.Unlock()
}

// Consulted returns the cached responses this client has read so far,
// sorted by key, and whether they are everything it read: false when it
// also read anything a later run could only learn again from the network
// or from files outside the HTTP cache (see consulted).
func (c *Client) Consulted() ([]CacheRef, bool) {
	c.seen.mu.Lock()
	defer c.seen.mu.Unlock()
	if c.cache == nil || c.seen.opaque {
		return nil, false
	}
	refs := make([]CacheRef, 0, len(c.seen.refs))
	for k, h := range c.seen.refs {
		refs = append(refs, CacheRef{Key: k, SHA256: h})
	}
	slices.SortFunc(refs, func(a, b CacheRef) int { return strings.Compare(a.Key, b.Key) })
	return refs, true
}

// unchangedWorkers bounds the goroutines Unchanged reads entries with.
const unchangedWorkers = 4

// Unchanged reports whether every response in refs is in the cache with
// the same body and would be used without a request: fresh now, or of any
// age in offline mode. It makes no request.
func (c *Client) Unchanged(refs []CacheRef) bool {
	if c.cache == nil {
		return false
	}
	now := time.Now()
	var g errgroup.Group
	g.SetLimit(unchangedWorkers)
	var mu sync.Mutex
	ok := true
	chunk := (len(refs) + unchangedWorkers - 1) / unchangedWorkers
	for start := 0; start < len(refs); start += chunk {
		part := refs[start:min(start+chunk, len(refs))]
		g.Go(func() error {
			for _, r := range part {
				if !validSHA256(r.Key) {
					mu.Lock()
					ok = false
					mu.Unlock()
					return nil
				}
				e := c.cache.load(r.Key)
				if e == nil || (!c.opts.Offline && !e.fresh(now)) {
					mu.Lock()
					ok = false
					mu.Unlock()
					return nil
				}
				sum := sha256.Sum256(e.body)
				if hex.EncodeToString(sum[:]) != r.SHA256 {
					mu.Lock()
					ok = false
					mu.Unlock()
					return nil
				}
			}
			return nil
		})
	}
	g.Wait()
	return ok
}
