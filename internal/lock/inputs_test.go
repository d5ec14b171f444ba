package lock

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	reqIn := write("requirements.in", "--index-url https://i/simple/\n--pre\nfoo>=1\n-c cons.txt\n")
	write("cons.txt", "bar<2\n")
	plain := write("more.txt", "baz\n")
	editable := write("edit.txt", "-e git+https://example.com/foo.git#egg=foo\n")
	bare := write("bare.txt", "https://example.com/x.whl\n")
	pyproj := write("proj/pyproject.toml", "[project]\nname = \"p\"\nversion = \"1\"\nrequires-python = \">=3.10\"\n"+
		"dependencies = [\"qux\"]\n[project.optional-dependencies]\nx = [\"extra-dep\"]\n[tool.pyward]\nindex = \"https://t/simple/\"\n")
	cfile := write("c.txt", "foo<3\n")
	tests := []struct {
		name    string
		args    []string
		opts    InputOptions
		want    string
		wantErr []string
	}{
		{name: "requirement string", args: []string{"requests>=2"}, want: "reqs=[requests>=2@command line]"},
		{name: "requirements.in", args: []string{reqIn},
			want: fmt.Sprintf("reqs=[foo>=1@-r %s] cons=[bar<2] sources=[%s i=https://i/simple/] pre out=%s", reqIn, reqIn, strings.TrimSuffix(reqIn, ".in")+".txt")},
		{name: "plain .txt has no default output", args: []string{plain, "x==1"}, want: fmt.Sprintf("reqs=[baz@-r %s x==1@command line] sources=[%s i=]", plain, plain)},
		{name: "pyproject with extras", args: []string{pyproj}, opts: InputOptions{Extras: []string{"x"}},
			want: fmt.Sprintf("reqs=[qux@%s extra-dep@%s] sources=[%s i=https://t/simple/] py=>=3.10", pyproj, pyproj, pyproj)},
		{name: "constraint files", args: []string{"foo"}, opts: InputOptions{ConstraintFiles: []string{cfile}}, want: "reqs=[foo@command line] cons=[foo<3]"},
		{name: "editable", args: []string{editable}, wantErr: []string{editable + ":1: cannot lock"}},
		{name: "bare URL", args: []string{bare}, wantErr: []string{bare, "no project name"}},
		{name: "every bad argument", args: []string{"missing/r.txt", "not a req!", "ok"},
			wantErr: []string{"missing/r.txt: no such file", `"not a req!" is neither a file nor a requirement`}},
		{name: "missing constraint file", args: []string{"foo"}, opts: InputOptions{ConstraintFiles: []string{filepath.Join(dir, "nope.txt")}},
			wantErr: []string{"nope.txt"}},
		{name: "nothing to lock", args: []string{write("empty.txt", "# nothing\n")}, wantErr: []string{"lock: no requirements to lock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := ReadInputs(context.Background(), tt.args, tt.opts)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, want one containing %q", tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var reqs, cons, srcs []string
			for _, r := range in.Requirements {
				reqs = append(reqs, r.Req.String()+"@"+r.Origin)
			}
			for _, c := range in.Constraints {
				cons = append(cons, c.String())
			}
			for _, s := range in.Sources {
				srcs = append(srcs, s.Origin+" i="+s.IndexURL)
			}
			parts := []string{fmt.Sprintf("reqs=%v", reqs)}
			if len(cons) > 0 {
				parts = append(parts, fmt.Sprintf("cons=%v", cons))
			}
			if len(srcs) > 0 {
				parts = append(parts, fmt.Sprintf("sources=%v", srcs))
			}
			if in.Pre {
				parts = append(parts, "pre")
			}
			if in.RequiresPython != "" {
				parts = append(parts, "py="+in.RequiresPython)
			}
			if in.DefaultOutput != "" {
				parts = append(parts, "out="+in.DefaultOutput)
			}
			if got := strings.Join(parts, " "); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
