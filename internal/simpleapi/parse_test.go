package simpleapi

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestParseHTMLTable(t *testing.T) {
	base, _ := url.Parse("https://idx.example/simple/x/")
	for _, tc := range []struct {
		in   string
		want string // fmt of first file's key fields, or "error"
	}{
		{`<a href="../../f/x-1.0.tar.gz#sha256=` + strings.Repeat("a", 64) + `">x</a>`, "https://idx.example/f/x-1.0.tar.gz sha256 false  <nil>"},
		{`<A HREF=x-1.0.tar.gz data-yanked>x</A>`, "https://idx.example/simple/x/x-1.0.tar.gz - true  <nil>"},
		{`<a href='x-1.0-py3-none-any.whl' data-yanked='r &amp; d' data-dist-info-metadata="true">`, "https://idx.example/simple/x/x-1.0-py3-none-any.whl - true r & d map[]"},
		{`<base href="https://cdn.example/p/"><a href="x-1.0.tar.gz" data-core-metadata="sha256=` + strings.Repeat("b", 64) + `" data-dist-info-metadata="false">x</a>`, "https://cdn.example/p/x-1.0.tar.gz - false  map[sha256:" + strings.Repeat("b", 64) + "]"},
		{`<!-- <a href="hidden-1.0.tar.gz"> --><a href="x-1.0.tar.gz">`, "https://idx.example/simple/x/x-1.0.tar.gz - false  <nil>"},
		{`<script>"<a href=y-1.0.tar.gz>"</SCRIPT><a href="x-1.0.tar.gz">`, "https://idx.example/simple/x/x-1.0.tar.gz - false  <nil>"},
		{`<p>no links</p>`, "none"},
		{`<a href="x-1.0.tar.gz" data-core-metadata="bogus">`, "error"},
		{`<a href="x-1.0.tar.gz`, "error"},
		{`<!-- open`, "error"},
		{`<meta name="pypi:repository-version" content="2.0">`, "error"},
	} {
		pg, err := ParseHTML([]byte(tc.in), base)
		var got string
		switch {
		case err != nil:
			got = "error"
		case len(pg.Files) == 0:
			got = "none"
		default:
			f := pg.Files[0]
			alg := "-"
			for k := range f.Hashes {
				alg = k
			}
			got = fmt.Sprintf("%s %s %v %s %v", f.URL, alg, f.Yanked, f.YankedReason, map[string]string(f.MetadataHashes))
			if f.MetadataHashes == nil {
				got = fmt.Sprintf("%s %s %v %s <nil>", f.URL, alg, f.Yanked, f.YankedReason)
			}
		}
		if got != tc.want {
			t.Errorf("ParseHTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParseHTML(f *testing.F) {
	f.Add([]byte(`<html><a href="../x-1.0.tar.gz#sha256=` + strings.Repeat("a", 64) + `" data-requires-python="&gt;=3">x</a></html>`))
	f.Add([]byte(`<a href=x data-yanked data-core-metadata=true><meta name="pypi:project-status" content="archived"><base href="/b/">`))
	f.Add([]byte(`<!-- x --><script>"<a href=y>"</script><a href='z'`))
	base, _ := url.Parse("https://idx.example/simple/x/")
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		pg, err := ParseHTML(data, base)
		budgettest.Check(t, len(data), start)
		if err == nil {
			for _, fl := range pg.Files {
				if fl.Hashes == nil {
					t.Fatal("nil hashes")
				}
			}
		}
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"meta":{"api-version":"1.1"},"name":"x","versions":["1.0"],"files":[{"filename":"x-1.0.tar.gz","url":"x-1.0.tar.gz","hashes":{"sha256":"` + strings.Repeat("a", 64) + `"},"yanked":"r","core-metadata":{"sha256":"` + strings.Repeat("b", 64) + `"},"size":3,"upload-time":"2020-01-01T00:00:00.000000Z"}]}`))
	f.Add([]byte(`{"meta":{"api-version":"1.4"},"project-status":{"status":"quarantined"},"files":[{"filename":"x","url":"/x","yanked":true,"core-metadata":true}]}`))
	base, _ := url.Parse("https://idx.example/simple/x/")
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		_, _ = ParseJSON(data, base)
		budgettest.Check(t, len(data), start)
	})
}

// bigPages returns HTML and JSON pages of n files.
func bigPages(n int) (htmlPage, jsonPage []byte) {
	var h, j bytes.Buffer
	h.WriteString("<!DOCTYPE html><html><body>\n")
	j.WriteString(`{"meta":{"api-version":"1.1"},"name":"x","versions":[],"files":[`)
	sha := strings.Repeat("ab", 32)
	for i := range n {
		fn := fmt.Sprintf("x-1.%d-py3-none-any.whl", i)
		fmt.Fprintf(&h, "<a href=\"../../files/%s#sha256=%s\" data-requires-python=\"&gt;=3.8\" data-core-metadata=\"sha256=%s\">%s</a><br/>\n", fn, sha, sha, fn)
		if i > 0 {
			j.WriteByte(',')
		}
		fmt.Fprintf(&j, `{"filename":%q,"url":"../../files/%s","hashes":{"sha256":%q},"requires-python":">=3.8","core-metadata":{"sha256":%q},"yanked":false,"size":1000,"upload-time":"2024-01-01T00:00:00.000000Z"}`, fn, fn, sha, sha)
	}
	h.WriteString("</body></html>\n")
	j.WriteString("]}")
	return h.Bytes(), j.Bytes()
}

func BenchmarkParseHTML(b *testing.B) {
	page, _ := bigPages(5000)
	base, _ := url.Parse("https://idx.example/simple/x/")
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if p, err := ParseHTML(page, base); err != nil || len(p.Files) != 5000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJSON(b *testing.B) {
	_, page := bigPages(5000)
	base, _ := url.Parse("https://idx.example/simple/x/")
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if p, err := ParseJSON(page, base); err != nil || len(p.Files) != 5000 {
			b.Fatal(err)
		}
	}
}

// TestProvenancePresence: the PEP 740 provenance URL of a file is kept from
// both page formats; null or absent means none.
func TestProvenancePresence(t *testing.T) {
	base, _ := url.Parse("https://idx.example/simple/x/")
	prov := "https://idx.example/integrity/x/1.0/x-1.0-py3-none-any.whl/provenance"
	tests := []struct {
		name, body, ctype, want string
	}{
		{"json url", `{"meta":{"api-version":"1.3"},"name":"x","files":[{"filename":"x-1.0-py3-none-any.whl","url":"x-1.0-py3-none-any.whl","hashes":{},"provenance":"` + prov + `"}]}`, MediaJSON, prov},
		{"json null", `{"meta":{"api-version":"1.3"},"name":"x","files":[{"filename":"x-1.0-py3-none-any.whl","url":"x-1.0-py3-none-any.whl","hashes":{},"provenance":null}]}`, MediaJSON, ""},
		{"json absent", `{"meta":{"api-version":"1.1"},"name":"x","files":[{"filename":"x-1.0-py3-none-any.whl","url":"x-1.0-py3-none-any.whl","hashes":{}}]}`, MediaJSON, ""},
		{"html attribute", `<a href="x-1.0-py3-none-any.whl" data-provenance="` + prov + `">x</a>`, MediaHTML, prov},
		{"html absent", `<a href="x-1.0-py3-none-any.whl">x</a>`, MediaHTML, ""},
		{"json relative", `{"meta":{"api-version":"1.3"},"name":"x","files":[{"filename":"x-1.0-py3-none-any.whl","url":"x-1.0-py3-none-any.whl","hashes":{},"provenance":"../../integrity/x/1.0/x-1.0-py3-none-any.whl/provenance"}]}`, MediaJSON, prov},
		{"html relative", `<a href="x-1.0-py3-none-any.whl" data-provenance="/integrity/x/1.0/x-1.0-py3-none-any.whl/provenance">x</a>`, MediaHTML, prov},
	}
	for _, tt := range tests {
		pg, err := Parse([]byte(tt.body), tt.ctype, base)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(pg.Files) != 1 || pg.Files[0].Provenance != tt.want {
			t.Errorf("%s: files %+v, want provenance %q", tt.name, pg.Files, tt.want)
		}
	}
}

// TestProvenanceSchemes: a provenance link is held to the file links' schemes.
func TestProvenanceSchemes(t *testing.T) {
	base, _ := url.Parse("https://idx.example/simple/x/")
	for _, body := range []string{
		`<a href="x-1.0-py3-none-any.whl" data-provenance="file:///etc/passwd">x</a>`,
		`{"meta":{"api-version":"1.3"},"name":"x","files":[{"filename":"x-1.0-py3-none-any.whl","url":"x-1.0-py3-none-any.whl","hashes":{},"provenance":"javascript:alert(1)"}]}`,
	} {
		ctype := MediaHTML
		if body[0] == '{' {
			ctype = MediaJSON
		}
		if _, err := Parse([]byte(body), ctype, base); err == nil || !strings.Contains(err.Error(), "provenance") {
			t.Errorf("Parse(%s) error = %v, want a provenance link error", body, err)
		}
	}
}
