// Package pep425 implements wheel compatibility tags: the tag triple of
// PEP 425, its compressed form, the ordered list of tags an interpreter
// accepts, and the platform-tag families of PEP 600 (manylinux), PEP 656
// (musllinux) and macOS. Behaviour follows pypa/packaging's tags module
// (the reference for pip); the tests check every row of
// shared/conformance/tags.json.
//
// # Tags
//
// A tag is interpreter-abi-platform, each field lower case. The compressed
// form used in wheel filenames joins alternatives with '.':
//
//	compressed  = interpreters "-" abis "-" platforms
//	interpreters = interpreter *("." interpreter)
//	abis         = field *("." field)
//	platforms    = field *("." field)
//	interpreter  = Python identifier (XID_Start or "_", then XID_Continue)
//	field        = 1*<any character except "-" and ".">
//
// ParseTag lower-cases the text, then requires exactly three '-'-separated
// parts, no empty field anywhere, and every interpreter field to be an
// identifier ("2.7.6", "py+3" and "py3.2" are rejected; "sillywalk" and
// "_custom" are fine). The expansion is the cross product, without
// duplicates. With validateOrder (ParseCompressedTag), each '.'-joined list
// must also be in sorted (code-point) order, as the binary distribution
// format requires of wheel filenames; this check runs after the empty-field
// check and before the identifier check, matching packaging.
//
// # Priority order
//
// Interpreter.Tags lists tags most preferred first. For CPython
// ("cp", packaging's cpython_tags followed by compatible_tags):
//
//  1. cpXY-<abi>-<plat> for each ABI (except "abi3"/"none", which keep their
//     normal place) and each platform in order;
//  2. cpXY-abi3-<plat> (only for 3.2+); a free-threaded build (the first
//     ABI is cpNN followed by flags containing "t") uses abi3t instead;
//  3. cpXY-none-<plat>;
//  4. cpXW-abi3-<plat> (or abi3t) for each older minor W down to 2, again
//     only for 3.2+.
//
// "abi3", "abi3t" and "none" given in ABIs are ignored in step 1 because
// they already have their place.
//
// For any other implementation (packaging's generic_tags) the interpreter is
// Name (default implementation + XY), and its tags are
// <interp>-<abi>-<plat> for each ABI, with "none" appended when absent.
//
// Both are followed by the compatible tags: pyXY-none-<plat>, pyX-none-<plat>,
// pyXW-none-<plat> for W = Y-1 … 0; then <interp>-none-any (where interp is
// cpXY for CPython, "pp" + major for PyPy as in packaging's sys_tags, and
// Name otherwise); then pyXY-none-any, pyX-none-any and pyXW-none-any.
//
// # Platforms
//
//   - manylinux (PEP 600): manylinux_<maj>_<min>_<arch> from the given glibc
//     version down to 2.17 (2.5 for x86_64 and i686), with the legacy PEP
//     513/571/599 aliases manylinux2014 (2.17), manylinux2010 (2.12) and
//     manylinux1 (2.5) placed right after the matching PEP 600 tag. A glibc
//     major above 2 also yields every 2.x down from 2.50, as packaging does.
//     Only architectures for which a manylinux policy exists are supported
//     (x86_64, i686, aarch64, armv7l, ppc64, ppc64le, s390x, loongarch64,
//     riscv64); packaging's host ELF checks are assumed to pass.
//   - musllinux (PEP 656): musllinux_<maj>_<min>_<arch> for min down to 0.
//   - macOS: before 11, every 10.x from the given minor down to 0 with the
//     binary formats that can run on that CPU (x86_64 also accepts intel,
//     fat64, fat3, universal2, universal; arm64 accepts universal2; none of
//     x86_64/i386 before 10.4, no ppc after 10.6). From 11 on, each major
//     down to 11 (minor 0), then 10.16 … 10.4: all x86_64 formats on x86_64,
//     only universal2 otherwise.
//
// Deviation: lower-casing uses Go's simple case mapping (Python's str.lower
// expands a few characters such as U+0130 to two code points); identifier
// checks use the Unicode ID_Start/ID_Continue properties in Go's tables,
// which differ from Python's XID_* only for a handful of NFKC-unstable
// characters. Neither can occur in a real tag.
//
// # Input limits
//
// A compressed tag set is part of a wheel file name (package dist) and is
// bounded by the document that names the file. The grammar has no nesting,
// but the expansion is the cross product of the '.'-joined lists: a set that
// expands to more than MaxTags (1,024) tags is an error wrapping
// ErrInvalidTag (a deviation: packaging has no limit, and real wheels
// expand to a few dozen). Parsing is then linear in the text.
package pep425
