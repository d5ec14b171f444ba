// Package osv is the vulnerability database engine behind `pyward audit`:
// it reads OSV advisories (https://ossf.github.io/osv-schema/, schema 1.x),
// compiles them into an index keyed by PEP 503 normalized package name, and
// answers "which advisories affect name==version".
//
// # Records
//
// A record is one JSON or YAML document with the OSV fields id, modified,
// published, withdrawn, aliases, related, summary, details, severity,
// affected[] (package{ecosystem,name,purl}, ranges[] of
// {type, repo, events[]}, versions[], severity[], database_specific,
// ecosystem_specific), references and database_specific. Unknown fields are
// ignored, as the schema asks of consumers. A record is rejected (and the
// error names the file, and the line where the decoder knows it) when it is
// not decodable, has no id, has an unparsable timestamp, a range without a
// type, or an event that does not set exactly one of introduced, fixed,
// last_affected, limit. Timestamps without a zone, which early PYSEC
// entries used, are read as UTC.
//
// # Sources
//
// A directory tree of .json/.yaml/.yml files (pypa/advisory-database), or
// a .zip of them (the OSV bulk export, all.zip). Files are read and parsed
// on GOMAXPROCS workers; one bad file is reported with its name and left
// out, never hiding the others. YAML goes through a fast decoder for the
// block-YAML subset the advisory database is written in (see fastYAML);
// anything outside it is decoded by go.yaml.in/yaml/v3, the reference the
// fast path is differentially tested against. Cache adds `pyward db update`: the export is
// downloaded with ETag/Last-Modified revalidation, checked, and stored by
// temp-file+rename together with a compact binary index (see EncodeIndex)
// so that a warm audit reads one file instead of parsing thousands.
// SourceCache does the same for a local source given to `pyward audit
// --db DIR|ZIP`: it is compiled on first use and the compiled entry is
// reused while the source's fingerprint (SourceFingerprint: path, size and
// mtime of the archive, or of every record file of the tree) is unchanged;
// an entry that fails its checksum or names another state is rebuilt.
//
// # Input limits
//
//   - A record file is at most MaxRecordSize (16 MiB); it is not read past
//     that. JSON is decoded by encoding/json (linear in the input, nesting
//     at most 10,000 deep); YAML by the fast path (linear, block YAML only)
//     or go.yaml.in/yaml/v3, which refuses nesting deeper than 10,000 and
//     excessive alias expansion.
//   - A .zip is refused whole, naming the archive and the member, when it
//     has more than MaxZipEntries (500,000) members, when its records
//     declare more than MaxZipTotalSize (1 GiB) uncompressed together, or
//     when two members share compressed bytes (an overlap is how a small
//     archive declares thousands of large members). A record declared larger
//     than MaxRecordSize is left out and reported. archive/zip refuses a
//     member that inflates past its declared size, so the declared sizes
//     bound the work. All checks use the central directory and local
//     headers only: nothing is decompressed before they pass.
//   - A downloaded export is at most MaxDownloadSize (1 GiB).
//   - A compiled index or source-cache entry is at most math.MaxInt32 bytes
//     and its checksum is verified before it is decoded. Its format is flat
//     (counts, lengths and strings); every count that sizes an allocation
//     is checked against the bytes left, so decoding allocates no more than
//     the file holds.
//   - CVSS vectors and versions are fields of a record and bounded by it;
//     each is parsed in one pass.
//
// # Matching (Query)
//
//   - Only affected[] entries whose ecosystem is PyPI are used; package
//     names compare after PEP 503 normalization.
//   - Withdrawn advisories are dropped when the database is built.
//   - A version is affected if it is in the explicit versions list
//     (compared in canonical form with trailing zeros dropped, so 1.0 equals
//     1.0.0) or falls in any ECOSYSTEM range. A range is evaluated as the
//     OSV spec describes: events sorted by PEP 440 order ("introduced: 0"
//     lowest; at equal versions introduced first), affected from an
//     introduced up to but excluding a fixed, up to and including a
//     last_affected (compared on the public version: 1.0+local is as
//     affected as 1.0 when 1.0 is the last affected release), and, when limit events exist, only below some limit.
//   - Deviations: SEMVER ranges on PyPI packages are evaluated with PEP 440
//     ordering (PyPI releases are PEP 440 versions, not SemVer); GIT ranges
//     are ignored (they name commits); a range with a version that is not
//     PEP 440 cannot be evaluated and matches nothing, leaving the versions
//     list to decide; a queried version that is not PEP 440 matches only
//     versions lists. An affected entry with neither ranges nor versions
//     matches nothing, except for malicious-package reports.
//   - Malicious packages: a record whose id or an alias starts with MAL-,
//     or that carries database_specific."malicious-packages-origins" (the
//     OpenSSF malicious-packages format), matches every version of the
//     named package and is always critical.
//   - Aliases: advisories of one package whose id+aliases sets connect
//     (transitively) are one Finding listing every ID; grouping is per
//     package, so a CVE shared by two projects does not merge their
//     findings. The representative ID prefers MAL-, then GHSA-, then
//     PYSEC-.
//   - Severity: the score of a CVSS vector, v4.0 (CVSS4Score, computed by
//     github.com/pandatix/go-cvss) preferred to v3.0/v3.1 (CVSS3BaseScore)
//     when an advisory carries both, rated by the qualitative scale the two
//     versions share (None 0.0 is reported as low); otherwise a textual
//     database_specific.severity (GitHub's CRITICAL/HIGH/MODERATE/LOW);
//     otherwise unknown. CVSS v2 vectors are not scored.
//   - FixedVersions lists the fixed events of the matching advisories in
//     PEP 440 order; Finding.FixedAbove picks the upgrade target.
//
// # Ignores
//
// Ignore{ID, Reason, Expires}: the ID may be any alias of a finding, the
// reason is mandatory, and an ignore past its Expires no longer suppresses
// anything and is returned so the caller can say so.
package osv
