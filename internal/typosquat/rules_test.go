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
		{"matplotlyb", "matplotlib", costSoundSub},
		{"requwsts", "requests", costAdjacentSub},
		{"rquests", "requests", costVowelIndel},
		{"reqbests", "requests", 1},
		{"mattplotlyb", "matplotlib", costDoubled + costSoundSub},
		{"cuda13x", "cuda12x", costDigit},
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
