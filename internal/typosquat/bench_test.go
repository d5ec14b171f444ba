package typosquat

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
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

// BenchmarkLoadListFile is what an audit using the list of `pyward db
// update` pays: parse and compile the gzip'd list, or (beside) load the
// compiled index stored next to it.
func BenchmarkLoadListFile(b *testing.B) {
	p := filepath.Join(b.TempDir(), "top-pypi.tsv.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	ref := Embedded()
	for i, n := range ref.Names() {
		fmt.Fprintf(zw, "%d\t%s\n", ref.rank(int32(i)), n)
	}
	zw.Close()
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	load := func(b *testing.B) {
		for b.Loop() {
			if _, err := LoadReferenceFile(p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("parse", load)
	if err := WriteIndexBeside(p); err != nil {
		b.Fatal(err)
	}
	b.Run("beside", load)
}
