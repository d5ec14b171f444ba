package pyproject

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/pep508"
)

const full = `
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "My.Project"
version = "1.2.0"
requires-python = ">=3.9"
dependencies = [
  "requests>=2.31",
  'tomli>=1.1; python_version < "3.11"',
]

[project.optional-dependencies]
Socks = ["PySocks>=1.5.6,!=1.5.7"]
test = ["pytest>=7", "my-project[socks]"]
all = ["my_project[test, socks] ; sys_platform != 'win32'"]
loop-a = ["my.project[loop-b]", "a-dep"]
loop-b = ["my.project[loop-a]", "b-dep"]

[dependency-groups]
Lint = ["ruff==0.5.0"]
typing = ["mypy>=1", {include-group = "lint"}]
dev = [{include-group = "Typing"}, {include-group = "test_group"}, "ipython"]
test_group = ["pytest>=7", "coverage[toml]"]
selfref = ["my-project[socks]"]

[tool.other]
x = 1

[tool.pyward]
index = "https://pypi.example/simple"
extra-index = ["https://mirror.example/simple"]

[tool.pyward.index-for]
"Internal_Lib" = "https://internal.example/simple"

[tool.pyward.audit]
ignore = [
  "PYSEC-2023-1",
  { id = "GHSA-aaaa-bbbb-cccc", reason = "not reachable", until = 2027-01-31 },
  { id = "OSV-1", until = "2026-12-01" },
]
`

func strs(rs []*pep508.Requirement) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

func TestParseFull(t *testing.T) {
	p, err := Parse("pyproject.toml", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasProject || p.Name != "My.Project" || p.Version != "1.2.0" || p.RequiresPython.String() != ">=3.9" {
		t.Errorf("project = %+v", p)
	}
	if got := strs(p.Dependencies); !reflect.DeepEqual(got, []string{"requests>=2.31", `tomli>=1.1; python_version < "3.11"`}) {
		t.Errorf("Dependencies = %q", got)
	}
	if got := sortedKeys(p.OptionalDependencies); !reflect.DeepEqual(got, []string{"all", "loop-a", "loop-b", "socks", "test"}) {
		t.Errorf("extras = %q", got)
	}
	wantGroups := map[string][]string{
		"lint":       {"ruff==0.5.0"},
		"typing":     {"mypy>=1", "ruff==0.5.0"},
		"dev":        {"mypy>=1", "ruff==0.5.0", "pytest>=7", "coverage[toml]", "ipython"},
		"test-group": {"pytest>=7", "coverage[toml]"},
		"selfref":    {"my-project[socks]"},
	}
	for g, want := range wantGroups {
		if got := strs(p.DependencyGroups[g]); !reflect.DeepEqual(got, want) {
			t.Errorf("group %s = %q, want %q", g, got, want)
		}
	}
	if len(p.DependencyGroups) != len(wantGroups) {
		t.Errorf("groups = %q", sortedKeys(p.DependencyGroups))
	}
	wantConfig := Config{
		Index:      "https://pypi.example/simple",
		ExtraIndex: []string{"https://mirror.example/simple"},
		IndexFor:   map[string]string{"internal-lib": "https://internal.example/simple"},
		AuditIgnore: []AuditIgnore{
			{ID: "PYSEC-2023-1"},
			{ID: "GHSA-aaaa-bbbb-cccc", Reason: "not reachable", Until: "2027-01-31"},
			{ID: "OSV-1", Until: "2026-12-01"},
		},
	}
	if !reflect.DeepEqual(p.Config, wantConfig) {
		t.Errorf("Config = %+v\nwant     %+v", p.Config, wantConfig)
	}
	if p.Tool["index"] != "https://pypi.example/simple" {
		t.Errorf("Tool = %v", p.Tool)
	}
}

func TestRequirements(t *testing.T) {
	p, err := Parse("pyproject.toml", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"requests>=2.31", `tomli>=1.1; python_version < "3.11"`}
	with := func(more ...string) []string { return append(append([]string{}, base...), more...) }
	tests := []struct {
		name      string
		extras    []string
		groups    []string
		allExtras bool
		want      []string
		err       string
	}{
		{"dependencies only", nil, nil, false, base, ""},
		{"one extra, normalized lookup", []string{"SOCKS"}, nil, false, with("PySocks!=1.5.7,>=1.5.6"), ""},
		{"self-referencing extra", []string{"test"}, nil, false, with("pytest>=7", "PySocks!=1.5.7,>=1.5.6"), ""},
		{"nested self reference with marker", []string{"all"}, nil, false, with(
			`PySocks!=1.5.7,>=1.5.6; sys_platform != "win32"`, `pytest>=7; sys_platform != "win32"`), ""},
		{"self reference cycle terminates", []string{"loop-a"}, nil, false, with("b-dep", "a-dep"), ""},
		{"all extras deduplicated", nil, nil, true, with(
			`PySocks!=1.5.7,>=1.5.6; sys_platform != "win32"`, `pytest>=7; sys_platform != "win32"`,
			"b-dep", "a-dep", "PySocks!=1.5.7,>=1.5.6", "pytest>=7"), ""},
		{"group with includes", nil, []string{"dev"}, false, with("mypy>=1", "ruff==0.5.0", "pytest>=7", "coverage[toml]", "ipython"), ""},
		{"group name normalized", nil, []string{"Test.Group"}, false, with("pytest>=7", "coverage[toml]"), ""},
		{"group self reference", nil, []string{"selfref"}, false, with("PySocks!=1.5.7,>=1.5.6"), ""},
		{"extra and group overlap", []string{"test"}, []string{"test-group"}, false, with("pytest>=7", "PySocks!=1.5.7,>=1.5.6", "coverage[toml]"), ""},
		{"unknown extra", []string{"nope"}, nil, false, nil, `no extra "nope"`},
		{"unknown group", nil, []string{"nope"}, false, nil, `no group "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Requirements(tt.extras, tt.groups, tt.allExtras)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(strs(got), tt.want) {
				t.Errorf("got  %q\nwant %q", strs(got), tt.want)
			}
		})
	}
}

func TestRequirementsDynamic(t *testing.T) {
	p, err := Parse("pyproject.toml", []byte(`
[project]
name = "dyn"
dynamic = ["version", "dependencies", "optional-dependencies"]
[dependency-groups]
dev = ["pytest"]
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Requirements(nil, nil, false); !errors.Is(err, ErrDynamic) {
		t.Errorf("dynamic dependencies: err = %v", err)
	}
	if p.Version != "" || !reflect.DeepEqual(p.Dynamic, []string{"version", "dependencies", "optional-dependencies"}) {
		t.Errorf("project = %+v", p)
	}
}

func TestGroupsWithoutProject(t *testing.T) {
	p, err := Parse("pyproject.toml", []byte("[dependency-groups]\ndev = [\"pytest\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Requirements(nil, []string{"dev"}, false)
	if err != nil || !reflect.DeepEqual(strs(got), []string{"pytest"}) {
		t.Errorf("Requirements = %q, %v", strs(got), err)
	}
	if _, err := p.Requirements([]string{"x"}, nil, false); err == nil {
		t.Error("extras without [project] accepted")
	}
	if p.HasProject {
		t.Error("HasProject without [project]")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // substring of the error text: "file:line: key: message"
	}{
		{"toml syntax", "[project\nname = 1\n", "pyproject.toml:2: invalid TOML"},
		{"toml duplicate key", "[project]\nname = \"a\"\nname = \"b\"\n", "pyproject.toml:3: invalid TOML"},
		{"project not a table", "project = 1\n", "pyproject.toml:1: project: must be a table"},
		{"missing name", "[project]\nversion = \"1\"\n", "pyproject.toml:1: project.name: missing required field"},
		{"name not string", "[project]\nname = 1\nversion = \"1\"\n", "pyproject.toml:2: project.name: must be a string"},
		{"invalid name", "[project]\nname = \"-x\"\nversion = \"1\"\n", "pyproject.toml:2: project.name: \"-x\" is not a valid project name"},
		{"missing version", "[project]\nname = \"x\"\n", "project.version: missing: give a version or list it in project.dynamic"},
		{"invalid version", "[project]\nname = \"x\"\nversion = \"one\"\n", "pyproject.toml:3: project.version: \"one\" is not a PEP 440 version"},
		{"static and dynamic", "[project]\nname = \"x\"\nversion = \"1\"\ndynamic = [\"version\"]\n", "pyproject.toml:3: project.version: is given and also listed in project.dynamic"},
		{"dynamic name", "[project]\nname = \"x\"\ndynamic = [\"name\"]\n", "pyproject.toml:3: project.dynamic[0]: name cannot be dynamic"},
		{"dynamic unknown", "[project]\nname = \"x\"\nversion = \"1\"\ndynamic = [\"colour\"]\n", "project.dynamic[0]: \"colour\" is not a [project] field"},
		{"dynamic not array", "[project]\nname = \"x\"\nversion = \"1\"\ndynamic = \"version\"\n", "project.dynamic: must be an array of strings"},
		{"bad requires-python", "[project]\nname = \"x\"\nversion = \"1\"\nrequires-python = \">=3.8.*\"\n", "pyproject.toml:4: project.requires-python: invalid specifier set"},
		{"bad dependency", "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\n  \"ok\",\n  \"bad >>\",\n]\n", "pyproject.toml:6: project.dependencies[1]: invalid requirement \"bad >>\""},
		{"dependency not string", "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"ok\", 3]\n", "project.dependencies[1]: must be a string, not an integer"},
		{"dependencies not array", "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = \"a\"\n", "project.dependencies: must be an array of strings"},
		{"optional not table", "[project]\nname = \"x\"\nversion = \"1\"\noptional-dependencies = [\"a\"]\n", "project.optional-dependencies: must be a table"},
		{"bad extra name", "[project]\nname = \"x\"\nversion = \"1\"\n[project.optional-dependencies]\n\"bad name\" = [\"a\"]\n", "pyproject.toml:5: project.optional-dependencies.bad name: \"bad name\" is not a valid extra name"},
		{"duplicate normalized extra", "[project]\nname = \"x\"\nversion = \"1\"\n[project.optional-dependencies]\nTest = [\"a\"]\ntest = [\"b\"]\n", "has the same normalized name"},
		{"bad optional requirement", "[project]\nname = \"x\"\nversion = \"1\"\n[project.optional-dependencies]\ntest = [\"pytest\", \"x[\"]\n", "pyproject.toml:5: project.optional-dependencies.test[1]: invalid requirement"},
		{"groups not table", "dependency-groups = 1\n", "dependency-groups: must be a table"},
		{"group not array", "[dependency-groups]\ndev = \"pytest\"\n", "pyproject.toml:2: dependency-groups.dev: must be an array"},
		{"bad group name", "[dependency-groups]\n\"a b\" = []\n", "\"a b\" is not a valid group name"},
		{"duplicate group", "[dependency-groups]\nDev = []\ndev = []\n", "group \"dev\" has the same normalized name as \"Dev\""},
		{"bad group requirement", "[dependency-groups]\ndev = [\n  \"pytest\",\n  \"x ==\",\n]\n", "pyproject.toml:4: dependency-groups.dev[1]: invalid requirement"},
		{"include unknown group", "[dependency-groups]\ndev = [{include-group = \"nope\"}]\n", "dependency-groups.dev[0]: include-group \"nope\" names no group"},
		{"include table extra key", "[dependency-groups]\na = []\ndev = [{include-group = \"a\", x = 1}]\n", "a table item must be exactly {include-group = \"name\"}"},
		{"include not string", "[dependency-groups]\ndev = [{include-group = 1}]\n", "a table item must be exactly"},
		{"group item integer", "[dependency-groups]\ndev = [1]\n", "must be a requirement string or an include-group table, not an integer"},
		{"self include", "[dependency-groups]\ndev = [{include-group = \"dev\"}]\n", "include-group cycle dev -> dev"},
		{"long cycle", "[dependency-groups]\na = [{include-group = \"B\"}]\nB = [{include-group = \"c\"}]\nc = [{include-group = \"a\"}]\n", "include-group cycle"},
		{"pyward unknown key", "[tool.pyward]\nindex_url = \"x\"\n", "pyproject.toml:2: tool.pyward.index_url: unknown key"},
		{"pyward not table", "[tool]\npyward = 1\n", "tool.pyward: must be a table"},
		{"pyward index empty", "[tool.pyward]\nindex = \"\"\n", "tool.pyward.index: must be a non-empty string"},
		{"pyward index-for bad value", "[tool.pyward.index-for]\nfoo = 1\n", "pyproject.toml:2: tool.pyward.index-for.foo: must be a non-empty string"},
		{"pyward index-for bad name", "[tool.pyward.index-for]\n\"-x\" = \"https://x\"\n", "is not a valid project name"},
		{"pyward index-for duplicate", "[tool.pyward.index-for]\nFoo = \"https://a\"\nfoo = \"https://b\"\n", "listed twice"},
		{"pyward audit unknown", "[tool.pyward.audit]\nignored = []\n", "tool.pyward.audit.ignored: unknown key"},
		{"pyward ignore not array", "[tool.pyward.audit]\nignore = \"x\"\n", "tool.pyward.audit.ignore: must be an array"},
		{"pyward ignore bad date", "[tool.pyward.audit]\nignore = [{id = \"X\", until = \"soon\"}]\n", "tool.pyward.audit.ignore[0]: until must be a date"},
		{"pyward ignore missing id", "[tool.pyward.audit]\nignore = [{reason = \"x\"}]\n", "tool.pyward.audit.ignore[0]: missing id"},
		{"pyward ignore unknown key", "[tool.pyward.audit]\nignore = [{id = \"X\", expires = 1}]\n", "unknown key \"expires\""},
		{"pyward ignore empty id", "[tool.pyward.audit]\nignore = [\"\"]\n", "empty advisory id"},
		{"pyward ignore integer", "[tool.pyward.audit]\nignore = [1]\n", "must be an advisory id or a table, not an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("pyproject.toml", []byte(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "pyproject.toml" {
				t.Errorf("err = %#v, want *Error naming the file", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q\nwant   %q", err, tt.want)
			}
		})
	}
}

func TestCycleIsErrCycle(t *testing.T) {
	_, err := Parse("p.toml", []byte("[dependency-groups]\na = [{include-group = \"b\"}]\nb = [{include-group = \"a\"}]\n"))
	if !errors.Is(err, ErrCycle) {
		t.Errorf("err = %v", err)
	}
}

func TestRealWorldShapes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		deps []string
	}{
		{"poetry-only file", "[tool.poetry]\nname = \"x\"\n[tool.poetry.dependencies]\npython = \"^3.8\"\n", nil},
		{"empty file", "", nil},
		{"dotted keys", "project.name = \"x\"\nproject.version = \"1\"\nproject.dependencies = [\"a\"]\n", []string{"a"}},
		{"inline optional deps", "[project]\nname = \"x\"\nversion = \"1\"\noptional-dependencies = { dev = [\"b\"] }\ndependencies = []\n", nil},
		{"urls and markers", "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"pkg @ https://x/pkg-1.0.tar.gz ; python_version >= '3.8'\", \"win-only; sys_platform == 'win32'\"]\n",
			[]string{`pkg @ https://x/pkg-1.0.tar.gz ; python_version >= "3.8"`, `win-only; sys_platform == "win32"`}},
		{"multi-line literal strings", "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\n  '''a>=1''',\n  \"b\", # comment\n]\n", []string{"a>=1", "b"}},
		{"other tools ignored", "[project]\nname = \"x\"\nversion = \"1\"\n[tool.uv]\ndev-dependencies = [\"x\"]\n[tool.ruff]\nline-length = 100\n", nil},
		{"crlf", "[project]\r\nname = \"x\"\r\nversion = \"1\"\r\ndependencies = [\"a\"]\r\n", []string{"a"}},
		{"unknown project keys kept quiet", "[project]\nname = \"x\"\nversion = \"1\"\nreadme = \"README.md\"\nlicense = {text = \"MIT\"}\nauthors = [{name = \"A\"}]\n[project.scripts]\nx = \"x:main\"\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("pyproject.toml", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Requirements(nil, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(strs(got), tt.deps) {
				t.Errorf("Requirements = %q, want %q", strs(got), tt.deps)
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	if _, err := Parse("p.toml", make([]byte, MaxSize+1)); err == nil {
		t.Error("oversized file accepted")
	}
}

func TestExpansionLimits(t *testing.T) {
	// 40 groups, each including the next twice: 2^40 requirements.
	var b strings.Builder
	b.WriteString("[dependency-groups]\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "g%d = [{include-group = \"g%d\"}, {include-group = \"g%d\"}]\n", i, i+1, i+1)
	}
	b.WriteString("g40 = [\"x\"]\n")
	if _, err := Parse("p.toml", []byte(b.String())); err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Errorf("group blow-up: err = %v", err)
	}

	// 40 extras, each naming all later ones through the project itself.
	b.Reset()
	b.WriteString("[project]\nname = \"x\"\nversion = \"1\"\n[project.optional-dependencies]\n")
	for i := 0; i < 40; i++ {
		var names []string
		for j := i + 1; j <= 40; j++ {
			names = append(names, fmt.Sprintf("e%d", j))
		}
		fmt.Fprintf(&b, "e%d = [\"x[%s]\"]\n", i, strings.Join(names, ","))
	}
	b.WriteString("e40 = [\"y\"]\n")
	p, err := Parse("p.toml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Requirements([]string{"e0"}, nil, false); err == nil || !strings.Contains(err.Error(), "expand to more than") {
		t.Errorf("extra blow-up: err = %v", err)
	}
}

// TestReadFileBounded reads a sparse 64 GiB pyproject.toml: the size error
// must come after MaxSize+1 bytes, not after reading (or allocating) it all.
func TestReadFileBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pyproject.toml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 30); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	_, err = ReadFile(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("ReadFile: %v; want a size error naming %s", err, path)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}
