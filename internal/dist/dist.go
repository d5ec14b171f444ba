// Package dist parses distribution filenames: wheels (PEP 427, PEP 491 and
// the binary distribution format specification) and source distributions
// (the sdist specification). Behaviour follows pypa/packaging's
// parse_wheel_filename and parse_sdist_filename, the reference for pip and
// PyPI; the tests check every wheel and sdist row of
// shared/conformance/names.json.
//
// # Wheel filenames
//
//	filename = name "-" version ["-" build] "-" tags ".whl"
//	tags     = interpreters "-" abis "-" platforms   (pep425 compressed tag set)
//	build    = digit-prefix [rest]                      e.g. "1", "1000abc", "1_a"
//
// The checks, in the order they are made (the first failure is reported):
//
//  1. the filename ends in ".whl" (case-sensitive);
//  2. the stem contains exactly 4 or 5 '-' (without or with a build tag),
//     split left to right, so the last three fields are the tag set;
//  3. the name is one or more Unicode word characters (letters, numbers,
//     '_') or '.', and contains no "__" (the escaping rule: every run of
//     other characters, '-' included, becomes a single '_');
//  4. the version is a valid PEP 440 version (any spelling the parser
//     accepts; it is reported in normal form);
//  5. a build tag starts with at least one decimal digit (any Unicode Nd
//     digit, as Python's \d); it is split into that number and the remaining
//     text, which is how wheels with equal versions are ordered; like
//     packaging's ".*", the text stops at the first line feed;
//  6. the tag set parses (see package pep425): three parts, no empty field,
//     interpreters are identifiers; with validateOrder every '.'-joined list
//     must also be sorted, as the specification requires of tools that write
//     wheels (checked after the empty-field and before the identifier rule).
//
// The name is reported in PEP 503 normal form.
//
// # Sdist filenames
//
//	filename = name "-" version (".tar.gz" | ".zip")
//
// The stem is split at its last '-'. The name may be anything non-empty (it
// is only normalized; older sdists used '-' and '.' freely, so
// "foo-1.0-1.tar.gz" is project "foo-1-0" version "1"); the version must
// parse.
//
// # Deviations from packaging
//
//   - Name lower-casing uses Go's simple case mapping (Python's str.lower
//     expands a few characters to two code points).
//   - A build number that does not fit in an int is rejected; Python has
//     arbitrary-precision integers. No real wheel has a build number with
//     more than a few digits.
//
// # Input limits
//
// A file name is a field of a larger document (a simple page, at most
// index.MaxPageSize; a lock, at most tomlbudget.MaxSize or
// reqfile.MaxFileSize) and is bounded by that document's limit. The grammar
// has no nesting, and parsing is linear in the name.
package dist

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pyward/pyward/internal/pep503"
)

// Kind is the kind of distribution a filename names.
type Kind int

// Distribution kinds.
const (
	Unknown Kind = iota
	Wheel
	Sdist
)

func (k Kind) String() string {
	switch k {
	case Wheel:
		return "wheel"
	case Sdist:
		return "sdist"
	}
	return "unknown"
}

// Filename suffixes.
const (
	wheelExt = ".whl"
	tarGzExt = ".tar.gz"
	zipExt   = ".zip"
)

// Wheel stem structure: name, version, [build,] interpreters, abis,
// platforms.
const (
	wheelDashesNoBuild = 4
	wheelDashesBuild   = 5
)

// Kind-level sentinels; every FilenameError wraps one of them.
var (
	ErrInvalidWheelFilename = errors.New("invalid wheel filename")
	ErrInvalidSdistFilename = errors.New("invalid sdist filename")
)

// Rule sentinels: which rule a filename broke. Every FilenameError wraps
// exactly one of them.
var (
	ErrExtension   = errors.New("wrong extension")
	ErrPartCount   = errors.New("wrong number of parts")
	ErrProjectName = errors.New("invalid project name")
	ErrVersion     = errors.New("invalid version")
	ErrBuildTag    = errors.New("invalid build tag")
	ErrTag         = errors.New("invalid tag component")
	ErrTagOrder    = errors.New("compressed tag set not in sorted order")
	ErrNoSeparator = errors.New("no '-' between name and version")
	ErrEmptyName   = errors.New("empty project name")
)

// FilenameError reports a filename that breaks one of the rules in the
// package comment.
type FilenameError struct {
	Filename string
	Kind     Kind   // Wheel or Sdist
	Rule     error  // one of the rule sentinels
	Detail   string // what was expected, or the offending part
	Err      error  // underlying cause (a pep440 or pep425 error), may be nil
}

func (e *FilenameError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid %s filename %q: %v", e.Kind, e.Filename, e.Rule)
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the kind sentinel, the rule sentinel and the cause.
func (e *FilenameError) Unwrap() []error {
	errs := []error{ErrInvalidSdistFilename, e.Rule}
	if e.Kind == Wheel {
		errs[0] = ErrInvalidWheelFilename
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// canonicalName is packaging's canonicalize_name: full Unicode lower-case,
// then PEP 503 separator folding.
func canonicalName(s string) string {
	return pep503.Normalize(strings.ToLower(s))
}
