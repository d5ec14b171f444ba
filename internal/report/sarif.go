package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/pyward/pyward/internal/audit"
)

// SARIF output (OASIS SARIF 2.1.0, checked in tests against the official
// sarif-schema-2.1.0.json) for GitHub code scanning and other viewers:
//
//   - one run; tool.driver carries name, version and informationUri;
//   - one reportingDescriptor (rule) per finding rule, except that each
//     advisory (vulnerability or malicious report) gets its own rule,
//     "vulnerability/PYSEC-2018-28": GitHub reads the help link and
//     security-severity from the rule, and those differ per advisory;
//   - result.level: error for critical and high, warning for medium, note
//     for low and info; properties.security-severity (a CVSS-like score as
//     a string, which GitHub maps back to critical/high/medium/low) on the
//     rule (its worst result) and on each result;
//   - locations: the requirement's file relative to the working directory
//     (uriBaseId %SRCROOT%, declared in originalUriBaseIds) and its line;
//     files outside it are absolute file: URIs. Findings with no file of
//     their own (an environment variable such as $PIP_INDEX_URL) point at
//     the first audited source so GitHub, which requires a location, keeps
//     them; --name vetting has no file and emits no location;
//   - partialFingerprints["pyward/v1"]: a hash of rule, advisory, package,
//     version and file (not the line, which moves when a file is edited),
//     so an alert survives unrelated edits and is matched across runs;
//   - ignored findings are kept as results with an external suppression
//     carrying the reason.

const (
	sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion   = "2.1.0"
	// SRCROOT is the uriBaseId of paths relative to the working directory.
	srcRoot = "%SRCROOT%"
	// InformationURI is the project's home page, shown by SARIF viewers.
	InformationURI = "https://github.com/pyward/pyward"
	// FingerprintKey names pyward's partial fingerprint (versioned so a
	// change of recipe does not silently re-open every alert).
	FingerprintKey = "pyward/v1"
	// maxShortDescription bounds rule.shortDescription (GitHub truncates
	// at 1024 characters).
	maxShortDescription = 1000
)

// securitySeverity is the CVSS-like score GitHub code scanning expects in
// properties.security-severity: above 9.0 critical, 7.0–8.9 high, 4.0–6.9
// medium, 0.1–3.9 low. Info findings get none: they are not a risk score.
var securitySeverity = map[audit.Severity]string{
	audit.SeverityCritical: "9.5",
	audit.SeverityHigh:     "8.0",
	audit.SeverityMedium:   "5.5",
	audit.SeverityLow:      "3.0",
}

// sarifLevel maps a severity to a SARIF result level.
func sarifLevel(s audit.Severity) string {
	switch {
	case s >= audit.SeverityHigh:
		return "error"
	case s == audit.SeverityMedium:
		return "warning"
	}
	return "note"
}

// kindHelp describes each finding family for rules without an advisory.
var kindHelp = map[audit.Kind]struct{ desc, uri string }{
	audit.KindVulnerability: {"Dependency with a known vulnerability", "https://osv.dev/"},
	audit.KindMalicious:     {"Dependency reported as malicious", "https://github.com/ossf/malicious-packages"},
	audit.KindTyposquat:     {"Package name imitating a popular project (typo-squat)", InformationURI + "#typo-squats"},
	audit.KindConfusion:     {"Private package exposed to dependency confusion on the public index", "https://peps.python.org/pep-0708/"},
	audit.KindIndexConfig:   {"Risky package-index configuration", "https://pip.pypa.io/en/stable/topics/secure-installs/"},
	audit.KindStatus:        {"Project status on the index (PEP 792)", "https://peps.python.org/pep-0792/"},
	audit.KindYanked:        {"Yanked release pinned (PEP 592)", "https://peps.python.org/pep-0592/"},
	audit.KindRecent:        {"Release younger than the cooldown (PEP 700 upload-time)", "https://peps.python.org/pep-0700/"},
	audit.KindHygiene:       {"Lock hygiene: requirement not pinned and hashed", "https://pip.pypa.io/en/stable/topics/secure-installs/"},
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult               `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string               `json:"name"`
	Version        string               `json:"version,omitempty"`
	InformationURI string               `json:"informationUri"`
	Rules          []sarifReportingDesc `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifReportingDesc struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name,omitempty"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      *sarifText      `json:"fullDescription,omitempty"`
	HelpURI              string          `json:"helpUri,omitempty"`
	Help                 *sarifText      `json:"help,omitempty"`
	DefaultConfiguration sarifConfig     `json:"defaultConfiguration"`
	Properties           sarifProperties `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifProperties struct {
	Tags             []string `json:"tags,omitempty"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Precision        string   `json:"precision,omitempty"`
	// Pyward's own fields, for consumers other than GitHub.
	Severity      string   `json:"pyward-severity,omitempty"`
	Package       string   `json:"package,omitempty"`
	Version       string   `json:"version,omitempty"`
	Aliases       []string `json:"aliases,omitempty"`
	FixedVersions []string `json:"fixed-versions,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          sarifProperties    `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// sarifSuppression leaves out the optional review status: the OASIS
// schema published as sarif-schema-2.1.0.json names it "state" while the
// spec text (§3.35.3) and the rtm.5 schema say "status", and each schema
// rejects the other spelling.
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
	// Properties["kind"] is SetAsideIgnored or SetAsideBaseline, as in
	// the JSON report.
	Properties map[string]string `json:"properties,omitempty"`
}

// SARIF writes the report as a SARIF 2.1.0 log. meta.BaseDir is the
// directory file URIs are made relative to (the working directory).
func SARIF(w io.Writer, rep *audit.Report, meta Meta) error {
	b := sarifBuilder{meta: meta, ruleIndex: map[string]int{}}
	for _, src := range rep.Sources {
		if !isPseudoFile(src) && b.fallback == nil {
			b.fallback = b.location(src, 0)
		}
	}
	for _, f := range rep.Findings {
		b.add(f, nil)
	}
	for _, s := range rep.Suppressed {
		reason := s.Reason
		if !s.Expires.IsZero() {
			reason += " (until " + s.Expires.Format("2006-01-02") + ")"
		}
		b.add(s.Finding, []sarifSuppression{{Kind: "external", Justification: reason, Properties: map[string]string{"kind": SetAsideKind(s)}}})
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "pyward", Version: meta.ToolVersion,
			InformationURI: InformationURI, Rules: b.rules}},
		Results: b.results,
	}
	if run.Tool.Driver.Rules == nil {
		run.Tool.Driver.Rules = []sarifReportingDesc{}
	}
	if run.Results == nil {
		run.Results = []sarifResult{}
	}
	if meta.BaseDir != "" && filepath.IsAbs(meta.BaseDir) {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{srcRoot: {URI: fileURI(meta.BaseDir) + "/"}}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchemaURI, Version: sarifVersion, Runs: []sarifRun{run}})
}

type sarifBuilder struct {
	meta      Meta
	rules     []sarifReportingDesc
	ruleIndex map[string]int
	results   []sarifResult
	fallback  []sarifLocation
}

// ruleID is the SARIF rule of a finding: its Rule, plus the advisory ID
// for vulnerabilities and malicious reports.
func ruleID(f *audit.Finding) string {
	if f.ID != "" && (f.Kind == audit.KindVulnerability || f.Kind == audit.KindMalicious) {
		return f.Rule + "/" + f.ID
	}
	return f.Rule
}

func (b *sarifBuilder) rule(f *audit.Finding) int {
	id := ruleID(f)
	if i, ok := b.ruleIndex[id]; ok {
		r := &b.rules[i]
		// Findings arrive worst first except suppressed ones: keep the rule's
		// default the worst of its results.
		if sev := securitySeverity[f.Severity]; sev > r.Properties.SecuritySeverity {
			r.Properties.SecuritySeverity = sev
			r.DefaultConfiguration.Level = sarifLevel(f.Severity)
		}
		return i
	}
	help := kindHelp[f.Kind]
	if help.desc == "" {
		help.desc, help.uri = "pyward finding "+f.Rule, InformationURI
	}
	r := sarifReportingDesc{
		ID:                   id,
		Name:                 ruleName(id),
		ShortDescription:     sarifText{Text: help.desc},
		HelpURI:              help.uri,
		DefaultConfiguration: sarifConfig{Level: sarifLevel(f.Severity)},
		Properties: sarifProperties{Tags: []string{"security", "supply-chain", string(f.Kind)},
			SecuritySeverity: securitySeverity[f.Severity], Precision: "high"},
	}
	if f.Kind == audit.KindTyposquat {
		r.Properties.Precision = "medium" // a look-alike name may be legitimate
	}
	if id != f.Rule { // an advisory
		title := f.Title
		if title == "" {
			title = f.ID
		}
		r.ShortDescription = sarifText{Text: truncate(f.ID+": "+title, maxShortDescription)}
		full := f.ID
		if len(f.Aliases) > 0 {
			full += " (" + strings.Join(f.Aliases, ", ") + ")"
		}
		r.FullDescription = &sarifText{Text: full + ": " + title}
		if isAbsURL(f.URL) {
			r.HelpURI = f.URL
		}
		r.Help = &sarifText{Text: fmt.Sprintf("%s. See %s", r.FullDescription.Text, r.HelpURI),
			Markdown: fmt.Sprintf("**%s**: %s\n\n[%s](%s)", full, title, f.ID, r.HelpURI)}
	}
	b.ruleIndex[id] = len(b.rules)
	b.rules = append(b.rules, r)
	return len(b.rules) - 1
}

// ruleName turns "typosquat/edit-distance-1/transpose" into
// "TyposquatEditDistance1Transpose" (SARIF suggests Pascal-case names).
func ruleName(id string) string {
	var sb strings.Builder
	upper := true
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z':
			if upper {
				r -= 'a' - 'A'
			}
			sb.WriteRune(r)
			upper = false
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			sb.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	return sb.String()
}

func (b *sarifBuilder) add(f audit.Finding, sup []sarifSuppression) {
	idx := b.rule(&f)
	text := f.Title
	if f.Detail != "" {
		text += ". " + f.Detail
	}
	if f.Fix != "" {
		text += ". Fix: " + f.Fix
	}
	locs := b.location(f.File, f.Line)
	if locs == nil && f.File != "" && isPseudoFile(f.File) {
		text += " (from " + f.File + ")"
		locs = b.fallback
	}
	res := sarifResult{
		RuleID:              b.rules[idx].ID,
		RuleIndex:           idx,
		Level:               sarifLevel(f.Severity),
		Message:             sarifText{Text: text},
		Locations:           locs,
		PartialFingerprints: map[string]string{FingerprintKey: Fingerprint(&f)},
		Suppressions:        sup,
		Properties: sarifProperties{SecuritySeverity: securitySeverity[f.Severity], Severity: f.Severity.String(),
			Package: f.Package, Version: f.Version, Aliases: f.Aliases, FixedVersions: f.FixedVersions},
	}
	b.results = append(b.results, res)
}

// Fingerprint identifies a finding across runs: what is wrong and where,
// without the line number. Index-configuration findings have no package,
// so their title (which names the index URL) stands in for it.
func Fingerprint(f *audit.Finding) string {
	parts := []string{ruleID(f), strings.ToLower(f.Package), f.Version, filepath.ToSlash(f.File)}
	if f.Package == "" {
		parts = append(parts, f.Title)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// isPseudoFile reports whether a finding's File names something other than
// a file: an environment variable ("$PIP_INDEX_URL") or a command-line
// option ("--name").
func isPseudoFile(file string) bool {
	return strings.HasPrefix(file, "$") || strings.HasPrefix(file, "-")
}

// location is the SARIF location of file:line, or nil for no file.
func (b *sarifBuilder) location(file string, line int) []sarifLocation {
	if file == "" || isPseudoFile(file) {
		return nil
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: b.artifact(file)}}
	if line > 0 {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: line}
	}
	return []sarifLocation{loc}
}

// artifact makes file relative to the base directory when it lies inside
// it, and an absolute file: URI otherwise.
func (b *sarifBuilder) artifact(file string) sarifArtifactLoc {
	base := b.meta.BaseDir
	abs := file
	if !filepath.IsAbs(file) {
		if rel := filepath.Clean(file); rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return sarifArtifactLoc{URI: relativeURI(rel), URIBaseID: srcRoot}
		}
		if base == "" {
			return sarifArtifactLoc{URI: relativeURI(filepath.Clean(file))}
		}
		abs = filepath.Join(base, file)
	} else if base != "" {
		if rel, err := filepath.Rel(base, file); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return sarifArtifactLoc{URI: relativeURI(rel), URIBaseID: srcRoot}
		}
	}
	return sarifArtifactLoc{URI: fileURI(abs)}
}

// isAbsURL reports whether s is an absolute URL, as SARIF's helpUri and
// CycloneDX's advisory url require.
func isAbsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs() && u.Host != ""
}

// relativeURI percent-encodes a relative path as a URI reference.
func relativeURI(rel string) string {
	u := url.URL{Path: filepath.ToSlash(rel)}
	return u.String()
}

// fileURI is the file: URI of an absolute path (file:///C:/x on Windows).
func fileURI(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	u := url.URL{Scheme: "file", Path: p}
	return strings.TrimSuffix(u.String(), "/")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 1
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(c byte) bool { return c&0xC0 != 0x80 }
