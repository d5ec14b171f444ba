package build

import (
	"context"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/testindex"
)

// TestLockWithBuildProvider is the --allow-build wiring: the lock engine
// with Provider around the index provider locks a project that only has a
// dynamic sdist, with its built dependencies and the sdist's hash.
func TestLockWithBuildProvider(t *testing.T) {
	in := python(t)
	links := t.TempDir()
	inTree(t, links, "intree", "1.0", goodBackend, "")
	c, ix := newClient(t, []testindex.Dist{{Name: "alpha", Version: "1.5"}}, links)
	py, err := pep440.Parse(in.VersionString())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := pep508.ParseRequirement("intree")
	res, err := lock.Lock(context.Background(), lock.Options{
		Requirements: []lock.Requirement{{Req: req, Origin: "test"}},
		Provider:     &Provider{Inner: resolve.NewIndexProvider(c), Builder: New(c, Options{TempDir: t.TempDir()})},
		Downloader:   c,
		SourceURLs:   map[string]string{"test": ix.URL() + "/simple/", "links": links},
		Target:       lock.Target{Python: py, Environment: in.Environment(), Tags: in.Tags()},
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := lockfile.MarshalRequirements(res.Lock)
	if err != nil {
		t.Fatal(err)
	}
	out := string(data)
	for _, want := range []string{"alpha==1.5", "intree==1.0", "--hash=sha256:"} {
		if !strings.Contains(out, want) {
			t.Errorf("lock lacks %q:\n%s", want, out)
		}
	}
}
