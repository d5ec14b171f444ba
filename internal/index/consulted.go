package index

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
//
// Bodies are hashed only when Consulted asks, so clients that never do
// (sync, audit) pay nothing on their request path; the bodies are the
// client's own immutable response buffers.
type consulted struct {
	mu     sync.Mutex
	bodies map[string][]byte // cache key → body
	opaque bool
}

func (c *consulted) note(key string, body []byte) {
	c.mu.Lock()
	if c.bodies == nil {
		c.bodies = map[string][]byte{}
	}
	if old, ok := c.bodies[key]; ok && !bytes.Equal(old, body) {
		c.opaque = true // the same URL answered twice, differently
	}
	c.bodies[key] = body
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
	refs := make([]CacheRef, 0, len(c.seen.bodies))
	for k, body := range c.seen.bodies {
		sum := sha256.Sum256(body)
		refs = append(refs, CacheRef{Key: k, SHA256: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(refs, func(a, b CacheRef) int { return strings.Compare(a.Key, b.Key) })
	return refs, true
}

// unchangedWorkers bounds the goroutines Unchanged reads entries with.
const unchangedWorkers = 4

// errChanged stops Unchanged at the first response that differs.
var errChanged = errors.New("cached response changed")

// Unchanged reports whether every response in refs is in the cache with
// the same body and would be used without a request: fresh now, or of any
// age in offline mode. It makes no request.
func (c *Client) Unchanged(refs []CacheRef) bool {
	if c.cache == nil {
		return false
	}
	now := time.Now()
	same := func(r CacheRef) bool {
		if !validSHA256(r.Key) {
			return false
		}
		e := c.cache.load(r.Key)
		if e == nil || (!c.opts.Offline && !e.fresh(now)) {
			return false
		}
		sum := sha256.Sum256(e.body)
		return hex.EncodeToString(sum[:]) == r.SHA256
	}
	var g errgroup.Group
	chunk := (len(refs) + unchangedWorkers - 1) / unchangedWorkers
	for start := 0; start < len(refs); start += chunk {
		part := refs[start:min(start+chunk, len(refs))]
		g.Go(func() error {
			for _, r := range part {
				if !same(r) {
					return errChanged
				}
			}
			return nil
		})
	}
	return g.Wait() == nil
}
