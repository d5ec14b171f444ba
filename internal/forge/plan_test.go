package forge

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestMarkerRoundTrip(t *testing.T) {
	tests := []struct {
		group string
		ids   []string
	}{
		{".", []string{"PYSEC-2099-1"}},
		{"services/api", []string{"GHSA-aaaa-bbbb-cccc", "PYSEC-2099-1"}},
		{`odd "dir" -->`, nil},
	}
	for _, tt := range tests {
		body := "summary\n\n" + Marker(tt.group, tt.ids) + "\n"
		g, ids, ok := ParseMarker(body)
		if !ok || g != tt.group || !reflect.DeepEqual(ids, tt.ids) {
			t.Errorf("ParseMarker(Marker(%q, %v)) = %q, %v, %v", tt.group, tt.ids, g, ids, ok)
		}
	}
	for _, body := range []string{"", "no marker", `<!-- pyward-fix group="." -->`, `<!-- pyward-fix group="." advisories="A" extra -->`, `<!-- pyward-fix group=. advisories="A" -->`} {
		if _, _, ok := ParseMarker(body); ok {
			t.Errorf("ParseMarker(%q) accepted", body)
		}
	}
}

func FuzzParseMarker(f *testing.F) {
	f.Add(Marker(".", []string{"A", "B"}))
	f.Add(`<!-- pyward-fix group="x\"" advisories="" -->`)
	f.Fuzz(func(t *testing.T, body string) {
		start := time.Now()
		g, ids, ok := ParseMarker(body)
		budgettest.Check(t, len(body), start)
		if !ok {
			return
		}
		// What parses is what Marker writes for it.
		g2, ids2, ok2 := ParseMarker(Marker(g, ids))
		if !ok2 || g2 != g || strings.Join(ids2, ",") != strings.Join(ids, ",") {
			t.Errorf("round trip of %q: %q %v", body, g2, ids2)
		}
	})
}

func TestPlanFor(t *testing.T) {
	pr := func(n int, group string, ids ...string) PR {
		return PR{Number: n, Branch: fmt.Sprintf("b%d", n), Body: "text\n" + Marker(group, ids)}
	}
	human := PR{Number: 9, Body: "a person's pull request"}
	tests := []struct {
		name       string
		open       []PR
		ids        []string
		update     int
		superseded []int
	}{
		{"nothing open: open a new one", []PR{human}, []string{"A"}, 0, nil},
		{"same set: update it", []PR{human, pr(1, ".", "A")}, []string{"A"}, 1, nil},
		{"a second advisory: grow the open one", []PR{pr(1, ".", "A")}, []string{"A", "B"}, 1, nil},
		{"same set preferred over a subset", []PR{pr(1, ".", "A"), pr(2, ".", "A", "B")}, []string{"A", "B"}, 2, []int{1}},
		{"a set not contained: new one supersedes it", []PR{pr(1, ".", "A", "C")}, []string{"A", "B"}, 0, []int{1}},
		{"other group untouched", []PR{pr(1, "svc", "A")}, []string{"A"}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := PlanFor(tt.open, ".", tt.ids)
			got := 0
			if p.Update != nil {
				got = p.Update.Number
			}
			var sup []int
			for _, s := range p.Superseded {
				sup = append(sup, s.Number)
			}
			if got != tt.update || !reflect.DeepEqual(sup, tt.superseded) {
				t.Errorf("update #%d superseded %v, want #%d %v", got, sup, tt.update, tt.superseded)
			}
		})
	}
}

// memClient is an in-memory Client.
type memClient struct {
	prs      []PR
	created  int
	updated  []int
	comments map[int][]string
}

func (m *memClient) OpenPRs(context.Context, string) ([]PR, error) { return m.prs, nil }
func (m *memClient) Create(_ context.Context, n NewPR) (PR, error) {
	m.created++
	pr := PR{Number: len(m.prs) + 1, URL: fmt.Sprintf("https://forge/pr/%d", len(m.prs)+1), Title: n.Title, Body: n.Body, Branch: n.Branch}
	m.prs = append(m.prs, pr)
	return pr, nil
}
func (m *memClient) Update(_ context.Context, n int, title, body string) error {
	m.updated = append(m.updated, n)
	m.prs[n-1].Title, m.prs[n-1].Body = title, body
	return nil
}
func (m *memClient) Comment(_ context.Context, n int, body string) error {
	m.comments[n] = append(m.comments[n], body)
	return nil
}

// TestApplySupersedes: a fix that does not contain an open one's
// advisories opens a new pull request, which names the old one, and the
// old one is told in a comment.
func TestApplySupersedes(t *testing.T) {
	ctx := context.Background()
	m := &memClient{comments: map[int][]string{}}
	want := NewPR{Title: "t", Body: "body\n" + Marker(".", []string{"A", "C"}), Branch: "b", Base: "main"}
	out, err := Apply(ctx, m, PlanFor(m.prs, ".", []string{"A", "C"}), want)
	if err != nil || !out.Created || out.PR.Number != 1 {
		t.Fatalf("first: %+v %v", out, err)
	}
	// The same set again: updated, not duplicated.
	out, err = Apply(ctx, m, PlanFor(m.prs, ".", []string{"A", "C"}), want)
	if err != nil || out.Created || m.created != 1 || !reflect.DeepEqual(m.updated, []int{1}) {
		t.Fatalf("same set: %+v %v, %d created, updated %v", out, err, m.created, m.updated)
	}
	// C was withdrawn, B is new: a new pull request supersedes #1.
	want2 := NewPR{Title: "t2", Body: "body\n" + Marker(".", []string{"A", "B"}), Branch: "b2", Base: "main"}
	out, err = Apply(ctx, m, PlanFor(m.prs, ".", []string{"A", "B"}), want2)
	if err != nil || !out.Created || out.PR.Number != 2 || len(out.Superseded) != 1 {
		t.Fatalf("superseding: %+v %v", out, err)
	}
	if !strings.Contains(m.prs[1].Body, "This fix supersedes #1.") {
		t.Errorf("new body does not name #1:\n%s", m.prs[1].Body)
	}
	if c := m.comments[1]; len(c) != 1 || !strings.Contains(c[0], "Superseded by #2 (https://forge/pr/2)") {
		t.Errorf("comments on #1: %v", c)
	}
}
