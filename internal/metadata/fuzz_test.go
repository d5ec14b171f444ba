package metadata

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// FuzzParse checks that no input panics and that whatever parses survives
// Marshal and a second Parse with the same identity and dependencies.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n\nbody\n",
		"Metadata-Version: 2.2\nName: foo\nVersion: 1.0\nDynamic: Requires-Dist\nRequires-Dist: a[b]>=1; extra == 'x'\n",
		"Metadata-Version: 1.1\nName: foo\nVersion: 1.0\nDescription: a\n        b\n",
		"Metadata-Version: 2.1\r\nName: foo\r\nVersion: 1.0\r\nKeywords: a\nb c\n",
		"Metadata-Version: 2.4\nName: foo\nVersion: 1.0\nRequires-Python: >=3.7,\nProject-URL: a, b\nLicense: x\n  \n  y\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if entries, err := os.ReadDir(realDir); err == nil {
		for i, e := range entries {
			if i%40 != 0 {
				continue
			}
			if data, err := os.ReadFile(filepath.Join(realDir, e.Name())); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		m, err := Parse(data)
		budgettest.Check(t, len(data), start)
		if err != nil {
			if m != nil {
				t.Fatal("non-nil metadata with an error")
			}
			return
		}
		out, err := Marshal(m)
		if err != nil {
			return
		}
		m2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal(m)): %v\n%q", err, out)
		}
		if m2.Name != m.Name || m2.Version != m.Version || len(m2.RequiresDist) != len(m.RequiresDist) {
			t.Fatalf("round trip changed identity or dependencies:\n%q\n%q", data, out)
		}
		for i := range m.RequiresDist {
			if m.RequiresDist[i].String() != m2.RequiresDist[i].String() {
				t.Fatalf("Requires-Dist %d: %q != %q", i, m.RequiresDist[i], m2.RequiresDist[i])
			}
		}
	})
}
