package audit

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/pyward/pyward/internal/inventory"
)

// fullCommitRe matches a full SHA-1 or SHA-256 commit id; anything shorter
// (a branch, a tag, an abbreviated id) can be moved to other code.
var fullCommitRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$`) })

// isLock reports whether the source is meant to pin everything (a lock or a
// compiled requirements file) rather than to list loose inputs.
func isLock(inv *inventory.Inventory) bool {
	switch inv.Format {
	case inventory.FormatPyproject:
		return false
	case inventory.FormatRequirements:
		return !strings.HasSuffix(strings.ToLower(inv.Source), ".in")
	}
	return true
}

// lockedInputs returns the input sources (requirements*.in,
// pyproject.toml) whose lock is audited with them, from the same
// directory: X.in is locked by X.txt (pip-compile's naming) or by a lock
// file proper (pylock*.toml, uv.lock, poetry.lock, pdm.lock,
// Pipfile.lock); pyproject.toml by any of these or a requirements*.txt.
// Their loose requirements are what the lock pins, not a finding.
func lockedInputs(invs []*inventory.Inventory) map[*inventory.Inventory]bool {
	type dirLocks struct {
		txt    map[string]bool // lower-case base names of requirements locks
		proper bool            // a lock file that is not requirements text
	}
	byDir := map[string]*dirLocks{}
	for _, inv := range invs {
		if inv.Format == inventory.FormatVenv || !isLock(inv) {
			continue
		}
		dir := filepath.Dir(inv.Source)
		d := byDir[dir]
		if d == nil {
			d = &dirLocks{txt: map[string]bool{}}
			byDir[dir] = d
		}
		if inv.Format == inventory.FormatRequirements {
			d.txt[strings.ToLower(filepath.Base(inv.Source))] = true
		} else {
			d.proper = true
		}
	}
	out := map[*inventory.Inventory]bool{}
	for _, inv := range invs {
		if isLock(inv) {
			continue
		}
		d := byDir[filepath.Dir(inv.Source)]
		if d == nil {
			continue
		}
		switch inv.Format {
		case inventory.FormatPyproject:
			out[inv] = d.proper || len(d.txt) > 0
		case inventory.FormatRequirements:
			base := strings.ToLower(filepath.Base(inv.Source))
			out[inv] = d.proper || d.txt[strings.TrimSuffix(base, ".in")+".txt"]
		}
	}
	return out
}

// checkHygiene reports lock hygiene problems of one source; locked says an
// input source's lock is audited beside it.
func checkHygiene(inv *inventory.Inventory, locked bool) []Finding {
	var out []Finding
	lock := isLock(inv)
	for i := range inv.Packages {
		p := &inv.Packages[i]
		add := func(rule string, sev Severity, title, fix string) {
			out = append(out, Finding{Kind: KindHygiene, Rule: rule, Severity: sev, Package: p.Name, Version: p.Version,
				Title: title, Fix: fix, File: p.File, Line: p.Line})
		}
		switch {
		case p.VCS != "":
			if !fullCommitRe().MatchString(p.Commit) {
				ref := p.Commit
				if ref == "" {
					ref = "no commit"
				}
				add("hygiene/vcs-without-commit", SeverityHigh,
					fmt.Sprintf("%s reference %s is not pinned to a full commit id (%s): its code can change under the same lock", p.VCS, p.URL, ref),
					"pin the reference to a full commit hash (@<40-hex-commit>)")
			}
		case p.URL != "" && isRemoteArchive(p.URL):
			if len(p.Hashes) == 0 && !strings.Contains(p.URL, "#sha256=") {
				add("hygiene/url-without-hash", SeverityHigh,
					fmt.Sprintf("direct URL %s has no hash: whatever the server returns will be installed", p.URL),
					"add --hash=sha256:... (or #sha256= in the URL)")
			}
		case !p.Pinned && !p.Editable && p.URL == "":
			if lock {
				what := "is not pinned"
				if p.Spec != "" {
					what = fmt.Sprintf("has a range (%s) instead of an exact pin", p.Spec)
				}
				add("hygiene/unpinned", SeverityMedium, fmt.Sprintf("%s %s in a lock file", p.Name, what),
					"lock exact versions: pyward lock")
			} else if !locked {
				add("hygiene/unpinned-input", SeverityInfo,
					fmt.Sprintf("%s is an unpinned input requirement; its version cannot be audited until locked", p.Name),
					"lock it: pyward lock")
			}
		// An installed environment records no hashes: nothing to report.
		case lock && len(p.Hashes) == 0 && p.URL == "" && inv.Format != inventory.FormatVenv:
			add("hygiene/missing-hash", SeverityMedium,
				fmt.Sprintf("%s==%s has no hash: a swapped or tampered file would be installed", p.Name, p.Version),
				"regenerate the lock with hashes: pyward lock")
		}
		if p.Editable {
			add("hygiene/editable", SeverityLow, fmt.Sprintf("%s is an editable install of %s: not reproducible from the lock", p.Name, p.URL), "")
		}
		if distinct := distinctIndexes(p.Indexes); len(distinct) > 1 {
			add("hygiene/multiple-indexes", SeverityHigh,
				fmt.Sprintf("files of %s come from %d indexes (%s): one of them can substitute the others' files", p.Name, len(distinct), strings.Join(distinct, ", ")),
				"take every package from exactly one index")
		}
	}
	return out
}

// isRemoteArchive reports whether u downloads an archive from a server, as
// opposed to a local path or directory.
func isRemoteArchive(u string) bool {
	parsed, err := url.Parse(u)
	return err == nil && (parsed.Scheme == "http" || parsed.Scheme == "https")
}

func distinctIndexes(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		k := strings.TrimRight(strings.ToLower(s), "/")
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}
