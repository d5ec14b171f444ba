package lock

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pyward/pyward/internal/provenance"
)

// TestVerdicts: a stored verdict is found only for the same root, body and
// file digest; an unreadable entry is a miss, never an identity.
func TestVerdicts(t *testing.T) {
	dir := t.TempDir()
	v := &Verdicts{Dir: dir, Root: "root-a"}
	id := provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "o/r", "workflow": "w.yml"}}
	body, sha := []byte(`{"version":1}`), "ab"
	v.put(body, sha, []provenance.Identity{id})
	if got, ok := v.get(body, sha); !ok || len(got) != 1 || !got[0].Equal(id) {
		t.Fatalf("hit = %v, %v", got, ok)
	}
	for name, miss := range map[string]func() bool{
		"other root":   func() bool { _, ok := (&Verdicts{Dir: dir, Root: "root-b"}).get(body, sha); return ok },
		"other body":   func() bool { _, ok := v.get([]byte(`{"version":2}`), sha); return ok },
		"other digest": func() bool { _, ok := v.get(body, "cd"); return ok },
	} {
		if miss() {
			t.Errorf("%s: hit", name)
		}
	}
	if err := os.WriteFile(v.path(body, sha), []byte(`["GitHub repository"]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, ok := v.get(body, sha); ok {
		t.Fatalf("corrupt entry read as %v", got)
	}
	if _, err := os.Stat(filepath.Dir(v.path(body, sha))); err != nil {
		t.Fatal(err)
	}
}
