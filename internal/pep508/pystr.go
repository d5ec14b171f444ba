package pep508

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// decodePyString decodes the body of a quoted marker string (the text
// between the quotes) as Python's ast.literal_eval reads a non-raw str
// literal, which is what packaging does with it.
func decodePyString(body string) (string, error) {
	if !utf8.ValidString(body) {
		return "", errors.New("not valid UTF-8")
	}
	if strings.IndexByte(body, 0) >= 0 {
		// Python refuses source text holding NUL, even after a backslash.
		return "", errors.New("NUL in quoted string")
	}
	if !strings.ContainsAny(body, "\\\n\r") {
		return body, nil
	}
	var b strings.Builder
	for i := 0; i < len(body); {
		c := body[i]
		switch c {
		case '\n', '\r':
			return "", errors.New("line break in quoted string")
		case '\\':
		default:
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(body) {
			// The backslash escapes the closing quote: the literal never ends.
			return "", errors.New("unterminated quoted string")
		}
		e := body[i+1]
		i += 2
		switch e {
		case '\n':
		case '\r':
			if i < len(body) && body[i] == '\n' {
				i++
			}
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := rune(e - '0')
			for n := 1; n < 3 && i < len(body) && '0' <= body[i] && body[i] <= '7'; n++ {
				v = v*8 + rune(body[i]-'0')
				i++
			}
			b.WriteRune(v)
		case 'x', 'u', 'U':
			n := 2 // \xhh
			if e == 'u' {
				n = 4
			} else if e == 'U' {
				n = 8
			}
			if i+n > len(body) {
				return "", errors.New("truncated \\" + string(e) + " escape")
			}
			var v rune
			for _, h := range []byte(body[i : i+n]) {
				d, ok := hexDigit(h)
				if !ok {
					return "", errors.New("truncated \\" + string(e) + " escape")
				}
				v = v<<4 | d
			}
			i += n
			if v > utf8.MaxRune {
				return "", errors.New("illegal Unicode character")
			}
			if 0xD800 <= v && v <= 0xDFFF {
				return "", errors.New("lone surrogate escape")
			}
			b.WriteRune(v)
		case 'N':
			return "", errors.New(`\N{name} escapes are not supported`)
		default:
			// Python keeps unknown escapes verbatim (with a warning).
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

func hexDigit(h byte) (rune, bool) {
	switch {
	case '0' <= h && h <= '9':
		return rune(h - '0'), true
	case 'a' <= h && h <= 'f':
		return rune(h-'a') + 10, true
	case 'A' <= h && h <= 'F':
		return rune(h-'A') + 10, true
	}
	return 0, false
}

// quoteValue writes v as packaging serializes a marker value: in double
// quotes, or single quotes if v holds a double quote. When that raw text
// would not read back as v, it escapes instead, so String always round-trips.
func quoteValue(v string) string {
	for _, q := range []string{`"`, `'`} {
		if strings.Contains(v, q) {
			continue
		}
		if got, err := decodePyString(v); err == nil && got == v {
			return q + v + q
		}
		break // packaging would pick this quote; its raw form does not read back
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			// Not \": the tokenizer ends a quoted string at the first quote
			// character, escaped or not, as packaging's does.
			b.WriteString(`\x22`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 0:
			b.WriteString(`\x00`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
