package reqfile

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// FuzzParse checks that no input panics, that every error names the file
// and a line, and that whatever parses can be formatted and parsed back to
// the same requirements.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"requests[socks]>=2.0; python_version >= '3.8'\n",
		"-r other.txt\n-c cons.txt\n-e .\n",
		"foo==1.0 \\\n    --hash=sha256:" + strings.Repeat("a", 64) + "\n",
		"-i https://${TOKEN}@x/simple\n--extra-index-url=https://y\n--pre --no-index\n",
		"git+https://x/r.git#egg=r\n./p[a]; sys_platform == 'linux'\nhttps://x/a.whl; python_version < '3'\n",
		"# c \\\nfoo # x\n\\\\bar\n",
		"foo --config-settings 'a=b c'\n",
		"\xff\xfef\x00o\x00o\x00\n\x00",
		"\xfe\xff\x00f\x00o\x00o\x00\n",
		"# -*- coding: latin-1 -*-\nfoo # caf\xe9\n",
		"foo\x00\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	files := map[string]string{"other.txt": "bar\n-r other.txt\n", "cons.txt": "bar<2\n"}
	opts := memFS(files, map[string]string{"TOKEN": "t"})
	f.Fuzz(func(t *testing.T, in string) {
		start := time.Now()
		file, err := Parse("r.txt", []byte(in), opts)
		budgettest.Check(t, len(in), start)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "r.txt:") && !strings.HasPrefix(err.Error(), "other.txt:") && !strings.HasPrefix(err.Error(), "cons.txt:") {
				t.Fatalf("error without file: %v", err)
			}
			return
		}
		file.Constraints = nil
		out, err := Format(file)
		if err != nil {
			return
		}
		again, err := Parse("r.txt", out, opts)
		if err != nil {
			t.Fatalf("Parse(Format(f)): %v\ninput %q\noutput %q", err, in, out)
		}
		a, b := summarize(file.Requirements), summarize(again.Requirements)
		if len(a) != len(b) {
			t.Fatalf("round trip: %d requirements became %d\ninput %q\noutput %q", len(a), len(b), in, out)
		}
		for i := range a {
			a[i].Line, b[i].Line = 0, 0
			if a[i] != b[i] {
				t.Fatalf("round trip: %+v became %+v\ninput %q\noutput %q", a[i], b[i], in, out)
			}
		}
	})
}

// FuzzDecode checks that decoding never panics and that accepted text is
// UTF-8 without NUL bytes or over-long lines.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"foo\n", "\xef\xbb\xbffoo", "\xff\xfef\x00", "\xfe\xff\x00f", "#coding=cp1252\n\x80", "# coding: klingon\n", "\x00", "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		text, err := decode("r.txt", data)
		budgettest.Check(t, len(data), start)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "r.txt") || len(err.Error()) > 4*MaxQuote {
				t.Fatalf("bad error: %v", err)
			}
			return
		}
		if !utf8.ValidString(text) || strings.IndexByte(text, 0) >= 0 {
			t.Fatalf("accepted binary text %q", text)
		}
	})
}
