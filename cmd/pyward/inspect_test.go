package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	pp := write("pyproject.toml", "[project]\nname = \"x\"\nversion = \"1\"\nrequires-python = \">=3.10\"\ndependencies = [\"attrs>=23\"]\n[dependency-groups]\ndev = [\"pytest\"]\n")
	code, stdout, _ = runPyward(t, "inspect", pp, "--group", "dev")
	if code != exitOK || !strings.Contains(stdout, "attrs>=23") || !strings.Contains(stdout, "pytest") || !strings.Contains(stdout, ">=3.10") {
		t.Errorf("pyproject: exit %d\n%s", code, stdout)
	}
}
