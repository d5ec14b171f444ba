// Package simpleapi parses the project pages of the Python "simple"
// repository API (https://packaging.python.org/en/latest/specifications/simple-repository-api/)
// into a Page of Files. It does no I/O: the caller fetches the page and
// passes its body, Content-Type and final URL (after redirects).
//
// # Media types (PEP 691)
//
// Parse dispatches on the Content-Type: application/vnd.pypi.simple.v1+json
// (or .latest+json) is JSON; application/vnd.pypi.simple.v1+html (or
// .latest+html), text/html and a missing Content-Type are HTML; anything
// else, or a malformed media type, is a *ParseError. Accept is the request
// header that asks for them, JSON preferred.
//
// # Fields accepted
//
// Both forms yield the same File fields:
//
//   - URL: the link resolved against the page URL (HTML: against
//     <base href> when present, as pip does). Only http(s) links are
//     accepted, and file: links only from a file: page; the fragment is
//     removed, and a PEP 503 "#<alg>=<hex>" fragment becomes a hash.
//   - Hashes (PEP 503 fragment; PEP 691 "hashes", which take precedence
//     over a fragment): algorithm names lower-cased; md5, sha1, sha224,
//     sha256, sha384 and sha512 digests must be hex of the right length
//     (lower-cased); other algorithms are kept unchecked.
//   - RequiresPython (PEP 503 data-requires-python, PEP 691
//     "requires-python"), with surrounding space trimmed.
//   - Yanked and YankedReason (PEP 592 data-yanked; PEP 691 "yanked",
//     true/false/null or a reason string).
//   - MetadataHashes (PEP 658 / PEP 714): HTML data-core-metadata, else the
//     older data-dist-info-metadata; JSON "core-metadata", else
//     "data-dist-info-metadata" (the key PyPI served before PEP 714). "true"
//     or a hash object means a metadata file exists at URL + ".metadata";
//     "false" or absent means none.
//   - Size and UploadTime (PEP 700 "size", non-negative; "upload-time", an
//     RFC 3339 time), and the page's "versions" (JSON only).
//   - Project status (PEP 792): JSON "project-status" {status, reason};
//     HTML <meta name="pypi:project-status"> and
//     <meta name="pypi:project-status-reason">.
//   - Provenance (PEP 740, simple API 1.3): JSON "provenance" (a URL or
//     null), HTML data-provenance; resolved against the page like URL and
//     held to the same schemes.
//   - Repository version (PEP 629): JSON "meta.api-version" is required;
//     HTML <meta name="pypi:repository-version"> is optional. A major version
//     above 1 is refused.
//
// A JSON page's "name" is returned as Page.Name for the caller to compare
// with the project it asked for. Which links belong to the project is the
// caller's decision (the index client keeps wheels and sdists of the
// requested name, as pip does).
//
// # Deviations, as pip tolerates
//
//   - The HTML tokenizer is small and lenient like pip's: unquoted
//     attributes, upper-case tags and attributes, an unclosed <a> closed by
//     the next one or by the end of the page, character references in
//     attribute values, the first of repeated attributes; comments, <script>
//     and <style> bodies are skipped. It builds no tree. Unterminated tags,
//     quotes and comments are errors with line:column.
//   - An anchor without href is ignored, and an anchor's text names the file
//     only when its URL path has no last segment.
//   - JSON keys are matched case-insensitively, as encoding/json does; the
//     fast decoder (jsonfast.go) declines any page it could read differently
//     from encoding/json, which then decides.
//
// # Input limits
//
// A page is at most index.MaxPageSize (256 MiB): the index client stops
// reading a body there, so no parser here sees more. The HTML tokenizer
// builds no tree, so nesting costs nothing. The fast JSON decoder follows
// the page's fixed shape and declines a skipped or raw value nested deeper
// than maxSkipDepth (64); encoding/json, which then decides, is linear in
// the page and nests at most 10,000 deep. Fields (file names, versions,
// hashes) are bounded by the page.
//
// Errors are *ParseError naming the page URL (never its credentials), the
// line and column when known, and what is wrong.
package simpleapi
