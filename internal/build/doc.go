// Package build obtains the core metadata of a source distribution whose
// metadata is not static (PEP 643: Metadata-Version below 2.2, or
// Requires-Dist / Requires-Python listed as Dynamic) by running its build
// backend's PEP 517 hook in an isolated environment. It is the only place
// in pyward that executes package code, and it is reached only when the user
// asks for it (pyward lock --allow-build).
//
// # Steps (Builder.Metadata)
//
//  1. Cache: built metadata is kept under <cache>/build-metadata-v1/, keyed
//     by the sdist's sha256 and a digest of the interpreter's PEP 508 marker
//     environment (a setup.py may compute its dependencies from the Python
//     version or platform). Entries are written atomically and re-checked
//     (parse, name and version) when read.
//  2. Download: the sdist is fetched through index.Client.Download, which
//     verifies its size and every hash the index lists before handing out a
//     byte.
//  3. Unpack (see "Archive rules"): into a fresh temporary directory; the
//     project root is the archive's single top-level directory.
//  4. [build-system] of the root's pyproject.toml (PEP 518, PEP 517):
//     requires (mandatory when the table exists, PEP 508 strings),
//     build-backend ("module.path" or "module.path:object.attr") and
//     backend-path (directories relative to the root that must stay inside
//     it; the backend module must be loaded from one of them). Without a
//     pyproject.toml, a [build-system] table or a build-backend key, pip's
//     defaults apply: requires ["setuptools>=40.8.0"] (when the table is
//     absent) and backend "setuptools.build_meta:__legacy__".
//  5. Isolation: a new virtual environment (venv.Create, no "python -m
//     venv", no pip) for the located interpreter. The build requirements
//     are resolved by pyward's own resolver against the same index client
//     (and so the same index-selection policy), for that interpreter's
//     marker environment and tags, wheels only (no recursive builds), and
//     the wheels are downloaded hash-verified, checked and installed by
//     package install. Deviation: .pth files are allowed in the build
//     environment (setuptools ships one); code from these wheels runs there
//     anyway.
//  6. Hooks, each in its own subprocess of the build environment's python
//     (-I -B -u, cwd = project root, timeout HookTimeout, killed with its
//     process group on timeout or cancellation): get_requires_for_build_wheel
//     (when defined; its extra requirements are resolved and installed the
//     same way), then prepare_metadata_for_build_wheel, or, when the backend
//     lacks it, build_wheel and the wheel's top-level *.dist-info/METADATA.
//     The hook script reports through a JSON file rather than stdout, since
//     backends print freely. The environment is minimal: PATH (prefixed with
//     the build environment's bin), HOME and TMPDIR in the temporary
//     directory, VIRTUAL_ENV, LANG=C.UTF-8, PYTHONNOUSERSITE=1,
//     PYTHONDONTWRITEBYTECODE=1, PYTHONHASHSEED=0, PIP_NO_INDEX=1; nothing
//     else is inherited (no proxies, tokens or index credentials).
//  7. Checks: the metadata parses, its Requires-Dist values are valid
//     (metadata.Validate) and its name and version equal the sdist's file
//     name.
//
// A failing hook gives a *HookError naming the project, the sdist, the
// backend, the hook and the last lines of its output. Every other error is
// prefixed with the project and the sdist's file name.
//
// Limitation: metadata is built for the located interpreter. A setup.py
// that computes its dependencies from the running Python (rather than
// writing markers) describes that interpreter, not a different lock
// target (--python-version, --platform).
//
// # Use in resolution
//
// Provider wraps a resolve.Provider: Dependencies falls back to
// Builder.Metadata only when the wrapped provider's error matches
// index.ErrNeedsBuild, using the release's sdist (resolve.File.Data holds
// its index.File for IndexProvider candidates). The resolver's prefetcher
// may ask for the metadata of the release it expects to choose before it
// decides, so with building allowed an sdist of such a likely release can
// be built even if the final resolution does not use it; builds are
// deduplicated per sdist and bounded by Options.Jobs.
//
// # Archive rules
//
// Unpack (for .tar.gz and .zip sdists) reports every problem at once as an
// *ArchiveError whose Problems name the Rule and the entry; nothing is kept
// from a refused archive.
//
//   - RulePath: a name is relative and slash-separated, without empty, "."
//     or ".." elements, backslashes, NUL bytes, a drive letter, or more than
//     MaxPathLength bytes (one leading "./" is tolerated, as tar writes it);
//   - RuleLayout: every entry lies below one top-level directory;
//   - RuleType: only directories, regular files, symbolic links and hard
//     links (tar) are allowed; devices, FIFOs and the like are refused;
//   - RuleDuplicate: no regular file, link or directory name appears twice
//     as different kinds or as two files;
//   - RuleLink: a symbolic link's target is relative, stays inside the
//     top-level directory and never traverses another symbolic link of the
//     archive (so resolving it on disk equals resolving it lexically); a
//     hard link names a regular file earlier in the archive (it is copied).
//     Links are created after every file has been written, so no write ever
//     goes through a link;
//   - RuleFiles, RuleFileSize, RuleTotalSize, RuleRatio: decompression
//     bombs: at most MaxFiles entries, no file above MaxFileSize, at most
//     MaxTotalSize bytes in all, and, past MinRatioCheckSize, at most
//     MaxCompressionRatio times the archive's size. Sizes are counted while
//     writing, never taken from headers. These stop the unpacking at once;
//   - RuleCorrupt: the archive can be read.
package build
