package reqfile

import (
	"strings"
	"testing"
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
	}
	for _, s := range seeds {
		f.Add(s)
	}
	files := map[string]string{"other.txt": "bar\n-r other.txt\n", "cons.txt": "bar<2\n"}
	opts := memFS(files, map[string]string{"TOKEN": "t"})
	f.Fuzz(func(t *testing.T, in string) {
		file, err := Parse("r.txt", []byte(in), opts)
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
