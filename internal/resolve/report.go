package resolve

import (
	"fmt"
	"slices"
	"strings"
)

// walk calls fn on ic and every incompatibility it was derived from, once
// each, causes first.
func (ic *incompat) walk(fn func(*incompat)) {
	seen := map[*incompat]bool{}
	var rec func(*incompat)
	rec = func(ic *incompat) {
		if ic == nil || seen[ic] {
			return
		}
		seen[ic] = true
		rec(ic.cause1)
		rec(ic.cause2)
		fn(ic)
	}
	rec(ic)
}

// NoSolutionError reports that the requirements cannot be satisfied. Its
// message explains why, as a chain of facts derived from the index
// ("Because a==2.0.0 depends on b<1.0.0 and you require b>=1.0.0, a==2.0.0
// cannot be used. ..."), following the error-reporting scheme of PubGrub.
type NoSolutionError struct {
	root    *incompat
	rootPkg *pkg
	text    string
	fork    string // the marker of the universal fork that failed; "" if none
}

func (e *NoSolutionError) Error() string {
	msg := "no solution found when resolving dependencies:\n" + e.Explanation()
	for _, h := range e.Hints() {
		msg += "\nhint: " + h
	}
	return msg
}

// Hints suggests ways out for facts in the explanation that the user can
// change (pre-releases, yanked releases).
func (e *NoSolutionError) Hints() []string {
	var hints []string
	e.root.walk(func(ic *incompat) {
		if ic.kind != kindUnusable {
			return
		}
		p := ic.terms[0].pkg
		var h string
		switch {
		case strings.HasPrefix(ic.reason, "is a pre-release"):
			v := p.proj.versions[ic.terms[0].set.highest()]
			h = fmt.Sprintf("pre-releases of %s are available (e.g. %s); allow them with --pre, or require one explicitly (e.g. %s>=%s)", p.name, v, p.name, v)
		case strings.HasPrefix(ic.reason, "was yanked"):
			v := p.proj.versions[ic.terms[0].set.highest()]
			h = fmt.Sprintf("%s %s was yanked; to use it anyway, pin it in your requirements or constraints (%s==%s)", p.name, v, p.name, v)
		}
		if h != "" && !slices.Contains(hints, h) {
			hints = append(hints, h)
		}
	})
	return hints
}

// Explanation returns the derivation of the failure, one fact per line.
func (e *NoSolutionError) Explanation() string {
	// Only the report is kept: the fork is set after the solver returns, so
	// the prefix is added on every call rather than frozen by the first.
	if e.text == "" {
		r := &reporter{root: e.rootPkg, refs: map[*incompat]int{}, shared: map[*incompat]bool{}}
		e.text = r.report(e.root)
	}
	if e.fork != "" && e.text != "" {
		return "On " + e.fork + ", " + strings.ToLower(e.text[:1]) + e.text[1:]
	}
	return e.text
}

type reporter struct {
	root   *pkg
	lines  []string
	refs   map[*incompat]int
	shared map[*incompat]bool
	count  int
}

func (r *reporter) report(ic *incompat) string {
	if ic.kind != kindDerived {
		return capitalize(r.describe(ic)) + "."
	}
	seen := map[*incompat]bool{}
	var mark func(*incompat)
	mark = func(ic *incompat) {
		for _, c := range []*incompat{ic.cause1, ic.cause2} {
			if c == nil || c.kind != kindDerived {
				continue
			}
			if seen[c] {
				r.shared[c] = true
				continue
			}
			seen[c] = true
			mark(c)
		}
	}
	mark(ic)
	r.build(ic)
	return strings.Join(r.lines, "\n")
}

func (r *reporter) addRef() {
	r.count++
	if n := len(r.lines); n > 0 {
		r.lines[n-1] += fmt.Sprintf(" (%d)", r.count)
	}
}

func (r *reporter) build(ic *incompat) {
	r.buildHelper(ic)
	if r.shared[ic] {
		if _, ok := r.refs[ic]; !ok {
			r.addRef()
			r.refs[ic] = r.count
		}
	}
}

func derived(ic *incompat) bool { return ic.kind == kindDerived }

func (r *reporter) buildHelper(cur *incompat) {
	c1, c2 := cur.cause1, cur.cause2
	switch {
	case !derived(c1) && !derived(c2):
		r.line("Because %s and %s, %s.", r.describe(c1), r.describe(c2), r.conclusion(cur))
	case derived(c1) && derived(c2):
		r1, ok1 := r.refs[c1]
		r2, ok2 := r.refs[c2]
		switch {
		case ok1 && ok2:
			r.line("Because %s (%d) and %s (%d), %s.", r.describe(c1), r1, r.describe(c2), r2, r.conclusion(cur))
		case ok1:
			r.build(c2)
			r.line("And because %s (%d), %s.", r.describe(c1), r1, r.conclusion(cur))
		case ok2:
			r.build(c1)
			r.line("And because %s (%d), %s.", r.describe(c2), r2, r.conclusion(cur))
		default:
			r.build(c1)
			ref, ok := r.refs[c1]
			if !ok {
				r.addRef()
				ref = r.count
				r.refs[c1] = ref
			}
			r.lines = append(r.lines, "")
			r.build(c2)
			r.line("And because %s (%d), %s.", r.describe(c1), ref, r.conclusion(cur))
		}
	default:
		d, e := c1, c2
		if !derived(c1) {
			d, e = c2, c1
		}
		if ref, ok := r.refs[d]; ok {
			r.line("Because %s and %s (%d), %s.", r.describe(e), r.describe(d), ref, r.conclusion(cur))
			return
		}
		p1, p2 := d.cause1, d.cause2
		if derived(p1) != derived(p2) && !r.shared[d] {
			pd, pe := p1, p2
			if !derived(p1) {
				pd, pe = p2, p1
			}
			if _, ok := r.refs[pd]; !ok {
				r.build(pd)
				r.line("And because %s and %s, %s.", r.describe(pe), r.describe(e), r.conclusion(cur))
				return
			}
		}
		r.build(d)
		r.line("And because %s, %s.", r.describe(e), r.conclusion(cur))
	}
}

func (r *reporter) line(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if n := len(r.lines); n == 0 || r.lines[n-1] == "" {
		s = strings.Replace(s, "And because", "Because", 1)
	}
	r.lines = append(r.lines, capitalize(s))
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// conclusion describes a derived incompatibility as the end of a sentence.
func (r *reporter) conclusion(ic *incompat) string {
	if ic.isFailure(r.root) {
		return "we can conclude that your requirements are unsatisfiable"
	}
	return r.describe(ic)
}

// describe states an incompatibility as a fact.
func (r *reporter) describe(ic *incompat) string {
	switch ic.kind {
	case kindNotRoot:
		return "your project is required"
	case kindNotFound:
		return ic.terms[0].pkg.name + " was not found in the package registry"
	case kindNoVersions:
		return "there is no version of " + termString(ic.terms[0])
	case kindUnusable:
		if t := ic.terms[0]; t.set.count() > 1 {
			return "the versions " + termString(t) + " " + plural(ic.reason)
		}
		return termString(ic.terms[0]) + " " + ic.reason
	case kindConstraint:
		return "you constrain " + ic.terms[0].pkg.key + " to " + ic.reason
	case kindDependency:
		if ic.terms[0].pkg.isRoot() {
			return "you require " + termString(ic.terms[1])
		}
		return termString(ic.terms[0]) + " depends on " + termString(ic.terms[1])
	}
	var pos, neg []string
	for _, t := range ic.terms {
		switch {
		case t.pkg.isRoot() && t.pos:
		case t.pkg.isRoot():
			neg = append(neg, "your project")
		case t.pos:
			pos = append(pos, termString(t))
		default:
			neg = append(neg, termString(t))
		}
	}
	switch {
	case len(pos) == 0 && len(neg) == 0:
		return "your requirements are unsatisfiable"
	case len(pos) == 1 && len(neg) == 0:
		return pos[0] + " cannot be used"
	case len(pos) == 0 && len(neg) == 1:
		return neg[0] + " is required"
	case len(pos) == 1 && len(neg) == 1:
		return pos[0] + " depends on " + neg[0]
	case len(neg) == 0:
		return joinAnd(pos) + " are incompatible"
	case len(pos) == 0:
		return "one of " + strings.Join(neg, " or ") + " is required"
	default:
		return "if " + joinAnd(pos) + " are used, then " + strings.Join(neg, " or ") + " is required"
	}
}

func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// termString renders the version set of a term (its positive reading).
func termString(t term) string {
	if t.label != "" {
		return t.label
	}
	return setString(t.pkg, t.set)
}

// setString renders a set of p's versions in specifier syntax, relative to
// the versions that exist: runs of consecutive known versions become ranges.
func setString(p *pkg, set vset) string {
	n := p.n
	if p.isRoot() {
		return "your project"
	}
	c := set.count()
	switch {
	case n == 1 && c == 1:
		return p.key + "==" + p.proj.versions[0].String()
	case n > 0 && c == n:
		return p.key
	case c == 0:
		return p.key + " (no versions)"
	case n > 2 && c == n-1 && set.has(n-1) && set.has(0):
		// one hole in the middle
		missing := set.complement(n).highest()
		return p.key + "!=" + p.proj.versions[missing].String()
	}
	vs := p.proj.versions
	var parts []string
	for i := 0; i < n; {
		if !set.has(i) {
			i++
			continue
		}
		j := i
		for j+1 < n && set.has(j+1) {
			j++
		}
		switch {
		case i == j:
			parts = append(parts, p.key+"=="+vs[i].String())
		case i == 0:
			parts = append(parts, p.key+"<"+vs[j+1].String())
		case j == n-1:
			parts = append(parts, p.key+">="+vs[i].String())
		default:
			parts = append(parts, p.key+">="+vs[i].String()+",<"+vs[j+1].String())
		}
		i = j + 1
	}
	return strings.Join(parts, " | ")
}

// plural turns a reason written for one version into one for several.
func plural(reason string) string {
	for _, r := range [][2]string{
		{"requires ", "require "},
		{"has ", "have "},
		{"is a pre-release ", "are pre-releases "},
		{"was yanked", "were yanked"},
	} {
		if rest, ok := strings.CutPrefix(reason, r[0]); ok {
			return r[1] + rest
		}
	}
	return reason
}
