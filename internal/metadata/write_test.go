// The writers below serve the round-trip tests of the parser only
// (Parse(Marshal(m)) keeps every field): pyward writes no METADATA file.

package metadata

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
)

// DefaultMetadataVersion is written by Marshal when m.MetadataVersion is
// empty: the newest version this package knows.
const DefaultMetadataVersion = "2.4"

// Marshal returns m as a METADATA file. Fields are written from the typed
// fields of m, in the order of the specification; Headers and Warnings are
// ignored, so unknown fields are not written. Description goes into the body
// for Metadata-Version 2.1 and later, into a Description field before. Multi-line values of Author, License and
// the other free-text fields are written as continuation lines indented by 8
// spaces, as setuptools does. Marshal refuses a value that would inject a
// field (a line break in a one-line field) and a Name or Version that Parse
// would reject, so Parse(Marshal(m)) always succeeds.
func Marshal(m *Metadata) ([]byte, error) {
	version := m.MetadataVersion
	if version == "" {
		version = DefaultMetadataVersion
	}
	major, _, ok := parseMetadataVersion(version)
	if !ok || major > maxMajorVersion {
		return nil, &Error{Field: "Metadata-Version", Msg: fmt.Sprintf("cannot write version %q", version)}
	}
	if !pep503.Valid(m.Name) {
		return nil, &Error{Field: "Name", Msg: fmt.Sprintf("%q is not a valid project name", m.Name)}
	}
	if _, err := pep440.Parse(m.Version); err != nil {
		return nil, &Error{Field: "Version", Msg: fmt.Sprintf("%q is not a PEP 440 version", m.Version), Err: err}
	}
	bodyDescription := atLeast(version, 2, 1)

	w := &writer{}
	w.one("Metadata-Version", version)
	w.one("Name", m.Name)
	w.one("Version", m.Version)
	for _, d := range m.Dynamic {
		kind, known := fields[strings.ToLower(d)]
		switch {
		case !known:
			return nil, &Error{Field: "Dynamic", Msg: fmt.Sprintf("%q is not a core metadata field", d)}
		case identityFields[strings.ToLower(d)]:
			return nil, &Error{Field: "Dynamic", Msg: fmt.Sprintf("%s may not be dynamic", d)}
		}
		w.one("Dynamic", kind.canonical)
	}
	w.many("Platform", m.Platforms)
	w.many("Supported-Platform", m.SupportedPlatforms)
	w.one("Summary", m.Summary)
	if !bodyDescription {
		w.text("Description", m.Description)
	}
	w.one("Description-Content-Type", m.DescriptionContentType)
	w.text("Keywords", m.Keywords)
	w.one("Home-page", m.HomePage)
	w.one("Download-URL", m.DownloadURL)
	w.text("Author", m.Author)
	w.text("Author-email", m.AuthorEmail)
	w.text("Maintainer", m.Maintainer)
	w.text("Maintainer-email", m.MaintainerEmail)
	w.text("License", m.License)
	w.one("License-Expression", m.LicenseExpression)
	w.many("License-File", m.LicenseFiles)
	w.many("Classifier", m.Classifiers)
	for _, r := range m.RequiresDist {
		if r == nil {
			return nil, &Error{Field: "Requires-Dist", Msg: "nil requirement"}
		}
		w.one("Requires-Dist", r.String())
	}
	w.one("Requires-Python", m.RequiresPython.String())
	w.many("Requires-External", m.RequiresExternal)
	for _, u := range m.ProjectURLs {
		if strings.Contains(u.Label, ",") {
			w.fail("Project-URL", fmt.Sprintf("label %q contains a comma", u.Label))
		}
		if u.Label == "" {
			w.one("Project-URL", u.URL)
		} else {
			w.one("Project-URL", u.Label+", "+u.URL)
		}
	}
	w.many("Provides-Extra", m.ProvidesExtra)
	w.many("Provides-Dist", m.ProvidesDist)
	w.many("Obsoletes-Dist", m.ObsoletesDist)
	if w.err != nil {
		return nil, w.err
	}
	if bodyDescription && m.Description != "" {
		w.buf.WriteByte('\n')
		w.buf.WriteString(m.Description)
		if !strings.HasSuffix(m.Description, "\n") {
			w.buf.WriteByte('\n')
		}
	}
	return w.buf.Bytes(), nil
}

// writer accumulates fields and the first error.
type writer struct {
	buf bytes.Buffer
	err error
}

func (w *writer) fail(field, msg string) {
	if w.err == nil {
		w.err = &Error{Field: field, Msg: msg}
	}
}

// one writes a one-line field; empty values are omitted.
func (w *writer) one(field, value string) {
	if value == "" {
		return
	}
	if strings.ContainsAny(value, "\r\n") {
		w.fail(field, fmt.Sprintf("value %q contains a line break", clip(value)))
		return
	}
	if strings.TrimSpace(value) != value {
		w.fail(field, fmt.Sprintf("value %q has leading or trailing white space", clip(value)))
		return
	}
	fmt.Fprintf(&w.buf, "%s: %s\n", field, value)
}

func (w *writer) many(field string, values []string) {
	for _, v := range values {
		w.one(field, v)
	}
}

// text writes a free-text field whose later lines become continuation lines
// indented by 8 spaces.
func (w *writer) text(field, value string) {
	if value == "" {
		return
	}
	lines := strings.Split(strings.ReplaceAll(value, "\r\n", "\n"), "\n")
	if strings.TrimSpace(lines[0]) != lines[0] {
		// Keep the first line's white space: write every line as a
		// continuation line.
		fmt.Fprintf(&w.buf, "%s:\n", field)
	} else {
		fmt.Fprintf(&w.buf, "%s: %s\n", field, lines[0])
		lines = lines[1:]
	}
	for _, l := range lines {
		if strings.ContainsRune(l, '\r') {
			w.fail(field, "value contains a carriage return")
			return
		}
		w.buf.WriteString("        ")
		w.buf.WriteString(l)
		w.buf.WriteByte('\n')
	}
}
