package sync

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/testindex"
)

// TestSyncUniversalPylock locks universally (a fork by Python version, a
// Windows-only package), writes the pylock.toml and syncs it: sync
// installs exactly the entries whose markers hold for the venv, and pip
// check passes.
func TestSyncUniversalPylock(t *testing.T) {
	dists := []testindex.Dist{
		{Name: "app", Version: "1.0", Requires: []string{
			`dep>=2 ; python_version >= "3.10"`, `dep<2 ; python_version < "3.10"`, `winonly ; sys_platform == "win32"`}},
		{Name: "dep", Version: "1.5"},
		{Name: "dep", Version: "2.3"},
		{Name: "winonly", Version: "1.0", WheelTags: []string{"py3-none-win_amd64"}},
	}
	f := newFixture(t, dists, testindex.Options{})
	u, _ := url.Parse(f.url)
	client, err := index.New(index.Options{Sources: []index.Source{{Name: "test", URL: f.url}}, TrustedHosts: []string{u.Host}, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	req, err := pep508.ParseRequirement("app")
	if err != nil {
		t.Fatal(err)
	}
	res, err := lock.Lock(context.Background(), lock.Options{Requirements: []lock.Requirement{{Req: req}},
		Provider: resolve.NewIndexProvider(client), Downloader: client, RequiresPython: ">=3.8",
		Universal: &resolve.Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.8")}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := lockfile.MarshalPylock(res.Lock)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.dir, "pylock.toml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	o := f.opts(path)
	o.IndexURL = ""
	out, err := Sync(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	var got []string
	for _, a := range out.Install {
		got = append(got, a.Name+"=="+a.Version)
	}
	slices.Sort(got)
	py, err := exec.Command(filepath.Join(f.venv, "bin", "python"), "-c", "import sys; print('%d.%d' % sys.version_info[:2])").Output()
	if err != nil {
		t.Fatal(err)
	}
	dep := "dep==2.3"
	if pep440.MustParse(string(py[:len(py)-1])).Compare(pep440.MustParse("3.10")) < 0 {
		dep = "dep==1.5"
	}
	if want := []string{"app==1.0", dep}; !slices.Equal(got, want) {
		t.Errorf("installed %v, want %v\n%s", got, want, data)
	}
	if out, err := pip(t, f.py, f.venv, "check"); err != nil {
		t.Errorf("pip check: %v\n%s", err, out)
	}
}
