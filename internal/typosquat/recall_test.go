package typosquat

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/pep503"
)

// minRecall is the share of known real squats (testdata/known-squats.tsv)
// that Check must attribute to the right project with the full embedded
// reference.
const minRecall = 0.85

type knownSquat struct {
	name, imitates, source string
	line                   int
}

func loadKnownSquats(t testing.TB) []knownSquat {
	t.Helper()
	f, err := os.Open("testdata/known-squats.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []knownSquat
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) != 3 {
			t.Fatalf("known-squats.tsv:%d: want 3 tab-separated fields, got %d", line, len(fields))
		}
		out = append(out, knownSquat{fields[0], fields[1], fields[2], line})
	}
	return out
}

func TestRecallKnownSquats(t *testing.T) {
	squats := loadKnownSquats(t)
	if len(squats) < 60 {
		t.Fatalf("only %d known squats; want at least 60", len(squats))
	}
	ref := Embedded()
	hits, inRef, hitsInRef, anyFlag := 0, 0, 0, 0
	type tally struct{ hit, total int }
	bySource := map[string]*tally{}
	byTrick := map[Trick]int{}
	var misses []string
	baseline := 0
	for _, s := range squats {
		if naiveED1Hits(ref, s.name, pep503.Normalize(s.imitates)) {
			baseline++
		}
		if _, popular := ref.Rank(s.name); popular {
			t.Errorf("known-squats.tsv:%d: %s is itself in the reference", s.line, s.name)
		}
		want := pep503.Normalize(s.imitates)
		_, known := ref.Rank(want)
		if known {
			inRef++
		}
		st := bySource[s.source]
		if st == nil {
			st = &tally{}
			bySource[s.source] = st
		}
		st.total++
		fs := ref.Check(s.name)
		if len(fs) > 0 {
			anyFlag++
		}
		hit := false
		for _, f := range fs {
			if f.Imitates == want {
				hit = true
				byTrick[f.Trick]++
				break
			}
		}
		if hit {
			hits++
			st.hit++
			if known {
				hitsInRef++
			}
			continue
		}
		why := "target not in reference"
		if known {
			why = "no finding"
			if len(fs) > 0 {
				why = "found " + fs[0].String()
			}
		}
		misses = append(misses, s.name+" → "+s.imitates+": "+why)
	}
	recall := float64(hits) / float64(len(squats))
	t.Logf("recall: %d/%d known squats attributed to the right project (%.1f%%, goal ≥ %.0f%%); %d flagged at all",
		hits, len(squats), 100*recall, 100*minRecall, anyFlag)
	t.Logf("recall where the imitated project is in the reference: %d/%d (%.1f%%)",
		hitsInRef, inRef, 100*float64(hitsInRef)/float64(inRef))
	t.Logf("baseline: a plain edit-distance-1 detector attributes %d/%d (%.1f%%)",
		baseline, len(squats), 100*float64(baseline)/float64(len(squats)))
	var srcs []string
	for s := range bySource {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	for _, s := range srcs {
		t.Logf("  %-10s %d/%d", s, bySource[s].hit, bySource[s].total)
	}
	t.Logf("tricks of hits: %v", byTrick)
	for _, m := range misses {
		t.Logf("  miss: %s", m)
	}
	if recall < minRecall {
		t.Errorf("recall %.1f%% below %.0f%%", 100*recall, 100*minRecall)
	}
}

// naiveED1Hits reports whether the baseline detector (any reference name
// within one edit or separator change) would attribute name to want.
func naiveED1Hits(ref *Reference, name, want string) bool {
	r, ok := ref.id(want)
	if !ok {
		return false
	}
	q := stripSeparators(pep503.Normalize(name))
	f := ref.flat(r)
	if q == f {
		return true
	}
	_, ok = classifyEdit(q, f)
	return ok
}
