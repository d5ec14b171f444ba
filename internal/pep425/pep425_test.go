package pep425

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestParseTagTable(t *testing.T) {
	cases := []struct {
		in      string
		order   bool
		want    []string // expansion order; nil means error
		unsortd bool     // error must wrap ErrUnsortedTag
	}{
		{in: "py3-none-any", want: []string{"py3-none-any"}},
		{in: "py2.py3-none-any", want: []string{"py2-none-any", "py3-none-any"}},
		{in: "py3.py2-none-any", want: []string{"py3-none-any", "py2-none-any"}},
		{in: "py3.py2-none-any", order: true, unsortd: true},
		{in: "py2.py3-none-any", order: true, want: []string{"py2-none-any", "py3-none-any"}},
		{in: "py3.py3-none-any", want: []string{"py3-none-any"}},
		{in: "cp3_12-NONE-Any", want: []string{"cp3_12-none-any"}},
		{in: "py3-none-any.win32", want: []string{"py3-none-any", "py3-none-win32"}},
		{in: "cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64", order: true, unsortd: true},
		{in: "cp312-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64", order: true,
			want: []string{"cp312-abi3-manylinux2014_x86_64", "cp312-abi3-manylinux_2_17_x86_64"}},
		{in: "7.2-none-any", order: true, unsortd: true}, // order is checked before identifiers
		{in: "2.7-none-any", order: true},
		{in: "7.2-none-any"},
		{in: "py3.-none-any", order: true}, // empty fields are checked before order
		{in: "ñu-none-any", want: []string{"ñu-none-any"}},
		{in: "x٣-none-any", want: []string{"x٣-none-any"}}, // Arabic-Indic digit continues an identifier
		{in: "٣x-none-any"},
		{in: "py 3-none-any"},
		{in: ""},
		{in: "py3-none-any\n"},        // trailing newline is part of the platform; fine
		{in: tagSet(32, 1, 33)},       // 1,056 tags: more than MaxTags
		{in: tagSet(MaxTags+1, 1, 1)}, // one list alone is too long
	}
	for _, c := range cases {
		got, err := ParseCompressedTag(c.in, c.order)
		if c.in == "py3-none-any\n" {
			if err != nil || got[0].Platform != "any\n" {
				t.Errorf("ParseTag(%q) = %v, %v", c.in, got, err)
			}
			continue
		}
		if c.want == nil {
			if !errors.Is(err, ErrInvalidTag) {
				t.Errorf("ParseCompressedTag(%q, %v) = %v, %v; want ErrInvalidTag", c.in, c.order, got, err)
			}
			if c.unsortd != errors.Is(err, ErrUnsortedTag) {
				t.Errorf("ParseCompressedTag(%q, %v): unsorted = %v, want %v (%v)", c.in, c.order, !c.unsortd, c.unsortd, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCompressedTag(%q, %v): %v", c.in, c.order, err)
			continue
		}
		if !slices.Equal(strs(got), c.want) {
			t.Errorf("ParseCompressedTag(%q, %v) = %v, want %v", c.in, c.order, strs(got), c.want)
		}
	}
}

// tagSet is a compressed tag set of i interpreters, a ABIs and p platforms.
func tagSet(i, a, p int) string {
	list := func(prefix string, n int) string {
		names := make([]string, n)
		for k := range names {
			names[k] = fmt.Sprintf("%s%04d", prefix, k)
		}
		return strings.Join(names, ".")
	}
	return list("i", i) + "-" + list("a", a) + "-" + list("p", p)
}

// TestParseTagLimit: a tag set that expands to exactly MaxTags tags parses.
func TestParseTagLimit(t *testing.T) {
	tags, err := ParseCompressedTag(tagSet(32, 1, 32), true)
	if err != nil || len(tags) != MaxTags {
		t.Fatalf("32×1×32 tags: %d tags, %v", len(tags), err)
	}
}

func TestManylinuxEdges(t *testing.T) {
	if got := ManylinuxPlatforms("mips", 2, 31); got != nil {
		t.Errorf("mips: %v, want nil", got)
	}
	if got := ManylinuxPlatforms("aarch64", 2, 16); got != nil {
		t.Errorf("aarch64 glibc 2.16: %v, want nil", got)
	}
	if got := ManylinuxPlatforms("x86_64", 1, 9); got != nil {
		t.Errorf("glibc 1.9: %v, want nil", got)
	}
	got := ManylinuxPlatforms("x86_64", 3, 1)
	if got[0] != "manylinux_3_1_x86_64" || got[1] != "manylinux_3_0_x86_64" || got[2] != "manylinux_2_50_x86_64" {
		t.Errorf("glibc 3.1 starts %v", got[:3])
	}
	if got[len(got)-1] != "manylinux1_x86_64" {
		t.Errorf("glibc 3.1 ends %v", got[len(got)-1])
	}
}

func TestMacEdges(t *testing.T) {
	if got := MacPlatforms(9, 0, "x86_64"); got != nil {
		t.Errorf("macOS 9: %v", got)
	}
	got := MacPlatforms(10, 3, "x86_64")
	if len(got) != 0 {
		t.Errorf("x86_64 before 10.4: %v", got)
	}
	got = MacPlatforms(10, 5, "i386")
	want := []string{"macosx_10_5_i386", "macosx_10_5_intel", "macosx_10_5_fat3", "macosx_10_5_fat", "macosx_10_5_universal"}
	if !slices.Equal(got[:5], want) || got[len(got)-1] != "macosx_10_4_universal" {
		t.Errorf("i386 10.5: %v", got)
	}
	got = MacPlatforms(10, 6, "ppc64")
	if !slices.Equal(got, []string{"macosx_10_5_ppc64", "macosx_10_5_fat64", "macosx_10_5_universal",
		"macosx_10_4_ppc64", "macosx_10_4_fat64", "macosx_10_4_universal"}) {
		t.Errorf("ppc64 10.6: %v", got)
	}
}

func TestInterpreterTags(t *testing.T) {
	// Python 2.7 has no abi3 (PEP 384 arrived in 3.2).
	in := Interpreter{Implementation: CPython, Version: [2]int{2, 7}, ABIs: []string{"cp27mu"}, Platforms: []string{"linux_x86_64"}}
	got := strs(in.Tags())
	want := []string{"cp27-cp27mu-linux_x86_64", "cp27-none-linux_x86_64",
		"py27-none-linux_x86_64", "py2-none-linux_x86_64"}
	if !slices.Equal(got[:4], want) || slices.ContainsFunc(got, func(s string) bool { return len(s) > 4 && s[5:9] == "abi3" }) {
		t.Errorf("cp27 tags start %v", got[:6])
	}
	// abi3 and none given explicitly keep their normal place.
	in = Interpreter{Implementation: CPython, Version: [2]int{3, 3}, ABIs: []string{"none", "abi3", "cp33m"}, Platforms: []string{"win32"}}
	got = strs(in.Tags())
	want = []string{"cp33-cp33m-win32", "cp33-abi3-win32", "cp33-none-win32", "cp32-abi3-win32", "py33-none-win32"}
	if !slices.Equal(got[:5], want) {
		t.Errorf("cp33 tags start %v, want %v", got[:5], want)
	}
	// A generic interpreter gets "none" appended and its own name for any.
	in = Interpreter{Implementation: "graalpy", Version: [2]int{3, 11}, ABIs: []string{"graalpy311_native"}, Platforms: []string{"linux_x86_64"}}
	got = strs(in.Tags())
	if got[0] != "graalpy311-graalpy311_native-linux_x86_64" || got[1] != "graalpy311-none-linux_x86_64" ||
		!slices.Contains(got, "graalpy311-none-any") {
		t.Errorf("graalpy tags %v", got)
	}
	if in.ABIs[len(in.ABIs)-1] != "graalpy311_native" || len(in.ABIs) != 1 {
		t.Errorf("Tags modified the caller's ABIs: %v", in.ABIs)
	}
}

func TestRanker(t *testing.T) {
	in, err := Target("manylinux_x86_64", [2]int{3, 12})
	if err != nil {
		t.Fatal(err)
	}
	all := in.Tags()
	r := NewRanker(all)
	if r.Len() != len(all) {
		t.Errorf("Len = %d, want %d (tags are unique)", r.Len(), len(all))
	}
	parse := func(s string) []Tag {
		tags, err := ParseTag(s)
		if err != nil {
			t.Fatal(err)
		}
		return tags
	}
	cases := []struct {
		wheel string
		ok    bool
	}{
		{"cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64", true},
		{"cp312-abi3-manylinux_2_28_x86_64", true},
		{"cp39-abi3-manylinux_2_17_x86_64", true},
		{"py3-none-any", true},
		{"cp312-cp312-win_amd64", false},
		{"cp313-cp313-manylinux_2_17_x86_64", false},
		{"cp312-cp312-manylinux_2_39_x86_64", false},
		{"py2-none-any", false},
	}
	prev := -1
	for _, c := range cases {
		rank, ok := r.Rank(parse(c.wheel))
		if ok != c.ok {
			t.Errorf("Rank(%s) ok = %v, want %v", c.wheel, ok, c.ok)
			continue
		}
		if !ok {
			if rank != -1 {
				t.Errorf("Rank(%s) = %d for an incompatible wheel", c.wheel, rank)
			}
			continue
		}
		// The compatible cases are listed from most to least preferred.
		if rank <= prev {
			t.Errorf("Rank(%s) = %d, not worse than the previous case (%d)", c.wheel, rank, prev)
		}
		prev = rank
		if all[rank].String() == "" || !slices.Contains(parse(c.wheel), all[rank]) {
			t.Errorf("Rank(%s) = %d names %v, not one of the wheel's tags", c.wheel, rank, all[rank])
		}
	}
	r1, _ := r.Rank(parse("py3-none-any"))
	if r2, ok := r.Rank(parse("py2.py3-none-any")); !ok || r2 != r1 {
		t.Errorf("Rank(py2.py3-none-any) = %d, %v; want %d like py3-none-any", r2, ok, r1)
	}
	if rank, ok := r.Rank(nil); ok || rank != -1 {
		t.Errorf("Rank(nil) = %d, %v", rank, ok)
	}
	// Duplicates keep their first priority.
	dup := NewRanker([]Tag{{"py3", "none", "any"}, {"py3", "none", "any"}})
	if rank, ok := dup.Rank([]Tag{{"py3", "none", "any"}}); !ok || rank != 0 {
		t.Errorf("duplicate rank = %d, %v", rank, ok)
	}
}

func BenchmarkRank(b *testing.B) {
	in, err := Target("manylinux_x86_64", [2]int{3, 12})
	if err != nil {
		b.Fatal(err)
	}
	r := NewRanker(in.Tags())
	wheels := [][]Tag{
		mustParse(b, "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"),
		mustParse(b, "py3-none-any"),
		mustParse(b, "cp311-cp311-win_amd64"),
		mustParse(b, "cp38-abi3-manylinux_2_5_x86_64.manylinux1_x86_64"),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Rank(wheels[i%len(wheels)])
	}
}

func BenchmarkNewRanker(b *testing.B) {
	in, err := Target("macos_x86_64", [2]int{3, 12})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		NewRanker(in.Tags())
	}
}

func mustParse(tb testing.TB, s string) []Tag {
	tags, err := ParseTag(s)
	if err != nil {
		tb.Fatal(err)
	}
	return tags
}

func FuzzParseTag(f *testing.F) {
	for _, s := range []string{"py3-none-any", "py2.py3-none-any", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
		"-none-any", "py3.-none-any", "2.7.6-none-any", "ñ-a-b", "PY3-NONE-ANY", "a.b.c-d.e-f.g",
		"py3-none-", "py3--any", "3py-none-any", "py3-none-any-x", "_-a-b", "py3-none-any\n"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, order bool) {
		start := time.Now()
		tags, err := ParseCompressedTag(s, order)
		budgettest.Check(t, len(s), start)
		// The single-tag shortcut answers exactly as the expansion does.
		if one, ok := singleTag(s); ok {
			full, ferr := expandTag(s, order)
			if ferr != nil || len(full) != 1 || full[0] != one {
				t.Fatalf("singleTag(%q) = %v; expandTag: %v, %v", s, one, full, ferr)
			}
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidTag) {
				t.Fatalf("error %v does not wrap ErrInvalidTag", err)
			}
			return
		}
		if len(tags) == 0 {
			t.Fatalf("no tags and no error for %q", s)
		}
		seen := map[Tag]bool{}
		for _, tag := range tags {
			if seen[tag] {
				t.Fatalf("duplicate %v", tag)
			}
			seen[tag] = true
			if tag.Interpreter == "" || tag.ABI == "" || tag.Platform == "" {
				t.Fatalf("empty field in %v from %q", tag, s)
			}
			// Each expanded tag must itself parse to exactly itself.
			again, err := ParseTag(tag.String())
			if err != nil || len(again) != 1 || again[0] != tag {
				t.Fatalf("tag %v does not round-trip: %v, %v", tag, again, err)
			}
		}
		if order {
			if plain, err := ParseTag(s); err != nil || len(plain) != len(tags) {
				t.Fatalf("order validation changed the result for %q", s)
			}
		}
	})
}
