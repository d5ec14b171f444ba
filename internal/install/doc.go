// Package install checks, unpacks, installs and uninstalls wheels as the
// binary distribution format specification (PEP 427, PEP 491; "Binary
// distribution format" and "Recording installed projects" in the PyPA
// specifications) describes, without running any code from the wheel.
//
// # Safety rules
//
// Check (used by Unpack, so no wheel is ever unpacked without it) reports
// every problem of a wheel at once, as a *CheckError whose Problems each name
// the Rule broken and the zip entry. A wheel must satisfy all of these:
//
//   - RulePath: an entry name is a relative, slash-separated path of valid
//     UTF-8 without empty, "." or ".." elements, backslashes, a leading "/",
//     or control characters (C0 including NUL, tab, CR and LF; DEL; C1):
//     a newline splits a name in line-based tools such as compileall -i;
//   - RuleDrive: no Windows drive letter ("C:") or UNC prefix;
//   - RuleSymlink: no symbolic links (or other non-regular files);
//   - RuleOutside: every entry lands inside its install scheme directory:
//     "<name>.data/<key>/..." only for key in scripts, headers, data, purelib,
//     platlib;
//   - RuleDuplicate: no entry appears twice, also after Unicode simple case
//     folding (a wheel unpacked on a case-insensitive file system must not
//     overwrite one of its own files), and no file is also a directory;
//   - RuleEntryPoint: entry_points.txt parses (script names are plain file
//     names, targets "module:attr" made of Python identifiers, since both are
//     written into files and generated code), and no script (entry point or
//     .data/scripts) is named python, python3*, pythonw or activate*, which
//     would replace the environment's own interpreter or activation script;
//   - RuleDistInfo: exactly one top-level "{name}-{version}.dist-info"
//     directory with METADATA, WHEEL and RECORD, whose name and version match
//     the wheel's file name and the expected name and version;
//   - RuleWheelVersion: WHEEL declares Wheel-Version 1.x;
//   - RuleRecord: RECORD parses (CSV: path, "sha256=<urlsafe base64, no
//     padding>", size); every entry except RECORD itself and its signatures
//     (RECORD.jws, RECORD.p7s) is listed with a hash; every listed path is in
//     the wheel (pip tolerates missing ones; an installer that does cannot
//     tell a truncated wheel from a complete one);
//   - RuleHash: the content's sha256 and size equal RECORD's (only sha256 and
//     stronger algorithms are accepted: sha256, sha384, sha512);
//   - RuleFiles, RuleFileSize, RuleTotalSize, RuleRatio: decompression bombs.
//     At most Limits.MaxFiles entries, no entry larger than MaxFileSize, the
//     sum no larger than MaxTotalSize, no entry larger than
//     MinRatioCheckSize whose uncompressed size exceeds MaxCompressionRatio
//     times its compressed size, and, over the whole archive, a sum larger
//     than MinRatioCheckSize no more than MaxCompressionRatio times the
//     archive's size (small entries are exempt one by one, not together).
//     Sizes are counted while decompressing, never taken from the
//     (attacker-controlled) headers alone (archive/zip refuses to read past
//     a declared size);
//   - RuleOverlap: no two entries share bytes of the archive (local header
//     and data). Eight central-directory entries pointing at one compressed
//     entry pass every per-entry limit and still unpack eight times its size.
//     The whole-archive limits (declared total, archive ratio, overlap) are
//     checked before any entry is decompressed: a wheel that breaks one is
//     refused without being expanded;
//   - RuleLocalHeader: each entry's local header names the same path as the
//     central directory, as pip (Python's zipfile) requires: tools that read
//     the local headers would otherwise install other files than the ones
//     checked;
//   - RuleCorrupt: the archive reads as a zip, and each entry's local header
//     leads to its data, which ends inside the archive and decompresses
//     without error to the size and CRC-32 the central directory declares;
//   - RuleStartup: nothing runs at interpreter start-up unless the project is
//     allow-listed (Options.AllowStartup, "--allow-startup NAME"). Start-up
//     code is what site.py runs without being asked, wherever a wheel can put
//     it: a site directory is the root (purelib or platlib), .data/purelib,
//     .data/platlib, or .data/data below a "site-packages" element; the rest
//     of .data/data is judged as if it were one, since it is installed
//     relative to the environment. Refused there:
//     a ".pth" file with a line beginning with "import" (site.addpackage
//     executes it; the mechanism of the 2026 litellm compromise), lines split
//     as any Python version splits them; a .pth path line that leads out of
//     its site directory ("../../../bin"); the modules sitecustomize and
//     usercustomize in any form (.py, .pyc, __pycache__, extension module
//     .so/.pyd, package directory), at the top of a site directory or of a
//     directory a .pth file of the wheel adds to sys.path (and anywhere in
//     .data/data); setuptools' "__editable__*" finders and .pth files.
//     A .pth file is read whole: one larger than MaxPthSize is refused
//     (RuleFileSize) rather than read in part. A sitecustomize deeper in a
//     package (ddtrace/bootstrap/sitecustomize.py) is not start-up code;
//   - RuleOutside also refuses .data/data entries that would replace the
//     environment's pyvenv.cfg, bin/python* or bin/activate*;
//   - RuleMetadata: METADATA parses and its Name and Version equal the
//     expected ones (the lock's); when the index served a PEP 658 metadata file,
//     the Requires-Dist lists are equal too.
//
// # Installing
//
// Install moves an unpacked, checked wheel into a Target (a virtual
// environment's scheme directories): the root goes to purelib or platlib
// (WHEEL Root-Is-Purelib), "<name>.data/<key>/" to the directory of that key
// (headers into include/site/pythonX.Y/<name>), console_scripts and
// gui_scripts entry points become executable scripts whose shebang is the
// environment's interpreter, a first line starting with "#!python" in
// .data/scripts ("#!pythonw", "#!python3.11 -E") is rewritten the same way,
// keeping its arguments, RECORD is rewritten with the installed paths,
// hashes and sizes, INSTALLER contains "pyward", and direct_url.json
// (PEP 610) is written for direct URL installs, without the URL's user
// information. Nothing from the wheel is executed.
//
// Target.Compile runs the interpreter's compileall (isolated, without
// site-packages) on installed .py files. It accepts only paths inside the
// site directories and passes them NUL-separated, so no file name can name
// another file for the compiler.
//
// Before anything is written, Target.CheckPlan checks every installation
// against the environment (Install repeats the checks that need no look at
// it). A wheel may create only paths it owns:
//
//   - RuleReserved: not pyvenv.cfg, the interpreter links and activation
//     scripts, nor pyward's own state (any root path starting ".pyward").
//     Check already refuses a wheel entry whose first element starts with
//     ".pyward" in any case: the unpacked-wheel cache keeps its record and
//     seal beside the wheel's root entries;
//   - RuleReplace: no file over a directory or the reverse, and no path
//     through or over a symbolic link;
//   - RuleOwned: no file another distribution owns (unless the bytes are the
//     same) or that no distribution owns, and no *.dist-info, *.egg-info or
//     *.data directory other than its own.
//
// pyward keeps its own record of every file it installed (path, sha256,
// size) in <env>/.pyward/records/, where no wheel can write, with the sha256
// of its rows in its header. Files are staged in a directory inside the
// environment (same file system) and renamed into place. The record is
// written first under a partial name and renamed when every file is in
// place, so an interruption leaves a distribution that Target.Scan reports
// as Incomplete and that the next sync uninstalls (by that record) and
// installs again. Uninstall removes only the files of that record (the
// wheel's RECORD only for a distribution pyward did not install, and then
// never a reserved path, another distribution's metadata or a file recorded
// for another distribution); it renames the record to its partial name
// before removing anything. Target.Verify compares installed files with the
// record: sizes, or hashes too. A tree shared by environments is either
// sealed (Seal, or UnpackSealed as it unpacks: read-only files,
// fingerprinted) and hard-linked with each link's inode checked, or
// reflinked/copied with each file's hash checked (InstallOptions.Copy); a
// failed check is ErrTreeChanged.
//
// Deviations: .pyc files compiled by Compile are listed in RECORD without
// hash (allowed by the spec; pip hashes them). Entry-point scripts use a
// small launcher of our own.
package install
