// Package sources is pyward's one model of where packages come from: the
// indexes (name, URL, credentials, trust), find-links locations, the
// per-package routes, trusted hosts and the cache. lock, sync, audit and
// fix build it with New and get their index clients from it; no command
// builds index sources of its own.
//
// # Inputs, read once
//
//   - Flags: --index NAME=URL (ordered), --index-url, --extra-index-url,
//     --index-for PATTERN=NAME, --find-links, --no-index, --trusted-host,
//     --index-strategy, the cache directory and --offline.
//   - Input files (FileOptions): a requirements file's -i,
//     --extra-index-url, -f, --trusted-host and --no-index lines;
//     pyproject.toml's [tool.pyward] index, extra-index and index-for
//     (project name → index URL; applied in name order, so the result
//     never depends on map order).
//   - pip's configuration, as pip install reads it (ReadPip): pip.conf /
//     pip.ini in pip's global, user and site locations and
//     PIP_CONFIG_FILE (ConfigFiles gives the order; a later file
//     overrides an earlier one, [install] overrides [global]), then
//     PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS,
//     PIP_TRUSTED_HOST and PIP_NO_INDEX, which override the files. pip's
//     configuration supplies only what flags and input files leave unset
//     (as in pip, a flag replaces the configured value); an --index list
//     replaces pip's index-url and extra-index-url. A local find-links
//     directory that does not exist is ignored with a warning, as pip
//     does. audit's index-configuration scan uses the same reader. A file
//     larger than MaxPipConfigSize (1 MiB) is skipped with a warning naming
//     it and the limit, as an unreadable one is; the INI format has no
//     nesting and ParseINI reads it in one pass.
//   - The lock being consumed (Locked): its "# pyward: index NAME=URL" /
//     [tool.pyward] indexes names, its --index-url, --extra-index-url,
//     --find-links, --trusted-host and --no-index options, and the index
//     each package records (pylock "index", requirements "# from").
//
// # Names, credentials and cache
//
// An index keeps one name everywhere: the NAME of --index NAME=URL (which
// the lock records), else DeriveName(URL), a function of the URL alone
// (host, port, path). Credentials are the URL's user information, the
// PYWARD_INDEX_<index.EnvKey(NAME)>_USERNAME / _PASSWORD variables, netrc, or
// the same URL with user information in pip's configuration; they are
// never written (locks record URLs without user information). Every
// command's index client caches HTTP responses in <cache>/http
// (HTTPCacheDir).
//
// # Making a lock
//
// The sources are, in order: the --index list; the main index (--index-url,
// else the input files' -i / [tool.pyward] index, a later file overriding
// an earlier one, else pip's index-url, else PyPI unless an --index list
// is given); the extra indexes; the find-links locations; then an index
// for each [tool.pyward] index-for URL not configured yet. An index
// configured twice (same URL, see SameURL) is kept once. --no-index drops
// every index.
//
// Routes (--index-for, [tool.pyward] index-for) come first: a routed name
// is asked of its index only, never of another. Every other name is
// resolved under a Strategy:
//
//   - FirstIndex (default for an ordered --index list): the first index
//     that has the name supplies all of its files. Later indexes are still
//     asked (index.Policy.Survey), and Review lists every locked name that
//     one of them also has, with the index used.
//   - RefuseConflicts (default as soon as an extra index is configured, by
//     flag, file or pip's configuration): as FirstIndex, but a locked name
//     whose files differ between two indexes is a *ConflictError naming
//     the names, the indexes and both fixes (route the name with
//     --index-for, or --index-strategy unsafe-best-match). A mirror that
//     serves the same files (same sha256) is not a conflict. pip would
//     merge the indexes and install the highest version found on any of
//     them: the dependency-confusion attack. pyward refuses to guess.
//   - UnsafeBestMatch (only by --index-strategy): pip's merge, with a
//     warning.
//
// Record writes into the lock what consumers need: each package's index
// URL, the index names when there are several (or a name is not the
// derived one), --index-url when one index supplies every package
// (omitted for PyPI), --find-links and --no-index. A requirements lock
// with several indexes gets a warning: pip applies one index list to
// every package, so only pyward sync (or a pylock.toml) installs it
// safely.
//
// # Using a lock
//
// The indexes are the lock's (its names, else derived ones) and each
// package it records an index for is routed to that index alone. Flags
// may add credentials (--index NAME=URL or --index-url with the URL the
// lock records) or map a recorded index to a mirror (--index NAME=URL
// with the lock's NAME and another URL: its packages are then looked up
// there by name, and their files must still have the lock's hashes); a
// flag that names an index the lock does not record, or an --index-url
// the lock does not record, or an --index-for that sends a locked package
// elsewhere, is an error. A lock that records no index uses the flags,
// else pip's configuration, else PyPI. Packages a lock records no index
// for are looked up on the lock's indexes in order (merged when it has
// extra indexes, as pip does: their hashes are pinned, so no index can
// substitute other bytes). A pylock.toml that names no index at all
// fetches its files by URL, files without a URL from the lock's
// directory.
package sources
