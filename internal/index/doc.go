// Package index is the package-index client: it lists a project's files,
// reads their core metadata and downloads them, from PEP 503 / PEP 691
// simple indexes (https://, trusted http://, file://) and --find-links
// locations (directories and HTML pages).
//
// # Simple pages
//
// Project pages are requested at <index>/<normalized-name>/ with
//
//	Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01
//
// and parsed by package simpleapi according to the response Content-Type
// (PEP 691; the fields and deviations are listed there). A page whose JSON
// "name" is another project is an error. Links whose file name is not a
// wheel or sdist of the requested project are dropped, as pip does.
// Deviation: only .whl, .tar.gz and .zip files count (PEP 625); legacy
// archives that pip still accepts (.tar.bz2, .tgz, .tar.xz, .egg, .exe) are
// dropped, since they can only be built.
//
// # Index selection
//
// The Policy type holds the whole index-selection rule set: pins (a glob on
// the normalized name → one source), then either FirstMatch (default: the
// first source that has the project supplies all of it; a later source is
// never consulted for a name an earlier one has) or MergeAll (pip's
// --extra-index-url behaviour, open to dependency confusion). With
// Policy.Survey, FirstMatch still asks the later sources for a name the
// first one has, without using their files, and records each source that
// also has it and whether its files differ (Client.Overlaps), so callers
// can refuse or report what pip would have merged. Find-links
// locations take part like indexes, in their place in the source order; a
// location without files for a project counts as "not found" there.
//
// # Metadata
//
// Client.Metadata tries the PEP 658 file (verified against its listed
// hash), then HTTP range requests that read only the wheel's zip central
// directory and METADATA entry (io.ReaderAt over Range; a server that
// ignores Range gets a full, hash-verified download), then a full download.
// An sdist's PKG-INFO is used only when static under PEP 643; otherwise
// ErrNeedsBuild (building is out of this package's scope). Download later
// checks that a wheel's own METADATA equals the metadata used
// (ErrMetadataMismatch).
//
// What is cached is keyed by what was verified: a PEP 658 file is stored
// only after it matched its declared hash; METADATA read by range requests,
// which no hash covers, is stored under the wheel URL it came from (with
// the freshness of the range response), never under the sha256 a page
// claims, so an index cannot plant metadata for another index's file.
//
// # Transport, security and caching
//
//   - TLS is verified by the transport; http:// URLs (indexes, file links and
//     redirect targets) are refused unless the host is in TrustedHosts.
//   - Credentials come from the index URL's userinfo, the environment
//     (PYWARD_INDEX_<NAME>_USERNAME / _PASSWORD, NAME = source name upper-cased
//     with non-alphanumerics as '_') or netrc "machine" entries ("default" is
//     ignored: it would send a password to every host; a netrc file larger
//     than MaxNetrcSize, 1 MiB, is an error naming it). They are sent only to
//     the scheme://host:port they belong to; a redirect to any other origin
//     drops the Authorization header (stricter than net/http, which keeps it
//     for subdomains). Error messages never contain credentials.
//   - Each attempt has an idle timeout; 5xx, 429, timeouts and connection
//     errors are retried with exponential backoff and jitter (Retry-After
//     honoured up to a bound); a 404 page is ErrNotFound; other statuses
//     are *HTTPError naming the URL.
//   - The on-disk cache (package httpcache) revalidates pages with ETag and
//     Last-Modified, honours Cache-Control (no-store, no-cache, max-age),
//     stores downloads content-addressed by sha256 and writes every entry
//     with temp file + rename, so concurrent processes are safe. Offline
//     mode uses only the cache and fails with ErrOffline otherwise.
//   - Downloads land in a temporary file (or the blob store), are checked
//     against the listed size and every listed hash, and only then copied to
//     the caller: the caller never sees unverified bytes. No more than the
//     listed size is read (a longer body is a size mismatch), or, when the
//     index lists none, DefaultMaxDownloadSize (8 GiB; Options.MaxDownloadSize);
//     a Content-Length above that is refused before the body is read.
//   - Response headers (Content-Range, ETag, Cache-Control) are bounded by
//     net/http's limit on response headers (10 MiB by default), and each
//     is parsed in one pass; bodies by the limits above, MaxPageSize
//     (256 MiB) and MaxMetadataFile (16 MiB).
//   - The client is safe for concurrent use: identical in-flight requests
//     are deduplicated and a semaphore bounds concurrent requests.
package index
