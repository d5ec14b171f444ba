// Package budgettest checks tomlbudget.MaxParseTime (no input under 1 MiB
// may take longer to parse) in the fuzz targets of pyward's parsers of
// untrusted input: the TOML entry points, and wheels, RECORD, .pth and
// entry_points.txt files, METADATA, simple-API pages, requirements files,
// OSV records, provenance and pip configuration. The budget is stated once,
// in tomlbudget, where it was first needed.
package budgettest

import (
	"flag"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget"
)

// Fuzzing reports whether the test binary runs with -test.fuzz (the fuzz
// coordinator passes it on to its workers too).
func Fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// Check fails t if parsing n bytes, started at start, took longer than
// tomlbudget.MaxParseTime, for inputs under 1 MiB. Only while fuzzing:
// that is where slow inputs are looked for, whereas go test runs just the
// small seed inputs, and a test must not depend on the machine's speed or
// load.
func Check(t testing.TB, n int, start time.Time) {
	t.Helper()
	if !Fuzzing() {
		return
	}
	if d := time.Since(start); n < 1<<20 && d > tomlbudget.MaxParseTime {
		t.Fatalf("parsing %d bytes took %v (budget %v)", n, d, tomlbudget.MaxParseTime)
	}
}
