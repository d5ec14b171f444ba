// Package resolve chooses one release of every required Python project so
// that all requirements hold on one target interpreter and platform, or,
// universally, on every environment of a universe; or explains why that is
// impossible.
//
// # Algorithm
//
// The solver is PubGrub (Natalie Weizenbaum, "PubGrub: Next-Generation
// Version Solving", 2018; the algorithm documented for Dart's pub and
// pubgrub-rs): conflict-driven clause learning over incompatibilities (sets
// of terms that must not all hold), with unit propagation, one decision at a
// time, conflict resolution by the resolution rule, and non-chronological
// backjumping. Learned incompatibilities form a derivation tree that is
// rendered as the explanation of a failure:
//
//	Because b==1.0.0 depends on c==2.0.0 and a==1.0.0 depends on c==1.0.0,
//	b==1.0.0 and a==1.0.0 are incompatible.
//	And because you require a and you require b, we can conclude that your
//	requirements are unsatisfiable.
//
// Version sets are bitsets over the releases the index lists for a project
// (sorted by PEP 440 order). Because the universe is finite and known, set
// algebra is exact for the parts of PEP 440 that are not intervals: local
// versions (1.0+cpu matches ==1.0 but not >1.0), the pre- and post-release
// exclusions of < and >, and != holes. Explanations quote requirements as
// written when a set is unchanged, and otherwise render the set as ranges
// of existing versions.
//
// Dependency incompatibilities of different versions with the same
// dependency are merged ("a>=1,<3 depends on b>=2"), as pub does, so one
// learned conflict rules out many versions and explanations stay short.
//
// Decisions pick the undecided required package with the fewest allowed
// versions left (ties: first seen), and for it the preferred (locked)
// version if allowed, else the newest allowed version. A package whose
// versions keep being rejected because of another package's decision
// (maxRejections times) is promoted to be decided first, and the solver
// backjumps to before that decision, as uv does; otherwise a bad decision
// order walks it down to ancient versions.
//
// # Python rules
//
//   - Names are compared after PEP 503 normalization, extras after PEP 685.
//   - Extras: "a[x]" is a virtual package whose version v depends on a==v
//     and on the Requires-Dist entries of a v whose marker holds with
//     extra == "x" (and not without it). Extras may require other extras of
//     the same project. An extra that a release does not define adds
//     nothing (as pip and uv do, with no backtracking to find it).
//   - Markers (PEP 508) are evaluated against Options.Environment; the root
//     requirements' markers too (universal resolution: see below).
//   - Requires-Python (PEP 345/PEP 440) is checked per file against
//     Options.Python. Only lower bounds are enforced by default, like uv:
//     upper bounds are usually guesses and honouring them makes resolution
//     fail for reasons the user cannot fix (StrictRequiresPython enforces
//     them). "3.9" means 3.9.0. Requires-Python in the core metadata is
//     checked again when a release is chosen.
//   - Pre-releases (PEP 440 "Handling of pre-releases", uv's
//     if-necessary-or-explicit policy, which the packse scenarios encode):
//     a project's pre-releases are candidates when Options.Prereleases is
//     set, when a first-party requirement or constraint for it has a
//     specifier naming a pre-release (">=2.0b1"), or when the project has
//     no final release at all. A transitive specifier naming a pre-release
//     does not count. Specifier membership itself follows PEP 440 (so <2.0
//     never matches 2.0b1).
//   - Yanked files (PEP 592) are ignored unless a first-party requirement or
//     constraint pins the version with == or ===.
//   - Artifacts: a release is usable if, among its files whose
//     Requires-Python admits the target, there is a wheel whose tags
//     (PEP 425) the target supports (Options.Tags; not for NoBinary
//     projects) or an sdist (not for NoBuild projects). The best-ranked
//     wheel is preferred. Unusable releases stay in the universe with an
//     incompatibility that states the reason, so errors can say why.
//   - Direct URL requirements ("a @ https://...") pin the project to that
//     artifact (through URLProvider). Only first-party requirements may use
//     them; a transitive one is an error.
//   - Constraints (pip's -c) restrict a project only if it is otherwise
//     required; they never add a project.
//   - Preferences keep already locked versions while still allowed, except
//     with Upgrade or for UpgradePackages.
//   - A project missing from the index (ErrNotFound) has no versions; the
//     solver backtracks away from releases that need it.
//   - A release whose dependencies cannot be known without running code (an
//     sdist with dynamic metadata, ErrNoMetadata) is skipped and reported in
//     Resolution.Warnings: pyward never builds packages.
//   - A release that depends on its own project with a specifier excluding
//     itself cannot be used.
//
// # Universal resolution
//
// With Options.Universal the resolver finds one set of releases, each with
// a marker, that is a valid installation on every environment of the
// universe: the project's Requires-Python, narrowed by Universe.Environments
// (uv's `environments`). Markers are handled with pep508.MarkerSet.
//
//   - A fork is a set of environments (a MarkerSet); the first is the
//     universe, split by the required environments. In a fork, a
//     requirement applies when its marker overlaps the fork; Requires-Python
//     is checked against the fork's lowest Python; every wheel counts as
//     usable, except that a release needs a usable file on each required
//     Target in the fork (uv's `required-environments`), so an older release
//     with such wheels is chosen rather than failing.
//   - When one package's requirements on one project carry markers that
//     differ within the fork (numpy>=2 on python_version >= "3.10", numpy<2
//     below), the fork is replaced by the regions of those markers, each
//     solved from the start. When a fork has no solution and a requirement
//     of the conflict applies in part of the fork only, the fork is split
//     on that requirement's marker and both parts are solved; this goes
//     beyond uv, which fails there (see the packse notes in the tests).
//     Only a fork that cannot be split fails, and its explanation starts
//     with "On <fork marker>, because ...". At most MaxForks forks.
//   - Each fork prefers the version of a project that earlier forks chose
//     (then the locked versions, Universe.Preferences), so forks agree
//     where they can, as uv does.
//   - The forks' results are merged: a release's marker is the union, over
//     the forks that chose it, of the environments where a chain of
//     requirements from the root reaches it, written relative to the
//     universe (pep508.MarkerSet.Within). A project appears once per
//     version, under disjoint markers.
//   - Coverage: each release lists the Targets (DefaultTargets: CPython
//     3.8 to 3.14 on Linux x86_64/aarch64, macOS arm64/x86_64, Windows) in
//     its marker where it has a usable file, and those where it has none
//     (a warning, or an error for a required environment).
//   - All forks share the fetcher: metadata is fetched once, and the
//     speculative crawl follows the union of all forks' requirements.
//
// # Fetching
//
// The solver is sequential but never waits for one package at a time: a
// speculative crawler (see fetcher) fetches project pages and the metadata
// of the release each project would most likely resolve to, recursively
// and with bounded parallelism, so wall time is about graph depth × round
// trip. Once propagation narrows a package, the solver's own next choice
// for every undecided package is fetched too; after the first conflict,
// also a couple of releases below each choice, and when the solver walks
// down a project's releases, the next several at once. Speculation never
// influences the result.
package resolve
