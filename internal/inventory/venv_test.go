package inventory

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadVenv(t *testing.T) {
	root := t.TempDir()
	sp := filepath.Join(root, "lib", "python3.11", "site-packages")
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(sp, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("requests-2.19.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\n")
	write("mypkg-0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: MyPkg\nVersion: 0.1\n")
	write("mypkg-0.1.dist-info/direct_url.json", `{"url": "file:///src/mypkg", "dir_info": {"editable": true}}`)
	write("legacy-1.0-py3.11.egg-info", "Metadata-Version: 1.0\nName: legacy\nVersion: 1.0\n")
	write("not-a-dist.txt", "x")
	inv, err := Read(context.Background(), root, FormatVenv)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Packages) != 3 {
		t.Fatalf("packages = %+v", inv.Packages)
	}
	byName := map[string]Package{}
	for _, p := range inv.Packages {
		byName[p.NormalizedName()] = p
	}
	if p := byName["requests"]; p.Version != "2.19.1" || !p.Pinned {
		t.Errorf("requests = %+v", p)
	}
	if p := byName["mypkg"]; !p.Editable || p.URL != "file:///src/mypkg" {
		t.Errorf("mypkg = %+v", p)
	}
	if _, ok := byName["legacy"]; !ok {
		t.Error("egg-info file not read")
	}
	if _, err := ReadVenv(t.TempDir()); err == nil {
		t.Error("a directory without site-packages was accepted")
	}
}

func TestReadRequirements(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "requirements.txt")
	content := "--index-url https://pypi.org/simple\n--extra-index-url https://corp.example/simple\n--trusted-host corp.example\n" +
		"requests==2.19.1\nflask>=2,<3\n-e ./local\nmylib @ git+https://example.com/mylib.git@v1.2\nexact===1.0-foo\nwild==1.*\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := Read(context.Background(), path, FormatRequirements)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name, version, spec, vcs, commit string
		pinned, editable                 bool
		line                             int
	}{
		{"requests", "2.19.1", "", "", "", true, false, 4},
		{"flask", "", "<3,>=2", "", "", false, false, 5},
		{"./local", "", "", "", "", false, true, 6},
		{"mylib", "", "", "git", "v1.2", false, false, 7},
		{"exact", "1.0-foo", "", "", "", true, false, 8},
		{"wild", "", "==1.*", "", "", false, false, 9},
	}
	if len(inv.Packages) != len(want) {
		t.Fatalf("packages = %+v", inv.Packages)
	}
	for i, w := range want {
		p := inv.Packages[i]
		if p.Name != w.name || p.Version != w.version || p.Spec != w.spec || p.VCS != w.vcs || p.Commit != w.commit || p.Pinned != w.pinned || p.Editable != w.editable || p.Line != w.line {
			t.Errorf("package %d = %+v, want %+v", i, p, w)
		}
	}
	if len(inv.IndexURLs) != 2 || inv.IndexURLs[0].Extra || !inv.IndexURLs[1].Extra || inv.IndexURLs[1].Line != 2 {
		t.Errorf("index URLs = %+v", inv.IndexURLs)
	}
	if len(inv.TrustedHosts) != 1 || inv.TrustedHosts[0].URL != "corp.example" {
		t.Errorf("trusted hosts = %+v", inv.TrustedHosts)
	}
}

func TestReadPyproject(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pyproject.toml")
	content := `[project]
name = "demo"
version = "1.0"
dependencies = [
    "requests>=2",
    "click==8.1.7",
]

[project.optional-dependencies]
yaml = ["pyyaml"]

[dependency-groups]
dev = ["pytest", {include-group = "lint"}]
lint = ["ruff==0.6.0"]
`
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := Read(context.Background(), path, FormatPyproject)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Package{}
	for _, p := range inv.Packages {
		got[p.Name] = p
	}
	if p := got["requests"]; p.Spec != ">=2" || p.Pinned || p.Line != 5 || p.Dev {
		t.Errorf("requests = %+v", p)
	}
	if p := got["click"]; p.Version != "8.1.7" || !p.Pinned || p.Line != 6 {
		t.Errorf("click = %+v", p)
	}
	if p := got["pyyaml"]; p.Line != 10 {
		t.Errorf("pyyaml = %+v", p)
	}
	if p := got["ruff"]; !p.Dev || !p.Pinned || p.Line != 14 {
		t.Errorf("ruff = %+v", p)
	}
	if _, ok := got["pytest"]; !ok {
		t.Error("pytest missing")
	}
}

func TestReadRequirementsFromAnnotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "requirements.txt")
	content := "a==1.0 \\\n    --hash=sha256:" + strings.Repeat("a", 64) + "\n    # via -r requirements.in\n    # from https://pypi.corp.example/simple/\nb==2.0 \\\n    --hash=sha256:" + strings.Repeat("b", 64) + "\n    # via a\nc==3\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := ReadRequirements(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://pypi.corp.example/simple/", "", ""}
	for i, p := range inv.Packages {
		if p.Index != want[i] {
			t.Errorf("%s index = %q, want %q", p.Name, p.Index, want[i])
		}
	}
}
