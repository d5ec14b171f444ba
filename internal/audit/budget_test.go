package audit

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// TestScanSourceConfigBudget: a hostile pyproject.toml is reported as an
// error naming the file, the line and the limit, before it is decoded.
func TestScanSourceConfigBudget(t *testing.T) {
	files := fakeFS{"/proj/pyproject.toml": "[project]\nname = \"p\"\n[tool.uv]\nx = " + strings.Repeat("{a = ", 8000) + "1" + strings.Repeat("}", 8000) + "\n"}
	_, errs := ScanSourceConfig(files.read, nil, []string{"/proj/pyproject.toml"})
	if len(errs) != 1 || !errors.Is(errs[0], tomlbudget.ErrLimit) || !strings.HasPrefix(errs[0].Error(), "/proj/pyproject.toml:4: ") || !strings.Contains(errs[0].Error(), "MaxDepth") {
		t.Fatalf("errors = %v, want one MaxDepth error at /proj/pyproject.toml:4", errs)
	}
}

// FuzzScanPyprojectIndexes fails on any input under 1 MiB that takes longer
// than tomlbudget.MaxParseTime, and on errors that do not name the file.
func FuzzScanPyprojectIndexes(f *testing.F) {
	f.Add("[tool.uv]\nindex-url = \"http://x/simple\"\nextra-index-url = [\"https://y/simple\"]\n[[tool.uv.index]]\nurl = \"http://z\"\n")
	f.Add("[[tool.poetry.source]]\nname = \"corp\"\nurl = \"https://c/simple\"\npriority = \"supplemental\"\n[[tool.pdm.source]]\nurl = \"https://d\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		start := time.Now()
		_, err := scanPyprojectIndexes("p.toml", []byte(in))
		budgettest.Check(t, len(in), start)
		if err != nil && !strings.HasPrefix(err.Error(), "p.toml") {
			t.Fatalf("error %q does not name the file", err)
		}
	})
}
