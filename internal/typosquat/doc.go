// Package typosquat flags project names that imitate popular PyPI
// projects: typo-squats such as reqeusts, urlib3, jeIlyfish, setup-tools or
// python3-dateutil.
//
// # Reference
//
// A Reference is a ranked list of popular names (rank 1 = most downloaded).
// Embedded returns the snapshot compiled into the binary (reference.idx,
// generated from the team's top-15,000 download ranking by `go generate`;
// see generate.go). EmbeddedTop(n) keeps its n best-ranked projects, and
// LoadReferenceFile / ParseReference read a user list ("name", "rank name"
// or "name rank ..." lines) or a compiled index written by MarshalBinary.
// Names are compared after PEP 503 normalization. A reference file is at
// most MaxReferenceSize (256 MiB) and a list line at most
// MaxReferenceLineLen (64 KiB); past either, the error names the file.
// Lists have no nesting and are read in one pass.
//
// # Rules
//
// A name that is itself in the reference is never flagged: two popular
// projects may look alike (pyyaml, pyaml) and both are legitimate. Any
// other name is compared with every reference name through the tricks
// table (tricks.go), one row per trick:
//
//	separator                  adds, drops or moves '-', '_', '.'      setup-tools → setuptools
//	homoglyph                  0/o 1/l/i 3/e 4/a 5/s 7/t 8/b, rn/m      jeIlyfish → jellyfish
//	                           vv/w cl/d, non-ASCII look-alikes         rеquests (Cyrillic е) → requests
//	edit-distance-1/transpose  two neighbouring letters swapped         reqeusts → requests
//	edit-distance-1/substitute one letter replaced                      reqyests → requests
//	edit-distance-1/insert     one letter added                         colourama → colorama
//	edit-distance-1/delete     one letter dropped                       urlib3 → urllib3
//	plural/singular            trailing s added or dropped (a doubled   request → requests
//	                           s is a typo: requestss is an insert)
//	version-suffix             trailing version added/dropped/changed   urllib → urllib3, requests2
//	prefix                     python-, python3-, py-, py3-, py, lib-…  python-requests → requests
//	                           added or swapped                         python3-dateutil → python-dateutil
//	suffix                     -py, -python, -lib, -dev, -sdk, -api,    colorama-sdk → colorama
//	                           -client, -tools, -utils, -core… added    dateutil-python → python-dateutil
//	combination                two popular names joined, with or  requests-urllib3, numpyrequests
//	                           without a separator
//	generic-affix              generic packaging words around a   install-numpy, urllib3-loader,
//	                           popular name (or a one-edit typo    pyyaml-client, matplatlib-plus
//	                           of it); isBaitWord, isAddonWord
//	multi-edit                 two or more slips that sound or    mattplotlyb → matplotlib
//	                           type alike (typoCost)
//	spelling-variant           British/American spelling, -es     colourama → colorama
//	truncation                 cut short inside a word            matplotl → matplotlib
//	word-order                 the words reordered                learn-scikit → scikit-learn
//
// Every finding names its rule (Finding.Rule, "typosquat/<trick>") and
// says why it fired (Finding.Why), ranks included: "joins "numpy" (rank
// 20) and "requests" (rank 6)".
//
// Edit distance is measured on the name with separators removed, so
// separator changes and letter edits combine. A typo of a versionless
// spelling is attributed to the more popular versioned sibling
// (beautifullsoup → beautifulsoup4).
//
// # Scoring
//
// Each match scores
//
//	weight(trick) × popularity(rank) × length(name) × typo-likeness × family
//
// and is reported when the score reaches MinScore (0.45); severity is high
// from 0.75, medium from 0.55, low below.
//
//   - weight: the trick's own suspiciousness, from the table.
//   - popularity: 1 up to rank 100, then 1/(1 + decay·log10(rank/100)).
//     Edit tricks decay slowly (decay 0.35: 0.74 at rank 1,000, 0.63 at
//     5,000), because users mistype any project they install. Decoration
//     tricks (separator, affixes, plural, version, combination) decay fast
//     (decay 1: 0.5 at rank 1,000), because legitimate projects decorate
//     names all the time and squatters decorate only famous ones.
//   - length: names shorter than the trick's minimum are never matched;
//     at the minimum the factor is 0.6, rising 0.15 a letter to 1. One edit
//     in a five-letter name often makes another word.
//   - typo-likeness (edit tricks): 1 for a transposition or a doubled or
//     undoubled letter (requestts, urlib3), 0.85 for a neighbouring QWERTY
//     key or a dropped letter, 0.6 for an unrelated letter, 0.55 for a
//     letter added in front or appended, a first letter replaced, or the
//     first letter dropped from a name shorter than LongName (grequests,
//     ipytest, rignore → ignore: new names built on purpose or words of
//     their own), 0.5 for a digit inside the name
//     (psycopg2-pool). A digit changed for a digit inside a name
//     (pyqt5-tools, pyqt6-tools) is a version, not a typo, and never
//     matches. Names that only drop a reference's prefix or suffix (docx
//     for python-docx) and "py" glued without separator (pytoml) score 0.6.
//   - family: a first token shared by at least FamilyMinMembers reference
//     names (django-, flake8-, pytest-, azure-) hosts a plugin family whose
//     members differ by design (django-filter, django-filters,
//     pytest-plus). A decoration or a weak edit inside the family scores
//     ×0.6; a blatant slip (transposition, doubled letter) does not. Python
//     decorations (numpy-python) are never discounted. Combinations
//     whose first half hosts a family are only flagged when both halves
//     rank in the top 25 (CoreRank); otherwise both must rank in the top
//     300. Generic bait words (install-, -loader) are never discounted:
//     no plugin is named requests-install.
//
// Evaluation (see eval_test.go, recall_test.go, and `go run ./bench
// -suite typo`): with the reference cut to the top 5,000, the 9,985
// legitimate projects ranked 5,001–15,000 are flagged at 0.65% (a plain
// edit-distance-1 detector: 4.4%); of the 338 labelled real look-alikes
// of bench/testdata/typo-squats.tsv whose target is in that reference,
// 92.9% are attributed to the right project (the 14 rows held out while
// designing: 6). With the full reference, 94.2% of the 379 rows of
// testdata/known-squats.tsv whose target is ranked are found. The
// precision goal is also asserted with the reference cut at 500 to
// 10,000.
//
// # Speed
//
// Check is index lookups, not a scan: exact, separator-free and
// homoglyph-folded forms are hash-table keys; prefix and suffix cores and
// version cores are keys; edit distance 1 uses a symmetric-delete table
// (the hash of each reference name and of each one-letter deletion) so a
// query hashes its own n+1 deletions and verifies the few candidates
// letter by letter. Checking 1,000 names takes 5-8 ms of CPU.
//
// # Compiled index
//
// Every Reference is a view of one compiled index, a byte string read in
// place (no parsing, no allocation per name): the embedded snapshot is
// compiled by `go generate` and embedded uncompressed, so loading it is
// validating it (about 1 ms); a user list is compiled by the same builder
// when it is read (about 30 ms for 15,000 names), unless WriteIndexBeside
// stored its index next to it (tagged with the list's SHA-256, as `pyward
// db update` does for the top-projects list). Top(n) is a view
// of the same index with a limit: ids from n on are skipped, and plugin
// families count only the first n names. The layout, all integers
// little-endian:
//
//	header   "PWTSIDX\0", format version, rules hash, N names, section
//	         count, then the byte length of each section (uint32s)
//	names    N+1 uint32 offsets, then the names concatenated, in rank order
//	flats    the same for the names without separators
//	ranks    N uint64
//	tables   name, flat, homoglyph fold, version core, affix core, family,
//	         deletions, skeleton deletions, heads: each bits, value bits vb, count (uint32s), 2^bits+1
//	         uint32 bucket starts, count uint32 entries value | hash<<vb
//
// Each section starts on a 4-byte boundary (zero padding). A table maps
// the 64-bit hash of a key (hashKey; eachDelete for deletions) to values
// that are ids, except the affix core (id<<1 | 1 for a prefix) and the
// family token, whose value is the id of its FamilyMinMembers-th member
// (a family within Top(n) when that id is below n); vb is the fewest bits
// that hold them, and the entry keeps the low 32-vb bits of the hash
// above the value. Entries sit in bucket hash>>(64-bits) in the order
// they were added; lookups compare the stored hash bits, then verify each
// candidate against the stored strings (recomputing its fold, core or
// token), so results are exact. The rules hash fingerprints the
// constants, word lists and derivations the tables come from: an index
// compiled under other rules is refused (a list's index beside it is then
// ignored and the list parsed) rather than silently missing matches. The loader checks every offset, length,
// bucket bound and id, each flat form against its name and the rank
// order, so a damaged index is an error, never a panic.
//
// Multi-edit candidates share a sound skeleton (skeleton: c/k/q and s/z
// merged, vowels after the first letter dropped, repeats collapsed) up to
// one consonant, looked up like edit distance 1 in a table of skeleton
// deletions; the weighted distance (typoCost) then charges 0.4 for a
// doubled letter, 0.5 for a sound-alike letter, 0.6 for a transposition,
// 0.7 for a neighbouring key or a vowel added or dropped and 1 for
// anything else, and accepts at most MaxMultiEditCost (and
// MaxMultiEditRatio per letter). Digits never change in a multi-edit
// (cuda12x, cuda13x are variants), the first letter never does (anyconfig
// is no iniconfig typo), and a shared leading word is set aside
// (python-okx is judged as okx against docx).
//
// Deliberate limits: edits that change the sound skeleton by two
// consonants (s3trnasfers) are not searched, to keep precision; standard-library module names (python-sqlite) are not in
// the download ranking and so are not imitated targets.
package typosquat
