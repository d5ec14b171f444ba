package sources

import (
	"net/url"
	"path/filepath"
	"strings"
)

// DeriveName is the name of an index or find-links location configured by
// URL alone: its host (lower case), "-PORT" when the URL has a port, and
// its path segments joined by '-' without a final "simple" and "+simple"
// ("https://pypi.org/simple/" → "pypi.org", "http://127.0.0.1:8080/simple/"
// → "127.0.0.1-8080", "https://corp.example/api/pypi/main/simple" →
// "corp.example-api-pypi-main"). A local directory is named "local-" and
// its base name. The name depends on nothing but the URL, so every command
// names an index the same.
func DeriveName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		p := raw
		if err == nil && u.Scheme == "file" {
			p = u.Path
		}
		base := filepath.Base(filepath.Clean(filepath.FromSlash(p)))
		name := "local-" + sanitize(base)
		if len(name) > maxNameLen {
			name = name[:maxNameLen]
		}
		return name
	}
	parts := []string{sanitize(strings.ToLower(u.Hostname()))}
	if port := u.Port(); port != "" {
		parts = append(parts, sanitize(port))
	}
	segs := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	if n := len(segs); n > 0 && (strings.EqualFold(segs[n-1], "simple") || strings.EqualFold(segs[n-1], "+simple")) {
		segs = segs[:n-1]
	}
	for _, s := range segs {
		parts = append(parts, sanitize(s))
	}
	name := strings.Join(parts, "-")
	if len(name) > maxNameLen {
		name = name[:maxNameLen] // sanitize left only ASCII
	}
	return name
}

// sanitize keeps letters, digits, '.', '_' and '-' of a name part.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if validNameRune(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func validNameRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-'
}

// validName reports whether a user-given index name is usable: non-empty,
// letters, digits, '.', '_' and '-'.
func validName(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for _, r := range s {
		if !validNameRune(r) {
			return false
		}
	}
	return true
}

// maxNameLen bounds an index name (it becomes part of an environment
// variable name and of every lock that records it); DeriveName cuts a
// longer one.
const maxNameLen = 128

// SameURL reports whether two index URLs name the same index: equal after
// removing user information, lower-casing scheme and host, and ignoring a
// trailing '/'. Local paths are compared cleaned.
func SameURL(a, b string) bool { return canonical(a) == canonical(b) }

func canonical(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Scheme == "file" {
		p := raw
		if err == nil && u.Scheme == "file" {
			p = u.Path
		}
		return "file:" + filepath.ToSlash(filepath.Clean(p))
	}
	u.User = nil
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// hasUserinfo reports whether a URL carries credentials.
func hasUserinfo(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.User != nil
}
