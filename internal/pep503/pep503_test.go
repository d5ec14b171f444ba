package pep503

import (
	"regexp"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// pepNormalize is PEP 503's own definition:
// re.sub(r"[-_.]+", "-", name).lower() (Python lower-cases only what
// Normalize does for the ASCII letters; other bytes are compared as is).
var sepRun = regexp.MustCompile(`[-_.]+`)

func pepNormalize(name string) string {
	b := []byte(sepRun.ReplaceAllString(name, "-"))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestNormalize(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"requests", "requests"},
		{"Django", "django"},
		{"zope.interface", "zope-interface"},
		{"typing_extensions", "typing-extensions"},
		{"a--b", "a-b"},
		{"a-._b", "a-b"},
		{"-a-", "-a-"},
		{"--", "-"},
		{"", ""},
		{"pkg-0001", "pkg-0001"},
		{"ñame_X", "ñame-x"},
	} {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := pepNormalize(tt.in); got != tt.want {
			t.Errorf("reference(%q) = %q, want %q (bad table row)", tt.in, got, tt.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"requests", "Django", "a--b", "a_.-b", "-", "pkg-0001", "ñ-A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		got := Normalize(s)
		budgettest.Check(t, len(s), start)
		if want := pepNormalize(s); got != want {
			t.Fatalf("Normalize(%q) = %q, want %q", s, got, want)
		}
		if normalized(s) != (got == s) {
			t.Fatalf("normalized(%q) = %v, but Normalize gives %q", s, normalized(s), got)
		}
	})
}
