package typosquat

import (
	"bufio"
	"compress/gzip"
	"os"
	"testing"
)

// sampleNames returns n names spread evenly over every PyPI project name
// (../shared/data/pypi-names.txt.gz), the realistic input of an audit.
func sampleNames(tb testing.TB, n int) []string {
	tb.Helper()
	all := allNames(tb)
	if len(all) < n {
		tb.Fatalf("only %d names", len(all))
	}
	out := make([]string, n)
	step := len(all) / n
	for i := range out {
		out[i] = all[i*step]
	}
	return out
}

// allNames returns every PyPI project name in the shared snapshot.
func allNames(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open(requireShared(tb, "pypi-names.txt.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var all []string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		all = append(all, sc.Text())
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return all
}

// freshEmbedded loads the embedded snapshot anew, bypassing the process
// cache, so load costs are measured.
func freshEmbedded(tb testing.TB) *Reference {
	r, err := loadReference(embeddedIndex)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func BenchmarkCheck1000(b *testing.B) {
	names := sampleNames(b, 1000)
	ref := Embedded()
	b.ResetTimer()
	for b.Loop() {
		for _, n := range names {
			ref.Check(n)
		}
	}
}

func BenchmarkLoadEmbedded(b *testing.B) {
	for b.Loop() {
		freshEmbedded(b)
	}
}

// BenchmarkIndexBuild compiles the embedded list anew, what a user
// reference (--reference FILE) costs.
func BenchmarkIndexBuild(b *testing.B) {
	ref := freshEmbedded(b)
	names, ranks := ref.Names(), refRanks(ref)
	b.ResetTimer()
	for b.Loop() {
		if _, err := compile(names, ranks); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColdCheck1000 is what one audit pays: load the snapshot and
// check 1,000 names.
func BenchmarkColdCheck1000(b *testing.B) {
	names := sampleNames(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		ref := freshEmbedded(b)
		for _, n := range names {
			ref.Check(n)
		}
	}
}
