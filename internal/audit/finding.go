// Package audit checks a project's dependencies and package-index
// configuration and reports findings, each with a severity, the package and
// version concerned, and the file and line it was read from.
//
// Checks, each in one place:
//
//   - vulnerabilities: OSV advisories matched with PEP 440 ranges (osv);
//   - malicious packages: OSV MAL- advisories, always critical;
//   - typo-squats: names imitating popular projects (typosquat);
//   - dependency confusion: packages from a private index whose name is
//     claimed (critical) or unclaimed (advice) on the public index;
//   - index configuration: --extra-index-url, http:// indexes,
//     --trusted-host, in requirements files, pip.conf/pip.ini, PIP_* and
//     UV_* environment variables, [tool.uv], [tool.poetry] and [tool.pdm];
//   - project status and provenance: PEP 792 status, yanked versions
//     (PEP 592), releases younger than a cooldown (PEP 700 upload-time);
//   - vetted names (--name, online): the public-index status and facts of
//     each name's project and, for a look-alike, one score combining the
//     name with project signals (VetNames, internal/vet);
//   - lock hygiene: unpinned or range requirements, missing hashes, VCS
//     references without a full commit id, direct URLs without a hash,
//     editable installs, packages whose files come from several indexes.
package audit

import (
	"fmt"
	"sort"
	"strings"
)

// Severity grades a finding. The zero value is Info.
type Severity int

// Severities, weakest first.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name (case-insensitive); "none" parses as
// one above critical so that --fail-on none never fails.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	if strings.EqualFold(s, "none") || strings.EqualFold(s, "never") {
		return SeverityCritical + 1, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want info, low, medium, high, critical or none)", s)
}

// Kind is the family of a finding.
type Kind string

// Finding kinds.
const (
	KindVulnerability Kind = "vulnerability"
	KindMalicious     Kind = "malicious"
	KindTyposquat     Kind = "typosquat"
	KindConfusion     Kind = "dependency-confusion"
	KindIndexConfig   Kind = "index-config"
	KindStatus        Kind = "project-status"
	KindYanked        Kind = "yanked"
	KindRecent        Kind = "recent-release"
	KindHygiene       Kind = "hygiene"
)

// Finding is one problem.
type Finding struct {
	Kind     Kind     `json:"kind"`
	Rule     string   `json:"rule"` // stable identifier of the check, e.g. "hygiene/missing-hash"
	Severity Severity `json:"-"`
	Package  string   `json:"package,omitempty"`
	Version  string   `json:"version,omitempty"`
	// ID and Aliases identify an advisory (vulnerability and malicious).
	ID      string   `json:"id,omitempty"`
	Aliases []string `json:"aliases,omitempty"`
	Title   string   `json:"title"`
	Detail  string   `json:"detail,omitempty"`
	// FixedVersions lists versions that fix a vulnerability, ascending.
	FixedVersions []string `json:"fixed_versions,omitempty"`
	// Fix is a one-line suggestion of what to do.
	Fix  string `json:"fix,omitempty"`
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Location is "file:line", "file" or "".
func (f *Finding) Location() string {
	switch {
	case f.File != "" && f.Line > 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	default:
		return f.File
	}
}

// SortFindings orders findings by severity (worst first), then kind,
// package, ID and location, so output is stable.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Rule < b.Rule
	})
}
