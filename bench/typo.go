package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/typosquat"
)

// Targets of the typo suite (issue 13).
const (
	// typoReferenceCut is the reference the detection is measured with:
	// the top 5,000 of the download ranking; ranks beyond it up to
	// typoNegativeLast are the legitimate names it must leave alone.
	typoReferenceCut  = 5000
	typoNegativeLast  = 15000
	typoMinRecall     = 0.85
	typoMaxFalsePos   = 0.01
	startupMaxOverGap = 10 * time.Millisecond
	// startupRuns is the number of timed starts of each program: a start
	// is a few milliseconds, so more samples than the other suites.
	startupRuns      = 60
	startupRunsQuick = 20
)

// typoLabelled is the labelled set, relative to the repository root.
const typoLabelled = "bench/testdata/typo-squats.tsv"

type labelled struct {
	name, target, trick, source, split string
	line                               int
}

// typoSuite measures the typo-squat detector on the labelled set (recall
// per trick, where the imitated project is in the reference) and on
// legitimate names outside the reference (false positives), and pyward's
// start-up time against an empty Go program.
func typoSuite(ctx context.Context, cfg *config) (*suite, error) {
	s := &suite{Name: "typo", Title: "typo — typo-squat detection and start-up (issue 13)"}
	rows, err := readLabelled(filepath.Join(cfg.root, typoLabelled))
	if err != nil {
		return s, err
	}
	negatives, err := readNegatives(filepath.Join(cfg.data, "top-pypi-15000.tsv"))
	if err != nil {
		return s, err
	}
	ref := typosquat.EmbeddedTop(typoReferenceCut)
	s.Setup = append(s.Setup,
		fmt.Sprintf("detection: reference = the top %d of the embedded download ranking (`typosquat.EmbeddedTop(%d)`); positives = %d labelled look-alike names of real malicious or squatting uploads (`%s`, name, imitated project, trick, source; %q rows were visible while the rules were designed, %q rows were not); a positive counts when a finding names the labelled project; negatives = the %d projects ranked %d–%d of `top-pypi-15000.tsv`, a finding on any of them is a false positive",
			typoReferenceCut, typoReferenceCut, len(rows), typoLabelled, "design", "holdout", len(negatives), typoReferenceCut+1, typoNegativeLast),
		"start-up: `pyward version` and `pyward --help` against an empty Go program (`func main() {}`, built with the same toolchain), all started by the harness's spawner, interleaved; the target (on `version`) is the difference of the medians")

	det := detection(ref, rows, negatives)
	s.Tables = append(s.Tables, det.markdown())
	s.Notes = append(s.Notes, det.notes...)

	startup, err := startupRows(ctx, cfg)
	if err != nil {
		return s, err
	}
	s.Rows = append(s.Rows, startup...)
	base, pw, help := startup[0], startup[1], startup[2]
	s.Notes = append(s.Notes, fmt.Sprintf("start-up CPU time (user + system, which machine load disturbs less than wall time): empty program median %s (min %s), `pyward version` median %s (min %s): %s more, `pyward --help` median %s: %s more; wall time, what the target is judged on: %s more for `version` (load average %s)",
		fmtDur(median(base.CPU)), fmtDur(minimum(base.CPU)), fmtDur(median(pw.CPU)), fmtDur(minimum(pw.CPU)),
		fmtDur(median(pw.CPU)-median(base.CPU)), fmtDur(median(help.CPU)), fmtDur(median(help.CPU)-median(base.CPU)),
		fmtDur(pw.median()-base.median()), loadAvg()))
	return s, nil
}

// detectionResult tallies recall per trick and split, and false positives.
type detectionResult struct {
	byTrick          map[string]*tally
	bySplit          map[string]*tally
	all              tally
	outside          int // positives whose target is not in the reference
	negatives, fps   int
	fpByTrick        map[typosquat.Trick]int
	notes            []string
	recallPass, fpOK bool
}

type tally struct{ hit, total int }

func (t tally) String() string {
	if t.total == 0 {
		return "—"
	}
	return fmt.Sprintf("%d/%d (%.1f%%)", t.hit, t.total, 100*float64(t.hit)/float64(t.total))
}

func detection(ref *typosquat.Reference, rows []labelled, negatives []string) *detectionResult {
	d := &detectionResult{byTrick: map[string]*tally{}, bySplit: map[string]*tally{}, fpByTrick: map[typosquat.Trick]int{}}
	var misses []string
	for _, r := range rows {
		want := pep503.Normalize(r.target)
		if _, ok := ref.Rank(want); !ok {
			d.outside++
			continue
		}
		hit := false
		for _, f := range ref.Check(r.name) {
			if f.Imitates == want {
				hit = true
				break
			}
		}
		for _, t := range []*tally{d.get(d.byTrick, r.trick), d.get(d.bySplit, r.split), &d.all} {
			t.total++
			if hit {
				t.hit++
			}
		}
		if !hit {
			misses = append(misses, fmt.Sprintf("%s → %s (%s)", r.name, r.target, r.trick))
		}
	}
	for _, n := range negatives {
		d.negatives++
		if fs := ref.Check(n); len(fs) > 0 {
			d.fps++
			d.fpByTrick[fs[0].Trick]++
		}
	}
	recall := float64(d.all.hit) / float64(max(d.all.total, 1))
	fpRate := float64(d.fps) / float64(max(d.negatives, 1))
	d.recallPass, d.fpOK = recall >= typoMinRecall, fpRate <= typoMaxFalsePos
	d.notes = append(d.notes,
		fmt.Sprintf("recall where the imitated project is in the reference: %s, target ≥ %.0f%%: %s", d.all, 100*typoMinRecall, passWord(d.recallPass)),
		fmt.Sprintf("false positives: %d of %d legitimate names (%.2f%%), target ≤ %.0f%%: %s; by rule: %s", d.fps, d.negatives, 100*fpRate, 100*typoMaxFalsePos, passWord(d.fpOK), fmtTrickCounts(d.fpByTrick)),
		fmt.Sprintf("%d labelled names imitate a project outside the reference (not counted)", d.outside))
	if len(misses) > 0 {
		d.notes = append(d.notes, "missed: "+strings.Join(misses, ", "))
	}
	return d
}

func (d *detectionResult) get(m map[string]*tally, k string) *tally {
	if m[k] == nil {
		m[k] = &tally{}
	}
	return m[k]
}

// markdown renders recall per trick and per split.
func (d *detectionResult) markdown() string {
	var b strings.Builder
	b.WriteString("| trick (labelled) | recall | | split | recall |\n|---|---:|---|---|---:|\n")
	tricks := make([]string, 0, len(d.byTrick))
	for t := range d.byTrick {
		tricks = append(tricks, t)
	}
	sort.Slice(tricks, func(i, j int) bool {
		if d.byTrick[tricks[i]].total != d.byTrick[tricks[j]].total {
			return d.byTrick[tricks[i]].total > d.byTrick[tricks[j]].total
		}
		return tricks[i] < tricks[j]
	})
	splits := []string{"design", "holdout", "all"}
	for i := 0; i < max(len(tricks), len(splits)); i++ {
		var tc, tv, sc, sv string
		if i < len(tricks) {
			tc, tv = tricks[i], d.byTrick[tricks[i]].String()
		}
		if i < len(splits) {
			sc = splits[i]
			if sc == "all" {
				sv = d.all.String()
			} else if t := d.bySplit[sc]; t != nil {
				sv = t.String()
			} else {
				sv = "—"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | | %s | %s |\n", tc, tv, sc, sv)
	}
	return b.String()
}

func passWord(ok bool) string {
	if ok {
		return "pass"
	}
	return "**FAIL**"
}

func fmtTrickCounts(m map[typosquat.Trick]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, t := range typosquat.Tricks() {
		if m[t] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t, m[t]))
		}
	}
	return strings.Join(parts, ", ")
}

// readLabelled reads the labelled set: name, target, trick, source,
// split, tab-separated; '#' lines are comments.
func readLabelled(path string) ([]labelled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fs := strings.Split(text, "\t")
		if len(fs) != 5 {
			return nil, fmt.Errorf("%s:%d: want 5 tab-separated fields (name, target, trick, source, split), got %d", path, line, len(fs))
		}
		if fs[4] != "design" && fs[4] != "holdout" {
			return nil, fmt.Errorf("%s:%d: split %q, want design or holdout", path, line, fs[4])
		}
		out = append(out, labelled{fs[0], fs[1], fs[2], fs[3], fs[4], line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labelled names", path)
	}
	return out, nil
}

// readNegatives returns the names ranked typoReferenceCut+1 ..
// typoNegativeLast in the top-PyPI table.
func readNegatives(path string) ([]string, error) {
	top, err := readTopPyPI(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range top {
		if p.rank > typoReferenceCut && p.rank <= typoNegativeLast {
			out = append(out, p.name)
		}
	}
	return out, nil
}

// startupRows times an empty Go program, `pyward version` and `pyward
// --help` (what a user's first try costs; it builds the whole command
// tree's help).
func startupRows(ctx context.Context, cfg *config) ([]*row, error) {
	dir := filepath.Join(cfg.work, "empty")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module empty\n\ngo 1.26\n"), 0o644); err != nil {
		return nil, err
	}
	empty := filepath.Join(dir, "empty")
	build := exec.CommandContext(ctx, "go", "build", "-o", empty, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the empty program: %w\n%s", err, b)
	}
	runs := startupRuns
	if cfg.quick {
		runs = startupRunsQuick
	}
	base := &row{Tool: "empty Go program", Case: "exec to exit"}
	pw := &row{Tool: "pyward version", Case: "exec to exit", Ref: base,
		Checks: []check{{Target: "≤ empty + " + fmtDur(startupMaxOverGap)}}}
	help := &row{Tool: "pyward --help", Case: "exec to exit", Ref: base}
	// Interleaved, so that a change in machine load hits both alike.
	for i := range runs {
		if i%10 == 0 {
			cfg.log("typo: start-up %d/%d", i+1, runs)
		}
		for _, c := range []struct {
			r    *row
			name string
			args []string
		}{{base, empty, nil}, {pw, cfg.pyward, []string{"version"}}, {help, cfg.pyward, []string{"--help"}}} {
			smp, _, err := run(ctx, proc{Name: c.name, Args: c.args})
			if err != nil {
				return nil, err
			}
			c.r.add(smp)
		}
	}
	pw.Checks[0].Pass = pw.median()-base.median() <= startupMaxOverGap
	return []*row{base, pw, help}, nil
}
