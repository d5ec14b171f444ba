package build

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestParseBuildSystem(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		nilData  bool
		requires []string
		backend  string
		path     []string
		err      string // substring of the error; "" for success
	}{
		{name: "no pyproject.toml", nilData: true, requires: []string{"setuptools>=40.8.0"}, backend: DefaultBackend},
		{name: "no build-system table", data: "[project]\nname = \"x\"\n", requires: []string{"setuptools>=40.8.0"}, backend: DefaultBackend},
		{name: "empty file", data: "", requires: []string{"setuptools>=40.8.0"}, backend: DefaultBackend},
		{name: "requires without backend", data: "[build-system]\nrequires = [\"setuptools>=61\", \"wheel\"]\n",
			requires: []string{"setuptools>=61", "wheel"}, backend: DefaultBackend},
		{name: "full", data: "[build-system]\nrequires = [\"hatchling>=1.20; python_version >= '3.8'\"]\nbuild-backend = \"hatchling.build\"\n",
			requires: []string{`hatchling>=1.20; python_version >= "3.8"`}, backend: "hatchling.build"},
		{name: "object reference", data: "[build-system]\nrequires = []\nbuild-backend = \"setuptools.build_meta:__legacy__\"\n",
			backend: "setuptools.build_meta:__legacy__"},
		{name: "backend-path", data: "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\"_build\", \"./tools/../x\", \"\"]\n",
			backend: "backend", path: []string{"_build", "x", "."}},
		{name: "missing requires", data: "[build-system]\nbuild-backend = \"x\"\n", err: "build-system.requires: missing"},
		{name: "requires not an array", data: "[build-system]\nrequires = \"setuptools\"\n", err: "build-system.requires: must be an array"},
		{name: "requires item not a string", data: "[build-system]\nrequires = [1]\n", err: "build-system.requires[0]: must be a string"},
		{name: "bad requirement", data: "[build-system]\nrequires = [\"ok\", \"bad name!\"]\n", err: "build-system.requires[1]"},
		{name: "bad backend", data: "[build-system]\nrequires = []\nbuild-backend = \"os; rm -rf\"\n", err: "build-system.build-backend"},
		{name: "backend not a string", data: "[build-system]\nrequires = []\nbuild-backend = 3\n", err: "build-system.build-backend"},
		{name: "backend-path escaping", data: "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"../x\"]\n", err: "leaves the project root"},
		{name: "backend-path absolute", data: "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"/usr/lib\"]\n", err: "backend-path[0]"},
		{name: "build-system not a table", data: "build-system = 1\n", err: "build-system: must be a table"},
		{name: "invalid TOML", data: "[build-system]\nrequires = [\n", err: "pyproject.toml:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			if !tc.nilData {
				data = []byte(tc.data)
			}
			bs, err := ParseBuildSystem("pkg-1.0.tar.gz:pyproject.toml", data)
			if tc.err != "" {
				var ce *ConfigError
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.As(err, &ce) {
					t.Fatalf("error = %v, want *ConfigError containing %q", err, tc.err)
				}
				if !strings.HasPrefix(err.Error(), "pkg-1.0.tar.gz:pyproject.toml") {
					t.Errorf("error does not name the file: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var reqs []string
			for _, r := range bs.Requires {
				reqs = append(reqs, r.String())
			}
			if strings.Join(reqs, "|") != strings.Join(tc.requires, "|") {
				t.Errorf("requires = %q, want %q", reqs, tc.requires)
			}
			if bs.Backend != tc.backend {
				t.Errorf("backend = %q, want %q", bs.Backend, tc.backend)
			}
			if strings.Join(bs.BackendPath, "|") != strings.Join(tc.path, "|") {
				t.Errorf("backend-path = %q, want %q", bs.BackendPath, tc.path)
			}
		})
	}
}

func TestInvalidTOMLHasLine(t *testing.T) {
	_, err := ParseBuildSystem("p.toml", []byte("[build-system]\nrequires = [\"a\"]\nbuild-backend = = 1\n"))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Line != 3 {
		t.Fatalf("want a ConfigError on line 3, got %#v", err)
	}
}

// TestParseBuildSystemBudget: a pyproject.toml over a TOML limit is a
// ConfigError naming the line and the limit, returned before decoding.
func TestParseBuildSystemBudget(t *testing.T) {
	doc := "[build-system]\nrequires = [\"setuptools\"]\n[tool.x]\ny = " + strings.Repeat("{a = ", 8000) + "1" + strings.Repeat("}", 8000) + "\n"
	_, err := ParseBuildSystem("pyproject.toml", []byte(doc))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Line != 4 || !strings.Contains(ce.Msg, "tomlbudget.MaxDepth") {
		t.Fatalf("ParseBuildSystem = %v, want a ConfigError on line 4 naming tomlbudget.MaxDepth", err)
	}
}

func FuzzParseBuildSystem(f *testing.F) {
	f.Add([]byte("[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"a.b:c\"\nbackend-path = [\"x\"]\n"))
	f.Add([]byte("[build-system]\nrequires = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		bs, err := ParseBuildSystem("f.toml", data)
		budgettest.Check(t, len(data), start)
		if err != nil {
			return
		}
		if bs.Backend == "" || !validBackend(bs.Backend) {
			t.Fatalf("accepted invalid backend %q", bs.Backend)
		}
		for _, p := range bs.BackendPath {
			if strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") {
				t.Fatalf("accepted escaping backend-path %q", p)
			}
		}
	})
}
