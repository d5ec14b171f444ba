package index

import "github.com/pyward/pyward/internal/httpcache"

// Consulted returns the cached responses this client has read so far,
// sorted by key, and whether they are everything it read: false when it
// also read anything a later run could only learn again from the network
// or from files outside the HTTP cache (see httpcache.Reads).
func (c *Client) Consulted() ([]httpcache.Ref, bool) {
	if c.cache == nil {
		return nil, false
	}
	return c.seen.Refs()
}

// Unchanged reports whether every response in refs is in the cache with
// the same body and would be used without a request: fresh now, or of any
// age in offline mode. It makes no request.
func (c *Client) Unchanged(refs []httpcache.Ref) bool {
	if c.cache == nil {
		return false
	}
	return c.cache.Unchanged(refs, c.opts.Offline)
}
