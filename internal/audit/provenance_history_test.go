package audit

import (
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/lockfile"
)

func TestPublisherHistoryFindings(t *testing.T) {
	gh := func(repo string) lockfile.AttestationIdentity {
		return lockfile.AttestationIdentity{Kind: "GitHub", Claims: map[string]string{"repository": repo, "workflow": "release.yml"}}
	}
	a, b := gh("org/a"), gh("org/b")
	type ids = []lockfile.AttestationIdentity
	pkg := func(name, version string, id ids, change string) lockfile.Package {
		return lockfile.Package{Name: name, Version: version, AttestationIdentities: id, PublisherChange: change, Line: 5}
	}
	// other keeps a revision's provenance on record when demo has none.
	other := pkg("other", "1.0", ids{gh("org/other")}, "")
	rev := func(commit string, pkgs ...lockfile.Package) LockRevision {
		return LockRevision{Commit: commit, Date: "2026-11-0" + commit[len(commit)-1:] + "T10:00:00+00:00", Lock: &lockfile.Lock{Packages: pkgs}}
	}
	work := func(pkgs ...lockfile.Package) LockRevision { return LockRevision{Lock: &lockfile.Lock{Packages: pkgs}} }
	const accepted = "accepted with --allow-publisher-change: demo 1.1 was published by GitHub repository=org/b, but 1.0 by GitHub repository=org/a"
	type want struct {
		pkg, version, where string
		accepted            bool
	}
	tests := []struct {
		name string
		revs []LockRevision
		want []want
	}{
		{"accepted change, then the next version",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, "")), rev("c2", pkg("demo", "1.1", ids{b}, accepted)), rev("c3", pkg("demo", "1.2", ids{b}, "")), work(pkg("demo", "1.2", ids{b}, ""))},
			[]want{{"demo", "1.1", "in commit c2 (2026-11-02)", true}}},
		{"changed by hand",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, "")), rev("c2", pkg("demo", "1.1", ids{b}, ""))},
			[]want{{"demo", "1.1", "in commit c2", false}}},
		{"provenance lost",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, ""), other), rev("c2", pkg("demo", "1.1", nil, ""), other)},
			[]want{{"demo", "1.1", "in commit c2", false}}},
		{"provenance gained",
			[]LockRevision{rev("c1", pkg("demo", "1.0", nil, ""), other), rev("c2", pkg("demo", "1.1", ids{a}, ""), other)},
			nil},
		{"fewer of the same publishers",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a, b}, "")), rev("c2", pkg("demo", "1.1", ids{b}, ""))},
			nil},
		{"same publishers in another order",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a, b}, "")), rev("c2", pkg("demo", "1.1", ids{b, a}, ""))},
			nil},
		{"repository compared case-insensitively",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{gh("Org/A")}, "")), rev("c2", pkg("demo", "1.1", ids{a}, ""))},
			nil},
		{"another workflow of the same repository",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, "")), rev("c2", pkg("demo", "1.1", ids{{Kind: "GitHub", Claims: map[string]string{"repository": "org/a", "workflow": "other.yml"}}}, ""))},
			[]want{{"demo", "1.1", "in commit c2", false}}},
		{"same version",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, "")), rev("c2", pkg("demo", "1.0", ids{b}, ""))},
			nil},
		{"equal versions written differently",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, "")), rev("c2", pkg("demo", "1.0.0", ids{b}, ""))},
			nil},
		{"the current lock records the change itself",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, "")), rev("c2", pkg("demo", "1.1", ids{b}, accepted)), work(pkg("demo", "1.1", ids{b}, accepted))},
			nil},
		{"uncommitted change",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, "")), work(pkg("demo", "1.1", ids{b}, ""))},
			[]want{{"demo", "1.1", "in the working tree", false}}},
		{"no revision records provenance",
			[]LockRevision{rev("c1", pkg("demo", "1.0", nil, "")), rev("c2", pkg("demo", "1.1", nil, "")), work(pkg("demo", "1.1", nil, ""))},
			nil},
		{"a revision without provenance is passed over",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, "")), rev("c2", pkg("demo", "1.1", nil, "")), rev("c3", pkg("demo", "1.2", ids{b}, ""))},
			[]want{{"demo", "1.2", "in commit c3", false}}},
		{"removed, then added back",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, ""), other), rev("c2", other), rev("c3", pkg("demo", "1.1", ids{b}, ""), other)},
			[]want{{"demo", "1.1", "in commit c3", false}}},
		{"names compared normalized",
			[]LockRevision{rev("c1", pkg("Demo_Pkg", "1.0", ids{a}, "")), rev("c2", pkg("demo.pkg", "1.1", ids{b}, ""))},
			[]want{{"demo.pkg", "1.1", "in commit c2", false}}},
		{"universal lock: the union of its entries",
			[]LockRevision{
				rev("c1", pkg("demo", "1.0", ids{a}, ""), pkg("demo", "2.0", ids{a}, "")),
				rev("c2", pkg("demo", "1.0", ids{a}, ""), pkg("demo", "2.1", ids{a}, "")),
				rev("c3", pkg("demo", "1.0", ids{a}, ""), pkg("demo", "2.2", ids{b}, "")),
			},
			[]want{{"demo", "1.0, 2.2", "in commit c3", false}}},
		{"direct URL packages are not compared",
			[]LockRevision{
				rev("c1", other, lockfile.Package{Name: "demo", Version: "1.0", Archive: &lockfile.File{URL: "https://x/demo-1.0.whl"}, AttestationIdentities: ids{a}}),
				rev("c2", other, lockfile.Package{Name: "demo", Version: "1.1", Archive: &lockfile.File{URL: "https://x/demo-1.1.whl"}}),
			},
			nil},
		{"several changes, oldest first",
			[]LockRevision{rev("c1", pkg("demo", "1.0", ids{a}, "")), rev("c2", pkg("demo", "1.1", ids{b}, "")), rev("c3", pkg("demo", "1.2", ids{a}, ""))},
			[]want{{"demo", "1.1", "in commit c2", false}, {"demo", "1.2", "in commit c3", false}}},
		{"no revisions", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PublisherHistoryFindings("pylock.toml", tt.revs)
			if len(got) != len(tt.want) {
				t.Fatalf("findings = %+v, want %d", got, len(tt.want))
			}
			for i, f := range got {
				w := tt.want[i]
				if f.Package != w.pkg || f.Version != w.version || !strings.Contains(f.Title, w.where) {
					t.Errorf("finding %d = %s %s %q, want %s %s %q", i, f.Package, f.Version, f.Title, w.pkg, w.version, w.where)
				}
				if f.Kind != KindProvenance || f.Rule != "provenance/publisher-change" || f.Severity != SeverityHigh || f.File != "pylock.toml" {
					t.Errorf("finding %d = %+v", i, f)
				}
				// The old publisher is named, and the new one or its absence.
				if !strings.Contains(f.Detail, "was published by GitHub repository=") || !strings.Contains(f.Detail, w.version+" has ") {
					t.Errorf("finding %d: detail %q", i, f.Detail)
				}
				if got := strings.Contains(f.Detail, "The change was accepted"); got != w.accepted {
					t.Errorf("finding %d: accepted = %v, want %v: %s", i, got, w.accepted, f.Detail)
				}
			}
		})
	}
}
