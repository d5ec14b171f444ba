package audit

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/osv"
)

// TestAuditEveryFork audits a universal lock that pins numpy twice, by
// Python version, in both lock formats: each entry is checked against the
// advisories of its own version, so a vulnerability of the older fork's
// version is reported at its entry as well as one of the newer fork's, and
// pinning a project twice under markers is not a hygiene problem.
func TestAuditEveryFork(t *testing.T) {
	records := []string{`id: PYSEC-0000-OLD
affected:
- package: {ecosystem: PyPI, name: numpy}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: "1.26.5"}]
`, `id: PYSEC-0000-NEW
affected:
- package: {ecosystem: PyPI, name: numpy}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "2.0"}, {fixed: "2.2.0"}]
`}
	var recs []*osv.Record
	for _, y := range records {
		r, err := osv.ParseYAML([]byte(y))
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	db := osv.Build(recs)
	wheel := func(name string) []lockfile.File {
		return []lockfile.File{{Name: name, URL: "https://files.example/" + name, Hashes: map[string]string{"sha256": strings.Repeat("a", 64)}}}
	}
	l := &lockfile.Lock{CreatedBy: "pyward", RequiresPython: ">=3.9", Environments: []string{`sys_platform != "emscripten"`}, Packages: []lockfile.Package{
		{Name: "app", Version: "1.0", Index: "https://pypi.org/simple/", Wheels: wheel("app-1.0-py3-none-any.whl")},
		{Name: "numpy", Version: "1.26.4", Marker: `python_version < "3.10"`, Index: "https://pypi.org/simple/", Wheels: wheel("numpy-1.26.4-py3-none-any.whl")},
		{Name: "numpy", Version: "2.1.0", Marker: `python_version >= "3.10"`, Index: "https://pypi.org/simple/", Wheels: wheel("numpy-2.1.0-py3-none-any.whl")},
	}}
	pylock, err := lockfile.MarshalPylock(l)
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := lockfile.MarshalRequirements(l)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests := []struct {
		file   string
		format inventory.Format
		data   []byte
	}{
		{"pylock.toml", inventory.FormatPylock, pylock},
		{"requirements.txt", inventory.FormatRequirements, reqs},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			inv, err := inventory.Read(context.Background(), path, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Run(context.Background(), []*inventory.Inventory{inv}, nil, Options{Vulns: db})
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(tt.data), "\n")
			var got []string
			for _, f := range rep.Findings {
				if f.Rule != "vulnerability" {
					t.Errorf("unexpected finding %s on %s %s: %s", f.Rule, f.Package, f.Version, f.Title)
					continue
				}
				// The finding points at the entry of the version it concerns.
				if f.Line < 1 || f.Line > len(lines) || !strings.Contains(strings.Join(lines[f.Line-1:min(f.Line+2, len(lines))], "\n"), f.Version) {
					t.Errorf("%s %s is reported at %s, which is not its entry:\n%s", f.ID, f.Version, f.Location(), tt.data)
				}
				got = append(got, f.ID+"@"+f.Package+"=="+f.Version)
			}
			slices.Sort(got)
			if want := []string{"PYSEC-0000-NEW@numpy==2.1.0", "PYSEC-0000-OLD@numpy==1.26.4"}; !slices.Equal(got, want) {
				t.Errorf("findings %v, want %v\n%s", got, want, tt.data)
			}
			if rep.Packages != 3 {
				t.Errorf("packages = %d, want 3 (numpy at two versions)", rep.Packages)
			}
		})
	}
}
