// Package report renders an audit.Report for people and machines:
//
//   - Table: findings grouped by severity, worst first, with file:line and
//     the suggested fix; ANSI colours when asked (a terminal).
//   - JSON: the stable, documented schema below (SchemaVersion 1).
//   - Markdown: a summary fit for a pull-request comment.
//   - SARIF: SARIF 2.1.0 for GitHub code scanning (sarif.go).
//   - CycloneDX: a CycloneDX 1.6 SBOM with the vulnerabilities (cyclonedx.go).
//   - HTML: one self-contained page with the summary, the findings and the
//     dependency graph of the audited locks (html.go, graph.go).
//
// JSON schema (version 1); fields are never renamed within a version, new
// optional fields may be added:
//
//	{
//	  "schema_version": 1,
//	  "tool": {"name": "pyward", "version": string},
//	  "sources": [string],             // files audited
//	  "packages_checked": int,         // distinct name==version pairs
//	  "fail_on": string,               // severity threshold of the run
//	  "failed": bool,                  // a finding reached fail_on
//	  "summary": {"critical": int, "high": int, "medium": int, "low": int, "info": int},
//	  "findings": [Finding],           // worst first
//	  "suppressed": [{"finding": Finding, "kind": "ignored"|"baseline", "reason": string, "expires": "YYYY-MM-DD"?}],
//	  "expired_ignores": [{"id": string, "reason": string, "expires": "YYYY-MM-DD"}],
//	  "warnings": [string]
//	}
//	Finding = {"kind": string, "rule": string, "severity": string,
//	           "package"?, "version"?, "id"?, "aliases"?: [string], "title": string,
//	           "detail"?, "fixed_versions"?: [string], "fix"?, "file"?, "line"?: int, "url"?}
//
// A finding is set aside either by an ignore (kind "ignored") or because a
// --baseline report already had it (kind "baseline"); SARIF marks its
// suppression with the same "kind" property and the same reason, and the
// table, Markdown and HTML count the two apart in the same words.
package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/audit"
)

// SchemaVersion is the version of the JSON document.
const SchemaVersion = 1

// BaselineReason starts the reason of a finding set aside because a
// --baseline report already had it (see internal/baseline).
const BaselineReason = "known: in the baseline"

// Kinds of set-aside findings, as the JSON "kind" of a suppressed finding
// and the "kind" property of a SARIF suppression name them.
const (
	SetAsideIgnored  = "ignored"  // by --ignore or [tool.pyward] ignore
	SetAsideBaseline = "baseline" // known from a --baseline report
)

// SetAsideKind tells why s was set aside.
func SetAsideKind(s audit.Suppressed) string {
	if strings.HasPrefix(s.Reason, BaselineReason) {
		return SetAsideBaseline
	}
	return SetAsideIgnored
}

// setAsideCounts says how many findings were set aside, by kind, in the
// words every format uses: "2 ignored", "3 known from the baseline".
func setAsideCounts(rep *audit.Report) []string {
	known := 0
	for _, s := range rep.Suppressed {
		if SetAsideKind(s) == SetAsideBaseline {
			known++
		}
	}
	var out []string
	if n := len(rep.Suppressed) - known; n > 0 {
		out = append(out, fmt.Sprintf("%d ignored", n))
	}
	if known > 0 {
		out = append(out, fmt.Sprintf("%d known from the baseline", known))
	}
	return out
}

// Meta describes the run for the renderers.
type Meta struct {
	ToolVersion string
	FailOn      audit.Severity
	// BaseDir is the absolute working directory: SARIF file locations are
	// made relative to it. Empty keeps relative paths as given.
	BaseDir string
	// Now stamps SBOMs; zero means time.Now().
	Now time.Time
}

type jsonFinding struct {
	audit.Finding
	Severity string `json:"severity"`
}

type jsonSuppressed struct {
	Finding jsonFinding `json:"finding"`
	Kind    string      `json:"kind"` // SetAsideIgnored or SetAsideBaseline
	Reason  string      `json:"reason"`
	Expires string      `json:"expires,omitempty"`
}

type jsonIgnore struct {
	ID      string `json:"id"`
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
}

type jsonReport struct {
	SchemaVersion   int               `json:"schema_version"`
	Tool            map[string]string `json:"tool"`
	Sources         []string          `json:"sources"`
	PackagesChecked int               `json:"packages_checked"`
	FailOn          string            `json:"fail_on"`
	Failed          bool              `json:"failed"`
	Summary         map[string]int    `json:"summary"`
	Findings        []jsonFinding     `json:"findings"`
	Suppressed      []jsonSuppressed  `json:"suppressed"`
	ExpiredIgnores  []jsonIgnore      `json:"expired_ignores"`
	Warnings        []string          `json:"warnings"`
}

// Summary counts findings per severity name.
func Summary(rep *audit.Report) map[string]int {
	m := map[string]int{}
	for s := audit.SeverityInfo; s <= audit.SeverityCritical; s++ {
		m[s.String()] = 0
	}
	for _, f := range rep.Findings {
		m[f.Severity.String()]++
	}
	return m
}

func failOnName(s audit.Severity) string {
	if s > audit.SeverityCritical {
		return "none"
	}
	return s.String()
}

// JSON writes the report in the documented schema.
func JSON(w io.Writer, rep *audit.Report, meta Meta) error {
	return encodeStreamed(w, jsonDocument(rep, meta))
}

// jsonDocument is the report in the documented schema, ready to encode.
func jsonDocument(rep *audit.Report, meta Meta) jsonReport {
	doc := jsonReport{
		SchemaVersion:   SchemaVersion,
		Tool:            map[string]string{"name": "pyward", "version": meta.ToolVersion},
		Sources:         nonNil(rep.Sources),
		PackagesChecked: rep.Packages,
		FailOn:          failOnName(meta.FailOn),
		Failed:          rep.CountAtLeast(meta.FailOn) > 0,
		Summary:         Summary(rep),
		Findings:        make([]jsonFinding, 0, len(rep.Findings)),
		Suppressed:      make([]jsonSuppressed, 0, len(rep.Suppressed)),
		ExpiredIgnores:  make([]jsonIgnore, 0, len(rep.ExpiredIgnores)),
		Warnings:        nonNil(rep.Warnings),
	}
	for _, f := range rep.Findings {
		doc.Findings = append(doc.Findings, jsonFinding{Finding: f, Severity: f.Severity.String()})
	}
	for _, s := range rep.Suppressed {
		js := jsonSuppressed{Finding: jsonFinding{Finding: s.Finding, Severity: s.Finding.Severity.String()}, Kind: SetAsideKind(s), Reason: s.Reason}
		if !s.Expires.IsZero() {
			js.Expires = s.Expires.Format("2006-01-02")
		}
		doc.Suppressed = append(doc.Suppressed, js)
	}
	for _, ig := range rep.ExpiredIgnores {
		doc.ExpiredIgnores = append(doc.ExpiredIgnores, jsonIgnore{ID: ig.ID, Reason: ig.Reason, Expires: ig.Expires.Format("2006-01-02")})
	}
	return doc
}

// encodeStreamed writes v, a struct whose fields all have a plain JSON name
// (no omitempty, no "-"), exactly as a json.Encoder without HTML escaping
// would: compact, on one line. It encodes the elements of slice fields one
// at a time through a small buffer. A json.Encoder builds the text of the
// whole value in one buffer grown by doubling: for the 1.2 MB report of a
// 1,000-package audit, page faults and copies on that growing buffer cost
// more than the audit itself. Compact, because indenting thousands of
// findings would cost as much again (pipe through jq).
func encodeStreamed(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(valueWriter{bw})
	enc.SetEscapeHTML(false)
	rv := reflect.ValueOf(v)
	bw.WriteByte('{')
	for i := range rv.NumField() {
		if i > 0 {
			bw.WriteByte(',')
		}
		name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		if err := enc.Encode(name); err != nil {
			return err
		}
		bw.WriteByte(':')
		f := rv.Field(i)
		if f.Kind() != reflect.Slice || f.IsNil() {
			if err := enc.Encode(f.Interface()); err != nil {
				return err
			}
			continue
		}
		bw.WriteByte('[')
		for j := range f.Len() {
			if j > 0 {
				bw.WriteByte(',')
			}
			// Through a pointer, so that the element is not copied into
			// the interface; it encodes the same.
			if err := enc.Encode(f.Index(j).Addr().Interface()); err != nil {
				return err
			}
		}
		bw.WriteByte(']')
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// valueWriter drops the newline a json.Encoder ends each value with; compact
// JSON has no other (a newline in a string is escaped).
type valueWriter struct{ w *bufio.Writer }

func (vw valueWriter) Write(p []byte) (int, error) {
	_, err := vw.w.Write(bytes.TrimSuffix(p, []byte("\n")))
	return len(p), err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ANSI colours per severity.
var severityColour = map[audit.Severity]string{
	audit.SeverityCritical: "\x1b[1;31m",
	audit.SeverityHigh:     "\x1b[31m",
	audit.SeverityMedium:   "\x1b[33m",
	audit.SeverityLow:      "\x1b[36m",
	audit.SeverityInfo:     "\x1b[2m",
}

const colourReset = "\x1b[0m"

// Table writes the human-readable report.
func Table(w io.Writer, rep *audit.Report, meta Meta, colour bool) error {
	paint := func(s audit.Severity, text string) string {
		if !colour {
			return text
		}
		return severityColour[s] + text + colourReset
	}
	var b strings.Builder
	for _, warn := range rep.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", warn)
	}
	for _, ig := range rep.ExpiredIgnores {
		fmt.Fprintf(&b, "warning: ignore of %s expired on %s (%s); it is reported again\n", ig.ID, ig.Expires.Format("2006-01-02"), ig.Reason)
	}
	current := audit.Severity(-1)
	for _, f := range rep.Findings {
		if f.Severity != current {
			current = f.Severity
			fmt.Fprintf(&b, "\n%s\n", paint(current, strings.ToUpper(current.String())))
		}
		subject := f.Package
		if f.Version != "" {
			subject += " " + f.Version
		}
		if subject != "" {
			subject += ": "
		}
		id := f.Rule
		if f.ID != "" {
			id = f.ID
			if len(f.Aliases) > 0 {
				id += " (" + strings.Join(f.Aliases, ", ") + ")"
			}
		}
		fmt.Fprintf(&b, "  %s %s[%s] %s\n", paint(current, "●"), subject, id, f.Title)
		if loc := f.Location(); loc != "" {
			fmt.Fprintf(&b, "      at %s\n", loc)
		}
		if f.Fix != "" {
			fmt.Fprintf(&b, "      fix: %s\n", f.Fix)
		}
	}
	sum := Summary(rep)
	fmt.Fprintf(&b, "\n%d packages checked in %s: %d critical, %d high, %d medium, %d low, %d info",
		rep.Packages, strings.Join(rep.Sources, ", "), sum["critical"], sum["high"], sum["medium"], sum["low"], sum["info"])
	for _, c := range setAsideCounts(rep) {
		b.WriteString("; " + c)
	}
	b.WriteString("\n")
	if n := rep.CountAtLeast(meta.FailOn); n > 0 {
		fmt.Fprintf(&b, "%d finding(s) at or above %s\n", n, failOnName(meta.FailOn))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Markdown writes a pull-request comment summarising the findings.
func Markdown(w io.Writer, rep *audit.Report, meta Meta) error {
	var b strings.Builder
	sum := Summary(rep)
	fmt.Fprintf(&b, "## pyward audit\n\n%d packages checked: **%d critical**, **%d high**, %d medium, %d low, %d info.\n\n",
		rep.Packages, sum["critical"], sum["high"], sum["medium"], sum["low"], sum["info"])
	if len(rep.Findings) == 0 {
		b.WriteString("No findings. :white_check_mark:\n")
	} else {
		b.WriteString("| severity | package | finding | where | fix |\n|---|---|---|---|---|\n")
		for _, f := range rep.Findings {
			pkg := f.Package
			if f.Version != "" {
				pkg += " " + f.Version
			}
			title := f.Title
			if f.ID != "" {
				title = fmt.Sprintf("[%s](%s) %s", f.ID, f.URL, f.Title)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", f.Severity, mdEscape(pkg), mdEscape(title), mdEscape(f.Location()), mdEscape(f.Fix))
		}
	}
	if len(rep.Suppressed) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>%s</summary>\n\n", strings.Join(setAsideCounts(rep), ", "))
		for _, s := range rep.Suppressed {
			fmt.Fprintf(&b, "- %s %s %s: %s\n", s.Finding.ID, s.Finding.Package, s.Finding.Version, mdEscape(s.Reason))
		}
		b.WriteString("\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscape keeps table cells on one line and literal.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}
