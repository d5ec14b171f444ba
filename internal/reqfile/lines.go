package reqfile

import (
	"bytes"
	"fmt"
	"strings"
)

// segment maps a run of a logical line back to the file: bytes from off on
// come from physical line line, starting at byte column col (1-based).
type segment struct {
	off, line, col int
}

// logicalLine is one line after joining continuations and removing the
// comment. Its text keeps leading white space so that offsets map back.
type logicalLine struct {
	text string
	line int // first physical line
	segs []segment
}

// position returns the physical line and 1-based column of byte offset pos.
func (ll logicalLine) position(pos int) (line, col int) {
	s := ll.segs[0]
	for _, seg := range ll.segs[1:] {
		if seg.off > pos {
			break
		}
		s = seg
	}
	return s.line, s.col + pos - s.off
}

// physicalLines splits data at LF, CRLF and CR.
func physicalLines(data []byte) []string {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

// isCommentLine reports whether line is only a comment (pip's
// COMMENT_RE.match: optional leading white space, then "#").
func isCommentLine(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t\f\v"), "#")
}

// logicalLines applies pip's join_lines and ignore_comments steps.
func logicalLines(data []byte) []logicalLine {
	var (
		out  []logicalLine
		cur  *logicalLine
		text strings.Builder
	)
	finish := func() {
		cur.text = stripComment(text.String())
		if strings.TrimSpace(cur.text) != "" {
			out = append(out, *cur)
		}
		cur = nil
		text.Reset()
	}
	for i, line := range physicalLines(data) {
		n := i + 1
		continued := strings.HasSuffix(line, `\`) && !isCommentLine(line)
		if !continued {
			if cur == nil {
				cur = &logicalLine{line: n, segs: []segment{{0, n, 1}}}
				text.WriteString(line)
				finish()
				continue
			}
			col := 1
			if isCommentLine(line) {
				// pip prefixes " " so the comment is matched; the comment
				// is removed anyway.
				line = " " + line
				col = 0
			}
			cur.segs = append(cur.segs, segment{text.Len(), n, col})
			text.WriteString(line)
			finish()
			continue
		}
		if cur == nil {
			cur = &logicalLine{line: n}
		}
		lead := len(line) - len(strings.TrimLeft(line, `\`))
		cur.segs = append(cur.segs, segment{text.Len(), n, 1 + lead})
		text.WriteString(strings.Trim(line, `\`))
	}
	if cur != nil {
		finish()
	}
	return out
}

// stripComment removes a "#" comment that starts the line or follows white
// space, together with that white space.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '#' {
			continue
		}
		if i == 0 {
			return ""
		}
		if isSpace(s[i-1]) {
			j := i
			for j > 0 && isSpace(s[j-1]) {
				j--
			}
			return s[:j]
		}
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\f' || c == '\v' }

// token is one white-space separated word of a logical line.
type token struct {
	text     string // value, with shell quoting removed for option tokens
	raw      string // text as written
	pos, end int    // byte offsets of raw in the logical line
}

// tokenError is a tokenization problem at byte offset pos.
type tokenError struct {
	pos int
	msg string
}

func (e *tokenError) Error() string { return e.msg }

// splitTokens splits a logical line. The words before the first word that
// starts with "-" (the requirement) are split at white space only; the rest
// (options) are split like a POSIX shell, as pip uses shlex.split for them.
func splitTokens(s string) ([]token, error) {
	var toks []token
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return toks, nil
		}
		if s[i] == '-' {
			break
		}
		j := i
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		toks = append(toks, token{text: s[i:j], raw: s[i:j], pos: i, end: j})
		i = j
	}
	for i < len(s) {
		if isSpace(s[i]) {
			i++
			continue
		}
		start := i
		var b strings.Builder
		for i < len(s) && !isSpace(s[i]) {
			switch c := s[i]; c {
			case '\'':
				end := strings.IndexByte(s[i+1:], '\'')
				if end < 0 {
					return nil, &tokenError{pos: i, msg: "unclosed single quote"}
				}
				b.WriteString(s[i+1 : i+1+end])
				i += end + 2
			case '"':
				i++
				closed := false
				for i < len(s) {
					if s[i] == '"' {
						closed = true
						i++
						break
					}
					if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`", s[i+1]) >= 0 {
						i++
					}
					b.WriteByte(s[i])
					i++
				}
				if !closed {
					return nil, &tokenError{pos: start, msg: "unclosed double quote"}
				}
			case '\\':
				if i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
				} else {
					i++
				}
			default:
				b.WriteByte(c)
				i++
			}
		}
		toks = append(toks, token{text: b.String(), raw: s[start:i], pos: start, end: i})
	}
	return toks, nil
}

// optDef describes one option pip accepts in a requirements file.
type optDef struct {
	name       string // long name without "--"
	short      byte   // short letter, 0 if none
	takesValue bool
}

var optTable = []optDef{
	{"requirement", 'r', true},
	{"constraint", 'c', true},
	{"editable", 'e', true},
	{"index-url", 'i', true},
	{"extra-index-url", 0, true},
	{"no-index", 0, false},
	{"find-links", 'f', true},
	{"trusted-host", 0, true},
	{"pre", 0, false},
	{"prefer-binary", 0, false},
	{"only-binary", 0, true},
	{"no-binary", 0, true},
	{"require-hashes", 0, false},
	{"use-feature", 0, true},
	{"hash", 0, true},
	{"config-settings", 0, true},
}

// lookupLong finds a long option by exact name or unique prefix.
func lookupLong(name string) (optDef, error) {
	var found []optDef
	for _, o := range optTable {
		if o.name == name {
			return o, nil
		}
		if strings.HasPrefix(o.name, name) {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 0:
		return optDef{}, fmt.Errorf("unknown option --%s", Quote(name))
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, o := range found {
		names[i] = "--" + o.name
	}
	return optDef{}, fmt.Errorf("ambiguous option --%s (could be %s)", name, strings.Join(names, ", "))
}

// option parses the option starting at toks[i]. It returns the option, its
// value (not yet expanded), the token holding the value (for positions),
// and the index of the next token.
func (p *parser) option(file string, ll logicalLine, toks []token, i int) (optDef, string, token, int, error) {
	t := toks[i]
	if !strings.HasPrefix(t.raw, "-") || t.text == "-" || t.text == "--" {
		return optDef{}, "", token{}, 0, errAt(file, ll, t.pos, fmt.Sprintf("expected an option, found %q", Quote(t.raw)), nil)
	}
	var (
		opt      optDef
		value    string
		hasValue bool
		valTok   token
	)
	if strings.HasPrefix(t.text, "--") {
		name, v, eq := strings.Cut(t.text[2:], "=")
		o, err := lookupLong(name)
		if err != nil {
			return optDef{}, "", token{}, 0, errAt(file, ll, t.pos, err.Error(), nil)
		}
		opt, value, hasValue = o, v, eq
		if eq {
			valTok = token{text: v, pos: t.pos + min(strings.IndexByte(t.raw, '=')+1, len(t.raw))}
		}
	} else {
		found := false
		for _, o := range optTable {
			if o.short != 0 && o.short == t.text[1] {
				opt, found = o, true
				break
			}
		}
		if !found {
			return optDef{}, "", token{}, 0, errAt(file, ll, t.pos, fmt.Sprintf("unknown option -%c", t.text[1]), nil)
		}
		if len(t.text) > 2 {
			value, hasValue = t.text[2:], true
			valTok = token{text: value, pos: t.pos + 2}
		}
	}
	next := i + 1
	switch {
	case !opt.takesValue && hasValue:
		return optDef{}, "", token{}, 0, errAt(file, ll, t.pos, fmt.Sprintf("option --%s takes no value", opt.name), nil)
	case opt.takesValue && !hasValue:
		if next >= len(toks) {
			return optDef{}, "", token{}, 0, errAt(file, ll, t.end, fmt.Sprintf("option --%s needs a value", opt.name), nil)
		}
		valTok = toks[next]
		value = valTok.text
		next++
	}
	return opt, value, valTok, next, nil
}

// expandEnv replaces ${NAME} (NAME in [A-Z0-9_]+) with its value; unset or
// empty variables are left as written, as pip does.
func expandEnv(s string, getenv func(string) string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + 2
		for j < len(s) && (s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9' || s[j] == '_') {
			j++
		}
		if j == i+2 || j >= len(s) || s[j] != '}' {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		if v := getenv(s[i+2 : j]); v != "" {
			b.WriteString(s[:i])
			b.WriteString(v)
		} else {
			b.WriteString(s[:j+1])
		}
		s = s[j+1:]
	}
}
