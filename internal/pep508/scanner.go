package pep508

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// scanner matches tokens at a position of the source, the way packaging's
// tokenizer tries one named regular expression at a time.
type scanner struct {
	src string
	pos int
}

func (s *scanner) atEnd() bool { return s.pos >= len(s.src) }

// ws consumes horizontal white space ([ \t]+) and reports whether any was
// found. Line breaks are not white space in this grammar.
func (s *scanner) ws() bool {
	start := s.pos
	for s.pos < len(s.src) && (s.src[s.pos] == ' ' || s.src[s.pos] == '\t') {
		s.pos++
	}
	return s.pos > start
}

func (s *scanner) peekByte(c byte) bool {
	return s.pos < len(s.src) && s.src[s.pos] == c
}

// isWordRune reports whether r is a word character for Python's \b in a str
// pattern: alphanumeric in Unicode, or underscore.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// boundary reports whether Python's \b matches at byte offset i of src.
func boundary(src string, i int) bool {
	before, after := false, false
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(src[:i])
		before = r != utf8.RuneError && isWordRune(r)
	}
	if i < len(src) {
		r, _ := utf8.DecodeRuneInString(src[i:])
		after = r != utf8.RuneError && isWordRune(r)
	}
	return before != after
}

// word matches \bw\b at the current position and consumes it.
func (s *scanner) word(w string) bool {
	if !strings.HasPrefix(s.src[s.pos:], w) || !boundary(s.src, s.pos) || !boundary(s.src, s.pos+len(w)) {
		return false
	}
	s.pos += len(w)
	return true
}

func isIdentByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// identifier matches \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b, backtracking from the
// longest run to the first end that sits on a word boundary, as Python does
// (so "name-" yields "name" and "name_" yields "name_").
func (s *scanner) identifier() (string, bool) {
	src, start := s.src, s.pos
	if start >= len(src) || !isIdentByte(src[start]) || !boundary(src, start) {
		return "", false
	}
	end := start + 1
	for end < len(src) && (isIdentByte(src[end]) || src[end] == '.' || src[end] == '_' || src[end] == '-') {
		end++
	}
	for ; end > start; end-- {
		if boundary(src, end) {
			s.pos = end
			return src[start:end], true
		}
	}
	return "", false
}

// variableSpellings lists the VARIABLE alternatives in the order packaging's
// regular expression tries them, each with its canonical name.
var variableSpellings = []struct{ text, name string }{
	{"python_version", "python_version"},
	{"python_full_version", "python_full_version"},
	{"os.name", "os_name"},
	{"os_name", "os_name"},
	{"sys.platform", "sys_platform"},
	{"sys_platform", "sys_platform"},
	{"platform_release", "platform_release"},
	{"platform_system", "platform_system"},
	{"platform.version", "platform_version"},
	{"platform_version", "platform_version"},
	{"platform.machine", "platform_machine"},
	{"platform_machine", "platform_machine"},
	{"platform.python_implementation", "platform_python_implementation"},
	{"platform_python_implementation", "platform_python_implementation"},
	{"python_implementation", "platform_python_implementation"},
	{"implementation_name", "implementation_name"},
	{"implementation_version", "implementation_version"},
	{"extras", "extras"},
	{"extra", "extra"},
	{"dependency_groups", "dependency_groups"},
}

// variable matches a marker variable and returns its canonical name.
func (s *scanner) variable() (string, bool) {
	for _, v := range variableSpellings {
		if s.word(v.text) {
			return v.name, true
		}
	}
	return "", false
}

// quoted matches '[^']*' or "[^"]*" and returns the token text, quotes
// included.
func (s *scanner) quoted() (string, bool) {
	if s.pos >= len(s.src) {
		return "", false
	}
	q := s.src[s.pos]
	if q != '\'' && q != '"' {
		return "", false
	}
	end := strings.IndexByte(s.src[s.pos+1:], q)
	if end < 0 {
		return "", false
	}
	tok := s.src[s.pos : s.pos+end+2]
	s.pos += len(tok)
	return tok, true
}

// comparisonOps is OP in the order packaging's alternation tries it.
var comparisonOps = []string{"===", "==", "~=", "!=", "<=", ">=", "<", ">"}

func (s *scanner) comparisonOp() (string, bool) {
	for _, op := range comparisonOps {
		if strings.HasPrefix(s.src[s.pos:], op) {
			s.pos += len(op)
			return op, true
		}
	}
	return "", false
}

// specifierRE is packaging's Specifier pattern (VERBOSE | IGNORECASE)
// transcribed to RE2. Python's \s (Unicode white space) is spelled out; the
// groups packaging marks ASCII-only use ASCII case classes; the "~=" branch
// is Unicode case-insensitive in Python, where "i" also matches U+0130/U+0131
// and "s" matches U+017F.
//
// Patterns are compiled on first use (sync.OnceValue), not at start-up:
// most pyward invocations never parse a requirement.
var specifierRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("^" + specifierPattern()) })

func specifierPattern() string {
	const space = `\t\n\v\f\r \x1c-\x1f\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
	sp := `[` + space + `]*`
	ascii := func(w string) string { // ASCII case-insensitive literal
		var b strings.Builder
		for _, c := range w {
			b.WriteString("[" + string(c) + strings.ToUpper(string(c)) + "]")
		}
		return b.String()
	}
	unicodeCI := func(w string) string { // Python's Unicode IGNORECASE
		var b strings.Builder
		for _, c := range w {
			switch c {
			case 'i':
				b.WriteString(`[iI\x{130}\x{131}]`)
			case 's':
				b.WriteString(`[sS\x{17f}]`)
			default:
				b.WriteString("[" + string(c) + strings.ToUpper(string(c)) + "]")
			}
		}
		return b.String()
	}
	alt := func(ci func(string) string, words ...string) string {
		parts := make([]string, len(words))
		for i, w := range words {
			parts[i] = ci(w)
		}
		return "(?:" + strings.Join(parts, "|") + ")"
	}
	sep := `[-_.]?`
	prefix := sp + `[vV]?(?:[0-9]+!)?`
	pre := func(ci func(string) string) string {
		return `(?:` + sep + alt(ci, "alpha", "beta", "preview", "pre", "a", "b", "c", "rc") + sep + `[0-9]*)?`
	}
	post := func(ci func(string) string) string {
		return `(?:(?:-[0-9]+)|(?:` + sep + alt(ci, "post", "rev", "r") + sep + `[0-9]*))?`
	}
	dev := func(ci func(string) string) string {
		return `(?:` + sep + ci("dev") + sep + `[0-9]*)?`
	}
	local := `(?:\+[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*)?`
	arbitrary := `===` + sp + `[^` + space + `;)]*`
	equal := `(?:==|!=)` + prefix + `[0-9]+(?:\.[0-9]+)*(?:\.\*|` + pre(ascii) + post(ascii) + dev(ascii) + local + `)?`
	compatible := `~=` + prefix + `[0-9]+(?:\.[0-9]+)+` + pre(unicodeCI) + post(unicodeCI) + dev(unicodeCI)
	ordered := `(?:<=|>=|<|>)` + prefix + `[0-9]+(?:\.[0-9]+)*` + pre(ascii) + post(ascii) + dev(ascii)
	return `(?:(?:` + arbitrary + `)|(?:` + equal + `)|(?:` + compatible + `)|(?:` + ordered + `))`
}

// specifier matches one SPECIFIER token.
func (s *scanner) specifier() (string, bool) {
	loc := specifierRE().FindStringIndex(s.src[s.pos:])
	if loc == nil {
		return "", false
	}
	tok := s.src[s.pos : s.pos+loc[1]]
	s.pos += loc[1]
	return tok, true
}

// localLabelRE is VERSION_LOCAL_LABEL_TRAIL: a local label after a
// specifier whose operator does not allow one.
var localLabelRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+[a-z0-9]+(?:[-_.][a-z0-9]+)*`) })
