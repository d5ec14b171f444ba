package osv

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
	"go.yaml.in/yaml/v3"
)

// refYAML decodes with yaml/v3, the reference for fastYAML.
func refYAML(data []byte) (*rawRecord, error) {
	var r rawRecord
	err := yaml.Unmarshal(data, &r)
	return &r, err
}

// TestFastYAMLMatchesYAMLv3 decodes every advisory file both ways.
func TestFastYAMLMatchesYAMLv3(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(needShared(t, advisoryDir), "*", "*.yaml"))
	if len(paths) == 0 {
		t.Fatal("no advisory files")
	}
	fallback := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want, werr := refYAML(data)
		got, gerr := fastYAML(data)
		if gerr != nil {
			fallback++
			continue
		}
		if werr != nil {
			t.Errorf("%s: fast path accepted what yaml/v3 rejects: %v", p, werr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fast path differs\n got %#v\nwant %#v", p, got, want)
		}
	}
	t.Logf("%d files, %d decoded by yaml/v3 fallback", len(paths), fallback)
	// The fast path exists for speed; it must cover nearly all real files.
	if fallback*20 > len(paths) {
		t.Errorf("%d of %d files fell back to yaml/v3 (want under 5%%)", fallback, len(paths))
	}
}

func TestFastYAMLCases(t *testing.T) {
	tests := []struct {
		name, in string
		fast     bool // expected to stay on the fast path
	}{
		{"plain multi-line", "id: X\ndetails: one\n  two\n\n  three\nsummary: s\n", true},
		{"single quoted folded", "id: X\ndetails: 'it''s\n  folded\n\n  para'\n", true},
		{"double quoted escapes", "id: X\ndetails: \"a\\tb\\u00e9\\x41\\\"q\\\\ \"\n", true},
		{"unknown escape falls back", "id: X\ndetails: \"a\\/b\"\n", false},
		{"double quoted escaped break", "id: X\ndetails: \"abc\\\n  def\"\n", true},
		{"literal clip", "id: X\ndetails: |\n  l1\n\n    indented\n  l3\n\n\naliases:\n- A\n", true},
		{"literal strip", "id: X\ndetails: |-\n  l1\n  l2\nsummary: s\n", true},
		{"literal at end", "id: X\ndetails: |\n  l1\n", true},
		{"indentless sequence", "id: X\naliases:\n- A\n- 'B'\n", true},
		{"nested", "id: X\naffected:\n- package:\n    name: n\n    ecosystem: PyPI\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: 1.10\n  versions:\n  - 1.0\n  - '1.34'\n", true},
		{"empty flows", "id: X\naliases: []\nrelated: []\n", true},
		{"null values", "id: X\nsummary:\naliases: ~\nwithdrawn: null\n", true},
		{"unknown keys skipped", "id: X\ncredits:\n- name: A\n  type: ANALYST\n", true},
		{"timestamp plain", "id: X\nmodified: 2023-11-07T20:24:23.946863Z\n", true},
		{"flow mapping falls back", "id: X\naffected:\n- package: {name: a}\n", false},
		{"comment falls back", "# c\nid: X\n", false},
		{"anchor falls back", "id: &a X\n", false},
		{"folded falls back", "id: X\ndetails: >\n  a\n", false},
		{"database_specific falls back", "id: X\ndatabase_specific:\n  severity: HIGH\n", false},
		{"duplicate key falls back", "id: X\nid: Y\n", false},
		{"tab falls back", "id:\tX\n", false},
		{"bad indentation falls back", "id: X\n  summary: s\n", false},
	}
	for _, tt := range tests {
		want, werr := refYAML([]byte(tt.in))
		got, gerr := fastYAML([]byte(tt.in))
		if (gerr == nil) != tt.fast {
			t.Errorf("%s: fast path err = %v, want fast=%v", tt.name, gerr, tt.fast)
			continue
		}
		if gerr != nil {
			continue
		}
		if werr != nil {
			t.Errorf("%s: yaml/v3 rejects (%v) what the fast path accepts", tt.name, werr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tt.name, got, want)
		}
	}
}

// FuzzFastYAML: whenever the fast path accepts an input, yaml/v3 must
// accept it too and decode the identical record.
func FuzzFastYAML(f *testing.F) {
	f.Add([]byte("id: X\ndetails: one\n  two\naliases:\n- A\n"))
	f.Add([]byte("id: X\ndetails: \"a\\\n  b\"\nsummary: 'x''y\n  z'\n"))
	f.Add([]byte("id: X\ndetails: |-\n  l1\n\n  l2\naffected:\n- package:\n    name: n\n  versions:\n  - 1.0\n"))
	for _, seed := range []string{
		"id: X\nreferences:\n- type: WEB\n  url: 'http://a\n    b'\n- type: FIX\n  url: \"x\"\n",
		"id: X\naffected:\n- package:\n    name: n\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.0\n  versions:\n  - 1.0\nsummary: |\n  a\n   b\n\n  c\n",
		"id: X\ndetails: a\n   \n  b\n",
		"id: X\ndetails: 'a\n\n\n  b'\n",
		"id: X\ndetails: \"a\n\n  b\"\naliases:\n  - A\n  - B\n",
		"id: X\naliases:\n-   A\n-   B\n",
		"id: X\ndetails: |+\n\nsummary: s\n",
	} {
		f.Add([]byte(seed))
	}
	if paths, _ := filepath.Glob(advisoryDir + "/a*/*.yaml"); len(paths) > 0 {
		for _, p := range paths[:min(len(paths), 30)] {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		got, gerr := fastYAML(data)
		budgettest.Check(t, len(data), start)
		if gerr != nil {
			return
		}
		want, werr := refYAML(data)
		if werr != nil {
			t.Fatalf("fast path accepted what yaml/v3 rejects (%v):\n%q", werr, data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("mismatch for %q:\n got %#v\nwant %#v", data, got, want)
		}
	})
}

// BenchmarkDecodeAdvisoryYAML decodes every file of the pypa advisory
// database with the fast path and with the library alone: the measurement
// behind keeping fastYAML (recorded in BENCHMARKS.md).
func BenchmarkDecodeAdvisoryYAML(b *testing.B) {
	paths, _ := filepath.Glob(filepath.Join(needShared(b, advisoryDir), "*", "*.yaml"))
	files := make([][]byte, 0, len(paths))
	size := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
		size += len(data)
	}
	for _, bc := range []struct {
		name   string
		decode func([]byte) (*rawRecord, error)
	}{
		{"fastYAML", func(d []byte) (*rawRecord, error) {
			if r, err := fastYAML(d); err == nil {
				return r, nil
			}
			return refYAML(d) // the few files outside the subset, as parseYAML does
		}},
		{"yaml-v3", refYAML},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			start := cpuTime()
			for b.Loop() {
				for _, d := range files {
					if _, err := bc.decode(d); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportCPU(b, start)
		})
	}
}
