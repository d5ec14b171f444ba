// Package baseline tells the findings of an audit that are new from those
// already known: a baseline is a previous pyward report, either the JSON
// document (report.JSON, schema_version 1) or the SARIF log (report.SARIF),
// and a finding is known when its identity is in it.
//
// Identity. A finding is the same across runs when these agree:
//
//   - advisories (vulnerability, malicious): the rule, the normalized
//     package name and the advisory: its ID or any of its aliases, so that
//     an advisory re-published under another database's ID (PYSEC → GHSA)
//     stays known. The version is left out: bumping a package to a release
//     the same advisory still affects is the same known risk, while a new
//     advisory, or one newly matching another package, is new;
//   - yanked and recent releases: the rule, the package and the version,
//     since they are facts about one release: upgrading into another yanked
//     release is new;
//   - every other finding about a package (typo-squat, dependency
//     confusion, project status such as quarantined, lock hygiene): the
//     rule and the package; the rule names the signal ("status/quarantined",
//     "typosquat/homoglyph"), so a new signal on a known package is new;
//   - findings without a package (index configuration): report.Fingerprint,
//     the rule, the file and the title (which names the index).
//
// Files and line numbers are never part of an identity except for findings
// without a package: editing or moving a lock does not re-open its findings.
//
// A baseline records the findings of its report and those it itself
// set aside as known (suppressed with the Reason this package writes), but
// not the ones silenced by --ignore: when an ignore expires its finding is
// reported again, as the ignore promised.
//
// Input limits: a baseline file is at most MaxSize (64 MiB); a larger one is
// an error naming it. It is decoded by encoding/json, which is linear in the
// input and nests at most 10,000 deep.
package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/report"
)

// MaxSize bounds a baseline file read (a SARIF log of a 1,000-package
// audit with thousands of findings is a few MiB).
const MaxSize = 64 << 20

// Reason is the suppression reason of a finding found in the baseline,
// followed by the baseline's file name; the table counts these apart
// from --ignore's.
const Reason = report.BaselineReason

// Baseline is the set of identities of the findings of a previous report.
type Baseline struct {
	// Source names the file it was read from, for messages.
	Source string
	keys   map[string]bool
}

// Known reports whether f, or an identity it shares, is in the baseline.
func (b *Baseline) Known(f *audit.Finding) bool {
	for _, k := range Keys(f) {
		if b.keys[k] {
			return true
		}
	}
	return false
}

// Keys returns the identities of f (see the package comment); f is known
// when any of them is in a baseline.
func Keys(f *audit.Finding) []string {
	if f.Package == "" {
		return []string{key("fingerprint", report.Fingerprint(f))}
	}
	pkg := pep503.Normalize(f.Package)
	switch f.Kind {
	case audit.KindVulnerability, audit.KindMalicious:
		if f.ID == "" {
			return []string{key(f.Rule, pkg)}
		}
		keys := []string{key(f.Rule, pkg, strings.ToUpper(f.ID))}
		for _, a := range f.Aliases {
			if a != "" {
				keys = append(keys, key(f.Rule, pkg, strings.ToUpper(a)))
			}
		}
		return keys
	case audit.KindYanked, audit.KindRecent:
		return []string{key(f.Rule, pkg, normalVersion(f.Version))}
	}
	return []string{key(f.Rule, pkg)}
}

func key(parts ...string) string { return strings.Join(parts, "\x00") }

// normalVersion spells a PEP 440 version in its normal form (v1.0 → 1.0).
func normalVersion(v string) string {
	if pv, err := pep440.Parse(v); err == nil {
		return pv.String()
	}
	return v
}

// Apply moves the findings of rep that are in b to rep.Suppressed, with
// Reason and the baseline's name, and returns how many it moved. What is
// left in rep.Findings is new since the baseline.
func Apply(rep *audit.Report, b *Baseline) int {
	kept := rep.Findings[:0]
	moved := 0
	for _, f := range rep.Findings {
		if b.Known(&f) {
			rep.Suppressed = append(rep.Suppressed, audit.Suppressed{Finding: f, Reason: Reason + " " + b.Source})
			moved++
			continue
		}
		kept = append(kept, f)
	}
	rep.Findings = kept
	return moved
}

// Read reads a baseline file.
func Read(path string) (*Baseline, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("baseline %s: larger than %d MiB", path, MaxSize>>20)
	}
	return Parse(path, data)
}

// errNotReport: the file is JSON but not a report pyward wrote.
var errNotReport = errors.New("not a pyward report: want the output of 'pyward audit --format json' or '--format sarif' (or --write-baseline)")

// Parse reads a pyward JSON report or SARIF log; name is used in errors
// and as the baseline's Source.
func Parse(name string, data []byte) (*Baseline, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", name, describeJSONError(data, err))
	}
	var keys []string
	var err error
	switch {
	case probe["schema_version"] != nil:
		keys, err = parseJSON(data)
	case probe["runs"] != nil:
		keys, err = parseSARIF(data)
	default:
		err = errNotReport
	}
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", name, err)
	}
	b := &Baseline{Source: name, keys: make(map[string]bool, len(keys))}
	for _, k := range keys {
		b.keys[k] = true
	}
	return b, nil
}

// describeJSONError adds the line of a syntax error.
func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
}

type jsonFinding struct {
	Kind    audit.Kind `json:"kind"`
	Rule    string     `json:"rule"`
	Package string     `json:"package"`
	Version string     `json:"version"`
	ID      string     `json:"id"`
	Aliases []string   `json:"aliases"`
	Title   string     `json:"title"`
	File    string     `json:"file"`
}

func (j jsonFinding) finding() audit.Finding {
	return audit.Finding{Kind: j.Kind, Rule: j.Rule, Package: j.Package, Version: j.Version, ID: j.ID,
		Aliases: j.Aliases, Title: j.Title, File: j.File}
}

type jsonReport struct {
	SchemaVersion int               `json:"schema_version"`
	Tool          map[string]string `json:"tool"`
	Findings      []jsonFinding     `json:"findings"`
	Suppressed    []struct {
		Finding jsonFinding `json:"finding"`
		Reason  string      `json:"reason"`
	} `json:"suppressed"`
}

func parseJSON(data []byte) ([]string, error) {
	var doc jsonReport
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Tool["name"] != "pyward" {
		return nil, errNotReport
	}
	if doc.SchemaVersion != report.SchemaVersion {
		return nil, fmt.Errorf("schema_version %d: this pyward reads version %d", doc.SchemaVersion, report.SchemaVersion)
	}
	var out []string
	for i, f := range doc.Findings {
		if f.Rule == "" {
			return nil, fmt.Errorf("findings[%d]: no rule", i)
		}
		af := f.finding()
		out = append(out, Keys(&af)...)
	}
	for _, s := range doc.Suppressed {
		if strings.HasPrefix(s.Reason, Reason) {
			af := s.Finding.finding()
			out = append(out, Keys(&af)...)
		}
	}
	return out, nil
}

type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID         string `json:"id"`
					Properties struct {
						Tags []string `json:"tags"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID              string            `json:"ruleId"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Suppressions        []struct {
				Justification string `json:"justification"`
			} `json:"suppressions"`
			Properties struct {
				Package string   `json:"package"`
				Version string   `json:"version"`
				Aliases []string `json:"aliases"`
			} `json:"properties"`
		} `json:"results"`
	} `json:"runs"`
}

// parseSARIF reads the results of pyward's runs. The rule's third tag is
// the finding's kind (see report.SARIF); an advisory's rule id is
// "KIND/ADVISORY-ID".
func parseSARIF(data []byte) ([]string, error) {
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, err
	}
	if log.Version != "2.1.0" {
		return nil, fmt.Errorf("SARIF version %q: want 2.1.0", log.Version)
	}
	var out []string
	runs := 0
	for ri, run := range log.Runs {
		if run.Tool.Driver.Name != "pyward" {
			continue
		}
		runs++
		kinds := map[string]audit.Kind{}
		for _, r := range run.Tool.Driver.Rules {
			if tags := r.Properties.Tags; len(tags) >= 3 {
				kinds[r.ID] = audit.Kind(tags[2])
			}
		}
		for i, res := range run.Results {
			if len(res.Suppressions) > 0 && !strings.HasPrefix(res.Suppressions[0].Justification, Reason) {
				continue // silenced by --ignore: see the package comment
			}
			kind, ok := kinds[res.RuleID]
			if !ok {
				return nil, fmt.Errorf("runs[%d].results[%d]: rule %q is not among the run's rules", ri, i, res.RuleID)
			}
			f := audit.Finding{Kind: kind, Rule: res.RuleID, Package: res.Properties.Package,
				Version: res.Properties.Version, Aliases: res.Properties.Aliases}
			if kind == audit.KindVulnerability || kind == audit.KindMalicious {
				if rule, id, ok := strings.Cut(res.RuleID, "/"); ok {
					f.Rule, f.ID = rule, id
				}
			}
			if f.Package == "" {
				fp := res.PartialFingerprints[report.FingerprintKey]
				if fp == "" {
					return nil, fmt.Errorf("runs[%d].results[%d]: no %s fingerprint", ri, i, report.FingerprintKey)
				}
				out = append(out, key("fingerprint", fp)) // as Keys records it
				continue
			}
			out = append(out, Keys(&f)...)
		}
	}
	if runs == 0 {
		return nil, errNotReport
	}
	return out, nil
}
