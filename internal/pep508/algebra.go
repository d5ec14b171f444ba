package pep508

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pyward/pyward/internal/pep440"
)

// MarkerSet is the set of environments in which a marker holds, in a form
// that supports the algebra a universal (multi-environment) resolver needs:
// And, Or, Not, emptiness, implication and disjointness, all exact for the
// comparisons below.
//
// A MarkerSet is a disjunction of clauses; a clause constrains each
// variable it names to a set of values, and holds when every variable's
// value is in its set. Variables are read as follows:
//
//   - python_version and python_full_version are one variable, the
//     interpreter's full version: `python_version >= "3.10"` is
//     python_full_version >= 3.10 and `python_version == "3.10"` is
//     3.10 <= python_full_version < 3.11. Sets are unions of intervals of
//     PEP 440 versions, so `python_version == "3.10"` and Requires-Python
//     ">=3.10.1" overlap. Like uv, pre-releases of X.Y.0 are below X.Y.
//   - Every other variable is a string: ==, != and the literal forms of
//     "in" and "not in" against a literal give finite or cofinite sets of
//     values, so `sys_platform == "os1"` is satisfiable and disjoint from
//     `sys_platform == "linux"`.
//   - A substring test ("in", "not in", or == and != between two
//     variables) is an opaque atom: a boolean variable of its own, which is
//     exact for the algebra except that relations between two different
//     opaque atoms are not known.
//   - Other comparisons (ordering of strings, implementation_version,
//     platform_release, ===) have no exact negation: NewMarkerSet returns
//     ErrMarkerTooComplex for them.
//
// `extra` is not a variable of the environment: NewMarkerSet replaces it by
// the given extra before building the set. The relation between variables
// (sys_platform "win32" implies os_name "nt") is not modelled; the algebra
// then treats impossible combinations as possible, which only makes a
// resolver fork more than needed.
//
// The zero MarkerSet is the empty set (no environment).
type MarkerSet struct {
	clauses []clause
}

// MaxClauses bounds the size of a MarkerSet in disjunctive normal form;
// negating a large disjunction multiplies clauses, and markers found in
// metadata are small.
const MaxClauses = 256

// ErrMarkerTooComplex is returned when a marker's normal form exceeds
// MaxClauses, or uses a comparison whose negation cannot be written.
var ErrMarkerTooComplex = errors.New("marker too complex for marker algebra")

// pythonVar is the variable python_version and python_full_version map to.
const pythonVar = "python_full_version"

// opaquePrefix marks the key of an opaque atom.
const opaquePrefix = "\x00"

// clause is a conjunction of per-variable constraints, sorted by key, no
// key twice, no constraint that allows everything.
type clause []constraint

// constraint restricts one variable.
type constraint struct {
	key string
	// String variables and opaque atoms: the allowed values are vals, or
	// every value but vals when cofinite. An opaque atom's values are
	// "true" and "false".
	vals     []string
	cofinite bool
	// Version variable: a sorted union of disjoint intervals.
	version bool
	ivs     []interval
	// Opaque atoms: the comparison, and its negation, as markers.
	atom, neg *Marker
}

type bound struct {
	v    pep440.Version
	inf  bool // unbounded (−∞ for a lower bound, +∞ for an upper one)
	incl bool
}

type interval struct{ lo, hi bound }

// AllEnvironments is the set of every environment (a missing marker).
func AllEnvironments() MarkerSet { return MarkerSet{clauses: []clause{{}}} }

// NoEnvironment is the empty set.
func NoEnvironment() MarkerSet { return MarkerSet{} }

// NewMarkerSet returns the environments in which m holds with `extra`
// equal to extra ("" for none). A nil marker holds everywhere.
func NewMarkerSet(m *Marker, extra string) (MarkerSet, error) {
	if m == nil || m.root == nil {
		return AllEnvironments(), nil
	}
	return groupSet(m.root, extra)
}

// PythonRange returns the environments whose python_full_version is in
// spec (a Requires-Python). Only the comparison operators that form
// intervals are understood; others are ignored (they only widen the set).
func PythonRange(spec pep440.SpecifierSet) MarkerSet {
	s := AllEnvironments()
	for _, sp := range spec.Specifiers() {
		m, err := ParseMarker(pythonVar + " " + string(sp.Op) + " " + quoteValue(sp.Version))
		if err != nil {
			continue
		}
		ms, err := NewMarkerSet(m, "")
		if err != nil || ms.hasOpaque() {
			continue
		}
		s = s.And(ms)
	}
	return s
}

func (s MarkerSet) hasOpaque() bool {
	for _, c := range s.clauses {
		for _, k := range c {
			if k.atom != nil {
				return true
			}
		}
	}
	return false
}

func groupSet(g *group, extra string) (MarkerSet, error) {
	result := NoEnvironment()
	run := AllEnvironments()
	for i, t := range g.terms {
		if i > 0 && g.ops[i-1] == "or" {
			result = result.Or(run)
			run = AllEnvironments()
		}
		var ts MarkerSet
		var err error
		if t.cmp != nil {
			ts, err = comparisonSet(t.cmp, extra)
		} else {
			ts, err = groupSet(t.group, extra)
		}
		if err != nil {
			return MarkerSet{}, err
		}
		run = run.And(ts)
		if len(run.clauses) > MaxClauses {
			return MarkerSet{}, ErrMarkerTooComplex
		}
	}
	result = result.Or(run)
	if len(result.clauses) > MaxClauses {
		return MarkerSet{}, ErrMarkerTooComplex
	}
	return result, nil
}

// inverseOp maps a comparison of strings to the one that holds exactly
// when it does not. Ordering comparisons of strings have none: packaging
// reads "<" and ">" as false and "<=" and ">=" as "==".
var inverseOp = map[string]string{"==": "!=", "!=": "==", "in": "not in", "not in": "in"}

// flippedOp maps "literal op variable" to "variable op' literal".
var flippedOp = map[string]string{"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<=", "~=": "", "===": "==="}

func single(c constraint) MarkerSet {
	if c.isAll() {
		return AllEnvironments()
	}
	if c.isEmpty() {
		return NoEnvironment()
	}
	return MarkerSet{clauses: []clause{{c}}}
}

func boolSet(b bool) MarkerSet {
	if b {
		return AllEnvironments()
	}
	return NoEnvironment()
}

func comparisonSet(c *comparison, extra string) (MarkerSet, error) {
	varName, lit, op := "", "", c.op
	switch {
	case c.lhs.variable && !c.rhs.variable:
		varName, lit = c.lhs.value, c.rhs.value
	case !c.lhs.variable && c.rhs.variable && c.op != "in" && c.op != "not in":
		varName, lit, op = c.rhs.value, c.lhs.value, flippedOp[c.op]
	}
	if c.lhs.value == "extra" && c.lhs.variable || c.rhs.value == "extra" && c.rhs.variable {
		ok, err := (&Marker{root: &group{terms: []term{{cmp: c}}}}).EvaluateWith(Environment{"extra": extra}, EvalOptions{})
		return boolSet(ok && err == nil), nil
	}
	switch {
	case varName == "python_version" || varName == pythonVar:
		if ivs, ok := pythonIntervals(varName, op, lit); ok {
			return single(constraint{key: pythonVar, version: true, ivs: ivs}), nil
		}
	case varName != "" && !versionVariables[varName] && !setVariables[varName]:
		switch op {
		case "==":
			return single(constraint{key: varName, vals: []string{lit}}), nil
		case "!=":
			return single(constraint{key: varName, vals: []string{lit}, cofinite: true}), nil
		}
	}
	return opaqueSet(c)
}

// opaqueSet is the atom c as a boolean variable of its own.
func opaqueSet(c *comparison) (MarkerSet, error) {
	inv, ok := inverseOp[c.op]
	if !ok || versionVariables[c.lhs.value] && c.lhs.variable || versionVariables[c.rhs.value] && c.rhs.variable {
		return MarkerSet{}, fmt.Errorf("%w: cannot negate %q", ErrMarkerTooComplex, c.op)
	}
	nc := *c
	nc.op = inv
	nc.spec = nil
	nc.prepare()
	atom := &Marker{root: &group{terms: []term{{cmp: c}}}}
	neg := &Marker{root: &group{terms: []term{{cmp: &nc}}}}
	// An atom and its negation are one variable, keyed by the smaller text.
	negated := neg.String() < atom.String()
	if negated {
		atom, neg = neg, atom
	}
	return single(constraint{key: opaquePrefix + atom.String(), vals: []string{"true"}, cofinite: negated,
		atom: atom, neg: neg}), nil
}

// pythonIntervals converts a comparison of python_version or
// python_full_version with a literal into intervals of the full version.
func pythonIntervals(name, op, lit string) ([]interval, bool) {
	wild := strings.HasSuffix(lit, ".*")
	v, err := pep440.Parse(strings.TrimSuffix(lit, ".*"))
	if err != nil || v.Local() != "" {
		return nil, false
	}
	lo := func(v pep440.Version, incl bool) []interval {
		return []interval{{lo: bound{v: v, incl: incl}, hi: bound{inf: true}}}
	}
	hi := func(v pep440.Version, incl bool) []interval {
		return []interval{{lo: bound{inf: true}, hi: bound{v: v, incl: incl}}}
	}
	span := func(a, b pep440.Version) []interval {
		return []interval{{lo: bound{v: a, incl: true}, hi: bound{v: b}}}
	}
	if wild || op == "~=" {
		rel := v.Release()
		if op == "~=" && len(rel) < 2 || wild && op != "==" && op != "!=" {
			return nil, false
		}
		if op == "~=" {
			rel = rel[:len(rel)-1]
		}
		next, ok := bump(rel)
		if !ok {
			return nil, false
		}
		ivs := span(v, next)
		if op == "!=" {
			ivs = complementIntervals(ivs)
		}
		return ivs, true
	}
	if name == "python_version" {
		// The variable is "X.Y": find the minors for which "X.Y op lit" holds.
		rel := v.Release()
		if len(rel) < 2 {
			rel = append(rel, 0)
		}
		minor, err := pep440.Parse(fmt.Sprintf("%d.%d", rel[0], rel[1]))
		if err != nil {
			return nil, false
		}
		next, ok := bump(rel[:2])
		if !ok {
			return nil, false
		}
		c := minor.Compare(v)
		pick := func(cond bool, a, b pep440.Version) pep440.Version {
			if cond {
				return a
			}
			return b
		}
		switch op {
		case ">=":
			return lo(pick(c >= 0, minor, next), true), true
		case ">":
			return lo(pick(c > 0, minor, next), true), true
		case "<=":
			return hi(pick(c <= 0, next, minor), false), true
		case "<":
			return hi(pick(c < 0, next, minor), false), true
		case "==":
			if c != 0 {
				return nil, true
			}
			return span(minor, next), true
		case "!=":
			if c != 0 {
				return fullIntervals(), true
			}
			return complementIntervals(span(minor, next)), true
		}
		return nil, false
	}
	switch op {
	case ">=":
		return lo(v, true), true
	case ">":
		return lo(v, false), true
	case "<=":
		return hi(v, true), true
	case "<":
		return hi(v, false), true
	case "==":
		return []interval{{lo: bound{v: v, incl: true}, hi: bound{v: v, incl: true}}}, true
	case "!=":
		return complementIntervals([]interval{{lo: bound{v: v, incl: true}, hi: bound{v: v, incl: true}}}), true
	}
	return nil, false
}

// bump returns the release with its last component incremented.
func bump(rel []int) (pep440.Version, bool) {
	if len(rel) == 0 {
		return pep440.Version{}, false
	}
	parts := make([]string, len(rel))
	for i, n := range rel {
		parts[i] = fmt.Sprint(n)
	}
	parts[len(parts)-1] = fmt.Sprint(rel[len(rel)-1] + 1)
	v, err := pep440.Parse(strings.Join(parts, "."))
	return v, err == nil
}

func fullIntervals() []interval { return []interval{{lo: bound{inf: true}, hi: bound{inf: true}}} }

// cmpLo orders lower bounds; cmpHi upper bounds.
func cmpLo(a, b bound) int {
	switch {
	case a.inf || b.inf:
		return boolCmp(!a.inf, !b.inf)
	}
	if c := a.v.Compare(b.v); c != 0 {
		return c
	}
	return boolCmp(!a.incl, !b.incl)
}

func cmpHi(a, b bound) int {
	switch {
	case a.inf || b.inf:
		return boolCmp(a.inf, b.inf)
	}
	if c := a.v.Compare(b.v); c != 0 {
		return c
	}
	return boolCmp(a.incl, b.incl)
}

// boolCmp orders false before true.
func boolCmp(a, b bool) int { return b2i(a) - b2i(b) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (iv interval) empty() bool {
	if iv.lo.inf || iv.hi.inf {
		return false
	}
	c := iv.lo.v.Compare(iv.hi.v)
	return c > 0 || c == 0 && !(iv.lo.incl && iv.hi.incl)
}

func intersectIntervals(a, b []interval) []interval {
	var out []interval
	for _, x := range a {
		for _, y := range b {
			iv := x
			if cmpLo(y.lo, iv.lo) > 0 {
				iv.lo = y.lo
			}
			if cmpHi(y.hi, iv.hi) < 0 {
				iv.hi = y.hi
			}
			if !iv.empty() {
				out = append(out, iv)
			}
		}
	}
	return normalizeIntervals(out)
}

// normalizeIntervals sorts and merges overlapping or touching intervals.
func normalizeIntervals(ivs []interval) []interval {
	ivs = slices.DeleteFunc(slices.Clone(ivs), interval.empty)
	slices.SortFunc(ivs, func(a, b interval) int { return cmpLo(a.lo, b.lo) })
	var out []interval
	for _, iv := range ivs {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if touches(last.hi, iv.lo) {
				if cmpHi(iv.hi, last.hi) > 0 {
					last.hi = iv.hi
				}
				continue
			}
		}
		out = append(out, iv)
	}
	return out
}

// touches reports whether an interval ending at hi and one starting at lo
// (lo not below the first's start) leave no gap.
func touches(hi, lo bound) bool {
	if hi.inf || lo.inf {
		return true
	}
	c := hi.v.Compare(lo.v)
	return c > 0 || c == 0 && (hi.incl || lo.incl)
}

func complementIntervals(ivs []interval) []interval {
	ivs = normalizeIntervals(ivs)
	var out []interval
	cur := bound{inf: true}
	for _, iv := range ivs {
		if !iv.lo.inf {
			gap := interval{lo: cur, hi: bound{v: iv.lo.v, incl: !iv.lo.incl}}
			if !gap.empty() {
				out = append(out, gap)
			}
		}
		if iv.hi.inf {
			return out
		}
		cur = bound{v: iv.hi.v, incl: !iv.hi.incl}
	}
	return append(out, interval{lo: cur, hi: bound{inf: true}})
}

func (c constraint) isAll() bool {
	if c.version {
		return len(c.ivs) == 1 && c.ivs[0].lo.inf && c.ivs[0].hi.inf
	}
	return c.cofinite && len(c.vals) == 0
}

func (c constraint) isEmpty() bool {
	if c.version {
		return len(c.ivs) == 0
	}
	return !c.cofinite && len(c.vals) == 0
}

func (c constraint) and(o constraint) constraint {
	r := c
	if c.version {
		r.ivs = intersectIntervals(c.ivs, o.ivs)
		return r
	}
	switch {
	case !c.cofinite && !o.cofinite:
		r.vals = filter(c.vals, o.vals, true)
	case !c.cofinite && o.cofinite:
		r.vals = filter(c.vals, o.vals, false)
	case c.cofinite && !o.cofinite:
		r.vals, r.cofinite = filter(o.vals, c.vals, false), false
	default:
		r.vals = union(c.vals, o.vals)
	}
	return r
}

func (c constraint) not() constraint {
	r := c
	if c.version {
		r.ivs = complementIntervals(c.ivs)
		return r
	}
	r.cofinite = !c.cofinite
	return r
}

func (c constraint) or(o constraint) constraint { return c.not().and(o.not()).not() }

func (c constraint) equal(o constraint) bool {
	if c.version {
		return slices.EqualFunc(c.ivs, o.ivs, func(a, b interval) bool {
			return cmpLo(a.lo, b.lo) == 0 && cmpHi(a.hi, b.hi) == 0
		})
	}
	return c.cofinite == o.cofinite && slices.Equal(c.vals, o.vals)
}

func (c constraint) subsetOf(o constraint) bool { return c.and(o.not()).isEmpty() }

// filter keeps the members of a that are (keep) or are not (!keep) in b.
func filter(a, b []string, keep bool) []string {
	var out []string
	for _, s := range a {
		if slices.Contains(b, s) == keep {
			out = append(out, s)
		}
	}
	return out
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// andClause intersects two clauses; ok is false when the result is empty.
func andClause(a, b clause) (clause, bool) {
	out := make(clause, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].key < b[j].key:
			out = append(out, a[i])
			i++
		case i == len(a) || b[j].key < a[i].key:
			out = append(out, b[j])
			j++
		default:
			c := a[i].and(b[j])
			if c.isEmpty() {
				return nil, false
			}
			if !c.isAll() {
				out = append(out, c)
			}
			i++
			j++
		}
	}
	return out, true
}

// subsetOf reports whether every environment of a is in b.
func (a clause) subsetOf(b clause) bool {
	for _, kb := range b {
		ka, ok := a.get(kb.key)
		if !ok || !ka.subsetOf(kb) {
			return false
		}
	}
	return true
}

func (a clause) get(key string) (constraint, bool) {
	for _, k := range a {
		if k.key == key {
			return k, true
		}
	}
	return constraint{}, false
}

// And returns the environments in both s and o.
func (s MarkerSet) And(o MarkerSet) MarkerSet {
	var out []clause
	for _, a := range s.clauses {
		for _, b := range o.clauses {
			if c, ok := andClause(a, b); ok {
				out = append(out, c)
			}
		}
	}
	return simplify(out)
}

// Or returns the environments in s or o.
func (s MarkerSet) Or(o MarkerSet) MarkerSet {
	return simplify(append(slices.Clone(s.clauses), o.clauses...))
}

// Not returns the environments not in s.
func (s MarkerSet) Not() MarkerSet {
	r := AllEnvironments()
	for _, c := range s.clauses {
		var neg []clause
		for _, k := range c {
			if n := k.not(); !n.isEmpty() {
				neg = append(neg, clause{n})
			}
		}
		r = r.And(MarkerSet{clauses: neg})
		if r.IsEmpty() {
			break
		}
	}
	return r
}

// IsEmpty reports whether no environment is in s.
func (s MarkerSet) IsEmpty() bool { return len(s.clauses) == 0 }

// IsAll reports whether every environment is in s.
func (s MarkerSet) IsAll() bool { return s.Not().IsEmpty() }

// Implies reports whether every environment of s is in o.
func (s MarkerSet) Implies(o MarkerSet) bool { return s.And(o.Not()).IsEmpty() }

// Disjoint reports whether no environment is in both s and o.
func (s MarkerSet) Disjoint(o MarkerSet) bool { return s.And(o).IsEmpty() }

// Equivalent reports whether s and o are the same set.
func (s MarkerSet) Equivalent(o MarkerSet) bool { return s.Implies(o) && o.Implies(s) }

// simplify drops clauses contained in others and merges clauses that
// differ in one variable only, until nothing changes.
func simplify(cs []clause) MarkerSet {
	for changed := true; changed; {
		changed = false
	outer:
		for i := 0; i < len(cs); i++ {
			for j := 0; j < len(cs); j++ {
				if i == j {
					continue
				}
				if cs[i].subsetOf(cs[j]) {
					cs = slices.Delete(slices.Clone(cs), i, i+1)
					changed = true
					break outer
				}
				if m, ok := mergeClauses(cs[i], cs[j]); ok {
					next := slices.Clone(cs)
					next[i] = m
					cs = slices.Delete(next, j, j+1)
					changed = true
					break outer
				}
			}
		}
	}
	slices.SortFunc(cs, func(a, b clause) int { return strings.Compare(a.String(), b.String()) })
	return MarkerSet{clauses: cs}
}

// mergeClauses unites two clauses that constrain the same variables
// identically except one.
func mergeClauses(a, b clause) (clause, bool) {
	if len(a) != len(b) {
		return nil, false
	}
	diff := -1
	for i := range a {
		if a[i].key != b[i].key {
			return nil, false
		}
		if !a[i].equal(b[i]) {
			if diff >= 0 {
				return nil, false
			}
			diff = i
		}
	}
	if diff < 0 {
		return a, true
	}
	m := slices.Clone(a)
	u := a[diff].or(b[diff])
	if u.isAll() {
		return slices.Delete(m, diff, diff+1), true
	}
	m[diff] = u
	return m, true
}

// Evaluate reports whether env is in s. Variables env lacks make the
// clauses naming them false.
func (s MarkerSet) Evaluate(env Environment) bool {
	for _, c := range s.clauses {
		if c.evaluate(env) {
			return true
		}
	}
	return false
}

func (c clause) evaluate(env Environment) bool {
	for _, k := range c {
		if !k.evaluate(env) {
			return false
		}
	}
	return true
}

func (k constraint) evaluate(env Environment) bool {
	switch {
	case k.atom != nil:
		return slices.Contains(k.vals, fmt.Sprint(k.atom.Evaluate(env))) != k.cofinite
	case k.version:
		raw, ok := env[pythonVar]
		if !ok {
			return false
		}
		v, err := pep440.Parse(strings.TrimSuffix(raw, "+"))
		if err != nil {
			return false
		}
		pt := []interval{{lo: bound{v: v, incl: true}, hi: bound{v: v, incl: true}}}
		return len(intersectIntervals(k.ivs, pt)) > 0
	}
	val, ok := env[k.key]
	if !ok {
		return false
	}
	return slices.Contains(k.vals, val) != k.cofinite
}

// String renders s as marker text: "" for every environment, and a marker
// that never holds (`python_version < "0"`) for none.
func (s MarkerSet) String() string {
	switch {
	case s.IsEmpty():
		return `python_full_version < "0"`
	case len(s.clauses) == 1 && len(s.clauses[0]) == 0:
		return ""
	}
	parts := make([]string, len(s.clauses))
	for i, c := range s.clauses {
		parts[i] = c.String()
		if len(s.clauses) > 1 && len(c) > 1 {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " or ")
}

// Marker returns s as a parsed marker; nil for every environment.
func (s MarkerSet) Marker() *Marker {
	text := s.String()
	if text == "" {
		return nil
	}
	m, err := ParseMarker(text)
	if err != nil {
		panic("pep508: MarkerSet renders an invalid marker: " + text) // a bug in String
	}
	return m
}

// Within returns s with the constraints that u already implies left out:
// s restricted to the universe u, written as briefly as the algebra can.
// The result r satisfies r.And(u) == s.And(u).
func (s MarkerSet) Within(u MarkerSet) MarkerSet {
	r := s.And(u)
	var out []clause
	for _, c := range r.clauses {
		var kept clause
		for i, k := range c {
			rest := append(slices.Clone(kept), c[i+1:]...)
			restU := (MarkerSet{clauses: []clause{rest}}).And(u)
			if restU.Implies(MarkerSet{clauses: []clause{{k}}}) {
				continue
			}
			if k.version && len(k.ivs) > 0 {
				// Open up interval ends that u bounds anyway.
				for _, end := range []int{0, 1} {
					w := k
					w.ivs = slices.Clone(k.ivs)
					if end == 0 {
						w.ivs[0].lo = bound{inf: true}
					} else {
						w.ivs[len(w.ivs)-1].hi = bound{inf: true}
					}
					if restU.And(MarkerSet{clauses: []clause{{w}}}).Implies(MarkerSet{clauses: []clause{{k}}}) {
						k = w
					}
				}
			}
			kept = append(kept, k)
		}
		out = append(out, kept)
	}
	return simplify(out)
}

func (c clause) String() string {
	parts := make([]string, 0, len(c))
	for _, k := range c {
		parts = append(parts, k.String())
	}
	return strings.Join(parts, " and ")
}

// String renders one constraint, a disjunction in parentheses.
func (k constraint) String() string {
	var parts []string
	join := " or "
	switch {
	case k.atom != nil:
		if k.cofinite {
			return k.neg.String()
		}
		return k.atom.String()
	case k.version:
		if len(k.ivs) == 2 && k.ivs[0].lo.inf && k.ivs[1].hi.inf && !k.ivs[0].hi.incl && !k.ivs[1].lo.incl &&
			k.ivs[0].hi.v.Compare(k.ivs[1].lo.v) == 0 {
			return pythonVar + " != " + quoteValue(k.ivs[0].hi.v.String())
		}
		for _, iv := range k.ivs {
			text := iv.String()
			if len(k.ivs) > 1 && strings.Contains(text, " and ") {
				text = "(" + text + ")"
			}
			parts = append(parts, text)
		}
	case k.cofinite:
		join = " and "
		for _, v := range k.vals {
			parts = append(parts, k.key+" != "+quoteValue(v))
		}
	default:
		for _, v := range k.vals {
			parts = append(parts, k.key+" == "+quoteValue(v))
		}
	}
	text := strings.Join(parts, join)
	if len(parts) > 1 && join == " or " {
		text = "(" + text + ")"
	}
	return text
}

// String renders an interval of the interpreter version, as python_version
// when both ends are whole minor versions.
func (iv interval) String() string {
	minorOnly := func(b bound) bool {
		if b.inf {
			return true
		}
		rel := b.v.Release()
		_, _, pre := b.v.Pre()
		_, post := b.v.Post()
		_, dev := b.v.Dev()
		return len(rel) <= 3 && (len(rel) < 3 || rel[2] == 0) && !pre && !post && !dev && b.v.Epoch() == 0
	}
	short := func(v pep440.Version) string {
		rel := v.Release()
		if len(rel) == 1 {
			rel = append(rel, 0)
		}
		return fmt.Sprintf("%d.%d", rel[0], rel[1])
	}
	if !iv.lo.inf && !iv.hi.inf && iv.lo.v.Compare(iv.hi.v) == 0 {
		return pythonVar + " == " + quoteValue(iv.lo.v.String())
	}
	if minorOnly(iv.lo) && minorOnly(iv.hi) && (iv.lo.inf || iv.lo.incl) && (iv.hi.inf || !iv.hi.incl) {
		if !iv.lo.inf && !iv.hi.inf {
			if next, ok := bump(iv.lo.v.Release()[:min(2, len(iv.lo.v.Release()))]); ok &&
				len(iv.lo.v.Release()) >= 2 && next.Compare(iv.hi.v) == 0 {
				return "python_version == " + quoteValue(short(iv.lo.v))
			}
		}
		var parts []string
		if !iv.lo.inf {
			parts = append(parts, "python_version >= "+quoteValue(short(iv.lo.v)))
		}
		if !iv.hi.inf {
			parts = append(parts, "python_version < "+quoteValue(short(iv.hi.v)))
		}
		return strings.Join(parts, " and ")
	}
	var parts []string
	if !iv.lo.inf {
		op := " > "
		if iv.lo.incl {
			op = " >= "
		}
		parts = append(parts, pythonVar+op+quoteValue(iv.lo.v.String()))
	}
	if !iv.hi.inf {
		op := " < "
		if iv.hi.incl {
			op = " <= "
		}
		parts = append(parts, pythonVar+op+quoteValue(iv.hi.v.String()))
	}
	return strings.Join(parts, " and ")
}

// PythonLowest returns the lowest interpreter version in s; ok is false
// when s is empty or has no lower bound on the interpreter version.
func (s MarkerSet) PythonLowest() (v pep440.Version, ok bool) {
	for _, c := range s.clauses {
		k, found := c.get(pythonVar)
		if !found || len(k.ivs) == 0 || k.ivs[0].lo.inf {
			return pep440.Version{}, false
		}
		if lo := k.ivs[0].lo.v; !ok || lo.Compare(v) < 0 {
			v, ok = lo, true
		}
	}
	return v, ok
}
