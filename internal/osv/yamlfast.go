package osv

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The fast YAML path. go.yaml.in/yaml/v3 is general and correspondingly slow
// (about 70% of a cold load of the pypa database). The advisory files are
// machine-written block YAML, so fastYAML decodes that narrow subset
// directly and reports errUnsupported for anything outside it; the caller
// then uses yaml/v3, which stays the reference. A differential test over
// every file of the advisory database and a fuzz target check that both
// produce identical records whenever fastYAML accepts an input.
//
// Accepted subset: block mappings and sequences (including sequences at
// the same indentation as their key), plain scalars (multi-line plain
// scalars folded), single- and double-quoted scalars (multi-line folded,
// the usual escapes), literal block scalars (|, |-, |+), and the empty flow
// collections [] and {}. Rejected (fallback): tabs, CR, comments, anchors,
// aliases, tags, directives, document markers, other flow collections,
// folded (>) scalars, complex keys, duplicate keys, and the free-form
// database_specific / ecosystem_specific objects (whose typed scalars
// yaml/v3 resolves).
var errUnsupported = errors.New("outside the fast YAML subset")

type ykind byte

const (
	yNull ykind = iota
	yScalar
	yMap
	ySeq
)

type ynode struct {
	kind  ykind
	val   string
	keys  []string
	vals  []*ynode
	items []*ynode
}

type yline struct {
	indent int
	text   string // without indentation; "" for blank lines
}

type yparser struct {
	lines []yline
	i     int
	// unterminated is set when the last line has no line break, which
	// changes what a block scalar ending there contains.
	unterminated bool
	slab         []ynode // nodes are carved from here: one allocation per 128
}

// node allocates a node from the slab.
func (p *yparser) node(k ykind, v string) *ynode {
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]ynode, 0, 128)
	}
	p.slab = append(p.slab, ynode{kind: k, val: v})
	return &p.slab[len(p.slab)-1]
}

func fastYAML(data []byte) (*rawRecord, error) {
	if !printable(data) {
		return nil, errUnsupported
	}
	src := string(data)
	// One IndexByte per byte value is vectorized; ContainsAny with a
	// non-ASCII set would walk runes.
	for _, c := range []byte{'\t', '\r', 0} {
		if strings.IndexByte(src, c) >= 0 {
			return nil, errUnsupported
		}
	}
	if strings.Contains(src, "\ufeff") {
		return nil, errUnsupported
	}
	p := &yparser{lines: make([]yline, 0, strings.Count(src, "\n")+1), unterminated: !strings.HasSuffix(src, "\n")}
	for l := range strings.SplitSeq(src, "\n") {
		t := strings.TrimLeft(l, " ")
		if strings.TrimRight(t, " ") == "" {
			p.lines = append(p.lines, yline{indent: len(l)})
			continue
		}
		if t[0] == '#' || t[0] == '%' || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "...") {
			return nil, errUnsupported
		}
		p.lines = append(p.lines, yline{indent: len(l) - len(t), text: t})
	}
	p.skipBlank()
	if p.i >= len(p.lines) || p.lines[p.i].indent != 0 {
		return nil, errUnsupported
	}
	root, err := p.mapping(0)
	if err != nil {
		return nil, err
	}
	p.skipBlank()
	if p.i != len(p.lines) {
		return nil, errUnsupported
	}
	return toRaw(root)
}

func (p *yparser) skipBlank() {
	for p.i < len(p.lines) && p.lines[p.i].text == "" {
		p.i++
	}
}

// mapping parses a block mapping whose keys sit at column indent.
func (p *yparser) mapping(indent int) (*ynode, error) {
	m := p.node(yMap, "")
	for {
		p.skipBlank()
		if p.i >= len(p.lines) || p.lines[p.i].indent < indent {
			return m, nil
		}
		l := p.lines[p.i]
		if l.indent != indent {
			return nil, errUnsupported
		}
		key, rest, ok := splitKey(l.text)
		if !ok {
			return nil, errUnsupported
		}
		for _, k := range m.keys {
			if k == key {
				return nil, errUnsupported // yaml/v3 reports duplicates
			}
		}
		p.i++
		v, err := p.value(indent, rest)
		if err != nil {
			return nil, err
		}
		m.keys = append(m.keys, key)
		m.vals = append(m.vals, v)
	}
}

// splitKey splits "key: rest" / "key:" with a plain, simple key.
func splitKey(t string) (key, rest string, ok bool) {
	i := strings.Index(t, ":")
	if i <= 0 {
		return "", "", false
	}
	key = t[:i]
	if i+1 < len(t) && t[i+1] != ' ' {
		return "", "", false
	}
	if !plainKey(key) {
		return "", "", false
	}
	return key, strings.TrimLeft(t[i+1:], " "), true
}

// maxFastKey bounds keys on the fast path; YAML caps implicit keys at
// 1024 characters and OSV keys are short.
const maxFastKey = 64

func plainKey(k string) bool {
	if len(k) > maxFastKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return k[0] != '-'
}

// value parses what follows "key:" (rest, possibly empty) for a key or
// sequence entry at column indent.
func (p *yparser) value(indent int, rest string) (*ynode, error) {
	if rest == "" {
		// Nested block node, or null.
		j := p.i
		for j < len(p.lines) && p.lines[j].text == "" {
			j++
		}
		if j >= len(p.lines) {
			return p.node(yNull, ""), nil
		}
		l := p.lines[j]
		switch {
		case l.indent > indent:
			p.i = j
			if isSeqEntry(l.text) {
				return p.sequence(l.indent)
			}
			return p.mapping(l.indent)
		case l.indent == indent && isSeqEntry(l.text):
			p.i = j
			return p.sequence(indent)
		}
		return p.node(yNull, ""), nil
	}
	switch rest[0] {
	case '\'':
		return p.quoted(indent, rest, '\'')
	case '"':
		return p.quoted(indent, rest, '"')
	case '|':
		return p.literal(indent, rest)
	}
	switch rest {
	case "[]":
		return p.node(ySeq, ""), nil
	case "{}":
		return p.node(yMap, ""), nil
	}
	return p.plain(indent, rest)
}

func isSeqEntry(t string) bool { return t == "-" || strings.HasPrefix(t, "- ") }

// sequence parses a block sequence whose dashes sit at column indent.
func (p *yparser) sequence(indent int) (*ynode, error) {
	s := p.node(ySeq, "")
	for {
		p.skipBlank()
		if p.i >= len(p.lines) || p.lines[p.i].indent < indent {
			return s, nil
		}
		l := p.lines[p.i]
		if l.indent != indent || !isSeqEntry(l.text) {
			if l.indent == indent {
				return s, nil // the parent mapping continues
			}
			return nil, errUnsupported
		}
		if l.text == "-" {
			return nil, errUnsupported // null or nested-on-next-line entries
		}
		body := l.text[2:]
		pad := len(body) - len(strings.TrimLeft(body, " "))
		body = body[pad:]
		col := indent + 2 + pad
		if body == "" || isSeqEntry(body) {
			return nil, errUnsupported
		}
		if key, _, ok := splitKey(body); ok && key != "" && body[0] != '\'' && body[0] != '"' {
			// "- key: value": a mapping starting on the dash line.
			p.lines[p.i] = yline{indent: col, text: body}
			m, err := p.mapping(col)
			if err != nil {
				return nil, err
			}
			s.items = append(s.items, m)
			continue
		}
		p.i++
		v, err := p.value(indent, body)
		if err != nil {
			return nil, err
		}
		if v.kind == yNull {
			return nil, errUnsupported
		}
		s.items = append(s.items, v)
	}
}

// plain parses a plain scalar starting with first, continued on following
// lines indented deeper than indent; line breaks fold to spaces and blank
// lines to newlines.
func (p *yparser) plain(indent int, first string) (*ynode, error) {
	if !plainOK(first, true) {
		return nil, errUnsupported
	}
	if p.i >= len(p.lines) || (p.lines[p.i].text != "" && p.lines[p.i].indent <= indent) {
		// Single-line scalar, the common case: no copy.
		return p.plainValue(strings.TrimRight(first, " ")), nil
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(first, " "))
	blanks := 0
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.text == "" {
			blanks++
			p.i++
			continue
		}
		if l.indent <= indent {
			break
		}
		if !plainOK(l.text, false) || isSeqEntry(l.text) {
			return nil, errUnsupported
		}
		if blanks == 0 {
			b.WriteByte(' ')
		}
		for ; blanks > 0; blanks-- {
			b.WriteByte('\n')
		}
		b.WriteString(strings.TrimRight(l.text, " "))
		p.i++
	}
	// Blank lines after the scalar belong to no one; let the caller see them
	// so a following key is not mistaken for a continuation.
	p.i -= blanks
	return p.plainValue(b.String()), nil
}

func (p *yparser) plainValue(v string) *ynode {
	switch v {
	case "~", "null", "Null", "NULL":
		return p.node(yNull, "")
	}
	return p.node(yScalar, v)
}

// plainOK rejects text that yaml/v3 would read as something other than a
// plain scalar, or that the subset does not handle.
func plainOK(t string, first bool) bool {
	if t == "" {
		return false
	}
	if first && strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`", rune(t[0])) {
		return false
	}
	if !first && strings.ContainsRune("#", rune(t[0])) {
		return false
	}
	return !strings.Contains(t, ": ") && !strings.Contains(t, " #") && !strings.HasSuffix(strings.TrimRight(t, " "), ":")
}

// quoted parses a single- or double-quoted scalar that may span lines.
// p.i is at the line after the one holding the opening quote.
func (p *yparser) quoted(indent int, first string, q byte) (*ynode, error) {
	var b strings.Builder
	text := first[1:]
	for {
		done, rest, escBreak, err := scanQuoted(&b, text, q)
		if err != nil {
			return nil, err
		}
		if done {
			if strings.TrimRight(rest, " ") != "" {
				return nil, errUnsupported
			}
			return p.node(yScalar, b.String()), nil
		}
		// Folding: the line's trailing spaces go, blank lines become
		// newlines, a single break becomes a space; an escaped break
		// (double quotes, "\" at end of line) joins with nothing.
		if !escBreak {
			trimTrailingSpaces(&b)
		}
		blanks := 0
		for p.i < len(p.lines) && p.lines[p.i].text == "" {
			blanks++
			p.i++
		}
		if p.i >= len(p.lines) || p.lines[p.i].indent <= indent || (escBreak && blanks > 0) {
			return nil, errUnsupported
		}
		switch {
		case blanks > 0:
			b.WriteString(strings.Repeat("\n", blanks))
		case !escBreak:
			b.WriteByte(' ')
		}
		text = p.lines[p.i].text
		p.i++
	}
}

func trimTrailingSpaces(b *strings.Builder) {
	s := b.String()
	if t := strings.TrimRight(s, " "); len(t) != len(s) {
		b.Reset()
		b.WriteString(t)
	}
}

// scanQuoted copies one line of a quoted scalar into b. done reports the
// closing quote was found (rest is what follows it); otherwise escBreak
// reports the line ended in an escaped line break. A line that is not
// finished and holds an escaped space is unsupported: folding would trim
// what the escape protects.
func scanQuoted(b *strings.Builder, t string, q byte) (done bool, rest string, escBreak bool, err error) {
	escSpace := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '\'' && q == '\'':
			if i+1 < len(t) && t[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return true, t[i+1:], false, nil
		case c == '"' && q == '"':
			return true, t[i+1:], false, nil
		case c == '\\' && q == '"':
			if i+1 == len(t) {
				if escSpace {
					return false, "", false, errUnsupported
				}
				return false, "", true, nil
			}
			n, adv, ok := unescape(t[i+1:])
			if !ok {
				return false, "", false, errUnsupported
			}
			if t[i+1] == ' ' {
				escSpace = true
			}
			b.WriteString(n)
			i += adv
		default:
			b.WriteByte(c)
		}
	}
	if escSpace {
		return false, "", false, errUnsupported
	}
	return false, "", false, nil
}

// unescape decodes the escape after a backslash; adv is the bytes used.
func unescape(s string) (string, int, bool) {
	switch s[0] {
	case '0':
		return "\x00", 1, true
	case 'a':
		return "\a", 1, true
	case 'b':
		return "\b", 1, true
	case 't':
		return "\t", 1, true
	case 'n':
		return "\n", 1, true
	case 'v':
		return "\v", 1, true
	case 'f':
		return "\f", 1, true
	case 'r':
		return "\r", 1, true
	case 'e':
		return "\x1b", 1, true
	case ' ':
		return " ", 1, true
	case '"':
		return "\"", 1, true
	case '\\':
		return "\\", 1, true
	case 'N':
		return "\u0085", 1, true
	case '_':
		return "\u00a0", 1, true
	case 'L':
		return "\u2028", 1, true
	case 'P':
		return "\u2029", 1, true
	case 'x', 'u', 'U':
		n := 2
		switch s[0] {
		case 'u':
			n = 4
		case 'U':
			n = 8
		}
		if len(s) < 1+n {
			return "", 0, false
		}
		v, err := strconv.ParseUint(s[1:1+n], 16, 32)
		if err != nil || !utf8.ValidRune(rune(v)) {
			return "", 0, false
		}
		return string(rune(v)), 1 + n, true
	}
	return "", 0, false
}

// literal parses a literal block scalar ("|", "|-", "|+") whose parent
// node sits at column indent.
func (p *yparser) literal(indent int, header string) (*ynode, error) {
	chomp := byte(0)
	switch header {
	case "|":
	case "|-":
		chomp = '-'
	case "|+":
		chomp = '+'
	default:
		return nil, errUnsupported
	}
	start := p.i
	blockIndent := -1
	for j := start; j < len(p.lines); j++ {
		if p.lines[j].text != "" {
			if p.lines[j].indent > indent {
				blockIndent = p.lines[j].indent
			}
			break
		}
		if p.lines[j].indent > indent {
			return nil, errUnsupported // leading blank lines with spaces
		}
	}
	var content []string
	if blockIndent >= 0 && p.unterminated && p.i < len(p.lines) {
		last := len(p.lines) - 1
		for last > p.i && p.lines[last].text == "" {
			last--
		}
		if p.lines[last].indent >= blockIndent {
			return nil, errUnsupported // the scalar ends the document without a line break
		}
	}
	if blockIndent >= 0 {
		for p.i < len(p.lines) {
			l := p.lines[p.i]
			if l.text == "" {
				if l.indent > blockIndent {
					return nil, errUnsupported // whitespace-only content line
				}
				content = append(content, "")
				p.i++
				continue
			}
			if l.indent < blockIndent {
				break
			}
			content = append(content, strings.Repeat(" ", l.indent-blockIndent)+l.text)
			p.i++
		}
	} else {
		for p.i < len(p.lines) && p.lines[p.i].text == "" {
			content = append(content, "")
			p.i++
		}
	}
	trailing := 0
	for k := len(content) - 1; k >= 0 && content[k] == ""; k-- {
		trailing++
	}
	body := strings.Join(content[:len(content)-trailing], "\n")
	switch {
	case chomp == '-':
	case chomp == '+':
		if blockIndent < 0 {
			// Whether the document's last line break is content here is
			// subtle; yaml/v3 decides.
			return nil, errUnsupported
		}
		if len(content) > trailing {
			body += "\n"
		}
		body += strings.Repeat("\n", trailing)
		if blockIndent >= 0 {
			return nil, errUnsupported // keep-chomping interacts with the next key's blank lines
		}
	case body != "":
		body += "\n"
	}
	if blockIndent >= 0 {
		// Trailing blank lines belong to whatever follows.
		p.i -= trailing
	}
	return p.node(yScalar, body), nil
}

// printable reports whether data is valid UTF-8 made only of characters
// YAML allows in a stream (YAML 1.2 [1] c-printable), minus tab and CR,
// which the subset rejects.
func printable(data []byte) bool {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return false
		case r == 0x85, 0xa0 <= r && r <= 0xd7ff, 0xe000 <= r && r <= 0xfffd && r != 0xfeff, 0x10000 <= r:
		default:
			return false
		}
		i += size
	}
	return true
}

// toRaw maps the node tree onto rawRecord with yaml/v3's decoding rules
// for the types involved; anything yaml/v3 would reject or interpret
// differently is errUnsupported.
func toRaw(root *ynode) (*rawRecord, error) {
	r := &rawRecord{}
	var err error
	for i, k := range root.keys {
		v := root.vals[i]
		switch k {
		case "schema_version":
			r.SchemaVersion, err = yStr(v)
		case "id":
			r.ID, err = yStr(v)
		case "modified":
			r.Modified, err = yStr(v)
		case "published":
			r.Published, err = yStr(v)
		case "withdrawn":
			r.Withdrawn, err = yStr(v)
		case "summary":
			r.Summary, err = yStr(v)
		case "details":
			r.Details, err = yStr(v)
		case "aliases":
			r.Aliases, err = yStrs(v)
		case "related":
			r.Related, err = yStrs(v)
		case "severity":
			r.Severity, err = ySeverities(v)
		case "references":
			err = yEach(v, func(n *ynode) error {
				var ref Reference
				err := yFields(n, map[string]*string{"type": &ref.Type, "url": &ref.URL})
				r.References = append(r.References, ref)
				return err
			})
		case "affected":
			err = yEach(v, func(n *ynode) error {
				a, err := yAffected(n)
				r.Affected = append(r.Affected, a)
				return err
			})
		case "database_specific":
			err = errUnsupported
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

func yStr(n *ynode) (string, error) {
	switch n.kind {
	case yNull:
		return "", nil
	case yScalar:
		return n.val, nil
	}
	return "", errUnsupported
}

func yStrs(n *ynode) ([]string, error) {
	if n.kind == yNull {
		return nil, nil
	}
	if n.kind != ySeq {
		return nil, errUnsupported
	}
	out := make([]string, 0, len(n.items))
	for _, it := range n.items {
		if it.kind != yScalar {
			return nil, errUnsupported
		}
		out = append(out, it.val)
	}
	return out, nil
}

// yEach calls f on each mapping of a sequence (null: nothing).
func yEach(n *ynode, f func(*ynode) error) error {
	if n.kind == yNull {
		return nil
	}
	if n.kind != ySeq {
		return errUnsupported
	}
	for _, it := range n.items {
		if it.kind != yMap {
			return errUnsupported
		}
		if err := f(it); err != nil {
			return err
		}
	}
	return nil
}

// yFields fills string fields of a mapping; other keys are ignored, as
// yaml/v3 ignores unknown fields, unless they are the free-form objects.
func yFields(n *ynode, fields map[string]*string) error {
	if n.kind == yNull {
		return nil
	}
	if n.kind != yMap {
		return errUnsupported
	}
	for i, k := range n.keys {
		if dst, ok := fields[k]; ok {
			s, err := yStr(n.vals[i])
			if err != nil {
				return err
			}
			*dst = s
		} else if k == "database_specific" || k == "ecosystem_specific" {
			return errUnsupported
		}
	}
	return nil
}

func ySeverities(n *ynode) ([]Severity, error) {
	var out []Severity
	err := yEach(n, func(m *ynode) error {
		var s Severity
		err := yFields(m, map[string]*string{"type": &s.Type, "score": &s.Score})
		out = append(out, s)
		return err
	})
	return out, err
}

func yAffected(n *ynode) (Affected, error) {
	var a Affected
	for i, k := range n.keys {
		v := n.vals[i]
		var err error
		switch k {
		case "package":
			err = yFields(v, map[string]*string{"ecosystem": &a.Package.Ecosystem, "name": &a.Package.Name, "purl": &a.Package.PURL})
		case "severity":
			a.Severity, err = ySeverities(v)
		case "versions":
			a.Versions, err = yStrs(v)
		case "ranges":
			err = yEach(v, func(m *ynode) error {
				var r Range
				for j, rk := range m.keys {
					rv := m.vals[j]
					var err error
					switch rk {
					case "type":
						var s string
						s, err = yStr(rv)
						r.Type = RangeType(s)
					case "repo":
						r.Repo, err = yStr(rv)
					case "events":
						err = yEach(rv, func(e *ynode) error {
							var ev Event
							err := yFields(e, map[string]*string{"introduced": &ev.Introduced, "fixed": &ev.Fixed, "last_affected": &ev.LastAffected, "limit": &ev.Limit})
							r.Events = append(r.Events, ev)
							return err
						})
					case "database_specific":
						err = errUnsupported
					}
					if err != nil {
						return err
					}
				}
				a.Ranges = append(a.Ranges, r)
				return nil
			})
		case "database_specific", "ecosystem_specific":
			err = errUnsupported
		}
		if err != nil {
			return a, err
		}
	}
	return a, nil
}
