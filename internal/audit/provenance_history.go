package audit

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/pyward/pyward/internal/gitrepo"
	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
)

// LockRevision is one state of a lock: a commit that changed it, or the
// working tree (Commit "").
type LockRevision struct {
	Commit string // full hash; "" for the working tree
	Date   string // committer date, ISO 8601
	Lock   *lockfile.Lock
}

// PublisherHistoryFindings reports the publisher changes in a lock's
// history, revs oldest first (the last is usually the working tree's lock),
// as provenance/publisher-change findings (high) against file.
//
// The rule, per package name (PEP 503 normalized):
//
//   - a revision's view of a name is the set of its versions and the union
//     of the identities of every entry of that name, so a universal lock
//     with one entry per environment compares as one package: a publisher
//     is a project's, not an environment's;
//   - each revision holding a name is compared with the latest earlier one
//     holding it (a package removed and added back is compared too), where
//     its versions differ; the change is the one pyward lock refuses
//     without --allow-publisher-change (lock.PublisherChanged): the old
//     revision had identities and the new one has none, or one the old
//     one did not have. Gaining provenance, or keeping fewer of the same
//     publishers, is no change;
//   - a revision that records no identity (nor accepted change) for any
//     package was not written with provenance checks, so it says nothing
//     and is passed over: the revisions around it are compared instead;
//   - a direct URL package has no index provenance and is not compared;
//   - the change the last revision still records (PublisherChange, for the
//     same name and version) is ProvenanceFindings' to report, not repeated.
//
// Each finding names the commit (short hash and date) where the change
// happened, both versions and identities, and whether the change was
// accepted with --allow-publisher-change (the new revision records it) or
// the lock was edited another way.
func PublisherHistoryFindings(file string, revs []LockRevision) []Finding {
	if len(revs) == 0 {
		return nil
	}
	current := publisherViews(revs[len(revs)-1].Lock)
	var out []Finding
	last := map[string]*publisherView{} // each name as the latest revision holding it had it
	for _, rev := range revs {
		views := publisherViews(rev.Lock)
		if views == nil {
			continue // no provenance recorded: silence says nothing
		}
		for _, name := range slices.Sorted(maps.Keys(views)) {
			now, was := views[name], last[name]
			last[name] = now
			if was == nil || now.versionKey() == was.versionKey() {
				continue
			}
			if _, changed := lock.PublisherChanged(was.ids, now.ids); !changed {
				continue
			}
			if cur := current[name]; cur != nil && cur.accepted != "" && cur.versionKey() == now.versionKey() {
				continue // the current lock's own record, reported by ProvenanceFindings
			}
			out = append(out, historyFinding(file, rev, name, was, now, current[name]))
		}
	}
	return out
}

// publisherView is what one revision of a lock says about one name.
type publisherView struct {
	name     string   // as the first entry spells it
	versions []string // distinct, as written, sorted
	ids      []lockfile.AttestationIdentity
	accepted string // the first entry's PublisherChange
	line     int
}

func (v *publisherView) versionKey() string {
	keys := make([]string, len(v.versions))
	for i, s := range v.versions {
		keys[i] = normalizeVersion(s)
	}
	slices.Sort(keys)
	return strings.Join(slices.Compact(keys), " ")
}

// publisherViews groups l's index packages by normalized name; nil when l
// records no identity and no accepted change at all.
func publisherViews(l *lockfile.Lock) map[string]*publisherView {
	if l == nil {
		return nil
	}
	views := map[string]*publisherView{}
	recorded := false
	for i := range l.Packages {
		p := &l.Packages[i]
		recorded = recorded || len(p.AttestationIdentities) > 0 || p.PublisherChange != ""
		if p.Archive != nil {
			continue
		}
		n := p.NormalizedName()
		v := views[n]
		if v == nil {
			v = &publisherView{name: p.Name, line: p.Line}
			views[n] = v
		}
		if !slices.Contains(v.versions, p.Version) {
			v.versions = append(v.versions, p.Version)
		}
		for _, id := range p.AttestationIdentities {
			if !slices.ContainsFunc(v.ids, id.Equal) {
				v.ids = append(v.ids, id)
			}
		}
		if v.accepted == "" {
			v.accepted = p.PublisherChange
		}
	}
	if !recorded {
		return nil
	}
	for _, v := range views {
		sort.Strings(v.versions)
	}
	return views
}

func historyFinding(file string, rev LockRevision, name string, was, now, cur *publisherView) Finding {
	where := "in the working tree (not committed)"
	if rev.Commit != "" {
		where = "in commit " + shortCommit(rev.Commit)
		if len(rev.Date) >= 10 {
			where += " (" + rev.Date[:10] + ")"
		}
	}
	oldV, newV := strings.Join(was.versions, ", "), strings.Join(now.versions, ", ")
	newIDs := "no provenance"
	if len(now.ids) > 0 {
		newIDs = "publisher " + identityNames(now.ids)
	}
	detail := fmt.Sprintf("%s was published by %s; %s has %s.", oldV, identityNames(was.ids), newV, newIDs)
	if now.accepted != "" {
		detail += " The change was accepted: " + now.accepted
	} else {
		detail += " The lock records no accepted change (--allow-publisher-change): it was edited by hand or by another tool."
	}
	f := Finding{Kind: KindProvenance, Rule: "provenance/publisher-change", Severity: SeverityHigh,
		Package: now.name, Version: newV, File: file,
		Title:  fmt.Sprintf("%s %s -> %s: its publisher changed %s", now.name, oldV, newV, where),
		Detail: detail,
		Fix:    "check with the project that the new publisher is theirs (a stolen token or a moved repository)"}
	if cur != nil {
		f.Line = cur.line // where the package is in the lock today
	}
	return f
}

func identityNames(ids []lockfile.AttestationIdentity) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	slices.Sort(s)
	return strings.Join(s, " and ")
}

// shortCommit abbreviates a hash to 12 digits, enough to be unique in any
// repository of realistic size.
func shortCommit(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// PublisherHistory reads the git history of the lock at file (a pylock.toml
// when pylock, else a requirements lock) and returns its publisher changes
// (PublisherHistoryFindings), current being the lock as the working tree
// holds it. It does nothing, and costs no git process beyond one
// rev-parse, unless current records identities and file is in a git work
// tree; then it reads the last gitrepo.MaxHistory revisions that changed
// the file (two more git processes) and parses each with the parser audit
// uses. A revision that does not parse is skipped and logged through logf.
// A file outside a repository, a repository without commits or an
// untracked file yield nothing; another git failure is an error.
func PublisherHistory(ctx context.Context, file string, pylock bool, current *lockfile.Lock, logf func(string, ...any)) ([]Finding, error) {
	if current == nil || publisherViews(current) == nil {
		return nil, nil
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	repo, err := gitrepo.Open(ctx, filepath.Dir(abs))
	if err != nil {
		logf("audit: no publisher history for %s: %v", file, err)
		return nil, nil
	}
	rel, err := repo.Rel(abs)
	if err != nil {
		return nil, err
	}
	hist, err := repo.FileHistory(ctx, rel, gitrepo.MaxHistory)
	if err != nil {
		if head, herr := repo.Resolve(ctx, "HEAD"); herr == nil && head == "" {
			return nil, nil // a repository without commits has no history
		}
		return nil, err
	}
	// Parsing, not git, is the cost (a 100 KB pylock.toml takes some
	// milliseconds, git reads fifty revisions in one): on every core.
	parsed := make([]*lockfile.Lock, len(hist))
	errs := make([]error, len(hist))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, h := range hist {
		g.Go(func() error {
			parsed[i], errs[i] = lock.ParseLock(file, h.Data, pylock)
			return nil
		})
	}
	_ = g.Wait()
	revs := make([]LockRevision, 0, len(hist)+1)
	for i, h := range hist {
		if errs[i] != nil {
			logf("audit: %s at commit %s: %v (skipped in the publisher history)", file, shortCommit(h.Commit), errs[i])
			continue
		}
		revs = append(revs, LockRevision{Commit: h.Commit, Date: h.Date, Lock: parsed[i]})
	}
	logf("audit: %s: %d revisions read from git for the publisher history", file, len(revs))
	revs = append(revs, LockRevision{Lock: current})
	return PublisherHistoryFindings(file, revs), nil
}
