package fix

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/reqfile"
)

// A repository holds locks of three kinds (Classify):
//
//   - Rewritable: a pylock.toml, or a requirements file in which every
//     requirement is name==version with at least one hash and which
//     includes no other file (what pyward lock and pip-compile
//     --generate-hashes write). Fix rewrites these.
//   - Foreign: uv.lock, poetry.lock, pdm.lock and Pipfile.lock. Only their
//     own tool can re-resolve them; ForeignCommand says how.
//   - Anything else (requirements.in, pyproject.toml, a requirements file
//     with ranges or without hashes) is an input, not a lock: skipped.

// Kind is what fix can do with a dependency file.
type Kind int

// Kinds of dependency files.
const (
	NotALock Kind = iota
	Rewritable
	Foreign
)

// Classify tells whether data (the file at path, detected as format) is a
// lock Fix rewrites, a lock of another tool, or not a lock; for a
// requirements file that is not a lock, reason says why.
func Classify(path string, format inventory.Format, data []byte) (kind Kind, reason string) {
	switch format {
	case inventory.FormatPylock:
		return Rewritable, ""
	case inventory.FormatUVLock, inventory.FormatPoetryLock, inventory.FormatPDMLock, inventory.FormatPipfileLock:
		return Foreign, ""
	case inventory.FormatRequirements:
	default:
		return NotALock, "not a lock"
	}
	if strings.HasSuffix(strings.ToLower(path), ".in") {
		return NotALock, "an input file (its lock is what gets fixed)"
	}
	rf, err := reqfile.Parse(path, data, noIncludes)
	if err != nil {
		return NotALock, oneLine(err.Error())
	}
	if len(rf.Requirements) == 0 {
		return NotALock, "no requirements"
	}
	for _, r := range rf.Requirements {
		if r.Req == nil || r.Editable {
			return NotALock, fmt.Sprintf("line %d: %q is not pinned", r.Origin.Line, r.Raw)
		}
		if _, ok := r.Req.Specifier.ExactVersion(); !ok && r.Req.URL == "" {
			return NotALock, fmt.Sprintf("line %d: %s is not pinned with ==", r.Origin.Line, r.Req.Name)
		}
		if len(r.Hashes) == 0 {
			return NotALock, fmt.Sprintf("line %d: %s has no --hash (lock it with pyward lock)", r.Origin.Line, r.Req.Name)
		}
	}
	return Rewritable, ""
}

// ForeignCommand is the command of the tool that owns a foreign lock which
// upgrades the given packages in it, run in the lock's directory.
func ForeignCommand(format inventory.Format, packages []string) string {
	names := strings.Join(packages, " ")
	switch format {
	case inventory.FormatUVLock:
		var b strings.Builder
		b.WriteString("uv lock")
		for _, p := range packages {
			b.WriteString(" --upgrade-package " + p)
		}
		return b.String()
	case inventory.FormatPoetryLock:
		return "poetry update --lock " + names
	case inventory.FormatPDMLock:
		return "pdm update --no-sync " + names
	case inventory.FormatPipfileLock:
		return "pipenv upgrade " + names
	}
	return ""
}

// AtLeast keeps the vulnerability and malicious findings of fs at or above
// min: the ones a fix acts upon.
func AtLeast(fs []audit.Finding, min audit.Severity) []audit.Finding {
	var out []audit.Finding
	for _, f := range fs {
		if (f.Kind == audit.KindVulnerability || f.Kind == audit.KindMalicious) && f.Severity >= min {
			out = append(out, f)
		}
	}
	return out
}

// LockReport is what happened to one lock of a repository.
type LockReport struct {
	Result *Result
	// After is the re-audit of the new lock (the old one when unchanged).
	After *audit.Report
}

// ForeignLock is a lock of another tool with findings to fix.
type ForeignLock struct {
	Path     string
	Format   inventory.Format
	Findings []audit.Finding
}

// Skipped is a dependency file that is not a lock.
type Skipped struct {
	Path, Reason string
}

// Advisories lists the advisory IDs the changes of reports clear, sorted:
// the advisory set that names a fix branch and identifies its pull request.
func Advisories(reports []LockReport) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range reports {
		for _, c := range r.Result.Changes {
			for _, a := range c.Advisories {
				id, _, _ := strings.Cut(a, " ")
				if !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// Group is the locks of one directory of a repository: one project, one
// pull request.
type Group struct {
	Dir     string // slash-separated, relative to the repository; "." for the root
	Reports []LockReport
}

// Groups splits reports by the directory of their lock relative to root,
// sorted by directory.
func Groups(root string, reports []LockReport) []Group {
	by := map[string]*Group{}
	var dirs []string
	for _, r := range reports {
		dir := filepath.Dir(r.Result.Path)
		if rel, err := filepath.Rel(root, dir); err == nil && !strings.HasPrefix(rel, "..") {
			dir = rel
		}
		dir = filepath.ToSlash(dir)
		g, ok := by[dir]
		if !ok {
			g = &Group{Dir: dir}
			by[dir] = g
			dirs = append(dirs, dir)
		}
		g.Reports = append(g.Reports, r)
	}
	sort.Strings(dirs)
	out := make([]Group, 0, len(dirs))
	for _, d := range dirs {
		out = append(out, *by[d])
	}
	return out
}

// WriteRepoSummary writes the Markdown summary of a repository fix: each
// rewritable lock's summary (WriteSummary), then the foreign locks with the
// command of their own tool, then the files that are not locks.
func WriteRepoSummary(w io.Writer, reports []LockReport, foreign []ForeignLock, skipped []Skipped, min audit.Severity) error {
	var b strings.Builder
	ids := Advisories(reports)
	switch {
	case len(ids) > 0:
		fmt.Fprintf(&b, "# pyward fix: %s\n\n", strings.Join(ids, ", "))
	default:
		b.WriteString("# pyward fix\n\n")
	}
	fmt.Fprintf(&b, "Advisories at or above %s severity, in %d lock%s pyward rewrites", min, len(reports), plural(len(reports)))
	if len(foreign) > 0 {
		fmt.Fprintf(&b, " and %d lock%s of other tools", len(foreign), plural(len(foreign)))
	}
	b.WriteString(".\n\n")
	for _, r := range reports {
		var s strings.Builder
		if err := WriteSummary(&s, r.Result, r.After); err != nil {
			return err
		}
		// Each lock's title becomes a section of the repository summary.
		b.WriteString("#" + s.String())
		b.WriteString("\n")
	}
	if len(foreign) > 0 {
		b.WriteString("## Locks of other tools\n\npyward does not rewrite these; run their own tool in the lock's directory:\n\n")
		for _, f := range foreign {
			var names []string
			seen := map[string]bool{}
			var advs []string
			for _, fd := range f.Findings {
				n := pep503.Normalize(fd.Package)
				if !seen[n] {
					seen[n] = true
					names = append(names, n)
				}
				adv := md(fd.ID) + " (" + fd.Severity.String()
				if len(fd.FixedVersions) > 0 {
					adv += ", fixed in " + md(strings.Join(fd.FixedVersions, ", "))
				}
				advs = append(advs, md(fd.Package)+" "+md(fd.Version)+": "+adv+")")
			}
			sort.Strings(names)
			fmt.Fprintf(&b, "- %s: %s\n  ```\n  %s\n  ```\n", md(f.Path), strings.Join(advs, "; "), ForeignCommand(f.Format, names))
		}
		b.WriteString("\n")
	}
	if len(skipped) > 0 {
		b.WriteString("## Not locks\n\n")
		for _, s := range skipped {
			fmt.Fprintf(&b, "- %s: %s\n", md(s.Path), md(s.Reason))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
