package fix

import (
	"sort"
	"strings"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep503"
)

// rewrite renders the re-resolved lock nl in the form of the old one.
func rewrite(doc *document, data []byte, nl *lockfile.Lock) ([]byte, error) {
	if doc.format == Pylock {
		// The sources the old lock records (index names, trusted hosts)
		// still hold: the fix re-resolved with them.
		nl.Indexes, nl.TrustedHosts = doc.lock.Indexes, doc.lock.TrustedHosts
		return rewritePylock(data, nl)
	}
	return rewriteRequirements(doc, nl)
}

// rewritePylock keeps the old document's leading comment (the header with
// the command that made it) and writes the new packages below it.
func rewritePylock(data []byte, nl *lockfile.Lock) ([]byte, error) {
	lines, _, _ := splitLines(data)
	var header strings.Builder
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		header.WriteString(l + "\n")
	}
	nl.Command = "" // the old header stands in for the generated one
	body, err := lockfile.MarshalPylock(nl)
	if err != nil {
		return nil, err
	}
	return append([]byte(header.String()), body...), nil
}

// pkgKey identifies a requirement of a lock: a name can be locked once per
// marker.
type pkgKey struct{ name, marker string }

// rewriteRequirements edits the old requirements file in place: a
// requirement whose version changed is rendered anew where it stood, one the
// resolution dropped is deleted with its notes, a new one is inserted in
// name order, and an unchanged one keeps its lines (only its "# via" notes
// are rendered anew when who requires it changed). Every other line, the
// header and the index options among them, is kept byte for byte, with the
// file's line ends and byte order mark.
func rewriteRequirements(doc *document, nl *lockfile.Lock) ([]byte, error) {
	withFrom := false // "# from" notes only in a file that has them
	for _, p := range doc.lock.Packages {
		withFrom = withFrom || p.Index != ""
	}
	// Each old requirement takes the new package of the same name and
	// marker, else the only new package of its name: the resolution is made
	// for one target and drops markers that are true there.
	next := map[pkgKey]*lockfile.Package{}
	byName := map[string][]*lockfile.Package{}
	for i := range nl.Packages {
		p := &nl.Packages[i]
		next[pkgKey{p.NormalizedName(), p.Marker}] = p
		byName[p.NormalizedName()] = append(byName[p.NormalizedName()], p)
	}
	match := make([]*lockfile.Package, len(doc.spans))
	claimed := map[*lockfile.Package]bool{}
	for i, sp := range doc.spans {
		if p := next[pkgKey{sp.name, doc.lock.Packages[i].Marker}]; p != nil && !claimed[p] {
			match[i], claimed[p] = p, true
		}
	}
	for i, sp := range doc.spans {
		if ps := byName[sp.name]; match[i] == nil && len(ps) == 1 && !claimed[ps[0]] {
			match[i], claimed[ps[0]] = ps[0], true
		}
	}
	var added []*lockfile.Package
	for i := range nl.Packages {
		if p := &nl.Packages[i]; !claimed[p] {
			added = append(added, p)
		}
	}
	sort.SliceStable(added, func(i, j int) bool { return added[i].NormalizedName() < added[j].NormalizedName() })

	var out []string
	emit := func(text string) {
		if text != "" {
			out = append(out, strings.Split(strings.TrimSuffix(text, "\n"), "\n")...)
		}
	}
	render := func(p *lockfile.Package, sp *span) (pin, notes string, err error) {
		q := *p
		if !withFrom {
			q.Index = ""
		}
		if sp != nil {
			q.Name = sp.display // the spelling of the file
			q.Extras = nil      // the line's own extras follow the name
			if q.Marker == "" {
				q.Marker = sp.marker
			}
		}
		if pin, notes, err = lockfile.RequirementEntry(&q); err != nil {
			return "", "", err
		}
		if sp != nil && len(sp.extras) > 0 {
			pin = q.Name + "[" + strings.Join(sp.extras, ",") + "]" + strings.TrimPrefix(pin, q.Name)
		}
		return pin, notes, nil
	}
	insertAdded := func(before string) error {
		for len(added) > 0 && (before == "" || added[0].NormalizedName() < before) {
			pin, notes, err := render(added[0], nil)
			if err != nil {
				return err
			}
			emit(pin + notes)
			added = added[1:]
		}
		return nil
	}
	pos := 0
	for i := range doc.spans {
		sp := &doc.spans[i]
		old := &doc.lock.Packages[i]
		out = append(out, doc.lines[pos:sp.start]...)
		if err := insertAdded(sp.name); err != nil {
			return nil, err
		}
		pos = sp.notesEnd
		p := match[i]
		switch {
		case p == nil: // no longer needed
		case p.Version == old.Version && (p.Archive == nil) == (old.Archive == nil):
			out = append(out, doc.lines[sp.start:sp.end+1]...)
			if sameSet(p.Via, old.Via) {
				out = append(out, doc.lines[sp.end+1:sp.notesEnd]...)
				continue
			}
			_, notes, err := render(p, sp)
			if err != nil {
				return nil, err
			}
			emit(notes)
		default:
			pin, notes, err := render(p, sp)
			if err != nil {
				return nil, err
			}
			emit(pin + notes)
		}
	}
	// New requirements after the last one follow it directly.
	tail := doc.lines[pos:]
	if err := insertAdded(""); err != nil {
		return nil, err
	}
	out = append(out, tail...)
	text := strings.Join(out, doc.eol)
	if doc.bom {
		text = "\xef\xbb\xbf" + text
	}
	return []byte(text), nil
}

// sameSet reports whether a and b hold the same names (PEP 503 normalized,
// as "# via" lists compare).
func sameSet(a, b []string) bool {
	norm := func(ss []string) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = pep503.Normalize(s)
			if strings.HasPrefix(s, "-") {
				out[i] = s // an origin such as "-r requirements.in"
			}
		}
		sort.Strings(out)
		return strings.Join(out, "\n")
	}
	return norm(a) == norm(b)
}
