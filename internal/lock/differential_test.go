package lock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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
	python := pythonWithPip(t)
	interp, err := venv.Query(context.Background(), python, "")
	if err != nil {
		t.Fatal(err)
	}
	pyver, err := pep440.Parse(interp.VersionString())
	if err != nil {
		t.Fatal(err)
	}
	target := Target{Python: pyver, Environment: interp.Environment(), Tags: interp.Tags()}
	pip := newPipPool(t, python)
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
			pipPins, pipOK := pipResolve(t, pip, base, u.Host, roots)
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
func pipResolve(t *testing.T, pip *pipPool, indexURL, host string, roots []string) (map[string]string, bool) {
	t.Helper()
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	args := []string{"install", "--dry-run", "--ignore-installed", "--report", report, "--quiet", "--no-cache-dir",
		"--disable-pip-version-check", "--index-url", indexURL, "--trusted-host", host}
	code, out := pip.run(t, append(args, roots...))
	if code != 0 {
		if pipFoundNoSolution(out) {
			return nil, false
		}
		t.Fatalf("pip failed unexpectedly: exit status %d\n%s", code, out)
	}
	return readPipReport(t, report), true
}

// pythonWithPip is the python3 that runs pip for the differential tests.
// Outside CI a machine without python3 or pip skips them; in CI (which
// installs both) their absence fails, so a differential never silently
// stops running.
func pythonWithPip(t *testing.T) string {
	t.Helper()
	inCI := os.Getenv("CI") != ""
	python, err := exec.LookPath("python3")
	if err != nil {
		if inCI {
			t.Fatal("python3 is required in CI")
		}
		t.Skip("python3 not found")
	}
	if testing.Short() {
		t.Skip("differential run against pip is long")
	}
	if err := exec.Command(python, "-m", "pip", "--version").Run(); err != nil {
		if inCI {
			t.Fatalf("pip is required in CI: %v", err)
		}
		t.Skip("pip is not installed for python3")
	}
	return python
}

// pipFoundNoSolution tells pip's "no solution" answers from its failures.
func pipFoundNoSolution(out string) bool {
	return strings.Contains(out, "ResolutionImpossible") || strings.Contains(out, "No matching distribution")
}

// readPipReport reads the normalized name → version pins of a pip
// --report file.
func readPipReport(t *testing.T, report string) map[string]string {
	t.Helper()
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
		t.Fatalf("pip report %s: %v\n%s", report, err, data)
	}
	pins := map[string]string{}
	for _, in := range doc.Install {
		pins[pep503.Normalize(in.Metadata.Name)] = in.Metadata.Version
	}
	return pins
}

// pipPool runs pip commands in long-lived interpreters
// (testdata/pipdriver.py): importing pip costs more CPU than resolving one
// of the small graphs, so each parallel subtest borrows a running
// interpreter instead of starting a new pip. There are as many
// interpreters as subtests ever ran at once.
type pipPool struct {
	python string
	mu     sync.Mutex
	free   []*pipDriver
	all    []*pipDriver
}

type pipDriver struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *json.Decoder
}

// newPipPool returns a pool whose interpreters stop when t's subtests are
// done.
func newPipPool(t *testing.T, python string) *pipPool {
	p := &pipPool{python: python}
	t.Cleanup(func() {
		for _, d := range p.all {
			d.in.Close()
			if err := d.cmd.Wait(); err != nil {
				t.Errorf("pip driver: %v", err)
			}
		}
	})
	return p
}

// run runs pip with args and returns its exit status and output.
func (p *pipPool) run(t *testing.T, args []string) (int, string) {
	t.Helper()
	return p.runFor(t, args, nil)
}

// runFor is run with pip's markers evaluated for env (nil: the
// interpreter's own) instead of the running interpreter.
func (p *pipPool) runFor(t *testing.T, args []string, env pep508.Environment) (int, string) {
	t.Helper()
	p.mu.Lock()
	var d *pipDriver
	if n := len(p.free); n > 0 {
		d, p.free = p.free[n-1], p.free[:n-1]
	}
	p.mu.Unlock()
	if d == nil {
		d = p.start(t)
	}
	req, err := json.Marshal(struct {
		Args        []string           `json:"args"`
		Environment pep508.Environment `json:"environment,omitempty"`
	}{args, env})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.in.Write(append(req, '\n')); err != nil {
		t.Fatalf("pip driver: %v", err)
	}
	var resp struct {
		Code   int
		Output string
	}
	if err := d.out.Decode(&resp); err != nil {
		t.Fatalf("pip driver: %v", err)
	}
	p.mu.Lock()
	p.free = append(p.free, d)
	p.mu.Unlock()
	return resp.Code, resp.Output
}

func (p *pipPool) start(t *testing.T) *pipDriver {
	t.Helper()
	cmd := exec.Command(p.python, filepath.Join("testdata", "pipdriver.py"))
	cmd.Env = append(os.Environ(), "PIP_CONFIG_FILE="+os.DevNull, "PIP_NO_INPUT=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &pipDriver{cmd: cmd, in: in, out: json.NewDecoder(out)}
	p.mu.Lock()
	p.all = append(p.all, d)
	p.mu.Unlock()
	return d
}
