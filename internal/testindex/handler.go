package testindex

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/pep503"
)

// Media types of PEP 691.
const (
	MediaJSON       = "application/vnd.pypi.simple.v1+json"
	MediaHTML       = "application/vnd.pypi.simple.v1+html"
	MediaLegacyHTML = "text/html"
)

// apiVersion is the repository API version announced: 1.4 adds PEP 792
// project status (1.1 added PEP 700 fields).
const apiVersion = "1.4"

// Handler returns the HTTP handler serving the index (see the package
// comment for the URL layout).
func (ix *Index) Handler() http.Handler { return http.HandlerFunc(ix.serve) }

func (ix *Index) serve(w http.ResponseWriter, r *http.Request) {
	ix.total.Add(1)
	ix.mu.Lock()
	ix.counts[r.URL.Path]++
	if len(ix.log) < MaxLog {
		ix.log = append(ix.log, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()})
	}
	var fail int
	if q := ix.failures[r.URL.Path]; len(q) > 0 {
		fail, ix.failures[r.URL.Path] = q[0], q[1:]
	}
	ix.mu.Unlock()

	if d := time.Duration(ix.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if ix.opts.Username != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != ix.opts.Username || p != ix.opts.Password {
			w.Header().Set("WWW-Authenticate", `Basic realm="testindex"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	if fail != 0 {
		http.Error(w, "injected failure", fail)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch p := r.URL.Path; {
	case p == "/simple":
		http.Redirect(w, r, "/simple/", http.StatusMovedPermanently)
	case p == "/simple/":
		ix.serveRoot(w, r)
	case strings.HasPrefix(p, "/simple/"):
		name, rest, _ := strings.Cut(strings.TrimPrefix(p, "/simple/"), "/")
		if rest != "" {
			http.NotFound(w, r)
			return
		}
		norm := pep503.Normalize(name)
		if (norm != name || !strings.HasSuffix(p, "/")) && !ix.opts.NoRedirect {
			http.Redirect(w, r, "/simple/"+url.PathEscape(norm)+"/", http.StatusMovedPermanently)
			return
		}
		ix.serveProject(w, r, norm)
	case strings.HasPrefix(p, "/files/"):
		ix.serveFile(w, r, strings.TrimPrefix(p, "/files/"))
	case strings.HasPrefix(p, "/integrity/"):
		// PyPI's Integrity API: /integrity/<project>/<version>/<filename>/provenance.
		parts := strings.Split(strings.TrimPrefix(p, "/integrity/"), "/")
		if len(parts) != 4 || parts[3] != "provenance" {
			http.NotFound(w, r)
			return
		}
		_, f, err := ix.lookup(parts[2])
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if f == nil || f.dist.ProjectName() != pep503.Normalize(parts[0]) || f.dist.Version != parts[1] {
			http.NotFound(w, r)
			return
		}
		ix.serveFile(w, r, parts[2]+".provenance")
	default:
		http.NotFound(w, r)
	}
}

// negotiate picks the response media type from the Accept header (or the
// ?format= parameter), or "" when nothing acceptable is served.
func (ix *Index) negotiate(r *http.Request) string {
	var served []string // server preference order
	if !ix.opts.NoJSON {
		served = append(served, MediaJSON)
	}
	if !ix.opts.NoHTML {
		served = append(served, MediaHTML, MediaLegacyHTML)
	}
	accept := r.Header.Get("Accept")
	if f := r.URL.Query().Get("format"); f != "" {
		accept = f
	}
	if strings.TrimSpace(accept) == "" {
		switch {
		case !ix.opts.NoHTML:
			return MediaLegacyHTML
		case !ix.opts.NoJSON:
			return MediaJSON
		}
		return ""
	}
	// RFC 9110 §12.5.1: each served type takes the q of the most specific
	// Accept range matching it; the highest q wins, ties go to server order.
	qs := make([]float64, len(served))
	spec := make([]int, len(served))
	for i := range spec {
		spec[i] = -1
	}
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(fields[0]))
		mt = strings.Replace(mt, "simple.latest+", "simple.v1+", 1)
		q := 1.0
		for _, prm := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(prm), "=")
			if strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		for i, s := range served {
			sp := -1
			switch {
			case mt == s:
				sp = 2
			case strings.HasSuffix(mt, "/*") && mt != "*/*" && strings.HasPrefix(s, strings.TrimSuffix(mt, "*")):
				sp = 1
			case mt == "*/*":
				sp = 0
			}
			if sp > spec[i] {
				spec[i], qs[i] = sp, q
			}
		}
	}
	best, bestQ := "", 0.0
	for i, s := range served {
		if qs[i] > bestQ {
			best, bestQ = s, qs[i]
		}
	}
	return best
}

// writePage writes body with caching validators and handles conditional
// requests.
func (ix *Index) writePage(w http.ResponseWriter, r *http.Request, mediaType string, body []byte, modTime time.Time) {
	ct := mediaType
	if mediaType == MediaLegacyHTML {
		ct = "text/html; charset=utf-8"
	}
	sum := sha256.Sum256(body)
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Vary", "Accept")
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	cc := ix.opts.CacheControl
	if cc == "" {
		cc = "max-age=0, must-revalidate"
	}
	h.Set("Cache-Control", cc)
	// ServeContent implements If-None-Match / If-Modified-Since → 304.
	http.ServeContent(w, r, "", modTime, bytes.NewReader(body))
}

func (ix *Index) serveRoot(w http.ResponseWriter, r *http.Request) {
	mt := ix.negotiate(r)
	if mt == "" {
		http.Error(w, "not acceptable", http.StatusNotAcceptable)
		return
	}
	ps := ix.projectList()
	var modTime time.Time
	var body []byte
	if mt == MediaJSON {
		type entry struct {
			Name string `json:"name"`
		}
		doc := struct {
			Meta     map[string]string `json:"meta"`
			Projects []entry           `json:"projects"`
		}{Meta: map[string]string{"api-version": apiVersion}, Projects: []entry{}}
		for _, p := range ps {
			doc.Projects = append(doc.Projects, entry{p.name})
		}
		body, _ = json.Marshal(doc)
	} else {
		var b bytes.Buffer
		fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"%s\">\n    <title>Simple index</title>\n  </head>\n  <body>\n", apiVersion)
		for _, p := range ps {
			fmt.Fprintf(&b, "    <a href=\"%s/\">%s</a><br/>\n", html.EscapeString(url.PathEscape(p.norm)), html.EscapeString(p.name))
		}
		b.WriteString("  </body>\n</html>\n")
		body = b.Bytes()
	}
	for _, p := range ps {
		p.mu.Lock()
		if p.modTime.After(modTime) {
			modTime = p.modTime
		}
		p.mu.Unlock()
	}
	ix.writePage(w, r, mt, body, modTime)
}

// fileView is one file as listed on a project page.
type fileView struct {
	filename, href, sha256, requiresPython string
	yanked                                 bool
	yankedReason                           string
	metaSHA                                string
	hasMeta                                bool
	size                                   int64
	uploadTime                             time.Time
	provenance                             string // href of the PEP 740 provenance, "" for none
}

// pageData snapshots the project for rendering.
func (ix *Index) pageData(norm, fileBase string) (p *project, views []fileView, versions []string, err error) {
	ix.mu.Lock()
	p = ix.projects[norm]
	ix.mu.Unlock()
	if p == nil {
		return nil, nil, nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.ensure(); err != nil {
		return p, nil, nil, err
	}
	seen := map[string]bool{}
	for _, d := range p.dists {
		if !seen[d.Version] {
			seen[d.Version] = true
			versions = append(versions, d.Version)
		}
	}
	for _, f := range p.files {
		v := fileView{
			filename:       f.filename,
			href:           fileBase + url.PathEscape(f.filename),
			sha256:         cmp.Or(f.listed, f.sha256),
			requiresPython: f.dist.RequiresPython,
			yanked:         f.dist.Yanked,
			yankedReason:   f.dist.YankedReason,
			size:           int64(len(f.genuine)),
			uploadTime:     f.dist.UploadTime,
		}
		switch {
		case f.integrity:
			v.provenance = "../../integrity/" + url.PathEscape(p.norm) + "/" + url.PathEscape(f.dist.Version) + "/" + url.PathEscape(f.filename) + "/provenance"
		case f.provenance != nil:
			v.provenance = v.href + ".provenance"
		}
		if f.wheel && !ix.opts.NoMetadataFiles {
			v.hasMeta, v.metaSHA = true, f.metaSHA
		}
		views = append(views, v)
	}
	return p, views, versions, nil
}

func (ix *Index) serveProject(w http.ResponseWriter, r *http.Request, norm string) {
	mt := ix.negotiate(r)
	if mt == "" {
		http.Error(w, "not acceptable", http.StatusNotAcceptable)
		return
	}
	p, views, versions, err := ix.pageData(norm, "../../files/")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if p == nil {
		http.NotFound(w, r)
		return
	}
	st, hasStatus := ix.status(norm)
	var body []byte
	if mt == MediaJSON {
		body = ix.projectJSON(p.name, views, versions, st, hasStatus)
	} else {
		body = ix.projectHTML(p.name, views, st, hasStatus)
	}
	p.mu.Lock()
	modTime := p.modTime
	p.mu.Unlock()
	ix.writePage(w, r, mt, body, modTime)
}

func (ix *Index) projectJSON(name string, views []fileView, versions []string, st ProjectStatus, hasStatus bool) []byte {
	type jfile struct {
		Filename       string            `json:"filename"`
		URL            string            `json:"url"`
		Hashes         map[string]string `json:"hashes"`
		RequiresPython *string           `json:"requires-python,omitempty"`
		Yanked         any               `json:"yanked"`
		CoreMetadata   any               `json:"core-metadata"`
		DistInfoMeta   any               `json:"data-dist-info-metadata"`
		Size           int64             `json:"size"`
		UploadTime     string            `json:"upload-time,omitempty"`
		Provenance     *string           `json:"provenance"`
	}
	doc := struct {
		Meta          map[string]string `json:"meta"`
		Name          string            `json:"name"`
		ProjectStatus map[string]string `json:"project-status,omitempty"`
		Versions      []string          `json:"versions"`
		Files         []jfile           `json:"files"`
	}{Meta: map[string]string{"api-version": apiVersion}, Name: pep503.Normalize(name), Versions: versions, Files: []jfile{}}
	if doc.Versions == nil {
		doc.Versions = []string{}
	}
	if hasStatus {
		doc.ProjectStatus = map[string]string{"status": st.Status}
		if st.Reason != "" {
			doc.ProjectStatus["reason"] = st.Reason
		}
	}
	for _, v := range views {
		jf := jfile{Filename: v.filename, URL: v.href, Hashes: map[string]string{}, Yanked: false, CoreMetadata: false, DistInfoMeta: false, Size: v.size}
		if !ix.opts.NoHashes {
			jf.Hashes["sha256"] = v.sha256
		}
		if v.requiresPython != "" {
			rp := v.requiresPython
			jf.RequiresPython = &rp
		}
		if v.yanked {
			jf.Yanked = true
			if v.yankedReason != "" {
				jf.Yanked = v.yankedReason
			}
		}
		if v.hasMeta {
			var m any = true
			if !ix.opts.NoHashes {
				m = map[string]string{"sha256": v.metaSHA}
			}
			jf.CoreMetadata, jf.DistInfoMeta = m, m
		}
		if !ix.opts.NoUploadTimes {
			jf.UploadTime = v.uploadTime.UTC().Format("2006-01-02T15:04:05.000000Z")
		}
		if v.provenance != "" {
			jf.Provenance = &v.provenance
		}
		doc.Files = append(doc.Files, jf)
	}
	body, _ := json.Marshal(doc)
	return body
}

func (ix *Index) projectHTML(name string, views []fileView, st ProjectStatus, hasStatus bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"%s\">\n", apiVersion)
	if hasStatus {
		fmt.Fprintf(&b, "    <meta name=\"pypi:project-status\" content=\"%s\">\n", html.EscapeString(st.Status))
		if st.Reason != "" {
			fmt.Fprintf(&b, "    <meta name=\"pypi:project-status-reason\" content=\"%s\">\n", html.EscapeString(st.Reason))
		}
	}
	fmt.Fprintf(&b, "    <title>Links for %s</title>\n  </head>\n  <body>\n    <h1>Links for %s</h1>\n", html.EscapeString(name), html.EscapeString(name))
	for _, v := range views {
		href := v.href
		if !ix.opts.NoHashes {
			href += "#sha256=" + v.sha256
		}
		fmt.Fprintf(&b, "    <a href=\"%s\"", html.EscapeString(href))
		if v.requiresPython != "" {
			fmt.Fprintf(&b, " data-requires-python=\"%s\"", html.EscapeString(v.requiresPython))
		}
		if v.yanked {
			fmt.Fprintf(&b, " data-yanked=\"%s\"", html.EscapeString(v.yankedReason))
		}
		if v.hasMeta {
			m := "true"
			if !ix.opts.NoHashes {
				m = "sha256=" + v.metaSHA
			}
			fmt.Fprintf(&b, " data-core-metadata=\"%s\" data-dist-info-metadata=\"%s\"", m, m)
		}
		if v.provenance != "" {
			fmt.Fprintf(&b, " data-provenance=\"%s\"", html.EscapeString(v.provenance))
		}
		fmt.Fprintf(&b, ">%s</a><br/>\n", html.EscapeString(v.filename))
	}
	b.WriteString("  </body>\n</html>\n")
	return b.Bytes()
}

func (ix *Index) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	fn, isMeta := strings.CutSuffix(name, ".metadata")
	fn, isProv := strings.CutSuffix(fn, ".provenance")
	isMeta = isMeta && !isProv
	p, f, err := ix.lookup(fn)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if f == nil || (isMeta && (!f.wheel || ix.opts.NoMetadataFiles)) || (isProv && f.provenance == nil) {
		http.NotFound(w, r)
		return
	}
	p.mu.Lock()
	data := f.data
	switch {
	case isMeta:
		data = f.metadata
	case isProv:
		data = f.provenance
	}
	p.mu.Unlock()
	h := w.Header()
	h.Set("ETag", `"`+sha256Hex(data)[:24]+`"`)
	h.Set("Cache-Control", "max-age=31536000, immutable")
	switch {
	case isMeta:
		h.Set("Content-Type", "text/plain; charset=utf-8")
	case isProv:
		h.Set("Content-Type", "application/json")
	default:
		h.Set("Content-Type", "application/octet-stream")
	}
	cw := &countingWriter{ResponseWriter: w, n: &ix.bytes}
	if ix.opts.NoRange {
		r.Header.Del("Range")
		r.Header.Del("If-Range")
		h.Set("Content-Length", strconv.Itoa(len(data)))
		if r.Method != http.MethodHead {
			_, _ = cw.Write(data)
		}
		return
	}
	http.ServeContent(cw, r, "", time.Time{}, bytes.NewReader(data))
}

// countingWriter counts body bytes written.
type countingWriter struct {
	http.ResponseWriter
	n interface{ Add(int64) int64 }
}

// Write counts before writing: a client may finish reading the last bytes
// before the server's Write returns, and tests read the counter right then.
func (c *countingWriter) Write(b []byte) (int, error) {
	c.n.Add(int64(len(b)))
	return c.ResponseWriter.Write(b)
}
