package install

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/metadata"
	"github.com/pyward/pyward/internal/testindex"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// A tree's manifest keeps METADATA's header section, not its description
// body, and Recheck of the Wheel LoadUnpacked returns still compares every
// field with the lock and the index's metadata file.
func TestManifestKeepsMetadataHeaders(t *testing.T) {
	body := strings.Repeat("A long README that no check reads. ", 200)
	meta := "Metadata-Version: 2.1\r\nName: demo\r\nVersion: 1.0\r\nRequires-Dist: other>=1\r\nRequires-Python: >=3.8\r\n\r\n" + body
	d := testindex.Dist{Name: "demo", Version: "1.0", RawMetadata: []byte(meta)}
	_, src := unpackDist(t, d)
	raw, err := os.ReadFile(filepath.Join(src, unpackedMarker))
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > len(body)/2 {
		t.Errorf("manifest is %d bytes: it keeps the %d-byte description", len(raw), len(body))
	}
	w, err := LoadUnpacked(src)
	if err != nil {
		t.Fatal(err)
	}
	index := func(requires string) []byte {
		return []byte("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n" + requires + "Requires-Python: >=3.8\n")
	}
	for _, tc := range []struct {
		name string
		opts Options
		ok   bool
	}{
		{"as locked", Options{Name: "demo", Version: "1.0", Metadata: index("Requires-Dist: other>=1\n")}, true},
		{"other version", Options{Name: "demo", Version: "2.0"}, false},
		{"other name", Options{Name: "demo2", Version: "1.0"}, false},
		{"index adds a requirement", Options{Name: "demo", Version: "1.0", Metadata: index("Requires-Dist: other>=1\nRequires-Dist: evil\n")}, false},
	} {
		c := *w
		err := Recheck(&c, tc.opts)
		if (err == nil) != tc.ok {
			t.Errorf("%s: Recheck = %v", tc.name, err)
		}
	}
}

// metadataHeaders keeps what metadata.Parse reads: any METADATA that
// parses gives the same fields from its header section.
func FuzzMetadataHeaders(f *testing.F) {
	f.Add([]byte("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\nbody\n\nmore"))
	f.Add([]byte("\xef\xbb\xbfName: demo\r\nVersion: 1.0\r\nRequires-Dist: a\r\n  ; extra == 'x'\r\rbody"))
	f.Add([]byte("Name: demo\nVersion: 1.0\nDescription: one\n        |two\n\n"))
	f.Add([]byte("\nName: demo\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		headers := metadataHeaders(data)
		budgettest.Check(t, len(data), start)
		full, err := metadata.Parse(data)
		if err != nil {
			return
		}
		head, err := metadata.Parse(headers)
		if err != nil {
			t.Fatalf("header section does not parse: %v", err)
		}
		if !reflect.DeepEqual(full.Headers, head.Headers) {
			t.Fatalf("headers differ:\n%v\n%v", full.Headers, head.Headers)
		}
	})
}
