// Package redact removes credentials from text before pyward writes it
// anywhere: lock files, reports, logs, progress and error messages.
//
// The rule is one function, URLs, applied where text leaves the process.
// A credential in a URL is its user information (RFC 3986 §3.2.1): in
// "scheme://userinfo@host/path" everything from the character after "://" to
// the last "@" of the authority. The authority ends at the first "/", "?",
// "#", "\", white space, quote, "<", ">" or control character, so URLs are
// found inside any text: a bare URL, "NAME=URL" as --index takes it, a
// command line, a quoted value or an error message that names the URL.
// The user information is dropped entirely, not masked, so that a redacted
// index URL written into a lock is still a usable URL.
//
// Credentials that never enter a URL (netrc entries, PYWARD_INDEX_* variables,
// which the index client turns into an Authorization header) are not
// text pyward prints; this package does not know them.
//
// Deviation: a password holding an unescaped "/", "?" or "#" ends the
// authority early and is not recognized, as in pip's own redaction (Python's
// urllib splits the authority at the same characters). Such a URL is not a
// valid URL, and every tool that reads it sends the wrong credentials.
//
// Input limits: URLs scans its text left to right, so its cost is linear in
// any text it is given; a Writer holds back at most MaxPending (64 KiB) of
// a line while it waits for the line's end.
package redact

import (
	"bytes"
	"net/url"
	"strings"
)

// URL is URLs for a parsed URL ("" for nil): page errors, cache keys and
// logs name the URL they are about without its credentials.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return URLs(u.String())
}

// URLs returns s with the user information (credentials) of every URL in it
// removed: "see https://u:p@host/simple/" becomes "see https://host/simple/".
// Text without URL credentials is returned unchanged, without allocating.
func URLs(s string) string {
	start, end := userinfo(s)
	if start < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) - (end - start))
	for start >= 0 {
		b.WriteString(s[:start])
		s = s[end:]
		start, end = userinfo(s)
	}
	b.WriteString(s)
	return b.String()
}

// userinfo locates the first URL user information in s: s[start:end] is
// what URLs drops, from the character after "://" through the last "@" of
// the authority. start is -1 when s holds none. It reads strings (URLs) and
// byte slices (Writer) alike, so that neither needs a copy of the other.
func userinfo[T string | []byte](s T) (start, end int) {
	if !hasAt(s) {
		return -1, -1 // the common case, without a scan for "://"
	}
	for i := 0; i+len("://") <= len(s); i++ {
		if s[i] != ':' || s[i+1] != '/' || s[i+2] != '/' {
			continue
		}
		start = i + len("://")
		end = start
		at := -1
		for end < len(s) && !endsAuthority(s[end]) {
			if s[end] == '@' {
				at = end
			}
			end++
		}
		if at >= 0 {
			return start, at + 1
		}
		// The next URL may begin inside this authority ("a://b://u@h").
		i = start - 1
	}
	return -1, -1
}

// hasAt reports whether s holds an "@", which every user information ends
// with.
func hasAt[T string | []byte](s T) bool {
	if b, ok := any(s).([]byte); ok {
		return bytes.IndexByte(b, '@') >= 0
	}
	return strings.IndexByte(string(s), '@') >= 0
}

// endsAuthority reports whether c cannot be part of a URL's authority.
func endsAuthority(c byte) bool {
	switch c {
	case '/', '?', '#', '\\', '"', '\'', '`', '<', '>', ' ', '\t', '\n', '\r', '\f', '\v':
		return true
	}
	return c < 0x20 || c == 0x7f
}
