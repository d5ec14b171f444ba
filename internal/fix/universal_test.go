package fix

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/testindex"
)

// A universal lock pins "other" twice, by Python version; fixing "lib"
// keeps both entries and their markers.
func TestFixKeepsLockUniversal(t *testing.T) {
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	_, client, base := startTestIndex(t, []testindex.Dist{
		{Name: "lib", Version: "1.0", UploadTime: old, RequiresPython: ">=3.9"},
		{Name: "lib", Version: "1.1", UploadTime: old, RequiresPython: ">=3.9"},
		{Name: "other", Version: "1.0", UploadTime: old, RequiresPython: ">=3.9"},
		{Name: "other", Version: "2.0", UploadTime: old, RequiresPython: ">=3.10"},
	})
	wheel := func(name string) []lockfile.File {
		return []lockfile.File{{Name: name, URL: base + name, Hashes: map[string]string{"sha256": strings.Repeat("a", 64)}}}
	}
	l := &lockfile.Lock{CreatedBy: "pyward", Command: "pyward lock lib other -o pylock.toml", RequiresPython: ">=3.9", Packages: []lockfile.Package{
		{Name: "lib", Version: "1.0", Index: base, Wheels: wheel("lib-1.0-py3-none-any.whl")},
		{Name: "other", Version: "1.0", Marker: `python_version < "3.10"`, Index: base, Wheels: wheel("other-1.0-py3-none-any.whl")},
		{Name: "other", Version: "2.0", Marker: `python_version >= "3.10"`, Index: base, Wheels: wheel("other-2.0-py3-none-any.whl")},
	}}
	data, err := lockfile.MarshalPylock(l)
	if err != nil {
		t.Fatal(err)
	}
	db := loadDB(t, advisory("A-1", "lib", "0:1.1"))
	res, err := Fix(context.Background(), Options{Path: "pylock.toml", Format: Pylock, Data: data,
		Findings: findings(t, db, "lib", "1.0"), Vulns: db, Index: client, Provider: resolve.NewIndexProvider(client),
		SourceURLs: map[string]string{"test": base}, Target: testTarget(t), Universal: &resolve.Universe{}})
	if err != nil {
		t.Fatal(err)
	}
	nl, err := lockfile.ParsePylock("pylock.toml", res.Data)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Data)
	}
	var got []string
	for _, p := range nl.Packages {
		got = append(got, p.Name+"=="+p.Version+";"+p.Marker)
	}
	want := `lib==1.1; other==1.0;python_version < "3.10" other==2.0;python_version >= "3.10"`
	if strings.Join(got, " ") != want {
		t.Errorf("after fix:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}
