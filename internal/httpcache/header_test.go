package httpcache

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// checkDecodeHeader holds decodeHeader to its contract: what it handles,
// encoding/json decodes to the same Entry.
func checkDecodeHeader(t *testing.T, head []byte) bool {
	t.Helper()
	got, ok := decodeHeader(head)
	if !ok {
		if !reflect.DeepEqual(got, Entry{}) {
			t.Fatalf("declined %q but returned %+v", head, got)
		}
		return false
	}
	var want Entry
	if err := json.Unmarshal(head, &want); err != nil {
		t.Fatalf("decodeHeader(%q) handled it, encoding/json: %v", head, err)
	}
	if !got.Stored.Equal(want.Stored) || got.Stored.Location().String() != want.Stored.Location().String() {
		t.Fatalf("decodeHeader(%q) stored %v, encoding/json %v", head, got.Stored, want.Stored)
	}
	got.Stored, want.Stored = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeHeader(%q) = %+v, encoding/json %+v", head, got, want)
	}
	return true
}

// TestDecodeHeaderTakesStored: every header Store writes takes the fast
// path, so it cannot silently become dead code.
func TestDecodeHeaderTakesStored(t *testing.T) {
	stored := time.Date(2026, 12, 3, 8, 3, 19, 119176626, time.UTC)
	for _, e := range []Entry{
		{URL: "https://pypi.org/simple/six/", FinalURL: "https://pypi.org/simple/six/", ContentType: "application/vnd.pypi.simple.v1+json",
			ETag: `"ee1fa50bc09313f749307cb2"`, LastModified: "Thu, 03 Dec 2026 08:23:01 GMT", Stored: stored, MaxAge: 600},
		{URL: "http://127.0.0.1:8080/files/x-1.0-py3-none-any.whl.metadata", Stored: stored.In(time.FixedZone("", 3600)), MaxAge: -1},
		{URL: "https://h/ünïcode", Stored: stored},
	} {
		e.Version = cacheVersion
		head, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		if !checkDecodeHeader(t, head) {
			t.Errorf("header Store writes not handled: %s", head)
		}
		if got := parseEntry(append(head, "\nbody"...)); got == nil || string(got.Body) != "body" || got.URL != e.URL {
			t.Errorf("parseEntry: %+v", got)
		}
	}
}

func TestDecodeHeaderDeclines(t *testing.T) {
	for _, head := range []string{
		``, `{}`, `[]`, `{"v":2}x`, `{"v":2} `, ` {"v":2}`, `{"v":2,}`, `{"v":02}`, `{"v":2.0}`, `{"v":1e1}`, `{"v":-}`,
		`{"v":99999999999999999999}`, `{"V":2}`, `{"v":2,"v":2}`, `{"v":2,"x":1}`, `{"url":null}`, `{"url":"a\/b"}`, `{"url":"a\nb"}`, `{"url":"a\"}`, `{"url":"a\u0022"}`,
		`{"url":"a\u0041"}`, "{\"url\":\"a\tb\"}", "{\"url\":\"\xff\"}", `{"stored":"not a time"}`, `{"stored":1}`,
		`{"v" :2}`, `{"v": 2}`, `{"url":"x"`, `{"url":"x`,
	} {
		if checkDecodeHeader(t, []byte(head)) {
			t.Errorf("decodeHeader(%q) handled it; want declined", head)
		}
	}
}

func FuzzDecodeHeader(f *testing.F) {
	for _, s := range []string{
		`{"v":2,"url":"http://h/simple/x/","final_url":"http://h/simple/x/","content_type":"text/html","etag":"\"e\"","stored":"2026-12-03T08:03:19.119176626Z","max_age":600}`,
		`{"v":2,"url":"u","final_url":"u","content_type":"","stored":"2026-12-03T08:03:19+01:00","max_age":-1}`,
		`{"v":-0,"max_age":0,"url":"ü"}`, `{"etag":"W/\"x\\\"","url":"a\\"}`, `{"stored":"2026-12-03T24:00:00Z"}`, `{"v":2,"V":3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		start := time.Now()
		decodeHeader(head)
		budgettest.Check(t, len(head), start)
		checkDecodeHeader(t, head)
	})
}

// BenchmarkDecodeHeader decodes 2,000 headers shaped like a warm lock's
// (a page or a PEP 658 file each, as Store writes them) per op, through
// parseEntry's fast path and through encoding/json alone.
func BenchmarkDecodeHeader(b *testing.B) {
	stored := time.Date(2026, 12, 3, 8, 3, 19, 119176626, time.UTC)
	heads := make([][]byte, 2000)
	for i := range heads {
		e := Entry{Version: cacheVersion, URL: fmt.Sprintf("http://127.0.0.1:45811/files/pkg_%04d-3.4.0-py3-none-any.whl.metadata", i),
			ContentType: "application/octet-stream", Stored: stored, MaxAge: 600}
		if i%8 == 0 {
			e.URL = fmt.Sprintf("http://127.0.0.1:45811/simple/pkg-%04d/", i)
			e.ContentType, e.ETag, e.LastModified = "application/vnd.pypi.simple.v1+json", `"ee1fa50bc09313f749307cb2"`, "Thu, 03 Dec 2026 08:23:01 GMT"
		}
		e.FinalURL = e.URL
		heads[i], _ = json.Marshal(&e)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, h := range heads {
				if _, ok := decodeHeader(h); !ok {
					b.Fatal("declined")
				}
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, h := range heads {
				var e Entry
				if err := json.Unmarshal(h, &e); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
