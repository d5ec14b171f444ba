package lock

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/testindex"
	"github.com/pyward/pyward/internal/venv"
)

// TestUniversalInteropPip locks a graph that forks by Python version and
// needs a package on Windows only (leaf, needed by both forks' dep, is
// one version everywhere: forks prefer each other's choices), writes the universal requirements.txt,
// and has real pip install it into a fresh venv with --require-hashes
// --no-deps: pip must pick the entries whose markers hold here, and
// pip check must pass.
func TestUniversalInteropPip(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	if testing.Short() {
		t.Skip("creates a venv and runs pip")
	}
	dists := []testindex.Dist{
		{Name: "app", Version: "1.0", Requires: []string{
			`dep>=2 ; python_version >= "3.10"`, `dep<2 ; python_version < "3.10"`,
			`winonly ; sys_platform == "win32"`, `tomli-ish ; python_version < "3.11"`}},
		{Name: "dep", Version: "1.5", Requires: []string{"leaf"}},
		{Name: "dep", Version: "2.3", Requires: []string{"leaf>=2"}},
		{Name: "leaf", Version: "1.0"},
		{Name: "leaf", Version: "2.0"},
		{Name: "winonly", Version: "1.0", WheelTags: []string{"py3-none-win_amd64"}},
		{Name: "tomli-ish", Version: "1.0"},
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
	res, err := Lock(context.Background(), Options{Requirements: []Requirement{{Req: mustReq(t, "app")}},
		Provider: resolve.NewIndexProvider(client), Downloader: client,
		Universal: &resolve.Universe{RequiresPython: pep440.MustParseSpecifierSet(">=3.8")}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := lockfile.MarshalRequirements(res.Lock)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`dep==1.5 ; python_version < "3.10"`, `dep==2.3 ; python_version >= "3.10"`,
		"leaf==2.0 \\\n", `winonly==1.0 ; sys_platform == "win32"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("requirements.txt lacks %q:\n%s", want, data)
		}
	}
	dir := t.TempDir()
	reqs := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(reqs, data, 0o644); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(dir, "venv")
	pip := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(env, "bin", "python"), append([]string{"-m", "pip", "--disable-pip-version-check"}, args...)...)
		cmd.Env = append(os.Environ(), "PIP_CONFIG_FILE="+os.DevNull, "PIP_NO_INPUT=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out, err := exec.Command(python, "-m", "venv", env).CombinedOutput(); err != nil {
		t.Fatalf("venv: %v\n%s", err, out)
	}
	pip("install", "--require-hashes", "--no-deps", "--no-cache-dir", "--index-url", base, "--trusted-host", u.Host, "-r", reqs)
	pip("check")
	// What pip installed is exactly the lock evaluated for this interpreter.
	interp, err := venv.Query(context.Background(), filepath.Join(env, "bin", "python"), "")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range res.Resolution.Packages {
		if p.Marker.Evaluate(interp.Environment()) {
			want = append(want, p.Name+"=="+p.Version.String())
		}
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(pip("freeze", "--all", "--exclude", "pip", "--exclude", "setuptools")), "\n") {
		if line != "" {
			got = append(got, strings.ToLower(strings.ReplaceAll(line, "_", "-")))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("installed %v, want %v", got, want)
	}
}
