package fix

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/osv"
	"github.com/pyward/pyward/internal/pep440"
)

// release is one version of a project on the index.
type release struct {
	version  pep440.Version
	text     string
	files    []index.File // files that are not yanked
	yanked   bool         // every file is yanked (PEP 592)
	pythonOK bool         // some file accepts the target Python
}

// choose finds the upgrade target of one vulnerable package. It returns a
// plan when the package can be upgraded, and a problem when something is
// left unfixed (a plan and a problem together: some advisories have no fix).
func choose(ctx context.Context, opts Options, name, display, current string, fs []audit.Finding) (*plan, *Problem, error) {
	cur, err := pep440.Parse(current)
	if err != nil {
		return nil, &Problem{Package: display, Version: current, Advisories: ids(fs, false),
			Reason: fmt.Sprintf("the locked version %q is not a PEP 440 version", current)}, nil
	}
	var withFix, noFix []audit.Finding
	var floor pep440.Version
	for _, f := range fs {
		fa, ok := fixedAbove(f, cur)
		if !ok {
			noFix = append(noFix, f)
			continue
		}
		withFix = append(withFix, f)
		if floor.IsZero() || fa.Compare(floor) > 0 {
			floor = fa
		}
	}
	if len(withFix) == 0 {
		return nil, &Problem{Package: display, Version: current, Advisories: ids(fs, false), Reason: "no fixed version is known"}, nil
	}
	proj, err := opts.Index.Project(ctx, name)
	if err != nil {
		return nil, nil, fmt.Errorf("fix: look up %s on the index: %w", display, err)
	}
	curIDs := affecting(opts, name, current)
	var first, best *release
	for _, r := range releases(proj, name, opts.Target.Python, opts.ExcludeNewer) {
		switch {
		case r.version.Compare(cur) <= 0, r.version.Compare(floor) < 0, r.yanked, !r.pythonOK:
			continue
		case r.version.IsPrerelease() && !cur.IsPrerelease() && !opts.Prereleases:
			continue
		}
		now := affecting(opts, name, r.text)
		if anyHit(now, withFix) {
			continue
		}
		if first == nil {
			first = r
		}
		if subset(now, curIDs) {
			best = r
			break
		}
	}
	if best == nil {
		best = first
	}
	if best == nil {
		return nil, &Problem{Package: display, Version: current, Advisories: ids(withFix, false),
			Reason: fmt.Sprintf("no usable release at or above %s on the index clears the advisories", floor)}, nil
	}
	if crossesMajor(cur, best.version) && !opts.AllowMajor {
		return nil, &Problem{Package: display, Version: current, Advisories: ids(withFix, false), Target: best.text,
			Reason: fmt.Sprintf("needs a major upgrade (to %s): rerun with --allow-major", best.text)}, nil
	}
	pl := &plan{name: name, display: display, current: current, target: best.text, findings: fs}
	if len(noFix) > 0 {
		return pl, &Problem{Package: display, Version: current, Advisories: ids(noFix, false), Reason: "no fixed version is known"}, nil
	}
	return pl, nil, nil
}

// fixedAbove is osv.Finding.FixedAbove for an audit finding: the smallest
// fixed version above the locked one.
func fixedAbove(f audit.Finding, cur pep440.Version) (pep440.Version, bool) {
	var best pep440.Version
	for _, s := range f.FixedVersions {
		v, err := pep440.Parse(s)
		if err != nil || v.Compare(cur) <= 0 {
			continue
		}
		if best.IsZero() || v.Compare(best) < 0 {
			best = v
		}
	}
	return best, !best.IsZero()
}

// crossesMajor reports whether going from a to b changes the epoch or
// raises the first release component.
func crossesMajor(a, b pep440.Version) bool {
	return a.Epoch() != b.Epoch() || b.Major() > a.Major()
}

// nextMajor is the first version of the major series after v's.
func nextMajor(v pep440.Version) string {
	s := fmt.Sprintf("%d", v.Major()+1)
	if v.Epoch() != 0 {
		s = fmt.Sprintf("%d!%s", v.Epoch(), s)
	}
	return s
}

// releases groups the project's files by version, ascending. Files
// uploaded after cutoff (when set) are left out, as the lock engine's
// cooldown does; files without an upload time are kept.
func releases(proj *index.Project, name string, python pep440.Version, cutoff time.Time) []*release {
	byVersion := map[string]*release{}
	var out []*release
	for _, f := range proj.Files {
		df, err := dist.ParseFilename(f.Filename)
		if err != nil || df.Name != name || (!cutoff.IsZero() && f.UploadTime.After(cutoff)) {
			continue
		}
		key := df.Version.String()
		r := byVersion[key]
		if r == nil {
			r = &release{version: df.Version, text: key, yanked: true}
			byVersion[key] = r
			out = append(out, r)
		}
		if !f.Yanked {
			r.yanked = false
			r.files = append(r.files, f)
		}
		if python.IsZero() || f.RequiresPython == "" {
			r.pythonOK = true
		} else if set, err := pep440.ParseSpecifierSet(f.RequiresPython); err != nil || set.Contains(python, true) {
			r.pythonOK = true // an unreadable Requires-Python is ignored, as pip does
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version.Compare(out[j].version) < 0 })
	return out
}

// affecting returns every ID (with aliases, upper case) of the advisories
// that affect name at version and are not ignored.
func affecting(opts Options, name, version string) map[string]bool {
	found := opts.Vulns.Query(name, version)
	kept := found
	if len(opts.Ignores) > 0 {
		if r, err := osv.ApplyIgnores(found, opts.Ignores, opts.Now); err == nil {
			kept = r.Kept
		}
	}
	out := map[string]bool{}
	for _, f := range kept {
		out[strings.ToUpper(f.ID)] = true
		for _, id := range f.IDs {
			out[strings.ToUpper(id)] = true
		}
	}
	return out
}

// hits reports whether finding f (by ID or alias) is in set.
func hits(set map[string]bool, f audit.Finding) bool {
	if set[strings.ToUpper(f.ID)] {
		return true
	}
	for _, a := range f.Aliases {
		if set[strings.ToUpper(a)] {
			return true
		}
	}
	return false
}

func anyHit(set map[string]bool, fs []audit.Finding) bool {
	for _, f := range fs {
		if hits(set, f) {
			return true
		}
	}
	return false
}

func subset(a, b map[string]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
