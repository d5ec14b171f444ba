// Package fix rewrites a hashed lock (a pip-compile style requirements.txt
// or a PEP 751 pylock.toml) to the smallest upgrades that clear the
// vulnerabilities an audit found in it, as Dependabot does for a pull
// request.
//
// Rules:
//
//   - Target. For each vulnerable package the target is the smallest
//     version on the index that is (a) at least every finding's first fixed
//     version above the locked one (osv Finding.FixedAbove), (b) not yanked
//     (PEP 592: a version is yanked when all its files are), (c) not a
//     pre-release unless the locked version is one or pre-releases are
//     enabled, (d) compatible with the target Python when one is given, (e)
//     uploaded before the lock's --exclude-newer cutoff, if any, and (f)
//     free of every advisory it was meant to clear. Among those, a
//     version that brings no advisory the locked version did not have is
//     preferred; the newest release is never chosen just because it is
//     newest.
//   - Major versions. A target whose epoch or first release component is
//     above the locked one's is refused unless AllowMajor: the package is
//     reported as needing a major upgrade and left as it is.
//   - Malicious packages (OSV MAL- reports) are never "fixed" by an
//     upgrade: they are reported for removal.
//   - Findings without any known fixed version are reported as not fixable.
//   - Resolution: re-resolve with every locked package as a root, the current pins as preferences (so
//     nothing moves unless it has to), the targets preferred, and the
//     constraints name>=target (plus <next major without AllowMajor).
//     Packages the resolution no longer reaches (a marker that is false on
//     the target, say) are carried over unchanged; packages that were only
//     needed by the old versions of upgraded packages are dropped when the
//     lock records who required what ("# via").
//   - Impossible fixes. When the resolver proves that no set of versions
//     satisfies the lock with the fixed versions, or could only tell by
//     building an sdist, the fix is impossible: Result.Impossible explains
//     why and the lock is not changed. A lock whose pins were bumped without
//     resolving their dependencies is never produced: it could not be
//     installed, or would install what nobody checked.
//   - The lock keeps what the resolver does not decide. In a requirements
//     file every line outside the changed requirements stays as it was:
//     the header, the index options (--index-url, --extra-index-url,
//     --find-links, --trusted-host, --no-index), comments, and the
//     requirements whose version did not change (only their "# via" notes
//     are rewritten when who requires them changed). A pylock.toml keeps its
//     header comment, its top-level options and each package's index.
//   - Nothing is written here: Fix returns the new bytes, and the caller
//     writes them atomically, so a failure leaves the old lock untouched.
//   - Input limits. A lock is read by lockfile.ParsePylock or reqfile.Parse
//     and held to their limits (a pylock.toml: tomlbudget's size and
//     nesting limits; a requirements lock: reqfile.MaxFileSize and
//     MaxLineLength). ReadHeader and SplitCommand read the leading comment
//     lines in one pass.
package fix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/osv"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/resolve"
)

// Format is the lock file format.
type Format string

// Lock formats Fix rewrites.
const (
	Requirements Format = "requirements"
	Pylock       Format = "pylock"
)

// Index is what Fix needs from a package index (*index.Client has it).
type Index interface {
	Project(ctx context.Context, name string) (*index.Project, error)
	Download(ctx context.Context, f index.File, dst io.Writer) (string, error)
}

// Options configures one fix.
type Options struct {
	Path   string // the lock's path, for messages and the re-audit inventory
	Format Format
	Data   []byte // the lock's current content

	// Findings are the audit findings of the lock; only vulnerability and
	// malicious findings are acted upon.
	Findings []audit.Finding
	// Vulns and Ignores judge candidate versions (the same data the audit
	// used).
	Vulns   *osv.DB
	Ignores []osv.Ignore
	Now     time.Time // zero means time.Now()

	Index Index
	// Provider is the resolver's package source (required).
	Provider   resolve.Provider
	SourceURLs map[string]string // index source name -> URL, for the lock
	Target     lock.Target
	// Universal re-resolves for every environment it describes (a lock
	// made universal stays universal); Target is then not used. The old
	// lock's requires-python, when it records one, sets the Python range.
	Universal *resolve.Universe

	AllowMajor  bool
	Prereleases bool
	// ExcludeNewer ignores files uploaded after it (the lock's cooldown),
	// for targets and re-resolution alike; zero means no cutoff.
	ExcludeNewer time.Time
}

// Change is one package whose pin changed.
type Change struct {
	Package    string
	From, To   string   // "" when added (From) or removed (To)
	Advisories []string // advisory IDs no longer affecting the package
	Targeted   bool     // a vulnerable package (else moved by resolution)
	// RequiredBy explains a move the resolver made: the packages of the new
	// lock that require this one ("name version"), changed ones first.
	RequiredBy []string
}

// Problem is a package left as it is, and why.
type Problem struct {
	Package    string
	Version    string
	Advisories []string
	Reason     string
	Target     string // the version that would fix it, when known
}

// Result is the fixed lock and what to tell the reviewer.
type Result struct {
	Path    string
	Data    []byte // the new lock; equal to Options.Data when !Changed
	Changed bool
	// Impossible explains why the fix cannot be made (the resolver's
	// explanation); "" otherwise. The lock is then unchanged.
	Impossible string
	Changes    []Change
	// NeedsMajor lists packages whose fix crosses a major version.
	NeedsMajor []Problem
	// Unfixable lists packages with no fixing release.
	Unfixable []Problem
	// Remove lists malicious packages.
	Remove []Problem
	// Inventory is the new lock, for re-auditing in memory.
	Inventory *inventory.Inventory
	// Lock is the new lock when the fix re-resolved it (nil otherwise),
	// for the caller's review of where its packages came from
	// (sources.Review), as after pyward lock.
	Lock *lockfile.Lock
}

// plan is what must happen to one vulnerable package.
type plan struct {
	name     string // normalized
	display  string
	current  string
	target   string
	findings []audit.Finding
}

// Fix computes the smallest upgrades that clear the vulnerability findings
// of the lock in opts.Data. It only reads; the caller writes Result.Data.
func Fix(ctx context.Context, opts Options) (*Result, error) {
	if opts.Index == nil {
		return nil, errors.New("fix: no package index")
	}
	if opts.Vulns == nil {
		return nil, errors.New("fix: no advisory database")
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	doc, err := parseDocument(opts.Path, opts.Format, opts.Data)
	if err != nil {
		return nil, err
	}
	res := &Result{Path: opts.Path, Data: opts.Data}

	byPkg := map[string][]audit.Finding{}
	var names []string
	for _, f := range opts.Findings {
		if f.Kind != audit.KindVulnerability && f.Kind != audit.KindMalicious {
			continue
		}
		n := pep503.Normalize(f.Package)
		if _, ok := byPkg[n]; !ok {
			names = append(names, n)
		}
		byPkg[n] = append(byPkg[n], f)
	}
	sort.Strings(names)
	var plans []*plan
	for _, n := range names {
		fs := byPkg[n]
		if m := malicious(fs); m != nil {
			res.Remove = append(res.Remove, Problem{Package: m.Package, Version: m.Version, Advisories: ids(fs, true),
				Reason: "malicious package: remove it and treat every machine that installed it as compromised"})
			continue
		}
		p := doc.lock.Find(n)
		if p == nil || p.Version == "" || p.Archive != nil {
			res.Unfixable = append(res.Unfixable, Problem{Package: fs[0].Package, Version: fs[0].Version, Advisories: ids(fs, false),
				Reason: "not pinned to an index release in this lock"})
			continue
		}
		pl, prob, err := choose(ctx, opts, n, p.Name, p.Version, fs)
		if err != nil {
			return nil, err
		}
		switch {
		case prob != nil && prob.Target != "":
			res.NeedsMajor = append(res.NeedsMajor, *prob)
		case prob != nil:
			res.Unfixable = append(res.Unfixable, *prob)
		}
		if pl != nil {
			plans = append(plans, pl)
		}
	}
	if len(plans) == 0 {
		res.Inventory, err = inventoryOf(opts.Path, opts.Format, opts.Data, doc)
		return res, err
	}

	if opts.Provider == nil {
		return nil, errors.New("fix: no resolver")
	}
	newLock, err := resolveFix(ctx, opts, doc, plans)
	var nse *resolve.NoSolutionError
	switch {
	case errors.As(err, &nse):
		res.Impossible = "No set of versions satisfies the lock with the fixed versions: " + oneLine(nse.Explanation())
	case errors.Is(err, index.ErrNeedsBuild):
		res.Impossible = "The dependencies of a fixed version can only be read by building it (" + oneLine(err.Error()) +
			"); re-lock with pyward lock --allow-build to resolve it."
	case err != nil:
		return nil, fmt.Errorf("fix: re-resolve %s: %w", opts.Path, err)
	}
	if res.Impossible != "" {
		res.Inventory, err = inventoryOf(opts.Path, opts.Format, opts.Data, doc)
		return res, err
	}
	if res.Data, err = rewrite(doc, opts.Data, newLock); err != nil {
		return nil, err
	}
	res.Changed = string(res.Data) != string(opts.Data)
	after, err := parseDocument(opts.Path, opts.Format, res.Data)
	if err != nil {
		return nil, fmt.Errorf("fix: the rewritten lock does not parse: %w", err)
	}
	res.Changes = diff(opts, doc.lock, after.lock, plans)
	res.Lock = after.lock
	res.Inventory, err = inventoryOf(opts.Path, opts.Format, res.Data, after)
	return res, err
}

func malicious(fs []audit.Finding) *audit.Finding {
	for i := range fs {
		if fs[i].Kind == audit.KindMalicious {
			return &fs[i]
		}
	}
	return nil
}

// ids lists the advisory IDs of fs (only malicious ones when mal).
func ids(fs []audit.Finding, mal bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range fs {
		if mal && f.Kind != audit.KindMalicious {
			continue
		}
		if f.ID != "" && !seen[f.ID] {
			seen[f.ID] = true
			out = append(out, f.ID)
		}
	}
	sort.Strings(out)
	return out
}

// oneLine squeezes a multi-line explanation for a Markdown paragraph.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// diff lists changed pins between the old and new lock.
func diff(opts Options, before, after *lockfile.Lock, plans []*plan) []Change {
	targeted := map[string]*plan{}
	for _, p := range plans {
		targeted[p.name] = p
	}
	old := map[string]string{}
	for _, p := range before.Packages {
		old[p.NormalizedName()] = p.Version
	}
	names := map[string]string{}
	now := map[string]string{}
	for _, p := range after.Packages {
		now[p.NormalizedName()] = p.Version
		names[p.NormalizedName()] = p.Name
	}
	for _, p := range before.Packages {
		if _, ok := names[p.NormalizedName()]; !ok {
			names[p.NormalizedName()] = p.Name
		}
	}
	var out []Change
	for n, display := range names {
		from, to := old[n], now[n]
		if from == to {
			continue
		}
		c := Change{Package: display, From: from, To: to}
		if pl, ok := targeted[n]; ok {
			c.Targeted = true
			c.Advisories = cleared(opts, pl, to)
		} else if to != "" {
			c.RequiredBy = requiredBy(after, n, old)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Targeted != out[j].Targeted {
			return out[i].Targeted
		}
		return pep503.Normalize(out[i].Package) < pep503.Normalize(out[j].Package)
	})
	return out
}

// requiredBy lists the packages of l that depend on the package named n
// (by their dependencies, else the "# via" notes), those whose version
// changed from old first.
func requiredBy(l *lockfile.Lock, n string, old map[string]string) []string {
	var moved, kept []string
	seen := map[string]bool{}
	add := func(p *lockfile.Package) {
		pn := p.NormalizedName()
		if seen[pn] || pn == n {
			return
		}
		seen[pn] = true
		if old[pn] != p.Version {
			moved = append(moved, p.Name+" "+p.Version)
		} else {
			kept = append(kept, p.Name+" "+p.Version)
		}
	}
	for i := range l.Packages {
		for _, d := range l.Packages[i].Dependencies {
			if pep503.Normalize(d) == n {
				add(&l.Packages[i])
			}
		}
	}
	if p := l.Find(n); p != nil {
		for _, v := range p.Via {
			if dep := l.Find(v); dep != nil {
				add(dep)
			}
		}
	}
	sort.Strings(moved)
	sort.Strings(kept)
	return append(moved, kept...)
}

// cleared returns the IDs of pl's findings that no longer affect version.
func cleared(opts Options, pl *plan, version string) []string {
	var still map[string]bool
	if version != "" {
		still = affecting(opts, pl.name, version)
	}
	var out []string
	for _, f := range pl.findings {
		if hits(still, f) {
			continue
		}
		id := f.ID
		if len(f.Aliases) > 0 {
			id += " (" + strings.Join(f.Aliases, ", ") + ")"
		}
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
