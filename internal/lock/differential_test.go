package lock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/testindex"
	"github.com/pyward/pyward/internal/venv"
)

// differentialGraphs is how many seeded random graphs are compared with
// pip's resolver.
const differentialGraphs = 50

// TestDifferentialAgainstPip resolves seeded random dependency graphs with
// pyward and with pip's resolver (pip install --dry-run --report) on the
// same loopback index. pyward's answer must always be valid (every
// requirement and marker of every chosen release holds), and wherever pip
// finds a solution pyward must find one too.
func TestDifferentialAgainstPip(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is required in CI")
		}
		t.Skip("python3 not found")
	}
	if testing.Short() {
		t.Skip("differential run against pip is long")
	}
	interp, err := venv.Query(context.Background(), python, "")
	if err != nil {
		t.Fatal(err)
	}
	pyver, err := pep440.Parse(interp.VersionString())
	if err != nil {
		t.Fatal(err)
	}
	target := Target{Python: pyver, Environment: interp.Environment(), Tags: interp.Tags()}
	var bothSolved, sameAnswer, pipFailed atomic.Int64
	t.Cleanup(func() {
		t.Logf("%d graphs: both solved %d (identical versions in %d), pip found no solution in %d",
			differentialGraphs, bothSolved.Load(), sameAnswer.Load(), pipFailed.Load())
	})
	for seed := int64(1); seed <= differentialGraphs; seed++ {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			t.Parallel()
			dists := testindex.RandomGraph(seed, 25, 5, 3)
			rng := rand.New(rand.NewPCG(uint64(seed), 42))
			roots := []string{"pkg-0000", fmt.Sprintf("pkg-%04d", 1+rng.IntN(15)), fmt.Sprintf("pkg-%04d", 1+rng.IntN(30))}
			if rng.IntN(3) == 0 {
				roots[1] += "<1.3"
			}
			ix, err := testindex.New(dists, testindex.Options{})
			if err != nil {
				t.Fatal(err)
			}
			base := ix.Start()
			defer ix.Close()
			u, _ := url.Parse(base)
			client, err := index.New(index.Options{Sources: []index.Source{{Name: "test", URL: base}}, TrustedHosts: []string{u.Host}, NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			var reqs []Requirement
			for _, r := range roots {
				req, err := pep508.ParseRequirement(r)
				if err != nil {
					t.Fatal(err)
				}
				reqs = append(reqs, Requirement{Req: req})
			}
			res, lockErr := Lock(context.Background(), Options{Requirements: reqs, Provider: resolve.NewIndexProvider(client), Downloader: client, Target: target})
			var nse *resolve.NoSolutionError
			if lockErr != nil && !errors.As(lockErr, &nse) {
				t.Fatalf("pyward failed: %v", lockErr)
			}
			if lockErr == nil {
				checkValid(t, dists, reqs, res.Resolution, target.Environment)
			}
			pipPins, pipOK := pipResolve(t, python, base, u.Host, roots)
			switch {
			case pipOK && lockErr != nil:
				t.Errorf("pip found a solution (%v) but pyward did not:\n%v", pipPins, lockErr)
			case !pipOK:
				pipFailed.Add(1)
			default:
				bothSolved.Add(1)
				same := len(pipPins) == len(res.Resolution.Packages)
				for _, p := range res.Resolution.Packages {
					if v, ok := pipPins[p.Name]; !ok || !pep440.MustParse(v).Equal(p.Version) {
						same = false
					}
				}
				if same {
					sameAnswer.Add(1)
				} else if testing.Verbose() {
					var diffs []string
					for _, p := range res.Resolution.Packages {
						if v := pipPins[p.Name]; v != p.Version.String() {
							diffs = append(diffs, fmt.Sprintf("%s: pyward %s pip %s", p.Name, p.Version, v))
						}
					}
					t.Logf("answers differ (both valid): %s", strings.Join(diffs, "; "))
				}
			}
		})
	}
}

// checkValid verifies every root requirement and every dependency of every
// chosen release (with its extras and markers) against the resolution.
func checkValid(t *testing.T, dists []testindex.Dist, roots []Requirement, res *resolve.Resolution, env pep508.Environment) {
	t.Helper()
	chosen := map[string]pep440.Version{}
	for _, p := range res.Packages {
		chosen[p.Name] = p.Version
	}
	satisfied := func(r *pep508.Requirement, extras []string, from string) {
		if r.Marker != nil && !r.Marker.EvaluateExtras(env, extras) {
			return
		}
		v, ok := chosen[pep503.Normalize(r.Name)]
		if !ok {
			t.Errorf("%s requires %s, which is not in the resolution", from, r)
			return
		}
		if !r.Specifier.Contains(v, true) {
			t.Errorf("%s requires %s, but %s was chosen", from, r, v)
		}
	}
	for _, r := range roots {
		satisfied(r.Req, nil, "the root")
	}
	for _, p := range res.Packages {
		var d *testindex.Dist
		for i := range dists {
			if pep503.Normalize(dists[i].Name) == p.Name && pep440.MustParse(dists[i].Version).Equal(p.Version) {
				d = &dists[i]
			}
		}
		if d == nil {
			t.Errorf("%s %s is not a release of the index", p.Name, p.Version)
			continue
		}
		for _, s := range d.Requires {
			r, err := pep508.ParseRequirement(s)
			if err != nil {
				t.Fatal(err)
			}
			satisfied(r, p.Extras, p.Name+" "+p.Version.String())
		}
		for _, extra := range p.Extras {
			for _, s := range d.Extras[extra] {
				r, err := pep508.ParseRequirement(s)
				if err != nil {
					t.Fatal(err)
				}
				satisfied(r, p.Extras, p.Name+"["+extra+"]")
			}
		}
	}
}

// pipResolve asks pip's resolver for the same roots; ok is false when pip
// finds no solution.
func pipResolve(t *testing.T, python, indexURL, host string, roots []string) (map[string]string, bool) {
	t.Helper()
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	args := []string{"-m", "pip", "install", "--dry-run", "--ignore-installed", "--report", report, "--quiet", "--no-cache-dir",
		"--disable-pip-version-check", "--index-url", indexURL, "--trusted-host", host}
	cmd := exec.Command(python, append(args, roots...)...)
	cmd.Env = append(os.Environ(), "PIP_CONFIG_FILE="+os.DevNull, "PIP_NO_INPUT=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "ResolutionImpossible") || strings.Contains(string(out), "No matching distribution") {
			return nil, false
		}
		t.Fatalf("pip failed unexpectedly: %v\n%s", err, out)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Install []struct {
			Metadata struct{ Name, Version string } `json:"metadata"`
		} `json:"install"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	pins := map[string]string{}
	for _, in := range doc.Install {
		pins[pep503.Normalize(in.Metadata.Name)] = in.Metadata.Version
	}
	return pins, true
}
