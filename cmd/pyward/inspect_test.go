package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/lockfile"
)

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("base.txt", "Flask == 2.0\n")
	in := write("requirements.in", "-r base.txt\nRequests [security] >= 2.8.1 ; python_version < '3.13'\n--extra-index-url https://user:secret@corp.example/simple\n")
	code, stdout, stderr := runPyward(t, "inspect", in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"flask==2.0", "base.txt:1",
		`Requests[security]>=2.8.1; python_version < "3.13"`, "requirements.in:2",
		"--extra-index-url https://corp.example/simple",
	} {
		if !strings.Contains(strings.ToLower(stdout), strings.ToLower(want)) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "secret") {
		t.Errorf("credentials printed:\n%s", stdout)
	}
	bad := write("bad.in", "requests\nfoo >= \n")
	code, _, stderr = runPyward(t, "inspect", bad)
	if code != exitUsage || !strings.Contains(stderr, "bad.in:2") {
		t.Errorf("bad input: exit %d, stderr %q", code, stderr)
	}
	// A pyproject.toml is read as pyward lock reads it, [tool.pyward]
	// sources included.
	pp := write("pyproject.toml", "[project]\nname = \"x\"\nversion = \"1\"\nrequires-python = \">=3.10\"\ndependencies = [\"attrs>=23\"]\n[dependency-groups]\ndev = [\"pytest\"]\n"+
		"[tool.pyward]\nindex = \"https://corp.example/simple/\"\nindex-for = { corp-lib = \"https://lib:secret@corp.example/lib/\", acme = \"https://acme.example/simple/\" }\n")
	code, stdout, stderr = runPyward(t, "inspect", pp, "--group", "dev")
	if code != exitOK {
		t.Fatalf("pyproject: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"attrs>=23", "pytest", "requires-python >=3.10", "[tool.pyward] index https://corp.example/simple/",
		"[tool.pyward] index-for acme = https://acme.example/simple/\n# " + pp + ": [tool.pyward] index-for corp-lib = https://corp.example/lib/"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("pyproject: output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "secret") {
		t.Errorf("credentials printed:\n%s", stdout)
	}
}

func TestInspectForks(t *testing.T) {
	dir := t.TempDir()
	l := &lockfile.Lock{CreatedBy: "test", RequiresPython: ">=3.9", Environments: []string{`sys_platform != "emscripten"`}}
	for _, p := range []lockfile.Package{
		{Name: "numpy", Version: "1.26.4", Marker: `python_version < "3.10"`},
		{Name: "numpy", Version: "2.1.0", Marker: `python_version >= "3.10"`},
		{Name: "colorama", Version: "0.4.6", Marker: `sys_platform == "win32"`},
	} {
		p.Wheels = []lockfile.File{{Name: p.Name + "-" + p.Version + "-py3-none-any.whl", URL: "https://example.invalid/x.whl",
			Hashes: map[string]string{"sha256": strings.Repeat("a", 64)}}}
		l.Packages = append(l.Packages, p)
	}
	l.Sort()
	for _, format := range []string{"pylock.toml", "requirements.txt"} {
		var data []byte
		var err error
		if format == "pylock.toml" {
			data, err = lockfile.MarshalPylock(l)
		} else {
			data, err = lockfile.MarshalRequirements(l)
		}
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, format)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runPyward(t, "inspect", path)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		want := `# fork: numpy 1.26.4 on python_version < "3.10"; 2.1.0 on python_version >= "3.10"`
		if !strings.Contains(stdout, want) || strings.Contains(stdout, "fork: colorama") {
			t.Errorf("%s: output lacks %q (or forks colorama):\n%s", format, want, stdout)
		}
	}
}
