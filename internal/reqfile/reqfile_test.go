package reqfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var (
	h1 = "sha256:" + strings.Repeat("a", 64)
	h2 = "sha256:" + strings.Repeat("b", 64)
	h3 = "sha512:" + strings.Repeat("c", 128)
)

// memFS returns Options reading from files (paths with "/" separators) and
// an environment.
func memFS(files map[string]string, env map[string]string) Options {
	return Options{
		Getenv: func(k string) string { return env[k] },
		ReadFile: func(p string) ([]byte, error) {
			s, ok := files[filepath.ToSlash(p)]
			if !ok {
				return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
			}
			return []byte(s), nil
		},
	}
}

// summary is a comparable view of a requirement.
type summary struct {
	Text     string // Req.String() or Link
	Name     string
	Editable bool
	Hashes   string
	Extras   string
	Marker   string
	Line     int
}

func summarize(rs []Requirement) []summary {
	var out []summary
	for _, r := range rs {
		s := summary{Name: r.Name, Editable: r.Editable, Hashes: strings.Join(r.Hashes, " "), Extras: strings.Join(r.Extras, ","), Line: r.Origin.Line}
		if r.Req != nil {
			s.Text = r.Req.String()
		} else {
			s.Text = r.Link
		}
		if r.Marker != nil {
			s.Marker = r.Marker.String()
		}
		out = append(out, s)
	}
	return out
}

func TestParseRequirements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		env  map[string]string
		want []summary
	}{
		{"one pin", "requests==2.31.0\n", nil, []summary{{Text: "requests==2.31.0", Name: "requests", Line: 1}}},
		{"comments and blanks", "# top\n\nfoo  # trailing comment\n   # indented comment\n\tbar>=1\n", nil,
			[]summary{{Text: "foo", Name: "foo", Line: 3}, {Text: "bar>=1", Name: "bar", Line: 5}}},
		{"hash in comment only", "foo #--hash=sha256:zz\n", nil, []summary{{Text: "foo", Name: "foo", Line: 1}}},
		{"no trailing newline", "foo", nil, []summary{{Text: "foo", Name: "foo", Line: 1}}},
		{"crlf", "foo\r\nbar\r\n", nil, []summary{{Text: "foo", Name: "foo", Line: 1}, {Text: "bar", Name: "bar", Line: 2}}},
		{"bom", "\ufefffoo\n", nil, []summary{{Text: "foo", Name: "foo", Line: 1}}},
		{"extras specifier marker", `Requests[Socks, security] >= 2.0, < 3 ; python_version < "3.8" and sys_platform != 'win32'` + "\n", nil,
			[]summary{{Text: `Requests[Socks,security]<3,>=2.0; python_version < "3.8" and sys_platform != "win32"`, Name: "Requests", Extras: "Socks,security", Marker: `python_version < "3.8" and sys_platform != "win32"`, Line: 1}}},
		{"parenthesised specifier", "foo (>=1.0)\n", nil, []summary{{Text: "foo>=1.0", Name: "foo", Line: 1}}},
		{"pep 508 url", "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686\n", nil,
			[]summary{{Text: "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686", Name: "pip", Line: 1}}},
		{"pep 508 url with marker", "pkg @ https://x/pkg-1.0.tar.gz ; python_version >= '3'\n", nil,
			[]summary{{Text: `pkg @ https://x/pkg-1.0.tar.gz ; python_version >= "3"`, Name: "pkg", Marker: `python_version >= "3"`, Line: 1}}},
		{"pep 508 file url", "pkg @ file:///tmp/pkg\n", nil, []summary{{Text: "pkg @ file:///tmp/pkg", Name: "pkg", Line: 1}}},
		{"bare vcs url with egg", "git+https://github.com/org/repo.git@v1.0#egg=my_pkg&subdirectory=src\n", nil,
			[]summary{{Text: "git+https://github.com/org/repo.git@v1.0#egg=my_pkg&subdirectory=src", Name: "my_pkg", Line: 1}}},
		{"egg fragment not a comment", "https://x/a.zip#egg=a\n", nil, []summary{{Text: "https://x/a.zip#egg=a", Name: "a", Line: 1}}},
		{"egg with extras", "git+https://x/r.git#egg=pkg[a,b]\n", nil, []summary{{Text: "git+https://x/r.git#egg=pkg[a,b]", Name: "pkg", Extras: "a,b", Line: 1}}},
		{"bare url with sha fragment and comment", "https://x/a-1.0.tar.gz#sha256=abc # note\n", nil, []summary{{Text: "https://x/a-1.0.tar.gz#sha256=abc", Line: 1}}},
		{"bare url marker needs space", "https://x/a.whl; python_version < '3'\n", nil,
			[]summary{{Text: "https://x/a.whl", Marker: `python_version < "3"`, Line: 1}}},
		{"bare url semicolon in url", "https://x/a;b.whl\n", nil, []summary{{Text: "https://x/a;b.whl", Line: 1}}},
		{"local wheel path", "./dist/foo-1.0-py3-none-any.whl\n", nil, []summary{{Text: "./dist/foo-1.0-py3-none-any.whl", Line: 1}}},
		{"archive without slash", "foo-1.0.tar.gz\n", nil, []summary{{Text: "foo-1.0.tar.gz", Line: 1}}},
		{"dot with extras", ".[dev, test]\n", nil, []summary{{Text: ".", Extras: "dev,test", Line: 1}}},
		{"path with marker", "../lib;sys_platform=='linux'\n", nil, []summary{{Text: "../lib", Marker: `sys_platform == "linux"`, Line: 1}}},
		{"absolute path", "/opt/src/pkg\n", nil, []summary{{Text: "/opt/src/pkg", Line: 1}}},
		{"windows path", `C:\src\pkg` + "\n", nil, []summary{{Text: `C:\src\pkg`, Line: 1}}},
		{"hashes on one line", "foo==1.0 --hash=" + h1 + " --hash " + h2 + "\n", nil, []summary{{Text: "foo==1.0", Name: "foo", Hashes: h1 + " " + h2, Line: 1}}},
		{"pip-compile hashed form", "# via x\nfoo==1.0 \\\n    --hash=" + h1 + " \\\n    --hash=" + h3 + "\n    # via bar\nbaz==2\n", nil,
			[]summary{{Text: "foo==1.0", Name: "foo", Hashes: h1 + " " + h3, Line: 2}, {Text: "baz==2", Name: "baz", Line: 6}}},
		{"upper-case hash digest", "foo --hash=sha256:" + strings.Repeat("A", 64) + "\n", nil, []summary{{Text: "foo", Name: "foo", Hashes: h1[:7] + strings.Repeat("a", 64), Line: 1}}},
		{"continuation joined without space", "foo\\\n==1.0\n", nil, []summary{{Text: "foo==1.0", Name: "foo", Line: 1}}},
		{"continuation at end of file", "foo==1.0 \\", nil, []summary{{Text: "foo==1.0", Name: "foo", Line: 1}}},
		{"comment line ends continuation", "foo \\\n# comment\nbar\n", nil, []summary{{Text: "foo", Name: "foo", Line: 1}, {Text: "bar", Name: "bar", Line: 3}}},
		{"backslash in comment is not continuation", "# comment \\\nfoo\n", nil, []summary{{Text: "foo", Name: "foo", Line: 2}}},
		{"env var", "pkg @ https://${TOKEN}@example.com/pkg.whl\n", map[string]string{"TOKEN": "s3cr3t"},
			[]summary{{Text: "pkg @ https://s3cr3t@example.com/pkg.whl", Name: "pkg", Line: 1}}},
		{"env var unset left alone", "https://${NOPE}/a.whl\n", nil, []summary{{Text: "https://${NOPE}/a.whl", Line: 1}}},
		{"lower-case env var not expanded", "https://${token}/a.whl\n", map[string]string{"token": "x"}, []summary{{Text: "https://${token}/a.whl", Line: 1}}},
		{"dollar without braces not expanded", "https://$TOKEN/a.whl\n", map[string]string{"TOKEN": "x"}, []summary{{Text: "https://$TOKEN/a.whl", Line: 1}}},
		{"env var in version", "foo==${VER}\n", map[string]string{"VER": "1.2"}, []summary{{Text: "foo==1.2", Name: "foo", Line: 1}}},
		{"editable dot", "-e .\n", nil, []summary{{Text: ".", Editable: true, Line: 1}}},
		{"editable long form", "--editable=./pkg[dev]\n", nil, []summary{{Text: "./pkg", Editable: true, Extras: "dev", Line: 1}}},
		{"editable vcs", "-e git+https://github.com/org/repo.git#egg=repo\n", nil, []summary{{Text: "git+https://github.com/org/repo.git#egg=repo", Name: "repo", Editable: true, Line: 1}}},
		{"editable attached", "-e./src\n", nil, []summary{{Text: "./src", Editable: true, Line: 1}}},
		{"config settings tolerated", "foo --config-settings=--build-option=--x --config-settings 'key=a b'\n", nil, []summary{{Text: "foo", Name: "foo", Line: 1}}},
		{"tab separated hash", "foo\t--hash=" + h1 + "\n", nil, []summary{{Text: "foo", Name: "foo", Hashes: h1, Line: 1}}},
		{"name that is also a path char", "zope.interface>=5\n", nil, []summary{{Text: "zope.interface>=5", Name: "zope.interface", Line: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("requirements.txt", []byte(tt.in), memFS(nil, tt.env))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := summarize(f.Requirements)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			for _, r := range f.Requirements {
				if r.Origin.File != "requirements.txt" {
					t.Errorf("origin file %q", r.Origin.File)
				}
			}
		})
	}
}

func TestRawKeepsVariables(t *testing.T) {
	f, err := Parse("r.txt", []byte("foo @ https://${TOKEN}@x/foo.whl --hash="+h1+"\n"), memFS(nil, map[string]string{"TOKEN": "secret"}))
	if err != nil {
		t.Fatal(err)
	}
	r := f.Requirements[0]
	if r.Raw != "foo @ https://${TOKEN}@x/foo.whl" || r.Link != "https://secret@x/foo.whl" {
		t.Errorf("Raw %q Link %q", r.Raw, r.Link)
	}
	s, err := r.Format()
	if err != nil || strings.Contains(s, "secret") {
		t.Errorf("Format = %q, %v: the expanded secret must not be written", s, err)
	}
}

func TestOptions(t *testing.T) {
	in := `
-i https://pypi.example/simple
--index-url=https://${HOST}/simple
--extra-index-url https://extra.example/simple
--extra-index https://extra2.example/simple
--extra-index-url=https://extra.example/simple
-f ./wheels
--find-links=https://links.example/
-fhttps://attached.example/
--trusted-host extra.example --trusted-host=links.example
--no-index
--pre
--prefer-binary
--require-hashes
--only-binary :all:
--no-binary=lxml,pillow
--use-feature=truststore
`
	f, err := Parse("r.txt", []byte(in), memFS(nil, map[string]string{"HOST": "mirror.example"}))
	if err != nil {
		t.Fatal(err)
	}
	if f.IndexURL != "https://mirror.example/simple" {
		t.Errorf("IndexURL = %q (last -i wins)", f.IndexURL)
	}
	check := func(name string, got, want []string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	check("ExtraIndexURLs", f.ExtraIndexURLs, []string{"https://extra.example/simple", "https://extra2.example/simple"})
	check("FindLinks", f.FindLinks, []string{"./wheels", "https://links.example/", "https://attached.example/"})
	check("TrustedHosts", f.TrustedHosts, []string{"extra.example", "links.example"})
	check("OnlyBinary", f.OnlyBinary, []string{":all:"})
	check("NoBinary", f.NoBinary, []string{"lxml,pillow"})
	if !f.NoIndex || !f.Pre || !f.PreferBinary || !f.RequireHashes {
		t.Errorf("flags: %+v", f)
	}
	if len(f.Options) != 17 {
		t.Errorf("%d options recorded, want 17", len(f.Options))
	}
	o := f.Options[1]
	if o.Name != "index-url" || o.Raw != "https://${HOST}/simple" || o.Value != "https://mirror.example/simple" || o.Origin != (Origin{"r.txt", 3}) {
		t.Errorf("Options[1] = %+v", o)
	}
}

func TestIncludes(t *testing.T) {
	files := map[string]string{
		"proj/requirements.txt":     "-r base.txt\n--requirement=sub/dev.txt\n-c constraints.txt\ntop\n",
		"proj/base.txt":             "base1\n-i https://base.example/simple\n",
		"proj/sub/dev.txt":          "-r ../base.txt\ndev1 # from sub\n",
		"proj/constraints.txt":      "base1<2\n-r constraint-reqs.txt\n-c more-constraints.txt\n",
		"proj/constraint-reqs.txt":  "fromc\n",
		"proj/more-constraints.txt": "dev1==3\n",
	}
	f, err := ParseFile(context.Background(), "proj/requirements.txt", memFS(files, nil))
	if err != nil {
		t.Fatal(err)
	}
	var reqs, cons []string
	for _, r := range f.Requirements {
		reqs = append(reqs, fmt.Sprintf("%s@%s", r.Req, r.Origin))
	}
	for _, r := range f.Constraints {
		cons = append(cons, fmt.Sprintf("%s@%s", r.Req, r.Origin))
	}
	wantReqs := []string{
		"base1@proj/base.txt:1",
		"base1@proj/base.txt:1", // included again through sub/dev.txt: a diamond is not a cycle
		"dev1@proj/sub/dev.txt:2",
		"fromc@proj/constraint-reqs.txt:1", // pip: -r inside a constraints file gives requirements
		"top@proj/requirements.txt:4",
	}
	wantCons := []string{"base1<2@proj/constraints.txt:1", "dev1==3@proj/more-constraints.txt:1"}
	if !reflect.DeepEqual(reqs, wantReqs) {
		t.Errorf("requirements = %q\nwant %q", reqs, wantReqs)
	}
	if !reflect.DeepEqual(cons, wantCons) {
		t.Errorf("constraints = %q\nwant %q", cons, wantCons)
	}
	if f.IndexURL != "https://base.example/simple" {
		t.Errorf("IndexURL from nested file = %q", f.IndexURL)
	}
	if len(f.Files) != 7 || f.Files[0] != "proj/requirements.txt" {
		t.Errorf("Files = %q", f.Files)
	}
}

func TestIncludeErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
		cycle bool
	}{
		{"self include", map[string]string{"a.txt": "foo\n-r a.txt\n"}, "a.txt:2:4: include cycle a.txt -> a.txt: requirements file includes itself", true},
		{"indirect cycle", map[string]string{"a.txt": "-r d/b.txt\n", "d/b.txt": "-c ../a.txt\n"}, "d/b.txt:1:4: include cycle a.txt -> d/b.txt -> a.txt", true},
		{"cycle through ./ spelling", map[string]string{"a.txt": "-r ./x/../a.txt\n"}, "requirements file includes itself", true},
		{"missing include", map[string]string{"a.txt": "foo\n\n-r nope.txt\n"}, "a.txt:3:4: cannot read d/nope.txt", false},
		{"remote include", map[string]string{"a.txt": "-r https://example.com/r.txt\n"}, "a.txt:1:4: remote requirements file", false},
		{"error in included file", map[string]string{"a.txt": "-r b.txt\n", "b.txt": "ok\nbad==\n"}, "b.txt:2:4: invalid requirement", false},
		{"file url to remote host", map[string]string{"a.txt": "-r file://host/r.txt\n"}, "names a remote host", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile(context.Background(), "a.txt", memFS(tt.files, nil))
			if err == nil {
				t.Fatal("no error")
			}
			msg := strings.ReplaceAll(err.Error(), "d/nope", "nope")
			want := strings.ReplaceAll(tt.want, "d/nope", "nope")
			if !strings.Contains(msg, want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
			if errors.Is(err, ErrCycle) != tt.cycle {
				t.Errorf("errors.Is(err, ErrCycle) = %v", !tt.cycle)
			}
		})
	}
}

func TestIncludeDepthLimit(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < MaxIncludeDepth+5; i++ {
		files[fmt.Sprintf("f%d.txt", i)] = fmt.Sprintf("-r f%d.txt\n", i+1)
	}
	_, err := ParseFile(context.Background(), "f0.txt", memFS(files, nil))
	if err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("err = %v", err)
	}
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ParseFile(ctx, "a.txt", memFS(map[string]string{"a.txt": "foo\n"}, nil))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // file:line:col: message prefix
	}{
		{"unknown long option", "foo\n--frobnicate\n", "r.txt:2:1: unknown option --frobnicate"},
		{"unknown short option", "-x foo\n", "r.txt:1:1: unknown option -x"},
		{"removed pip option", "--install-option=--prefix\n", "r.txt:1:1: unknown option --install-option"},
		{"ambiguous prefix", "--no x\n", "r.txt:1:1: ambiguous option --no (could be --no-index, --no-binary)"},
		{"flag with value", "--pre=yes\n", "r.txt:1:1: option --pre takes no value"},
		{"missing value", "foo\n  --index-url\n", "r.txt:2:14: option --index-url needs a value"},
		{"stray argument after options", "--pre foo\n", `r.txt:1:7: expected an option, found "foo"`},
		{"hash without requirement", "--hash=" + h1 + "\n", "r.txt:1:1: --hash must follow a requirement"},
		{"bad hash algorithm", "foo --hash=md5:d41d8cd98f00b204e9800998ecf8427e\n", `r.txt:1:12: --hash algorithm "md5" is not allowed`},
		{"short hash", "foo --hash=sha256:abc\n", "r.txt:1:12: --hash sha256 digest has 3 characters, want 64"},
		{"non-hex hash", "foo --hash=sha256:" + strings.Repeat("g", 64) + "\n", "is not hexadecimal"},
		{"hash without algorithm", "foo --hash " + strings.Repeat("a", 64) + "\n", "r.txt:1:12: --hash value"},
		{"hash on continuation line", "foo==1 \\\n    --hash=sha256:zz\n", "r.txt:2:12: --hash sha256 digest"},
		{"option after requirement", "foo --index-url https://x\n", "r.txt:1:5: option --index-url is not allowed after a requirement"},
		{"invalid specifier column", "ok\n  foo >= 1.0 ,, <\n", "r.txt:2:7: invalid requirement"},
		{"invalid name", "!foo\n", "r.txt:1:1: invalid requirement"},
		{"bad marker on pep 508", "foo; python_version >> '3'\n", "r.txt:1:"},
		{"bad marker on url", "https://x/a.whl; python_verson < '3'\n", "r.txt:1:18: invalid marker"},
		{"bad path extras", "./pkg[a b]\n", "r.txt:1:6: invalid extras"},
		{"bad egg", "git+https://x/r.git#egg=-bad-\n", "invalid #egg= fragment"},
		{"editable plain name", "-e requests\n", `r.txt:1:4: editable requirement "requests" must be a local path or a VCS URL`},
		{"editable with hash", "-e . --hash=" + h1 + "\n", "r.txt:1:6: --hash cannot be used with an editable requirement"},
		{"unclosed quote", "foo --config-settings 'a=b\n", "r.txt:1:23: unclosed single quote"},
		{"config settings without equals", "foo --config-settings novalue\n", "is not KEY=VALUE"},
		{"tab column", "\tfoo --bad\n", "r.txt:1:6: unknown option --bad"},
		{"column after stripped backslash", "\\\\foo --bad\n", "r.txt:1:"},
		{"url without host", "https://; python_version < '3'\n", `r.txt:1:1: invalid URL "https://": no host`},
		{"url with only userinfo", "git+ssh://git@/repo.git\n", `r.txt:1:1: invalid URL "git+ssh://git@/repo.git": no host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("r.txt", []byte(tt.in), memFS(nil, nil))
			if err == nil {
				if tt.want == "" {
					return
				}
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "r.txt" || e.Line == 0 {
				t.Errorf("err = %#v, want *Error with file and line", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q\nwant   %q", err, tt.want)
			}
		})
	}
}

func TestFormatRoundTrip(t *testing.T) {
	in := `# a comment
-i https://${USER}:${PASS}@pypi.example/simple
--extra-index-url https://extra.example/simple
--find-links ./wheels
--trusted-host extra.example
--only-binary :all:
--no-binary lxml
--pre
--prefer-binary
--require-hashes
--no-index
requests[socks] >= 2.0 ; python_version >= "3.8"
pkg @ https://x/pkg-1.0.tar.gz
git+https://github.com/org/repo.git@v1#egg=repo
./local/pkg[dev]; sys_platform == "linux"
https://x/a.whl; python_version < "3.9"
-e ./editable
foo==1.0 \
    --hash=` + h1 + ` \
    --hash=` + h2 + `
bar==2 --config-settings "key=a value"
`
	opts := memFS(nil, map[string]string{"USER": "u", "PASS": "p"})
	f1, err := Parse("r.txt", []byte(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Format(f1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "u:p@") {
		t.Errorf("expanded credentials written:\n%s", out)
	}
	if !strings.Contains(string(out), "foo==1.0 \\\n    --hash="+h1+" \\\n    --hash="+h2+"\n") {
		t.Errorf("not in pip-compile hashed form:\n%s", out)
	}
	f2, err := Parse("r.txt", out, opts)
	if err != nil {
		t.Fatalf("Parse(Format): %v\n%s", err, out)
	}
	strip := func(rs []Requirement) []summary {
		s := summarize(rs)
		for i := range s {
			s[i].Line = 0
		}
		return s
	}
	if !reflect.DeepEqual(strip(f1.Requirements), strip(f2.Requirements)) {
		t.Errorf("requirements differ:\n%+v\n%+v\n%s", strip(f1.Requirements), strip(f2.Requirements), out)
	}
	for i := range f1.Requirements {
		if !reflect.DeepEqual(f1.Requirements[i].ConfigSettings, f2.Requirements[i].ConfigSettings) || f1.Requirements[i].Raw != f2.Requirements[i].Raw {
			t.Errorf("requirement %d differs: %+v vs %+v", i, f1.Requirements[i], f2.Requirements[i])
		}
	}
	if f1.IndexURL != f2.IndexURL || !reflect.DeepEqual(f1.ExtraIndexURLs, f2.ExtraIndexURLs) || !reflect.DeepEqual(f1.FindLinks, f2.FindLinks) ||
		!reflect.DeepEqual(f1.TrustedHosts, f2.TrustedHosts) || !reflect.DeepEqual(f1.OnlyBinary, f2.OnlyBinary) || !reflect.DeepEqual(f1.NoBinary, f2.NoBinary) ||
		f1.Pre != f2.Pre || f1.NoIndex != f2.NoIndex || f1.PreferBinary != f2.PreferBinary || f1.RequireHashes != f2.RequireHashes {
		t.Errorf("options differ:\n%+v\n%+v", f1, f2)
	}
	// Formatting is stable.
	out2, err := Format(f2)
	if err != nil || string(out2) != string(out) {
		t.Errorf("second Format differs:\n%s\n---\n%s", out, out2)
	}
}

func TestFormatErrors(t *testing.T) {
	if _, err := Format(&File{Constraints: []Requirement{{Raw: "x"}}}); !errors.Is(err, ErrConstraintsInline) {
		t.Errorf("constraints: %v", err)
	}
	tests := []struct {
		name string
		r    Requirement
	}{
		{"newline", Requirement{Raw: "foo\n--index-url=https://evil"}},
		{"option injection", Requirement{Raw: "--index-url=https://evil"}},
		{"comment", Requirement{Raw: "foo # x"}},
		{"continuation", Requirement{Raw: `foo \`}},
		{"bad hash", Requirement{Raw: "foo", Hashes: []string{"md5:00"}}},
		{"empty", Requirement{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := tt.r.Format(); err == nil {
				t.Errorf("Format = %q, want error", s)
			}
		})
	}
}

func TestFormatFromReq(t *testing.T) {
	f, err := Parse("r.txt", []byte("Foo [b,a] (>=1) ; extra == 'X'\n"), memFS(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	r := f.Requirements[0]
	r.Raw = "" // as if built by the locker
	r.Hashes = []string{h1}
	s, err := r.Format()
	want := "Foo[a,b]>=1; extra == \"x\" \\\n    --hash=" + h1
	if err != nil || s != want {
		t.Errorf("Format = %q, %v; want %q", s, err, want)
	}
}

func TestConstraintRules(t *testing.T) {
	tests := []struct {
		name string
		cons string
		want string
	}{
		{"named pin ok", "foo==1\nbar<2 ; python_version < '3.9'\n", ""},
		{"extras", "foo[x]==1\n", "c.txt:1:1: constraints cannot have extras"},
		{"unnamed path", "./pkg\n", "c.txt:1:1: unnamed requirements are not allowed as constraints"},
		{"named url ok", "git+https://x/r.git#egg=r\n", ""},
		{"editable", "-e ./pkg\n", "c.txt:1:1: editable requirements are not allowed as constraints"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"r.txt": "-c c.txt\n", "c.txt": tt.cons}
			_, err := ParseFile(context.Background(), "r.txt", memFS(files, nil))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFormatControl(t *testing.T) {
	tests := []struct {
		in  string
		err bool
	}{
		{"--only-binary :all:", false},
		{"--only-binary=:none:", false},
		{"--no-binary lxml,Pillow", false},
		{"--no-binary :all:,lxml", false},
		{"--no-binary 'bad name'", true},
		{"--only-binary lxml,,x", true},
		{"--only-binary all", false}, // a project called "all"
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse("r.txt", []byte(tt.in+"\n"), memFS(nil, nil))
			if (err != nil) != tt.err {
				t.Errorf("err = %v, want error %v", err, tt.err)
			}
		})
	}
}

func TestCheckHashes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		mode bool
		errs []string
	}{
		{"no hashes, no mode", "foo>=1\n-e .\n", false, nil},
		{"all pinned and hashed", "foo==1.0 --hash=" + h1 + "\nbar===2 --hash=" + h2 + "\n", true, nil},
		{"one hash turns the mode on", "foo==1.0 --hash=" + h1 + "\nbar==2\n", true, []string{"r.txt:2: bar==2: hash-checking mode needs a --hash"}},
		{"require-hashes flag", "--require-hashes\nfoo==1.0\n", true, []string{"r.txt:2: foo==1.0: hash-checking mode needs a --hash"}},
		{"unpinned", "--require-hashes\nfoo>=1.0 --hash=" + h1 + "\nbar==1.* --hash=" + h1 + "\n", true, []string{
			"r.txt:2: foo>=1.0: hash-checking mode needs an exact pin",
			"r.txt:3: bar==1.*: hash-checking mode needs an exact pin"}},
		{"url needs hash, not pin", "--require-hashes\nhttps://x/a-1.0.tar.gz --hash=" + h1 + "\nhttps://x/b.whl\n", true, []string{
			"r.txt:3: https://x/b.whl: hash-checking mode needs a --hash"}},
		{"editable", "--require-hashes\n-e .\n", true, []string{"r.txt:2: .: editable requirements cannot be hash-checked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("r.txt", []byte(tt.in), memFS(nil, nil))
			if err != nil {
				t.Fatal(err)
			}
			if f.HashMode() != tt.mode {
				t.Errorf("HashMode = %v", !tt.mode)
			}
			err = f.CheckHashes()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if len(got) != len(tt.errs) {
				t.Fatalf("errors = %q, want %q", got, tt.errs)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.errs[i]) {
					t.Errorf("error %d = %q, want prefix %q", i, got[i], tt.errs[i])
				}
			}
		})
	}
}

func TestPipCompileOutput(t *testing.T) {
	f, err := ParseFile(context.Background(), "testdata/pip-compile.txt", Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range f.Requirements {
		got = append(got, fmt.Sprintf("%s %d %s", r.Req, len(r.Hashes), r.Origin))
	}
	want := []string{
		"certifi==2024.2.2 3 testdata/pip-compile.txt:11",
		"charset-normalizer==3.3.2 3 testdata/pip-compile.txt:16",
		"idna==3.6 3 testdata/pip-compile.txt:21",
		"requests==2.31.0 3 testdata/pip-compile.txt:26",
		"urllib3==2.2.1 3 testdata/pip-compile.txt:31",
		`tomli==2.0.1; python_version < "3.11" 1 testdata/pip-compile.txt:36`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if f.IndexURL != "https://pypi.org/simple" || !reflect.DeepEqual(f.ExtraIndexURLs, []string{"https://${PRIVATE_TOKEN}@pkgs.example.com/simple"}) {
		t.Errorf("indexes %q %q", f.IndexURL, f.ExtraIndexURLs)
	}
	if !f.HashMode() || f.CheckHashes() != nil {
		t.Errorf("hash mode %v, CheckHashes %v", f.HashMode(), f.CheckHashes())
	}
	// Format keeps the hashed layout.
	out, err := Format(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "idna==3.6 \\\n    --hash=sha256:") {
		t.Errorf("Format lost the hashed layout:\n%s", out)
	}
}

func TestFormatFromLink(t *testing.T) {
	in := "./pkg[a,b] ; sys_platform == 'linux'\nhttps://x/a-1.0.tar.gz#egg=a ; python_version < '3.9'\n-e git+https://x/r.git#egg=r\n"
	f, err := Parse("r.txt", []byte(in), memFS(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Requirements {
		f.Requirements[i].Raw = "" // as if built by a program
	}
	out, err := Format(f)
	if err != nil {
		t.Fatal(err)
	}
	want := "./pkg[a,b]; sys_platform == \"linux\"\nhttps://x/a-1.0.tar.gz#egg=a; python_version < \"3.9\"\n-e git+https://x/r.git#egg=r\n"
	if string(out) != want {
		t.Errorf("Format =\n%s\nwant\n%s", out, want)
	}
	f2, err := Parse("r.txt", out, memFS(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	a, b := summarize(f.Requirements), summarize(f2.Requirements)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("round trip:\n%+v\n%+v", a, b)
	}
}
