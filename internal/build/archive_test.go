package build

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// ent is one archive member for the test archive builders.
type ent struct {
	name string
	typ  byte // tar type flag; 0 → regular file
	body string
	link string
	mode int64
}

func tarGz(t testing.TB, ents []ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range ents {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Linkname: e.link, Mode: mode, Format: tar.FormatPAX}
		if typ == tar.TypeXGlobalHeader {
			h = &tar.Header{Typeflag: typ, PAXRecords: map[string]string{"comment": e.body}}
		}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipArchive(t testing.TB, ents []ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range ents {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		switch e.typ {
		case tar.TypeSymlink:
			h.SetMode(os.ModeSymlink | 0o777)
			e.body = e.link
		case tar.TypeDir:
			h.SetMode(os.ModeDir | 0o755)
		default:
			h.SetMode(0o644)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unpackBytes writes data as name into a fresh directory and unpacks it.
func unpackBytes(t *testing.T, name string, data []byte, lim limits) (string, string, error) {
	t.Helper()
	base := t.TempDir()
	archive := filepath.Join(base, name)
	if err := os.WriteFile(archive, data, 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := unpack(archive, filepath.Join(base, "out"), lim)
	return base, root, err
}

func TestUnpackRules(t *testing.T) {
	ok := ent{name: "pkg-1.0/pkg/__init__.py", body: "x = 1\n"}
	tests := []struct {
		name  string
		zip   bool
		ents  []ent
		lim   limits
		rules []Rule // nil: must succeed
	}{
		{name: "plain", ents: []ent{{name: "pkg-1.0/", typ: tar.TypeDir}, ok, {name: "pkg-1.0/PKG-INFO", body: "Name: pkg\n"}}},
		{name: "dot-slash prefix", ents: []ent{{name: "./pkg-1.0/setup.py", body: "", mode: 0o755}}},
		{name: "pax global header is skipped", ents: []ent{{typ: tar.TypeXGlobalHeader, body: "git sha"}, ok}},
		{name: "dotdot", ents: []ent{ok, {name: "pkg-1.0/../../evil", body: "x"}}, rules: []Rule{RulePath}},
		{name: "leading dotdot", ents: []ent{{name: "../evil", body: "x"}}, rules: []Rule{RulePath}},
		{name: "absolute", ents: []ent{ok, {name: "/etc/evil", body: "x"}}, rules: []Rule{RulePath}},
		{name: "backslash", ents: []ent{ok, {name: `pkg-1.0\..\..\evil`, body: "x"}}, rules: []Rule{RulePath}},
		{name: "drive letter", ents: []ent{{name: "C:/evil", body: "x"}}, rules: []Rule{RulePath}},
		{name: "NUL byte", zip: true, ents: []ent{ok, {name: "pkg-1.0/a\x00b", body: "x"}}, rules: []Rule{RulePath}},
		{name: "empty element", ents: []ent{ok, {name: "pkg-1.0//x", body: "x"}}, rules: []Rule{RulePath}},
		{name: "overlong name", ents: []ent{ok, {name: "pkg-1.0/" + strings.Repeat("a", MaxPathLength), body: "x"}}, rules: []Rule{RulePath}},
		{name: "every problem at once", ents: []ent{ok, {name: "../a", body: "x"}, {name: "/b", body: "x"}, {name: "other-1.0/c", body: "x"}},
			rules: []Rule{RulePath, RulePath, RuleLayout}},
		{name: "two top-level directories", ents: []ent{ok, {name: "other/x", body: "x"}}, rules: []Rule{RuleLayout}},
		{name: "top-level file", ents: []ent{{name: "setup.py", body: "x"}}, rules: []Rule{RuleLayout}},
		{name: "empty archive", ents: nil, rules: []Rule{RuleLayout}},
		{name: "symlink inside", ents: []ent{ok, {name: "pkg-1.0/link.py", typ: tar.TypeSymlink, link: "pkg/__init__.py"}}},
		{name: "symlink to the top directory", ents: []ent{ok, {name: "pkg-1.0/pkg/up", typ: tar.TypeSymlink, link: ".."}}},
		{name: "symlink escaping", ents: []ent{ok, {name: "pkg-1.0/l", typ: tar.TypeSymlink, link: "../../etc/passwd"}}, rules: []Rule{RuleLink}},
		{name: "symlink to the parent of the top", ents: []ent{ok, {name: "pkg-1.0/l", typ: tar.TypeSymlink, link: ".."}}, rules: []Rule{RuleLink}},
		{name: "symlink absolute", ents: []ent{ok, {name: "pkg-1.0/l", typ: tar.TypeSymlink, link: "/etc/passwd"}}, rules: []Rule{RuleLink}},
		{name: "symlink through a symlink", ents: []ent{ok,
			{name: "pkg-1.0/a/up", typ: tar.TypeSymlink, link: "../.."},
			{name: "pkg-1.0/l", typ: tar.TypeSymlink, link: "a/up/../x"}}, rules: []Rule{RuleLink, RuleLink}},
		{name: "symlink chain hidden lexically", ents: []ent{ok,
			{name: "pkg-1.0/a/s", typ: tar.TypeSymlink, link: "."},
			{name: "pkg-1.0/a/l", typ: tar.TypeSymlink, link: "s/../../x"}}, rules: []Rule{RuleLink}},
		{name: "file below a symlink", ents: []ent{ok, {name: "pkg-1.0/d", typ: tar.TypeSymlink, link: "pkg"}, {name: "pkg-1.0/d/evil", body: "x"}},
			rules: []Rule{RuleDuplicate}},
		{name: "symlink over a directory", ents: []ent{ok, {name: "pkg-1.0/pkg", typ: tar.TypeSymlink, link: "."}}, rules: []Rule{RuleDuplicate}},
		{name: "hard link inside", ents: []ent{ok, {name: "pkg-1.0/copy.py", typ: tar.TypeLink, link: "pkg-1.0/pkg/__init__.py"}}},
		{name: "hard link outside", ents: []ent{ok, {name: "pkg-1.0/h", typ: tar.TypeLink, link: "/etc/passwd"}}, rules: []Rule{RuleLink}},
		{name: "hard link to a later file", ents: []ent{{name: "pkg-1.0/h", typ: tar.TypeLink, link: "pkg-1.0/later"}, {name: "pkg-1.0/later", body: "x"}},
			rules: []Rule{RuleLink}},
		{name: "character device", ents: []ent{ok, {name: "pkg-1.0/dev", typ: tar.TypeChar}}, rules: []Rule{RuleType}},
		{name: "fifo", ents: []ent{ok, {name: "pkg-1.0/fifo", typ: tar.TypeFifo}}, rules: []Rule{RuleType}},
		{name: "duplicate file", ents: []ent{ok, ok}, rules: []Rule{RuleDuplicate}},
		{name: "file then directory", ents: []ent{ok, {name: "pkg-1.0/pkg/__init__.py/x", body: "x"}}, rules: []Rule{RuleDuplicate}},
		{name: "too many files", lim: limits{files: 2}, ents: []ent{ok, {name: "pkg-1.0/b", body: "x"}, {name: "pkg-1.0/c", body: "x"}},
			rules: []Rule{RuleFiles}},
		{name: "file too large", lim: limits{fileSize: 10}, ents: []ent{{name: "pkg-1.0/big", body: strings.Repeat("x", 11)}}, rules: []Rule{RuleFileSize}},
		{name: "total too large", lim: limits{total: 15}, ents: []ent{{name: "pkg-1.0/a", body: "0123456789"}, {name: "pkg-1.0/b", body: "0123456789"}},
			rules: []Rule{RuleTotalSize}},
		{name: "compression bomb", lim: limits{ratio: 10, ratioAfter: 1 << 10}, ents: []ent{{name: "pkg-1.0/zeros", body: strings.Repeat("\x00", 1<<20)}},
			rules: []Rule{RuleRatio}},
		// A bomb stops a zip at the first broken limit, as it stops a tar.gz.
		{name: "zip too many files", zip: true, lim: limits{files: 2}, ents: []ent{ok, {name: "pkg-1.0/b", body: "x"}, {name: "pkg-1.0/c", body: "x"}, {name: "pkg-1.0/d", body: "x"}},
			rules: []Rule{RuleFiles}},
		{name: "zip files too large", zip: true, lim: limits{fileSize: 10}, ents: []ent{{name: "pkg-1.0/big", body: strings.Repeat("x", 11)}, {name: "pkg-1.0/big2", body: strings.Repeat("x", 11)}},
			rules: []Rule{RuleFileSize}},
		{name: "zip total too large", zip: true, lim: limits{total: 15}, ents: []ent{{name: "pkg-1.0/a", body: "0123456789"}, {name: "pkg-1.0/b", body: "0123456789"}, {name: "pkg-1.0/c", body: "0123456789"}},
			rules: []Rule{RuleTotalSize}},
		{name: "tar files too large", lim: limits{fileSize: 10}, ents: []ent{{name: "pkg-1.0/big", body: strings.Repeat("x", 11)}, {name: "pkg-1.0/big2", body: strings.Repeat("x", 11)}},
			rules: []Rule{RuleFileSize}},
		{name: "zip plain", zip: true, ents: []ent{{name: "pkg-1.0/", typ: tar.TypeDir}, ok}},
		{name: "zip dotdot", zip: true, ents: []ent{ok, {name: "../evil", body: "x"}}, rules: []Rule{RulePath}},
		{name: "zip symlink escaping", zip: true, ents: []ent{ok, {name: "pkg-1.0/l", typ: tar.TypeSymlink, link: "../../../etc"}}, rules: []Rule{RuleLink}},
		{name: "zip symlink inside", zip: true, ents: []ent{ok, {name: "pkg-1.0/l", typ: tar.TypeSymlink, link: "pkg"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := defaultLimits
			if tc.lim.files != 0 {
				lim.files = tc.lim.files
			}
			if tc.lim.fileSize != 0 {
				lim.fileSize = tc.lim.fileSize
			}
			if tc.lim.total != 0 {
				lim.total = tc.lim.total
			}
			if tc.lim.ratio != 0 {
				lim.ratio, lim.ratioAfter = tc.lim.ratio, tc.lim.ratioAfter
			}
			name, data := "pkg-1.0.tar.gz", []byte(nil)
			if tc.zip {
				name, data = "pkg-1.0.zip", zipArchive(t, tc.ents)
			} else {
				data = tarGz(t, tc.ents)
			}
			base, root, err := unpackBytes(t, name, data, lim)
			if tc.rules == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if root != filepath.Join(base, "out", "pkg-1.0") {
					t.Fatalf("root = %s", root)
				}
				return
			}
			var ae *ArchiveError
			if !errors.As(err, &ae) || !errors.Is(err, ErrUnsafeArchive) {
				t.Fatalf("want *ArchiveError, got %v", err)
			}
			var got []Rule
			for _, p := range ae.Problems {
				got = append(got, p.Rule)
			}
			if strings.Join(ruleStrings(got), ",") != strings.Join(ruleStrings(tc.rules), ",") {
				t.Fatalf("rules = %v, want %v\n%v", got, tc.rules, err)
			}
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error does not name the archive: %v", err)
			}
			// Nothing from a refused archive remains, and nothing was
			// written beside it.
			left, _ := os.ReadDir(base)
			if len(left) != 1 || left[0].Name() != name {
				t.Fatalf("left behind: %v", left)
			}
		})
	}
}

func ruleStrings(rs []Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func TestUnpackContent(t *testing.T) {
	data := tarGz(t, []ent{
		{name: "pkg-1.0/setup.py", body: "print(1)\n", mode: 0o755},
		{name: "pkg-1.0/pkg/__init__.py", body: "x = 1\n"},
		{name: "pkg-1.0/pkg/link.py", typ: tar.TypeSymlink, link: "__init__.py"},
		{name: "pkg-1.0/copy.py", typ: tar.TypeLink, link: "pkg-1.0/pkg/__init__.py"},
	})
	_, root, err := unpackBytes(t, "pkg-1.0.tar.gz", data, defaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{"setup.py": "print(1)\n", "pkg/__init__.py": "x = 1\n", "pkg/link.py": "x = 1\n", "copy.py": "x = 1\n"} {
		got, err := os.ReadFile(filepath.Join(root, p))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", p, got, err, want)
		}
	}
	if st, err := os.Lstat(filepath.Join(root, "pkg/link.py")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("pkg/link.py is not a symlink: %v", err)
	}
	if st, err := os.Stat(filepath.Join(root, "setup.py")); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("setup.py mode: %v %v", st.Mode(), err)
	}
	if st, err := os.Lstat(filepath.Join(root, "copy.py")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("hard link not copied as a regular file: %v", err)
	}
}

func TestUnpackCorrupt(t *testing.T) {
	for _, name := range []string{"pkg-1.0.tar.gz", "pkg-1.0.zip", "pkg-1.0.tar.bz2"} {
		_, _, err := unpackBytes(t, name, []byte("not an archive"), defaultLimits)
		var ae *ArchiveError
		if !errors.As(err, &ae) || !ae.Has(RuleCorrupt) {
			t.Errorf("%s: want a corrupt-archive problem, got %v", name, err)
		}
	}
	// A truncated stream.
	data := tarGz(t, []ent{{name: "pkg-1.0/a", body: strings.Repeat("abc", 1000)}})
	_, _, err := unpackBytes(t, "pkg-1.0.tar.gz", data[:len(data)/2], defaultLimits)
	if !errors.Is(err, ErrUnsafeArchive) {
		t.Errorf("truncated: got %v", err)
	}
}

func FuzzUnpack(f *testing.F) {
	f.Add(tarGz(f, []ent{{name: "pkg-1.0/a", body: "x"}, {name: "pkg-1.0/l", typ: tar.TypeSymlink, link: "a"}}), false)
	f.Add(tarGz(f, []ent{{name: "../x", body: "x"}}), false)
	f.Add(zipArchive(f, []ent{{name: "pkg-1.0/a", body: "x"}}), true)
	f.Fuzz(func(t *testing.T, data []byte, isZip bool) {
		base := t.TempDir()
		name := "p-1.tar.gz"
		if isZip {
			name = "p-1.zip"
		}
		archive := filepath.Join(base, name)
		if err := os.WriteFile(archive, data, 0o644); err != nil {
			t.Fatal(err)
		}
		// Small limits keep each run fast (a slow input makes Go's fuzzer
		// stop at its deadline without a verdict) and reach the limit
		// checks sooner.
		lim := limits{files: 100, fileSize: 64 << 10, total: 256 << 10, ratio: MaxCompressionRatio, ratioAfter: 16 << 10}
		start := time.Now()
		root, err := unpack(archive, filepath.Join(base, "out"), lim)
		budgettest.Check(t, len(data), start)
		if err != nil {
			return
		}
		// Everything must lie inside the output directory, and every
		// symbolic link must resolve inside the root.
		out := filepath.Join(base, "out")
		if filepath.Dir(root) != out {
			t.Fatalf("root %s outside %s", root, out)
		}
		realRoot, err := filepath.EvalSymlinks(root)
		if err != nil {
			t.Fatal(err)
		}
		filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.Mode()&os.ModeSymlink == 0 {
				return nil
			}
			if r, err := filepath.EvalSymlinks(p); err == nil && r != realRoot && !strings.HasPrefix(r, realRoot+string(filepath.Separator)) {
				t.Fatalf("symlink %s resolves to %s, outside %s", p, r, realRoot)
			}
			return nil
		})
		entries, _ := os.ReadDir(base)
		if len(entries) != 2 {
			t.Fatalf("unexpected files beside the output: %v", entries)
		}
	})
}
