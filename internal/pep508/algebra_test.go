package pep508

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// algebraEnvs is a grid of concrete environments the algebra is checked
// against: platforms × interpreter versions × implementations. Pre-release
// interpreters are left out: the algebra deliberately places 3.9.0b1 below
// python_version "3.9" (see MarkerSet).
func algebraEnvs(t testing.TB) []Environment {
	t.Helper()
	var out []Environment
	for _, plat := range []string{PlatformLinux, PlatformLinuxAarch64, PlatformMacOS, PlatformMacOSX8664, PlatformWindows} {
		for _, py := range []string{"3.8.10", "3.9.18", "3.10.0", "3.10.1", "3.11.4", "3.12.0", "3.13.1"} {
			for _, impl := range []string{"cpython", "pypy"} {
				env, err := TargetEnvironment(py, plat)
				if err != nil {
					t.Fatal(err)
				}
				env["implementation_name"] = impl
				out = append(out, env)
			}
		}
	}
	odd, _ := TargetEnvironment("3.12", PlatformLinux)
	odd["sys_platform"], odd["os_name"] = "os1", "os1"
	return append(out, odd)
}

func mustSet(t testing.TB, text string) MarkerSet {
	t.Helper()
	m, err := ParseMarker(text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	s, err := NewMarkerSet(m, "")
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return s
}

func TestMarkerSetRelations(t *testing.T) {
	tests := []struct {
		a, b               string
		disjoint, aImplies bool
	}{
		{`sys_platform == "linux"`, `sys_platform == "darwin"`, true, false},
		{`sys_platform == "linux"`, `sys_platform == "linux"`, false, true},
		{`sys_platform == "os1"`, `sys_platform != "linux"`, false, true},
		{`python_version >= "3.10"`, `python_version < "3.10"`, true, false},
		{`python_version == "3.10"`, `python_full_version >= "3.10.1"`, false, false},
		{`python_full_version == "3.9b1"`, `python_full_version >= "3.10"`, true, false},
		{`python_version > "3.9"`, `python_full_version >= "3.10"`, false, true},
		{`python_version <= "3.9"`, `python_full_version < "3.10"`, false, true},
		{`python_version ~= "3.9"`, `python_version >= "3.9"`, false, true},
		{`python_full_version == "3.9.*"`, `python_version == "3.9"`, false, true},
		{`implementation_name == "cpython" and sys_platform == "linux"`, `implementation_name == "pypy"`, true, false},
		{`sys_platform == "linux" or implementation_name == "cpython"`, `implementation_name == "pypy" and sys_platform == "darwin"`, true, false},
		{`"linux" in sys_platform`, `"linux" not in sys_platform`, true, false},
		{`extra == "x" or sys_platform == "win32"`, `sys_platform == "win32"`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.a+" | "+tt.b, func(t *testing.T) {
			a, b := mustSet(t, tt.a), mustSet(t, tt.b)
			if got := a.Disjoint(b); got != tt.disjoint {
				t.Errorf("Disjoint = %v, want %v", got, tt.disjoint)
			}
			if got := a.Implies(b); got != tt.aImplies {
				t.Errorf("Implies = %v, want %v", got, tt.aImplies)
			}
		})
	}
}

func TestMarkerSetTooComplex(t *testing.T) {
	for _, text := range []string{`platform_release >= "6"`, `os_name < "o"`, `python_version === "3.9"`,
		`implementation_version == "3.9"`} {
		m, err := ParseMarker(text)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewMarkerSet(m, ""); !errors.Is(err, ErrMarkerTooComplex) {
			t.Errorf("%s: err = %v, want ErrMarkerTooComplex", text, err)
		}
	}
}

func TestMarkerSetString(t *testing.T) {
	tests := []struct{ in, universe, want string }{
		{`sys_platform == "linux" or sys_platform == "linux" and python_version >= "3.9"`, "", `sys_platform == "linux"`},
		{`python_version >= "3.9" and python_version < "3.10"`, "", `python_version == "3.9"`},
		{`sys_platform == "linux" or sys_platform != "linux"`, "", ``},
		{`python_version >= "3.10" and sys_platform == "win32"`, `python_version >= "3.10"`, `sys_platform == "win32"`},
		{`python_version < "3.10" or python_version >= "3.10"`, "", ``},
		{`python_full_version != "3.9.1"`, "", `python_full_version != "3.9.1"`},
		{`sys_platform == "win32" or sys_platform == "darwin"`, "", `(sys_platform == "darwin" or sys_platform == "win32")`},
		{`extra == "x"`, "", `python_full_version < "0"`},
		{`python_version >= "3.9" and python_version < "3.11"`, `python_version >= "3.9"`, `python_version < "3.11"`},
		{`python_version == "3.12" or sys_platform == "linux"`, `python_version >= "3.12" and python_version < "3.13"`, ``},
	}
	for _, tt := range tests {
		s := mustSet(t, tt.in)
		if tt.universe != "" {
			s = s.Within(mustSet(t, tt.universe))
		}
		if got := s.String(); got != tt.want {
			t.Errorf("%s: String = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// randomMarker builds a marker from comparisons that the algebra models
// exactly, and a few opaque ones.
func randomMarker(r *rand.Rand, depth int) string {
	atoms := []func() string{
		func() string {
			return fmt.Sprintf("sys_platform %s %q", pick(r, "==", "!="), pick(r, "linux", "darwin", "win32", "os1"))
		},
		func() string {
			return fmt.Sprintf("python_version %s %q", pick(r, "==", "!=", "<", "<=", ">", ">=", "~="), pick(r, "3.9", "3.10", "3.11", "3.12"))
		},
		func() string {
			return fmt.Sprintf("python_full_version %s %q", pick(r, "==", "!=", "<", "<=", ">", ">="), pick(r, "3.9.0b1", "3.10.1", "3.10", "3.12.0"))
		},
		func() string {
			return fmt.Sprintf("implementation_name %s %q", pick(r, "==", "!="), pick(r, "cpython", "pypy"))
		},
		func() string {
			return fmt.Sprintf("platform_machine %s %q", pick(r, "==", "!="), pick(r, "x86_64", "aarch64", "arm64", "AMD64"))
		},
		func() string { return fmt.Sprintf("%q %s sys_platform", "lin", pick(r, "in", "not in")) },
		func() string { return fmt.Sprintf("%q %s platform_machine", "64", pick(r, "in", "not in")) },
	}
	if depth == 0 || r.IntN(3) == 0 {
		return atoms[r.IntN(len(atoms))]()
	}
	n := 2 + r.IntN(2)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = randomMarker(r, depth-1)
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" " + pick(r, "and", "or") + " ")
		}
		b.WriteString("(" + p + ")")
	}
	return b.String()
}

func pick(r *rand.Rand, xs ...string) string { return xs[r.IntN(len(xs))] }

// TestMarkerSetRandom checks, on random markers and a grid of concrete
// environments, that the set, its operations and its rendering agree with
// evaluating the markers directly.
func TestMarkerSetRandom(t *testing.T) {
	envs := algebraEnvs(t)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		ta, tb := randomMarker(r, 3), randomMarker(r, 2)
		ma, _ := ParseMarker(ta)
		mb, _ := ParseMarker(tb)
		a, b := mustSet(t, ta), mustSet(t, tb)
		back := a.Marker()
		and, or, not := a.And(b), a.Or(b), a.Not()
		disjoint, implies := a.Disjoint(b), a.Implies(b)
		within := a.Within(b)
		for _, env := range envs {
			ea, eb := ma.Evaluate(env), mb.Evaluate(env)
			check := func(what string, got, want bool) {
				if got != want {
					t.Fatalf("%s: a=%s b=%s env=%s/%s/%s: got %v want %v", what, ta, tb,
						env["sys_platform"], env["python_full_version"], env["implementation_name"], got, want)
				}
			}
			check("a", a.Evaluate(env), ea)
			check("a rendered "+a.String(), back.Evaluate(env), ea)
			check("and", and.Evaluate(env), ea && eb)
			check("or", or.Evaluate(env), ea || eb)
			check("not", not.Evaluate(env), !ea)
			if eb {
				check("within "+within.String(), within.Evaluate(env), ea)
			}
			if disjoint {
				check("disjoint", ea && eb, false)
			}
			if implies && ea {
				check("implies", eb, true)
			}
		}
	}
}

func FuzzMarkerSet(f *testing.F) {
	for _, s := range []string{`sys_platform == "linux" and python_version >= "3.9"`,
		`python_full_version ~= "3.9.1" or (os_name != "nt" and extra == "x")`,
		`"lin" in sys_platform or platform_release < "6"`} {
		f.Add(s)
	}
	envs := algebraEnvs(f)
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 300 {
			return
		}
		m, err := ParseMarker(text)
		if err != nil {
			return
		}
		s, err := NewMarkerSet(m, "")
		if err != nil {
			return
		}
		back := s.Marker()
		not := s.Not()
		for _, env := range envs {
			want, err := m.EvaluateWith(env, EvalOptions{})
			if err != nil {
				continue
			}
			if s.Evaluate(env) != want || back.Evaluate(env) != want || not.Evaluate(env) == want {
				t.Fatalf("%q (rendered %q) disagrees on %v", text, s.String(), env)
			}
		}
	})
}

func TestMarkerSetPythonLowest(t *testing.T) {
	tests := []struct{ in, want string }{
		{`python_version >= "3.10"`, "3.10"},
		{`python_full_version >= "3.10.1" or python_version == "3.9" and sys_platform == "linux"`, "3.9"},
		{`python_version < "3.10"`, ""},
		{`python_version >= "3.10" or sys_platform == "linux"`, ""},
	}
	for _, tt := range tests {
		v, ok := mustSet(t, tt.in).PythonLowest()
		got := ""
		if ok {
			got = v.String()
		}
		if got != tt.want {
			t.Errorf("%s: PythonLowest = %q, want %q", tt.in, got, tt.want)
		}
	}
}
