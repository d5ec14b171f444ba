package simpleapi

import (
	"encoding/json"
	"maps"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// checkRawValue asserts the contract of the raw-value helpers: whenever one
// answers, encoding/json gives the same answer for the same bytes.
func checkRawValue(t *testing.T, raw []byte) (handled int) {
	t.Helper()
	if v, ok := rawJSONBool(raw); ok {
		handled++
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil || b != v {
			t.Errorf("rawJSONBool(%q) = %v; json: %v, %v", raw, v, b, err)
		}
	}
	if v, ok := rawJSONString(raw); ok {
		handled++
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || s != v {
			t.Errorf("rawJSONString(%q) = %q; json: %q, %v", raw, v, s, err)
		}
		var b bool
		if json.Unmarshal(raw, &b) == nil {
			t.Errorf("rawJSONString(%q) answered a value encoding/json reads as a bool", raw)
		}
	}
	if v, ok := rawJSONHashes(raw); ok {
		handled++
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil || !reflect.DeepEqual(m, v) {
			t.Errorf("rawJSONHashes(%q) = %#v; json: %#v, %v", raw, v, m, err)
		}
	}
	return handled
}

func TestRawJSONValues(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		handled bool // by at least one helper
	}{
		{"true", true}, {"false", true}, {"null", true},
		{`"removed: CVE-2024-1"`, true}, {`""`, true}, {`"caf\u00e9"`, true}, {`"caf` + "\xff" + `"`, true},
		{`{"sha256":"ab"}`, true}, {`{}`, true}, {`{"a":"1","b":"2"}`, true}, {`{ "a" : "1" }`, true},
		{`{"a":"1","a":"2"}`, false}, // repeated key: encoding/json decides
		{`{"a":1}`, false}, {`[true]`, false}, {`1`, false}, {`True`, false}, {`"x" `, false},
		{`"unterminated`, false}, {`{"a":"1"`, false}, {``, false}, {`nul`, false},
	} {
		got := checkRawValue(t, []byte(tc.raw)) > 0
		if got != tc.handled {
			t.Errorf("%q: handled = %v, want %v", tc.raw, got, tc.handled)
		}
	}
}

func FuzzRawJSONValues(f *testing.F) {
	for _, s := range []string{"true", "null", `"r"`, `"\ud800"`, `{"sha256":"00"}`, `{}`, `{"a":"\n"}`, `{"a":"1",}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		start := time.Now()
		rawJSONBool(raw)
		rawJSONString(raw)
		rawJSONHashes(raw)
		budgettest.Check(t, len(raw), start)
		checkRawValue(t, raw)
	})
}

// checkResolveLink asserts that resolveLink's shortcut for absolute links
// gives exactly what url.URL.Parse gives.
func checkResolveLink(t *testing.T, base, href string) {
	t.Helper()
	b, err := url.Parse(base)
	if err != nil {
		return
	}
	want, werr := b.Parse(strings.TrimSpace(href))
	got, gerr := resolveLink(b, href)
	checkFileLinks(t, b, href, got, gerr)
	if werr != nil {
		if gerr == nil {
			t.Errorf("resolveLink(%q, %q) = %v; url.Parse failed: %v", base, href, got, werr)
		}
		return
	}
	if gerr != nil {
		// A refused scheme; the resolved URL is checked where it is not.
		if want.Scheme == "http" || want.Scheme == "https" || (want.Scheme == "file" && b.Scheme == "file") {
			t.Errorf("resolveLink(%q, %q): %v; want %v", base, href, gerr, want)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("resolveLink(%q, %q) = %#v, want %#v", base, href, got, want)
	}
}

// checkFileLinks asserts that fileLinks.resolve gives what resolveLink
// gave (u, err) once its fragment is cut off, on a fresh page and on one
// whose prefix an earlier link set.
func checkFileLinks(t *testing.T, base *url.URL, href string, u *url.URL, err error) {
	t.Helper()
	var wantLink, wantFrag string
	if err == nil {
		c := *u
		wantFrag = c.Fragment
		c.Fragment, c.RawFragment = "", ""
		wantLink = c.String()
	}
	warm := &fileLinks{base: base}
	_, _, _ = warm.resolve("x-1.0.tar.gz")
	for _, l := range []*fileLinks{{base: base}, warm} {
		link, frag, lerr := l.resolve(href)
		if (lerr == nil) != (err == nil) || link != wantLink || frag != wantFrag {
			t.Errorf("fileLinks(%q).resolve(%q) = %q, %q, %v; resolveLink gives %q, %q, %v", base, href, link, frag, lerr, wantLink, wantFrag, err)
		}
	}
}

func TestResolveLinkShortcut(t *testing.T) {
	for _, href := range []string{
		"https://files.example/packages/ab/cd/six-1.16.0-py2.py3-none-any.whl#sha256=00",
		"https://files.example/a/./b.whl", "https://files.example/a/../b.whl", "https://h/a/%2e%2e/b",
		"https://h", "https://h/", "https://h//x/y/", "HTTPS://H/A", "https:/a/b", "https:a", " https://h/x ",
		"https://u:p@h/x", "https://h/a%20b/c d", "https://h/x?q=1#f", "../../files/a.whl", "/files/a.whl",
		"a.whl", "?x", "#frag", "//other/x", "file:///etc/passwd", "ftp://h/x", "https://h/%zz",
		"../../files/a.whl#sha256=00ff", "../../../../../x.whl", "./a.whl", "a/../b.whl", "a//b.whl", "../a/",
		"..", "../..", "a/..", "%41.whl", "a b.whl", "a.whl#", "a.whl#x y", "a.whl#a#b", "sub/dir/a.whl", "a:b.whl",
		"~user/a.whl", "../-/a.whl",
	} {
		for _, base := range []string{"https://pypi.example/simple/six/", "file:///srv/index/six/",
			"https://u:p@pypi.example/simple/six", "https://pypi.example/", "https://pypi.example",
			"https://pypi.example/a/../simple/six/", "https://pypi.example//simple/six/", "http://h:8080/x/./y/",
			"https://pypi.example/simple/six/?q=1#f", "https://pypi.example/sim%70le/six/"} {
			checkResolveLink(t, base, href)
		}
	}
}

// TestResolveSimpleRelativeUsed checks that the shortcut takes the links
// simple indexes actually write, so it cannot silently become dead code.
func TestResolveSimpleRelativeUsed(t *testing.T) {
	base, _ := url.Parse("https://pypi.example/simple/six/")
	for _, href := range []string{"../../files/six-1.16.0-py2.py3-none-any.whl", "../../packages/ab/cd/six-1.16.0.tar.gz#sha256=00ff", "six-1.16.0.tar.gz"} {
		if _, ok := resolveSimpleRelative(base, href); !ok {
			t.Errorf("%q: not taken by the shortcut", href)
		}
	}
}

func FuzzResolveLink(f *testing.F) {
	f.Add("https://pypi.example/simple/six/", "https://files.example/a/b.whl#sha256=00")
	f.Add("https://pypi.example/simple/six/", "../../a/./b.whl")
	f.Add("file:///srv/six/", "https://h/x/../y")
	f.Fuzz(func(t *testing.T, base, href string) {
		if b, err := url.Parse(base); err == nil {
			start := time.Now()
			_, _ = resolveLink(b, href)
			budgettest.Check(t, len(base)+len(href), start)
		}
		checkResolveLink(t, base, href)
	})
}

// TestCanonicalHashes: a map canonicalHashes accepts is exactly what
// parseHashEntry makes of it, so ParseJSON may keep it.
func TestCanonicalHashes(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	for _, tt := range []struct {
		m    map[string]string
		want bool
	}{
		{map[string]string{"sha256": sha}, true},
		{map[string]string{}, true},
		{map[string]string{"sha256": sha, "blake2b": "XY"}, true},
		{nil, false},
		{map[string]string{"SHA256": sha}, false},
		{map[string]string{"sha256": strings.ToUpper(sha)}, false},
		{map[string]string{"sha256": sha[:10]}, false},
		{map[string]string{"md5": sha}, false},
		{map[string]string{"": sha}, false},
		{map[string]string{"sha256=x": sha}, false},
		{map[string]string{"shä256": sha}, false},
	} {
		if got := canonicalHashes(tt.m); got != tt.want {
			t.Errorf("canonicalHashes(%v) = %v, want %v", tt.m, got, tt.want)
		}
		checkCanonicalHashes(t, tt.m)
	}
}

func checkCanonicalHashes(t *testing.T, m map[string]string) {
	t.Helper()
	if !canonicalHashes(m) {
		return
	}
	rebuilt := map[string]string{}
	for k, v := range m {
		if err := parseHashEntry(k, v, rebuilt); err != nil {
			t.Fatalf("canonical %v: parseHashEntry: %v", m, err)
		}
	}
	if !maps.Equal(rebuilt, m) {
		t.Fatalf("canonical %v, but parseHashEntry makes %v", m, rebuilt)
	}
}

func FuzzCanonicalHashes(f *testing.F) {
	f.Add("sha256", strings.Repeat("0", 64), "md5", strings.Repeat("f", 32))
	f.Add("Sha256", "x", "a=b", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		start := time.Now()
		canonicalHashes(m)
		budgettest.Check(t, len(k1)+len(v1)+len(k2)+len(v2), start)
		checkCanonicalHashes(t, m)
	})
}
