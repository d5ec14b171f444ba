package audit

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/provenance/provenancetest"
)

// fakeProvenanceIndex serves one page per project and provenance by file
// name.
type fakeProvenanceIndex struct {
	pages map[string]*index.Project
	prov  map[string][]byte
	err   error
}

func (f *fakeProvenanceIndex) ProjectPage(_ context.Context, name, _ string) (*index.Project, error) {
	return f.pages[name], f.err
}

func (f *fakeProvenanceIndex) FileProvenance(_ context.Context, file index.File, _ string) ([]byte, error) {
	return f.prov[file.Filename], nil
}

func TestInvalidProvenanceFindings(t *testing.T) {
	ss, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ss.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	gh := provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "a/b", "workflow": "r.yml"}}
	const (
		good, bad, absent = "good-1.0-py3-none-any.whl", "bad-1.0-py3-none-any.whl", "bare-1.0-py3-none-any.whl"
		shaGood           = "1111111111111111111111111111111111111111111111111111111111111111"
		shaBad            = "2222222222222222222222222222222222222222222222222222222222222222"
		shaBare           = "3333333333333333333333333333333333333333333333333333333333333333"
	)
	sign := func(name, sha string) []byte {
		data, err := ss.Provenance(name, sha, gh)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	page := func(name, sha string, prov bool) *index.Project {
		f := index.File{Filename: name, Hashes: map[string]string{"sha256": sha}}
		if prov {
			f.Provenance = "https://index.example/" + name + ".provenance"
		}
		return &index.Project{Files: []index.File{f}}
	}
	src := &fakeProvenanceIndex{
		pages: map[string]*index.Project{"good": page(good, shaGood, true), "bad": page(bad, shaBad, true), "bare": page(absent, shaBare, false)},
		// bad's provenance is good's attestation: its subject names another file.
		prov: map[string][]byte{good: sign(good, shaGood), bad: sign(good, shaGood)},
	}
	wheel := func(sha string) []lockfile.File { return []lockfile.File{{Hashes: map[string]string{"sha256": sha}}} }
	l := &lockfile.Lock{Packages: []lockfile.Package{
		{Name: "good", Version: "1.0", Wheels: wheel(shaGood), Line: 1},
		{Name: "bad", Version: "1.0", Line: 2}, // a requirements lock: the hash is the inventory's
		{Name: "bare", Version: "1.0", Wheels: wheel(shaBare), Line: 3},
		{Name: "unknown", Version: "1.0", Wheels: wheel(shaBare), Line: 4},
	}}
	inv := &inventory.Inventory{Packages: []inventory.Package{{Name: "Bad", Version: "1.0", Hashes: []string{"sha256:" + strings.ToUpper(shaBad)}}}}
	found, warns := InvalidProvenanceFindings(context.Background(), l, inv, "pylock.toml", src, v)
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if len(found) != 1 {
		t.Fatalf("findings: %+v", found)
	}
	f := found[0]
	if f.Package != "bad" || f.Rule != "provenance/invalid" || f.Severity != SeverityCritical || f.File != "pylock.toml" || f.Line != 2 ||
		!strings.Contains(f.Title, "the provenance of "+bad+" fails the subject name check") {
		t.Errorf("finding: %+v", f)
	}

	src.err = errors.New("index down")
	found, warns = InvalidProvenanceFindings(context.Background(), l, inv, "pylock.toml", src, v)
	if len(found) != 0 || len(warns) != 4 || !strings.Contains(warns[0], "provenance not checked: index down") {
		t.Errorf("index down: findings %+v, warnings %v", found, warns)
	}
}
