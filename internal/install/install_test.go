package install

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

// entry is one member of a crafted wheel.
type entry struct {
	name    string
	data    string
	mode    os.FileMode // 0 → 0644
	method  uint16      // zip.Store or zip.Deflate
	noList  bool        // leave out of RECORD
	badHash bool        // list a wrong hash
	badSize bool        // list a wrong size
}

// craft builds a wheel demo-1.0 with the given extra entries plus a valid
// dist-info (unless the entries replace it), and a RECORD listing everything.
func craft(t testing.TB, entries []entry, opts ...func(*[]entry)) []byte {
	t.Helper()
	base := []entry{
		{name: "demo/__init__.py", data: "__version__ = '1.0'\n"},
		{name: "demo-1.0.dist-info/METADATA", data: "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n"},
		{name: "demo-1.0.dist-info/WHEEL", data: "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	all := append(base, entries...)
	for _, o := range opts {
		o(&all)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var record []RecordEntry
	for _, e := range all {
		h := &zip.FileHeader{Name: e.name, Method: e.method}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.data))
		if e.noList || strings.HasSuffix(e.name, "/") {
			continue
		}
		sum := sha256.Sum256([]byte(e.data))
		if e.badHash {
			sum = sha256.Sum256([]byte(e.data + "x"))
		}
		size := len(e.data)
		if e.badSize {
			size++
		}
		record = append(record, RecordEntry{Path: e.name, Hash: "sha256=" + b64(sum[:]), Size: int64(size)})
	}
	record = append(record, RecordEntry{Path: "demo-1.0.dist-info/RECORD", Size: -1})
	w, _ := zw.Create("demo-1.0.dist-info/RECORD")
	w.Write(FormatRecord(record))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkBytes(data []byte, opts Options) (*Wheel, error) {
	return Check(bytes.NewReader(data), int64(len(data)), "demo-1.0-py3-none-any.whl", opts)
}

func TestCheckHostile(t *testing.T) {
	big := strings.Repeat("\x00", 3<<20)
	small := Limits{MaxFiles: 20, MaxFileSize: 8 << 20, MaxTotalSize: 10 << 20}
	for _, tc := range []struct {
		name    string
		entries []entry
		mutate  func(*[]entry)
		opts    Options
		rule    Rule
		entry   string
	}{
		{name: "dotdot", entries: []entry{{name: "demo/../../evil.py", data: "x"}}, rule: RulePath, entry: "demo/../../evil.py"},
		{name: "absolute", entries: []entry{{name: "/etc/evil", data: "x"}}, rule: RulePath, entry: "/etc/evil"},
		{name: "drive", entries: []entry{{name: "C:/evil.py", data: "x"}}, rule: RuleDrive},
		{name: "unpacked record name", entries: []entry{{name: ".pyward-wheel.json", data: "{}"}}, rule: RuleReserved, entry: ".pyward-wheel.json"},
		{name: "seal name upper case", entries: []entry{{name: ".PYWARD-seal.json", data: "{}"}}, rule: RuleReserved},
		{name: "state directory", entries: []entry{{name: ".pyward/records/x", data: "{}"}}, rule: RuleReserved},
		{name: "unc", entries: []entry{{name: `\\host\share\evil`, data: "x"}}, rule: RuleDrive},
		{name: "backslash", entries: []entry{{name: `demo\..\..\evil`, data: "x"}}, rule: RulePath},
		{name: "dot element", entries: []entry{{name: "demo/./x.py", data: "x"}}, rule: RulePath},
		{name: "symlink", entries: []entry{{name: "demo/link", data: "/etc/passwd", mode: os.ModeSymlink | 0o777}}, rule: RuleSymlink, entry: "demo/link"},
		{name: "data outside scheme", entries: []entry{{name: "demo-1.0.data/etc/passwd", data: "x"}}, rule: RuleOutside},
		{name: "duplicate", entries: []entry{{name: "demo/a.py", data: "1"}, {name: "demo/a.py", data: "2"}}, rule: RuleDuplicate, entry: "demo/a.py"},
		{name: "case duplicate", entries: []entry{{name: "demo/A.py", data: "1"}, {name: "demo/a.py", data: "2"}}, rule: RuleDuplicate, entry: "demo/a.py"},
		{name: "bad hash", entries: []entry{{name: "demo/a.py", data: "1", badHash: true}}, rule: RuleHash, entry: "demo/a.py"},
		{name: "bad size", entries: []entry{{name: "demo/a.py", data: "1", badSize: true}}, rule: RuleHash, entry: "demo/a.py"},
		{name: "not in RECORD", entries: []entry{{name: "demo/a.py", data: "1", noList: true}}, rule: RuleRecord, entry: "demo/a.py"},
		{name: "too many files", entries: func() []entry {
			var es []entry
			for i := 0; i < 30; i++ {
				es = append(es, entry{name: fmt.Sprintf("demo/m%d.py", i), data: "x"})
			}
			return es
		}(), opts: Options{Limits: small}, rule: RuleFiles},
		{name: "file size", entries: []entry{{name: "demo/big.bin", data: strings.Repeat("a", 9<<20)}}, opts: Options{Limits: small}, rule: RuleFileSize},
		{name: "total size", entries: []entry{{name: "demo/a.bin", data: strings.Repeat("a", 6<<20)}, {name: "demo/b.bin", data: strings.Repeat("b", 6<<20)}}, opts: Options{Limits: small}, rule: RuleTotalSize},
		{name: "ratio bomb", entries: []entry{{name: "demo/zeros.bin", data: big, method: zip.Deflate}}, rule: RuleRatio, entry: "demo/zeros.bin"},
		{name: "pth import", entries: []entry{{name: "evil.pth", data: "import os; os.system('x')\n"}}, rule: RuleStartup, entry: "evil.pth"},
		{name: "pth in data purelib", entries: []entry{{name: "demo-1.0.data/purelib/evil.pth", data: "import\tos\n"}}, rule: RuleStartup},
		{name: "pth after CR", entries: []entry{{name: "x.pth", data: "# harmless\rimport os\n"}}, rule: RuleStartup},
		{name: "pth after BOM", entries: []entry{{name: "x.pth", data: "\ufeffimport os\n"}}, rule: RuleStartup},
		{name: "pth after form feed", entries: []entry{{name: "x.pth", data: "/p\fimport os\n"}}, rule: RuleStartup},
		{name: "pth after U+2028", entries: []entry{{name: "x.pth", data: "/p\u2028import os\n"}}, rule: RuleStartup},
		{name: "pth platlib upper case", entries: []entry{{name: "demo-1.0.data/platlib/X.PTH", data: "import os\n"}}, rule: RuleStartup},
		{name: "pth via data scheme", entries: []entry{{name: "demo-1.0.data/data/lib/python3.11/site-packages/evil.pth", data: "import os\n"}}, rule: RuleStartup},
		{name: "sitecustomize module", entries: []entry{{name: "sitecustomize.py", data: "import os\n"}}, rule: RuleStartup, entry: "sitecustomize.py"},
		{name: "sitecustomize package", entries: []entry{{name: "sitecustomize/__init__.py", data: "import os\n"}}, rule: RuleStartup, entry: "sitecustomize/__init__.py"},
		{name: "sitecustomize bytecode", entries: []entry{{name: "sitecustomize.pyc", data: "\x00"}}, rule: RuleStartup},
		{name: "sitecustomize cached bytecode", entries: []entry{{name: "__pycache__/sitecustomize.cpython-311.pyc", data: "\x00"}}, rule: RuleStartup},
		{name: "usercustomize purelib", entries: []entry{{name: "demo-1.0.data/purelib/usercustomize.py", data: "import os\n"}}, rule: RuleStartup},
		{name: "sitecustomize extension platlib", entries: []entry{{name: "demo-1.0.data/platlib/sitecustomize.cpython-311-x86_64-linux-gnu.so", data: "\x7fELF"}}, rule: RuleStartup},
		{name: "sitecustomize extension windows", entries: []entry{{name: "SiteCustomize.cp311-win_amd64.pyd", data: "MZ"}}, rule: RuleStartup},
		{name: "sitecustomize via data scheme", entries: []entry{{name: "demo-1.0.data/data/lib/python3.11/site-packages/sitecustomize.py", data: "import os\n"}}, rule: RuleStartup},
		{name: "sitecustomize package via data scheme", entries: []entry{{name: "demo-1.0.data/data/lib/python3.11/site-packages/sitecustomize/__init__.py", data: "import os\n"}}, rule: RuleStartup},
		{name: "usercustomize via data lib64", entries: []entry{{name: "demo-1.0.data/data/lib64/python3.12/site-packages/usercustomize.py", data: "import os\n"}}, rule: RuleStartup},
		{name: "editable finder", entries: []entry{{name: "__editable___demo_1_0_finder.py", data: "import sys\n"}}, rule: RuleStartup, entry: "__editable___demo_1_0_finder.py"},
		{name: "editable pth", entries: []entry{{name: "__editable__.demo-1.0.pth", data: "/src/demo\n"}}, rule: RuleStartup},
		{name: "pth path to sitecustomize", entries: []entry{{name: "demo.pth", data: "demo/hooks\n"}, {name: "demo/hooks/sitecustomize.py", data: "import os\n"}}, rule: RuleStartup, entry: "demo/hooks/sitecustomize.py"},
		{name: "pth path to sitecustomize in purelib", entries: []entry{{name: "demo-1.0.data/purelib/demo.pth", data: "./Hooks/\n"}, {name: "demo-1.0.data/platlib/hooks/sitecustomize/__init__.py", data: "import os\n"}}, rule: RuleStartup},
		{name: "pth path leaves site-packages", entries: []entry{{name: "demo.pth", data: "../../../bin\n"}}, rule: RuleStartup, entry: "demo.pth"},
		{name: "pth import after the old 16 MiB prefix", entries: []entry{{name: "big.pth", data: strings.Repeat("#\n", 8<<20) + "import os\n"}}, rule: RuleFileSize, entry: "big.pth"},
		{name: "pth over the size limit", entries: []entry{{name: "demo-1.0.data/purelib/big.pth", data: strings.Repeat("/p\n", MaxPthSize/3+1)}}, rule: RuleFileSize},
		{name: "pth import at the end", entries: []entry{{name: "end.pth", data: strings.Repeat("#\n", MaxPthSize/2-8) + "import os\n"}}, rule: RuleStartup, entry: "end.pth"},
		{name: "data replaces python", entries: []entry{{name: "demo-1.0.data/data/bin/python", data: "#!/bin/sh\n"}}, rule: RuleOutside},
		{name: "data replaces pyvenv.cfg", entries: []entry{{name: "demo-1.0.data/data/pyvenv.cfg", data: "home = /evil\n"}}, rule: RuleOutside},
		{name: "metadata name", opts: Options{Name: "other"}, rule: RuleMetadata},
		{name: "metadata version", opts: Options{Version: "2.0"}, rule: RuleMetadata},
		{name: "pep658 requires-dist", opts: Options{Metadata: []byte("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: evil\n\n")}, rule: RuleMetadata},
		{name: "wheel version", mutate: func(es *[]entry) {
			(*es)[2].data = "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n"
		}, rule: RuleWheelVersion},
		{name: "two dist-infos", entries: []entry{{name: "other-1.0.dist-info/METADATA", data: "Name: other\n"}}, rule: RuleDistInfo},
		{name: "file and directory", entries: []entry{{name: "demo/x", data: "1"}, {name: "demo/x/y.py", data: "2"}}, rule: RuleDuplicate, entry: "demo/x"},
		{name: "script replaces python", entries: []entry{{name: "demo-1.0.data/scripts/python3", data: "#!/bin/sh\n"}}, rule: RuleEntryPoint},
		{name: "entry point replaces python", entries: []entry{{name: "demo-1.0.dist-info/entry_points.txt", data: "[console_scripts]\npython = demo:main\n"}}, rule: RuleEntryPoint},
		{name: "entry point injection", entries: []entry{{name: "demo-1.0.dist-info/entry_points.txt", data: "[console_scripts]\nx = os;import evil:main\n"}}, rule: RuleEntryPoint},
		{name: "no metadata", mutate: func(es *[]entry) { *es = append((*es)[:1], (*es)[2]) }, rule: RuleDistInfo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mut []func(*[]entry)
			if tc.mutate != nil {
				mut = append(mut, tc.mutate)
			}
			data := craft(t, tc.entries, mut...)
			_, err := checkBytes(data, tc.opts)
			var ce *CheckError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v; want *CheckError", err)
			}
			if !errors.Is(err, ErrUnsafe) {
				t.Errorf("not ErrUnsafe")
			}
			found := false
			for _, p := range ce.Problems {
				if p.Rule == tc.rule && (tc.entry == "" || p.Entry == tc.entry) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want rule %s entry %q; got %v", tc.rule, tc.entry, err)
			}
			// Unpack leaves nothing behind.
			dir := t.TempDir()
			p := filepath.Join(dir, "demo-1.0-py3-none-any.whl")
			os.WriteFile(p, data, 0o644)
			out := filepath.Join(dir, "out")
			if _, err := Unpack(context.Background(), p, out, tc.opts); err == nil {
				t.Fatal("Unpack succeeded")
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("Unpack left %s behind", out)
			}
		})
	}
}

func TestCheckAllProblemsAtOnce(t *testing.T) {
	data := craft(t, []entry{
		{name: "demo/../x", data: "1"},
		{name: "demo/a.py", data: "1", badHash: true},
		{name: "demo/b.py", data: "1", noList: true},
	})
	_, err := checkBytes(data, Options{})
	var ce *CheckError
	if !errors.As(err, &ce) || !ce.Has(RulePath) || !ce.Has(RuleHash) || !ce.Has(RuleRecord) {
		t.Fatalf("want path, hash and record problems; got %v", err)
	}
}

func TestCheckAccepts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []entry
		opts    Options
	}{
		{"plain", nil, Options{Name: "Demo", Version: "1.0.0"}},
		{"pth paths only", []entry{{name: "demo.pth", data: "# comment\n/some/path\nimportant\n"}}, Options{}},
		{"pth allowed", []entry{{name: "demo.pth", data: "import demo\n"}}, Options{AllowStartup: true}},
		{"pth below top", []entry{{name: "demo/x.pth", data: "import demo\n"}}, Options{}},
		{"sitecustomize below top", []entry{{name: "demo/bootstrap/sitecustomize.py", data: "import demo\n"}}, Options{}},
		{"sitecustomize allowed", []entry{{name: "sitecustomize.py", data: "import demo\n"}, {name: "__editable___demo_finder.py", data: ""}}, Options{AllowStartup: true}},
		{"pth path inside site-packages", []entry{{name: "demo.pth", data: "demo/lib\n"}, {name: "demo/lib/mod.py", data: ""}}, Options{}},
		{"customize-like names", []entry{{name: "demo/sitecustomize_helpers.py", data: ""}, {name: "sitecustomizer.py", data: ""}}, Options{}},

		{"compressible small", []entry{{name: "demo/z", data: strings.Repeat("\x00", 500<<10), method: zip.Deflate}}, Options{}},
		{"data dirs", []entry{{name: "demo-1.0.data/scripts/tool", data: "#!python\nprint(1)\n"}, {name: "demo-1.0.data/data/share/x.txt", data: "x"}}, Options{}},
		{"pep658 same", nil, Options{Metadata: []byte("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := checkBytes(craft(t, tc.entries), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if w.Name != "demo" || w.Version != "1.0" || !w.RootIsPurelib || w.DistInfo != "demo-1.0.dist-info" {
				t.Fatalf("wheel %+v", w)
			}
		})
	}
}

func TestParseRecord(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		fail bool
	}{
		{"a.py,sha256=" + b64(make([]byte, 32)) + ",3\nx.dist-info/RECORD,,\n", 2, false},
		{"\"a,b.py\",,\n", 1, false},
		{"a.py,sha256=" + b64(make([]byte, 32)) + "=,3\n", 1, false},
		{"a.py,md5=abc,3\n", 0, true},
		{"a.py,sha256=short,3\n", 0, true},
		{"a.py,,-1\n", 0, true},
		{"a.py,,\n,,\n", 0, true},
		{"a.py\n", 0, true},
		{"\"unterminated\n", 0, true},
		{"", 0, false},
	} {
		got, err := ParseRecord([]byte(tc.in))
		if (err != nil) != tc.fail || (!tc.fail && len(got) != tc.n) {
			t.Errorf("ParseRecord(%q) = %v, %v", tc.in, got, err)
		}
	}
	entries := []RecordEntry{{Path: "a,b.py", Hash: "sha256=" + b64(make([]byte, 32)), Size: 3}, {Path: "R", Size: -1}}
	back, err := ParseRecord(FormatRecord(entries))
	if err != nil || len(back) != 2 || back[0] != entries[0] || back[1] != entries[1] {
		t.Fatalf("round trip: %v %v", back, err)
	}
}

func TestParseEntryPoints(t *testing.T) {
	eps, err := ParseEntryPoints([]byte("[console_scripts]\ntool = demo.cli:main\nother=demo:app.run [extra]\n[gui_scripts]\ngui = demo:gui\n[other]\nx = y:z\n"))
	if err != nil || len(eps) != 3 || eps[1].Attr != "app.run" || !eps[2].GUI {
		t.Fatalf("%+v %v", eps, err)
	}
	for _, bad := range []string{
		"[console_scripts]\n../evil = demo:main\n",
		"[console_scripts]\na/b = demo:main\n",
		"[console_scripts]\ntool = os; import evil:main\n",
		"[console_scripts]\ntool = demo:main()\n",
		"[console_scripts]\ntool\n",
	} {
		if _, err := ParseEntryPoints([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestShebang(t *testing.T) {
	if got := string(shebang("/v/bin/python", "")); got != "#!/v/bin/python\n" {
		t.Errorf("short: %q", got)
	}
	if got := string(shebang("/a b/bin/python", "")); !strings.HasPrefix(got, "#!/bin/sh\n") {
		t.Errorf("space: %q", got)
	}
	if got := string(shebang("/"+strings.Repeat("x", 200), "")); !strings.HasPrefix(got, "#!/bin/sh\n") {
		t.Errorf("long: %q", got)
	}
}

func newTarget(t *testing.T) *Target {
	root := t.TempDir()
	site := filepath.Join(root, "lib", "python3.11", "site-packages")
	return &Target{
		Root: root, Purelib: site, Platlib: site, Scripts: filepath.Join(root, "bin"), Data: root,
		Headers: filepath.Join(root, "include", "site", "python3.11"), Python: filepath.Join(root, "bin", "python"),
		Staging: filepath.Join(root, ".pyward-staging"), PycacheTag: "cpython-311",
	}
}

func snapshot(t *testing.T, root string) []string {
	var out []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && p != root {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestInstallUninstall(t *testing.T) {
	ctx := context.Background()
	d := testindex.Dist{Name: "Demo-Pkg", Version: "1.0", ConsoleScripts: map[string]string{"demo-tool": "demo_pkg:main"},
		Modules: map[string]string{"demo_pkg/sub/mod.py": "X = 1\n"}}
	name, data, err := testindex.BuildWheel(d, "")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	wp := filepath.Join(tmp, name)
	os.WriteFile(wp, data, 0o644)
	src := filepath.Join(tmp, "unpacked")
	w, err := Unpack(ctx, wp, src, Options{Name: "demo-pkg", Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if lw, err := LoadUnpacked(src); err != nil || lw.DistInfo != w.DistInfo {
		t.Fatalf("LoadUnpacked: %v", err)
	}
	tg := newTarget(t)
	os.MkdirAll(tg.Purelib, 0o755)
	os.MkdirAll(tg.Scripts, 0o755)
	before := snapshot(t, tg.Root)
	for _, link := range []bool{true, false} {
		if _, err := tg.Install(ctx, w, src, InstallOptions{Link: link, DirectURL: &DirectURL{URL: "https://x/y.whl", SHA256: "ab"}}); err != nil {
			t.Fatal(err)
		}
		script := filepath.Join(tg.Scripts, "demo-tool")
		st, err := os.Stat(script)
		if err != nil || st.Mode()&0o100 == 0 {
			t.Fatalf("script: %v %v", st, err)
		}
		body, _ := os.ReadFile(script)
		if !strings.HasPrefix(string(body), "#!"+tg.Python+"\n") || !strings.Contains(string(body), "from demo_pkg import main as _entry") {
			t.Fatalf("script body:\n%s", body)
		}
		inst, err := Scan(tg.Purelib)
		if err != nil || len(inst) != 1 || inst[0].Incomplete || inst[0].Installer != "pyward" || inst[0].Version != "1.0" {
			t.Fatalf("Scan: %+v %v", inst, err)
		}
		rec, _ := os.ReadFile(filepath.Join(inst[0].DistInfo, "RECORD"))
		entries, err := ParseRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			p := filepath.Join(tg.Purelib, filepath.FromSlash(e.Path))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("RECORD lists %s: %v", e.Path, err)
			}
			if e.Hash != "" && hashOf(b) != e.Hash {
				t.Fatalf("RECORD hash of %s wrong", e.Path)
			}
		}
		if !strings.Contains(string(rec), "../../../bin/demo-tool,sha256=") || !strings.Contains(string(rec), "direct_url.json") {
			t.Fatalf("RECORD:\n%s", rec)
		}
		if err := tg.Uninstall(inst[0].DistInfo); err != nil {
			t.Fatal(err)
		}
		if err := tg.Cleanup(); err != nil {
			t.Fatal(err)
		}
		after := snapshot(t, tg.Root)
		if strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Fatalf("uninstall left:\n%s\nwant:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
		}
	}
}

func TestUninstallRefusesOutside(t *testing.T) {
	tg := newTarget(t)
	di := filepath.Join(tg.Purelib, "evil-1.0.dist-info")
	os.MkdirAll(di, 0o755)
	outside := filepath.Join(t.TempDir(), "precious")
	os.WriteFile(outside, []byte("x"), 0o644)
	rel, _ := filepath.Rel(tg.Purelib, outside)
	os.WriteFile(filepath.Join(di, "RECORD"), []byte(rel+",,\n"), 0o644)
	err := tg.Uninstall(di)
	if !errors.Is(err, ErrOutside) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatal("file outside the environment removed")
	}
}

func TestRecheckPth(t *testing.T) {
	data := craft(t, []entry{{name: "x.pth", data: "import sys\n"}})
	w, err := checkBytes(data, Options{AllowStartup: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := Recheck(w, Options{}); !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "--allow-startup demo") {
		t.Fatalf("Recheck = %v", err)
	}
	if err := Recheck(w, Options{AllowStartup: true, Name: "demo"}); err != nil {
		t.Fatal(err)
	}
}

// Two distributions sharing a namespace directory install concurrently.
func TestInstallConcurrentNamespace(t *testing.T) {
	ctx := context.Background()
	tg := newTarget(t)
	tmp := t.TempDir()
	var ws []*Wheel
	var srcs []string
	for i := 0; i < 8; i++ {
		d := testindex.Dist{Name: fmt.Sprintf("ns-part%d", i), Version: "1.0",
			Modules: map[string]string{fmt.Sprintf("nsroot/deep/part%d/__init__.py", i): "X = 1\n"}}
		name, data, err := testindex.BuildWheel(d, "")
		if err != nil {
			t.Fatal(err)
		}
		wp := filepath.Join(tmp, name)
		os.WriteFile(wp, data, 0o644)
		src := filepath.Join(tmp, fmt.Sprintf("u%d", i))
		w, err := Unpack(ctx, wp, src, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ws, srcs = append(ws, w), append(srcs, src)
	}
	errs := make(chan error, len(ws))
	for i := range ws {
		go func() {
			_, err := tg.Install(ctx, ws[i], srcs[i], InstallOptions{Link: true})
			errs <- err
		}()
	}
	for range ws {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i := range ws {
		if _, err := os.Stat(filepath.Join(tg.Purelib, "nsroot", "deep", fmt.Sprintf("part%d", i), "__init__.py")); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing is left staged, also of the parts merged into nsroot.
	if left, err := os.ReadDir(tg.Staging); err != nil || len(left) != 0 {
		t.Fatalf("staging holds %v (%v)", left, err)
	}
	inst, _ := Scan(tg.Purelib)
	for _, in := range inst {
		if in.Incomplete {
			t.Fatalf("%s incomplete", in.Name)
		}
		if err := tg.Uninstall(in.DistInfo); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(tg.Purelib, "nsroot")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("namespace directory left after every part was uninstalled")
	}
}

// A tree unpacked before Check recorded start-up code carries no
// Wheel.Startup: Recheck would let its sitecustomize.py through, so
// LoadUnpacked must not accept it.
func TestLoadUnpackedOlderRules(t *testing.T) {
	dir := t.TempDir()
	wp := filepath.Join(dir, "demo-1.0-py3-none-any.whl")
	os.WriteFile(wp, craft(t, []entry{{name: "sitecustomize.py", data: "import os\n"}}), 0o644)
	out := filepath.Join(dir, "out")
	w, err := Unpack(context.Background(), wp, out, Options{AllowStartup: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadUnpacked(out); err != nil {
		t.Fatal(err)
	}
	if err := Recheck(w, Options{}); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("Recheck = %v", err)
	}
	// The marker as the previous format wrote it: the Wheel itself,
	// without the start-up findings.
	old := *w
	old.Startup = nil
	data, _ := json.Marshal(old)
	os.WriteFile(filepath.Join(out, unpackedMarker), data, 0o644)
	if lw, err := LoadUnpacked(out); !errors.Is(err, ErrNotUnpacked) {
		t.Fatalf("LoadUnpacked of an older tree = %+v, %v; want ErrNotUnpacked", lw, err)
	}
}

// installCrafted unpacks and installs a crafted demo wheel into tg.
func installCrafted(t *testing.T, tg *Target, entries []entry, opts InstallOptions) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	wp := filepath.Join(dir, "demo-1.0-py3-none-any.whl")
	os.WriteFile(wp, craft(t, entries), 0o644)
	src := filepath.Join(dir, "unpacked")
	w, err := Unpack(ctx, wp, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.Install(ctx, w, src, opts); err != nil {
		t.Fatal(err)
	}
}

// Issue 9 item 13: "#!python <args>" in .data/scripts is rewritten (wheel
// spec: a first line starting with "#!python" points at the interpreter),
// keeping the arguments.
func TestInstallScriptShebang(t *testing.T) {
	long := "/" + strings.Repeat("v", 120) + "/bin/python"
	for _, tc := range []struct {
		name, python, in, want string
	}{
		{"plain", "", "#!python\nprint(1)\n", "#!{py}\nprint(1)\n"},
		{"pythonw", "", "#!pythonw\nprint(1)\n", "#!{py}\nprint(1)\n"},
		{"args", "", "#!python -E -s\nprint(1)\n", "#!{py} -E -s\nprint(1)\n"},
		{"tab and CRLF", "", "#!python\t-u\r\nprint(1)\r\n", "#!{py} -u\nprint(1)\r\n"},
		{"versioned", "", "#!python3.11 -I\nprint(1)\n", "#!{py} -I\nprint(1)\n"},
		{"no newline", "", "#!python -O", "#!{py} -O\n"},
		{"other interpreter", "", "#!/usr/bin/env python -E\nprint(1)\n", "#!/usr/bin/env python -E\nprint(1)\n"},
		{"long path keeps args", long, "#!python -E\nprint(1)\n", "#!/bin/sh\n'''exec' '" + long + "' '-E' \"$0\" \"$@\"\n' '''\nprint(1)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTarget(t)
			if tc.python != "" {
				tg.Python = tc.python
			}
			installCrafted(t, tg, []entry{{name: "demo-1.0.data/scripts/tool", data: tc.in}}, InstallOptions{})
			got, err := os.ReadFile(filepath.Join(tg.Scripts, "tool"))
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.ReplaceAll(tc.want, "{py}", tg.Python); string(got) != want {
				t.Fatalf("script:\n%q\nwant:\n%q", got, want)
			}
			// RECORD describes what was written.
			rec, _ := os.ReadFile(filepath.Join(tg.Purelib, "demo-1.0.dist-info", "RECORD"))
			if !strings.Contains(string(rec), "bin/tool,"+hashOf(got)+",") {
				t.Fatalf("RECORD does not list the rewritten script:\n%s", rec)
			}
		})
	}
}

// Issue 9 item 10: direct_url.json (PEP 610) must not hold the URL's
// user information.
func TestInstallDirectURLWithoutCredentials(t *testing.T) {
	tg := newTarget(t)
	const secret = "s3cr3t-pa55"
	installCrafted(t, tg, nil, InstallOptions{DirectURL: &DirectURL{
		URL: "http://alice:" + secret + "@files.example/demo-1.0-py3-none-any.whl", SHA256: "ab"}})
	data, err := os.ReadFile(filepath.Join(tg.Purelib, "demo-1.0.dist-info", "direct_url.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) || strings.Contains(string(data), "alice") {
		t.Fatalf("direct_url.json holds the credentials: %s", data)
	}
	var du struct {
		URL         string `json:"url"`
		ArchiveInfo struct {
			Hashes map[string]string `json:"hashes"`
		} `json:"archive_info"`
	}
	if err := json.Unmarshal(data, &du); err != nil || du.URL != "http://files.example/demo-1.0-py3-none-any.whl" || du.ArchiveInfo.Hashes["sha256"] != "ab" {
		t.Fatalf("direct_url.json = %s (%v)", data, err)
	}
}

// A scheme directory that is a symbolic link is not installed into (the
// link could lead out of the environment).
func TestInstallRefusesLinkedSchemeDir(t *testing.T) {
	tg := newTarget(t)
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, tg.Scripts); err != nil {
		t.Fatal(err)
	}
	w, src := unpackDist(t, testindex.Dist{Name: "demo", Version: "1.0", Modules: map[string]string{"demo/m.py": "X = 1\n"},
		ConsoleScripts: map[string]string{"demo-tool": "demo.m:main"}})
	if _, err := tg.Install(context.Background(), w, src, InstallOptions{Link: true}); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("err = %v, want ErrUnsafe", err)
	}
	if left, _ := os.ReadDir(elsewhere); len(left) != 0 {
		t.Fatalf("installed through the link: %v", left)
	}
	if left, err := os.ReadDir(tg.Staging); err != nil || len(left) != 0 {
		t.Fatalf("staging holds %v (%v)", left, err)
	}
}
