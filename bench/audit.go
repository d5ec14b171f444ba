package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/pyward/pyward/internal/osv"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/typosquat"
)

// Shape of the audit benchmark (issue 4, "Performance").
const (
	auditLockSize   = 1000
	auditTypoNames  = 1000
	auditWarmMax    = 100 * time.Millisecond
	auditColdMax    = 400 * time.Millisecond
	auditTypoMax    = 50 * time.Millisecond
	auditPeerFactor = 5.0
	// auditLockFiles lock files of auditLockFileMin..auditLockFileMax pins
	// are audited by one process and by one process each (CI jobs and
	// pre-commit hooks start one process per file).
	auditLockFiles   = 20
	auditLockFileMin = 30
	auditLockFileMax = 200
	// auditAffectedShare of the advisory-db packages get a version an
	// advisory lists as affected; the others a fixed or recent version.
	auditAffectedShare = 0.6

	osvScannerModule = "github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.6.0"
	osvScannerGo     = "go1.27.3"
	// maxDiffLines bounds the differences quoted in the results (all are
	// written to bench/out/audit-diff.md).
	maxDiffLines = 40
)

func auditSuite(ctx context.Context, cfg *config) (*suite, error) {
	s := &suite{Name: "audit", Title: "audit — vulnerabilities and typo-squats (issue 4)"}
	dir := filepath.Join(cfg.work, "audit")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return s, err
	}
	advDir := filepath.Join(cfg.data, "pypa-advisory-db")
	cfg.log("audit: converting %s to a zip of OSV JSON", advDir)
	adv, err := convertAdvisories(advDir)
	if err != nil {
		return s, err
	}
	zipPath := filepath.Join(dir, "all.zip")
	if err := os.WriteFile(zipPath, adv.zip, 0o644); err != nil {
		return s, err
	}
	lockSize, typoSize := auditLockSize, auditTypoNames
	if cfg.tiny {
		lockSize, typoSize = 50, 50
	}
	top, err := readTopPyPI(filepath.Join(cfg.data, "top-pypi-15000.tsv"))
	if err != nil {
		return s, err
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.seed), 0x6175646974))
	pins := auditLock(rng, adv, top, lockSize)
	reqs := filepath.Join(dir, "requirements.txt")
	var b strings.Builder
	for _, p := range pins {
		fmt.Fprintf(&b, "%s==%s\n", p[0], p[1])
	}
	if err := os.WriteFile(reqs, []byte(b.String()), 0o644); err != nil {
		return s, err
	}
	s.Setup = append(s.Setup,
		fmt.Sprintf("advisories: every file of %s (%d YAML advisories, %d with PyPI packages), converted once to a zip of OSV JSON (%d KiB) that both tools read", advDir, adv.files, adv.records, len(adv.zip)/1024),
		fmt.Sprintf("lock: requirements.txt of %d `name==version` lines: %d names from the advisory database (%.0f%% at a version an advisory lists, the rest at a fixed or current version), the rest from top-pypi-15000.tsv at their latest version (seed %d)", len(pins), countFromAdv(pins, adv), auditAffectedShare*100, cfg.seed),
		"pyward warm: `pyward audit requirements.txt --cache-dir DIR --offline --format json --fail-on none --no-index-config`, with DIR filled beforehand by the code behind `pyward db update` (osv.Cache.Update) from the zip served on 127.0.0.1 (the compiled index is read, nothing is parsed); cold: `--db all.zip` (the JSON zip) and `--db pypa-advisory-db` (the YAML tree), parsed on every run (the compiled entry each run writes is removed before the next); pyward also runs its typo-squat and hygiene checks on the same names in these runs",
	)

	// pyward warm: fill the cache through a loopback server, as `pyward db update` would.
	cache := filepath.Join(dir, "cache")
	if err := fillOSVCache(ctx, filepath.Join(cache, "osv"), adv.zip); err != nil {
		return s, fmt.Errorf("filling the advisory cache: %w", err)
	}
	pyAudit := func(extra ...string) proc {
		args := append([]string{"audit", reqs, "--offline", "--format", "json", "--fail-on", "none", "--no-index-config"}, extra...)
		return proc{Name: cfg.pyward, Dir: dir, Args: args, OKCodes: []int{1}}
	}
	warm := &row{Tool: "pyward audit", Case: fmt.Sprintf("warm (compiled cache), %d packages", len(pins)),
		Checks: []check{{Target: "< " + fmtDur(auditWarmMax)}}}
	var pywardJSON []byte
	for i := range cfg.runs {
		cfg.log("audit: pyward warm %d/%d", i+1, cfg.runs)
		smp, res, err := run(ctx, pyAudit("--cache-dir", cache))
		if err != nil {
			return s, err
		}
		warm.add(smp)
		pywardJSON = res.Stdout
	}
	warm.Checks[0].Pass = warm.median() < auditWarmMax
	s.Rows = append(s.Rows, warm)
	for _, c := range []struct{ label, db string }{{"cold, --db all.zip (JSON)", zipPath}, {"cold, --db YAML tree", advDir}} {
		r := &row{Tool: "pyward audit", Case: fmt.Sprintf("%s, %d packages", c.label, len(pins)),
			Checks: []check{{Target: "< " + fmtDur(auditColdMax)}}}
		for i := range cfg.runs {
			cfg.log("audit: pyward %s %d/%d", c.label, i+1, cfg.runs)
			// Cold: no compiled entry of the source yet; this run parses it
			// and writes one.
			empty := filepath.Join(dir, "empty-cache")
			if err := os.RemoveAll(empty); err != nil {
				return s, err
			}
			smp, res, err := run(ctx, pyAudit("--cache-dir", empty, "--db", c.db))
			if err != nil {
				return s, err
			}
			r.add(smp)
			if !sameVulnFindings(res.Stdout, pywardJSON) {
				s.Notes = append(s.Notes, fmt.Sprintf("**pyward %s found different vulnerabilities than with the compiled cache**", c.label))
			}
		}
		r.Checks[0].Pass = r.median() < auditColdMax
		s.Rows = append(s.Rows, r)
	}

	// Typo-squats.
	names := typoNames(rng, top, typoSize)
	s.Setup = append(s.Setup, fmt.Sprintf("typo-squat: %d names (half real project names ranked 5,001+, half single edits and affix games on top-1,000 names), `pyward audit --name N1 --name N2 … --no-vulns --no-index-config --offline --format json`, and `typosquat.Check` in-process (steady state, after the embedded reference is loaded)", len(names)))
	typoCLI := &row{Tool: "pyward audit --name", Case: fmt.Sprintf("typo-squat check, %d names", len(names)),
		Checks: []check{{Target: "< " + fmtDur(auditTypoMax)}}}
	args := []string{"audit", "--no-vulns", "--no-index-config", "--offline", "--format", "json", "--fail-on", "none"}
	for _, n := range names {
		args = append(args, "--name", n)
	}
	var flagged int
	for i := range cfg.runs {
		cfg.log("audit: pyward --name %d/%d", i+1, cfg.runs)
		smp, res, err := run(ctx, proc{Name: cfg.pyward, Dir: dir, Args: args, OKCodes: []int{1}})
		if err != nil {
			return s, err
		}
		typoCLI.add(smp)
		flagged = countKind(res.Stdout, "typosquat")
	}
	typoCLI.Checks[0].Pass = typoCLI.median() < auditTypoMax
	inproc := &row{Tool: "typosquat.Check (in-process)", Case: fmt.Sprintf("%d names, reference loaded", len(names)),
		Checks: []check{{Target: "< " + fmtDur(auditTypoMax)}}}
	loadStart := time.Now()
	typosquat.Check("requests") // loads the embedded reference
	load := time.Since(loadStart)
	var direct int
	for range max(cfg.runs, 5) {
		start := time.Now()
		direct = 0
		for _, n := range names {
			if len(typosquat.Check(n)) > 0 {
				direct++
			}
		}
		inproc.Samples = append(inproc.Samples, time.Since(start))
	}
	inproc.Checks[0].Pass = inproc.median() < auditTypoMax
	s.Rows = append(s.Rows, typoCLI, inproc)
	s.Notes = append(s.Notes, fmt.Sprintf("typo-squat: the CLI reported %d typo-squat findings, the in-process check flagged %d of %d names; loading the embedded reference took %s (in-process, first call)", flagged, direct, len(names), fmtDur(load)))

	// Many lock files through --db all.zip.
	many, err := newLockSet(rng, adv, top, dir, cfg.tiny)
	if err != nil {
		return s, err
	}
	s.Setup = append(s.Setup, many.setup())
	manyRows, err := many.measurePyward(ctx, cfg, s, zipPath)
	if err != nil {
		return s, err
	}

	// osv-scanner.
	scanner, why := findOSVScanner(ctx, cfg)
	peer := &row{Tool: "osv-scanner v2.6.0 (offline)", Case: fmt.Sprintf("%d packages", len(pins)), Ref: warm,
		Checks: []check{{Target: fmt.Sprintf("pyward warm ≥ %.0f× faster", auditPeerFactor)}}}
	s.Rows = append(s.Rows, peer)
	peerMany := many.peerRows(manyRows)
	s.Rows = append(s.Rows, peerMany...)
	if scanner == "" {
		peer.Skipped = why
		for _, r := range peerMany {
			r.Skipped = why
		}
		s.Notes = append(s.Notes, "osv-scanner not run: "+why)
		return s, nil
	}
	osvDB := filepath.Join(dir, "osv-scanner-db")
	if err := os.MkdirAll(filepath.Join(osvDB, "osv-scalibr", "PyPI"), 0o755); err != nil {
		return s, err
	}
	if err := os.WriteFile(filepath.Join(osvDB, "osv-scalibr", "PyPI", "all.zip"), adv.zip, 0o644); err != nil {
		return s, err
	}
	env := cleanEnv("OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="+osvDB, "HOME="+dir)
	scanArgs := []string{"scan", "source", "--offline", "--offline-vulnerabilities", "--no-resolve",
		"--format", "json", "-L", "requirements.txt:" + reqs}
	var scannerJSON []byte
	for i := range cfg.peerRuns {
		cfg.log("audit: osv-scanner %d/%d", i+1, cfg.peerRuns)
		// osv-scanner exits 1 when it finds vulnerabilities.
		smp, res, err := run(ctx, proc{Name: scanner, Dir: dir, Args: scanArgs, Env: env, OKCodes: []int{1}})
		if err != nil {
			peer.Samples, peer.Skipped = nil, "osv-scanner failed: "+firstLine(err.Error())
			s.Notes = append(s.Notes, "osv-scanner failed: "+cell(err.Error()))
			return s, nil
		}
		peer.add(smp)
		scannerJSON = res.Stdout
	}
	if x, ok := peer.ratio(); ok {
		peer.Checks[0].Pass = x >= auditPeerFactor
	}
	if err := many.measureScanner(ctx, cfg, s, peerMany, scanner, env); err != nil {
		for _, r := range peerMany {
			r.Samples, r.Skipped = nil, "osv-scanner failed: "+firstLine(err.Error())
		}
		s.Notes = append(s.Notes, "osv-scanner on many lock files failed: "+cell(err.Error()))
	}
	if cold := s.Rows[1]; len(cold.Samples) > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("osv-scanner vs pyward cold on the same zip: %.1f×", float64(peer.median())/float64(cold.median())))
	}
	diff, err := compareFindings(pywardJSON, scannerJSON)
	if err != nil {
		s.Notes = append(s.Notes, "comparing findings failed: "+err.Error())
		return s, nil
	}
	s.Notes = append(s.Notes, diff.summary())
	full := diff.markdown()
	if err := os.WriteFile(filepath.Join(cfg.out, "audit-diff.md"), []byte(full), 0o644); err != nil {
		return s, err
	}
	lines := diff.lines()
	if len(lines) > maxDiffLines {
		lines = append(lines[:maxDiffLines], fmt.Sprintf("… %d more in bench/out/audit-diff.md", len(diff.lines())-maxDiffLines))
	}
	s.Notes = append(s.Notes, lines...)
	return s, nil
}

// lockSet is the many-lock-files case: each file in its own directory as
// requirements.txt, the way projects keep them.
type lockSet struct {
	paths []string
	pins  int
}

func newLockSet(rng *rand.Rand, adv *advisories, top []topProject, dir string, tiny bool) (*lockSet, error) {
	n, lo, hi := auditLockFiles, auditLockFileMin, auditLockFileMax
	if tiny {
		n, lo, hi = 3, 10, 20
	}
	ls := &lockSet{}
	for i := range n {
		pins := auditLock(rng, adv, top, lo+rng.IntN(hi-lo+1))
		var b strings.Builder
		for _, p := range pins {
			fmt.Fprintf(&b, "%s==%s\n", p[0], p[1])
		}
		p := filepath.Join(dir, "locks", fmt.Sprintf("project-%02d", i+1), "requirements.txt")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
		ls.paths = append(ls.paths, p)
		ls.pins += len(pins)
	}
	return ls, nil
}

func (ls *lockSet) setup() string {
	return fmt.Sprintf("many lock files: %d requirements.txt files of %d–%d pins (%d in all, drawn like the lock above), audited against `--db all.zip` by one process (`pyward audit F1 … F%d`; osv-scanner `-L requirements.txt:F1 … -L requirements.txt:F%d`) and by one process per file run one after another, as CI jobs and pre-commit hooks do; a row's time is the whole set. pyward compiles the zip into its cache on the first run after the zip changes (timed separately, untimed warm-up otherwise) and reads the compiled entry afterwards",
		len(ls.paths), auditLockFileMin, auditLockFileMax, ls.pins, len(ls.paths), len(ls.paths))
}

// runEach runs one process per proc, one after another, as one sample.
func runEach(ctx context.Context, ps []proc) (sample, error) {
	var total sample
	for _, p := range ps {
		smp, _, err := run(ctx, p)
		if err != nil {
			return total, err
		}
		total.Wall += smp.Wall
		total.CPU += smp.CPU
		total.RSSKB = max(total.RSSKB, smp.RSSKB)
	}
	return total, nil
}

// measurePyward times pyward on the lock set: one process, then one per
// file. It returns the two rows.
func (ls *lockSet) measurePyward(ctx context.Context, cfg *config, s *suite, zipPath string) ([2]*row, error) {
	dir := filepath.Dir(filepath.Dir(filepath.Dir(ls.paths[0])))
	cache := filepath.Join(dir, "many-cache")
	pyAudit := func(files ...string) proc {
		args := append([]string{"audit", "--offline", "--format", "json", "--fail-on", "none", "--no-index-config", "--cache-dir", cache, "--db", zipPath}, files...)
		return proc{Name: cfg.pyward, Dir: dir, Args: args, OKCodes: []int{1}}
	}
	os.RemoveAll(cache)
	first, _, err := run(ctx, pyAudit(ls.paths...))
	if err != nil {
		return [2]*row{}, err
	}
	s.Notes = append(s.Notes, fmt.Sprintf("many lock files: pyward's first run after the zip changed (parses it and writes the compiled entry) took %s for the %d files in one process", fmtDur(first.Wall), len(ls.paths)))
	one := &row{Tool: "pyward audit", Case: fmt.Sprintf("%d lock files, one process, --db all.zip", len(ls.paths))}
	each := &row{Tool: "pyward audit", Case: fmt.Sprintf("%d lock files, one process each, --db all.zip", len(ls.paths))}
	perFile := make([]proc, len(ls.paths))
	for i, p := range ls.paths {
		perFile[i] = pyAudit(p)
	}
	for i := range cfg.runs {
		cfg.log("audit: pyward %d lock files %d/%d", len(ls.paths), i+1, cfg.runs)
		smp, _, err := run(ctx, pyAudit(ls.paths...))
		if err != nil {
			return [2]*row{}, err
		}
		one.add(smp)
		if smp, err = runEach(ctx, perFile); err != nil {
			return [2]*row{}, err
		}
		each.add(smp)
	}
	s.Rows = append(s.Rows, one, each)
	return [2]*row{one, each}, nil
}

// peerRows are osv-scanner's rows for the lock set, each compared with
// pyward's row of the same mode.
func (ls *lockSet) peerRows(py [2]*row) []*row {
	target := []check{{Target: fmt.Sprintf("pyward ≥ %.0f× faster", auditPeerFactor)}}
	return []*row{
		{Tool: "osv-scanner v2.6.0 (offline)", Case: fmt.Sprintf("%d lock files, one process", len(ls.paths)), Ref: py[0], Checks: slices.Clone(target)},
		{Tool: "osv-scanner v2.6.0 (offline)", Case: fmt.Sprintf("%d lock files, one process each", len(ls.paths)), Ref: py[1], Checks: slices.Clone(target)},
	}
}

func (ls *lockSet) measureScanner(ctx context.Context, cfg *config, s *suite, rows []*row, scanner string, env []string) error {
	dir := filepath.Dir(filepath.Dir(filepath.Dir(ls.paths[0])))
	scan := func(files ...string) proc {
		args := []string{"scan", "source", "--offline", "--offline-vulnerabilities", "--no-resolve", "--format", "json"}
		for _, f := range files {
			args = append(args, "-L", "requirements.txt:"+f)
		}
		// osv-scanner exits 1 when it finds vulnerabilities.
		return proc{Name: scanner, Dir: dir, Args: args, Env: env, OKCodes: []int{1}}
	}
	perFile := make([]proc, len(ls.paths))
	for i, p := range ls.paths {
		perFile[i] = scan(p)
	}
	for i := range cfg.peerRuns {
		cfg.log("audit: osv-scanner %d lock files %d/%d", len(ls.paths), i+1, cfg.peerRuns)
		smp, _, err := run(ctx, scan(ls.paths...))
		if err != nil {
			return err
		}
		rows[0].add(smp)
		if smp, err = runEach(ctx, perFile); err != nil {
			return err
		}
		rows[1].add(smp)
	}
	for _, r := range rows {
		if x, ok := r.ratio(); ok {
			r.Checks[0].Pass = x >= auditPeerFactor
		}
	}
	return nil
}

// advisories is the converted advisory database.
type advisories struct {
	zip      []byte
	files    int
	records  int
	affected map[string][]string // normalized name → versions listed as affected
	fixed    map[string][]string // normalized name → fixed versions
	display  map[string]string   // normalized name → name as written
}

// convertAdvisories reads every YAML advisory under dir and returns a zip of
// the same records as JSON (one ID.json member each, as in OSV's all.zip).
func convertAdvisories(dir string) (*advisories, error) {
	a := &advisories{affected: map[string][]string{}, fixed: map[string][]string{}, display: map[string]string{}}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	seen := map[string]bool{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var doc map[string]any
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		a.files++
		id, _ := doc["id"].(string)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		js, err := json.Marshal(jsonable(doc))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		w, err := zw.Create(id + ".json")
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(js); err != nil {
			return nil, err
		}
		if _, withdrawn := doc["withdrawn"]; withdrawn {
			continue
		}
		counted := false
		affs, _ := doc["affected"].([]any)
		for _, x := range affs {
			af, _ := x.(map[string]any)
			pkg, _ := af["package"].(map[string]any)
			name, _ := pkg["name"].(string)
			if eco, _ := pkg["ecosystem"].(string); eco != "PyPI" || name == "" {
				continue
			}
			counted = true
			n := pep503.Normalize(name)
			a.display[n] = name
			vs, _ := af["versions"].([]any)
			for _, v := range vs {
				if s, ok := v.(string); ok && validVersion(s) {
					a.affected[n] = append(a.affected[n], s)
				}
			}
			rs, _ := af["ranges"].([]any)
			for _, r := range rs {
				rm, _ := r.(map[string]any)
				if t, _ := rm["type"].(string); t != "ECOSYSTEM" {
					continue // GIT ranges name commits
				}
				evs, _ := rm["events"].([]any)
				for _, e := range evs {
					em, _ := e.(map[string]any)
					if f, ok := em["fixed"].(string); ok && validVersion(f) {
						a.fixed[n] = append(a.fixed[n], f)
					}
				}
			}
		}
		if counted {
			a.records++
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	a.zip = buf.Bytes()
	return a, nil
}

// jsonable turns a YAML document into values encoding/json accepts, with
// timestamps in RFC 3339 as the OSV schema wants.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		m := map[string]any{}
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

func validVersion(s string) bool {
	_, err := pep440.Parse(s)
	return err == nil
}

type topProject struct {
	name, version string
	rank          int
}

func readTopPyPI(path string) ([]topProject, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []topProject
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		fields := strings.Split(sc.Text(), "\t")
		if line == 0 || len(fields) < 3 {
			continue
		}
		rank, err := strconv.Atoi(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: rank %q: %w", path, line+1, fields[1], err)
		}
		out = append(out, topProject{name: fields[0], rank: rank, version: fields[2]})
	}
	return out, sc.Err()
}

// auditLock picks size (name, version) pins: advisory-db names first, then
// popular names that have a latest version.
func auditLock(rng *rand.Rand, a *advisories, top []topProject, size int) [][2]string {
	latest := map[string]string{}
	for _, t := range top {
		latest[pep503.Normalize(t.name)] = t.version
	}
	var advNames []string
	for n := range a.display {
		advNames = append(advNames, n)
	}
	sort.Strings(advNames)
	rng.Shuffle(len(advNames), func(i, j int) { advNames[i], advNames[j] = advNames[j], advNames[i] })
	advNames = advNames[:min(len(advNames), size*2/3)]
	var pins [][2]string
	used := map[string]bool{}
	for _, n := range advNames {
		var v string
		aff, fix := a.affected[n], a.fixed[n]
		switch {
		case len(aff) > 0 && rng.Float64() < auditAffectedShare:
			v = aff[rng.IntN(len(aff))]
		case len(fix) > 0:
			v = fix[rng.IntN(len(fix))]
		case latest[n] != "":
			v = latest[n]
		case len(aff) > 0:
			v = aff[rng.IntN(len(aff))]
		default:
			continue
		}
		used[n] = true
		pins = append(pins, [2]string{a.display[n], v})
	}
	for _, t := range top {
		if len(pins) >= size {
			break
		}
		n := pep503.Normalize(t.name)
		if used[n] || t.version == "" {
			continue
		}
		used[n] = true
		pins = append(pins, [2]string{t.name, t.version})
	}
	sort.Slice(pins, func(i, j int) bool { return pep503.Normalize(pins[i][0]) < pep503.Normalize(pins[j][0]) })
	return pins
}

func countFromAdv(pins [][2]string, a *advisories) int {
	n := 0
	for _, p := range pins {
		if _, ok := a.display[pep503.Normalize(p[0])]; ok {
			n++
		}
	}
	return n
}

// typoNames returns n names: half real project names outside the top 5,000
// (should mostly pass), half simple mutations of top-1,000 names (should
// mostly be flagged).
func typoNames(rng *rand.Rand, top []topProject, n int) []string {
	var out []string
	for _, t := range top {
		if len(out) >= n/2 {
			break
		}
		if t.rank > 5000 {
			out = append(out, t.name)
		}
	}
	popular := top[:min(1000, len(top))]
	for len(out) < n {
		name := pep503.Normalize(popular[rng.IntN(len(popular))].name)
		if len(name) < 4 {
			continue
		}
		i := 1 + rng.IntN(len(name)-2)
		switch rng.IntN(5) {
		case 0: // adjacent swap
			b := []byte(name)
			b[i], b[i+1] = b[i+1], b[i]
			name = string(b)
		case 1: // deletion
			name = name[:i] + name[i+1:]
		case 2: // doubled letter
			name = name[:i] + name[i:i+1] + name[i:]
		case 3:
			name = "python-" + name
		default:
			name += "-py"
		}
		out = append(out, name)
	}
	return out
}

// fillOSVCache runs the `pyward db update` code path against a loopback
// server holding the zip.
func fillOSVCache(ctx context.Context, dir string, zipData []byte) error {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("ETag", `"bench"`)
		w.Write(zipData)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	c := &osv.Cache{Dir: dir, URL: srv.URL + "/PyPI/all.zip", Client: srv.Client()}
	_, err = c.Update(ctx)
	return err
}

// findOSVScanner returns the osv-scanner binary, installing it into the
// bench-local GOBIN when allowed, or "" and why not.
func findOSVScanner(ctx context.Context, cfg *config) (string, string) {
	bin := filepath.Join(cfg.gobin, "osv-scanner")
	if _, err := os.Stat(bin); err == nil {
		return bin, ""
	}
	if !cfg.install {
		return "", "not installed in " + cfg.gobin + " (installation disabled)"
	}
	cfg.log("audit: installing osv-scanner into %s (GOTOOLCHAIN=%s go install %s)", cfg.gobin, osvScannerGo, osvScannerModule)
	cmd := exec.CommandContext(ctx, "go", "install", osvScannerModule)
	cmd.Env = append(cleanEnv(), "GOBIN="+cfg.gobin, "GOTOOLCHAIN="+osvScannerGo)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Sprintf("`GOTOOLCHAIN=%s go install %s` failed: %v: %s", osvScannerGo, osvScannerModule, err, firstLine(tail(string(out), 300)))
	}
	return bin, ""
}

// pywardReport is the part of `pyward audit --format json` the benchmark reads.
type pywardReport struct {
	Findings []struct {
		Kind    string   `json:"kind"`
		Package string   `json:"package"`
		Version string   `json:"version"`
		ID      string   `json:"id"`
		Aliases []string `json:"aliases"`
	} `json:"findings"`
}

func countKind(js []byte, kind string) int {
	var r pywardReport
	if json.Unmarshal(js, &r) != nil {
		return -1
	}
	n := 0
	for _, f := range r.Findings {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

// finding groups: (package, version) → alias groups.
type groupSet map[[2]string][][]string

func pywardGroups(js []byte) (groupSet, error) {
	var r pywardReport
	if err := json.Unmarshal(js, &r); err != nil {
		return nil, fmt.Errorf("pyward JSON: %w", err)
	}
	g := groupSet{}
	for _, f := range r.Findings {
		if f.ID == "" || (f.Kind != "vulnerability" && f.Kind != "malicious") {
			continue
		}
		k := [2]string{pep503.Normalize(f.Package), f.Version}
		g[k] = append(g[k], append([]string{f.ID}, f.Aliases...))
	}
	return g, nil
}

func sameVulnFindings(a, b []byte) bool {
	ga, err1 := pywardGroups(a)
	gb, err2 := pywardGroups(b)
	if err1 != nil || err2 != nil {
		return false
	}
	d := diffGroups(ga, gb)
	return len(d.onlyA) == 0 && len(d.onlyB) == 0
}

// scannerGroups reads osv-scanner's JSON output: results[].packages[] with
// package{name,version}, vulnerabilities[]{id,aliases} and groups[]{ids,aliases}.
func scannerGroups(js []byte) (groupSet, error) {
	var r struct {
		Results []struct {
			Packages []struct {
				Package struct {
					Name    string `json:"name"`
					Version string `json:"version"`
				} `json:"package"`
				Vulnerabilities []struct {
					ID      string   `json:"id"`
					Aliases []string `json:"aliases"`
				} `json:"vulnerabilities"`
				Groups []struct {
					IDs     []string `json:"ids"`
					Aliases []string `json:"aliases"`
				} `json:"groups"`
			} `json:"packages"`
		} `json:"results"`
	}
	if err := json.Unmarshal(js, &r); err != nil {
		return nil, fmt.Errorf("osv-scanner JSON: %w", err)
	}
	g := groupSet{}
	for _, res := range r.Results {
		for _, p := range res.Packages {
			k := [2]string{pep503.Normalize(p.Package.Name), p.Package.Version}
			if len(p.Groups) > 0 {
				for _, gr := range p.Groups {
					g[k] = append(g[k], append(slices.Clone(gr.IDs), gr.Aliases...))
				}
				continue
			}
			for _, v := range p.Vulnerabilities {
				g[k] = append(g[k], append([]string{v.ID}, v.Aliases...))
			}
		}
	}
	return g, nil
}

type findingDiff struct {
	matched      int
	onlyA, onlyB []string // "name==version: ID (aliases)"
	totalA       int
	totalB       int
}

// diffGroups matches alias groups per (package, version): two groups are the
// same finding when they share any identifier.
func diffGroups(a, b groupSet) findingDiff {
	var d findingDiff
	keys := map[[2]string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([][2]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i][0] != sorted[j][0] {
			return sorted[i][0] < sorted[j][0]
		}
		return sorted[i][1] < sorted[j][1]
	})
	overlap := func(x, y []string) bool {
		for _, s := range x {
			if slices.Contains(y, s) {
				return true
			}
		}
		return false
	}
	for _, k := range sorted {
		d.totalA += len(a[k])
		d.totalB += len(b[k])
		for _, ga := range a[k] {
			found := false
			for _, gb := range b[k] {
				if overlap(ga, gb) {
					found = true
					break
				}
			}
			if found {
				d.matched++
			} else {
				d.onlyA = append(d.onlyA, fmt.Sprintf("%s==%s: %s", k[0], k[1], strings.Join(ga, ", ")))
			}
		}
		for _, gb := range b[k] {
			found := false
			for _, ga := range a[k] {
				if overlap(ga, gb) {
					found = true
					break
				}
			}
			if !found {
				d.onlyB = append(d.onlyB, fmt.Sprintf("%s==%s: %s", k[0], k[1], strings.Join(gb, ", ")))
			}
		}
	}
	return d
}

type auditComparison struct{ findingDiff }

func compareFindings(pywardJSON, scannerJSON []byte) (*auditComparison, error) {
	a, err := pywardGroups(pywardJSON)
	if err != nil {
		return nil, err
	}
	b, err := scannerGroups(scannerJSON)
	if err != nil {
		return nil, err
	}
	return &auditComparison{diffGroups(a, b)}, nil
}

func (c *auditComparison) summary() string {
	return fmt.Sprintf("findings (package, version, alias group): pyward %d, osv-scanner %d, in both %d, only pyward %d, only osv-scanner %d (groups match when they share any ID or alias; full list in bench/out/audit-diff.md)",
		c.totalA, c.totalB, c.matched, len(c.onlyA), len(c.onlyB))
}

func (c *auditComparison) lines() []string {
	var out []string
	for _, l := range c.onlyA {
		out = append(out, "only pyward: "+l)
	}
	for _, l := range c.onlyB {
		out = append(out, "only osv-scanner: "+l)
	}
	return out
}

func (c *auditComparison) markdown() string {
	var b strings.Builder
	b.WriteString("# pyward audit vs osv-scanner: findings that differ\n\n" + c.summary() + "\n\n")
	for _, l := range c.lines() {
		b.WriteString("- " + l + "\n")
	}
	return b.String()
}
