package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/metadata"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/testindex"
)

// TestMain lets the test binary act as the spawner that run uses to start
// tools (see spawnMain).
func TestMain(m *testing.M) {
	if os.Getenv(spawnEnv) == "1" {
		spawnMain()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// smokeTimeout bounds the whole tiny run.
const smokeTimeout = 5 * time.Minute

// TestQuickSmoke runs every suite in tiny mode (tiny inputs, no injected
// latency, one run per case) so that a broken harness fails CI. Peers that
// are not installed are skipped by the harness itself; osv-scanner is never
// installed by the test (it is used when `go run ./bench` installed it).
// The heavy benchmark runs only through `go run ./bench`.
func TestQuickSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds pyward and runs pip: skipped with -short")
	}
	cfg, err := newConfig(t.TempDir(), "", "python3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cfg.data, "pypa-advisory-db")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data missing: %v", err)
		}
		t.Skipf("shared data missing: %v", err)
	}
	cfg.gobin = filepath.Join(cfg.root, "bench", "out", "gobin")
	cfg.tiny, cfg.quick, cfg.seed, cfg.install = true, true, 1, false
	cfg.log = t.Logf
	ctx, cancel := context.WithTimeout(context.Background(), smokeTimeout)
	defer cancel()
	md, suites, err := runBench(ctx, cfg, allSuites)
	if err != nil {
		t.Fatal(err)
	}
	if len(suites) != len(allSuites) {
		t.Fatalf("got %d suites, want %d", len(suites), len(allSuites))
	}
	for _, s := range suites {
		if len(s.Rows) == 0 {
			t.Errorf("suite %s has no rows", s.Name)
		}
		for _, n := range s.Notes {
			if strings.Contains(n, "suite failed") || strings.Contains(n, "did not work") {
				t.Errorf("suite %s: %s", s.Name, n)
			}
		}
		for _, r := range s.Rows {
			if strings.HasPrefix(r.Tool, "pyward") && len(r.Samples) == 0 {
				t.Errorf("suite %s: %s %s has no samples (%s)", s.Name, r.Tool, r.Case, r.Skipped)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(cfg.out, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != md || !strings.Contains(md, "| pyward lock | cold, 5 names |") {
		t.Errorf("results.md does not hold the rendered tables:\n%s", md)
	}
}

func TestDiffGroups(t *testing.T) {
	key := [2]string{"requests", "2.19.1"}
	tests := []struct {
		name         string
		a, b         groupSet
		matched      int
		onlyA, onlyB int
	}{
		{"alias overlap matches", groupSet{key: {{"PYSEC-2018-28", "CVE-2018-18074"}}}, groupSet{key: {{"GHSA-x84v-xcm2-53pg", "CVE-2018-18074"}}}, 1, 0, 0},
		{"extra group on one side", groupSet{key: {{"PYSEC-2018-28"}}}, groupSet{key: {{"PYSEC-2018-28"}, {"GHSA-only"}}}, 1, 0, 1},
		{"other version differs", groupSet{key: {{"A"}}}, groupSet{{"requests", "2.20.0"}: {{"A"}}}, 0, 1, 1},
		{"both empty", groupSet{}, groupSet{}, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := diffGroups(tt.a, tt.b)
			if d.matched != tt.matched || len(d.onlyA) != tt.onlyA || len(d.onlyB) != tt.onlyB {
				t.Errorf("diffGroups = %+v, want matched %d onlyA %d onlyB %d", d, tt.matched, tt.onlyA, tt.onlyB)
			}
		})
	}
}

func TestGraphDepth(t *testing.T) {
	pkg := func(name string, deps ...string) lockfile.Package {
		return lockfile.Package{Name: name, Version: "1", Dependencies: deps}
	}
	l := &lockfile.Lock{Packages: []lockfile.Package{
		pkg("a", "b", "c"), pkg("b", "c"), pkg("c", "d"), pkg("d"), pkg("E_x"),
	}}
	tests := []struct {
		top     []string
		want    int
		wantErr bool
	}{
		{[]string{"a"}, 4, false},
		{[]string{"c", "e-x"}, 2, false},
		{[]string{"E.X"}, 1, false},
		{[]string{"missing"}, 0, true},
	}
	for _, tt := range tests {
		got, err := graphDepth(l, tt.top)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("graphDepth(%v) = %d, %v; want %d (error %v)", tt.top, got, err, tt.want, tt.wantErr)
		}
	}
	cyclic := &lockfile.Lock{Packages: []lockfile.Package{pkg("a", "b"), pkg("b", "a")}}
	if _, err := graphDepth(cyclic, []string{"a"}); err == nil {
		t.Error("graphDepth accepted a cycle")
	}
}

// TestRealSyncDistributions checks the realistic sync set: the requested
// size, real METADATA whose name and version are the distribution's, every
// dependency inside the set at an allowed version (so `pip check` passes),
// the mix of wheel kinds, and the same set for the same seed.
func TestRealSyncDistributions(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "data", "real-metadata")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared data missing: %v", err)
	}
	bt := binaryTarget{tag: "cp311-cp311-manylinux_2_17_x86_64", extSuffix: ".cpython-311-x86_64-linux-gnu.so"}
	ds, err := realSyncDistributions(dir, realSyncDists, 1, bt)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != realSyncDists {
		t.Fatalf("got %d distributions, want %d", len(ds), realSyncDists)
	}
	env, err := pep508.TargetEnvironment("3.11", pep508.PlatformLinux)
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string]string{}
	for _, d := range ds {
		if _, dup := versions[d.ProjectName()]; dup {
			t.Errorf("%s twice", d.Name)
		}
		versions[d.ProjectName()] = d.Version
	}
	binary, console, maxModules := 0, 0, 0
	for _, d := range ds {
		md, err := metadata.Parse(d.RawMetadata)
		if err != nil || md.Name != d.Name || md.Version != d.Version {
			t.Errorf("%s %s: METADATA says %q %q (%v)", d.Name, d.Version, md.Name, md.Version, err)
			continue
		}
		for _, r := range md.Dependencies(nil, env) {
			v, ok := versions[pep503.Normalize(r.Name)]
			if !ok || !r.Specifier.ContainsString(v, nil) {
				t.Errorf("%s needs %s, the set has %q", d.Name, r, v)
			}
		}
		if len(d.WheelTags) == 1 && d.WheelTags[0] == bt.tag {
			binary++
		}
		if len(d.ConsoleScripts) > 0 {
			console++
		}
		maxModules = max(maxModules, len(d.Modules))
	}
	if binary == 0 || console == 0 || maxModules < 40 {
		t.Errorf("set lacks variety: %d binary wheels, %d with console scripts, at most %d modules", binary, console, maxModules)
	}
	again, err := realSyncDistributions(dir, realSyncDists, 1, bt)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(ds); i += 13 { // a sample: building every wheel twice is slow
		fa, a, err1 := testindex.BuildWheel(ds[i], "")
		fb, b, err2 := testindex.BuildWheel(again[i], "")
		if err1 != nil || err2 != nil || fa != fb || !bytes.Equal(a, b) {
			t.Fatalf("seed 1 gave different wheels: %s vs %s (%v, %v)", fa, fb, err1, err2)
		}
	}
}

// TestUpdateSuites checks that a run of some suites replaces only their
// target lines and sections in BENCHMARKS.md and keeps the others.
func TestUpdateSuites(t *testing.T) {
	old := "# B\n\n" + resultsBegin + "\n\n## Results\n\nCommand: `go run ./bench` (full)\n\nTargets:\n\n" +
		"- lock: L1 **pass**\n- sync: S-old **FAIL**\n- sync: S-old2 **pass**\n- audit: A1 **pass**\n\n" +
		"### lock — resolve\n\nlock table\n\n### sync — install (issue 5)\n\nold sync table\n\n### audit — vulns\n\naudit table\n\n" +
		resultsEnd + "\n\nhand-written tail\n"
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	su := &suite{Name: "sync", Title: "sync — install (issues 5 and 9)", Setup: []string{"new setup"},
		Rows: []*row{{Tool: "pyward sync", Case: "no-op", Samples: []time.Duration{time.Millisecond}, Checks: []check{{Target: "< 100 ms", Pass: true}}}}}
	if err := updateSuites(path, "Command: `go run ./bench -suite sync`\n\n- date: now\n\n", []*suite{su}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, want := range []string{"- lock: L1 **pass**\n- sync: pyward sync no-op, target < 100 ms: **pass** (1.0 ms)\n- audit: A1 **pass**\n",
		"### lock — resolve\n\nlock table\n\n### sync — install (issues 5 and 9)\n\nThis section comes from a run of the sync suite alone:\n\nCommand: `go run ./bench -suite sync`\n\n- date: now\n\n- new setup\n",
		"\n### audit — vulns\n\naudit table\n\n" + resultsEnd + "\n\nhand-written tail\n", "Command: `go run ./bench` (full)"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	for _, gone := range []string{"S-old", "old sync table", "(issue 5)"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q was kept:\n%s", gone, got)
		}
	}
}
