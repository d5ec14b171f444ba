package osv

import (
	"bufio"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lockSize is the audit size the performance goals are stated for.
const lockSize = 1000

type pin struct{ name, version string }

// benchLock builds a 1,000-package lock: every package that has an advisory
// (so each query does real matching work) topped up with the most
// downloaded PyPI projects at their latest versions.
func benchLock(b *testing.B) []pin {
	b.Helper()
	var lock []pin
	seen := map[string]bool{}
	entries, err := os.ReadDir(needShared(b, advisoryDir))
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && len(lock) < lockSize {
			// Mid-history versions hit plenty of ranges.
			lock = append(lock, pin{e.Name(), "1.2.0"})
			seen[e.Name()] = true
		}
	}
	f, err := os.Open(needShared(b, "../../../shared/data/top-pypi-15000.tsv"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() && len(lock) < lockSize {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) >= 3 && !seen[cols[0]] {
			lock = append(lock, pin{cols[0], cols[2]})
			seen[cols[0]] = true
		}
	}
	if len(lock) != lockSize {
		b.Fatalf("lock has %d packages, want %d", len(lock), lockSize)
	}
	return lock
}

// cpuTime is the process's user+system CPU time. The team machine is
// shared, so wall time per op swings with load; CPU per op does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds a cpu-ms/op metric for the loop that started at start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

func audit(db *DB, lock []pin) int {
	n := 0
	for _, p := range lock {
		n += len(db.Query(p.name, p.version))
	}
	return n
}

// advisoryZip packs the YAML snapshot into a zip, the cold source shape of
// `pyward db update`.
func advisoryZip(b *testing.B) string {
	b.Helper()
	dir := needShared(b, advisoryDir)
	files := map[string]string{}
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.yaml"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(data)
	}
	return writeZip(b, files)
}

// BenchmarkAuditWarm is the everyday path: open the cached index written by
// `pyward db update` and audit a 1,000-package lock. Goal: < 100 ms.
func BenchmarkAuditWarm(b *testing.B) {
	lock := benchLock(b)
	zipData, err := os.ReadFile(advisoryZip(b))
	if err != nil {
		b.Fatal(err)
	}
	es := &exportServer{}
	es.set(zipData, `"bench"`)
	srv := httptest.NewServer(es)
	defer srv.Close()
	clock := time.Now()
	c := &Cache{Dir: b.TempDir(), URL: srv.URL + "/PyPI/all.zip", Client: srv.Client(), Now: func() time.Time { return clock }}
	if _, err := c.Update(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var found int
	start := cpuTime()
	defer reportCPU(b, start)
	for b.Loop() {
		db, _, err := c.Open(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		found = audit(db, lock)
	}
	b.ReportMetric(float64(found), "findings")
}

// BenchmarkAuditColdDir parses the YAML advisory tree from scratch, then
// audits. Goal: < 400 ms.
func BenchmarkAuditColdDir(b *testing.B) {
	lock := benchLock(b)
	dir := needShared(b, advisoryDir)
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	defer reportCPU(b, start)
	for b.Loop() {
		db, errs, err := LoadDir(b.Context(), dir)
		if err != nil || len(errs) > 0 {
			b.Fatal(err, errs)
		}
		audit(db, lock)
	}
}

// BenchmarkAuditColdZip parses a zip of the same advisories, then audits.
// Goal: < 400 ms.
func BenchmarkAuditColdZip(b *testing.B) {
	lock := benchLock(b)
	z := advisoryZip(b)
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	defer reportCPU(b, start)
	for b.Loop() {
		db, errs, err := LoadZip(b.Context(), z)
		if err != nil || len(errs) > 0 {
			b.Fatal(err, errs)
		}
		audit(db, lock)
	}
}

// BenchmarkQuery is one lookup in a loaded database (django, the package
// with the most advisories in the snapshot).
func BenchmarkQuery(b *testing.B) {
	db, _, err := LoadDir(b.Context(), needShared(b, advisoryDir))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		db.Query("Django", "3.2.1")
	}
}
