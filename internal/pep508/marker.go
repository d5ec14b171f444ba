package pep508

import (
	"strings"

	"github.com/pyward/pyward/internal/pep503"
)

// MaxNesting bounds how deeply marker parentheses may nest. Real markers use
// one or two levels; the limit keeps hostile input from recursing without end.
const MaxNesting = 100

// Marker is a parsed environment marker expression. The zero value is not
// useful; a nil *Marker means "no marker" and evaluates to true.
type Marker struct {
	root *group
}

// group is a sequence of terms joined by "and" / "or", exactly as written
// (packaging keeps this flat list; "and" binds tighter at evaluation).
type group struct {
	terms []term
	ops   []string // len(terms)-1 entries, each "and" or "or"
}

// term is one comparison or one parenthesized group.
type term struct {
	cmp   *comparison
	group *group
}

// operand is a marker variable (by canonical name) or a decoded literal.
type operand struct {
	variable bool
	value    string
}

type comparison struct {
	lhs, rhs operand
	op       string
	// spec caches "op value" as a version specifier when the left side is a
	// version-like variable and the right side a literal; see evalVersion.
	spec *versionSpec
}

// versionVariables are compared as PEP 440 versions when "op value" is a
// valid specifier.
var versionVariables = map[string]bool{
	"implementation_version": true,
	"platform_release":       true,
	"python_full_version":    true,
	"python_version":         true,
}

// setVariables are the set-valued variables of PEP 751 lock files.
var setVariables = map[string]bool{"extras": true, "dependency_groups": true}

// ParseMarker parses a marker expression such as
// `python_version >= "3.8" and sys_platform == "linux"`.
func ParseMarker(s string) (*Marker, error) {
	sc := &scanner{src: s}
	g, err := parseGroup(sc, 0)
	if err != nil {
		return nil, err
	}
	if !sc.atEnd() {
		return nil, sc.errorf(sc.pos, nil, "expected end of marker expression")
	}
	return newMarker(g), nil
}

func newMarker(g *group) *Marker {
	g.walk(func(c *comparison) {
		c.normalizeExtras()
		c.prepare()
	})
	return &Marker{root: g}
}

func (s *scanner) errorf(pos int, err error, msg string) *ParseError {
	return &ParseError{Input: s.src, Pos: pos, Msg: msg, Err: err}
}

// parseGroup reads marker = atom (BOOLOP atom)*.
func parseGroup(s *scanner, depth int) (*group, *ParseError) {
	if depth > MaxNesting {
		return nil, s.errorf(s.pos, nil, "marker parentheses nested too deeply")
	}
	g := &group{}
	for {
		t, err := parseAtom(s, depth)
		if err != nil {
			return nil, err
		}
		g.terms = append(g.terms, t)
		switch {
		case s.word("or"):
			g.ops = append(g.ops, "or")
		case s.word("and"):
			g.ops = append(g.ops, "and")
		default:
			return g, nil
		}
	}
}

func parseAtom(s *scanner, depth int) (term, *ParseError) {
	s.ws()
	var t term
	if s.peekByte('(') {
		open := s.pos
		s.pos++
		s.ws()
		g, err := parseGroup(s, depth+1)
		if err != nil {
			return t, err
		}
		s.ws()
		if !s.peekByte(')') {
			return t, s.errorf(open, nil, "expected matching ')' for '(', after marker expression")
		}
		s.pos++
		t.group = g
	} else {
		c, err := parseComparison(s)
		if err != nil {
			return t, err
		}
		t.cmp = c
	}
	s.ws()
	return t, nil
}

func parseComparison(s *scanner) (*comparison, *ParseError) {
	s.ws()
	lhs, err := parseOperand(s)
	if err != nil {
		return nil, err
	}
	s.ws()
	op, err := parseMarkerOp(s)
	if err != nil {
		return nil, err
	}
	s.ws()
	rhs, err := parseOperand(s)
	if err != nil {
		return nil, err
	}
	s.ws()
	return &comparison{lhs: lhs, op: op, rhs: rhs}, nil
}

func parseOperand(s *scanner) (operand, *ParseError) {
	if name, ok := s.variable(); ok {
		return operand{variable: true, value: name}, nil
	}
	start := s.pos
	if tok, ok := s.quoted(); ok {
		v, err := decodePyString(tok[1 : len(tok)-1])
		if err != nil {
			return operand{}, s.errorf(start, err, "invalid quoted string: "+err.Error())
		}
		return operand{value: v}, nil
	}
	return operand{}, s.errorf(s.pos, nil, "expected a marker variable or quoted string")
}

func parseMarkerOp(s *scanner) (string, *ParseError) {
	switch {
	case s.word("in"):
		return "in", nil
	case s.word("not"):
		if !s.ws() {
			return "", s.errorf(s.pos, nil, "expected whitespace after 'not'")
		}
		if !s.word("in") {
			return "", s.errorf(s.pos, nil, "expected 'in' after 'not'")
		}
		return "not in", nil
	}
	if op, ok := s.comparisonOp(); ok {
		return op, nil
	}
	return "", s.errorf(s.pos, nil, "expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in")
}

// normalizeExtras applies PEP 685 to extra literals (and PEP 685 / PEP 735
// to the members tested with `in extras` / `in dependency_groups`) at parse
// time, so String and equality agree with evaluation.
func (c *comparison) normalizeExtras() {
	switch {
	case c.lhs.variable && c.lhs.value == "extra" && !c.rhs.variable:
		c.rhs.value = pep503.Normalize(c.rhs.value)
	case c.rhs.variable && c.rhs.value == "extra" && !c.lhs.variable:
		c.lhs.value = pep503.Normalize(c.lhs.value)
	case c.rhs.variable && setVariables[c.rhs.value] && !c.lhs.variable:
		c.lhs.value = pep503.Normalize(c.lhs.value)
	}
}

func (g *group) walk(f func(*comparison)) {
	for _, t := range g.terms {
		if t.cmp != nil {
			f(t.cmp)
		} else {
			t.group.walk(f)
		}
	}
}

// String returns the normalized marker text, as packaging's str(Marker).
func (m *Marker) String() string {
	if m == nil || m.root == nil {
		return ""
	}
	var b strings.Builder
	m.root.format(&b, true)
	return b.String()
}

// format writes g; a group that is not the outermost is parenthesized unless
// it is a single term.
func (g *group) format(b *strings.Builder, outermost bool) {
	if len(g.terms) == 1 {
		if c := g.terms[0].cmp; c != nil {
			c.format(b)
		} else {
			g.terms[0].group.format(b, outermost)
		}
		return
	}
	if !outermost {
		b.WriteByte('(')
	}
	for i, t := range g.terms {
		if i > 0 {
			b.WriteByte(' ')
			b.WriteString(g.ops[i-1])
			b.WriteByte(' ')
		}
		if t.cmp != nil {
			t.cmp.format(b)
		} else {
			t.group.format(b, false)
		}
	}
	if !outermost {
		b.WriteByte(')')
	}
}

func (c *comparison) format(b *strings.Builder) {
	c.lhs.format(b)
	b.WriteByte(' ')
	b.WriteString(c.op)
	b.WriteByte(' ')
	c.rhs.format(b)
}

func (o operand) format(b *strings.Builder) {
	if o.variable {
		b.WriteString(o.value)
	} else {
		b.WriteString(quoteValue(o.value))
	}
}

// Equal reports whether two markers have the same normalized text, which is
// packaging's marker equality. Two nil markers are equal.
func (m *Marker) Equal(o *Marker) bool {
	if m == nil || o == nil {
		return m == nil && o == nil
	}
	return m.String() == o.String()
}

// UsesExtra reports whether the marker refers to the `extra` variable.
func (m *Marker) UsesExtra() bool {
	if m == nil {
		return false
	}
	found := false
	m.root.walk(func(c *comparison) {
		if (c.lhs.variable && c.lhs.value == "extra") || (c.rhs.variable && c.rhs.value == "extra") {
			found = true
		}
	})
	return found
}

// And returns the marker "m and o", parenthesizing each side as needed
// (packaging's Marker.__and__). A nil marker is "always", so And with nil
// returns the other marker.
func (m *Marker) And(o *Marker) *Marker {
	switch {
	case m == nil:
		return o
	case o == nil:
		return m
	}
	return combine(m, "and", o)
}

// Or returns the marker "m or o" (packaging's Marker.__or__). A nil marker
// is "always", so Or with nil returns nil.
func (m *Marker) Or(o *Marker) *Marker {
	if m == nil || o == nil {
		return nil
	}
	return combine(m, "or", o)
}

// combine shares the operands' trees, which are never modified after parsing.
func combine(m *Marker, op string, o *Marker) *Marker {
	return &Marker{root: &group{
		terms: []term{{group: m.root}, {group: o.root}},
		ops:   []string{op},
	}}
}
