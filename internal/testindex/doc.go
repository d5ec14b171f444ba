// Package testindex builds a real, pip-compatible Python package index from a
// compact description, for tests and benchmarks. Nothing in it is faked: every
// wheel is a valid zip that pip can install, every hash is the hash of the
// bytes served, and every page follows the standards below.
//
// Artifacts (BuildWheel, BuildSdist):
//
//   - Wheels (PEP 427, PEP 491 / binary distribution format): file name
//     {name}-{version}-{tag}.whl with the name normalized and '-' → '_'
//     (PEP 503 + the wheel escaping rule). Contents: a top-level package
//     {import_name}/__init__.py defining __version__, any extra Modules,
//     {name}-{version}.dist-info/ with METADATA (core metadata 2.2), WHEEL,
//     entry_points.txt (when ConsoleScripts are given) and RECORD (sha256 in
//     urlsafe base64 without padding, plus sizes; RECORD lists itself with
//     empty hash and size). Entries are stored uncompressed (deflated with
//     Dist.Deflate) with a fixed timestamp so builds are byte-for-byte
//     reproducible; Dist.RawMetadata replaces the generated METADATA. Dist.RawEntries
//     adds unvalidated entries (e.g. "../x") for installer safety tests.
//   - Sdists (PEP 625, PEP 643, PEP 517/518): {name}-{version}.tar.gz holding
//     {name}-{version}/PKG-INFO (Metadata-Version 2.2, with Dynamic fields
//     when Dist.Dynamic is set), a static pyproject.toml (setuptools backend,
//     [project] table) and the package sources. Reproducible as well.
//
// Server (Index.Handler):
//
//   - GET /simple/            project list (PEP 503 HTML or PEP 691 JSON).
//   - GET /simple/<name>/     project page. A non-normalized <name> is
//     redirected (301) to the normalized URL, as PyPI does. Unknown → 404.
//     HTML carries #sha256= fragments (PEP 503), data-requires-python,
//     data-yanked (PEP 592), data-core-metadata and data-dist-info-metadata
//     (PEP 658, PEP 714), <meta name="pypi:repository-version"> and the PEP 792
//     <meta name="pypi:project-status"> / "pypi:project-status-reason".
//     JSON (application/vnd.pypi.simple.v1+json) carries hashes,
//     requires-python, yanked, core-metadata, data-dist-info-metadata,
//     PEP 700 versions / size / upload-time, PEP 792 project-status and
//     PEP 740 provenance (null unless the file has provenance; HTML then
//     carries data-provenance).
//   - GET /files/<filename>   the artifact; HTTP Range requests supported
//     (RFC 9110 §14) unless Options.NoRange.
//   - GET /files/<filename>.metadata  the PEP 658 core-metadata file of a wheel.
//   - GET /files/<filename>.provenance  the file's PEP 740 provenance.
//   - GET /integrity/<project>/<version>/<filename>/provenance  the same, at
//     PyPI's Integrity API URL, which the pages link when the provenance was
//     signed by Options.Signer for Dist.Publisher (genuine Sigstore bundles
//     from provenancetest); Dist.Provenance is served verbatim instead.
//
// Content negotiation follows PEP 691: the Accept header's q-values choose
// among application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html
// and text/html (the "latest" aliases are accepted too); ties prefer JSON; no
// Accept header means text/html; nothing acceptable means 406. A ?format=
// query parameter overrides Accept, as on PyPI. Pages carry an ETag and
// Last-Modified and honour If-None-Match / If-Modified-Since (304).
//
// The zero Options value gives a PyPI-like index (both formats, hashes,
// PEP 658 metadata files, Range, upload times); the No* fields switch features
// off to exercise client fallbacks. File links are relative URLs, so clients
// must resolve them against the page URL (as PEP 503 and PEP 691 require).
//
// Artifacts are built lazily per project on first request and cached, so an
// index of thousands of distributions starts instantly. All methods are safe
// for concurrent use.
package testindex
