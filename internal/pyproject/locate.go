package pyproject

import (
	"errors"
	"strings"
	"time"
)

// locator finds the line of a key (and of a value under it) in the TOML
// source. The decoder does not report positions for values, so this is a
// best-effort search: it understands [table] headers and "key = value"
// lines, with dotted and quoted keys, which covers how pyproject.toml files
// are written. It returns 0 when it cannot tell.
type locator struct {
	lines []string
}

func newLocator(src string) *locator {
	return &locator{lines: strings.Split(src, "\n")}
}

// keyText removes white space and quotes so that `"a" . b` matches "a.b".
func keyText(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '"', '\'':
			return -1
		}
		return r
	}, s)
}

// isHeader reports whether line is a [table] or [[array]] header and
// returns its key text.
func isHeader(line string) (string, bool) {
	t := strings.TrimSpace(line)
	if !strings.HasPrefix(t, "[") {
		return "", false
	}
	t = strings.TrimLeft(t, "[")
	end := strings.IndexByte(t, ']')
	if end < 0 {
		return "", false
	}
	return keyText(t[:end]), true
}

// line returns the 1-based line of key, or of value inside key's value
// when value is not empty.
func (l *locator) line(key []string, value string) int {
	for split := len(key) - 1; split >= 0; split-- {
		table := strings.Join(key[:split], ".")
		rest := strings.Join(key[split:], ".")
		start := 0
		if split > 0 {
			start = -1
			for i, line := range l.lines {
				if h, ok := isHeader(line); ok && h == keyText(table) {
					start = i + 1
					break
				}
			}
			if start < 0 {
				continue
			}
		}
		for i := start; i < len(l.lines); i++ {
			if _, ok := isHeader(l.lines[i]); ok {
				break
			}
			k, _, ok := strings.Cut(l.lines[i], "=")
			if !ok || keyText(k) != keyText(rest) {
				continue
			}
			if value == "" {
				return i + 1
			}
			for j := i; j < len(l.lines); j++ {
				if j > i {
					if _, ok := isHeader(l.lines[j]); ok {
						break
					}
				}
				if strings.Contains(l.lines[j], `"`+value+`"`) || strings.Contains(l.lines[j], `'`+value+`'`) {
					return j + 1
				}
			}
			return i + 1
		}
		if split > 0 && start > 0 {
			return start // the table header
		}
	}
	return 0
}

// dateString accepts a TOML date or a "YYYY-MM-DD" string.
func dateString(v any) (string, error) {
	switch t := v.(type) {
	case time.Time:
		return t.Format(time.DateOnly), nil
	case string:
		if _, err := time.Parse(time.DateOnly, t); err != nil {
			return "", err
		}
		return t, nil
	}
	return "", errors.New("not a date")
}
