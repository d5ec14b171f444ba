// Package httpcache is the on-disk cache of the index client: HTTP
// responses (simple pages, PEP 658 metadata files) kept in pack files, and
// downloaded distribution files kept by content. It does no network I/O;
// the client decides what to fetch and what to store.
//
// # Layout
//
// Under the cache directory (every file is written to a temporary name and
// renamed, so concurrent pyward processes only ever see complete files):
//
//	packs/<name>.pack          HTTP responses, many to a file
//	blobs/sha256/<h[:2]>/<h>   downloaded files, content-addressed: h is the
//	                           sha256 of the bytes, verified before the rename
//	blobs/tmp/                 downloads in progress
//
// Names derived from a digest are used only when ValidSHA256 holds, so a
// digest from a page or a lock can never name a path outside the cache.
// Only verified content is kept under its digest: a blob is renamed to its
// path after its bytes hashed to it. Anything else (a page, a PEP 658 file,
// METADATA read by range requests) is a response, kept under the URL it
// came from and used only while fresh; a digest it claims may be part of
// its key, never the whole of it.
//
// # Responses
//
// A response is stored under Key(redacted URL, Accept) as one record: a
// JSON header line (Entry: format version "v", URL, final URL after
// redirects, Content-Type, ETag, Last-Modified, time stored, max-age), then
// the body. Records of another format version (now 2) are ignored.
//
// Freshness (RFC 9111): Policy reads Cache-Control. no-store: not stored.
// no-cache, or no max-age: stored with max-age -1, so it is revalidated
// (If-None-Match / If-Modified-Since) before every use. max-age=N: used
// without a request for N seconds after it was stored (Entry.Fresh); a 304
// answer to a revalidation restarts that time. Offline, any stored entry is
// used whatever its age.
//
// # Pack format
//
// A run's responses are kept in memory and written together, as one new
// pack, by Cache.Wait (or earlier once flushBytes of them are pending).
// A pack is written once and never changes (integers little-endian):
//
//	"PYWPACK1"
//	records, back to back
//	index: count × (key: 32 bytes, offset: uint64, length: uint32)
//	count: uint32, index offset: uint64, "PYWPIDX1"
//
// Pack names are "<16 hex digits of a Unix time in ns>-<8 random hex>.pack".
// Packs are read in name order and a later pack's record replaces an
// earlier one's, so the newest response wins. A pack whose magic, trailer
// or index is inconsistent (a record outside the data area, a count that
// does not match the size) is ignored whole and logged.
//
// # Limits
//
//   - maxPacks (8): beyond it, Wait merges all packs into one that keeps
//     the newest record of each key and takes its newest input's time, so
//     a pack another process writes meanwhile still sorts after it.
//   - flushBytes (64 MiB): pending responses beyond it are written early,
//     bounding memory on very large runs.
//   - A record is at most 4 GiB - 1 (its length is a uint32); the client
//     bounds bodies far below that (pages 256 MiB, metadata 16 MiB).
//   - staleTemp (1 hour): temporary files older than this in the pack
//     directory are taken for a crashed writer's and removed.
//   - Reading a pack trusts none of its numbers: the index's entry count
//     must account for the file's size exactly, and every record must lie
//     between the magic and the index, so the index read is never larger
//     than the file. A record's header is one flat JSON line, decoded by
//     decodeHeader or, when it declines, by encoding/json (linear, nesting
//     at most 10,000 deep).
//
// # Reuse without requests
//
// Reads records what a client read (the cache key and body of each
// response), and whether anything it read cannot be vouched for by the
// cache alone. Cache.Unchanged later checks, without a request, that every
// such response is still stored, fresh, and has the same body.
package httpcache
