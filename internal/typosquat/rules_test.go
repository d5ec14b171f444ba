package typosquat

import (
	"math"
	"strings"
	"testing"
)

func TestSkeleton(t *testing.T) {
	tests := []struct{ in, want string }{
		{"matplotlib", "mtpltlb"},
		{"matplotlyb", "mtpltlb"},
		{"tensorflow", "tnsrflw"},
		{"tensorflw", "tnsrflw"},
		{"requests", "rksts"},
		{"reqquestts", "rksts"},
		{"urllib3", "arlb3"},
		{"phonenumbers", "fnmbrs"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := skeleton(tt.in); got != tt.want {
			t.Errorf("skeleton(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTypoCost(t *testing.T) {
	tests := []struct {
		q, t string
		want float64
	}{
		{"requests", "requests", 0},
		{"requestts", "requests", costDoubled},
		{"reqeusts", "requests", costTranspose},
		{"matplotlyb", "matplotlib", costSoundSub + costEnd},
		{"mattplotlib", "matplotlib", costDoubled},
		{"requwsts", "requests", costAdjacentSub},
		{"rquests", "requests", costVowelIndel},
		{"reqbests", "requests", 1},
		{"mattplotlyb", "matplotlib", costDoubled + costSoundSub + costEnd},
		{"cuda13x", "cuda12x", costDigit + costEnd},
		{"1cuda", "12cuda", costDigit},
		{"pandoc", "pandas", 2*costSoundSub + 2*costEnd},
	}
	for _, tt := range tests {
		if got := typoCost(tt.q, tt.t); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("typoCost(%q, %q) = %v, want %v", tt.q, tt.t, got, tt.want)
		}
	}
}

// Every finding states why it fired, with the imitated project's rank,
// and names its rule.
func TestFindingWhy(t *testing.T) {
	for _, name := range []string{"numpy-requests", "install-numpy", "colourama", "reqeusts", "learn-scikit"} {
		fs := Check(name)
		if len(fs) == 0 {
			t.Fatalf("Check(%q) found nothing", name)
		}
		f := fs[0]
		why := f.Why()
		if !strings.Contains(why, f.Imitates) || !strings.Contains(why, "rank") || !strings.Contains(why, f.Detail) {
			t.Errorf("Check(%q)[0].Why() = %q: want the target, its rank and the detail", name, why)
		}
		if f.Rule() != "typosquat/"+string(f.Trick) {
			t.Errorf("Rule() = %q", f.Rule())
		}
	}
	fs := Check("numpy-requests")
	if want := `joins "numpy" (rank 20) and "requests" (rank 6)`; fs[0].Detail != want {
		t.Errorf("combination detail = %q, want %q", fs[0].Detail, want)
	}
}

// A typo of a versioned project's name without its version is found
// even when the versionless name is not in the reference (it ranks below
// the top 5,000): the version core's deletions are indexed too.
func TestVersionlessTypoWithoutSibling(t *testing.T) {
	ref := EmbeddedTop(5000)
	if _, ok := ref.Rank("beautifulsoup"); ok {
		t.Skip("beautifulsoup is in the top 5,000 of this snapshot")
	}
	for _, name := range []string{"beautifullsoup", "beautfiulsoup", "beutifulsoup"} {
		fs := ref.Check(name)
		if len(fs) == 0 || fs[0].Imitates != "beautifulsoup4" {
			t.Errorf("Check(%q) = %v, want beautifulsoup4", name, fs)
		}
	}
}

// Names that change a popular name's ending are new words more often than
// slips (endCost); a vowel inside a short name is a slip (numipy).
func TestMultiEditEndings(t *testing.T) {
	ref := EmbeddedTop(5000)
	for _, name := range []string{"pandoc", "tabulator", "networkit", "certipy"} {
		if fs := ref.Check(name); len(fs) != 0 {
			t.Errorf("Check(%q) = %v, want nothing", name, fs)
		}
	}
	if fs := ref.Check("numipy"); len(fs) == 0 || fs[0].Imitates != "numpy" {
		t.Errorf("Check(numipy) = %v, want numpy", fs)
	}
}
