package httpcache

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

// Ref names one cached HTTP response a client read: its cache key and the
// sha256 of its body.
type Ref struct {
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
}

// Reads records what a client has read, so that a caller can later ask
// whether running the same work again would read exactly the same bytes
// without touching the network (see Refs and Cache.Unchanged). The client
// marks as opaque every read the cache cannot vouch for on its own: a
// response that must be revalidated or was not stored, a failed request,
// local files and directories, downloads and range requests.
//
// Bodies are hashed only when Refs asks, so clients that never do (sync,
// audit) pay nothing on their request path; the bodies are the client's
// own immutable response buffers. The zero Reads is ready to use.
type Reads struct {
	mu     sync.Mutex
	bodies map[string][]byte // cache key → body
	opaque bool
}

// Note records that the response cached under key, with body, was read.
func (c *Reads) Note(key string, body []byte) {
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

// NoteOpaque records a read that only the network or files outside the
// cache could repeat.
func (c *Reads) NoteOpaque() {
	c.mu.Lock()
	c.opaque = true
	c.mu.Unlock()
}

// Refs returns the cached responses read so far, sorted by key, and
// whether they are everything that was read: false after any opaque read.
func (c *Reads) Refs() ([]Ref, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opaque {
		return nil, false
	}
	refs := make([]Ref, 0, len(c.bodies))
	for k, body := range c.bodies {
		sum := sha256.Sum256(body)
		refs = append(refs, Ref{Key: k, SHA256: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(refs, func(a, b Ref) int { return strings.Compare(a.Key, b.Key) })
	return refs, true
}

// unchangedWorkers bounds the goroutines Unchanged reads entries with.
const unchangedWorkers = 4

// errChanged stops Unchanged at the first response that differs.
var errChanged = errors.New("cached response changed")

// Unchanged reports whether every response in refs is in the cache with
// the same body and would be used without a request: fresh now, or of any
// age when offline.
func (d *Cache) Unchanged(refs []Ref, offline bool) bool {
	now := time.Now()
	same := func(r Ref) bool {
		if !ValidSHA256(r.Key) {
			return false
		}
		e := d.Load(r.Key)
		if e == nil || (!offline && !e.Fresh(now)) {
			return false
		}
		sum := sha256.Sum256(e.Body)
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
