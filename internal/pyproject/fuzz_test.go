package pyproject

import (
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// FuzzParse checks that no input panics or takes longer than
// tomlbudget.MaxParseTime, that errors are *Error values naming the file,
// and that Requirements never panics on what parses.
func FuzzParse(f *testing.F) {
	f.Add(full)
	f.Add("[project]\nname = \"x\"\ndynamic = [\"version\"]\n")
	f.Add("[dependency-groups]\na = [{include-group = \"b\"}]\nb = [\"x\", {include-group = \"c\"}]\nc = []\n")
	f.Add("project.name = \"x\"\nproject.version = \"1\"\n[project.optional-dependencies]\na = [\"x[b]\"]\nb = [\"x[a]\", \"y\"]\n")
	f.Add("[tool.pyward.audit]\nignore = [{id = \"X\", until = 2027-01-01}]\n")
	f.Fuzz(func(t *testing.T, in string) {
		start := time.Now()
		p, err := Parse("p.toml", []byte(in))
		budgettest.Check(t, len(in), start)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.File != "p.toml" {
				t.Fatalf("error %#v is not an *Error naming the file", err)
			}
			return
		}
		groups := make([]string, 0, len(p.DependencyGroups))
		for g := range p.DependencyGroups {
			groups = append(groups, g)
		}
		_, _ = p.Requirements(nil, groups, true)
	})
}
