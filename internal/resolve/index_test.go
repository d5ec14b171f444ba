package resolve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/testindex"
)

// checkResolution verifies that every requirement of every chosen release
// (as the provider reports it) is satisfied by the resolution.
func checkResolution(t testing.TB, p Provider, o Options, res *Resolution) {
	t.Helper()
	cfg := newConfig(&o)
	chosen := map[string]*Resolved{}
	for i := range res.Packages {
		chosen[res.Packages[i].Name] = &res.Packages[i]
	}
	check := func(who string, r *pep508.Requirement) {
		q, found := chosen[r.NormalizedName()]
		if !found || !r.Specifier.Contains(q.Version, true) {
			t.Fatalf("%s: requirement %v not satisfied", who, r)
		}
		for _, e := range r.NormalizedExtras() {
			if !slices.Contains(q.Extras, e) {
				t.Fatalf("%s: requirement %v: extra %s not selected (%v)", who, r, e, q.Extras)
			}
		}
	}
	for _, r := range cfg.filterRequires(o.Requirements, "") {
		check("root", r)
	}
	for _, pkg := range res.Packages {
		deps, err := p.Dependencies(context.Background(), pkg.Candidate, pkg.File)
		if err != nil {
			t.Fatal(err)
		}
		for _, extra := range append([]string{""}, pkg.Extras...) {
			for _, r := range cfg.filterRequires(deps.Requires, extra) {
				check(pkg.Name+" "+pkg.Version.String()+"["+extra+"]", r)
			}
		}
	}
}

// TestIndexRandomGraph resolves a PyPI-like random graph through the real
// index client with 30ms latency per request, and checks both the result
// and that prefetching keeps the critical path well below one round trip
// per request. It runs in a synctest bubble over an in-memory transport,
// so the index's latency is virtual time and elapsed time counts the
// round trips on the critical path exactly, whatever the machine's load.
func TestIndexRandomGraph(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	ix, err := testindex.New(testindex.RandomGraph(7, 250, 6, 3), testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		const latency = 30 * time.Millisecond
		ix.SetLatency(latency)
		c := virtualClient(t, ix)
		p := NewIndexProvider(c)
		o := linuxOptions(t, "3.12", "pkg-0000")
		start := time.Now()
		res, err := Resolve(context.Background(), p, o)
		rounds := time.Since(start) / latency
		var nse *NoSolutionError
		if errors.As(err, &nse) {
			t.Fatalf("no solution:\n%s", nse.Explanation())
		}
		if err != nil {
			t.Fatal(err)
		}
		reqs := ix.Requests()
		depth := graphDepth(res)
		t.Logf("%d packages, depth %d, %d requests, %d round trips", len(res.Packages), depth, reqs, rounds)
		// Each level of the graph costs a project page and a metadata file, so
		// the ideal is about 2 × depth round trips; one request at a time would
		// take reqs round trips.
		if bound := reqs * 6 / 10; int64(rounds) > bound {
			t.Errorf("took %d round trips for %d requests at depth %d (want <= %d): prefetch is not parallel enough", rounds, reqs, depth, bound)
		}
		checkResolution(t, p, o, res)
	})
}

// handlerTransport serves requests with a handler in the calling
// goroutine, so a synctest bubble holds the whole exchange.
type handlerTransport struct{ h http.Handler }

func (tr handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	tr.h.ServeHTTP(w, r)
	resp := w.Result()
	resp.Request = r
	return resp, nil
}

func TestIndexProviderDirectURL(t *testing.T) {
	p, ix := newIndexProvider(t, []testindex.Dist{
		{Name: "a", Version: "1.0", Requires: []string{"b"}},
		{Name: "b", Version: "1.0"},
		{Name: "b", Version: "2.0"},
	}, testindex.Options{})
	u := ix.URL() + "/files/a-1.0-py3-none-any.whl"
	res, err := Resolve(context.Background(), p, linuxOptions(t, "3.12", "a @ "+u))
	if err != nil {
		t.Fatal(err)
	}
	if got := pins(res); got != "a==1.0 b==2.0" {
		t.Fatalf("got %s", got)
	}
	if _, err := p.FromURL(context.Background(), "a", "ftp://x/a-1.0.tar.gz"); err == nil {
		t.Fatal("ftp URL accepted")
	}
	if _, err := p.FromURL(context.Background(), "b", u); err == nil {
		t.Fatal("URL of another project accepted")
	}
}

func TestIndexProviderNotFound(t *testing.T) {
	p, _ := newIndexProvider(t, []testindex.Dist{{Name: "a", Version: "1.0"}}, testindex.Options{})
	if _, err := p.Versions(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

// graphDepth is the number of packages on the longest dependency path.
func graphDepth(res *Resolution) int {
	memo := map[string]int{}
	byName := map[string]*Resolved{}
	for i := range res.Packages {
		byName[res.Packages[i].Name] = &res.Packages[i]
	}
	var depth func(string) int
	depth = func(n string) int {
		if d, ok := memo[n]; ok {
			return d
		}
		memo[n] = 1 // cycles count once
		d := 1
		for _, dep := range byName[n].Dependencies {
			d = max(d, 1+depth(dep))
		}
		memo[n] = d
		return d
	}
	best := 0
	for n := range byName {
		best = max(best, depth(n))
	}
	return best
}

func TestIndexProviderDynamicSdist(t *testing.T) {
	p, _ := newIndexProvider(t, []testindex.Dist{
		{Name: "a", Version: "1.0"},
		{Name: "a", Version: "2.0", NoWheel: true, Dynamic: []string{"Requires-Dist"}},
		{Name: "b", Version: "1.0", NoWheel: true, Dynamic: []string{"Requires-Dist"}},
	}, testindex.Options{})
	res, err := Resolve(context.Background(), p, linuxOptions(t, "3.12", "a"))
	if err != nil {
		t.Fatal(err)
	}
	if got := pins(res); got != "a==1.0" || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "a 2.0 was skipped") {
		t.Fatalf("got %s, warnings %q", got, res.Warnings)
	}
	_, err = Resolve(context.Background(), p, linuxOptions(t, "3.12", "b"))
	var nse *NoSolutionError
	if !errors.As(err, &nse) || !strings.Contains(nse.Explanation(), "b==1.0 has no static metadata") {
		t.Fatalf("got %v", err)
	}
}

// BenchmarkResolveIndex resolves testindex.RandomGraph through the real
// HTTP client (artifacts are built once, before timing; each iteration uses
// a fresh client, so every page and metadata file is fetched again).
func BenchmarkResolveIndex(b *testing.B) {
	_, ix := newIndexProvider(b, testindex.RandomGraph(3, 600, 8, 4), testindex.Options{})
	o := linuxOptions(b, "3.12", "pkg-0000")
	fresh := func() *IndexProvider {
		c, err := index.New(index.Options{Sources: []index.Source{{Name: "test", URL: ix.URL() + "/simple/"}},
			HTTPClient: testHTTPClient(ix), NoCache: true, Netrc: "-", Getenv: func(string) string { return "" }})
		if err != nil {
			b.Fatal(err)
		}
		return NewIndexProvider(c)
	}
	if _, err := Resolve(context.Background(), fresh(), o); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		res, err := Resolve(context.Background(), fresh(), o)
		if err != nil {
			b.Fatal(err)
		}
		n = len(res.Packages)
	}
	b.ReportMetric(float64(n), "packages")
}

// TestIndexLockSuiteRoundTrips resolves the lock suite's index (bench/:
// testindex.RandomGraph seed 1, 300 projects × 15 releases, whose edges
// carry upper bounds, so the solver walks down releases) universally for
// 50 top-level names, in a synctest bubble as TestIndexRandomGraph does.
// Walking down a release costs no round trip when the prefetcher saw the
// rejection coming, and its thousand-odd speculative requests must not
// queue: the whole resolution takes at most two round trips for every
// three levels of the resolved graph.
func TestIndexLockSuiteRoundTrips(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	dists := testindex.RandomGraph(1, 300, 15, 3)
	ix, err := testindex.New(dists, testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, d := range dists {
		names[d.Name] = true
	}
	sorted := slices.Sorted(maps.Keys(names))
	var roots []string
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(len(sorted))[:50] {
		roots = append(roots, sorted[i])
	}
	synctest.Test(t, func(t *testing.T) {
		const latency = 20 * time.Millisecond
		ix.SetLatency(latency)
		c := virtualClient(t, ix)
		o := Options{Requirements: reqs(t, roots...), Universal: &Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.11")}}
		start := time.Now()
		res, err := Resolve(context.Background(), NewIndexProvider(c), o)
		if err != nil {
			t.Fatal(err)
		}
		rounds := int(time.Since(start) / latency)
		depth := graphDepth(res)
		t.Logf("%d packages, %d forks, depth %d, %d requests, %d round trips", len(res.Packages), len(res.Forks), depth, ix.Requests(), rounds)
		if want := depth * 2 / 3; rounds > want {
			t.Errorf("took %d round trips at depth %d (want <= %d): the solver waited for releases it walked down to, or for the prefetch queue", rounds, depth, want)
		}
	})
}

// TestIndexWarmup resolves TestIndexRandomGraph's graph after a Warmup
// has crawled it for as long as an interpreter might take to answer (10
// round trips): the resolution that follows, through the same client,
// takes that many round trips fewer than a cold one.
func TestIndexWarmup(t *testing.T) {
	ix, err := testindex.New(testindex.RandomGraph(7, 250, 6, 3), testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const latency = 30 * time.Millisecond
	resolve := func(t *testing.T, warm time.Duration) int {
		var rounds int
		synctest.Test(t, func(t *testing.T) {
			ix.SetLatency(latency)
			c := virtualClient(t, ix)
			p := NewIndexProvider(c)
			o := linuxOptions(t, "3.12", "pkg-0000")
			if warm > 0 {
				w := StartWarmup(context.Background(), p, o.Requirements)
				defer w.Close()
				time.Sleep(warm)
				w.Halt()
			}
			start := time.Now()
			res, err := Resolve(context.Background(), p, o)
			if err != nil {
				t.Fatal(err)
			}
			rounds = int(time.Since(start) / latency)
			checkResolution(t, p, o, res)
		})
		return rounds
	}
	cold, warm := resolve(t, 0), resolve(t, 10*latency)
	t.Logf("cold %d round trips, after 10 round trips of warm-up %d", cold, warm)
	if warm > cold-8 {
		t.Errorf("after 10 round trips of warm-up, resolving took %d round trips, cold %d (want <= %d)", warm, cold, cold-8)
	}
}

// virtualClient is an uncached index client that reaches ix through its
// handler in memory, so that inside a synctest bubble the index's latency
// is virtual time.
func virtualClient(t *testing.T, ix *testindex.Index) *index.Client {
	t.Helper()
	c, err := index.New(index.Options{
		Sources:    []index.Source{{Name: "test", URL: "https://testindex.invalid/simple/"}},
		HTTPClient: &http.Client{Transport: handlerTransport{ix.Handler()}},
		NoCache:    true,
		Netrc:      "-",
		Getenv:     func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestIndexForksPrefetch resolves, in a synctest bubble, a graph that forks
// at its root by Python version into two chains of six projects each (x
// below 3.10, y from 3.10). The forks share one fetcher whose speculation
// crawls every requirement that applies somewhere in the universe, so
// both chains are fetched side by side while the first fork is solved: the
// universal resolution takes no more round trips than one environment's,
// which walks one chain, plus one for the second version of dep; and fetches
// every page and metadata file once.
func TestIndexForksPrefetch(t *testing.T) {
	const chain = 6
	dists := []testindex.Dist{
		{Name: "app", Version: "1.0", Requires: []string{`dep>=2 ; python_version >= "3.10"`, `dep<2 ; python_version < "3.10"`}},
		{Name: "dep", Version: "1.0", Requires: []string{"x1"}},
		{Name: "dep", Version: "2.0", Requires: []string{"y1"}},
	}
	for i := 1; i <= chain; i++ {
		for _, c := range []string{"x", "y"} {
			d := testindex.Dist{Name: fmt.Sprintf("%s%d", c, i), Version: "1.0"}
			if i < chain {
				d.Requires = []string{fmt.Sprintf("%s%d", c, i+1)}
			}
			dists = append(dists, d)
		}
	}
	ix, err := testindex.New(dists, testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const latency = 20 * time.Millisecond
	measure := func(t *testing.T, o Options) (res *Resolution, rounds int, requests int64) {
		synctest.Test(t, func(t *testing.T) {
			ix.SetLatency(latency)
			ix.ResetCounts()
			start := time.Now()
			var err error
			res, err = Resolve(context.Background(), NewIndexProvider(virtualClient(t, ix)), o)
			if err != nil {
				t.Fatal(err)
			}
			rounds, requests = int(time.Since(start)/latency), ix.Requests()
		})
		return res, rounds, requests
	}
	_, single, singleReqs := measure(t, linuxOptions(t, "3.12", "app"))
	res, universal, universalReqs := measure(t, Options{Requirements: reqs(t, "app"),
		Universal: &Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.9")}})
	t.Logf("one environment: %d round trips, %d requests; universal: %d forks, %d round trips, %d requests",
		single, singleReqs, len(res.Forks), universal, universalReqs)
	if len(res.Forks) != 2 || len(res.Packages) != 3+2*chain {
		t.Fatalf("forks %q, packages %s: want 2 forks and both chains", res.Forks, describeUniversal(res))
	}
	if universal > single+1 {
		t.Errorf("universal resolution took %d round trips, one environment %d: the second fork waited for its chain", universal, single)
	}
	// The other chain (a page and a metadata file per project) and the
	// metadata of dep's other release come on top of one environment's.
	if want := singleReqs + 2*chain + 1; universalReqs > want {
		t.Errorf("universal resolution made %d requests, want at most %d: something was fetched twice", universalReqs, want)
	}
}
