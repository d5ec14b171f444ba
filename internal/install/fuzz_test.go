package install

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func FuzzCheck(f *testing.F) {
	f.Add(craft(f, nil))
	f.Add(craft(f, []entry{{name: "demo/../x", data: "1"}, {name: "x.pth", data: "import os\n"}}))
	f.Add(craft(f, []entry{{name: "demo.pth", data: "demo/hooks\n../x\n"}, {name: "demo/hooks/sitecustomize.py", data: ""}}))
	f.Add(craft(f, []entry{{name: "demo-1.0.data/data/lib/python3.11/site-packages/usercustomize/__init__.py", data: ""}, {name: "__editable__.demo.pth", data: "/src\n"}}))
	f.Add(rawWheel([]rawEntry{{name: "demo/a.py", localName: "demo/b.py", data: "x"}, {name: "demo/c.py", sameAs: 1}}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		w, err := Check(bytes.NewReader(data), int64(len(data)), "demo-1.0-py3-none-any.whl", Options{Limits: Limits{MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20}})
		budgettest.Check(t, len(data), start)
		if err == nil && w == nil {
			t.Fatal("nil wheel without error")
		}
	})
}

// FuzzPth: the .pth reader never panics, and the directories it reports
// stay inside the site directory.
func FuzzPth(f *testing.F) {
	f.Add([]byte("# c\nimport os\n/abs\nrel/dir\n../up\r\n\ufeffx"))
	f.Add([]byte("a\\b\x85import\tx\u2028./c/../d"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		executableLine(data)
		dirs, _ := pthDirs(data)
		budgettest.Check(t, len(data), start)
		for _, d := range dirs {
			if d == ".." || strings.HasPrefix(d, "../") || strings.HasPrefix(d, "/") {
				t.Fatalf("pthDirs(%q) returned %q", data, d)
			}
		}
	})
}

func FuzzParseRecord(f *testing.F) {
	f.Add([]byte("a.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,3\nR,,\n"))
	f.Add([]byte("\"a\nb\",,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		entries, err := ParseRecord(data)
		budgettest.Check(t, len(data), start)
		if err != nil {
			return
		}
		back, err := ParseRecord(FormatRecord(entries))
		if err != nil || len(back) != len(entries) {
			t.Fatalf("round trip: %v (%d vs %d)", err, len(back), len(entries))
		}
	})
}

// FuzzParseRecordFast: ParseRecord's direct split reads every file it
// takes as encoding/csv does (same entries, same error).
func FuzzParseRecordFast(f *testing.F) {
	f.Add([]byte("a.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,3\n\nR,,\nx,,,extra\n"))
	f.Add([]byte("a.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,\n a,,\n,,\nb,sha512=x,1"))
	f.Add([]byte("a\n\nb,c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseRecord(data)
		want, werr := parseRecordCSV(data)
		if fmt.Sprint(err) != fmt.Sprint(werr) || !slices.Equal(got, want) {
			t.Fatalf("ParseRecord(%q) = %v, %v; encoding/csv reads %v, %v", data, got, err, want, werr)
		}
	})
}

// FuzzCheckRecordHash: checkRecordHash accepts exactly what
// decodeRecordHash decodes.
func FuzzCheckRecordHash(f *testing.F) {
	f.Add("sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+=")
	f.Add("sha384=" + strings.Repeat("_", 64))
	f.Add("md5=x")
	f.Fuzz(func(t *testing.T, s string) {
		_, _, want := decodeRecordHash(s)
		start := time.Now()
		got := checkRecordHash(s)
		budgettest.Check(t, len(s), start)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("checkRecordHash(%q) = %v, decodeRecordHash: %v", s, got, want)
		}
	})
}

func FuzzParseEntryPoints(f *testing.F) {
	f.Add([]byte("[console_scripts]\na = b:c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		ParseEntryPoints(data)
		budgettest.Check(t, len(data), start)
	})
}

// FuzzRewriteShebang: a rewritten script runs the given interpreter, on one
// "#!" line or through the /bin/sh trampoline, whose Python string only the
// trampoline's own quotes open and close; other scripts are left alone.
func FuzzRewriteShebang(f *testing.F) {
	f.Add([]byte("#!python -E\nprint(1)\n"), "/v/bin/python")
	f.Add([]byte("#!pythonw\t'''x'''\r\n"), "/a b/bin/python")
	f.Add([]byte("#!/bin/sh\n"), "/v/bin/python")
	f.Fuzz(func(t *testing.T, script []byte, python string) {
		if python == "" || strings.ContainsAny(python, "\x00\n\r") {
			return
		}
		start := time.Now()
		out := rewriteShebang(script, python)
		budgettest.Check(t, len(script)+len(python), start)
		if !bytes.HasPrefix(script, []byte("#!python")) {
			if !bytes.Equal(out, script) {
				t.Fatalf("changed a script without #!python: %q", out)
			}
			return
		}
		_, rest, _ := bytes.Cut(script, []byte("\n"))
		if !bytes.HasSuffix(out, rest) {
			t.Fatalf("body changed: %q", out)
		}
		head := string(out[:len(out)-len(rest)])
		switch {
		case strings.HasPrefix(head, "#!/bin/sh\n'''exec' "):
			if strings.Count(head, "'''") != 2 || !strings.HasSuffix(head, "\"$0\" \"$@\"\n' '''\n") {
				t.Fatalf("trampoline %q", head)
			}
		case strings.HasPrefix(head, "#!"+python):
			if strings.Count(head, "\n") != 1 || len(head) > maxShebang+1 {
				t.Fatalf("shebang %q", head)
			}
		default:
			t.Fatalf("does not run %q: %q", python, head)
		}
	})
}

// FormatRecord writes what encoding/csv writes, row for row.
func FuzzFormatRecord(f *testing.F) {
	f.Add("demo/a.py", "sha256=AAAA", int64(3), " lead", "", int64(-1))
	f.Add("a,b", "x\"y", int64(0), `\.`, "\u00a0nbsp", int64(12))
	f.Add("line\nbreak", "cr\r", int64(-1), "ok", "é", int64(7))
	f.Fuzz(func(t *testing.T, p1, h1 string, s1 int64, p2, h2 string, s2 int64) {
		entries := []RecordEntry{{Path: p1, Hash: h1, Size: s1}, {Path: p2, Hash: h2, Size: s2}}
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		for _, e := range entries {
			size := ""
			if e.Size >= 0 {
				size = strconv.FormatInt(e.Size, 10)
			}
			w.Write([]string{e.Path, e.Hash, size})
		}
		w.Flush()
		if got := FormatRecord(entries); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("FormatRecord = %q, encoding/csv = %q", got, want.Bytes())
		}
	})
}
