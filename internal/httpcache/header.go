package httpcache

import (
	"strconv"
	"unicode/utf8"
)

// decodeHeader decodes a record's header line, the JSON that Store writes
// for an Entry, as json.Unmarshal(head, &e) into a zero Entry would. A
// warm lock reads a record per page and per PEP 658 file (two thousand for
// the bench's 150-name set), and encoding/json spent two thirds of a
// Load on these few hundred bytes.
//
// The contract: decodeHeader either returns (e, true), where json.Unmarshal
// would have succeeded with the same Entry, or (Entry{}, false), "not
// handled", and the caller decodes with encoding/json, which then decides.
// It handles only the shape json.Marshal gives an Entry: one object, no
// whitespace, each key spelled exactly as its tag and at most once; values
// that are strings without control bytes, valid UTF-8, whose only escapes
// are \" and \\ (taken verbatim when they have none), and integers -?(0|[1-9][0-9]*) that fit the field. "stored"
// is decoded by time.Time's own UnmarshalJSON, as encoding/json does.
// Anything else (unknown keys, null, escapes, other spellings of a key,
// which encoding/json matches case-insensitively) is declined.
// FuzzDecodeHeader checks the contract against encoding/json.
func decodeHeader(head []byte) (Entry, bool) {
	var e Entry
	s := string(head) // the strings of e are substrings of this one copy
	pos := 0
	var seen [8]bool // by field, in Entry's order
	if pos >= len(s) || s[pos] != '{' {
		return Entry{}, false
	}
	pos++
	if pos < len(s) && s[pos] == '}' {
		return Entry{}, false // an empty object is valid, but not what Store writes
	}
	for {
		key, next, ok := plainString(s, pos)
		if !ok || next >= len(s) || s[next] != ':' {
			return Entry{}, false
		}
		pos = next + 1
		field := -1
		var str *string
		switch key {
		case "v":
			field = 0
		case "url":
			field, str = 1, &e.URL
		case "final_url":
			field, str = 2, &e.FinalURL
		case "content_type":
			field, str = 3, &e.ContentType
		case "etag":
			field, str = 4, &e.ETag
		case "last_modified":
			field, str = 5, &e.LastModified
		case "stored":
			field = 6
		case "max_age":
			field = 7
		default:
			return Entry{}, false
		}
		if seen[field] {
			return Entry{}, false
		}
		seen[field] = true
		switch field {
		case 0, 7:
			end := pos
			if end < len(s) && s[end] == '-' {
				end++
			}
			digits := end
			for end < len(s) && '0' <= s[end] && s[end] <= '9' {
				end++
			}
			if end == digits || (s[digits] == '0' && end > digits+1) {
				return Entry{}, false
			}
			n, err := strconv.ParseInt(s[pos:end], 10, 64)
			if err != nil {
				return Entry{}, false
			}
			if field == 0 {
				e.Version = int(n)
			} else {
				e.MaxAge = n
			}
			pos = end
		case 6:
			_, end, ok := plainString(s, pos)
			if !ok || e.Stored.UnmarshalJSON(head[pos:end]) != nil {
				return Entry{}, false
			}
			pos = end
		default:
			v, end, ok := plainString(s, pos)
			if !ok {
				return Entry{}, false
			}
			*str, pos = v, end
		}
		if pos >= len(s) {
			return Entry{}, false
		}
		switch s[pos] {
		case ',':
			pos++
		case '}':
			if pos+1 != len(s) {
				return Entry{}, false
			}
			return e, true
		default:
			return Entry{}, false
		}
	}
}

// plainString reads the JSON string starting at s[pos] ('"'), returning its
// content and the position after the closing quote; ok is false for
// anything but a valid UTF-8 string without control bytes whose only
// escapes are \" and \\ (an ETag is a quoted string: json.Marshal writes
// its quotes as \").
func plainString(s string, pos int) (v string, end int, ok bool) {
	if pos >= len(s) || s[pos] != '"' {
		return "", 0, false
	}
	ascii, escaped := true, false
	for i := pos + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			v = s[pos+1 : i]
			if !ascii && !utf8.ValidString(v) {
				return "", 0, false
			}
			if escaped {
				v = unescapeQuotes(v)
			}
			return v, i + 1, true
		case c == '\\':
			if i+1 >= len(s) || (s[i+1] != '"' && s[i+1] != '\\') {
				return "", 0, false
			}
			escaped = true
			i++
		case c < 0x20:
			return "", 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", 0, false
}

// unescapeQuotes undoes the \" and \\ escapes plainString allows.
func unescapeQuotes(v string) string {
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' {
			i++
		}
		b = append(b, v[i])
	}
	return string(b)
}
