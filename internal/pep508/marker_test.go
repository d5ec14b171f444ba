package pep508

import (
	"errors"
	"strings"
	"testing"
)

func TestMarkerString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`python_version>'3.8'`, `python_version > "3.8"`},
		{`  os.name=="posix"  `, `os_name == "posix"`},
		{`python_implementation == 'CPython'`, `platform_python_implementation == "CPython"`},
		{`(python_version < "3")`, `python_version < "3"`},
		{`((python_version < "3"))`, `python_version < "3"`},
		// grouping that changes the meaning is kept, even when doubled
		{`os_name == "a" and ((os_name == "b" or os_name == "c"))`, `os_name == "a" and (os_name == "b" or os_name == "c")`},
		{`(os_name == "a" or os_name == "b") and (os_name == "c")`, `(os_name == "a" or os_name == "b") and os_name == "c"`},
		{`os_name == "a" or os_name == "b" and os_name == "c"`, `os_name == "a" or os_name == "b" and os_name == "c"`},
		// quoting: double quotes unless the value has one
		{`os_name == 'it"s'`, `os_name == 'it"s'`},
		{`os_name == "it's"`, `os_name == "it's"`},
		// Python escapes are decoded; the normal form is re-escaped only when
		// the raw value would not read back
		{`os_name == "\x41\u00e9\101\U0001F600"`, `os_name == "AéA😀"`},
		{`os_name == "\d"`, `os_name == "\d"`},
		{`os_name == "a\\n"`, `os_name == "a\\n"`},
		{`os_name == "C:\\"`, `os_name == "C:\\"`},
		{`os_name == "tab\there"`, "os_name == \"tab\there\""},
		{`os_name == "line\nbreak"`, `os_name == "line\nbreak"`},
		{`os_name == "both\x22'"`, `os_name == "both\x22'"`},
		{`os_name == "b\\a\x22'"`, `os_name == "b\\a\x22'"`},
		{"os_name == \"a\\\nb\"", `os_name == "ab"`},
		// PEP 685 normalization of extra names
		{`extra == "Foo.Bar_baz"`, `extra == "foo-bar-baz"`},
		{`"Foo.Bar" == extra`, `"foo-bar" == extra`},
		{`"Foo.Bar" in extras`, `"foo-bar" in extras`},
		{`"Dev_Group" not in dependency_groups`, `"dev-group" not in dependency_groups`},
		{`os_name == "Foo.Bar"`, `os_name == "Foo.Bar"`},
		{`"a" not  in os_name`, `"a" not in os_name`},
	}
	for _, tt := range tests {
		m, err := ParseMarker(tt.in)
		if err != nil {
			t.Errorf("ParseMarker(%q): %v", tt.in, err)
			continue
		}
		if got := m.String(); got != tt.want {
			t.Errorf("ParseMarker(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		again, err := ParseMarker(m.String())
		if err != nil || !again.Equal(m) {
			t.Errorf("%q does not round-trip: %v", m.String(), err)
		}
	}
}

func TestParseMarkerErrors(t *testing.T) {
	tests := []struct {
		in     string
		column int
		msg    string
	}{
		{``, 1, "expected a marker variable or quoted string"},
		{`a_ == "x"`, 1, "expected a marker variable or quoted string"},
		{`os_name`, 8, "expected marker operator"},
		{`os_name = "x"`, 9, "expected marker operator"},
		{`os_name not "x"`, 13, "expected 'in' after 'not'"},
		{`os_name notin "x"`, 9, "expected marker operator"},
		{`(os_name == "x"`, 1, "expected matching ')'"},
		{`os_name == "x")`, 15, "expected end of marker expression"},
		{`os_name == "x" AND os_name == "y"`, 16, "expected end of marker expression"},
		{`os_name == "x"` + "\n", 15, "expected end of marker expression"},
		{`os_name == "C:\"`, 12, "invalid quoted string"},
		{`os_name == "\x4"`, 12, "invalid quoted string"},
		{`os_name == "\N{DIGIT ONE}"`, 12, "invalid quoted string"},
		{`os_name == "\ud800"`, 12, "invalid quoted string"},
		{`os_name == "\U00110000"`, 12, "invalid quoted string"},
		{"os_name == \"a\nb\"", 12, "invalid quoted string"},
		{"os_name == \"a\x00\"", 12, "invalid quoted string"},
		{"os_name == \"\xff\"", 12, "invalid quoted string"},
		{`é == "x"`, 1, "expected a marker variable"},
		{`"é" == os_nameé`, 8, "expected a marker variable"},
		{strings.Repeat("(", MaxNesting+2) + `os_name == "x"` + strings.Repeat(")", MaxNesting+2), MaxNesting + 2, "nested too deeply"},
	}
	for _, tt := range tests {
		_, err := ParseMarker(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseMarker(%q) error = %v, want *ParseError", tt.in, err)
			continue
		}
		if pe.Column() != tt.column || !strings.Contains(pe.Msg, tt.msg) || !strings.Contains(pe.Error(), tt.msg) {
			t.Errorf("ParseMarker(%q) error = %q at column %d, want %q at column %d", tt.in, pe.Msg, pe.Column(), tt.msg, tt.column)
		}
	}
	// Nesting up to the limit is fine.
	deep := strings.Repeat("(", MaxNesting) + `os_name == "x"` + strings.Repeat(")", MaxNesting)
	if _, err := ParseMarker(deep); err != nil {
		t.Errorf("nesting %d: %v", MaxNesting, err)
	}
}

func mustMarker(t testing.TB, s string) *Marker {
	t.Helper()
	m, err := ParseMarker(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEvaluate(t *testing.T) {
	linux, err := TargetEnvironment("3.12.4", PlatformLinux)
	if err != nil {
		t.Fatal(err)
	}
	plus := Environment{}
	for k, v := range linux {
		plus[k] = v
	}
	plus["python_full_version"] = "3.12.4+"
	tests := []struct {
		marker string
		env    Environment
		want   bool
		err    error
	}{
		{`python_version >= "3.8"`, linux, true, nil},
		{`python_version >= "3.8" and python_version < "3.10"`, linux, false, nil},
		{`python_version == "3.12.*"`, linux, true, nil},
		{`python_full_version == "3.12.*"`, linux, true, nil},
		{`python_version ~= "3.10"`, linux, true, nil},
		{`python_version === "3.12"`, linux, true, nil},
		{`"3.9" < python_version`, linux, true, nil},
		{`python_version in "3.10 3.11 3.12"`, linux, true, nil},
		{`python_version not in "3.10 3.11"`, linux, true, nil},
		{`sys_platform == "linux" and platform_machine == "x86_64"`, linux, true, nil},
		{`sys_platform == "win32" or os_name == "posix" and platform_system == "Linux"`, linux, true, nil},
		{`(sys_platform == "win32" or os_name == "posix") and platform_system == "Darwin"`, linux, false, nil},
		{`platform_system < "Linux"`, linux, false, nil},
		{`platform_system >= "Linux"`, linux, true, nil},
		// ">=5" is a valid specifier, but "6.1.0-18-amd64" is no version
		{`platform_release >= "5"`, linux, false, nil},
		{`platform_release >= "5"`, Environment{"platform_release": "6.1"}, true, nil},
		{`implementation_name ~= "cpython"`, linux, false, ErrUndefinedComparison},
		{`python_version >= "3" or os_name === "posix"`, linux, false, ErrUndefinedComparison},
		{`python_full_version >= "3.12.4"`, plus, true, nil},
		{`python_full_version == "3.12.4+local"`, plus, true, nil},
		{`extra == "test"`, linux, false, nil},
		{`extra == "Te_st"`, Environment{"extra": "te.st"}, true, nil},
		{`os_name == "posix"`, Environment{}, false, ErrUndefinedEnvironmentName},
		{`"x" in extras`, linux, false, ErrUndefinedEnvironmentName},
	}
	for _, tt := range tests {
		m := mustMarker(t, tt.marker)
		got, err := m.EvaluateWith(tt.env, EvalOptions{})
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("%q: EvaluateWith = %v, %v; want %v, %v", tt.marker, got, err, tt.want, tt.err)
		}
		if m.Evaluate(tt.env) != (tt.want && tt.err == nil) {
			t.Errorf("%q: Evaluate = %v", tt.marker, !tt.want)
		}
	}
	var none *Marker
	if !none.Evaluate(nil) || !none.EvaluateExtras(nil, []string{"x"}) || none.UsesExtra() || none.String() != "" {
		t.Error("nil marker must be true, use no extra and print as \"\"")
	}
}

func TestEvaluateLockFile(t *testing.T) {
	env, _ := TargetEnvironment("3.13", PlatformMacOS)
	sets := map[string][]string{"extras": {"Socks", "tests"}, "dependency_groups": {"dev"}}
	tests := []struct {
		marker string
		sets   map[string][]string
		want   bool
		err    error
	}{
		{`"socks" in extras`, sets, true, nil},
		{`"SOCKS" in extras and "dev" in dependency_groups`, sets, true, nil},
		{`"docs" not in extras`, sets, true, nil},
		{`"docs" in extras`, nil, false, nil}, // lock-file context: empty sets by default
		{`extras == "socks"`, sets, false, ErrUndefinedComparison},
		{`"socks" == extras`, sets, false, ErrUndefinedComparison},
		{`extra == "socks"`, sets, false, ErrUndefinedEnvironmentName}, // no `extra` outside metadata
	}
	for _, tt := range tests {
		got, err := mustMarker(t, tt.marker).EvaluateWith(env, EvalOptions{Context: ContextLockFile, Sets: tt.sets})
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("%q: = %v, %v; want %v, %v", tt.marker, got, err, tt.want, tt.err)
		}
	}
}

func TestEvaluateExtrasAndUsesExtra(t *testing.T) {
	env, _ := TargetEnvironment("3.11", PlatformWindows)
	tests := []struct {
		marker    string
		extras    []string
		want      bool
		usesExtra bool
	}{
		{`extra == "socks"`, nil, false, true},
		{`extra == "socks"`, []string{"SOCKS"}, true, true},
		{`extra == "socks"`, []string{"tests", "So_cks", "SOCKS"}, true, true},
		{`extra == "socks" and sys_platform == "win32"`, []string{"socks"}, true, true},
		{`extra == "socks" and sys_platform == "linux"`, []string{"socks"}, false, true},
		{`"socks" == extra or os_name == "posix"`, []string{"other"}, false, true},
		{`extra != "socks"`, nil, true, true},
		{`sys_platform == "win32"`, []string{"x"}, true, false},
		{`"a" in extras`, nil, false, false},
	}
	for _, tt := range tests {
		m := mustMarker(t, tt.marker)
		if got := m.EvaluateExtras(env, tt.extras); got != tt.want {
			t.Errorf("%q EvaluateExtras(%q) = %v, want %v", tt.marker, tt.extras, got, tt.want)
		}
		if got := m.UsesExtra(); got != tt.usesExtra {
			t.Errorf("%q UsesExtra = %v", tt.marker, got)
		}
	}
}

func TestAndOr(t *testing.T) {
	a := mustMarker(t, `os_name == "nt" or os_name == "posix"`)
	b := mustMarker(t, `python_version >= "3.8"`)
	tests := []struct {
		got  *Marker
		want string
	}{
		{a.And(b), `(os_name == "nt" or os_name == "posix") and python_version >= "3.8"`},
		{b.And(a), `python_version >= "3.8" and (os_name == "nt" or os_name == "posix")`},
		{a.Or(b), `(os_name == "nt" or os_name == "posix") or python_version >= "3.8"`},
		{b.Or(b), `python_version >= "3.8" or python_version >= "3.8"`},
		{a.And(nil), a.String()},
		{(*Marker)(nil).And(b), b.String()},
	}
	for _, tt := range tests {
		if tt.got.String() != tt.want {
			t.Errorf("got %q, want %q", tt.got.String(), tt.want)
		}
	}
	if a.Or(nil) != nil {
		t.Error("m or always = always (nil)")
	}
	env, _ := TargetEnvironment("3.9", PlatformLinux)
	if !a.And(b).Evaluate(env) || mustMarker(t, `python_version < "3"`).And(a).Evaluate(env) {
		t.Error("And evaluates wrongly")
	}
}

func TestTargetEnvironment(t *testing.T) {
	tests := []struct {
		python, platform string
		want             map[string]string
	}{
		{"3.12", PlatformLinux, map[string]string{"python_version": "3.12", "python_full_version": "3.12.0", "sys_platform": "linux", "platform_machine": "x86_64", "os_name": "posix", "platform_system": "Linux"}},
		{"3.12.4", PlatformLinuxAarch64, map[string]string{"python_full_version": "3.12.4", "implementation_version": "3.12.4", "platform_machine": "aarch64"}},
		{"3.13", PlatformMacOS, map[string]string{"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64"}},
		{"3.9.18", PlatformMacOSX8664, map[string]string{"python_version": "3.9", "platform_machine": "x86_64"}},
		{"3.11.9", PlatformWindows, map[string]string{"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64", "implementation_name": "cpython", "platform_python_implementation": "CPython"}},
		{"3.14.0rc1", PlatformLinux, map[string]string{"python_version": "3.14", "python_full_version": "3.14.0rc1"}},
	}
	standard := []string{"implementation_name", "implementation_version", "os_name", "platform_machine", "platform_release",
		"platform_system", "platform_version", "python_full_version", "platform_python_implementation", "python_version", "sys_platform"}
	for _, tt := range tests {
		env, err := TargetEnvironment(tt.python, tt.platform)
		if err != nil {
			t.Errorf("TargetEnvironment(%q, %q): %v", tt.python, tt.platform, err)
			continue
		}
		for _, k := range standard {
			if env[k] == "" {
				t.Errorf("TargetEnvironment(%q, %q): %s missing", tt.python, tt.platform, k)
			}
		}
		for k, v := range tt.want {
			if env[k] != v {
				t.Errorf("TargetEnvironment(%q, %q)[%s] = %q, want %q", tt.python, tt.platform, k, env[k], v)
			}
		}
	}
	for _, bad := range [][2]string{{"3", PlatformLinux}, {"3.12.x", PlatformLinux}, {"", PlatformLinux}, {"3.12", "solaris"}, {"3.12", ""}} {
		if _, err := TargetEnvironment(bad[0], bad[1]); err == nil {
			t.Errorf("TargetEnvironment(%q, %q) succeeded", bad[0], bad[1])
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	m := mustMarker(b, `python_version >= "3.8" and (sys_platform == "linux" or sys_platform == "darwin") and platform_machine != "armv7l" and extra == "socks"`)
	env, _ := TargetEnvironment("3.12", PlatformLinux)
	b.ReportAllocs()
	for b.Loop() {
		m.Evaluate(env)
	}
}

func BenchmarkParseMarker(b *testing.B) {
	const s = `python_version >= "3.8" and (sys_platform == "linux" or sys_platform == "darwin") and extra == "socks"`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMarker(s); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEvaluateConcurrent checks that a parsed marker may be shared.
func TestEvaluateConcurrent(t *testing.T) {
	m := mustMarker(t, `python_version >= "3.8" and (sys_platform == "linux" or extra == "x") and "3.9" <= python_full_version`)
	env, _ := TargetEnvironment("3.12", PlatformLinux)
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for range 200 {
				ok = ok && m.Evaluate(env) && m.EvaluateExtras(env, []string{"y"})
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("concurrent evaluation gave a wrong answer")
		}
	}
}
