package osv

import (
	"cmp"
	"slices"
	"strings"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
)

// Event kinds as stored in a compiled range.
const (
	evIntroduced byte = iota + 1
	evFixed
	evLastAffected
	evLimit
)

type event struct {
	kind    byte
	version string
}

// entry is one advisory as it applies to one package: every affected[]
// element of the record naming that package, folded together.
type entry struct {
	id        string
	aliases   []string
	summary   string
	level     Level
	score     float64
	vector    string
	malicious bool
	ranges    [][]event // ECOSYSTEM and SEMVER ranges, events as published
	versions  []string  // versionKey of each listed version, sorted, unique
	group     int       // alias group within the package (see groupEntries)
}

// DB is a compiled, immutable advisory database: entries indexed by PEP 503
// normalized package name. It is safe for concurrent use.
type DB struct {
	pkgs      map[string][]entry
	records   int // advisories compiled (withdrawn ones excluded)
	withdrawn int // withdrawn advisories skipped
}

// Len reports the number of advisories in the database (withdrawn ones are
// dropped at build time and not counted).
func (db *DB) Len() int { return db.records }

// Withdrawn reports how many withdrawn advisories were skipped.
func (db *DB) Withdrawn() int { return db.withdrawn }

// Packages reports how many distinct packages have advisories.
func (db *DB) Packages() int { return len(db.pkgs) }

// Build compiles records into a DB. Withdrawn records are dropped (a
// withdrawal means the advisory was published in error); affected entries
// for ecosystems other than PyPI are ignored.
func Build(records []*Record) *DB {
	db := &DB{pkgs: map[string][]entry{}}
	// Deterministic order regardless of how (and how parallel) records were
	// loaded: the index file and the findings then never depend on it.
	records = slices.Clone(records)
	slices.SortFunc(records, func(a, b *Record) int { return strings.Compare(a.ID, b.ID) })
	for _, rec := range records {
		if rec == nil {
			continue
		}
		if !rec.Withdrawn.IsZero() {
			db.withdrawn++
			continue
		}
		db.records++
		byPkg := map[string][]*Affected{}
		var order []string
		for i := range rec.Affected {
			a := &rec.Affected[i]
			if !strings.EqualFold(a.Package.Ecosystem, EcosystemPyPI) || a.Package.Name == "" {
				continue
			}
			n := pep503.Normalize(a.Package.Name)
			if _, ok := byPkg[n]; !ok {
				order = append(order, n)
			}
			byPkg[n] = append(byPkg[n], a)
		}
		for _, name := range order {
			db.pkgs[name] = append(db.pkgs[name], compileEntry(rec, byPkg[name]))
		}
	}
	for name, es := range db.pkgs {
		groupEntries(es)
		db.pkgs[name] = es
	}
	return db
}

func isMalicious(rec *Record) bool {
	if strings.HasPrefix(rec.ID, "MAL-") {
		return true
	}
	for _, a := range rec.Aliases {
		if strings.HasPrefix(a, "MAL-") {
			return true
		}
	}
	// The OpenSSF malicious-packages format records its provenance here.
	_, ok := rec.DatabaseSpecific["malicious-packages-origins"]
	return ok
}

func compileEntry(rec *Record, affs []*Affected) entry {
	e := entry{id: rec.ID, summary: summaryOf(rec), malicious: isMalicious(rec)}
	for _, a := range rec.Aliases {
		if a = strings.TrimSpace(a); a != "" && a != rec.ID && !slices.Contains(e.aliases, a) {
			e.aliases = append(e.aliases, a)
		}
	}
	e.level, e.score, e.vector = severityOf(rec, affs)
	if e.malicious {
		e.level = LevelCritical
	}
	for _, a := range affs {
		for _, r := range a.Ranges {
			if r.Type != RangeEcosystem && r.Type != RangeSemver {
				continue // GIT ranges name commits, not releases
			}
			evs := make([]event, 0, len(r.Events))
			for _, ev := range r.Events {
				switch {
				case ev.Introduced != "":
					evs = append(evs, event{evIntroduced, ev.Introduced})
				case ev.Fixed != "":
					evs = append(evs, event{evFixed, ev.Fixed})
				case ev.LastAffected != "":
					evs = append(evs, event{evLastAffected, ev.LastAffected})
				case ev.Limit != "":
					evs = append(evs, event{evLimit, ev.Limit})
				}
			}
			if len(evs) > 0 {
				e.ranges = append(e.ranges, evs)
			}
		}
		for _, v := range a.Versions {
			e.versions = append(e.versions, versionKey(v))
		}
	}
	slices.Sort(e.versions)
	e.versions = slices.Compact(e.versions)
	return e
}

// maxSummary bounds the summary synthesized from details when an advisory
// has none (most PYSEC entries): enough for one table cell.
const maxSummary = 160

func summaryOf(rec *Record) string {
	if s := strings.TrimSpace(rec.Summary); s != "" {
		return s
	}
	d := strings.Join(strings.Fields(rec.Details), " ")
	if len(d) <= maxSummary {
		return d
	}
	cut := strings.LastIndexByte(d[:maxSummary], ' ')
	if cut <= 0 {
		cut = maxSummary
	}
	return d[:cut] + "…"
}

// groupEntries assigns alias groups: two advisories of one package belong
// to the same group when their ID-and-alias sets are connected (transitively:
// PYSEC-x aliases CVE-1, GHSA-y aliases CVE-1, so both are one finding).
// Grouping is per package so a CVE shared by two projects never merges
// their advisories.
func groupEntries(es []entry) {
	parent := make([]int, len(es))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i := range es {
		for _, id := range append([]string{es[i].id}, es[i].aliases...) {
			if j, ok := owner[id]; ok {
				ri, rj := find(i), find(j)
				if ri != rj {
					parent[max(ri, rj)] = min(ri, rj)
				}
			} else {
				owner[id] = i
			}
		}
	}
	for i := range es {
		es[i].group = find(i)
	}
}

// versionKey is the comparison key for explicit versions lists: the
// canonical PEP 440 form with trailing zero release components dropped
// (packaging's canonicalize_version), so 1.0, 1.0.0 and v1.0 share one key.
// Text that is not a PEP 440 version compares lower-cased, as pip compares
// legacy versions. Canonical forms are already lower-case and trimmed, so one
// expression serves both cases.
func versionKey(s string) string {
	return strings.ToLower(strings.TrimSpace(pep440.Canonicalize(s, true)))
}

// Finding is one vulnerability affecting a queried package version: an
// advisory merged with its aliased duplicates.
type Finding struct {
	Package   string   // PEP 503 normalized name
	Version   string   // the queried version, as given
	ID        string   // preferred advisory ID (see preferID)
	IDs       []string // every advisory ID and alias of the group, sorted, ID included
	Summary   string
	Severity  Level
	Score     float64 // CVSS v3 base score; 0 when the level came from text or is unknown
	Vector    string  // the CVSS vector Score was computed from
	Malicious bool    // a MAL- report: the package itself is malware
	// FixedVersions are the distinct "fixed" versions of the matching
	// advisories, in ascending PEP 440 order.
	FixedVersions []string
}

// FixedAbove returns the smallest fixed version greater than the queried
// version, the upgrade target for --fix; "" when none is known.
func (f *Finding) FixedAbove() string {
	q, err := pep440.Parse(f.Version)
	if err != nil {
		return ""
	}
	for _, fv := range f.FixedVersions {
		if v, err := pep440.Parse(fv); err == nil && v.Compare(q) > 0 {
			return fv
		}
	}
	return ""
}

// Query returns the vulnerabilities affecting version of the package called
// name (any spelling; compared after PEP 503 normalization), one Finding per
// alias group, worst first. Malicious-package reports match every version.
// A version that is not valid PEP 440 can only match explicit versions
// lists.
func (db *DB) Query(name, version string) []Finding {
	es := db.pkgs[pep503.Normalize(name)]
	if len(es) == 0 {
		return nil
	}
	q, qerr := pep440.Parse(version)
	var qv *pep440.Version
	if qerr == nil {
		qv = &q
	}
	key := versionKey(version)
	matched := map[int][]*entry{}
	var groups []int
	for i := range es {
		e := &es[i]
		if !e.malicious && !e.affects(qv, key) {
			continue
		}
		if _, ok := matched[e.group]; !ok {
			groups = append(groups, e.group)
		}
		matched[e.group] = append(matched[e.group], e)
	}
	findings := make([]Finding, 0, len(groups))
	for _, g := range groups {
		findings = append(findings, newFinding(pep503.Normalize(name), version, es, g, matched[g]))
	}
	slices.SortFunc(findings, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return findings
}

func newFinding(pkg, version string, all []entry, group int, hits []*entry) Finding {
	f := Finding{Package: pkg, Version: version}
	ids := map[string]bool{}
	for i := range all {
		if all[i].group != group {
			continue
		}
		ids[all[i].id] = true
		for _, a := range all[i].aliases {
			ids[a] = true
		}
	}
	f.IDs = make([]string, 0, len(ids))
	for id := range ids {
		f.IDs = append(f.IDs, id)
	}
	slices.Sort(f.IDs)
	var fixed []string
	for _, e := range hits {
		if f.ID == "" || preferID(e.id, f.ID) {
			f.ID = e.id
		}
		if e.malicious {
			f.Malicious = true
		}
		if e.level > f.Severity || (e.level == f.Severity && e.score > f.Score) {
			f.Severity, f.Score, f.Vector = e.level, e.score, e.vector
		}
		if f.Summary == "" {
			f.Summary = e.summary
		}
		for _, r := range e.ranges {
			for _, ev := range r {
				if ev.kind == evFixed {
					fixed = append(fixed, ev.version)
				}
			}
		}
	}
	for _, e := range hits {
		if e.id == f.ID && e.summary != "" {
			f.Summary = e.summary
		}
	}
	f.FixedVersions = sortVersions(fixed)
	return f
}

// preferID reports whether advisory ID a should represent a finding rather
// than b: malicious-package reports first, then GitHub advisories (the most
// widely cross-referenced), then PYSEC, then anything else; ties by text.
func preferID(a, b string) bool {
	rank := func(id string) int {
		switch {
		case strings.HasPrefix(id, "MAL-"):
			return 0
		case strings.HasPrefix(id, "GHSA-"):
			return 1
		case strings.HasPrefix(id, "PYSEC-"):
			return 2
		}
		return 3
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra < rb
	}
	return a < b
}

// sortVersions dedups versions by key and sorts them in PEP 440 order;
// unparsable ones go last, in text order.
func sortVersions(vs []string) []string {
	type pv struct {
		s  string
		v  pep440.Version
		ok bool
	}
	seen := map[string]bool{}
	var ps []pv
	for _, s := range vs {
		k := versionKey(s)
		if seen[k] {
			continue
		}
		seen[k] = true
		v, err := pep440.Parse(s)
		ps = append(ps, pv{s, v, err == nil})
	}
	slices.SortFunc(ps, func(a, b pv) int {
		switch {
		case a.ok && b.ok:
			if c := a.v.Compare(b.v); c != 0 {
				return c
			}
			return strings.Compare(a.s, b.s)
		case a.ok:
			return -1
		case b.ok:
			return 1
		}
		return strings.Compare(a.s, b.s)
	})
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.s
	}
	return out
}
