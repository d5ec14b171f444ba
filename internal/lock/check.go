package lock

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/redact"
	"github.com/pyward/pyward/internal/reqfile"
	"github.com/pyward/pyward/internal/sources"
)

// ReadLock reads the lock at path (a PEP 751 lock when pylock, else a
// hashed requirements file) into the lock model, with each package's
// version, marker, "via" and index as the file records them, and returns
// the sha256 of its content. A missing file is (nil, "", nil).
func ReadLock(path string, pylock bool) (*lockfile.Lock, string, error) {
	data, found, err := readExisting(path)
	if !found || err != nil {
		return nil, "", err
	}
	l, err := ParseLock(path, data, pylock)
	if err != nil {
		return nil, "", err
	}
	return l, DataSHA256(data), nil
}

// ParseLock parses data, the content of the lock at path, as ReadLock
// does; audit reads earlier revisions of a lock from git history with it.
func ParseLock(path string, data []byte, pylock bool) (*lockfile.Lock, error) {
	if pylock {
		l, err := lockfile.ParsePylock(path, data)
		if err != nil {
			return nil, fmt.Errorf("existing lock: %w", err)
		}
		return l, nil
	}
	rf, err := reqfile.Parse(path, data, reqfile.Options{})
	if err != nil {
		return nil, fmt.Errorf("existing lock: %w", err)
	}
	return requirementsLock(path, data, rf)
}

// requirementsLock is the lock model of a requirements lock (data, parsed
// as rf): the requirements of the file itself, with the notes pyward
// writes beside them.
func requirementsLock(path string, data []byte, rf *reqfile.File) (*lockfile.Lock, error) {
	notes, err := lockfile.ReadRequirementsSources(path, data)
	if err != nil {
		return nil, fmt.Errorf("existing lock: %w", err)
	}
	l := &lockfile.Lock{IndexURL: rf.IndexURL, FindLinks: rf.FindLinks, NoIndex: rf.NoIndex, Indexes: notes.Indexes}
	for _, r := range rf.Requirements {
		if r.Req == nil || r.Origin.File != path {
			continue
		}
		p := lockfile.Package{Name: r.Req.Name, Line: r.Origin.Line, Via: notes.Via[r.Origin.Line], Index: notes.From[r.Origin.Line],
			AttestationIdentities: notes.Identities[r.Origin.Line], PublisherChange: notes.Changes[r.Origin.Line]}
		p.Version, _ = r.Req.Specifier.ExactVersion()
		p.Extras = normalizedExtras(r.Req.Extras)
		if r.Marker != nil {
			p.Marker = r.Marker.String()
		}
		if r.Req.URL != "" {
			p.Archive = &lockfile.File{URL: r.Req.URL}
		}
		l.Packages = append(l.Packages, p)
	}
	return l, nil
}

// A Staleness is one way a lock no longer matches its inputs.
type Staleness struct {
	Kind   string // one of the Stale… constants
	Detail string
}

func (s Staleness) String() string { return s.Kind + ": " + s.Detail }

// Kinds of Staleness.
const (
	StaleAdded          = "requirement added"
	StaleRemoved        = "requirement removed"
	StaleChanged        = "requirement changed"
	StaleConstraint     = "constraint changed"
	StaleRequiresPython = "requires-python changed"
	StaleSources        = "sources changed"
	StaleExtras         = "extras changed"
)

// InputExtras maps each package the requirements name (normalized) to the
// extras they ask of it, PEP 685 normalized and sorted: what a lock
// records in lockfile.Package.Extras.
func InputExtras(reqs []Requirement) map[string][]string {
	out := map[string][]string{}
	for _, r := range reqs {
		if len(r.Req.Extras) > 0 {
			n := pep503.Normalize(r.Req.Name)
			out[n] = normalizedExtras(append(out[n], r.Req.Extras...))
		}
	}
	return out
}

// normalizedExtras is extras PEP 685 normalized, sorted, without
// duplicates; nil when empty.
func normalizedExtras(extras []string) []string {
	var out []string
	for _, e := range extras {
		out = append(out, pep503.Normalize(e))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Check compares a lock with the inputs that made it, without resolving:
// what a re-lock would have to change because the inputs say otherwise.
//
//   - requirement added: an input requirement (whose marker applies to
//     env) names a package the lock does not pin;
//   - requirement changed: the locked version (or direct URL) is not one
//     the requirement allows;
//   - requirement removed: the lock records a package as required by an
//     input ("via -r requirements.in", "via pyproject.toml") that no input
//     requirement names any more;
//   - extras changed: the extras the input requirements ask of a package
//     differ from the ones the lock records (lockfile.Package.Extras): a
//     re-lock would add or drop their dependencies. A lock that records
//     none, as locks made before pyward recorded extras, counts as made
//     without extras;
//   - constraint changed: a constraint excludes a locked version;
//   - requires-python changed: pyproject.toml's requires-python differs
//     from the one recorded;
//   - sources changed: a package comes from an index that is not among
//     sourceURLs (the indexes this run would use).
//
// A requirement whose locked version still satisfies it is fresh: a re-lock
// keeps the locked versions (Preferences). Options that only the command
// line records are not seen here; the caller compares the lock's recorded
// command.
func Check(l *lockfile.Lock, in *Inputs, sourceURLs map[string]string, env pep508.Environment) []Staleness {
	var out []Staleness
	add := func(kind, format string, args ...any) {
		out = append(out, Staleness{Kind: kind, Detail: fmt.Sprintf(format, args...)})
	}
	locked := map[string]*lockfile.Package{}
	for i := range l.Packages {
		locked[l.Packages[i].NormalizedName()] = &l.Packages[i]
	}
	required := map[string]bool{}
	for _, r := range in.Requirements {
		name := pep503.Normalize(r.Req.Name)
		required[name] = true
		if r.Req.Marker != nil && env != nil && !r.Req.Marker.Evaluate(env) {
			continue
		}
		p := locked[name]
		if p == nil {
			add(StaleAdded, "%s (%s) is not in the lock", r.Req, r.Origin)
			continue
		}
		if why := unsatisfied(r.Req, p); why != "" {
			add(StaleChanged, "%s (%s) %s", r.Req, r.Origin, why)
		}
	}
	out = append(out, checkExtras(locked, in.Requirements)...)
	for _, c := range in.Constraints {
		if p := locked[pep503.Normalize(c.Name)]; p != nil {
			if why := unsatisfied(c, p); why != "" {
				add(StaleConstraint, "constraint %s %s", c, why)
			}
		}
	}
	for i := range l.Packages {
		p := &l.Packages[i]
		if required[p.NormalizedName()] {
			continue
		}
		if origins := inputOrigins(p, locked); len(origins) > 0 {
			add(StaleRemoved, "%s==%s is locked as required by %s, which no longer requires it", p.Name, p.Version, strings.Join(origins, ", "))
		}
	}
	if l.RequiresPython != "" && in.RequiresPython != "" && l.RequiresPython != in.RequiresPython {
		add(StaleRequiresPython, "the lock was made for %s, pyproject.toml now says %s", l.RequiresPython, in.RequiresPython)
	}
	out = append(out, checkSources(l, sourceURLs)...)
	return out
}

// checkExtras compares the extras the requirements ask of each package
// they name with the ones the lock records for it, in input order.
func checkExtras(locked map[string]*lockfile.Package, reqs []Requirement) []Staleness {
	want := InputExtras(reqs)
	var out []Staleness
	seen := map[string]bool{}
	for _, r := range reqs {
		name := pep503.Normalize(r.Req.Name)
		p := locked[name]
		if p == nil || seen[name] {
			continue
		}
		seen[name] = true
		if slices.Equal(normalizedExtras(p.Extras), want[name]) {
			continue
		}
		// Name the requirement that asks for extras, if one does.
		asking := r
		for _, o := range reqs {
			if len(o.Req.Extras) > 0 && pep503.Normalize(o.Req.Name) == name {
				asking = o
				break
			}
		}
		asks := "no extras"
		if len(want[name]) > 0 {
			asks = "extras " + strings.Join(want[name], ", ")
		}
		made := p.Name + " without extras"
		if len(p.Extras) > 0 {
			made = p.Name + "[" + strings.Join(p.Extras, ",") + "]"
		}
		out = append(out, Staleness{Kind: StaleExtras,
			Detail: fmt.Sprintf("%s (%s) asks for %s; the lock was made for %s", asking.Req, asking.Origin, asks, made)})
	}
	return out
}

// unsatisfied says why the locked package p does not satisfy r, or "".
func unsatisfied(r *pep508.Requirement, p *lockfile.Package) string {
	if r.URL != "" {
		if p.Archive == nil || redact.URLs(p.Archive.URL) != redact.URLs(r.URL) {
			return fmt.Sprintf("but the lock has %s", describe(p))
		}
		return ""
	}
	if p.Archive != nil && p.Version == "" {
		return fmt.Sprintf("but the lock has %s", describe(p))
	}
	v, err := pep440.Parse(p.Version)
	if err != nil {
		return fmt.Sprintf("but the lock pins an unreadable version %q", p.Version)
	}
	// Pre-releases are allowed: the lock may have one by --pre.
	if !r.Specifier.Contains(v, true) {
		return fmt.Sprintf("does not allow the locked %s", describe(p))
	}
	return ""
}

func describe(p *lockfile.Package) string {
	if p.Archive != nil {
		return p.Name + " @ " + redact.URLs(p.Archive.URL)
	}
	return p.Name + "==" + p.Version
}

// inputOrigins returns the entries of p.Via that name an input (a file,
// "command line") rather than a locked package: normalized package names
// never hold a space or a dot, origins ("-r requirements.in",
// "pyproject.toml") do.
func inputOrigins(p *lockfile.Package, locked map[string]*lockfile.Package) []string {
	var out []string
	for _, v := range p.Via {
		if locked[v] == nil && pep503.Normalize(v) != v {
			out = append(out, v)
		}
	}
	return out
}

// checkSources reports packages recorded as coming from an index that is
// not among urls, and find-links locations no longer configured.
func checkSources(l *lockfile.Lock, urls map[string]string) []Staleness {
	if len(urls) == 0 {
		return nil
	}
	known := func(u string) bool {
		for _, have := range urls {
			if sources.SameURL(redact.URLs(have), redact.URLs(u)) {
				return true
			}
		}
		return false
	}
	current := make([]string, 0, len(urls))
	for _, u := range urls {
		current = append(current, redact.URLs(u))
	}
	slices.Sort(current)
	var out []Staleness
	reported := map[string]bool{}
	report := func(u, what string) {
		if u == "" || reported[u] || known(u) {
			return
		}
		reported[u] = true
		out = append(out, Staleness{Kind: StaleSources, Detail: fmt.Sprintf("%s %s, which is no longer among the sources (%s)",
			what, redact.URLs(u), strings.Join(current, ", "))})
	}
	if !l.NoIndex {
		report(l.IndexURL, "the lock's --index-url is")
	}
	for _, fl := range l.FindLinks {
		report(fl, "the lock's --find-links is")
	}
	for _, ix := range l.Indexes {
		report(ix.URL, "the lock names index "+ix.Name+" at")
	}
	for i := range l.Packages {
		p := &l.Packages[i]
		report(p.Index, p.Name+" comes from")
	}
	return out
}
