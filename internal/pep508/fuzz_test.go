package pep508

import (
	"errors"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

var fuzzMarkerSeeds = []string{
	`python_version >= "3.8"`,
	`os_name == 'posix' and (sys_platform == "linux" or extra == 'Foo_Bar')`,
	`"3.11" ~= python_full_version or implementation_version === "x"`,
	`'a" b' not in platform.version`,
	`"S_P__A_M" in extras and "g" not in dependency_groups`,
	`os_name == "C:\\" or os_name == '\x41\u00e9\n'`,
	`((python_version < "3")) and (os_name == "nt")`,
	`python_full_version == "3.11.1+"`,
	"os_name == \"a\\\nb\"",
}

// FuzzParseMarker checks that no input panics and that every marker that
// parses prints a normal form which parses back to the same normal form.
func FuzzParseMarker(f *testing.F) {
	for _, s := range fuzzMarkerSeeds {
		f.Add(s)
	}
	env, err := TargetEnvironment("3.12", PlatformLinux)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		m, err := ParseMarker(s)
		budgettest.Check(t, len(s), start)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > len(s) {
				t.Fatalf("ParseMarker(%q): bad error %#v", s, err)
			}
			return
		}
		text := m.String()
		again, err := ParseMarker(text)
		if err != nil {
			t.Fatalf("ParseMarker(%q).String() = %q, which does not parse: %v", s, text, err)
		}
		if again.String() != text || !again.Equal(m) {
			t.Fatalf("ParseMarker(%q): normal form %q re-parses to %q", s, text, again.String())
		}
		for _, ctx := range []Context{ContextMetadata, ContextLockFile, ContextRequirement} {
			v1, err1 := m.EvaluateWith(env, EvalOptions{Context: ctx})
			v2, err2 := again.EvaluateWith(env, EvalOptions{Context: ctx})
			if v1 != v2 || (err1 == nil) != (err2 == nil) {
				t.Fatalf("%q and its normal form %q evaluate differently: %v %v / %v %v", s, text, v1, err1, v2, err2)
			}
		}
		m.EvaluateExtras(env, []string{"a", "B_c"})
		m.UsesExtra()
	})
}

var fuzzRequirementSeeds = []string{
	"requests",
	"requests[security, tests] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"",
	"name @ https://example.com/x.whl ; os_name == \"nt\"",
	"name[a]@ file:///tmp/x",
	"zope.interface (>=5.0)",
	"name===1.0.org1",
	"name ~= 1.0.post1, != 1.0.5, < 2",
	"name[]()",
	"Django>=1.4.2,!=1.5.0,!=1.5.1; python_version < \"3\"",
}

// FuzzParseRequirement checks that no input panics and that every
// requirement that parses prints a normal form which parses back to an
// equal requirement with the same normal form.
func FuzzParseRequirement(f *testing.F) {
	for _, s := range fuzzRequirementSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		r, err := ParseRequirement(s)
		budgettest.Check(t, len(s), start)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > len(s) {
				t.Fatalf("ParseRequirement(%q): bad error %#v", s, err)
			}
			return
		}
		text := r.String()
		again, err := ParseRequirement(text)
		if err != nil {
			t.Fatalf("ParseRequirement(%q).String() = %q, which does not parse: %v", s, text, err)
		}
		if !again.Equal(r) || !r.Equal(again) || again.String() != text {
			t.Fatalf("ParseRequirement(%q): normal form %q re-parses to %q", s, text, again.String())
		}
	})
}
