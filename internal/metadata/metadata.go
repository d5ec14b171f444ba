// Package metadata reads and writes Python core metadata: the METADATA file
// of a wheel's .dist-info directory and the PKG-INFO file of an sdist or
// .egg-info directory ("Core metadata specifications", packaging.python.org,
// Metadata-Version 1.0 to 2.4).
//
// # Format
//
// A file is a header section followed by an optional body:
//
//	file         = *field [ LF body ]
//	field        = name ":" [ WSP ] value LF *( continuation )
//	continuation = ( SP / HTAB ) text LF
//	name         = 1*( ALPHA / DIGIT / "-" / "_" )
//
// The header section ends at the first empty line. CRLF and CR line ends are
// read as LF and a leading UTF-8 byte-order mark is dropped. Field names are
// matched case-insensitively ("Home-Page" is "Home-page"). A field's value is
// its first line with surrounding white space removed, followed by each
// continuation line; the continuation lines are dedented by their common
// leading white space (setuptools indents them by 8 spaces) and trailing
// white space is removed. For one-line fields (Name, Version,
// Requires-Dist, ...) the lines are joined with a single space instead.
//
// Single-use fields: Metadata-Version, Name, Version, Summary, Description,
// Description-Content-Type, Keywords, Home-page, Download-URL, Author,
// Author-email, Maintainer, Maintainer-email, License, License-Expression,
// Requires-Python. Every other field may repeat and keeps every value in
// order. Headers holds every raw field, in order, including unknown ones.
//
// The body is the Description (Metadata-Version 2.1 and later; older files
// use the Description field, and a body in an older file is used too because
// setuptools wrote it that way before declaring 2.1).
//
// # Strictness
//
// Parse returns an *Error (with the 1-based line number of the field) when:
//   - Metadata-Version is missing, malformed, or has a major version above 2
//     (the spec requires tools to refuse an unknown major version);
//   - Name is missing or not a valid PEP 508 project name;
//   - Version is missing or is not a PEP 440 version;
//   - Dynamic names Name, Version or Metadata-Version (2.2 rule), or names a
//     field that does not exist;
//   - Metadata-Version, Name or Version appears twice: a file with two
//     identities is not something a supply-chain tool should guess about;
//   - the input has more than MaxFields fields or is larger than MaxSize.
//
// A Requires-Dist value that is not a PEP 508 requirement does not make
// Parse fail: it is recorded in Invalid (with its line number) and left out
// of RequiresDist, and Validate reports it. Real files contain such values
// (Send2Trash 1.8.1b0: `sys-platform (=="darwin") ; extra == 'objc'`, a
// setuptools bug); pip reports "Error parsing dependencies" for them rather
// than refusing to read the distribution. Tools that resolve dependencies
// call Validate and refuse; tools that inventory installed files do not.
//
// # Deliberate deviations (tolerance for real files)
//
//   - A line in the header section that is neither a field nor a
//     continuation is read as a continuation of the previous field. Python's
//     email parser ends the header section there and silently loses every
//     later field; real files (passlib 1.7.4's multi-line Keywords) rely on
//     the lenient reading.
//   - An invalid Requires-Python is recorded in Warnings and ignored (the
//     set matches every Python), as pip does ("Package %r has an invalid
//     Requires-Python"). Empty items in the list (">=3.7,") are dropped, as
//     packaging does.
//   - A repeated single-use field other than the identity fields keeps its
//     first value and adds a warning.
//   - Legacy PEP 314 fields (Requires, Provides, Obsoletes) are kept only in
//     Headers: they name modules, not distributions, and no installer uses
//     them.
//   - A Metadata-Version with a known major version but an unknown minor
//     version (2.5) is accepted, as the spec asks.
package metadata

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
)

// Limits that keep a hostile file from exhausting memory. Real files are far
// below them (the largest real METADATA files are a few hundred KiB of
// description).
const (
	// MaxSize is the largest metadata file Parse accepts.
	MaxSize = 16 << 20
	// MaxFields is the largest number of header fields Parse accepts.
	MaxFields = 100_000
	// maxMajorVersion is the highest Metadata-Version major number known.
	maxMajorVersion = 2
)

// Header is one raw field as it appears in the file.
type Header struct {
	Name  string // as written
	Value string // unfolded value (see the package comment)
	Line  int    // 1-based line of the field name
}

// ProjectURL is one Project-URL entry: "label, url".
type ProjectURL struct {
	Label string
	URL   string
}

// Metadata is a parsed core metadata file.
type Metadata struct {
	MetadataVersion string
	Name            string
	Version         string

	Summary                string
	Description            string
	DescriptionContentType string
	Keywords               string
	HomePage               string
	DownloadURL            string
	Author                 string
	AuthorEmail            string
	Maintainer             string
	MaintainerEmail        string
	License                string
	LicenseExpression      string
	LicenseFiles           []string
	Classifiers            []string
	Platforms              []string
	SupportedPlatforms     []string
	ProjectURLs            []ProjectURL

	RequiresDist     []*pep508.Requirement
	RequiresPython   pep440.SpecifierSet
	RequiresExternal []string
	ProvidesExtra    []string
	ProvidesDist     []string
	ObsoletesDist    []string
	Dynamic          []string

	// Headers is every raw field in file order, including unknown ones.
	Headers []Header
	// Warnings lists problems that were tolerated (see the package comment).
	Warnings []*Error
	// Invalid lists Requires-Dist values that are not PEP 508 requirements,
	// with their line numbers. They are not in RequiresDist. Validate
	// reports them; see the package comment.
	Invalid []*Error
}

// Validate returns an error listing every invalid Requires-Dist value, or
// nil. A resolver must call it before trusting Dependencies: a dependency
// that cannot be read is not a dependency that can be ignored.
func (m *Metadata) Validate() error {
	if len(m.Invalid) == 0 {
		return nil
	}
	errs := make([]error, len(m.Invalid))
	for i, e := range m.Invalid {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// Error is a problem with one field of a metadata file.
type Error struct {
	Line  int    // 1-based line; 0 when the problem is not tied to a line
	Field string // canonical field name, "" for structural problems
	Msg   string
	Err   error // underlying parse error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// fieldKind describes how a known field is stored.
type fieldKind struct {
	canonical string
	multi     bool // may repeat
	oneLine   bool // continuation lines are joined with a space
	since     string
}

// fields maps lower-cased field names to their description. Names are the
// spellings used by the core metadata specification.
var fields = func() map[string]fieldKind {
	list := []fieldKind{
		{"Metadata-Version", false, true, "1.0"},
		{"Name", false, true, "1.0"},
		{"Version", false, true, "1.0"},
		{"Dynamic", true, true, "2.2"},
		{"Platform", true, true, "1.0"},
		{"Supported-Platform", true, true, "1.1"},
		{"Summary", false, true, "1.0"},
		{"Description", false, false, "1.0"},
		{"Description-Content-Type", false, true, "2.1"},
		{"Keywords", false, false, "1.0"},
		{"Home-page", false, true, "1.0"},
		{"Download-URL", false, true, "1.1"},
		{"Author", false, false, "1.0"},
		{"Author-email", false, false, "1.0"},
		{"Maintainer", false, false, "1.2"},
		{"Maintainer-email", false, false, "1.2"},
		{"License", false, false, "1.0"},
		{"License-Expression", false, true, "2.4"},
		{"License-File", true, true, "2.4"},
		{"Classifier", true, true, "1.1"},
		{"Requires-Dist", true, true, "1.2"},
		{"Requires-Python", false, true, "1.2"},
		{"Requires-External", true, true, "1.2"},
		{"Project-URL", true, true, "1.2"},
		{"Provides-Extra", true, true, "2.1"},
		{"Provides-Dist", true, true, "1.2"},
		{"Obsoletes-Dist", true, true, "1.2"},
		// PEP 314 legacy fields, kept raw.
		{"Requires", true, true, "1.1"},
		{"Provides", true, true, "1.1"},
		{"Obsoletes", true, true, "1.1"},
	}
	m := make(map[string]fieldKind, len(list))
	for _, f := range list {
		m[strings.ToLower(f.canonical)] = f
	}
	return m
}()

// identityFields may not repeat and may not be Dynamic.
var identityFields = map[string]bool{"metadata-version": true, "name": true, "version": true}

// Parse parses a METADATA or PKG-INFO file.
func Parse(data []byte) (*Metadata, error) {
	if len(data) > MaxSize {
		return nil, &Error{Msg: fmt.Sprintf("file is %d bytes, more than the %d-byte limit", len(data), MaxSize)}
	}
	headers, body, err := split(data)
	if err != nil {
		return nil, err
	}
	m := &Metadata{Headers: headers}
	seen := make(map[string]int) // lower-case name -> line of first use
	for _, h := range headers {
		key := strings.ToLower(h.Name)
		kind, known := fields[key]
		if !known {
			continue
		}
		value := h.Value
		if kind.oneLine {
			value = strings.Join(strings.Fields(value), " ")
		}
		if !kind.multi {
			if first, dup := seen[key]; dup {
				e := &Error{Line: h.Line, Field: kind.canonical, Msg: fmt.Sprintf("repeated single-use field (first on line %d)", first)}
				if identityFields[key] {
					return nil, e
				}
				m.Warnings = append(m.Warnings, e)
				continue
			}
			seen[key] = h.Line
		}
		if err := m.set(kind.canonical, value, h.Line); err != nil {
			return nil, err
		}
	}
	if err := m.check(seen); err != nil {
		return nil, err
	}
	if body != "" && (m.Description == "" || atLeast(m.MetadataVersion, 2, 1)) {
		m.Description = body
	}
	return m, nil
}

// set stores one field value.
func (m *Metadata) set(field, value string, line int) error {
	switch field {
	case "Metadata-Version":
		m.MetadataVersion = value
	case "Name":
		m.Name = value
	case "Version":
		m.Version = value
	case "Summary":
		m.Summary = value
	case "Description":
		m.Description = value
	case "Description-Content-Type":
		m.DescriptionContentType = value
	case "Keywords":
		m.Keywords = value
	case "Home-page":
		m.HomePage = value
	case "Download-URL":
		m.DownloadURL = value
	case "Author":
		m.Author = value
	case "Author-email":
		m.AuthorEmail = value
	case "Maintainer":
		m.Maintainer = value
	case "Maintainer-email":
		m.MaintainerEmail = value
	case "License":
		m.License = value
	case "License-Expression":
		m.LicenseExpression = value
	case "License-File":
		m.LicenseFiles = append(m.LicenseFiles, value)
	case "Classifier":
		m.Classifiers = append(m.Classifiers, value)
	case "Platform":
		m.Platforms = append(m.Platforms, value)
	case "Supported-Platform":
		m.SupportedPlatforms = append(m.SupportedPlatforms, value)
	case "Project-URL":
		label, url, ok := strings.Cut(value, ",")
		if !ok {
			// Not "label, url": keep the whole value as the URL rather than
			// dropping it; labels are informational only.
			label, url = "", value
		}
		m.ProjectURLs = append(m.ProjectURLs, ProjectURL{Label: strings.TrimSpace(label), URL: strings.TrimSpace(url)})
	case "Requires-Dist":
		req, err := pep508.ParseRequirement(value)
		if err != nil {
			m.Invalid = append(m.Invalid, &Error{Line: line, Field: field, Msg: fmt.Sprintf("invalid requirement %q", value), Err: err})
			return nil
		}
		m.RequiresDist = append(m.RequiresDist, req)
	case "Requires-Python":
		spec, err := parseRequiresPython(value)
		if err != nil {
			m.Warnings = append(m.Warnings, &Error{Line: line, Field: field, Msg: fmt.Sprintf("ignoring invalid specifier %q", value), Err: err})
			return nil
		}
		m.RequiresPython = spec
	case "Requires-External":
		m.RequiresExternal = append(m.RequiresExternal, value)
	case "Provides-Extra":
		m.ProvidesExtra = append(m.ProvidesExtra, value)
	case "Provides-Dist":
		m.ProvidesDist = append(m.ProvidesDist, value)
	case "Obsoletes-Dist":
		m.ObsoletesDist = append(m.ObsoletesDist, value)
	case "Dynamic":
		kind, ok := fields[strings.ToLower(value)]
		if !ok {
			return &Error{Line: line, Field: field, Msg: fmt.Sprintf("%q is not a core metadata field", value)}
		}
		if identityFields[strings.ToLower(value)] {
			return &Error{Line: line, Field: field, Msg: fmt.Sprintf("%s may not be dynamic", kind.canonical)}
		}
		m.Dynamic = append(m.Dynamic, kind.canonical)
	}
	return nil
}

// parseRequiresPython parses a Requires-Python value, dropping empty items
// of the comma-separated list as packaging does.
func parseRequiresPython(value string) (pep440.SpecifierSet, error) {
	parts := strings.Split(value, ",")
	kept := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return pep440.ParseSpecifierSet(strings.Join(kept, ","))
}

// check validates the required fields once every field is read.
func (m *Metadata) check(seen map[string]int) error {
	if m.MetadataVersion == "" {
		return &Error{Field: "Metadata-Version", Msg: "missing required field"}
	}
	major, _, ok := parseMetadataVersion(m.MetadataVersion)
	if !ok {
		return &Error{Line: seen["metadata-version"], Field: "Metadata-Version", Msg: fmt.Sprintf("%q is not of the form MAJOR.MINOR", m.MetadataVersion)}
	}
	if major > maxMajorVersion {
		return &Error{Line: seen["metadata-version"], Field: "Metadata-Version", Msg: fmt.Sprintf("unsupported major version %q (this tool reads 1.x and 2.x)", m.MetadataVersion)}
	}
	if m.Name == "" {
		return &Error{Line: seen["name"], Field: "Name", Msg: "missing required field"}
	}
	if !pep503.Valid(m.Name) {
		return &Error{Line: seen["name"], Field: "Name", Msg: fmt.Sprintf("%q is not a valid project name", m.Name)}
	}
	if m.Version == "" {
		return &Error{Line: seen["version"], Field: "Version", Msg: "missing required field"}
	}
	if _, err := pep440.Parse(m.Version); err != nil {
		return &Error{Line: seen["version"], Field: "Version", Msg: fmt.Sprintf("%q is not a PEP 440 version", m.Version), Err: err}
	}
	return nil
}

// parseMetadataVersion splits "2.1" into 2 and 1.
func parseMetadataVersion(s string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(s, ".")
	if !found {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return 0, 0, false
	}
	return major, minor, true
}

// atLeast reports whether metadata version v is at least major.minor.
func atLeast(v string, major, minor int) bool {
	ma, mi, ok := parseMetadataVersion(v)
	if !ok {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

// IsDynamic reports whether field (any case) is listed in Dynamic.
func (m *Metadata) IsDynamic(field string) bool {
	for _, d := range m.Dynamic {
		if strings.EqualFold(d, field) {
			return true
		}
	}
	return false
}

// StaticForSdist reports whether the dependency information of an sdist's
// PKG-INFO can be trusted without building it: Metadata-Version 2.2 or later
// (PEP 643) and neither Requires-Dist nor Requires-Python marked Dynamic.
func (m *Metadata) StaticForSdist() bool {
	return atLeast(m.MetadataVersion, 2, 2) && !m.IsDynamic("Requires-Dist") && !m.IsDynamic("Requires-Python")
}

// Dependencies returns the Requires-Dist entries that apply in env when the
// given extras are requested: entries without a marker, and entries whose
// marker holds for env with "extra" set to "" or to one of extras. Extras
// are compared after PEP 685 normalization by the marker evaluator. The
// returned requirements are shared with m; callers must not modify them.
func (m *Metadata) Dependencies(extras []string, env pep508.Environment) []*pep508.Requirement {
	var out []*pep508.Requirement
	for _, r := range m.RequiresDist {
		if r.Marker == nil || r.Marker.EvaluateExtras(env, extras) {
			out = append(out, r)
		}
	}
	return out
}

// split separates the header section into fields and returns the body.
func split(data []byte) ([]Header, string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")

	var (
		headers []Header
		cont    []string // continuation lines of the current field
		lineNo  int
	)
	flush := func() {
		if len(headers) == 0 {
			return
		}
		h := &headers[len(headers)-1]
		h.Value = unfold(h.Value, cont)
		cont = cont[:0]
	}
	rest := text
	for rest != "" {
		line, after, _ := strings.Cut(rest, "\n")
		lineNo++
		if line == "" {
			// Empty line: end of the header section.
			flush()
			return headers, strings.TrimRight(after, "\n"), nil
		}
		rest = after
		if line[0] == ' ' || line[0] == '\t' {
			if len(headers) == 0 {
				return nil, "", &Error{Line: lineNo, Msg: "continuation line before the first field"}
			}
			cont = append(cont, line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !validFieldName(name) || strings.HasPrefix(value, "//") {
			if len(headers) == 0 {
				return nil, "", &Error{Line: lineNo, Msg: fmt.Sprintf("expected \"Name: value\", found %q", clip(line))}
			}
			// Deviation: see the package comment.
			cont = append(cont, line)
			continue
		}
		flush()
		if len(headers) >= MaxFields {
			return nil, "", &Error{Line: lineNo, Msg: fmt.Sprintf("more than %d fields", MaxFields)}
		}
		headers = append(headers, Header{Name: name, Value: strings.TrimSpace(value), Line: lineNo})
	}
	flush()
	return headers, "", nil
}

// validFieldName reports whether s is a plausible field name. It is stricter
// than RFC 822 (which allows any printable character); together with the
// "//" test in split it keeps a stray "https://x" line from being read as a
// field called "https".
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// unfold joins a field's first line with its continuation lines.
func unfold(first string, cont []string) string {
	if len(cont) == 0 {
		return first
	}
	lines := dedent(cont)
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	all := append([]string{first}, lines...)
	return strings.Trim(strings.Join(all, "\n"), "\n")
}

// dedent removes the longest common leading white space of the non-blank
// lines.
func dedent(lines []string) []string {
	prefix := ""
	first := true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ws := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = ws, false
			continue
		}
		for !strings.HasPrefix(ws, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			out[i] = ""
			continue
		}
		out[i] = strings.TrimPrefix(l, prefix)
	}
	return out
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
