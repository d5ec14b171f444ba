package simpleapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	redaction "github.com/pyward/pyward/internal/redact"
)

// Page is a parsed simple project page (or find-links page).
type Page struct {
	Name         string // JSON "name" ("" for HTML)
	Files        []File
	Versions     []string // PEP 700; nil for HTML
	Status       string   // PEP 792
	StatusReason string
	APIVersion   string
}

// File is one distribution file of a project.
type File struct {
	Filename       string
	URL            string            // absolute, without fragment or credentials
	Hashes         map[string]string // algorithm → lower-case hex; never nil
	RequiresPython string            // "" when not given
	Yanked         bool              // PEP 592
	YankedReason   string
	UploadTime     time.Time // PEP 700; zero when not given
	Size           int64     // PEP 700; 0 when not given
	// Provenance is the PEP 740 provenance URL (JSON "provenance", HTML
	// data-provenance), resolved against the page like URL; "" when the
	// file has none.
	Provenance string
	// MetadataHashes is non-nil when a PEP 658 metadata file is available
	// at URL + ".metadata"; it may be empty when no hash was given.
	MetadataHashes map[string]string
	Index          string // name of the source the file came from (set by the client)
}

// IsWheel reports whether f is a wheel.
func (f File) IsWheel() bool { return strings.HasSuffix(strings.ToLower(f.Filename), ".whl") }

// Media types of PEP 691 pages, and the Accept header that asks for them,
// preferring JSON.
const (
	MediaJSON = "application/vnd.pypi.simple.v1+json"
	MediaHTML = "application/vnd.pypi.simple.v1+html"
	Accept    = MediaJSON + ", " + MediaHTML + ";q=0.2, text/html;q=0.01"
)

// Parse parses a project page according to its Content-Type (PEP 691):
// the v1 or "latest" JSON or HTML media types, text/html, or none (HTML).
// pageURL is the URL the page was read from, after redirects: relative
// links resolve against it. The page's strings may share body's memory,
// so body must never be modified afterwards.
func Parse(body []byte, contentType string, pageURL *url.URL) (*Page, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil && contentType != "" {
		return nil, &ParseError{URL: redaction.URL(pageURL), Msg: fmt.Sprintf("malformed Content-Type %q", contentType), Err: err}
	}
	switch strings.ToLower(mt) {
	case MediaJSON, "application/vnd.pypi.simple.latest+json":
		return ParseJSON(body, pageURL)
	case MediaHTML, "application/vnd.pypi.simple.latest+html", "text/html", "":
		return ParseHTML(body, pageURL)
	}
	return nil, &ParseError{URL: redaction.URL(pageURL), Msg: fmt.Sprintf("unexpected Content-Type %q (want PEP 691 JSON or HTML)", contentType)}
}

// ParseError reports a malformed simple page.
type ParseError struct {
	URL    string
	Line   int // 1-based; 0 if unknown
	Column int // 1-based; 0 if unknown
	Msg    string
	Err    error
}

func (e *ParseError) Error() string {
	pos := ""
	if e.Line > 0 {
		pos = fmt.Sprintf(":%d:%d", e.Line, e.Column)
	}
	if e.Err != nil {
		return fmt.Sprintf("%s%s: %s: %v", e.URL, pos, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s%s: %s", e.URL, pos, e.Msg)
}

func (e *ParseError) Unwrap() error { return e.Err }

// hashLengths maps the hash algorithms of hashlib.algorithms_guaranteed that
// indexes use to their hex digest length; other names are kept unchecked.
var hashLengths = map[string]int{"md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128}

// supportedAPIMajor is the PEP 629 repository API major version understood.
const supportedAPIMajor = 1

func lineCol(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// parseHashPair parses "name=hex" (a URL fragment or a data-core-metadata
// value) into m. ok is false if s is not of that form.
func parseHashPair(s string, m map[string]string) (ok bool, err error) {
	name, value, found := strings.Cut(s, "=")
	if !found || name == "" {
		return false, nil
	}
	return true, addHash(name, value, m)
}

// resolveSimpleRelative resolves the common relative link of simple
// indexes ("../../packages/ab/x-1.0.whl#sha256=...", "x-1.0.tar.gz")
// against an http(s) page without url.Parse and ResolveReference, giving
// the same URL they would. It reports false for anything else: a link
// with a scheme, host, query, leading or repeated slash, "." segments,
// ".." after a name, bytes that need escaping; or a base whose path is not
// plain. TestResolveLinkShortcut and FuzzResolveLink compare it with
// url.URL.Parse.
func resolveSimpleRelative(base *url.URL, href string) (*url.URL, bool) {
	path, frag, ok := resolveSimplePath(base, href)
	if !ok {
		return nil, false
	}
	return &url.URL{Scheme: base.Scheme, User: base.User, Host: base.Host, Path: path, Fragment: frag}, true
}

// resolveSimplePath is resolveSimpleRelative's answer as the resolved
// URL's path (plain: written as it is) and fragment.
func resolveSimplePath(base *url.URL, href string) (path, fragment string, ok bool) {
	if base.Opaque != "" || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") ||
		base.RawPath != "" || !strings.HasPrefix(base.Path, "/") || !plainPath(base.Path) || hasDotSegment(base.Path) {
		return "", "", false
	}
	ref, frag, hasFrag := strings.Cut(href, "#")
	if ref == "" || ref[0] == '/' || (hasFrag && (frag == "" || !plainFragment(frag))) || !plainPath(ref) {
		return "", "", false
	}
	dir := base.Path[:strings.LastIndexByte(base.Path, '/')] // without the trailing '/'
	for {
		rest, ok := strings.CutPrefix(ref, "../")
		if !ok {
			break
		}
		ref = rest
		if i := strings.LastIndexByte(dir, '/'); i >= 0 {
			dir = dir[:i]
		}
	}
	if ref == "" || strings.HasSuffix(ref, "/") || hasDotSegment(ref) || strings.Contains(ref, "//") || strings.Contains(ref, ":") {
		return "", "", false
	}
	if !hasFrag {
		frag = ""
	}
	return dir + "/" + ref, frag, true
}

// fileLinks resolves the file links of one page as strings, without the
// fragment: what resolveLink gives, after url.URL.String. A link that
// resolveSimplePath takes is written as the base's "scheme://[user@]host"
// (built once per page) followed by its plain path, without a url.URL
// for each file; checkResolveLink compares the two for every link the
// tests and FuzzResolveLink try.
type fileLinks struct {
	base   *url.URL
	prefix string // "" until first needed
}

// resolve returns the resolved URL of href without its fragment, and the
// fragment (unescaped, as url.URL.Fragment holds it).
func (l *fileLinks) resolve(href string) (link, fragment string, err error) {
	href = strings.TrimSpace(href)
	if path, frag, ok := resolveSimplePath(l.base, href); ok {
		if l.prefix == "" {
			l.prefix = (&url.URL{Scheme: l.base.Scheme, User: l.base.User, Host: l.base.Host}).String()
		}
		return l.prefix + path, frag, nil
	}
	u, err := resolveLink(l.base, href)
	if err != nil {
		return "", "", err
	}
	fragment = u.Fragment
	u.Fragment, u.RawFragment = "", ""
	return u.String(), fragment, nil
}

// plainPath reports whether p uses only bytes a URL path never escapes,
// and has no empty or "." segment (the base's last, empty one aside) that
// dot-segment removal would treat specially.
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
			return false
		}
	}
	trimmed := strings.TrimPrefix(strings.TrimSuffix(p, "/"), "/")
	if strings.Contains(trimmed, "//") {
		return false
	}
	for trimmed != "" {
		var seg string
		seg, trimmed, _ = strings.Cut(trimmed, "/")
		if seg == "." {
			return false
		}
	}
	return true
}

// plainFragment reports whether a fragment needs no escaping ("sha256=hex").
func plainFragment(f string) bool {
	for i := 0; i < len(f); i++ {
		c := f[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || c == '=') {
			return false
		}
	}
	return true
}

// hasDotSegment reports whether a URL path has a "." or ".." segment.
func hasDotSegment(p string) bool {
	for p != "" {
		var seg string
		seg, p, _ = strings.Cut(p, "/")
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// parseHashEntry adds a JSON "hashes" member as parseHashPair(name+"="+value)
// would, without building that string.
func parseHashEntry(name, value string, m map[string]string) error {
	if name == "" || strings.Contains(name, "=") {
		_, err := parseHashPair(name+"="+value, m)
		return err
	}
	return addHash(name, value, m)
}

// addHash stores one digest, checking the length and hex digits of the
// algorithms it knows.
func addHash(name, value string, m map[string]string) error {
	name = strings.ToLower(name)
	if n, known := hashLengths[name]; known {
		value = strings.ToLower(value)
		if len(value) != n || !isLowerHex(value) {
			return fmt.Errorf("malformed %s hash %q", name, value)
		}
	}
	m[name] = value
	return nil
}

// canonicalHashes reports whether m is non-nil and parseHashEntry would
// store every entry of it unchanged: a lower-case ASCII name without '=',
// and for a known algorithm a lower-case hex digest of its length. Such a
// map, decoded for this page alone, is then the result as it is; PyPI's
// pages only have such hashes.
func canonicalHashes(m map[string]string) bool {
	if m == nil {
		return false
	}
	for k, v := range m {
		if k == "" {
			return false
		}
		for i := 0; i < len(k); i++ {
			if c := k[i]; c == '=' || c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
				return false
			}
		}
		if n, known := hashLengths[k]; known && (len(v) != n || !isLowerHex(v)) {
			return false
		}
	}
	return true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// resolveLink resolves href against base, refusing schemes a page must not
// send a client to (file: links are only allowed from file: pages).
func resolveLink(base *url.URL, href string) (*url.URL, error) {
	href = strings.TrimSpace(href)
	u, ok := resolveSimpleRelative(base, href)
	if !ok {
		var err error
		if u, err = url.Parse(href); err != nil {
			return nil, fmt.Errorf("bad link %q: %w", href, err)
		}
		// An absolute link whose path has no dot segments resolves to
		// itself (ResolveReference would only rebuild it); that is every
		// link on PyPI's pages, and the rebuild was a third of parsing a
		// page.
		if !u.IsAbs() || hasDotSegment(u.EscapedPath()) || (u.RawPath != "" && u.RawPath != u.EscapedPath()) {
			u = base.ResolveReference(u)
		}
	}
	switch u.Scheme {
	case "http", "https":
	case "file":
		if base.Scheme != "file" {
			return nil, fmt.Errorf("link %q: file: URL on a remote page", href)
		}
	default:
		return nil, fmt.Errorf("link %q: unsupported scheme %q", href, u.Scheme)
	}
	return u, nil
}

func checkAPIVersion(v string) error {
	if v == "" {
		return nil
	}
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return fmt.Errorf("malformed repository API version %q", v)
	}
	if n > supportedAPIMajor {
		return fmt.Errorf("unsupported repository API version %s (PEP 629: this client knows %d.x)", v, supportedAPIMajor)
	}
	return nil
}

// ParseHTML parses a PEP 503 page. The tokenizer is deliberately small: it
// understands tags, quoted/unquoted attributes, comments and character
// references, which is all PEP 503 pages use; it does not build a tree.
// Anchors are file links; <base href> changes the base URL (as pip does);
// <meta name="pypi:..."> carries PEP 629 / PEP 792 data.
func ParseHTML(data []byte, pageURL *url.URL) (*Page, error) {
	fail := func(off int, msg string, err error) (*Page, error) {
		l, c := lineCol(data, off)
		return nil, &ParseError{URL: redaction.URL(pageURL), Line: l, Column: c, Msg: msg, Err: err}
	}
	p := &Page{}
	base := pageURL
	var anchor map[string]string // open <a>, nil if none
	anchorOff := 0
	var text strings.Builder
	i := 0
	for i < len(data) {
		if data[i] != '<' {
			j := bytes.IndexByte(data[i:], '<')
			if j < 0 {
				j = len(data) - i
			}
			if anchor != nil {
				text.Write(data[i : i+j])
			}
			i += j
			continue
		}
		if bytes.HasPrefix(data[i:], []byte("<!--")) {
			end := bytes.Index(data[i+4:], []byte("-->"))
			if end < 0 {
				return fail(i, "unterminated comment", nil)
			}
			i += 4 + end + 3
			continue
		}
		start := i
		name, attrs, next, err := parseTag(data, i)
		if err != nil {
			return fail(start, "malformed tag", err)
		}
		i = next
		switch name {
		case "a":
			if anchor != nil { // implicitly closes the previous anchor
				if err := p.addAnchor(anchor, text.String(), base); err != nil {
					return fail(anchorOff, "bad anchor", err)
				}
			}
			anchor, anchorOff = attrs, start
			text.Reset()
		case "/a":
			if anchor != nil {
				if err := p.addAnchor(anchor, text.String(), base); err != nil {
					return fail(anchorOff, "bad anchor", err)
				}
				anchor = nil
			}
		case "base":
			if href, ok := attrs["href"]; ok {
				u, err := resolveLink(pageURL, href)
				if err != nil {
					return fail(start, "bad <base>", err)
				}
				base = u
			}
		case "meta":
			switch strings.ToLower(attrs["name"]) {
			case "pypi:repository-version":
				p.APIVersion = attrs["content"]
				if err := checkAPIVersion(p.APIVersion); err != nil {
					return fail(start, "repository version", err)
				}
			case "pypi:project-status":
				p.Status = attrs["content"]
			case "pypi:project-status-reason":
				p.StatusReason = attrs["content"]
			}
		case "script", "style":
			end := indexEndTag(data[i:], name)
			if end < 0 {
				return fail(start, "unterminated <"+name+">", nil)
			}
			i += end
		}
	}
	if anchor != nil {
		if err := p.addAnchor(anchor, text.String(), base); err != nil {
			return fail(anchorOff, "bad anchor", err)
		}
	}
	return p, nil
}

// parseTag parses the tag starting at data[i] == '<' and returns its
// lower-cased name ("/a" for an end tag), attributes (names lower-cased,
// values unescaped) and the offset after '>'.
func parseTag(data []byte, i int) (string, map[string]string, int, error) {
	i++ // '<'
	j := i
	for j < len(data) && !isSpace(data[j]) && data[j] != '>' && !(data[j] == '/' && j > i) {
		j++
	}
	name := strings.ToLower(string(data[i:j]))
	if name == "" {
		return "", nil, 0, errors.New("empty tag name")
	}
	if name[0] == '!' || name[0] == '?' { // doctype, processing instruction
		end := bytes.IndexByte(data[j:], '>')
		if end < 0 {
			return "", nil, 0, errors.New("unterminated declaration")
		}
		return name, nil, j + end + 1, nil
	}
	attrs := map[string]string{}
	for {
		for j < len(data) && (isSpace(data[j]) || data[j] == '/') {
			j++
		}
		if j >= len(data) {
			return "", nil, 0, fmt.Errorf("unterminated <%s>", name)
		}
		if data[j] == '>' {
			return name, attrs, j + 1, nil
		}
		k := j
		for k < len(data) && !isSpace(data[k]) && data[k] != '=' && data[k] != '>' && data[k] != '/' {
			k++
		}
		attr := strings.ToLower(string(data[j:k]))
		if attr == "" { // a stray '=' or quote
			return "", nil, 0, fmt.Errorf("malformed attribute in <%s>", name)
		}
		j = k
		for j < len(data) && isSpace(data[j]) {
			j++
		}
		value := ""
		if j < len(data) && data[j] == '=' {
			j++
			for j < len(data) && isSpace(data[j]) {
				j++
			}
			if j >= len(data) {
				return "", nil, 0, fmt.Errorf("unterminated <%s>", name)
			}
			if q := data[j]; q == '"' || q == '\'' {
				end := bytes.IndexByte(data[j+1:], q)
				if end < 0 {
					return "", nil, 0, fmt.Errorf("unterminated quoted value of %s", attr)
				}
				value = string(data[j+1 : j+1+end])
				j += end + 2
			} else {
				k := j
				for k < len(data) && !isSpace(data[k]) && data[k] != '>' {
					k++
				}
				value = string(data[j:k])
				j = k
			}
		}
		if _, dup := attrs[attr]; !dup { // HTML: the first occurrence wins
			attrs[attr] = html.UnescapeString(value)
		}
	}
}

// indexEndTag returns the offset of "</name" (any case) in data, or -1,
// in linear time.
func indexEndTag(data []byte, name string) int {
	for off := 0; ; {
		j := bytes.Index(data[off:], []byte("</"))
		if j < 0 {
			return -1
		}
		k := off + j
		if k+2+len(name) <= len(data) && strings.EqualFold(string(data[k+2:k+2+len(name)]), name) {
			return k
		}
		off = k + 2
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// addAnchor turns one <a> into a File.
func (p *Page) addAnchor(attrs map[string]string, text string, base *url.URL) error {
	href, ok := attrs["href"]
	if !ok {
		return nil // an anchor without a link is not a file (pip skips it too)
	}
	u, err := resolveLink(base, href)
	if err != nil {
		return err
	}
	f := File{Hashes: map[string]string{}}
	if u.Fragment != "" {
		if _, err := parseHashPair(u.Fragment, f.Hashes); err != nil {
			return err
		}
	}
	u.Fragment, u.RawFragment = "", ""
	f.URL = u.String()
	f.Filename = path.Base(u.Path)
	if f.Filename == "/" || f.Filename == "." {
		f.Filename = strings.TrimSpace(html.UnescapeString(text))
	}
	f.RequiresPython = strings.TrimSpace(attrs["data-requires-python"])
	if reason, yanked := attrs["data-yanked"]; yanked {
		f.Yanked, f.YankedReason = true, reason
	}
	if prov := strings.TrimSpace(attrs["data-provenance"]); prov != "" {
		pu, err := resolveLink(base, prov)
		if err != nil {
			return fmt.Errorf("data-provenance: %w", err)
		}
		f.Provenance = pu.String()
	}
	// PEP 714: data-core-metadata supersedes data-dist-info-metadata.
	meta, has := attrs["data-core-metadata"]
	if !has {
		meta, has = attrs["data-dist-info-metadata"]
	}
	if has && meta != "false" {
		f.MetadataHashes = map[string]string{}
		if meta != "true" && meta != "" {
			if ok, err := parseHashPair(meta, f.MetadataHashes); err != nil {
				return fmt.Errorf("data-core-metadata: %w", err)
			} else if !ok {
				return fmt.Errorf("data-core-metadata %q: want true or <hash>=<hex>", meta)
			}
		}
	}
	p.Files = append(p.Files, f)
	return nil
}

// jsonPage is the PEP 691 project page (and, with Projects, the root page).
type jsonPage struct {
	Meta struct {
		APIVersion string `json:"api-version"`
	} `json:"meta"`
	Name          string          `json:"name"`
	Files         []jsonFile      `json:"files"`
	Versions      []string        `json:"versions"`
	ProjectStatus json.RawMessage `json:"project-status"`
}

type jsonFile struct {
	Filename         string            `json:"filename"`
	URL              string            `json:"url"`
	Hashes           map[string]string `json:"hashes"`
	RequiresPython   *string           `json:"requires-python"`
	Yanked           json.RawMessage   `json:"yanked"`
	CoreMetadata     json.RawMessage   `json:"core-metadata"`
	DistInfoMetadata json.RawMessage   `json:"data-dist-info-metadata"`
	Size             *int64            `json:"size"`
	UploadTime       *string           `json:"upload-time"`
	Provenance       *string           `json:"provenance"`
}

// ParseJSON parses a PEP 691 project page (with PEP 700 and PEP 792 fields).
// The page's strings may share data's memory (they are substrings of it
// rather than of a copy), so data must never be modified afterwards.
func ParseJSON(data []byte, pageURL *url.URL) (*Page, error) {
	fail := func(msg string, err error) (*Page, error) {
		return nil, &ParseError{URL: redaction.URL(pageURL), Msg: msg, Err: err}
	}
	doc, handled := decodeJSONPage(data) // fast path (jsonfast.go); doc is zero when not handled
	var err error
	if !handled {
		err = json.Unmarshal(data, &doc)
	}
	if err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		off := -1
		if errors.As(err, &se) {
			off = int(se.Offset)
		} else if errors.As(err, &te) {
			off = int(te.Offset)
		}
		if off >= 0 {
			l, c := lineCol(data, off)
			return nil, &ParseError{URL: redaction.URL(pageURL), Line: l, Column: c, Msg: "malformed PEP 691 JSON", Err: err}
		}
		return fail("malformed PEP 691 JSON", err)
	}
	if doc.Meta.APIVersion == "" {
		return fail("missing meta.api-version (PEP 691)", nil)
	}
	if err := checkAPIVersion(doc.Meta.APIVersion); err != nil {
		return fail("repository version", err)
	}
	p := &Page{Name: doc.Name, Versions: doc.Versions, APIVersion: doc.Meta.APIVersion}
	if len(doc.Files) > 0 {
		p.Files = make([]File, 0, len(doc.Files))
	}
	if len(doc.ProjectStatus) > 0 && string(doc.ProjectStatus) != "null" {
		var st struct{ Status, Reason string }
		if err := json.Unmarshal(doc.ProjectStatus, &st); err != nil {
			return fail("malformed project-status (PEP 792)", err)
		}
		p.Status, p.StatusReason = st.Status, st.Reason
	}
	links := fileLinks{base: pageURL}
	for i, jf := range doc.Files {
		where := func() string { return fmt.Sprintf("files[%d]", i) }
		if jf.Filename == "" || strings.ContainsAny(jf.Filename, "/\\") {
			return fail(where()+": missing or malformed filename", nil)
		}
		if jf.URL == "" {
			return fail(where()+": missing url", nil)
		}
		link, fragment, err := links.resolve(jf.URL)
		if err != nil {
			return fail(where(), err)
		}
		f := File{Filename: jf.Filename, URL: link, Hashes: jf.Hashes}
		if !canonicalHashes(jf.Hashes) {
			f.Hashes = make(map[string]string, len(jf.Hashes))
			for k, v := range jf.Hashes {
				if err := parseHashEntry(k, v, f.Hashes); err != nil {
					return fail(where(), err)
				}
			}
		}
		if fragment != "" && len(f.Hashes) == 0 {
			if _, err := parseHashPair(fragment, f.Hashes); err != nil {
				return fail(where(), err)
			}
		}
		if jf.RequiresPython != nil {
			f.RequiresPython = strings.TrimSpace(*jf.RequiresPython)
		}
		if len(jf.Yanked) > 0 {
			var b bool
			var s string
			// rawJSONBool and rawJSONString answer the usual literals without
			// encoding/json, exactly as it would (see rawvalue.go).
			if v, ok := rawJSONBool(jf.Yanked); ok {
				f.Yanked = v
			} else if v, ok := rawJSONString(jf.Yanked); ok {
				f.Yanked, f.YankedReason = true, v
			} else {
				switch {
				case json.Unmarshal(jf.Yanked, &b) == nil:
					f.Yanked = b
				case json.Unmarshal(jf.Yanked, &s) == nil:
					f.Yanked, f.YankedReason = true, s
				default:
					return fail(where()+": yanked must be a boolean or a string (PEP 691)", nil)
				}
			}
		}
		meta := jf.CoreMetadata
		if len(meta) == 0 {
			meta = jf.DistInfoMetadata
		}
		if len(meta) > 0 {
			var b bool
			hashes, isMap := rawJSONHashes(meta)
			isBool := false
			if v, ok := rawJSONBool(meta); ok {
				b, isBool = v, true
			} else if !isMap {
				switch {
				case json.Unmarshal(meta, &b) == nil:
					isBool = true
				case json.Unmarshal(meta, &hashes) == nil:
					isMap = true
				}
			}
			switch {
			case isBool:
				if b {
					f.MetadataHashes = map[string]string{}
				}
			case isMap && canonicalHashes(hashes):
				f.MetadataHashes = hashes
			case isMap:
				f.MetadataHashes = make(map[string]string, len(hashes))
				for k, v := range hashes {
					if err := parseHashEntry(k, v, f.MetadataHashes); err != nil {
						return fail(where()+": core-metadata", err)
					}
				}
			default:
				return fail(where()+": core-metadata must be a boolean or a hash object (PEP 714)", nil)
			}
		}
		if jf.Size != nil {
			if *jf.Size < 0 {
				return fail(where()+": negative size", nil)
			}
			f.Size = *jf.Size
		}
		if jf.UploadTime != nil {
			t, err := time.Parse(time.RFC3339Nano, *jf.UploadTime)
			if err != nil {
				return fail(where()+": upload-time is not ISO 8601 (PEP 700)", err)
			}
			f.UploadTime = t.UTC()
		}
		if jf.Provenance != nil && strings.TrimSpace(*jf.Provenance) != "" {
			pu, err := resolveLink(pageURL, *jf.Provenance)
			if err != nil {
				return fail(where()+": provenance", err)
			}
			f.Provenance = pu.String()
		}
		p.Files = append(p.Files, f)
	}
	return p, nil
}
