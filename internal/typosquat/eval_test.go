package typosquat

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sharedData is the team's read-only data directory, relative to this
// package.
const sharedData = "../../../shared/data"

// requireShared skips (locally) or fails (CI=true) when ../shared is absent.
func requireShared(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(sharedData, rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data missing: %v", err)
		}
		t.Skipf("shared data missing: %v", err)
	}
	return p
}

type rankedName struct {
	name string
	rank int
}

// loadTopTSV reads the full top-PyPI table (the generator's input).
func loadTopTSV(t testing.TB) []rankedName {
	t.Helper()
	f, err := os.Open(requireShared(t, "top-pypi-15000.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []rankedName
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Split(sc.Text(), "\t")
		if line == 1 || len(fields) < 2 {
			continue
		}
		rank, err := strconv.Atoi(fields[1])
		if err != nil {
			t.Fatalf("top-pypi-15000.tsv:%d: %v", line, err)
		}
		out = append(out, rankedName{fields[0], rank})
	}
	return out
}

// Precision goals: with the reference cut to the top 5,000, every project
// ranked 5,001–15,000 is a legitimate name the detector does not know; a
// finding on one of them is a false positive.
const (
	precisionCut    = 5000
	maxFalsePosRate = 0.01
)

func TestPrecisionUnseenPopular(t *testing.T) {
	all := loadTopTSV(t)
	ref := EmbeddedTop(precisionCut)
	if ref.Len() != precisionCut {
		t.Fatalf("EmbeddedTop(%d).Len() = %d", precisionCut, ref.Len())
	}
	checked, flagged, ed1 := 0, 0, 0
	byTrick := map[Trick]int{}
	for _, rn := range all {
		if rn.rank <= ref.rank(int32(ref.Len()-1)) {
			continue
		}
		checked++
		if naiveED1(ref, rn.name) {
			ed1++
		}
		fs := ref.Check(rn.name)
		if len(fs) == 0 {
			continue
		}
		flagged++
		byTrick[fs[0].Trick]++
		if testing.Verbose() {
			t.Logf("FP %s", fs[0])
		}
	}
	rate := float64(flagged) / float64(checked)
	t.Logf("precision: %d legitimate names ranked %d+, %d flagged: false-positive rate %.2f%% (goal ≤ %.0f%%); by trick %v",
		checked, precisionCut+1, flagged, 100*rate, 100*maxFalsePosRate, byTrick)
	t.Logf("baseline: a plain edit-distance-1 detector flags %d (%.2f%%)", ed1, 100*float64(ed1)/float64(checked))
	if checked < 9000 {
		t.Fatalf("only %d names checked; the evaluation set is incomplete", checked)
	}
	if rate > maxFalsePosRate {
		t.Errorf("false-positive rate %.2f%% exceeds %.0f%%", 100*rate, 100*maxFalsePosRate)
	}
}

// naiveED1 is the baseline detector: any reference name within Levenshtein
// or transposition distance 1 of the normalized name.
func naiveED1(ref *Reference, name string) bool {
	q := stripSeparators(name)
	for i := range int32(ref.Len()) {
		f := ref.flat(i)
		if f == q {
			return true
		}
		if _, ok := classifyEdit(q, f); ok {
			return true
		}
	}
	return false
}

// The precision goal must not hinge on one cut: with the reference cut at
// other ranks, the next (up to) 10,000 projects are the unseen legitimate
// names.
func TestPrecisionOtherCuts(t *testing.T) {
	all := loadTopTSV(t)
	for _, cut := range []int{500, 1000, 2000, 3000, 8000, 10000} {
		ref := EmbeddedTop(cut)
		last := ref.rank(int32(ref.Len() - 1))
		checked, flagged := 0, 0
		for _, rn := range all {
			if rn.rank <= last || rn.rank > last+10000 {
				continue
			}
			checked++
			if len(ref.Check(rn.name)) > 0 {
				flagged++
			}
		}
		rate := float64(flagged) / float64(checked)
		t.Logf("reference top %d, checking ranks %d–%d: %d/%d flagged, %.2f%%", cut, last+1, last+10000, flagged, checked, 100*rate)
		if checked < 4000 || rate > maxFalsePosRate {
			t.Errorf("cut %d: %d checked, false-positive rate %.2f%%", cut, checked, 100*rate)
		}
	}
}
