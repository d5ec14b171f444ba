// Package budgettest checks tomlbudget.MaxParseTime (no input under 1 MiB
// may take longer to parse) in the fuzz targets of pyward's parsers of
// untrusted input:
//
//   - the TOML entry points (pyproject.toml, pylock.toml, other tools' locks);
//   - wheels, unpacked sdists, RECORD, pyward's own record, .pth and
//     entry_points.txt files, METADATA (and its header section), script
//     shebangs;
//   - simple-API pages (HTML and JSON, and the values, links and hashes in
//     them), PEP 740 provenance, PyPI project and top-project lists;
//   - distribution file names, versions, specifiers, requirements, markers,
//     compatibility tags and project names;
//   - requirements files (decoding included), the notes pyward writes in a
//     requirements lock, and fix's view of a lock;
//   - OSV records (JSON and YAML), CVSS vectors, version keys, compiled
//     advisory indexes and source-cache entries;
//   - pip configuration, netrc, index URLs, Content-Range headers, the HTTP
//     cache's pack indexes and record headers;
//   - typo-squat references (lists and compiled indexes) and the name check,
//     audit baselines, time options, forge remotes and pull-request markers,
//     and the redaction of text pyward prints.
//
// Fuzz targets left untimed check no parser of such input: the resolver
// (FuzzResolve builds random indexes; its cost is search, not parsing),
// renderers (report, FormatRecord, tomlString), differential twins
// of a timed parser run with test-only limits (FuzzParseRecordFast,
// tomlbudget's FuzzCheck), marker algebra on parsed markers (FuzzMarkerSet)
// and test support (testindex). The budget is stated once, in tomlbudget,
// where it was first needed.
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
