package resolve

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
)

// config is Options digested for fast, concurrent, read-only use.
type config struct {
	python       pep440.Version
	env          pep508.Environment
	ranker       *pep425.Ranker // nil: every wheel is compatible
	prereleases  bool
	strictPython bool
	noBinaryAll  bool
	noBuildAll   bool
	noBinary     map[string]bool
	noBuild      map[string]bool
	explicitPre  map[string]bool                  // a first-party specifier names a pre-release
	pins         map[string][]pep440.SpecifierSet // first-party == / === pins (allow yanked)
	urls         map[string]string                // first-party direct URLs
	prefs        map[string]pep440.Version

	// Universal resolution: the fork's environments (nil when resolving
	// for one environment), where requirements apply, and the required
	// targets in the fork.
	fork        *pep508.MarkerSet
	sets        *markerSets
	required    []*Target
	appliesMu   sync.Mutex
	appliesMemo map[markerKey]bool

	// pythonAllows answers by Requires-Python string: a project's files
	// repeat a handful of them, and the answer depends on nothing else
	// that changes after newConfig.
	allowsMu   sync.Mutex
	allowsMemo map[string]bool
}

func newConfig(o *Options) *config {
	py := o.Python
	if py.IsZero() {
		// Default to the marker environment's interpreter.
		if v, err := pep440.Parse(o.Environment["python_full_version"]); err == nil {
			py = v
		}
	}
	c := &config{
		python:       py,
		env:          o.Environment,
		prereleases:  o.Prereleases,
		strictPython: o.StrictRequiresPython,
		noBinary:     map[string]bool{},
		noBuild:      map[string]bool{},
		explicitPre:  map[string]bool{},
		pins:         map[string][]pep440.SpecifierSet{},
		urls:         map[string]string{},
		prefs:        map[string]pep440.Version{},
		appliesMemo:  map[markerKey]bool{},
	}
	if o.Tags != nil && o.Universal == nil {
		c.ranker = pep425.NewRanker(o.Tags)
	}
	for _, n := range o.NoBinary {
		if n == ":all:" {
			c.noBinaryAll = true
		}
		c.noBinary[pep503.Normalize(n)] = true
	}
	for _, n := range o.NoBuild {
		if n == ":all:" {
			c.noBuildAll = true
		}
		c.noBuild[pep503.Normalize(n)] = true
	}
	firstParty := func(r *pep508.Requirement) {
		name := r.NormalizedName()
		if r.Specifier.Prereleases() {
			c.explicitPre[name] = true
		}
		if _, ok := r.Specifier.ExactVersion(); ok {
			c.pins[name] = append(c.pins[name], r.Specifier)
		}
	}
	for _, r := range o.Requirements {
		firstParty(r)
		if r.URL != "" {
			c.urls[r.NormalizedName()] = r.URL
		}
	}
	for _, r := range o.Constraints {
		firstParty(r)
	}
	upgrade := map[string]bool{}
	for _, n := range o.UpgradePackages {
		upgrade[pep503.Normalize(n)] = true
	}
	if !o.Upgrade {
		for n, v := range o.Preferences {
			if n = pep503.Normalize(n); !upgrade[n] {
				c.prefs[n] = v
			}
		}
	}
	return c
}

// applies reports whether a requirement's marker holds in the target
// environment for a package's base (extra "") or for one extra. A
// requirement of an extra is one that holds with the extra and not
// without it (the others are already requirements of the base).
func (c *config) applies(r *pep508.Requirement, extra string) bool {
	if c.fork != nil {
		return c.universalApplies(r, extra)
	}
	if extra == "" {
		return r.Marker.EvaluateExtras(c.env, nil)
	}
	return r.Marker != nil && r.Marker.EvaluateExtras(c.env, []string{extra}) && !r.Marker.EvaluateExtras(c.env, nil)
}

func (c *config) filterRequires(reqs []*pep508.Requirement, extra string) []*pep508.Requirement {
	var out []*pep508.Requirement
	for _, r := range reqs {
		if r != nil && c.applies(r, extra) {
			out = append(out, r)
		}
	}
	return out
}

// pythonAllows reports whether a Requires-Python specifier admits the
// target Python. Like uv (and as the packse scenarios expect), only lower
// bounds are enforced unless strictPython is set: an upper bound such as
// "<3.13" is usually a guess made before that Python existed, and honouring
// it would make resolution fail for reasons the user cannot fix. A
// specifier that does not parse is ignored, as pip does.
func (c *config) pythonAllows(spec string) bool {
	if strings.TrimSpace(spec) == "" || c.python.IsZero() {
		return true
	}
	c.allowsMu.Lock()
	ok, seen := c.allowsMemo[spec]
	c.allowsMu.Unlock()
	if seen {
		return ok
	}
	ok = c.pythonSpecAllows(spec)
	c.allowsMu.Lock()
	if c.allowsMemo == nil {
		c.allowsMemo = map[string]bool{}
	}
	c.allowsMemo[spec] = ok
	c.allowsMu.Unlock()
	return ok
}

// pythonSpecAllows is pythonAllows without the memo, for a spec that is
// not blank.
func (c *config) pythonSpecAllows(spec string) bool {
	ss, err := pep440.ParseSpecifierSet(spec)
	if err != nil {
		return true
	}
	if c.strictPython {
		return ss.Contains(c.python, true)
	}
	for _, sp := range ss.Specifiers() {
		var lower string
		switch sp.Op {
		case pep440.OpGreater:
			if !sp.Contains(c.python) {
				return false
			}
			continue
		case pep440.OpGreaterEqual, pep440.OpCompatible, pep440.OpEqual, pep440.OpArbitrary:
			lower = strings.TrimSuffix(sp.Version, ".*")
		default: // <, <=, != are upper bounds or holes
			continue
		}
		lv, err := pep440.Parse(lower)
		if err != nil {
			continue
		}
		if c.python.Compare(lv) < 0 {
			return false
		}
	}
	return true
}

// wheelOK reports whether a wheel's tags are compatible with the target,
// and its rank (lower is better).
func (c *config) wheelRank(f *File) (int, bool) {
	if c.ranker == nil {
		return 0, true
	}
	return c.ranker.Rank(f.Tags)
}

func (c *config) binaryAllowed(name string) bool { return !c.noBinaryAll && !c.noBinary[name] }
func (c *config) buildAllowed(name string) bool  { return !c.noBuildAll && !c.noBuild[name] }

func (c *config) yankAllowed(name string, v pep440.Version) bool {
	for _, s := range c.pins[name] {
		if s.Contains(v, true) {
			return true
		}
	}
	return false
}

// project is everything the solver knows about one project's releases.
type project struct {
	name     string
	cands    []*Candidate // sorted by version
	versions []pep440.Version
	best     []*File   // per version: the file to install (and read metadata from); nil if unusable
	files    [][]*File // per version: every usable file, best first
	usable   vset
	groups   []unusableGroup
	missing  bool // not on the index at all
	url      string
}

// unusableGroup is a set of versions that cannot be used for one reason.
type unusableGroup struct {
	set    vset
	reason string
}

// assess decides which releases are usable on the target and why the
// others are not. It is pure, so the prefetcher can use it too.
func (c *config) assess(name string, cands []*Candidate) *project {
	n := len(cands)
	p := &project{name: name, cands: cands, versions: make([]pep440.Version, n),
		best: make([]*File, n), files: make([][]*File, n), usable: emptySet(n)}
	allPre := true
	for i, cand := range cands {
		p.versions[i] = cand.Version
		if !cand.Version.IsPrerelease() {
			allPre = false
		}
	}
	// PEP 440 says pre-releases are excluded unless asked for. Like uv's
	// default ("if-necessary-or-explicit"), they are allowed for a project
	// when the user enabled them globally, when a first-party requirement
	// or constraint names a pre-release, or when the project has nothing but
	// pre-releases. A transitive specifier naming a pre-release is not enough.
	preOK := c.prereleases || c.explicitPre[name] || allPre
	reasons := map[string]int{}
	for i, cand := range cands {
		files, reason := c.usableFiles(name, cand, preOK)
		if reason == "" {
			p.usable = p.usable.or(singleton(n, i))
			p.files[i] = files
			p.best[i] = files[0]
			continue
		}
		g, ok := reasons[reason]
		if !ok {
			g = len(p.groups)
			reasons[reason] = g
			p.groups = append(p.groups, unusableGroup{set: emptySet(n), reason: reason})
		}
		p.groups[g].set = p.groups[g].set.or(singleton(n, i))
	}
	return p
}

// usableFiles returns the files of a release that can be installed on the
// target, best first, or the reason there are none.
func (c *config) usableFiles(name string, cand *Candidate, preOK bool) ([]*File, string) {
	if cand.URL != "" {
		preOK = true // the user named this very artifact
	}
	var pyOK []*File
	for _, f := range cand.Files {
		if c.pythonAllows(f.RequiresPython) {
			pyOK = append(pyOK, f)
		}
	}
	if len(cand.Files) == 0 {
		return nil, "has no distribution files"
	}
	if len(pyOK) == 0 {
		return nil, fmt.Sprintf("requires Python %s (%s)", cand.Files[0].RequiresPython, c.pythonDesc())
	}
	type ranked struct {
		f    *File
		rank int
	}
	var ok []ranked
	var hasWheel, hasSdist bool
	for _, f := range pyOK {
		switch f.Kind {
		case Wheel:
			hasWheel = true
			if r, compat := c.wheelRank(f); compat && c.binaryAllowed(name) {
				ok = append(ok, ranked{f, r})
			}
		case Sdist:
			hasSdist = true
			if c.buildAllowed(name) {
				ok = append(ok, ranked{f, 1 << 30})
			}
		}
	}
	if len(ok) == 0 {
		switch {
		case hasSdist && !c.buildAllowed(name) && hasWheel && c.binaryAllowed(name):
			return nil, "has no wheel compatible with the target platform and building from source is disabled for " + name
		case hasSdist && !c.buildAllowed(name):
			return nil, "has no wheels and building from source is disabled for " + name
		case hasWheel && !c.binaryAllowed(name):
			return nil, "has no source distribution and binary wheels are disabled for " + name
		case hasWheel:
			return nil, "has no wheel compatible with the target platform and no source distribution"
		default:
			return nil, "has no installable distribution files"
		}
	}
	if !c.yankAllowed(name, cand.Version) {
		live := slices.DeleteFunc(slices.Clone(ok), func(r ranked) bool { return r.f.Yanked })
		if len(live) == 0 {
			msg := "was yanked"
			if r := ok[0].f.YankedReason; r != "" {
				msg += " (reason: " + r + ")"
			}
			return nil, msg
		}
		ok = live
	}
	if cand.Version.IsPrerelease() && !preOK {
		return nil, "is a pre-release and pre-releases of " + name + " are not enabled"
	}
	slices.SortStableFunc(ok, func(a, b ranked) int { return a.rank - b.rank })
	files := make([]*File, len(ok))
	for i, r := range ok {
		files[i] = r.f
	}
	for _, t := range c.required {
		if !t.usableOn(files) {
			return nil, "has no wheel for the required environment " + t.Name + " and no usable source distribution"
		}
	}
	return files, ""
}

// pythonDesc says which interpreters Requires-Python is checked against.
func (c *config) pythonDesc() string {
	if c.fork != nil {
		if c.python.IsZero() {
			return "the lock covers every Python"
		}
		return "the lock covers Python >=" + c.python.String()
	}
	return "the target is Python " + c.python.String()
}

// likely returns the version index the solver would pick with no other
// constraints: the preferred (locked) version if usable, else the newest
// usable one; -1 if none.
func (p *project) likely(c *config) int {
	if pv, ok := c.prefs[p.name]; ok {
		if i := p.index(pv); i >= 0 && p.usable.has(i) {
			return i
		}
	}
	return p.usable.highest()
}

// highestIn returns the highest usable release below index below that
// spec allows (every usable one if spec is empty), or -1.
func (p *project) highestIn(below int, spec pep440.SpecifierSet) int {
	for i := below - 1; i >= 0; i-- {
		if p.usable.has(i) && (spec.IsEmpty() || spec.Contains(p.versions[i], spec.Prereleases())) {
			return i
		}
	}
	return -1
}

// index returns the position of version v, or -1.
func (p *project) index(v pep440.Version) int {
	i, found := slices.BinarySearchFunc(p.versions, v, pep440.Version.Compare)
	if !found {
		return -1
	}
	return i
}
