package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/testindex"
)

// Shape of the fix benchmark (issue 12, "Performance").
const (
	fixLocks       = 10
	fixPinsPerLock = 200
	// fixStride is how far apart the name ranges of two locks start: locks
	// share names, as the locks of one repository do.
	fixStride = 150
	// fixVulnEvery: every fixVulnEvery-th project has an advisory on
	// 1.0.0, fixed in 1.0.1, whose release needs a newer dependency.
	fixVulnEvery = 40
	fixMax       = 2 * time.Second
)

// fixDists is a flat index: projects p0000… with releases 1.0.0, 1.0.1 and
// 1.1.0; the fixed 1.0.1 of a vulnerable project requires the next
// project at >=1.0.1, so fixing it moves a second pin.
func fixDists(projects int) []testindex.Dist {
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []testindex.Dist
	for i := range projects {
		name := fmt.Sprintf("p%04d", i)
		fixed := testindex.Dist{Name: name, Version: "1.0.1", UploadTime: old}
		if i%fixVulnEvery == 0 && i+1 < projects {
			fixed.Requires = []string{fmt.Sprintf("p%04d>=1.0.1", i+1)}
		}
		out = append(out,
			testindex.Dist{Name: name, Version: "1.0.0", UploadTime: old},
			fixed,
			testindex.Dist{Name: name, Version: "1.1.0", UploadTime: old})
	}
	return out
}

// fixSuite measures pyward fix on a repository of fixLocks locks of
// fixPinsPerLock pins, with the advisory database compiled and every page
// the re-resolution reads in the HTTP cache.
func fixSuite(ctx context.Context, cfg *config) (*suite, error) {
	s := &suite{Name: "fix", Title: "fix — upgrade vulnerable pins in every lock of a repository (issue 12)"}
	locks, pins, stride := fixLocks, fixPinsPerLock, fixStride
	if cfg.tiny {
		locks, pins, stride = 2, 20, 10
	}
	projects := (locks-1)*stride + pins
	ix, err := testindex.New(fixDists(projects), testindex.Options{CacheControl: pypiCacheControl})
	if err != nil {
		return s, err
	}
	ix.Start()
	defer ix.Close()
	url := ix.URL() + "/simple/"
	dir := filepath.Join(cfg.work, "fix")
	repo := filepath.Join(dir, "repo")
	db := filepath.Join(dir, "osv")
	cache := filepath.Join(dir, "cache")
	if err := os.MkdirAll(db, 0o755); err != nil {
		return s, err
	}
	advisories := 0
	for i := 0; i < projects; i += fixVulnEvery {
		rec := fmt.Sprintf(`{"id": "PYSEC-BENCH-%d", "modified": "2025-01-01T00:00:00Z", "summary": "p%04d is vulnerable",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "p%04d"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}]}`, i, i, i)
		if err := os.WriteFile(filepath.Join(db, fmt.Sprintf("PYSEC-BENCH-%d.json", i)), []byte(rec), 0o644); err != nil {
			return s, err
		}
		advisories++
	}
	for l := range locks {
		sub := filepath.Join(repo, fmt.Sprintf("svc%02d", l))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return s, err
		}
		var reqs strings.Builder
		for i := l * stride; i < l*stride+pins; i++ {
			fmt.Fprintf(&reqs, "p%04d==1.0.0\n", i)
		}
		in := filepath.Join(sub, "requirements.in")
		if err := os.WriteFile(in, []byte(reqs.String()), 0o644); err != nil {
			return s, err
		}
		out := "requirements.txt"
		if l%2 == 1 {
			out = "pylock.toml"
		}
		cfg.log("fix: locking %s/%s", filepath.Base(sub), out)
		if _, _, err := run(ctx, proc{Name: cfg.pyward, Dir: sub, Args: []string{"lock", "requirements.in", "-o", out,
			"--index-url", url, "--trusted-host", "127.0.0.1", "--cache-dir", cache, "-q"}}); err != nil {
			return s, fmt.Errorf("locking %s: %w", sub, err)
		}
	}
	fix := proc{Name: cfg.pyward, Dir: repo, Args: []string{"fix", "--dry-run", "--db", db, "--cache-dir", cache,
		"--trusted-host", "127.0.0.1", "--summary", filepath.Join(dir, "summary.md")}}
	// The untimed first run compiles the advisories and fills the HTTP
	// cache with the pages of the fixed releases.
	cfg.log("fix: warming the caches")
	if _, _, err := run(ctx, fix); err != nil {
		return s, err
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		return s, err
	}
	before := ix.Requests()
	r := &row{Tool: "pyward fix", Case: fmt.Sprintf("%d locks × %d pins, db and HTTP cache warm", locks, pins),
		Checks: []check{{Target: "< " + fmtDur(fixMax)}}}
	var cpu []time.Duration
	for i := range cfg.runs {
		cfg.log("fix: pyward fix %d/%d", i+1, cfg.runs)
		smp, _, err := run(ctx, fix)
		if err != nil {
			return s, err
		}
		r.add(smp)
		cpu = append(cpu, smp.CPU)
	}
	r.Checks[0].Pass = r.median() < fixMax
	s.Rows = append(s.Rows, r)
	s.Setup = append(s.Setup,
		fmt.Sprintf("index: %d projects × 3 releases (1.0.0, 1.0.1, 1.1.0) on %s with PyPI's `Cache-Control: %s`, no injected latency; every %dth project has an advisory on 1.0.0 fixed in 1.0.1, whose 1.0.1 needs the next project at >=1.0.1 (%d advisories in an OSV directory)", projects, ix.URL(), pypiCacheControl, fixVulnEvery, advisories),
		fmt.Sprintf("repository: %d directories, each a lock of %d pins at 1.0.0 (requirements.txt and pylock.toml alternately) made by pyward lock; neighbouring locks share %d names", locks, pins, pins-stride),
		"pyward: `pyward fix --dry-run --db DIR --cache-dir CACHE --trusted-host 127.0.0.1 --summary FILE` in the repository, after one untimed run that compiled the advisories and cached the pages of the fixed releases: every lock is audited, re-resolved, verified and re-audited; --dry-run leaves the locks vulnerable so that each run does the same work (writing the files is the only step left out)",
	)
	s.Notes = append(s.Notes, fmt.Sprintf("fix: the CPU time (user + system) of a run is %s (median): the wall time above this is waiting for a CPU on a shared machine", fmtDur(median(cpu))))
	s.Notes = append(s.Notes, fmt.Sprintf("fix: the timed runs sent %d requests to the index (the HTTP cache answers the others); the summary has %d lines and %d changed pins",
		ix.Requests()-before, strings.Count(string(summary), "\n"), strings.Count(string(summary), "\n| p")))
	return s, nil
}
