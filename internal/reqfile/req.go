package reqfile

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
)

// urlSchemes are the schemes that make a line a bare URL (pip's is_url:
// the plain schemes and every VCS scheme pip knows).
var urlSchemes = map[string]bool{
	"http": true, "https": true, "file": true, "ftp": true,
	"git": true, "git+http": true, "git+https": true, "git+ssh": true, "git+git": true, "git+file": true,
	"hg+file": true, "hg+http": true, "hg+https": true, "hg+ssh": true, "hg+static-http": true,
	"svn": true, "svn+ssh": true, "svn+http": true, "svn+https": true, "svn+svn": true, "svn+file": true,
	"bzr+http": true, "bzr+https": true, "bzr+ssh": true, "bzr+sftp": true, "bzr+ftp": true, "bzr+lp": true, "bzr+file": true,
}

// archiveSuffixes name files pip installs as a local archive.
var archiveSuffixes = []string{
	".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma",
}

// urlScheme returns the lower-cased scheme of s if it is one of urlSchemes.
func urlScheme(s string) (string, bool) {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok {
		return "", false
	}
	scheme = strings.ToLower(scheme)
	return scheme, urlSchemes[scheme]
}

// hasScheme reports whether s starts with any URL scheme followed by "://".
func hasScheme(s string) bool {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || scheme == "" || !strings.HasPrefix(rest, "//") {
		return false
	}
	for i := 0; i < len(scheme); i++ {
		c := scheme[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// looksLikePath is pip's _looks_like_path: a path separator or a leading ".".
func looksLikePath(s string) bool {
	return strings.ContainsAny(s, `/\`) || strings.HasPrefix(s, ".")
}

func isArchive(s string) bool {
	lower := strings.ToLower(s)
	for _, suf := range archiveSuffixes {
		if strings.HasSuffix(lower, suf) {
			return true
		}
	}
	return false
}

// requirement parses a requirement (or the value of -e) written at byte
// offset pos of ll.
func (p *parser) requirement(file string, ll logicalLine, pos int, raw string, editable bool) (Requirement, error) {
	text := expandEnv(raw, p.opts.getenv)
	expanded := text != raw
	// Positions inside text map to the file only when nothing was expanded.
	at := func(off int) int {
		if expanded {
			return pos
		}
		return pos + off
	}
	r := Requirement{Raw: raw, Editable: editable}
	_, isURL := urlScheme(text)

	// pip splits off the marker first: at "; " after a URL (";" is legal
	// inside URLs), at the first ";" otherwise, and an empty marker is no
	// marker.
	sep := ";"
	if isURL {
		sep = "; "
	}
	body, markerText, hasMarker := strings.Cut(text, sep)
	if hasMarker && strings.TrimSpace(markerText) != "" {
		m, err := pep508.ParseMarker(strings.TrimSpace(markerText))
		if err != nil {
			off := len(body) + len(sep) + (len(markerText) - len(strings.TrimLeft(markerText, " \t")))
			var pe *pep508.ParseError
			if errors.As(err, &pe) {
				off += pe.Pos
			}
			return r, errAt(file, ll, at(off), fmt.Sprintf("invalid marker %q", Quote(strings.TrimSpace(markerText))), err)
		}
		r.Marker = m
	}
	body = strings.TrimRight(body, " \t")

	before, _, hasAt := strings.Cut(body, "@")
	pep508Form := !isURL && hasAt && !looksLikePath(before)
	if !isURL && !pep508Form && !looksLikePath(body) && !isArchive(pathPart(body)) {
		pep508Form = true
	}
	if pep508Form {
		if editable {
			return r, errAt(file, ll, pos, fmt.Sprintf("editable requirement %q must be a local path or a VCS URL", Quote(text)), nil)
		}
		req, err := pep508.ParseRequirement(body)
		if err != nil {
			off := 0
			var pe *pep508.ParseError
			if errors.As(err, &pe) {
				off = pe.Pos
			}
			return r, errAt(file, ll, at(off), fmt.Sprintf("invalid requirement %q", Quote(body)), err)
		}
		req.Marker = r.Marker
		r.Req, r.Name, r.Extras, r.Link = req, req.Name, req.Extras, req.URL
		return r, nil
	}

	link := body
	link = strings.TrimSpace(link)
	if !isURL {
		// "path[extra1,extra2]"
		if strings.HasSuffix(link, "]") {
			if i := strings.LastIndexByte(link, '['); i > 0 {
				extras, err := splitExtras(link[i+1 : len(link)-1])
				if err != nil {
					return r, errAt(file, ll, at(i), fmt.Sprintf("invalid extras in %q", Quote(link)), err)
				}
				r.Extras, link = extras, link[:i]
			}
		}
	}
	if link == "" {
		return r, errAt(file, ll, pos, "empty requirement", nil)
	}
	if isURL {
		if err := checkURL(link); err != nil {
			return r, errAt(file, ll, pos, fmt.Sprintf("invalid URL %q", Quote(link)), err)
		}
	}
	r.Link = link
	name, extras, err := eggFragment(link)
	if err != nil {
		return r, errAt(file, ll, pos, fmt.Sprintf("invalid #egg= fragment in %q", Quote(link)), err)
	}
	r.Name = name
	if len(extras) > 0 {
		r.Extras = append(r.Extras, extras...)
	}
	return r, nil
}

// pathPart returns s without a trailing "[extras]", for the archive-suffix
// test.
func pathPart(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "]") {
		if i := strings.LastIndexByte(s, '['); i > 0 {
			s = s[:i]
		}
	}
	return s
}

// splitExtras parses "a, b" as a list of extra names.
func splitExtras(s string) ([]string, error) {
	var out []string
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		if !pep503.Valid(e) {
			return nil, fmt.Errorf("%q is not a valid extra name", Quote(e))
		}
		out = append(out, e)
	}
	return out, nil
}

// eggFragment returns the project name and extras of the "#egg=" fragment
// of a URL or path, if any.
func eggFragment(link string) (string, []string, error) {
	_, frag, ok := strings.Cut(link, "#")
	if !ok {
		return "", nil, nil
	}
	for _, kv := range strings.Split(frag, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if k != "egg" {
			continue
		}
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		var extras []string
		if strings.HasSuffix(v, "]") {
			if i := strings.IndexByte(v, '['); i > 0 {
				var err error
				if extras, err = splitExtras(v[i+1 : len(v)-1]); err != nil {
					return "", nil, err
				}
				v = v[:i]
			}
		}
		if !pep503.Valid(v) {
			return "", nil, fmt.Errorf("%q is not a valid project name", Quote(v))
		}
		return v, extras, nil
	}
	return "", nil, nil
}

// checkHash validates a --hash value and returns it with a lower-case
// digest.
func checkHash(v string) (string, error) {
	algo, digest, ok := strings.Cut(v, ":")
	if !ok {
		return "", fmt.Errorf("--hash value %q is not ALGORITHM:DIGEST (e.g. sha256:...)", Quote(v))
	}
	want, known := hashHexLen[algo]
	if !known {
		return "", fmt.Errorf("--hash algorithm %q is not allowed (use sha256, sha384 or sha512)", Quote(algo))
	}
	if len(digest) != want {
		return "", fmt.Errorf("--hash %s digest has %d characters, want %d hex digits", algo, len(digest), want)
	}
	for i := 0; i < len(digest); i++ {
		c := digest[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return "", fmt.Errorf("--hash %s digest %q is not hexadecimal", algo, Quote(digest))
		}
	}
	return algo + ":" + strings.ToLower(digest), nil
}

// hashHexLen lists pip's strong hash algorithms and their digest lengths in
// hex digits.
var hashHexLen = map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}

// checkURL rejects network URLs without a host. It deliberately does not
// parse the URL further: an unset ${VAR} (left as written, as pip does)
// must not make the file unreadable for tools that never fetch it.
func checkURL(link string) error {
	scheme, rest, _ := strings.Cut(link, ":")
	if strings.EqualFold(scheme, "file") {
		return nil
	}
	rest = strings.TrimPrefix(rest, "//")
	host, _, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if host == "" {
		return errors.New("no host")
	}
	return nil
}
