package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/osv"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/typosquat"
)

// DefaultCooldown is how young a release must be to be reported as recent.
const DefaultCooldown = 7 * 24 * time.Hour

// maxLookups bounds concurrent index look-ups (status, confusion).
const maxLookups = 16

// ProjectInfo is what an index says about a project, for the status and
// provenance checks.
type ProjectInfo struct {
	Status       string // PEP 792: "active", "archived", "quarantined", "deprecated"
	StatusReason string
	Releases     map[string]ReleaseInfo // keyed by normalized version
}

// ReleaseInfo describes one version's files on the index.
type ReleaseInfo struct {
	Yanked       bool
	YankedReason string
	UploadTime   time.Time // earliest upload of the version's files; zero when unknown
}

// ProjectSource looks projects up on the index packages come from.
type ProjectSource interface {
	ProjectInfo(ctx context.Context, name, indexURL string) (*ProjectInfo, error)
}

// Options selects checks and their data. A nil source disables its check.
type Options struct {
	Vulns      *osv.DB
	Ignores    []osv.Ignore
	Typosquat  *typosquat.Reference
	Public     PublicIndex
	Projects   ProjectSource
	Cooldown   time.Duration // 0 means DefaultCooldown
	Now        time.Time     // zero means time.Now()
	SkipHygine bool
}

// Report is the result of an audit.
type Report struct {
	Sources    []string
	Packages   int // distinct (name, version) pairs checked
	Findings   []Finding
	Suppressed []Suppressed
	// ExpiredIgnores are ignore entries past their expiry date that matched
	// a finding, which is reported again.
	ExpiredIgnores []osv.Ignore
	// Warnings are problems that did not stop the audit (an unreadable
	// advisory, a failed look-up).
	Warnings []string
}

// Suppressed is a finding silenced by an ignore entry.
type Suppressed struct {
	Finding Finding
	Reason  string
	Expires time.Time
}

// CountAtLeast counts findings of severity s or worse.
func (r *Report) CountAtLeast(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= s {
			n++
		}
	}
	return n
}

// Run audits the packages of invs (plus extra index-configuration findings
// the caller gathered) and returns the sorted report.
func Run(ctx context.Context, invs []*inventory.Inventory, extra []Finding, opts Options) (*Report, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	rep := &Report{}
	var pkgs []*inventory.Package
	seen := map[string]bool{}
	locked := lockedInputs(invs)
	for _, inv := range invs {
		rep.Sources = append(rep.Sources, inv.Source)
		for i := range inv.Packages {
			p := &inv.Packages[i]
			pkgs = append(pkgs, p)
			key := p.NormalizedName() + "==" + p.Version
			if !seen[key] {
				seen[key] = true
				rep.Packages++
			}
		}
		if !opts.SkipHygine {
			rep.Findings = append(rep.Findings, checkHygiene(inv, locked[inv])...)
		}
	}
	rep.Findings = append(rep.Findings, extra...)

	if opts.Vulns != nil {
		var vulns []osv.Finding
		origin := map[string]*inventory.Package{}
		for _, p := range pkgs {
			version := p.Version
			if !p.Pinned {
				// A malicious-package report matches every version, so
				// it applies to a name without a pin (an input file, a
				// name being vetted); vulnerabilities need the version.
				version = ""
			}
			for _, f := range opts.Vulns.Query(p.Name, version) {
				if version == "" && !f.Malicious {
					continue
				}
				key := f.Package + "==" + f.Version + "#" + f.ID
				if _, dup := origin[key]; dup {
					continue
				}
				origin[key] = p
				vulns = append(vulns, f)
			}
		}
		res, err := osv.ApplyIgnores(vulns, opts.Ignores, now)
		if err != nil {
			return nil, err
		}
		rep.Findings = slices.Grow(rep.Findings, len(res.Kept))
		for _, f := range res.Kept {
			rep.Findings = append(rep.Findings, vulnFinding(f, origin[f.Package+"=="+f.Version+"#"+f.ID]))
		}
		for _, s := range res.Suppressed {
			rep.Suppressed = append(rep.Suppressed, Suppressed{Finding: vulnFinding(s.Finding, origin[s.Finding.Package+"=="+s.Finding.Version+"#"+s.Finding.ID]), Reason: s.Ignore.Reason, Expires: s.Ignore.Expires})
		}
		rep.ExpiredIgnores = res.Expired
	}

	if opts.Typosquat != nil {
		checked := map[string]bool{}
		for _, p := range pkgs {
			n := p.NormalizedName()
			if checked[n] {
				continue
			}
			checked[n] = true
			for _, t := range opts.Typosquat.Check(p.Name) {
				rep.Findings = append(rep.Findings, typosquatFinding(t, p))
				break // the strongest match says enough
			}
		}
	}

	if opts.Public != nil {
		popular := func(string) bool { return false }
		if opts.Typosquat != nil {
			popular = func(name string) bool { _, ok := opts.Typosquat.Rank(name); return ok }
		}
		fs, err := checkConfusion(ctx, opts.Public, pkgs, popular)
		rep.Findings = append(rep.Findings, fs...)
		if err != nil {
			rep.Warnings = append(rep.Warnings, err.Error())
		}
	}

	if opts.Projects != nil {
		fs, warns := checkProjects(ctx, opts.Projects, pkgs, cooldown(opts.Cooldown), now)
		rep.Findings = append(rep.Findings, fs...)
		rep.Warnings = append(rep.Warnings, warns...)
	}
	SortFindings(rep.Findings)
	return rep, nil
}

func cooldown(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultCooldown
	}
	return d
}

func vulnFinding(f osv.Finding, p *inventory.Package) Finding {
	out := Finding{Kind: KindVulnerability, Rule: "vulnerability", Package: f.Package, Version: f.Version,
		ID: f.ID, Title: f.Summary, FixedVersions: f.FixedVersions, Severity: severityFromOSV(f.Severity)}
	for _, id := range f.IDs {
		if id != f.ID {
			out.Aliases = append(out.Aliases, id)
		}
	}
	if out.Title == "" {
		out.Title = f.ID
	}
	if f.Malicious {
		out.Kind, out.Rule, out.Severity = KindMalicious, "malicious", SeverityCritical
		out.Title = "malicious package: " + out.Title
		out.Fix = "remove " + f.Package + " and treat every machine that installed it as compromised"
	} else if fix := f.FixedAbove(); fix != "" {
		out.Fix = fmt.Sprintf("upgrade %s to %s or later", f.Package, fix)
	} else {
		out.Fix = "no fixed version known"
	}
	out.URL = advisoryURL(f.ID)
	if p != nil {
		out.Package, out.File, out.Line = p.Name, p.File, p.Line
	}
	return out
}

// severityFromOSV maps OSV levels. An advisory without a severity (most of
// the PyPA database) is reported as high: a known vulnerability must fail
// the default --fail-on gate rather than hide below it.
func severityFromOSV(l osv.Level) Severity {
	switch l {
	case osv.LevelCritical:
		return SeverityCritical
	case osv.LevelHigh:
		return SeverityHigh
	case osv.LevelMedium:
		return SeverityMedium
	case osv.LevelLow:
		return SeverityLow
	}
	return SeverityHigh
}

func advisoryURL(id string) string {
	switch {
	case strings.HasPrefix(id, "GHSA-"):
		return "https://github.com/advisories/" + id
	case strings.HasPrefix(id, "CVE-"):
		return "https://nvd.nist.gov/vuln/detail/" + id
	}
	return "https://osv.dev/vulnerability/" + id
}

func typosquatFinding(t typosquat.Finding, p *inventory.Package) Finding {
	sev := SeverityMedium
	switch t.Severity {
	case typosquat.SeverityHigh:
		sev = SeverityHigh
	case typosquat.SeverityLow:
		sev = SeverityLow
	}
	return Finding{Kind: KindTyposquat, Rule: "typosquat/" + string(t.Trick), Severity: sev, Package: p.Name, Version: p.Version,
		Title: fmt.Sprintf("%s looks like a typo-squat of %s (download rank %d): %s", p.Name, t.Imitates, t.ImitatedRank, t.Detail),
		Fix:   fmt.Sprintf("did you mean %s? If %s is intended, check who publishes it before installing", t.Imitates, p.Name),
		File:  p.File, Line: p.Line}
}

// checkProjects reports PEP 792 status, yanked versions and releases
// younger than the cooldown, looking each project up once, in parallel.
func checkProjects(ctx context.Context, src ProjectSource, pkgs []*inventory.Package, cool time.Duration, now time.Time) ([]Finding, []string) {
	byName := map[string][]*inventory.Package{}
	var names []string
	for _, p := range pkgs {
		if p.URL != "" || p.Editable {
			continue // not from an index
		}
		n := p.NormalizedName()
		if _, ok := byName[n]; !ok {
			names = append(names, n)
		}
		byName[n] = append(byName[n], p)
	}
	infos := make([]*ProjectInfo, len(names))
	errs := make([]error, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxLookups)
	for i, n := range names {
		g.Go(func() error {
			infos[i], errs[i] = src.ProjectInfo(gctx, n, byName[n][0].Index)
			return nil
		})
	}
	_ = g.Wait()
	var out []Finding
	var warns []string
	for i, n := range names {
		if errs[i] != nil {
			warns = append(warns, fmt.Sprintf("look up %s: %v", n, errs[i]))
			continue
		}
		info := infos[i]
		if info == nil {
			continue
		}
		first := byName[n][0]
		switch strings.ToLower(info.Status) {
		case "quarantined":
			out = append(out, Finding{Kind: KindStatus, Rule: "status/quarantined", Severity: SeverityCritical, Package: first.Name,
				Version: first.Version, Title: fmt.Sprintf("%s is quarantined by the index (PEP 792), usually for malware: %s", first.Name, orNone(info.StatusReason)),
				Fix: "remove it", File: first.File, Line: first.Line})
		case "archived", "deprecated":
			out = append(out, Finding{Kind: KindStatus, Rule: "status/" + strings.ToLower(info.Status), Severity: SeverityLow, Package: first.Name,
				Version: first.Version, Title: fmt.Sprintf("%s is %s (PEP 792): it will get no fixes. %s", first.Name, strings.ToLower(info.Status), info.StatusReason),
				Fix: "plan a replacement", File: first.File, Line: first.Line})
		}
		releases := make(map[string]ReleaseInfo, len(info.Releases))
		for v, r := range info.Releases {
			releases[normalizeVersion(v)] = r
		}
		for _, p := range byName[n] {
			if !p.Pinned {
				continue
			}
			rel, ok := releases[normalizeVersion(p.Version)]
			if !ok {
				continue
			}
			if rel.Yanked {
				out = append(out, Finding{Kind: KindYanked, Rule: "yanked", Severity: SeverityMedium, Package: p.Name, Version: p.Version,
					Title: fmt.Sprintf("%s %s was yanked from the index (PEP 592): %s", p.Name, p.Version, orNone(rel.YankedReason)),
					Fix:   "move to a version that is not yanked", File: p.File, Line: p.Line})
			}
			if !rel.UploadTime.IsZero() && now.Sub(rel.UploadTime) < cool {
				age := now.Sub(rel.UploadTime).Round(time.Hour)
				out = append(out, Finding{Kind: KindRecent, Rule: "recent-release", Severity: SeverityLow, Package: p.Name, Version: p.Version,
					Title: fmt.Sprintf("%s %s was uploaded %s ago (%s), within the %s cooldown: fresh releases are how compromised maintainers' accounts spread malware", p.Name, p.Version, age, rel.UploadTime.UTC().Format(time.RFC3339), cool),
					Fix:   "wait for the cooldown, or lock with pyward lock --exclude-newer", File: p.File, Line: p.Line})
			}
		}
	}
	return out, warns
}

func orNone(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}

// normalizeVersion maps equal PEP 440 versions ("1.0", "1.0.0") to one key.
func normalizeVersion(s string) string {
	return strings.ToLower(strings.TrimSpace(pep440.Canonicalize(s, true)))
}
