package audit

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/testindex"
)

func TestIndexLookupsAgainstTestIndex(t *testing.T) {
	now := time.Now().UTC()
	ix, err := testindex.New([]testindex.Dist{
		{Name: "evil", Version: "1.0", UploadTime: now.AddDate(-1, 0, 0)},
		{Name: "yanky", Version: "1.0", Yanked: true, YankedReason: "broken wheel", UploadTime: now.AddDate(-1, 0, 0)},
		{Name: "fresh", Version: "2.0", UploadTime: now.Add(-2 * time.Hour)},
		{Name: "acme-utils", Version: "99.0", UploadTime: now.AddDate(-1, 0, 0)},
	}, testindex.Options{Status: map[string]testindex.ProjectStatus{"evil": {Status: "quarantined", Reason: "malware"}}})
	if err != nil {
		t.Fatal(err)
	}
	base := ix.Start()
	defer ix.Close()
	u, _ := url.Parse(base)
	factory := func(loc string) (*index.Client, error) {
		return index.New(index.Options{Sources: []index.Source{{Name: "test", URL: loc}}, TrustedHosts: []string{u.Host}, NoCache: true})
	}
	lookups := &IndexLookups{NewClient: factory, DefaultIndex: base}
	pkgs := []*inventory.Package{
		{Name: "evil", Version: "1.0", Pinned: true}, {Name: "yanky", Version: "1.0", Pinned: true},
		{Name: "fresh", Version: "2.0", Pinned: true}, {Name: "unknown-here", Version: "1", Pinned: true},
	}
	got, warns := checkProjects(context.Background(), lookups, pkgs, DefaultCooldown, now)
	if len(warns) != 0 {
		t.Fatalf("warnings: %v", warns)
	}
	for _, w := range []struct{ rule, pkg string }{{"status/quarantined", "evil"}, {"yanked", "yanky"}, {"recent-release", "fresh"}} {
		if hasRule(got, w.rule, w.pkg) == nil {
			t.Errorf("missing %s for %s (got %v)", w.rule, w.pkg, rules(got))
		}
	}
	if len(got) != 3 {
		t.Errorf("findings: %v", rules(got))
	}
	pubClient, _ := factory(base)
	pub := &LivePublicIndex{Client: pubClient}
	fs, err := checkConfusion(context.Background(), pub, []*inventory.Package{
		{Name: "acme-utils", Version: "1.0", Pinned: true, Index: "https://pypi.corp.example/simple/"},
		{Name: "acme-free", Version: "1.0", Pinned: true, Index: "https://pypi.corp.example/simple/"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := hasRule(fs, "confusion/claimed", "acme-utils"); f == nil || f.Severity != SeverityCritical {
		t.Errorf("claimed with a higher public version: %+v (all %v)", f, rules(fs))
	}
	if hasRule(fs, "confusion/unclaimed", "acme-free") == nil {
		t.Errorf("unclaimed: %v", rules(fs))
	}
}
