// Package inventory reads what a project depends on from the many places
// Python tools record it, into one list of packages that the auditor checks.
//
// Supported sources, detected by file name (Detect) or named explicitly:
//
//   - PEP 751 pylock.toml (and pylock.*.toml)
//   - uv.lock, poetry.lock, pdm.lock (TOML) and Pipfile.lock (JSON)
//
// Every package keeps the file and 1-based line it was read from so findings
// can point at it. Parsers are tolerant of fields they do not know, strict
// about the ones they use: a package without a name is an error naming the
// file and line.
//
// # Input limits
//
// A lock file of any format, Pipfile.lock included, is at most
// tomlbudget.MaxSize (8 MiB) and is not read past that. The TOML locks go
// through tomlbudget.Decode, which refuses, naming the file, the line and
// the limit, keys nested deeper than tomlbudget.MaxDepth (16) parts, arrays
// nested deeper than MaxArrayDepth (16), key parts longer than MaxKeyLen
// (1 KiB) and more than MaxKeys (150,000) keys, arrays and inline tables,
// before the decoder sees the document. A realistic 1 MB poetry.lock holds
// about 25,000. Pipfile.lock is decoded by encoding/json, which is linear in
// the input and nests at most 10,000 levels. Requirements files have the
// limits of internal/reqfile, pyproject.toml those of internal/pyproject.
package inventory

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/tomlbudget"
)

// Format identifies a dependency source format.
type Format string

// Known formats.
const (
	FormatPylock       Format = "pylock"
	FormatUVLock       Format = "uv.lock"
	FormatPoetryLock   Format = "poetry.lock"
	FormatPDMLock      Format = "pdm.lock"
	FormatPipfileLock  Format = "Pipfile.lock"
	FormatRequirements Format = "requirements"
	FormatPyproject    Format = "pyproject"
	FormatVenv         Format = "venv"
)

// Package is one dependency as recorded by a source.
type Package struct {
	Name     string // as written
	Version  string // exact version when pinned, "" otherwise
	Spec     string // the requirement as written when not an exact pin (e.g. ">=2")
	Pinned   bool   // the source pins one exact version
	Hashes   []string
	Index    string // index URL the package is recorded to come from
	Indexes  []string
	URL      string // direct URL (archive, VCS) when not from an index
	VCS      string // "git", "hg", ... when URL is a VCS reference
	Commit   string // VCS commit id when recorded
	Editable bool
	Direct   bool // a direct dependency of the project, when the source says
	Dev      bool // only in a development group
	Marker   string
	File     string
	Line     int
}

// NormalizedName is the PEP 503 form of Name.
func (p *Package) NormalizedName() string { return pep503.Normalize(p.Name) }

// Location is "file:line" (or just file when the line is unknown).
func (p *Package) Location() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}

// Inventory is the packages read from one source.
type Inventory struct {
	Source   string
	Format   Format
	Packages []Package
	// IndexURLs lists every package index the source names (for the
	// index-configuration checks), with their origins.
	IndexURLs []IndexRef
	// TrustedHosts lists hosts exempted from TLS verification (URL holds
	// the host).
	TrustedHosts []IndexRef
}

// IndexRef is an index URL mentioned by a source.
type IndexRef struct {
	URL   string
	Extra bool // given as an extra index (pip --extra-index-url semantics)
	File  string
	Line  int
}

// ErrUnknownFormat is returned by Detect for files it does not recognise.
var ErrUnknownFormat = errors.New("unknown dependency file format")

// Detect returns the format of the file at path from its name.
func Detect(path string) (Format, error) {
	base := strings.ToLower(filepath.Base(path))
	switch {
	case base == "pylock.toml" || (strings.HasPrefix(base, "pylock.") && strings.HasSuffix(base, ".toml")):
		return FormatPylock, nil
	case base == "uv.lock":
		return FormatUVLock, nil
	case base == "poetry.lock":
		return FormatPoetryLock, nil
	case base == "pdm.lock":
		return FormatPDMLock, nil
	case base == "pipfile.lock":
		return FormatPipfileLock, nil
	case base == "pyproject.toml":
		return FormatPyproject, nil
	case strings.HasSuffix(base, ".txt") || strings.HasSuffix(base, ".in"):
		return FormatRequirements, nil
	}
	return "", fmt.Errorf("%s: %w (expected requirements*.txt, *.in, pylock.toml, uv.lock, poetry.lock, pdm.lock, Pipfile.lock or pyproject.toml)", path, ErrUnknownFormat)
}

// ReadLockFile reads a lock of one of the TOML/JSON lock formats.
func ReadLockFile(path string, format Format) (*Inventory, error) {
	data, err := tomlbudget.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseLock(path, format, data)
}

// ParseLock parses lock data of the given format; path names it in errors.
func ParseLock(path string, format Format, data []byte) (*Inventory, error) {
	var inv *Inventory
	var err error
	switch format {
	case FormatPylock:
		inv, err = parsePylock(path, data)
	case FormatUVLock:
		inv, err = parseUVLock(path, data)
	case FormatPoetryLock:
		inv, err = parsePoetryLock(path, data)
	case FormatPDMLock:
		inv, err = parsePDMLock(path, data)
	case FormatPipfileLock:
		inv, err = parsePipfileLock(path, data)
	default:
		return nil, fmt.Errorf("%s: %s is not a lock format", path, format)
	}
	if err != nil {
		return nil, err
	}
	inv.Source, inv.Format = path, format
	return inv, nil
}
