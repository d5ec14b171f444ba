package simpleapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/pyward/pyward/internal/testindex"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// checkFastJSON checks decodeJSONPage's contract on data: it declines with a
// zero page, or its page is reflect.DeepEqual to json.Unmarshal's and
// json.Unmarshal succeeds. It reports whether the fast path handled data.
func checkFastJSON(t testing.TB, data []byte) bool {
	t.Helper()
	got, handled := decodeJSONPage(data)
	var want jsonPage
	err := json.Unmarshal(data, &want)
	if !handled {
		if !reflect.DeepEqual(got, jsonPage{}) {
			t.Fatalf("declined with a non-zero page %#v\ninput %q", got, data)
		}
		return false
	}
	if err != nil {
		t.Fatalf("fast path accepted what encoding/json rejects (%v)\ninput %q", err, data)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fast path differs from encoding/json\nfast: %s\njson: %s\ninput %q", dumpPage(got), dumpPage(want), data)
	}
	return true
}

// dumpPage shows a page with its nil/empty distinctions and raw bytes.
func dumpPage(p jsonPage) string {
	var b strings.Builder
	fmt.Fprintf(&b, "meta=%q name=%q versions=%#v status=%s files(nil=%v)=[", p.Meta.APIVersion, p.Name, p.Versions, rawString(p.ProjectStatus), p.Files == nil)
	for _, f := range p.Files {
		fmt.Fprintf(&b, "\n  {filename=%q url=%q hashes(nil=%v)=%q rp=%s yanked=%s cm=%s ddim=%s size=%s ut=%s}",
			f.Filename, f.URL, f.Hashes == nil, f.Hashes, ptrString(f.RequiresPython), rawString(f.Yanked),
			rawString(f.CoreMetadata), rawString(f.DistInfoMetadata), ptrString(f.Size), ptrString(f.UploadTime))
	}
	return b.String() + "]"
}

func rawString(r json.RawMessage) string {
	if r == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", []byte(r))
}

func ptrString[T any](p *T) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprintf("&%#v", *p)
}

// testIndexPages returns the PEP 691 project pages internal/testindex serves
// for a few projects and option sets (encoding/json output: requires-python
// arrives as "\u003e=3.8").
func testIndexPages(t testing.TB) [][]byte {
	t.Helper()
	dists := []testindex.Dist{
		{Name: "Acme.Utils", Version: "1.0", Requires: []string{"six>=1.0"}, RequiresPython: ">=3.8"},
		{Name: "acme-utils", Version: "1.1", Yanked: true, YankedReason: "broken <build> — use 2.0", Sdist: true},
		{Name: "acme-utils", Version: "1.2", Yanked: true},
		{Name: "acme-utils", Version: "2.0", Sdist: true, WheelTags: []string{"py3-none-any", "cp312-cp312-manylinux_2_17_x86_64"}},
		{Name: "acme-utils", Version: "2.1rc1", NoWheel: true},
		{Name: "six", Version: "1.16.0", RequiresPython: ">=2.7, !=3.0.*"},
	}
	status := map[string]testindex.ProjectStatus{"six": {Status: "deprecated", Reason: "use \"seven\""}}
	var pages [][]byte
	for _, opts := range []testindex.Options{
		{},
		{Status: status},
		{NoHashes: true, NoUploadTimes: true},
		{NoMetadataFiles: true, Status: status},
	} {
		ix, err := testindex.New(dists, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"acme-utils", "six"} {
			req := httptest.NewRequest("GET", "/simple/"+name+"/", nil)
			req.Header.Set("Accept", testindex.MediaJSON)
			rec := httptest.NewRecorder()
			ix.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != testindex.MediaJSON {
				t.Fatalf("%s: %d %s", name, rec.Code, rec.Header().Get("Content-Type"))
			}
			pages = append(pages, rec.Body.Bytes())
		}
	}
	return pages
}

// pypiPage returns a page shaped like pypi.org's: n releases of an sdist
// and two wheels, sorted keys, the PEP 740 "provenance" and PEP 708
// "alternate-locations" keys this client ignores, "_last-serial" in meta.
// spaced uses Python's default separators (", " and ": ").
func pypiPage(n int, spaced bool) []byte {
	var b bytes.Buffer
	hex := func(i, salt int) string { return fmt.Sprintf("%064x", i*7919+salt) }
	b.WriteString(`{"alternate-locations":[],"files":[`)
	for i := range n {
		version := fmt.Sprintf("2.%d.0", i)
		rp := `null`
		if i >= 3 {
			rp = `">=3.8"`
		}
		yanked := `false`
		if i == 5 {
			yanked = `"broken build, use 2.6.0"`
		}
		for k, fn := range []string{
			"example_pkg-" + version + ".tar.gz",
			"example_pkg-" + version + "-py3-none-any.whl",
			"example_pkg-" + version + "-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
		} {
			if i > 0 || k > 0 {
				b.WriteByte(',')
			}
			meta := `false`
			if k > 0 {
				meta = `{"sha256":"` + hex(i, k+10) + `"}`
			}
			fmt.Fprintf(&b, `{"core-metadata":%s,"data-dist-info-metadata":%s,"filename":%q,"hashes":{"sha256":"%s"},"provenance":null,"requires-python":%s,"size":%d,"upload-time":"2023-%02d-%02dT15:12:42.%06dZ","url":"https://files.pythonhosted.org/packages/%s/%s/%s/%s","yanked":%s}`,
				meta, meta, fn, hex(i, k), rp, 40000+i*997+k*13, 1+i%12, 1+i%28, i*1013%1000000, hex(i, k)[:2], hex(i, k)[2:4], hex(i, k)[4:], fn, yanked)
		}
	}
	b.WriteString(`],"meta":{"_last-serial":25350911,"api-version":"1.4"},"name":"example-pkg","project-status":{"status":"active"},"versions":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"2.%d.0"`, i)
	}
	b.WriteString(`]}`)
	if !spaced {
		return b.Bytes()
	}
	// Re-space outside strings the way Python's json.dumps does.
	var out bytes.Buffer
	inString := false
	for i, c := range b.Bytes() {
		out.WriteByte(c)
		switch {
		case c == '"' && (i == 0 || b.Bytes()[i-1] != '\\'):
			inString = !inString
		case !inString && (c == ',' || c == ':'):
			out.WriteByte(' ')
		}
	}
	return out.Bytes()
}

// realisticPages are the pages the fast path must handle.
func realisticPages(t testing.TB) [][]byte {
	pages := testIndexPages(t)
	for _, spaced := range []bool{false, true} {
		for _, n := range []int{0, 1, 15} {
			pages = append(pages, pypiPage(n, spaced))
		}
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, pypiPage(3, false), "", "  "); err != nil {
		t.Fatal(err)
	}
	return append(pages, indented.Bytes())
}

func TestFastJSONRealisticPages(t *testing.T) {
	for i, page := range realisticPages(t) {
		if !checkFastJSON(t, page) {
			t.Errorf("page %d: fast path declined a realistic page:\n%s", i, page)
		}
	}
	// And ParseJSON, which uses it, still turns them into pages.
	base := mustURL(t, "https://idx.example/simple/acme-utils/")
	for _, page := range testIndexPages(t) {
		if _, err := ParseJSON(page, base); err != nil {
			t.Fatal(err)
		}
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

const fastJSONSHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// fastJSONCases are hand-written edge cases, with whether the fast path
// must handle them (true) or decline (false).
var fastJSONCases = []struct {
	name    string
	data    string
	handled bool
}{
	{"empty object", `{}`, true},
	{"minimal", `{"meta":{"api-version":"1.0"}}`, true},
	{"whitespace everywhere", " \n\t{ \"meta\" : { \"api-version\" : \"1.1\" } ,\r\n \"files\" : [ { \"filename\" : \"a\" , \"hashes\" : { \"sha256\" : \"x\" } , \"yanked\" :  { \"a\" : [ 1 , 2 ] }  } ] , \"versions\" : [ \"1\" , \"2\" ] } \r\n", true},
	{"full file", `{"meta":{"api-version":"1.1"},"name":"x","versions":["1.0"],"files":[{"filename":"x-1.0.tar.gz","url":"x-1.0.tar.gz","hashes":{"sha256":"` + fastJSONSHA + `","md5":"00"},"requires-python":">=3","yanked":"r","core-metadata":{"sha256":"` + fastJSONSHA + `"},"data-dist-info-metadata":true,"size":3,"upload-time":"2020-01-01T00:00:00.000000Z"}]}`, true},
	{"escapes", `{"name":"\u0041cme \"q\" \\ \/ \b\f\n\r\t","meta":{"api-version":"1\u002e1"},"versions":["\u00e9"],"files":[{"filename":"\ud83d\ude00","url":"\ud800","hashes":{"sha\u0032\u0035\u0036":"\udc00\ud800x"},"requires-python":"\u003e=3.8","upload-time":"\uD800\u0041"}]}`, true},
	{"utf-8", "{\"name\":\"é€😀\u2028\u2029\x7f\",\"versions\":[\"\xc3\xa9\"]}", true},
	{"invalid utf-8", "{\"name\":\"x\xffy\",\"versions\":[\"\xe2\x82\",\"\xed\xa0\x80\",\"\xc0\xaf\",\"\xf4\x90\x80\x80\"],\"files\":[{\"filename\":\"\xff\",\"hashes\":{\"\xfe\":\"\xff\"}}],\"x\":\"\xff\"}", true},
	{"nulls", `{"meta":null,"name":null,"files":null,"versions":null,"project-status":null}`, true},
	{"null meta value", `{"meta":{"api-version":null}}`, true},
	{"null file fields", `{"files":[null,{"filename":null,"url":null,"hashes":null,"requires-python":null,"yanked":null,"core-metadata":null,"data-dist-info-metadata":null,"size":null,"upload-time":null},null]}`, true},
	{"null elements", `{"versions":[null,"1",null],"files":[{"hashes":{"sha256":null}}]}`, true},
	{"empty containers", `{"meta":{},"files":[],"versions":[],"project-status":{}}`, true},
	{"empty file", `{"files":[{},{"hashes":{}}]}`, true},
	{"unknown keys", `{"alternate-locations":[],"x":{"a":[1,2,{"b":null,"b":true}],"c":-1.5e+10,"d":"\u0041\ud800","e":0.0e-0,"f":[[[[]]]],"":""},"meta":{"_last-serial":123,"api-version":"1.4","api-version-x":1E5},"files":[{"provenance":null,"file":"x","filenames":["a"],"yanked-reason":"r","x":{"y":{}}}],"metas":false,"name-":true}`, true},
	{"unknown key repeated", `{"x":1,"x":2,"files":[{"y":1,"y":[]}]}`, true},
	{"raw values", `{"project-status":"active","files":[{"yanked":true,"core-metadata":0,"data-dist-info-metadata":[1,"2",{"3":4}]},{"yanked":"","core-metadata":{ "sha256" : "x" },"data-dist-info-metadata":-0.5E-3},{"yanked":false,"core-metadata":{},"data-dist-info-metadata":[]}]}`, true},
	{"sizes", `{"files":[{"size":0},{"size":-0},{"size":-1},{"size":9223372036854775807},{"size":-9223372036854775808},{"size":1000000000000000000}]}`, true},
	{"hash keys", `{"files":[{"hashes":{"SHA256":"a","sha256":"b","":"c","k\u00e9y":"d"}}]}`, true},

	{"top-level array", `[]`, false},
	{"top-level null", `null`, false},
	{"top-level string", `"x"`, false},
	{"top-level number", `1`, false},
	{"empty input", ``, false},
	{"only whitespace", " \n", false},
	{"bom", "\xef\xbb\xbf{}", false},

	{"duplicate page key", `{"name":"a","name":"b"}`, false},
	{"duplicate files", `{"files":[{"filename":"a","size":1}],"files":[{"url":"b"}]}`, false},
	{"duplicate meta key", `{"meta":{"api-version":"1.0","api-version":"1.1"}}`, false},
	{"duplicate file key", `{"files":[{"filename":"a","filename":"b"}]}`, false},
	{"duplicate file raw key", `{"files":[{"yanked":true,"yanked":false}]}`, false},
	{"duplicate hash key", `{"files":[{"hashes":{"sha256":"a","sha256":"b"}}]}`, false},
	{"duplicate hash key escaped", `{"files":[{"hashes":{"sha256":"a","sha\u003256":"b"}}]}`, false},

	{"case-variant page key", `{"Name":"a"}`, false},
	{"case-variant meta", `{"META":{"api-version":"1.0"}}`, false},
	{"case-variant meta key", `{"meta":{"API-Version":"1.0"}}`, false},
	{"case-variant files", `{"Files":[]}`, false},
	{"case-variant file key", `{"files":[{"FileName":"a"}]}`, false},
	{"case-variant size", `{"files":[{"SIZE":1}]}`, false},
	{"case-variant after exact", `{"name":"a","nAme":"b"}`, false},
	{"escaped key", `{"n\u0061me":"a"}`, false},
	{"unicode-folding key", `{"files":[{"ſize":1,"yanKed":true}]}`, false},
	{"non-ascii unknown key", `{"naïve":1}`, false},

	{"name number", `{"name":1}`, false},
	{"name bool", `{"name":true}`, false},
	{"name object", `{"name":{}}`, false},
	{"meta string", `{"meta":"1.0"}`, false},
	{"meta array", `{"meta":[]}`, false},
	{"api-version number", `{"meta":{"api-version":1.0}}`, false},
	{"files object", `{"files":{}}`, false},
	{"files string", `{"files":"x"}`, false},
	{"file number", `{"files":[1]}`, false},
	{"file array", `{"files":[[]]}`, false},
	{"versions number", `{"versions":[1]}`, false},
	{"versions string", `{"versions":"1"}`, false},
	{"hashes array", `{"files":[{"hashes":[]}]}`, false},
	{"hash number", `{"files":[{"hashes":{"sha256":1}}]}`, false},
	{"requires-python number", `{"files":[{"requires-python":3}]}`, false},
	{"upload-time bool", `{"files":[{"upload-time":false}]}`, false},
	{"size string", `{"files":[{"size":"1"}]}`, false},
	{"size bool", `{"files":[{"size":true}]}`, false},
	{"size fraction", `{"files":[{"size":1.0}]}`, false},
	{"size exponent", `{"files":[{"size":1e3}]}`, false},
	{"size overflow", `{"files":[{"size":9223372036854775808}]}`, false},
	{"size underflow", `{"files":[{"size":-9223372036854775809}]}`, false},
	{"size huge", `{"files":[{"size":123456789012345678901234567890}]}`, false},

	{"trailing garbage", `{}x`, false},
	{"two values", `{}{}`, false},
	{"trailing comma top", `{},`, false},
	{"trailing nul", "{}\x00", false},
	{"unterminated", `{"name":"a"`, false},
	{"unterminated string", `{"name":"a`, false},
	{"trailing comma object", `{"name":"a",}`, false},
	{"trailing comma files", `{"files":[{},]}`, false},
	{"trailing comma file", `{"files":[{"url":"u",}]}`, false},
	{"trailing comma hashes", `{"files":[{"hashes":{"a":"b",}}]}`, false},
	{"trailing comma versions", `{"versions":["1",]}`, false},
	{"trailing comma skipped", `{"x":[1,]}`, false},
	{"trailing comma skipped object", `{"x":{"a":1,}}`, false},
	{"leading comma", `{,"name":"a"}`, false},
	{"missing colon", `{"name" "a"}`, false},
	{"missing comma", `{"name":"a" "meta":{}}`, false},
	{"control byte", "{\"name\":\"a\tb\"}", false},
	{"control byte skipped", "{\"x\":\"a\nb\"}", false},
	{"bad escape", `{"name":"\x"}`, false},
	{"short unicode escape", `{"name":"\u12"}`, false},
	{"bad unicode escape", `{"x":"\u12g4"}`, false},
	{"leading zero", `{"x":01}`, false},
	{"lone minus", `{"x":-}`, false},
	{"bare fraction", `{"x":1.}`, false},
	{"no integer part", `{"x":.5}`, false},
	{"plus sign", `{"x":+1}`, false},
	{"bare exponent", `{"x":1e}`, false},
	{"short literal", `{"x":tru}`, false},
	{"long literal", `{"x":nulll}`, false},
	{"misspelled literal", `{"x":trve}`, false},
	{"misspelled null", `{"name":nxll}`, false},
	{"misspelled raw literal", `{"files":[{"yanked":fa1se}]}`, false},
	{"NaN", `{"x":NaN}`, false},
	{"single quotes", `{'name':'a'}`, false},
	{"error deep inside", `{"x":[{"a":[{"b":[1,2,}]}]}]}`, false},
	{"error in raw", `{"project-status":{"status":"a",}}`, false},
	{"unclosed raw", `{"files":[{"yanked":[`, false},
}

func TestFastJSONPage(t *testing.T) {
	for _, tc := range fastJSONCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkFastJSON(t, []byte(tc.data)); got != tc.handled {
				var doc jsonPage
				t.Errorf("handled = %v, want %v (encoding/json: %v)", got, tc.handled, json.Unmarshal([]byte(tc.data), &doc))
			}
		})
	}
}

func TestFastJSONDeepNesting(t *testing.T) {
	for _, depth := range []int{maxSkipDepth, maxSkipDepth + 1, 5000, 20000, 1 << 20} {
		for _, where := range []string{`{"x":%s}`, `{"project-status":%s}`, `{"files":[{"yanked":%s}]}`} {
			nested := strings.Repeat(`[{"a":`, depth/2) + strings.Repeat("[", depth%2) + "0" + strings.Repeat("]", depth%2) + strings.Repeat(`}]`, depth/2)
			data := fmt.Sprintf(where, nested)
			if depth <= 20000 {
				handled := checkFastJSON(t, []byte(data))
				if handled != (depth <= maxSkipDepth) {
					t.Errorf("depth %d in %s: handled = %v", depth, where, handled)
				}
			}
			// Unbalanced: must decline without exhausting the stack.
			if _, handled := decodeJSONPage([]byte(fmt.Sprintf(where, strings.Repeat("[", depth)))); handled {
				t.Errorf("unbalanced depth %d handled", depth)
			}
		}
	}
}

// TestFastJSONFieldNames keeps the fast path's key lists in step with the
// struct tags encoding/json decodes by: a field added to jsonPage or
// jsonFile must be added to jsonfast.go too.
func TestFastJSONFieldNames(t *testing.T) {
	tags := func(v any) []string {
		var names []string
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			names = append(names, name)
		}
		return names
	}
	for _, c := range []struct {
		got  []string
		want any
	}{{pageFields, jsonPage{}}, {metaFields, jsonPage{}.Meta}, {fileFields, jsonFile{}}} {
		if want := tags(c.want); !reflect.DeepEqual(c.got, want) {
			t.Errorf("fast path keys %q, struct tags %q", c.got, want)
		}
	}
	if len(fileFields) > 32 || len(pageFields) > 32 {
		t.Error("object's seen-key mask holds 32 keys")
	}
}

// TestFastJSONParseErrorsUnchanged checks that ParseJSON's errors for
// declined input are still encoding/json's, with their positions.
func TestFastJSONParseErrorsUnchanged(t *testing.T) {
	base := mustURL(t, "https://idx.example/simple/x/")
	_, err := ParseJSON([]byte("{\"meta\":{\"api-version\":\"1.0\"},\n\"files\":[{\"size\":1.5}]}"), base)
	var pe *ParseError
	var te *json.UnmarshalTypeError
	if !errors.As(err, &pe) || !errors.As(err, &te) || pe.Line != 2 {
		t.Fatalf("err = %#v", err)
	}
}

func FuzzFastJSONPage(f *testing.F) {
	for _, tc := range fastJSONCases {
		f.Add([]byte(tc.data))
	}
	for _, page := range realisticPages(f) {
		if len(page) <= 8<<10 { // big pages make minimizing new inputs slow
			f.Add(page)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		decodeJSONPage(data)
		budgettest.Check(t, len(data), start)
		checkFastJSON(t, data)
	})
}

// BenchmarkDecodeJSONPage compares the fast path with encoding/json on a
// pypi.org-shaped page of 15 releases (45 files) and on a testindex page
// (whose "\u003e" escapes take the slow string path).
func BenchmarkDecodeJSONPage(b *testing.B) {
	var testindexPage []byte
	{
		var dists []testindex.Dist
		for i := range 15 {
			dists = append(dists, testindex.Dist{Name: "pkg", Version: fmt.Sprintf("1.%d.0", i), RequiresPython: ">=3.7", Sdist: i%3 == 0, UploadTime: time.Unix(int64(i)*86400, 0)})
		}
		ix, err := testindex.New(dists, testindex.Options{})
		if err != nil {
			b.Fatal(err)
		}
		req := httptest.NewRequest("GET", "/simple/pkg/", nil)
		req.Header.Set("Accept", testindex.MediaJSON)
		rec := httptest.NewRecorder()
		ix.Handler().ServeHTTP(rec, req)
		testindexPage = rec.Body.Bytes()
	}
	for _, page := range []struct {
		name string
		data []byte
	}{{"pypi", pypiPage(15, false)}, {"testindex", testindexPage}} {
		if !checkFastJSON(b, page.data) {
			b.Fatalf("%s page declined", page.name)
		}
		b.Run(page.name+"/fast", func(b *testing.B) {
			b.SetBytes(int64(len(page.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := decodeJSONPage(page.data); !ok {
					b.Fatal("declined")
				}
			}
		})
		b.Run(page.name+"/encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(page.data)))
			b.ReportAllocs()
			for b.Loop() {
				var doc jsonPage
				if err := json.Unmarshal(page.data, &doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseJSONRealistic is ParseJSON, fast path and all, on the
// 15-release pypi.org-shaped page.
func BenchmarkParseJSONRealistic(b *testing.B) {
	page := pypiPage(15, false)
	base := mustURL(b, "https://files.example/simple/example-pkg/")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if p, err := ParseJSON(page, base); err != nil || len(p.Files) != 45 {
			b.Fatal(p, err)
		}
	}
}

// FuzzFastJSONPageShaped checks the contract on page-shaped documents built
// from the fuzz input, which reach the decoder's deeper paths (case-variant
// and repeated keys, wrong types, odd strings and numbers in every field)
// far more often than byte mutations of whole pages do.
func FuzzFastJSONPageShaped(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x05\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"))
	f.Add([]byte("\xff\x13\x27\x3b\x4f\x63\x77\x8b\x9f\xb3\xc7\xdb\xef"))
	f.Fuzz(func(t *testing.T, choices []byte) {
		g := &pageGen{choices: choices}
		g.object("", 0)
		start := time.Now()
		decodeJSONPage(g.out)
		budgettest.Check(t, len(g.out), start)
		checkFastJSON(t, g.out)
	})
}

// pageGen writes a JSON document shaped like a project page, steered by
// choices; once they run out (all zero) it writes well-formed, well-typed
// members.
type pageGen struct {
	choices []byte
	out     []byte
}

func (g *pageGen) pick(n int) int {
	if len(g.choices) == 0 {
		return 0
	}
	c := int(g.choices[0])
	g.choices = g.choices[1:]
	return c % n
}

var (
	genSpace   = []string{"", "", "", " ", "\n  ", "\t", "\r\n", "\f"}
	genStrings = []string{`"x-1.0-py3-none-any.whl"`, `"x"`, `""`, `">=3.8"`, `"\u003e=3.8"`, `"a\"b\\c\/\n"`, `"\ud83d\ude00"`, `"\ud800"`, `"\udc00\ud800"`, "\"\xff\"", "\"é\"", "\"\xed\xa0\x80\"", `"\u00"`, "\"a\x01\"", `"2020-01-01T00:00:00Z"`, `"sha256"`}
	genNumbers = []string{"1", "0", "-0", "-1", "1.5", "1e3", "1E+2", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "01", "1.", "-", "12345678901234567890123"}
	genLits    = []string{"null", "true", "false", "nul", "True"}
	// genKeys are the keys of the object a key's value is decoded into
	// ("" for the page, "hashes" for a hashes map).
	genKeys = map[string][]string{"": pageFields, "meta": metaFields, "files": fileFields, "hashes": {"sha256", "md5", "SHA256", "sha\\u003256"}}
)

func (g *pageGen) space() { g.out = append(g.out, genSpace[g.pick(len(genSpace))]...) }

func (g *pageGen) add(s ...string) {
	for _, x := range s {
		g.out = append(g.out, x...)
	}
}

// object writes an object of the kind genKeys names (any other: an object
// of unknown keys), its keys exact, case-varied, escaped, unknown or
// repeated.
func (g *pageGen) object(kind string, depth int) {
	names, ok := genKeys[kind]
	if !ok {
		names = []string{"a", "b"}
	}
	g.space()
	g.add("{")
	for i := range len(names) - g.pick(len(names)+1) {
		switch {
		case i > 0:
			g.add(",")
		case g.pick(16) == 15:
			g.add(",") // leading comma
		}
		g.space()
		name := names[(i+g.pick(len(names)))%len(names)]
		key := name
		switch g.pick(16) {
		case 11:
			key = strings.ToUpper(name[:1]) + name[1:]
		case 12:
			key = fmt.Sprintf(`\u%04x`, name[0]) + name[1:]
		case 13:
			key = "x-" + name
		case 14:
			key = "ſ" + name[1:]
		case 15:
			key = fileFields[g.pick(len(fileFields))]
		}
		g.add(`"`, key, `"`)
		g.space()
		g.add(":")
		g.value(kind, name, depth+1)
	}
	if g.pick(16) == 15 {
		g.add(",") // trailing comma
	}
	g.space()
	g.add("}")
	g.space()
}

// value writes the value of key in an object of the given kind: mostly of
// the type the field has, sometimes anything.
func (g *pageGen) value(kind, key string, depth int) {
	g.space()
	defer g.space()
	if g.pick(8) == 7 || depth > 8 {
		g.anything(depth)
		return
	}
	switch {
	case kind == "" && key == "meta", kind == "files" && key == "hashes":
		g.object(key, depth)
	case kind == "" && key == "files":
		g.add("[")
		for i := range 3 - g.pick(4) {
			if i > 0 {
				g.add(",")
			}
			g.object("files", depth+1)
		}
		g.add("]")
	case kind == "" && key == "versions":
		g.add("[")
		for i := range 3 - g.pick(4) {
			if i > 0 {
				g.add(",")
			}
			g.add(genStrings[g.pick(len(genStrings))])
		}
		g.add("]")
	case key == "size":
		g.add(genNumbers[g.pick(len(genNumbers))])
	case key == "project-status", key == "yanked", key == "core-metadata", key == "data-dist-info-metadata", kind == "":
		g.anything(depth)
	default:
		g.add(genStrings[g.pick(len(genStrings))])
	}
}

// anything writes a value of any type.
func (g *pageGen) anything(depth int) {
	kind := g.pick(6)
	if depth > 8 {
		kind %= 3
	}
	switch kind {
	case 0:
		g.add(genStrings[g.pick(len(genStrings))])
	case 1:
		g.add(genNumbers[g.pick(len(genNumbers))])
	case 2:
		g.add(genLits[g.pick(len(genLits))])
	case 3:
		g.object("x", depth+1)
	case 4:
		g.object([]string{"", "meta", "files", "hashes"}[g.pick(4)], depth+1)
	default:
		g.add("[")
		for i := range g.pick(4) {
			if i > 0 {
				g.add(",")
			}
			g.space()
			g.anything(depth + 1)
		}
		g.add("]")
	}
}

// TestParseJSONSharesBody checks that the strings of a parsed page are
// substrings of the body itself rather than of a copy of it (ParseJSON's
// callers never modify a body afterwards, see Parse): a copy of every page
// was a tenth of what a re-lock allocated.
func TestParseJSONSharesBody(t *testing.T) {
	_, page := bigPages(3)
	base, _ := url.Parse("https://idx.example/simple/x/")
	pg, err := ParseJSON(page, base)
	if err != nil {
		t.Fatal(err)
	}
	inBody := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		start := uintptr(unsafe.Pointer(&page[0]))
		return len(s) > 0 && p >= start && p+uintptr(len(s)) <= start+uintptr(len(page))
	}
	for _, f := range pg.Files {
		for what, s := range map[string]string{"filename": f.Filename, "sha256": f.Hashes["sha256"],
			"requires-python": f.RequiresPython, "metadata sha256": f.MetadataHashes["sha256"]} {
			if !inBody(s) {
				t.Errorf("%s: %s %q is not a substring of the body", f.Filename, what, s)
			}
		}
	}
}
