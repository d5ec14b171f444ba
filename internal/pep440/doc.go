// Package pep440 implements PEP 440 versions and version specifiers
// (https://packaging.python.org/en/latest/specifications/version-specifiers/),
// matching pypa/packaging 26.x (version.py, specifiers.py,
// utils.canonicalize_version) on the shared conformance tables.
//
// # Versions
//
// The canonical (normalized) form is
//
//	[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]
//
// where local is one or more dot-separated runs of lower-case ASCII letters
// and digits, numeric runs written without leading zeros. Parse accepts
// every spelling PEP 440 allows ("Appendix: Parsing version strings"),
// case-insensitively, as this grammar (ASCII only):
//
//	version  = ws* ["v"] [N "!"] N ("." N)* [pre] [post] [dev] ["+" local] ws*
//	pre      = [sep] ("alpha"|"a"|"beta"|"b"|"preview"|"pre"|"c"|"rc") [sep] [N]
//	post     = "-" N | [sep] ("post"|"rev"|"r") [sep] [N]
//	dev      = [sep] "dev" [sep] [N]
//	local    = alnum+ (sep alnum+)*
//	sep      = "." | "_" | "-"
//	N        = [0-9]+
//
// An omitted number is 0 ("1.0a" is "1.0a0", "1.0.post" is "1.0.post0").
// Each optional part is taken greedily and never given back, as the
// reference regexp's possessive quantifiers do. ws is Python's notion of
// whitespace (Unicode White_Space plus U+001C..U+001F).
//
// Ordering (Version.Compare) is PEP 440's: epoch, then release with
// trailing zeros ignored, then a dev-only release before pre-releases
// (a < b < rc), pre-releases before the final release, the final before
// post-releases, a dev release before the same release without dev, and
// finally the local label: none first, then part by part with numbers
// after words and numerically ordered.
//
// Numbers have no size limit: ordering and String are exact for any digit
// count, while the int accessors (Epoch, Release, Pre, Post, Dev, Major...)
// saturate at math.MaxInt.
//
// # Specifiers
//
//	specifier = ws* op ws* version ws*
//	op        = "~=" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "==="
//	set       = [specifier] ("," [specifier])*     empty members are ignored
//
// "==" and "!=" also take a prefix match "V.*" where V is [N!]N(.N)* only,
// and a local label; "~=" needs at least two release numbers and no local
// label; the ordered comparisons take no local label. "===" takes any text
// without whitespace, ';' or ')' and matches a candidate whose text is
// equal ignoring case (Python's str.lower), without parsing it.
//
// Operator semantics follow PEP 440 "Version specifiers": "==V" without a
// local label matches any local label; "<=V" likewise; ">V" excludes V's
// post-releases unless V is one, "<V" excludes V's pre-releases unless V is
// one; "~=X.Y" means ">=X.Y, ==X.*"; "==V.*" means >= V.dev0 and < the next
// prefix's .dev0.
//
// Pre-release policy is separate from operator semantics (Specifier.Contains
// and Specifier.ContainsString apply none). A set implies pre-releases are wanted when a member other
// than "!=" or "==V.*" names a pre-release. SpecifierSet.ContainsString and
// Filter reproduce packaging exactly: with no explicit choice, a lone
// candidate pre-release is accepted, and Filter keeps pre-releases only if no
// final release survives; MatchOptions adds packaging's "installed" hint
// and WithPrereleases its constructor override. Text that is not a valid
// version passes an empty set, matches === by text, and fails every other
// operator. SpecifierSet.Contains is the resolver's test on a parsed
// Version: a pre-release passes only if the caller allows it or the set
// implies it, and === compares the version's normalized text.
//
// Canonical set text (SpecifierSet.String) sorts members by their text and
// merges equal members (same operator, same version ignoring trailing zero
// release numbers except under "~="), keeping the first in sorted order; a
// member's version text is kept as written.
//
// # Deviations
//
//   - Letters are matched as ASCII only ("1.0+İ" and "1.0poſt1" are invalid),
//     as the conformance tables require.
//   - Numbers are unbounded; CPython refuses integers over 4300 digits.
//   - packaging raises an error when two sets with conflicting explicit
//     pre-release overrides are combined; Intersect forbids pre-releases.
//   - IsUnsatisfiable is exact on the version line (see ranges.go), which is
//     what the conformance table records.
package pep440
