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
package redact

import (
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
// Text without URL credentials is returned unchanged.
func URLs(s string) string {
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return s // the common case, without allocating
	}
	var b strings.Builder
	changed := false
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i + len("://")
		end := start
		for end < len(rest) && !endsAuthority(rest[end]) {
			end++
		}
		b.WriteString(rest[:start])
		if at := strings.LastIndexByte(rest[start:end], '@'); at >= 0 {
			changed = true
			rest = rest[start+at+1:]
		} else {
			rest = rest[start:]
		}
	}
	if !changed {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// endsAuthority reports whether c cannot be part of a URL's authority.
func endsAuthority(c byte) bool {
	switch c {
	case '/', '?', '#', '\\', '"', '\'', '`', '<', '>', ' ', '\t', '\n', '\r', '\f', '\v':
		return true
	}
	return c < 0x20 || c == 0x7f
}
