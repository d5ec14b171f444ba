package resolve

// term is a statement about one package: "p ∈ set" (positive) or "p ∉ set"
// (negative). A negative term is also true when p is not selected at all.
// Seen as sets of states (a version, or "not selected"), pos(S) = S and
// neg(S) = (U \ S) ∪ {none}; all the algebra below follows from that.
type term struct {
	pkg *pkg
	pos bool
	set vset
	// label is how the set was written in a requirement ("a>=1,<2"); it
	// survives operations that leave the set unchanged, so explanations quote
	// the user's words instead of a list of versions.
	label string
}

func (t term) negate() term { return term{pkg: t.pkg, pos: !t.pos, set: t.set, label: t.label} }

// isAny reports whether t holds in every state (neg of the empty set).
func (t term) isAny() bool { return !t.pos && t.set.isEmpty() }

// keepLabel returns r with the label of a or b when r has the same polarity
// and set as one of them.
func keepLabel(r, a, b term) term {
	switch {
	case r.pos == a.pos && r.set.equal(a.set):
		r.label = a.label
	case r.pos == b.pos && r.set.equal(b.set):
		r.label = b.label
	}
	return r
}

func (t term) intersect(u term) term {
	var r term
	switch {
	case t.pos && u.pos:
		r = term{pkg: t.pkg, pos: true, set: t.set.and(u.set)}
	case t.pos && !u.pos:
		r = term{pkg: t.pkg, pos: true, set: t.set.andNot(u.set)}
	case !t.pos && u.pos:
		r = term{pkg: t.pkg, pos: true, set: u.set.andNot(t.set)}
	default:
		r = term{pkg: t.pkg, pos: false, set: t.set.or(u.set)}
	}
	return keepLabel(r, t, u)
}

func (t term) union(u term) term {
	r := t.negate().intersect(u.negate()).negate()
	return keepLabel(r, t, u)
}

// subsetOf reports whether every state allowed by t is allowed by u.
func (t term) subsetOf(u term) bool {
	switch {
	case t.pos && u.pos:
		return t.set.subsetOf(u.set)
	case t.pos && !u.pos:
		return t.set.disjoint(u.set)
	case !t.pos && u.pos:
		return false
	default:
		return u.set.subsetOf(t.set)
	}
}

// disjointWith reports whether no state is allowed by both t and u.
func (t term) disjointWith(u term) bool {
	switch {
	case t.pos && u.pos:
		return t.set.disjoint(u.set)
	case t.pos && !u.pos:
		return t.set.subsetOf(u.set)
	case !t.pos && u.pos:
		return u.set.subsetOf(t.set)
	default:
		return false
	}
}

type relation int

const (
	relSatisfied relation = iota
	relContradicted
	relInconclusive
)

// relationTo says how the accumulated assignment acc relates to t.
func relationTo(acc, t term) relation {
	if acc.subsetOf(t) {
		return relSatisfied
	}
	if acc.disjointWith(t) {
		return relContradicted
	}
	return relInconclusive
}

type incKind int

const (
	kindNotRoot    incKind = iota // {not root}: the root must be selected
	kindDependency                // {p∈S, not q∈T}: p∈S depends on q∈T
	kindUnusable                  // {p∈S}: these versions cannot be used (reason)
	kindConstraint                // {p∉C}: a user constraint
	kindNotFound                  // explanation only: q does not exist
	kindNoVersions                // explanation only: no version of q matches T
	kindDerived                   // learned from cause1 and cause2
)

// incompat is a set of terms that must not all be true at once.
type incompat struct {
	terms          []term
	kind           incKind
	reason         string // kindUnusable: "requires Python >=3.10, ..."
	cause1, cause2 *incompat
	id             int
}

// term returns the term about p, if any.
func (ic *incompat) term(p *pkg) (term, bool) {
	for _, t := range ic.terms {
		if t.pkg == p {
			return t, true
		}
	}
	return term{}, false
}

// isFailure reports whether ic says the root cannot be selected: resolution
// is impossible.
func (ic *incompat) isFailure(root *pkg) bool {
	return len(ic.terms) == 0 || (len(ic.terms) == 1 && ic.terms[0].pkg == root && ic.terms[0].pos)
}
