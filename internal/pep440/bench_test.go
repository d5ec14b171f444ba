package pep440

import "testing"

var benchVersions = []string{
	"1.0", "2.31.0", "1!2.0rc1.post2.dev3+ubuntu.1", "v1.0.0-beta.4-post2_DEV5", "2024.10.1", "0.9.post0",
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(benchVersions[i%len(benchVersions)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	vs := make([]Version, len(benchVersions))
	for i, s := range benchVersions {
		vs[i] = MustParse(s)
	}
	vs = append(vs, MustParse("2.31.0.0"), MustParse("1.0+local"))
	b.ReportAllocs()
	sink := 0
	for i := 0; b.Loop(); i++ {
		sink += vs[i%len(vs)].Compare(vs[(i+3)%len(vs)])
	}
	_ = sink
}

func BenchmarkContains(b *testing.B) {
	ss := MustParseSpecifierSet(">=2.0,!=2.5.*,<3,~=2.1")
	vs := []Version{MustParse("2.4.1"), MustParse("2.5.3"), MustParse("3.0a1"), MustParse("1.9"), MustParse("2.31.0+x")}
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		if ss.Contains(vs[i%len(vs)], false) {
			n++
		}
	}
	_ = n
}

func BenchmarkParseSpecifierSet(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSpecifierSet(">=2.0, !=2.5.*, <3, ~=2.1"); err != nil {
			b.Fatal(err)
		}
	}
}
