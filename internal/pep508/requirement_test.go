package pep508

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/pep440"
)

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in        string
		name      string
		extras    []string
		specifier string
		url       string
		marker    string
		str       string
	}{
		{"requests", "requests", nil, "", "", "", "requests"},
		{" Requests_Oauthlib ", "Requests_Oauthlib", nil, "", "", "", "Requests_Oauthlib"},
		{"name[b,a,b]", "name", []string{"b", "a"}, "", "", "", "name[a,b]"},
		{"name[Foo, foo]", "name", []string{"Foo", "foo"}, "", "", "", "name[Foo,foo]"},
		{"name >= 1.0 , < 2", "name", nil, "<2,>=1.0", "", "", "name<2,>=1.0"},
		{"name (== 1.*)", "name", nil, "==1.*", "", "", "name==1.*"},
		{"name ===foo;os_name=='nt'", "name", nil, "===foo", "", `os_name == "nt"`, `name===foo; os_name == "nt"`},
		{"name==1.0+local", "name", nil, "==1.0+local", "", "", "name==1.0+local"},
		{"name~=1.4.post2", "name", nil, "~=1.4.post2", "", "", "name~=1.4.post2"},
		{"name @ git+https://github.com/o/r.git@v1.0#egg=name", "name", nil, "", "git+https://github.com/o/r.git@v1.0#egg=name", "", "name @ git+https://github.com/o/r.git@v1.0#egg=name"},
		{"name[x]@file:///tmp/a;b.whl\t;\textra=='X'", "name", []string{"x"}, "", "file:///tmp/a;b.whl", `extra == "x"`, `name[x] @ file:///tmp/a;b.whl ; extra == "x"`},
		{"name@ http://h/p.zip ", "name", nil, "", "http://h/p.zip", "", "name @ http://h/p.zip"},
		{"name; python_version<'3.8' or (os_name=='nt' and extra=='A.B')", "name", nil, "", "", `python_version < "3.8" or (os_name == "nt" and extra == "a-b")`, `name; python_version < "3.8" or (os_name == "nt" and extra == "a-b")`},
	}
	for _, tt := range tests {
		r, err := ParseRequirement(tt.in)
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", tt.in, err)
			continue
		}
		if r.Name != tt.name || !slices.Equal(r.Extras, tt.extras) || r.Specifier.String() != tt.specifier ||
			r.URL != tt.url || r.Marker.String() != tt.marker || r.String() != tt.str {
			t.Errorf("ParseRequirement(%q) = {%q %q %q %q %q} %q, want {%q %q %q %q %q} %q", tt.in,
				r.Name, r.Extras, r.Specifier.String(), r.URL, r.Marker.String(), r.String(),
				tt.name, tt.extras, tt.specifier, tt.url, tt.marker, tt.str)
		}
		if (tt.marker == "") != (r.Marker == nil) {
			t.Errorf("ParseRequirement(%q): marker presence wrong", tt.in)
		}
	}
}

func TestParseRequirementErrors(t *testing.T) {
	tests := []struct {
		in     string
		column int
		msg    string
	}{
		{"", 1, "expected package name"},
		{"  -name", 3, "expected package name"},
		{"name[bar baz]", 10, "expected comma between extra names"},
		{"name[bar,]", 10, "expected extra name after comma"},
		{"name[bar", 5, "expected matching ']'"},
		{"name (>=1.0", 6, "expected matching ')'"},
		{"name>=1.0 <2", 5, "expected comma (within version specifier)"},
		{"name 1.0", 6, "expected semicolon (after name with no version specifier)"},
		{"name>=1.0.*", 5, ".* suffix can only be used with `==` or `!=`"},
		{"name==1.0.post1.*", 5, ".* suffix cannot be used"},
		{"name>=1.0+local", 5, "local version label can only be used"},
		{"name @ ", 8, "expected URL after @"},
		{"name @ https://x/y.whl; extra == 'a'", 8, "expected semicolon (after URL and whitespace)"},
		{"name; os_name == 'nt'\n", 22, "expected end of dependency specifier"},
		{"name; os_name = 'nt'", 15, "expected marker operator"},
		{"name===x,y", 5, "invalid specifier"},
	}
	for _, tt := range tests {
		_, err := ParseRequirement(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseRequirement(%q) error = %v, want *ParseError", tt.in, err)
			continue
		}
		if pe.Column() != tt.column || !strings.Contains(pe.Msg, tt.msg) || pe.Input != tt.in {
			t.Errorf("ParseRequirement(%q) error = %q at column %d, want %q at column %d", tt.in, pe.Msg, pe.Column(), tt.msg, tt.column)
		}
	}
	// A bad specifier keeps pep440's error in the chain.
	_, err := ParseRequirement("name===x,y")
	var spe *pep440.ParseError
	if !errors.As(err, &spe) {
		t.Errorf("ParseRequirement(%q) error %v does not wrap *pep440.ParseError", "name===x,y", err)
	}
}

func TestRequirementEqual(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{"Foo.Bar[X_y]>=1.0", "foo-bar[x-y]>=1.0.0", true},
		{"foo[a,b]", "foo[b,a,a]", true},
		{"foo[a]", "foo", false},
		{"foo~=1.0", "foo~=1.0.0", false}, // ~= keeps trailing zeros
		{"foo @ https://h/x.whl", "foo @ https://h/x.whl", true},
		{"foo @ https://h/x.whl", "foo @ https://h/X.whl", false},
		{"foo; os_name=='nt'", "foo ; os_name == \"nt\"", true},
		{"foo; os_name=='nt'", "foo", false},
	}
	for _, tt := range tests {
		a, err1 := ParseRequirement(tt.a)
		b, err2 := ParseRequirement(tt.b)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if a.Equal(b) != tt.equal || b.Equal(a) != tt.equal {
			t.Errorf("%q.Equal(%q) = %v, want %v", tt.a, tt.b, a.Equal(b), tt.equal)
		}
	}
	r, _ := ParseRequirement("Foo.Bar_baz")
	if r.NormalizedName() != "foo-bar-baz" {
		t.Errorf("NormalizedName = %q", r.NormalizedName())
	}
}

func BenchmarkParseRequirement(b *testing.B) {
	const s = `requests[security,socks] >= 2.8.1, == 2.8.*, != 2.8.3 ; python_version < "3.13" and sys_platform != "win32"`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequirement(s); err != nil {
			b.Fatal(err)
		}
	}
}
