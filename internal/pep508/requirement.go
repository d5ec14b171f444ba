package pep508

import (
	"slices"
	"strings"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
)

// Requirement is a parsed dependency specifier, e.g.
// `requests[socks]>=2.31,<3; python_version >= "3.8"`.
type Requirement struct {
	Name      string   // as written
	Extras    []string // as written, in order, exact duplicates removed
	Specifier pep440.SpecifierSet
	URL       string  // for "name @ url"; "" otherwise
	Marker    *Marker // nil when absent
}

// ParseRequirement parses one dependency specifier. Errors are *ParseError.
func ParseRequirement(s string) (*Requirement, error) {
	sc := &scanner{src: s}
	sc.ws()
	name, ok := sc.identifier()
	if !ok {
		return nil, sc.errorf(sc.pos, nil, "expected package name at the start of dependency specifier")
	}
	r := &Requirement{Name: name}
	sc.ws()
	if err := r.parseExtras(sc); err != nil {
		return nil, err
	}
	sc.ws()
	if err := r.parseDetails(sc); err != nil {
		return nil, err
	}
	if !sc.atEnd() {
		return nil, sc.errorf(sc.pos, nil, "expected end of dependency specifier")
	}
	return r, nil
}

// parseExtras reads extras = "[" WS? (IDENTIFIER (WS? "," WS? IDENTIFIER)*)? WS? "]".
func (r *Requirement) parseExtras(sc *scanner) *ParseError {
	if !sc.peekByte('[') {
		return nil
	}
	open := sc.pos
	sc.pos++
	sc.ws()
	seen := map[string]bool{}
	add := func(e string) {
		if !seen[e] {
			seen[e] = true
			r.Extras = append(r.Extras, e)
		}
	}
	if e, ok := sc.identifier(); ok {
		add(e)
		for {
			sc.ws()
			save := sc.pos
			if _, ok := sc.identifier(); ok {
				return sc.errorf(save, nil, "expected comma between extra names")
			}
			if !sc.peekByte(',') {
				break
			}
			sc.pos++
			sc.ws()
			e, ok := sc.identifier()
			if !ok {
				return sc.errorf(sc.pos, nil, "expected extra name after comma")
			}
			add(e)
		}
	}
	sc.ws()
	if !sc.peekByte(']') {
		return sc.errorf(open, nil, "expected matching ']' for '[', after extras")
	}
	sc.pos++
	return nil
}

// parseDetails reads "@" URL [WS [";" marker]] or specifier [";" marker].
func (r *Requirement) parseDetails(sc *scanner) *ParseError {
	if sc.peekByte('@') {
		sc.pos++
		sc.ws()
		urlStart := sc.pos
		for sc.pos < len(sc.src) && sc.src[sc.pos] != ' ' && sc.src[sc.pos] != '\t' {
			sc.pos++
		}
		if sc.pos == urlStart {
			return sc.errorf(sc.pos, nil, "expected URL after @")
		}
		r.URL = sc.src[urlStart:sc.pos]
		// The URL ran to white space or the end; a marker needs " ;".
		if !sc.ws() || sc.atEnd() {
			return nil
		}
		return r.parseMarkerPart(sc, urlStart, "expected semicolon (after URL and whitespace) or end")
	}
	specStart := sc.pos
	text, err := parseSpecifierText(sc)
	if err != nil {
		return err
	}
	spec, perr := pep440.ParseSpecifierSet(text)
	if perr != nil {
		return sc.errorf(specStart, perr, "invalid specifier: "+perr.Error())
	}
	r.Specifier = spec
	sc.ws()
	if sc.atEnd() {
		return nil
	}
	msg := "expected semicolon (after name with no version specifier) or end"
	if text != "" {
		msg = "expected comma (within version specifier), semicolon (after version specifier) or end"
	}
	return r.parseMarkerPart(sc, specStart, msg)
}

// parseMarkerPart reads ";" marker WS?.
func (r *Requirement) parseMarkerPart(sc *scanner, spanStart int, msg string) *ParseError {
	if !sc.peekByte(';') {
		return sc.errorf(spanStart, nil, msg)
	}
	sc.pos++
	g, err := parseGroup(sc, 0)
	if err != nil {
		return err
	}
	sc.ws()
	r.Marker = newMarker(g)
	return nil
}

// parseSpecifierText reads specifier = "(" WS? version_many WS? ")" |
// version_many, and returns the specifier tokens joined by commas for
// pep440.ParseSpecifierSet (white space inside a token is kept).
func parseSpecifierText(sc *scanner) (string, *ParseError) {
	open := -1
	if sc.peekByte('(') {
		open = sc.pos
		sc.pos++
	}
	sc.ws()
	var b strings.Builder
	for {
		start := sc.pos
		tok, ok := sc.specifier()
		if !ok {
			break
		}
		b.WriteString(tok)
		if strings.HasPrefix(sc.src[sc.pos:], ".*") {
			if strings.HasPrefix(strings.TrimLeft(tok, " \t"), "==") || strings.HasPrefix(strings.TrimLeft(tok, " \t"), "!=") {
				return "", sc.errorf(start, nil, ".* suffix cannot be used with pre-release, post-release, dev or local versions")
			}
			return "", sc.errorf(start, nil, ".* suffix can only be used with `==` or `!=` operators")
		}
		if localLabelRE().MatchString(sc.src[sc.pos:]) {
			return "", sc.errorf(start, nil, "local version label can only be used with `==` or `!=` operators")
		}
		sc.ws()
		if !sc.peekByte(',') {
			break
		}
		sc.pos++
		b.WriteByte(',')
		sc.ws()
	}
	sc.ws()
	if open >= 0 {
		if !sc.peekByte(')') {
			return "", sc.errorf(open, nil, "expected matching ')' for '(', after version specifier")
		}
		sc.pos++
	}
	return b.String(), nil
}

// String returns the normalized requirement text, as packaging's
// str(Requirement): name[sorted,extras]specifier or name[extras] @ url,
// then "; marker" (" ; marker" after a URL).
func (r *Requirement) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if len(r.Extras) > 0 {
		extras := slices.Clone(r.Extras)
		slices.Sort(extras)
		extras = slices.Compact(extras)
		b.WriteByte('[')
		b.WriteString(strings.Join(extras, ","))
		b.WriteByte(']')
	}
	b.WriteString(r.Specifier.String())
	if r.URL != "" {
		b.WriteString(" @ ")
		b.WriteString(r.URL)
		if r.Marker != nil {
			b.WriteByte(' ')
		}
	}
	if r.Marker != nil {
		b.WriteString("; ")
		b.WriteString(r.Marker.String())
	}
	return b.String()
}

// NormalizedName returns the PEP 503 normalized project name.
func (r *Requirement) NormalizedName() string { return pep503.Normalize(r.Name) }

// NormalizedExtras returns the PEP 685 normalized extras, sorted and
// deduplicated.
func (r *Requirement) NormalizedExtras() []string {
	out := make([]string, len(r.Extras))
	for i, e := range r.Extras {
		out[i] = pep503.Normalize(e)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Equal reports requirement equality as packaging defines it: names and
// extras compared after normalization, specifier sets after
// canonicalization, and URL and marker text exactly.
func (r *Requirement) Equal(o *Requirement) bool {
	if r == nil || o == nil {
		return r == nil && o == nil
	}
	return r.NormalizedName() == o.NormalizedName() &&
		slices.Equal(r.NormalizedExtras(), o.NormalizedExtras()) &&
		specifierSetsEqual(r.Specifier, o.Specifier) &&
		r.URL == o.URL &&
		r.Marker.Equal(o.Marker)
}
