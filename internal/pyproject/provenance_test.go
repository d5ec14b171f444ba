package pyproject

import (
	"strings"
	"testing"
)

func TestRequireProvenance(t *testing.T) {
	base := "[project]\nname = \"x\"\nversion = \"1\"\n[tool.pyward]\n"
	p, err := Parse("pyproject.toml", []byte(base+"require-provenance = [\"requests\", \"acme-*\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Config.RequireProvenance; len(got) != 2 || got[0] != "requests" || got[1] != "acme-*" {
		t.Fatalf("RequireProvenance = %q", got)
	}
	for _, bad := range []string{"require-provenance = \"requests\"\n", "require-provenance = [\"[\"]\n"} {
		if _, err := Parse("pyproject.toml", []byte(base+bad)); err == nil || !strings.Contains(err.Error(), "require-provenance") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
