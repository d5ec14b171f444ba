package install

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseRecord compares the unquoted fast path with encoding/csv on
// a RECORD the size of a mid-sized wheel's (200 rows), the figure that
// BENCHMARKS.md gives for record.go.
func BenchmarkParseRecord(b *testing.B) {
	var sb strings.Builder
	for i := range 200 {
		fmt.Fprintf(&sb, "pkg/sub%d/module_%d.py,sha256=%043d,%d\n", i%7, i, i, 1000+i*37)
	}
	sb.WriteString("pkg-1.0.dist-info/RECORD,,\n")
	data := []byte(sb.String())
	for _, c := range []struct {
		name  string
		parse func([]byte) ([]RecordEntry, error)
	}{{"fast", ParseRecord}, {"csv", parseRecordCSV}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
