package lock

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/provenance"
)

// TestVerdicts: a stored verdict is found only for the same root, body and
// file digest; an unreadable entry is a miss, never an identity.
func TestVerdicts(t *testing.T) {
	dir := t.TempDir()
	v := &Verdicts{Dir: dir, Root: "root-a"}
	id := provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "o/r", "workflow": "w.yml"}}
	body, sha := []byte(`{"version":1}`), "ab"
	v.put(body, sha, []provenance.Identity{id})
	if got, ok := v.get(body, sha); !ok || len(got) != 1 || !got[0].Equal(id) {
		t.Fatalf("hit = %v, %v", got, ok)
	}
	v.Save()
	for name, miss := range map[string]func() bool{
		"other root": func() bool { _, ok := (&Verdicts{Dir: dir, Root: "root-b"}).get(body, sha); return ok },
		"other body": func() bool {
			_, ok := (&Verdicts{Dir: dir, Root: "root-a"}).get([]byte(`{"version":2}`), sha)
			return ok
		},
		"other digest": func() bool { _, ok := (&Verdicts{Dir: dir, Root: "root-a"}).get(body, "cd"); return ok },
	} {
		if miss() {
			t.Errorf("%s: hit", name)
		}
	}
	if got, ok := (&Verdicts{Dir: dir, Root: "root-a"}).get(body, sha); !ok || len(got) != 1 || !got[0].Equal(id) {
		t.Fatalf("hit after Save, read by another run = %v, %v", got, ok)
	}
	doc := verdictDoc{Version: verdictVersion, Entries: []verdictEntry{{Key: v.key(body, sha), IDs: []string{"GitHub repository"}}}}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, verdictFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, ok := (&Verdicts{Dir: dir, Root: "root-a"}).get(body, sha); ok {
		t.Fatalf("corrupt entry read as %v", got)
	}
	for name, content := range map[string]string{
		"not JSON":      `{"version":1,"entries":[`,
		"other version": fmt.Sprintf(`{"version":%d,"entries":[{"key":%q,"ids":[%q]}]}`, verdictVersion+1, v.key(body, sha), id.String()),
	} {
		if err := os.WriteFile(filepath.Join(dir, verdictFile), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, ok := (&Verdicts{Dir: dir, Root: "root-a"}).get(body, sha); ok {
			t.Errorf("%s: read as %v", name, got)
		}
	}
}

// TestVerdictsSaveMerges: runs that save one after the other keep each
// other's verdicts, a verdict saved again moves to the newest end, and the
// oldest beyond MaxVerdicts are dropped.
func TestVerdictsSaveMerges(t *testing.T) {
	dir := t.TempDir()
	id := provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "o/r", "workflow": "w.yml"}}
	ids := []provenance.Identity{id}
	a, b := &Verdicts{Dir: dir, Root: "r"}, &Verdicts{Dir: dir, Root: "r"}
	a.put([]byte("a"), "1", ids)
	b.put([]byte("b"), "1", ids)
	a.Save()
	b.Save()
	for _, body := range []string{"a", "b"} {
		if _, ok := (&Verdicts{Dir: dir, Root: "r"}).get([]byte(body), "1"); !ok {
			t.Errorf("verdict for %q lost", body)
		}
	}
	c := &Verdicts{Dir: dir, Root: "r"}
	c.put([]byte("a"), "1", ids) // verified again: now the newest
	for i := range MaxVerdicts - 1 {
		c.put([]byte(fmt.Sprint("fill", i)), "1", ids)
	}
	c.Save()
	got := (&Verdicts{Dir: dir, Root: "r"}).read()
	if len(got) != MaxVerdicts {
		t.Fatalf("%d entries kept, want MaxVerdicts (%d)", len(got), MaxVerdicts)
	}
	d := &Verdicts{Dir: dir, Root: "r"}
	if _, ok := d.get([]byte("b"), "1"); ok {
		t.Errorf("oldest verdict kept beyond MaxVerdicts")
	}
	if _, ok := d.get([]byte("a"), "1"); !ok {
		t.Errorf("verdict saved again was dropped as old")
	}
	if got[0].Key != c.key([]byte("a"), "1") {
		t.Errorf("first entry is not the re-saved verdict")
	}
	// Nothing new: Save leaves the file alone.
	before, err := os.ReadFile(filepath.Join(dir, verdictFile))
	if err != nil {
		t.Fatal(err)
	}
	d.Save()
	var nilVerdicts *Verdicts
	nilVerdicts.Save()
	after, err := os.ReadFile(filepath.Join(dir, verdictFile))
	if err != nil || string(after) != string(before) {
		t.Errorf("Save without new verdicts changed the file (%v)", err)
	}
}

// TestJudge: change detection and --require-provenance for one package
// against the lock being replaced. A publisher differing in repository or
// workflow, an added publisher, or lost provenance is refused unless
// --allow-publisher-change names the package, which records the change; the
// record stays with that version on later re-locks.
func TestJudge(t *testing.T) {
	gh := func(repo, workflow string) provenance.Identity {
		return provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": repo, "workflow": workflow}}
	}
	own, moved, otherWorkflow := gh("acme/demo", "release.yml"), gh("mallory/demo", "release.yml"), gh("acme/demo", "nightly.yml")
	ids := func(ids ...provenance.Identity) []provenance.Identity { return ids }
	const accepted = "accepted with --allow-publisher-change: demo 1.1 was published by GitHub repository=mallory/demo workflow=release.yml, but 1.0 by GitHub repository=acme/demo workflow=release.yml"
	tests := []struct {
		name       string
		prev       *lockfile.Package // nil: no previous lock entry
		cur        lockfile.Package
		require    []string
		from       map[string]string // RequireFrom
		allow      []string
		want       string // substring of the refusal; "" means accepted
		wantChange string // the recorded PublisherChange (exact)
	}{
		{name: "same publisher", prev: &lockfile.Package{Version: "1.0", AttestationIdentities: ids(own)},
			cur: lockfile.Package{Version: "1.1", AttestationIdentities: ids(own)}},
		{name: "repository differs in case only", prev: &lockfile.Package{Version: "1.0", AttestationIdentities: ids(own)},
			cur: lockfile.Package{Version: "1.1", AttestationIdentities: ids(gh("ACME/Demo", "release.yml"))}},
		{name: "another repository", prev: &lockfile.Package{Version: "1.0", AttestationIdentities: ids(own)},
			cur:  lockfile.Package{Version: "1.1", AttestationIdentities: ids(moved)},
			want: "demo 1.1 was published by GitHub repository=mallory/demo workflow=release.yml, but 1.0 by GitHub repository=acme/demo workflow=release.yml (if expected, re-lock with --allow-publisher-change demo)"},
		{name: "another workflow", prev: &lockfile.Package{Version: "1.0", AttestationIdentities: ids(own)},
			cur:  lockfile.Package{Version: "1.1", AttestationIdentities: ids(otherWorkflow)},
			want: "demo 1.1 was published by GitHub repository=acme/demo workflow=nightly.yml, but 1.0 by"},
		{name: "a publisher added beside the old one", prev: &lockfile.Package{Version: "1.0", AttestationIdentities: ids(own)},
			cur:  lockfile.Package{Version: "1.1", AttestationIdentities: ids(own, moved)},
			want: "demo 1.1 was published by GitHub repository=mallory/demo"},
		{name: "lost provenance", prev: &lockfile.Package{Version: "1.0", AttestationIdentities: ids(own)},
			cur:  lockfile.Package{Version: "1.1"},
			want: "demo 1.1 has no provenance, but 1.0 was published by GitHub repository=acme/demo workflow=release.yml"},
		{name: "gained provenance", prev: &lockfile.Package{Version: "1.0"},
			cur: lockfile.Package{Version: "1.1", AttestationIdentities: ids(own)}},
		{name: "allowed for another package", prev: &lockfile.Package{Version: "1.0", AttestationIdentities: ids(own)},
			cur: lockfile.Package{Version: "1.1", AttestationIdentities: ids(moved)}, allow: []string{"other"},
			want: "--allow-publisher-change demo"},
		{name: "allowed change is recorded", prev: &lockfile.Package{Version: "1.0", AttestationIdentities: ids(own)},
			cur: lockfile.Package{Version: "1.1", AttestationIdentities: ids(moved)}, allow: []string{"demo"},
			wantChange: accepted},
		{name: "allowed loss is recorded", prev: &lockfile.Package{Version: "1.0", AttestationIdentities: ids(own)},
			cur: lockfile.Package{Version: "1.1"}, allow: []string{"demo"},
			wantChange: "accepted with --allow-publisher-change: demo 1.1 has no provenance, but 1.0 was published by GitHub repository=acme/demo workflow=release.yml"},
		{name: "the record stays with its version", prev: &lockfile.Package{Version: "1.1", AttestationIdentities: ids(moved), PublisherChange: accepted},
			cur: lockfile.Package{Version: "1.1", AttestationIdentities: ids(moved)}, wantChange: accepted},
		{name: "the record does not follow a new version", prev: &lockfile.Package{Version: "1.1", AttestationIdentities: ids(moved), PublisherChange: accepted},
			cur: lockfile.Package{Version: "1.2", AttestationIdentities: ids(moved)}},
		{name: "required, none", cur: lockfile.Package{Version: "1.0"}, require: []string{"other", "de*"},
			want: "demo 1.0 has no verified provenance (--require-provenance de*)"},
		{name: "required by pyproject.toml", cur: lockfile.Package{Version: "1.0"}, require: []string{"de*"},
			from: map[string]string{"de*": "[tool.pyward] require-provenance"},
			want: "demo 1.0 has no verified provenance ([tool.pyward] require-provenance de*)"},
		{name: "required by an unnormalized name", cur: lockfile.Package{Version: "1.0"}, require: []string{"Demo"},
			want: "demo 1.0 has no verified provenance"},
		{name: "required and present", cur: lockfile.Package{Version: "1.0", AttestationIdentities: ids(own)}, require: []string{"*"}},
		{name: "required of others only", cur: lockfile.Package{Version: "1.0"}, require: []string{"dem", "other*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pv := &Provenance{Require: tt.require, RequireFrom: tt.from, AllowChange: tt.allow}
			if tt.prev != nil {
				prev := *tt.prev
				prev.Name = "demo"
				pv.Previous = &lockfile.Lock{Packages: []lockfile.Package{prev}}
			}
			cur := tt.cur
			cur.Name = "demo"
			got := pv.judge(&cur)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("judge = %q, want %q", got, tt.want)
			}
			if cur.PublisherChange != tt.wantChange {
				t.Fatalf("PublisherChange = %q, want %q", cur.PublisherChange, tt.wantChange)
			}
		})
	}
}
