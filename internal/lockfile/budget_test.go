package lockfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget"
)

// TestParsePylockBudget: hostile locks are refused before the TOML decoder
// sees them. Unchecked, 2,000 nested inline tables (10 KB) took 3 s to
// decode, 8,000 (40 KB) 117 s and 16,000 more than 8 GB of memory.
func TestParsePylockBudget(t *testing.T) {
	head := "lock-version = \"1.0\"\ncreated-by = \"x\"\n\n[[packages]]\nname = \"a\"\n"
	tests := []struct {
		name, doc, limit string
		line             int
	}{
		{"nested inline tables", head + "tool = " + strings.Repeat("{a = ", 8000) + "1" + strings.Repeat("}", 8000) + "\n", "MaxDepth", 6},
		{"nested inline tables in wheels", head + "wheels = " + strings.Repeat("[{a = ", 5000) + "1" + strings.Repeat("}]", 5000) + "\n", "MaxDepth", 6},
		{"dotted key", head + "tool" + strings.Repeat(".a", 10000) + " = 1\n", "MaxDepth", 6},
		{"nested arrays", head + "dependencies = " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n", "MaxArrayDepth", 6},
		{"too many keys", head + strings.Repeat("[[packages]]\nname = \"a\"\n", tomlbudget.MaxKeys), "MaxKeys", tomlbudget.MaxKeys + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePylock("pylock.toml", []byte(tt.doc))
			if !errors.Is(err, tomlbudget.ErrLimit) {
				t.Fatalf("err = %v, want a limit error", err)
			}
			if want := fmt.Sprintf("pylock.toml:%d: ", tt.line); !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), tt.limit) {
				t.Fatalf("err = %q, want it to start with %q and name %s", err, want, tt.limit)
			}
		})
	}
}

// largeLock is a realistic lock of n packages with w wheels each.
func largeLock(n, w int) *Lock {
	up := time.Date(2025, 1, 25, 11, 30, 10, 0, time.UTC)
	l := &Lock{CreatedBy: "pyward", RequiresPython: ">=3.9"}
	for i := range n {
		name := fmt.Sprintf("package-%04d", i)
		p := Package{Name: name, Version: "1.2.3", Marker: `python_version >= "3.9"`, Index: "https://pypi.org/simple/",
			Dependencies: []string{fmt.Sprintf("package-%04d", (i+1)%n), fmt.Sprintf("package-%04d", (i+7)%n)},
			Via:          []string{"-r requirements.in"}}
		p.Sdist = &File{Name: name + "-1.2.3.tar.gz", URL: "https://files.pythonhosted.org/packages/ab/cd/" + name + "-1.2.3.tar.gz",
			Size: 123456, UploadTime: up, Hashes: map[string]string{"sha256": strings.Repeat(fmt.Sprintf("%02x", i%256), 32)}}
		for j := range w {
			fn := fmt.Sprintf("%s-1.2.3-cp3%d-cp3%d-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", strings.ReplaceAll(name, "-", "_"), j, j)
			p.Wheels = append(p.Wheels, File{Name: fn, URL: "https://files.pythonhosted.org/packages/ab/cd/" + fn, Size: int64(100000 + j),
				UploadTime: up, Hashes: map[string]string{"sha256": strings.Repeat(fmt.Sprintf("%02x", (i+j)%256), 32)}})
		}
		l.Packages = append(l.Packages, p)
	}
	return l
}

// TestParsePylockLarge: a lock several times larger than real ones stays
// well within every limit.
func TestParsePylockLarge(t *testing.T) {
	data, err := MarshalPylock(largeLock(800, 8))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 2<<20 {
		t.Fatalf("generated lock is only %d bytes", len(data))
	}
	l, err := ParsePylock("pylock.toml", data)
	if err != nil {
		t.Fatalf("ParsePylock(%d bytes) = %v", len(data), err)
	}
	if len(l.Packages) != 800 || len(l.Packages[799].Wheels) != 8 {
		t.Fatalf("read %d packages", len(l.Packages))
	}
}
