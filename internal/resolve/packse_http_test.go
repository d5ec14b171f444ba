package resolve

import (
	"net/http"
	"slices"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/testindex"
)

// dists turns a scenario's index into testindex releases (real wheels and
// sdists served over HTTPS).
func (sc *packseScenario) dists() []testindex.Dist {
	var out []testindex.Dist
	for _, r := range sc.releases() {
		out = append(out, testindex.Dist{
			Name: r.Name, Version: r.Version, Requires: r.Requires, Extras: r.Extras,
			RequiresPython: r.RequiresPython, WheelTags: r.WheelTags, NoWheel: r.NoWheel,
			Sdist: !r.NoSdist, Yanked: r.Yanked,
		})
	}
	slices.SortFunc(out, func(a, b testindex.Dist) int {
		if a.Name+" "+a.Version < b.Name+" "+b.Version {
			return -1
		}
		return 1
	})
	return out
}

// newIndexProvider serves dists over HTTPS on loopback and returns an
// IndexProvider reading them through the real index client.
func newIndexProvider(t testing.TB, dists []testindex.Dist, opts testindex.Options) (*IndexProvider, *testindex.Index) {
	t.Helper()
	ix, err := testindex.New(dists, opts)
	if err != nil {
		t.Fatal(err)
	}
	simple := ix.StartTLS()
	t.Cleanup(ix.Close)
	c, err := index.New(index.Options{
		Sources:    []index.Source{{Name: "test", URL: simple}},
		HTTPClient: testHTTPClient(ix),
		NoCache:    true,
		Netrc:      "-",
		Getenv:     func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	return NewIndexProvider(c), ix
}

// testHTTPClient trusts the test server's certificate and keeps enough idle
// connections for parallel prefetching (the default of 2 per host would make
// every extra request pay a TLS handshake).
func testHTTPClient(ix *testindex.Index) *http.Client {
	tr := ix.Server().Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr}
}

func TestPackseHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real artifacts for every scenario")
	}
	ran := 0
	for _, sc := range loadPackse(t) {
		t.Run(sc.Name, func(t *testing.T) {
			if reason, ok := packseSkip[sc.Name]; ok {
				t.Skip(reason)
			}
			ran++
			p, _ := newIndexProvider(t, sc.dists(), testindex.Options{})
			sc.run(t, p)
		})
	}
	if ran < 100 {
		t.Errorf("ran only %d packse scenarios", ran)
	}
}
