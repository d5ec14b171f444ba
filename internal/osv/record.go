package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// MaxRecordSize bounds one advisory file. The largest PyPI advisory is far
// below 1 MiB; the limit only stops a hostile archive from exhausting memory.
const MaxRecordSize = 16 << 20

// RangeType is the OSV affected[].ranges[].type.
type RangeType string

// Range types defined by the OSV schema.
const (
	RangeEcosystem RangeType = "ECOSYSTEM"
	RangeSemver    RangeType = "SEMVER"
	RangeGit       RangeType = "GIT"
)

// EcosystemPyPI is the only ecosystem this package evaluates.
const EcosystemPyPI = "PyPI"

// Record is one OSV advisory as published (schema 1.x).
type Record struct {
	ID               string
	Modified         time.Time
	Published        time.Time // zero when absent
	Withdrawn        time.Time // zero unless the advisory was withdrawn
	Aliases          []string
	Related          []string
	Summary          string
	Details          string
	Severity         []Severity
	Affected         []Affected
	References       []Reference
	DatabaseSpecific map[string]any
}

// Severity is a severity[] element: Type is CVSS_V2, CVSS_V3, CVSS_V4 or
// Ubuntu; Score is the vector (or text) for that type.
type Severity struct {
	Type  string `json:"type" yaml:"type"`
	Score string `json:"score" yaml:"score"`
}

// Affected is one affected[] element.
type Affected struct {
	Package           Package        `json:"package" yaml:"package"`
	Severity          []Severity     `json:"severity" yaml:"severity"`
	Ranges            []Range        `json:"ranges" yaml:"ranges"`
	Versions          []string       `json:"versions" yaml:"versions"`
	DatabaseSpecific  map[string]any `json:"database_specific" yaml:"database_specific"`
	EcosystemSpecific map[string]any `json:"ecosystem_specific" yaml:"ecosystem_specific"`
}

// Package identifies the affected package.
type Package struct {
	Ecosystem string `json:"ecosystem" yaml:"ecosystem"`
	Name      string `json:"name" yaml:"name"`
	PURL      string `json:"purl" yaml:"purl"`
}

// Range is one affected[].ranges[] element.
type Range struct {
	Type             RangeType      `json:"type" yaml:"type"`
	Repo             string         `json:"repo" yaml:"repo"`
	Events           []Event        `json:"events" yaml:"events"`
	DatabaseSpecific map[string]any `json:"database_specific" yaml:"database_specific"`
}

// Event is one range event; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty" yaml:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty" yaml:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty" yaml:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty" yaml:"limit,omitempty"`
}

// Reference is one references[] element.
type Reference struct {
	Type string `json:"type" yaml:"type"`
	URL  string `json:"url" yaml:"url"`
}

// rawRecord is the wire shape: timestamps stay strings so that both the JSON
// and the YAML decoder accept them (YAML resolves unquoted ones as !!timestamp)
// and so a bad one is reported with the field name.
type rawRecord struct {
	SchemaVersion    string         `json:"schema_version" yaml:"schema_version"`
	ID               string         `json:"id" yaml:"id"`
	Modified         string         `json:"modified" yaml:"modified"`
	Published        string         `json:"published" yaml:"published"`
	Withdrawn        string         `json:"withdrawn" yaml:"withdrawn"`
	Aliases          []string       `json:"aliases" yaml:"aliases"`
	Related          []string       `json:"related" yaml:"related"`
	Summary          string         `json:"summary" yaml:"summary"`
	Details          string         `json:"details" yaml:"details"`
	Severity         []Severity     `json:"severity" yaml:"severity"`
	Affected         []Affected     `json:"affected" yaml:"affected"`
	References       []Reference    `json:"references" yaml:"references"`
	DatabaseSpecific map[string]any `json:"database_specific" yaml:"database_specific"`
}

// ParseError is a record that could not be decoded or violates the schema.
// Line and Column are 1-based and zero when unknown.
type ParseError struct {
	File   string
	Line   int
	Column int
	Err    error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	} else {
		b.WriteString("<input>")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// ParseFile decodes data as JSON or YAML according to the extension of name
// (.json, .yaml, .yml); name is used in errors.
func ParseFile(name string, data []byte) (*Record, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return parseJSON(name, data)
	case ".yaml", ".yml":
		return parseYAML(name, data)
	}
	return nil, &ParseError{File: name, Err: errors.New("unsupported file type: want .json, .yaml or .yml")}
}

// ParseYAML decodes one OSV record in YAML form (the pypa/advisory-database
// encoding).
func ParseYAML(data []byte) (*Record, error) { return parseYAML("", data) }

func parseJSON(name string, data []byte) (*Record, error) {
	if len(data) > MaxRecordSize {
		return nil, &ParseError{File: name, Err: fmt.Errorf("record is %d bytes, over the %d-byte limit", len(data), MaxRecordSize)}
	}
	var raw rawRecord
	// The common case, one valid object, decodes in place; a json.Decoder
	// copies the text into a buffer it grows by doubling, which was a
	// third of a cold --db zip's parse time. Anything else goes the
	// Decoder's way, whose errors name the line and column.
	if json.Unmarshal(data, &raw) == nil {
		return raw.record(name)
	}
	raw = rawRecord{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		pe := &ParseError{File: name, Err: fmt.Errorf("invalid OSV JSON: %w", err)}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			// Offset counts the offending byte; point at it.
			pe.Line, pe.Column = lineCol(data, max(se.Offset-1, 0))
		case errors.As(err, &te):
			pe.Line, pe.Column = lineCol(data, te.Offset)
		}
		return nil, pe
	}
	if dec.More() {
		off := dec.InputOffset()
		l, c := lineCol(data, off)
		return nil, &ParseError{File: name, Line: l, Column: c, Err: errors.New("unexpected data after the JSON object")}
	}
	return raw.record(name)
}

func parseYAML(name string, data []byte) (*Record, error) {
	if len(data) > MaxRecordSize {
		return nil, &ParseError{File: name, Err: fmt.Errorf("record is %d bytes, over the %d-byte limit", len(data), MaxRecordSize)}
	}
	if raw, err := fastYAML(data); err == nil {
		return raw.record(name)
	}
	var raw rawRecord
	if err := yaml.Unmarshal(data, &raw); err != nil {
		pe := &ParseError{File: name, Err: fmt.Errorf("invalid OSV YAML: %w", err)}
		pe.Line = yamlLine(err.Error())
		return nil, pe
	}
	return raw.record(name)
}

// yamlLine extracts the first "line N" that yaml/v3 puts in its messages.
func yamlLine(msg string) int {
	i := strings.Index(msg, "line ")
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range msg[i+5:] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		if n > 1<<30 {
			return 0
		}
	}
	return n
}

func lineCol(data []byte, off int64) (int, int) {
	if off < 0 || off > int64(len(data)) {
		return 0, 0
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// record validates the decoded wire form. It is strict only where the
// meaning would otherwise be ambiguous (no id, an event with zero or several
// kinds, an unparsable timestamp); unknown fields are ignored, as the OSV
// schema asks of consumers.
func (r *rawRecord) record(name string) (*Record, error) {
	fail := func(format string, args ...any) (*Record, error) {
		return nil, &ParseError{File: name, Err: fmt.Errorf(format, args...)}
	}
	id := strings.TrimSpace(r.ID)
	if id == "" {
		return fail("missing required field \"id\"")
	}
	rec := &Record{
		ID:               id,
		Aliases:          r.Aliases,
		Related:          r.Related,
		Summary:          r.Summary,
		Details:          r.Details,
		Severity:         r.Severity,
		Affected:         r.Affected,
		References:       r.References,
		DatabaseSpecific: r.DatabaseSpecific,
	}
	var err error
	if rec.Modified, err = parseTime(r.Modified); err != nil {
		return fail("%s: field \"modified\": %w", id, err)
	}
	if rec.Published, err = parseTime(r.Published); err != nil {
		return fail("%s: field \"published\": %w", id, err)
	}
	if rec.Withdrawn, err = parseTime(r.Withdrawn); err != nil {
		return fail("%s: field \"withdrawn\": %w", id, err)
	}
	for i, a := range rec.Affected {
		for j, rg := range a.Ranges {
			if rg.Type == "" {
				return fail("%s: affected[%d].ranges[%d]: missing \"type\"", id, i, j)
			}
			for k, ev := range rg.Events {
				if n := ev.kinds(); n != 1 {
					return fail("%s: affected[%d].ranges[%d].events[%d]: want exactly one of introduced, fixed, last_affected, limit; got %d", id, i, j, k, n)
				}
			}
		}
	}
	return rec, nil
}

func (e Event) kinds() int {
	n := 0
	for _, s := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
		if s != "" {
			n++
		}
	}
	return n
}

// timeLayouts are the RFC 3339 forms seen in OSV feeds; the last two lack a
// zone, which the schema forbids but older PYSEC entries used (read as UTC).
var timeLayouts = [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid RFC 3339 timestamp %q", s)
}
