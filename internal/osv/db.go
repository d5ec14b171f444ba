package osv

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
	"sync"

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
	ranges    [][]event   // ECOSYSTEM and SEMVER ranges, events as published
	versions  versionList // versionKey of each listed version, sorted, unique
	group     int         // alias group within the package (see groupEntries)
}

// pkg holds the advisories of one package. A package decoded from an index
// keeps its encoded entries until first queried; the entries themselves,
// the parsed form of the range events and the ID list of each alias group
// are built then (a warm audit touches a few hundred of the packages, so
// building every one up front would be wasted work).
type pkg struct {
	entries []entry
	encoded string // entries as stored in an index (see decodeIndexBody)
	count   int    // number of entries in encoded
	once    sync.Once
	ranges  [][][]parsedEvent // per entry, per evaluable range: sorted events
	fixed   [][]fixedVersion  // per entry: its fixed events
	groups  [][]string        // group → sorted IDs and aliases
}

func (p *pkg) prepare() {
	p.once.Do(func() {
		if p.encoded != "" {
			p.entries = decodeEntries(p.encoded, p.count)
			p.encoded = ""
		}
		p.ranges = make([][][]parsedEvent, len(p.entries))
		p.fixed = make([][]fixedVersion, len(p.entries))
		// Groups are numbered below the entry count; each collects its
		// IDs and aliases, sorted and unique once all are in.
		p.groups = make([][]string, len(p.entries))
		// Advisories of one package repeat the same bounds (and a fixed
		// event is both a bound and a fix): parse each text once.
		parsed := map[string]fixedVersion{}
		parse := func(s string) fixedVersion {
			fv, ok := parsed[s]
			if !ok {
				fv = newFixedVersion(s)
				parsed[s] = fv
			}
			return fv
		}
		for i := range p.entries {
			e := &p.entries[i]
			for _, r := range e.ranges {
				if pr, ok := parseRange(r, parse); ok {
					p.ranges[i] = append(p.ranges[i], pr)
				}
				for _, ev := range r {
					if ev.kind == evFixed {
						p.fixed[i] = append(p.fixed[i], parse(ev.version))
					}
				}
			}
			p.groups[e.group] = append(append(p.groups[e.group], e.id), e.aliases...)
		}
		for g, list := range p.groups {
			slices.Sort(list)
			p.groups[g] = slices.Compact(list)
		}
	})
}

// DB is a compiled, immutable advisory database: entries indexed by PEP 503
// normalized package name. It is safe for concurrent use.
type DB struct {
	pkgs      map[string]*pkg
	records   int // advisories compiled (withdrawn ones excluded)
	withdrawn int // withdrawn advisories skipped
}

// Len reports the number of advisories in the database (withdrawn ones are
// dropped at build time and not counted).
func (db *DB) Len() int { return db.records }

// Build compiles records into a DB. Withdrawn records are dropped (a
// withdrawal means the advisory was published in error); affected entries
// for ecosystems other than PyPI are ignored.
func Build(records []*Record) *DB {
	db := &DB{pkgs: map[string]*pkg{}}
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
			p := db.pkgs[name]
			if p == nil {
				p = &pkg{}
				db.pkgs[name] = p
			}
			p.entries = append(p.entries, compileEntry(rec, byPkg[name]))
		}
	}
	for _, p := range db.pkgs {
		groupEntries(p.entries)
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
	}
	n := 0
	for _, a := range affs {
		n += len(a.Versions)
	}
	keys := make([]string, 0, n)
	for _, a := range affs {
		for _, v := range a.Versions {
			keys = append(keys, versionKey(v))
		}
	}
	slices.Sort(keys)
	e.versions = makeVersionList(slices.Compact(keys))
	return e
}

// versionList is a sorted list of version keys kept in the index's
// encoding: each key a varint length and its bytes. Decoding an entry from
// an index takes the list as the substring it is, with no slice of
// strings: the pypa database lists hundreds of versions in some
// advisories, and building those slices was half of what a warm audit
// spent decoding the packages it queried.
type versionList struct {
	n   int    // keys in enc
	enc string // the keys, encoded
}

func makeVersionList(keys []string) versionList {
	size := 0
	for _, k := range keys {
		size += (bits.Len64(uint64(len(k))|1)+6)/7 + len(k) // varint length, then the key
	}
	var b strings.Builder
	b.Grow(size)
	for _, k := range keys {
		var n [binary.MaxVarintLen64]byte
		b.Write(binary.AppendUvarint(n[:0], uint64(len(k))))
		b.WriteString(k)
	}
	return versionList{n: len(keys), enc: b.String()}
}

// contains reports whether key is in the list: a scan that stops at the
// first key above it. An entry's list is read once per query.
func (l versionList) contains(key string) bool {
	d := decoder{s: l.enc}
	for range l.n {
		switch k := d.str(); {
		case k == key:
			return true
		case k > key:
			return false
		}
	}
	return false
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
	find := func(i int) int {
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
	if k, ok := simpleKey(s); ok {
		return k
	}
	return strings.ToLower(strings.TrimSpace(pep440.Canonicalize(s, true)))
}

// simpleKey handles the common "1.2.0" shape without a full parse: digits
// and single dots, no leading zeros, so the canonical form is the text with
// trailing ".0" components dropped (at least one component kept).
func simpleKey(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	start := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if start || i == len(s)-1 {
				return "", false
			}
			start = true
		case '0' <= c && c <= '9':
			if start && c == '0' && i+1 < len(s) && s[i+1] != '.' {
				return "", false // leading zero: "01" canonicalizes to "1"
			}
			start = false
		default:
			return "", false
		}
	}
	for len(s) > 2 && strings.HasSuffix(s, ".0") {
		s = s[:len(s)-2]
	}
	return s, true
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
	p := db.pkgs[pep503.Normalize(name)]
	if p == nil {
		return nil
	}
	p.prepare()
	es := p.entries
	q, qerr := pep440.Parse(version)
	var qv *pep440.Version
	if qerr == nil {
		qv = &q
	}
	key := versionKey(version)
	matched := map[int][]int{}
	var groups []int
	for i := range es {
		e := &es[i]
		if !e.malicious && !affects(e, p.ranges[i], qv, key) {
			continue
		}
		if _, ok := matched[e.group]; !ok {
			groups = append(groups, e.group)
		}
		matched[e.group] = append(matched[e.group], i)
	}
	findings := make([]Finding, 0, len(groups))
	for _, g := range groups {
		findings = append(findings, newFinding(pep503.Normalize(name), version, p, g, matched[g]))
	}
	slices.SortFunc(findings, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return findings
}

func newFinding(name, version string, p *pkg, group int, hits []int) Finding {
	f := Finding{Package: name, Version: version, IDs: slices.Clone(p.groups[group])}
	var fixed []fixedVersion
	for _, i := range hits {
		e := &p.entries[i]
		if f.ID == "" || preferID(e.id, f.ID) {
			f.ID = e.id
		}
		if e.malicious {
			f.Malicious = true
		}
		if e.level > f.Severity || (e.level == f.Severity && e.score > f.Score) {
			f.Severity, f.Score, f.Vector = e.level, e.score, e.vector
		}
		fixed = append(fixed, p.fixed[i]...)
	}
	for _, i := range hits {
		if e := &p.entries[i]; e.id == f.ID || f.Summary == "" {
			if e.summary != "" {
				f.Summary = e.summary
			}
		}
	}
	fixed = sortFixed(fixed)
	f.FixedVersions = make([]string, len(fixed))
	for i, fv := range fixed {
		f.FixedVersions[i] = fv.text
	}
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

// fixedVersion is a "fixed" event version, parsed once per package.
type fixedVersion struct {
	text string
	v    pep440.Version
	ok   bool // v is valid; otherwise the text is not PEP 440
}

func newFixedVersion(s string) fixedVersion {
	v, err := pep440.Parse(s)
	return fixedVersion{text: s, v: v, ok: err == nil}
}

// sortFixed sorts in PEP 440 order and drops equal versions (1.0 and 1.0.0
// are one); versions that are not PEP 440 go last, in text order.
func sortFixed(fs []fixedVersion) []fixedVersion {
	c := func(a, b fixedVersion) int {
		switch {
		case a.ok && b.ok:
			return a.v.Compare(b.v)
		case a.ok:
			return -1
		case b.ok:
			return 1
		}
		return strings.Compare(strings.ToLower(a.text), strings.ToLower(b.text))
	}
	slices.SortStableFunc(fs, c)
	return slices.CompactFunc(fs, func(a, b fixedVersion) bool { return c(a, b) == 0 })
}
