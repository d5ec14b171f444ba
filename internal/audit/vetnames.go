package audit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/typosquat"
	"github.com/pyward/pyward/internal/vet"
)

// KindProject is the family of the findings about a vetted name's project
// on the public index (internal/vet).
const KindProject Kind = "project"

// maxVetLookups bounds the index look-ups VetNames runs at once.
const maxVetLookups = 8

// VetNames asks the public index about names being vetted (`pyward audit
// --name`): for each, a "vet/facts" finding states the index status and
// project facts, and when the name imitates a popular project (ref), a
// "vet/score" finding combines the name and project signals (vet.Assess)
// into one severity. A name whose look-up fails is reported in the
// returned warnings and otherwise left to the offline checks.
func VetNames(ctx context.Context, ix vet.Index, names []string, ref *typosquat.Reference, now time.Time) ([]Finding, []string) {
	var (
		mu    sync.Mutex
		facts = map[string]*vet.Facts{}
		errs  = map[string]error{}
		wg    sync.WaitGroup
		sem   = make(chan struct{}, maxVetLookups)
	)
	lookup := func(name string) {
		defer wg.Done()
		sem <- struct{}{}
		defer func() { <-sem }()
		f, err := vet.Lookup(ctx, ix, name)
		mu.Lock()
		defer mu.Unlock()
		facts[name], errs[name] = f, err
	}
	want := map[string]bool{}
	ask := func(name string) {
		if n := pep503.Normalize(name); !want[n] {
			want[n] = true
			wg.Add(1)
			go lookup(n)
		}
	}
	squats := map[string]typosquat.Finding{}
	for _, n := range names {
		ask(n)
		if ref == nil {
			continue
		}
		if fs := ref.Check(n); len(fs) > 0 {
			squats[pep503.Normalize(n)] = fs[0]
			ask(fs[0].Imitates)
		}
	}
	wg.Wait()
	var out []Finding
	var warns []string
	done := map[string]bool{}
	for _, raw := range names {
		n := pep503.Normalize(raw)
		if done[n] {
			continue
		}
		done[n] = true
		if err := errs[n]; err != nil {
			warns = append(warns, fmt.Sprintf("%s: public index not asked: %v", raw, err))
			continue
		}
		c := facts[n]
		out = append(out, Finding{Kind: KindProject, Rule: "vet/facts", Severity: SeverityInfo, Package: raw, File: "--name",
			Title: describeFacts(c, now)})
		sq, ok := squats[n]
		if !ok || !c.Exists {
			continue
		}
		t := facts[sq.Imitates]
		if errs[sq.Imitates] != nil {
			t = nil
		}
		v := vet.Assess(vet.Input{NameScore: sq.Score, Candidate: c, Target: t, Now: now, Rank: ref.Rank})
		out = append(out, scoreFinding(raw, sq, v))
	}
	return out, warns
}

// describeFacts is the one-line state of a project on the index.
func describeFacts(f *vet.Facts, now time.Time) string {
	if !f.Exists {
		return "not on the public index: the name is unclaimed, and anyone can register it"
	}
	var parts []string
	if !f.FirstUpload.IsZero() {
		parts = append(parts, fmt.Sprintf("first upload %s (%d days ago)", f.FirstUpload.Format(time.DateOnly), int(now.Sub(f.FirstUpload).Hours()/24)))
	}
	rel := fmt.Sprintf("%d releases", f.Releases)
	if f.Releases == 1 {
		rel = "1 release"
	}
	if f.Latest != "" {
		rel += ", newest " + f.Latest
	}
	parts = append(parts, rel)
	status := "status active"
	if f.Status != "" {
		status = "status " + f.Status
		if f.StatusReason != "" {
			status += " (" + f.StatusReason + ")"
		}
	}
	parts = append(parts, status)
	if f.Provenance {
		parts = append(parts, "provenance published")
	} else {
		parts = append(parts, "no provenance")
	}
	if f.Summary != "" {
		parts = append(parts, fmt.Sprintf("summary %q", f.Summary))
	}
	if f.MetadataErr != nil {
		parts = append(parts, "metadata unreadable: "+f.MetadataErr.Error())
	}
	return "on the public index: " + strings.Join(parts, ", ")
}

func scoreFinding(name string, sq typosquat.Finding, v vet.Verdict) Finding {
	sev := SeverityInfo
	switch v.Level {
	case vet.LevelHigh:
		sev = SeverityHigh
	case vet.LevelMedium:
		sev = SeverityMedium
	case vet.LevelLow:
		sev = SeverityLow
	}
	var why, detail []string
	for _, s := range v.Signals {
		why = append(why, s.Why)
		detail = append(detail, fmt.Sprintf("vet/%s %+.2f: %s", s.ID, s.Weight, s.Why))
	}
	title := fmt.Sprintf("%s risk as a look-alike of %s (score %.2f)", v.Level, sq.Imitates, v.Score)
	if len(why) > 0 {
		title += ": " + strings.Join(why, "; ")
	} else {
		title += ": no project signal beyond the name"
	}
	return Finding{Kind: KindProject, Rule: "vet/score", Severity: sev, Package: name, File: "--name", Title: title,
		Detail: strings.Join(detail, "\n"),
		Fix:    fmt.Sprintf("install %s only if you are sure it is not %s", name, sq.Imitates)}
}
