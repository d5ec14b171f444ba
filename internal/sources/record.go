package sources

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/redact"
)

// Record writes into l (whose packages carry the URL of their index) the
// sources a consumer needs: find-links locations, --no-index when there is
// no index, the index URL when one index supplies every package (omitted
// for PyPI, as pip-compile does), and the index names when there are
// several or a name is not the one DeriveName gives. For a requirements
// lock with several indexes it returns the warning that pip cannot install
// the file safely.
func (s *Sources) Record(l *lockfile.Lock, requirements bool) []string {
	var indexes []Index
	for _, ix := range s.indexes {
		if ix.FindLinks {
			l.FindLinks = append(l.FindLinks, ix.URL)
		} else {
			indexes = append(indexes, ix)
		}
	}
	l.TrustedHosts = s.recordedTrust()
	if len(indexes) == 0 {
		l.NoIndex = true
		return nil
	}
	used := map[string]bool{}
	for _, p := range l.Packages {
		if p.Index != "" {
			used[canonical(p.Index)] = true
		}
	}
	var refs []lockfile.IndexRef
	renamed := false
	for _, ix := range indexes {
		if used[canonical(ix.URL)] {
			refs = append(refs, lockfile.IndexRef{Name: ix.Name, URL: redact.URLs(ix.URL)})
			renamed = renamed || ix.Name != DeriveName(ix.URL)
		}
	}
	if len(refs) > 1 || renamed {
		l.Indexes = refs
	}
	switch {
	case len(refs) <= 1 && len(indexes) == 1:
		if indexes[0].URL != DefaultIndexURL {
			l.IndexURL = indexes[0].URL
		}
	case len(refs) == 1:
		if refs[0].URL != DefaultIndexURL {
			l.IndexURL = refs[0].URL
		}
	case requirements && len(refs) > 1:
		var names []string
		for _, r := range refs {
			names = append(names, r.Name)
		}
		return []string{fmt.Sprintf("the lock takes packages from %d indexes (%s); pip reads a requirements file with one index list for every package, so 'pip install -r' cannot install it safely: install it with 'pyward sync', or lock to pylock.toml, which records each package's index",
			len(refs), strings.Join(names, ", "))}
	}
	return nil
}

// ConflictError says that names were found with different files on
// several indexes under RefuseConflicts.
type ConflictError struct {
	Conflicts []index.Overlap
	indexes   []Index
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	n := len(e.Conflicts)
	fmt.Fprintf(&b, "dependency confusion: %d %s found with different files on more than one index; pyward does not merge indexes as pip does:", n, plural(n, "name is", "names are"))
	url := func(name string) string {
		for _, ix := range e.indexes {
			if ix.Name == name {
				return ix.Display()
			}
		}
		return ""
	}
	var routes []string
	for _, c := range e.Conflicts {
		var on []string
		for _, name := range append([]string{c.Used}, c.Differ...) {
			on = append(on, fmt.Sprintf("%s (%s)", name, url(name)))
		}
		fmt.Fprintf(&b, "\n  %s: %s", c.Project, strings.Join(on, ", "))
		routes = append(routes, fmt.Sprintf("--index-for '%s=%s'", c.Project, c.Used))
	}
	fmt.Fprintf(&b, "\nEither take each name from one index: %s (name the index that should supply it; or [tool.pyward] index-for in pyproject.toml),", strings.Join(routes, " "))
	b.WriteString("\nor accept pip's merge, where the highest version on any index wins: --index-strategy unsafe-best-match")
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Review checks what the client found on several indexes (index.Client.
// Overlaps) against the strategy. Under RefuseConflicts a name with
// different files on two indexes is a *ConflictError (only names of l
// count when l is not nil: a name the resolution did not keep decided
// nothing). Under FirstIndex every locked name also found on a later index
// is returned as a note naming the index used.
func (s *Sources) Review(overlaps []index.Overlap, l *lockfile.Lock) ([]string, error) {
	if !s.survey {
		return nil, nil
	}
	locked := func(name string) bool { return l == nil || l.Find(name) != nil }
	var conflicts []index.Overlap
	var notes []string
	for _, o := range overlaps {
		if !locked(o.Project) {
			continue
		}
		if s.strategy == RefuseConflicts && len(o.Differ) > 0 {
			conflicts = append(conflicts, o)
			continue
		}
		if l == nil {
			continue
		}
		diff := ""
		if len(o.Differ) > 0 {
			diff = fmt.Sprintf(", with different files on %s", strings.Join(o.Differ, ", "))
		}
		notes = append(notes, fmt.Sprintf("%s: taken from %s, the first index that has it; also on %s%s", o.Project, o.Used, strings.Join(o.Others, ", "), diff))
	}
	sort.Slice(conflicts, func(i, j int) bool { return conflicts[i].Project < conflicts[j].Project })
	if len(conflicts) > 0 {
		return nil, &ConflictError{Conflicts: conflicts, indexes: s.indexes}
	}
	return notes, nil
}

// recordedTrust returns the trusted hosts that an index or find-links
// location of the sources is on, in configuration order.
func (s *Sources) recordedTrust() []string {
	var out []string
	for _, h := range s.trusted {
		if slices.Contains(out, h) {
			continue
		}
		for _, ix := range s.indexes {
			if u, err := url.Parse(ix.URL); err == nil && (strings.EqualFold(u.Host, h) || strings.EqualFold(u.Hostname(), h)) {
				out = append(out, h)
				break
			}
		}
	}
	return out
}

// LockRecords returns the index names and trusted hosts a lock file
// records (lockfile.Lock.Indexes and TrustedHosts), reading only what it
// needs: the "# pyward: index" and --trusted-host lines of a requirements
// lock, the [tool.pyward] table of a pylock.toml.
func LockRecords(path string, data []byte, pylock bool) ([]lockfile.IndexRef, []string, error) {
	if !pylock {
		rs, err := lockfile.ReadRequirementsSources(path, data)
		if err != nil {
			return nil, nil, err
		}
		return rs.Indexes, rs.TrustedHosts, nil
	}
	if !bytes.Contains(data, []byte("[tool.pyward]")) {
		return nil, nil, nil
	}
	l, err := lockfile.ParsePylock(path, data)
	if err != nil {
		return nil, nil, err
	}
	return l.Indexes, l.TrustedHosts, nil
}

// Default is the index for packages whose lock records none: the first
// configured index, else PyPI.
func (s *Sources) Default() string {
	for _, ix := range s.indexes {
		if !ix.FindLinks {
			return ix.URL
		}
	}
	return DefaultIndexURL
}

// FromInventories gathers what audited dependency files record about
// sources: each package's index (when it is a URL), and the index names
// and trusted hosts of pyward's lock formats. Files that name one index
// differently: the first name wins.
func FromInventories(path string, invs []*inventory.Inventory) (*Locked, error) {
	l := &Locked{Path: path}
	for _, inv := range invs {
		if inv.Format == inventory.FormatRequirements || inv.Format == inventory.FormatPylock {
			data, err := os.ReadFile(inv.Source)
			if err != nil {
				return nil, err
			}
			refs, trusted, err := LockRecords(inv.Source, data, inv.Format == inventory.FormatPylock)
			if err != nil {
				return nil, err
			}
			l.TrustedHosts = append(l.TrustedHosts, trusted...)
			for _, r := range refs {
				dup := slices.ContainsFunc(l.Indexes, func(have lockfile.IndexRef) bool { return have.Name == r.Name || SameURL(have.URL, r.URL) })
				if !dup {
					l.Indexes = append(l.Indexes, r)
				}
			}
		}
		for _, p := range inv.Packages {
			if strings.Contains(p.Index, "://") {
				l.Packages = append(l.Packages, LockedPackage{Name: p.Name, Index: p.Index})
			}
		}
	}
	return l, nil
}
