package fix

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/osv"
	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/testindex"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// memIndex is an in-memory Index: projects by name, file contents by URL.
type memIndex struct {
	projects map[string]*index.Project
	content  map[string][]byte
	err      error // returned by every look-up when set
}

func (m *memIndex) Project(_ context.Context, name string) (*index.Project, error) {
	if m.err != nil {
		return nil, m.err
	}
	if p, ok := m.projects[pep503.Normalize(name)]; ok {
		return p, nil
	}
	return nil, &index.NotFoundError{Project: name}
}

func (m *memIndex) Download(_ context.Context, f index.File, dst io.Writer) (string, error) {
	data, ok := m.content[f.URL]
	if !ok {
		return "", fmt.Errorf("no file at %s", f.URL)
	}
	_, _ = dst.Write(data)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// rel describes one release of a project in memIndex.
type rel struct {
	version string
	yanked  bool
	python  string // Requires-Python
	noHash  bool   // the index gives no sha256: Fix must download
	upload  string // upload date, YYYY-MM-DD; "" for none
}

func newMemIndex(projects map[string][]rel) *memIndex {
	m := &memIndex{projects: map[string]*index.Project{}, content: map[string][]byte{}}
	for name, rels := range projects {
		p := &index.Project{Name: name}
		for _, r := range rels {
			fn := strings.ReplaceAll(name, "-", "_") + "-" + r.version + "-py3-none-any.whl"
			u := "https://files.example/" + fn
			data := []byte("wheel " + fn)
			m.content[u] = data
			sum := sha256.Sum256(data)
			f := index.File{Filename: fn, URL: u, Hashes: map[string]string{}, Yanked: r.yanked, RequiresPython: r.python, Index: "mem"}
			if r.upload != "" {
				f.UploadTime, _ = time.Parse("2006-01-02", r.upload)
			}
			if !r.noHash {
				f.Hashes["sha256"] = hex.EncodeToString(sum[:])
			}
			p.Files = append(p.Files, f)
		}
		m.projects[name] = p
	}
	return m
}

// loadDB writes OSV JSON records into a directory and loads it.
func loadDB(t *testing.T, records ...string) *osv.DB {
	t.Helper()
	dir := t.TempDir()
	for i, r := range records {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("r%d.json", i)), []byte(r), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, errs, err := osv.Load(context.Background(), dir)
	if err != nil || len(errs) > 0 {
		t.Fatalf("load advisories: %v %v", err, errs)
	}
	return db
}

// advisory renders an OSV record for pkg with one ECOSYSTEM range per
// event list ("introduced:fixed", fixed may be empty).
func advisory(id, pkg string, ranges ...string) string {
	var rs []string
	for _, r := range ranges {
		intro, fixed, _ := strings.Cut(r, ":")
		ev := fmt.Sprintf(`{"introduced": %q}`, intro)
		if fixed != "" {
			ev += fmt.Sprintf(`, {"fixed": %q}`, fixed)
		}
		rs = append(rs, `{"type": "ECOSYSTEM", "events": [`+ev+`]}`)
	}
	return fmt.Sprintf(`{"id": %q, "modified": "2025-01-01T00:00:00Z", "summary": "test",
 "affected": [{"package": {"ecosystem": "PyPI", "name": %q}, "ranges": [%s]}]}`, id, pkg, strings.Join(rs, ", "))
}

// findings audits name==version the way the audit command does.
func findings(t *testing.T, db *osv.DB, name, version string) []audit.Finding {
	t.Helper()
	var out []audit.Finding
	for _, f := range db.Query(name, version) {
		af := audit.Finding{Kind: audit.KindVulnerability, Package: name, Version: version, ID: f.ID, FixedVersions: f.FixedVersions}
		if f.Malicious {
			af.Kind = audit.KindMalicious
		}
		for _, id := range f.IDs {
			if id != f.ID {
				af.Aliases = append(af.Aliases, id)
			}
		}
		out = append(out, af)
	}
	return out
}

func TestChooseTarget(t *testing.T) {
	py312, _ := pep440.Parse("3.12")
	tests := []struct {
		name       string
		current    string
		releases   []rel
		advisories []string
		allowMajor bool
		cutoff     string // ExcludeNewer, YYYY-MM-DD
		want       string // target version; "" when no plan
		wantMajor  string // NeedsMajor target
		wantReason string // problem reason fragment
	}{
		{"smallest fix, not the newest", "1.0", []rel{{version: "1.0"}, {version: "1.1"}, {version: "1.2"}, {version: "2.0"}},
			[]string{advisory("A-1", "lib", "0:1.1")}, false, "", "1.1", "", ""},
		{"yanked fix skipped", "1.0", []rel{{version: "1.0"}, {version: "1.1", yanked: true}, {version: "1.1.1"}, {version: "1.2"}},
			[]string{advisory("A-1", "lib", "0:1.1")}, false, "", "1.1.1", "", ""},
		{"pre-release skipped", "1.0", []rel{{version: "1.0"}, {version: "1.2rc1"}, {version: "1.2"}},
			[]string{advisory("A-1", "lib", "0:1.1")}, false, "", "1.2", "", ""},
		{"Requires-Python excludes the target Python", "1.0", []rel{{version: "1.0"}, {version: "1.1", python: ">=3.14"}, {version: "1.2", python: ">=3.8"}},
			[]string{advisory("A-1", "lib", "0:1.1")}, false, "", "1.2", "", ""},
		{"highest of several fixed versions", "1.0", []rel{{version: "1.0"}, {version: "1.1"}, {version: "1.3"}, {version: "1.4"}},
			[]string{advisory("A-1", "lib", "0:1.1"), advisory("A-2", "lib", "0:1.3")}, false, "", "1.3", "", ""},
		{"a fix that brings a new advisory is passed over", "1.0", []rel{{version: "1.0"}, {version: "1.1"}, {version: "1.2"}},
			[]string{advisory("A-1", "lib", "0:1.1"), advisory("B-1", "lib", "1.1:1.2")}, false, "", "1.2", "", ""},
		{"fixed version of the locked branch", "2.1", []rel{{version: "1.5"}, {version: "2.1"}, {version: "2.2"}, {version: "2.3"}, {version: "3.0"}},
			[]string{advisory("A-1", "lib", "0:1.5", "2.0:2.3")}, false, "", "2.3", "", ""},
		{"major upgrade refused", "1.4", []rel{{version: "1.4"}, {version: "2.0"}, {version: "2.1"}},
			[]string{advisory("A-1", "lib", "0:2.0")}, false, "", "", "2.0", "--allow-major"},
		{"major upgrade allowed", "1.4", []rel{{version: "1.4"}, {version: "2.0"}, {version: "2.1"}},
			[]string{advisory("A-1", "lib", "0:2.0")}, true, "", "2.0", "", ""},
		{"epoch change is major", "1.4", []rel{{version: "1.4"}, {version: "1!1.0"}},
			[]string{advisory("A-1", "lib", "0:1!0")}, false, "", "", "1!1.0", "--allow-major"},
		{"release after the lock's cutoff skipped", "1.0", []rel{{version: "1.0"}, {version: "1.1", upload: "2025-06-01"}, {version: "1.2", upload: "2025-01-01"}},
			[]string{advisory("A-1", "lib", "0:1.1")}, false, "2025-03-01", "1.2", "", ""},
		{"no fixed version known", "1.0", []rel{{version: "1.0"}, {version: "1.1"}},
			[]string{advisory("A-1", "lib", "0:")}, false, "", "", "", "no fixed version"},
		{"fix not on the index", "1.0", []rel{{version: "1.0"}, {version: "1.4"}},
			[]string{advisory("A-1", "lib", "0:1.5")}, false, "", "", "", "no usable release at or above 1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadDB(t, tt.advisories...)
			fs := findings(t, db, "lib", tt.current)
			if len(fs) == 0 {
				t.Fatalf("test setup: lib %s is not vulnerable", tt.current)
			}
			opts := Options{Vulns: db, Index: newMemIndex(map[string][]rel{"lib": tt.releases}), AllowMajor: tt.allowMajor,
				Target: lock.Target{Python: py312}}
			if tt.cutoff != "" {
				opts.ExcludeNewer, _ = time.Parse("2006-01-02", tt.cutoff)
			}
			pl, prob, err := choose(context.Background(), opts, "lib", "lib", tt.current, fs)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if pl != nil {
				got = pl.target
			}
			if got != tt.want {
				t.Errorf("target %q, want %q (problem %+v)", got, tt.want, prob)
			}
			switch {
			case tt.wantMajor != "":
				if prob == nil || prob.Target != tt.wantMajor || !strings.Contains(prob.Reason, tt.wantReason) {
					t.Errorf("problem %+v, want a major upgrade to %s", prob, tt.wantMajor)
				}
			case tt.wantReason != "":
				if prob == nil || prob.Target != "" || !strings.Contains(prob.Reason, tt.wantReason) {
					t.Errorf("problem %+v, want %q", prob, tt.wantReason)
				}
			case prob != nil:
				t.Errorf("unexpected problem %+v", prob)
			}
		})
	}
}

// pipCompileLock is a lock as pip-compile writes it, with an unrelated
// package, a marker and a multi-line via list.
const pipCompileLock = `#
# This file is autogenerated by pip-compile with Python 3.12
# by the following command:
#
#    pip-compile --generate-hashes requirements.in
#
certifi==2024.2.2 \
    --hash=sha256:0569859f95fc761b18b45ef421b1290a0f65f147e92a1e5eb3e635f9a5e4e66f
    # via lib
lib[extra]==1.0 ; python_version >= "3.8" \
    --hash=sha256:1111111111111111111111111111111111111111111111111111111111111111 \
    --hash=sha256:2222222222222222222222222222222222222222222222222222222222222222
    # via
    #   -r requirements.in
    #   app
zlib-other==3.0 \
    --hash=sha256:3333333333333333333333333333333333333333333333333333333333333333
    # via -r requirements.in
`

// testTarget is CPython 3.12 on manylinux x86_64.
func testTarget(t *testing.T) lock.Target {
	t.Helper()
	py, _ := pep440.Parse("3.12")
	interp, err := pep425.Target("manylinux_x86_64", [2]int{3, 12})
	if err != nil {
		t.Fatal(err)
	}
	env, err := pep508.TargetEnvironment("3.12", "linux")
	if err != nil {
		t.Fatal(err)
	}
	return lock.Target{Python: py, Environment: env, Tags: interp.Tags()}
}

// startTestIndex serves dists on loopback and returns a client for it.
func startTestIndex(t *testing.T, dists []testindex.Dist) (*testindex.Index, *index.Client, string) {
	t.Helper()
	tix, err := testindex.New(dists, testindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := tix.Start()
	t.Cleanup(tix.Close)
	client, err := index.New(index.Options{Sources: []index.Source{{Name: "test", URL: base}}, TrustedHosts: []string{"127.0.0.1"}, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return tix, client, base
}

// TestFixRewritesInPlace: only the lines of the upgraded requirement change;
// the header, the other requirements (with hashes the index does not even
// have), their notes, the line ends and the byte order mark stay.
func TestFixRewritesInPlace(t *testing.T) {
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tix, client, _ := startTestIndex(t, []testindex.Dist{
		{Name: "certifi", Version: "2024.2.2", UploadTime: old},
		{Name: "lib", Version: "1.0", Requires: []string{"certifi"}, UploadTime: old},
		{Name: "lib", Version: "1.1", Requires: []string{"certifi"}, UploadTime: old},
		{Name: "lib", Version: "1.2", Requires: []string{"certifi"}, UploadTime: old},
		{Name: "zlib-other", Version: "3.0", UploadTime: old},
	})
	_, sum, err := tix.File("lib-1.1-py3-none-any.whl")
	if err != nil {
		t.Fatal(err)
	}
	db := loadDB(t, advisory("A-1", "lib", "0:1.1"), `{"id": "MAL-1", "modified": "2025-01-01T00:00:00Z",
 "affected": [{"package": {"ecosystem": "PyPI", "name": "zlib-other"}, "versions": ["3.0"]}]}`)
	want := strings.Replace(pipCompileLock, `lib[extra]==1.0 ; python_version >= "3.8" \
    --hash=sha256:1111111111111111111111111111111111111111111111111111111111111111 \
    --hash=sha256:2222222222222222222222222222222222222222222222222222222222222222`,
		`lib[extra]==1.1 ; python_version >= "3.8" \
    --hash=sha256:`+sum, 1)
	tests := []struct {
		name   string
		encode func(string) string
	}{
		{"LF", func(s string) string { return s }},
		{"CRLF", func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }},
		{"byte order mark", func(s string) string { return "\xef\xbb\xbf" + s }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fs []audit.Finding
			fs = append(fs, findings(t, db, "lib", "1.0")...)
			fs = append(fs, findings(t, db, "zlib-other", "3.0")...)
			res, err := Fix(context.Background(), Options{Path: "requirements.txt", Format: Requirements, Data: []byte(tt.encode(pipCompileLock)),
				Findings: fs, Vulns: db, Index: client, Provider: resolve.NewIndexProvider(client), Target: testTarget(t)})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Changed || res.Impossible != "" {
				t.Fatalf("changed %v impossible %q", res.Changed, res.Impossible)
			}
			if string(res.Data) != tt.encode(want) {
				t.Errorf("rewritten lock:\n%q\nwant:\n%q", res.Data, tt.encode(want))
			}
			if len(res.Changes) != 1 || res.Changes[0].From != "1.0" || res.Changes[0].To != "1.1" || strings.Join(res.Changes[0].Advisories, ",") != "A-1" {
				t.Errorf("changes %+v", res.Changes)
			}
			if len(res.Remove) != 1 || res.Remove[0].Package != "zlib-other" {
				t.Errorf("remove %+v", res.Remove)
			}
			var inv []string
			for _, p := range res.Inventory.Packages {
				inv = append(inv, fmt.Sprintf("%s==%s@%d", p.Name, p.Version, p.Line))
			}
			if strings.Join(inv, " ") != "certifi==2024.2.2@7 lib==1.1@10 zlib-other==3.0@15" {
				t.Errorf("inventory of the new lock: %v", inv)
			}
			var buf bytes.Buffer
			if err := WriteSummary(&buf, res, nil); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"| lib | 1.0 | 1.1 | A-1 |", "Re-resolved", "### Remove", "**zlib-other** 3.0: malicious"} {
				if !strings.Contains(buf.String(), s) {
					t.Errorf("summary lacks %q:\n%s", s, buf.String())
				}
			}
		})
	}
}

// TestFixNeedsResolver: bumping pins without resolving their dependencies
// is never offered.
func TestFixNeedsResolver(t *testing.T) {
	db := loadDB(t, advisory("A-1", "lib", "0:1.1"))
	ix := newMemIndex(map[string][]rel{"lib": {{version: "1.0"}, {version: "1.1"}}})
	_, err := Fix(context.Background(), Options{Path: "requirements.txt", Format: Requirements, Data: []byte(pipCompileLock),
		Findings: findings(t, db, "lib", "1.0"), Vulns: db, Index: ix})
	if err == nil || !strings.Contains(err.Error(), "no resolver") {
		t.Fatalf("error %v", err)
	}
}

func TestFixIndexErrorIsReported(t *testing.T) {
	db := loadDB(t, advisory("A-1", "lib", "0:1.1"))
	ix := &memIndex{err: errors.New("dial tcp 127.0.0.1:9: connection refused")}
	_, err := Fix(context.Background(), Options{Path: "requirements.txt", Format: Requirements, Data: []byte(pipCompileLock),
		Findings: findings(t, db, "lib", "1.0"), Vulns: db, Index: ix})
	if err == nil || !strings.Contains(err.Error(), "look up lib") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v", err)
	}
}

func TestNothingToFix(t *testing.T) {
	db := loadDB(t, advisory("A-1", "lib", "0:"))
	res, err := Fix(context.Background(), Options{Path: "requirements.txt", Format: Requirements, Data: []byte(pipCompileLock),
		Findings: findings(t, db, "lib", "1.0"), Vulns: db, Index: newMemIndex(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || string(res.Data) != pipCompileLock || len(res.Unfixable) != 1 || res.Inventory == nil {
		t.Errorf("result %+v", res)
	}
}

// TestFixPylock re-resolves a pylock.toml against a real index: the new
// version's files, URLs, sizes and hashes come from the index, the header
// comment stays as it was.
func TestFixPylock(t *testing.T) {
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tix, client, base := startTestIndex(t, []testindex.Dist{
		{Name: "lib", Version: "1.0", UploadTime: old},
		{Name: "lib", Version: "1.1", UploadTime: old, Sdist: true},
		{Name: "lib", Version: "1.2", UploadTime: old},
		{Name: "other", Version: "2.0", UploadTime: old},
	})
	l := &lockfile.Lock{CreatedBy: "pyward", Command: "pyward lock lib other -o pylock.toml", Packages: []lockfile.Package{
		{Name: "lib", Version: "1.0", Index: base, Wheels: []lockfile.File{{Name: "lib-1.0-py3-none-any.whl", URL: base + "x", Hashes: map[string]string{"sha256": strings.Repeat("a", 64)}}}},
		{Name: "other", Version: "2.0", Index: base, Wheels: []lockfile.File{{Name: "other-2.0-py3-none-any.whl", URL: base + "y", Hashes: map[string]string{"sha256": strings.Repeat("b", 64)}}}},
	}}
	data, err := lockfile.MarshalPylock(l)
	if err != nil {
		t.Fatal(err)
	}
	data = append([]byte("# A comment of the reviewer's.\n"), data...)
	db := loadDB(t, advisory("A-1", "lib", "0:1.1"))
	res, err := Fix(context.Background(), Options{Path: "pylock.toml", Format: Pylock, Data: data,
		Findings: findings(t, db, "lib", "1.0"), Vulns: db, Index: client, Provider: resolve.NewIndexProvider(client),
		SourceURLs: map[string]string{"test": base}, Target: testTarget(t)})
	if err != nil {
		t.Fatal(err)
	}
	nl, err := lockfile.ParsePylock("pylock.toml", res.Data)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Data)
	}
	p := nl.Find("lib")
	if p == nil || p.Version != "1.1" || p.Sdist == nil || len(p.Wheels) != 1 || p.Index != base {
		t.Fatalf("lib after fix: %+v", p)
	}
	for _, f := range p.Files() {
		_, sum, err := tix.File(f.Name)
		if err != nil || f.Hashes["sha256"] != sum || f.Size == 0 || !strings.HasPrefix(f.URL, "http://127.0.0.1") {
			t.Errorf("file %+v (index sha256 %s, %v)", f, sum, err)
		}
	}
	if o := nl.Find("other"); o == nil || o.Version != "2.0" {
		t.Errorf("unrelated package changed: %+v", o)
	}
	if head := "# A comment of the reviewer's.\n# This file is autogenerated by pyward; do not edit.\n# To update, run: pyward lock lib other -o pylock.toml\nlock-version"; !strings.HasPrefix(string(res.Data), head) {
		t.Errorf("header lost:\n%s", res.Data)
	}
}

func TestReadHeader(t *testing.T) {
	tests := []struct {
		name, data string
		want       Header
	}{
		{"pyward requirements", "#\n# This file is autogenerated by pyward; do not edit.\n# To update, run:\n#\n#    pyward lock a.in -o a.txt\n#\n# Requires-Python: >=3.9\n#\nx==1\n",
			Header{Command: "pyward lock a.in -o a.txt", RequiresPython: ">=3.9"}},
		{"pylock", "# This file is autogenerated by pyward; do not edit.\n# To update, run: pyward lock b -o pylock.toml\nlock-version = \"1.0\"\n",
			Header{Command: "pyward lock b -o pylock.toml"}},
		{"pip-compile", "#\n# This file is autogenerated by pip-compile with Python 3.12\n# by the following command:\n#\n#    pip-compile --generate-hashes\n#\nx==1\n",
			Header{Command: "pip-compile --generate-hashes"}},
		{"command after the first entry is ignored", "x==1\n# To update, run: evil\n", Header{}},
		{"empty", "", Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReadHeader([]byte(tt.data)); got != tt.want {
				t.Errorf("ReadHeader = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"pyward lock a.in -o a.txt", []string{"pyward", "lock", "a.in", "-o", "a.txt"}},
		{`pyward lock --exclude-newer "7d" 'x y'`, []string{"pyward", "lock", "--exclude-newer", "7d", "x y"}},
		{`a\ b "c\"d" ''`, []string{"a b", `c"d`, ""}},
		{"  \t ", nil},
		{`unterminated "quote`, []string{"unterminated", "quote"}},
	}
	for _, tt := range tests {
		got := SplitCommand(tt.in)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) || len(got) != len(tt.want) {
			t.Errorf("SplitCommand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAnnotations(t *testing.T) {
	lines := strings.Split("    # via\n    #   a\n    #   -r req.in\n    # from https://i/simple/\nnext==1", "\n")
	via, from, end := annotations(lines, 0)
	if strings.Join(via, "|") != "a|-r req.in" || from != "https://i/simple/" || end != 4 {
		t.Errorf("via %q from %q end %d", via, from, end)
	}
}

func TestSummaryEscapesMarkdown(t *testing.T) {
	res := &Result{Path: "req.txt", Unfixable: []Problem{{Package: "x", Version: "1", Reason: "<img src=x onerror=alert(1)> | [link](http://evil)"}}}
	var buf bytes.Buffer
	if err := WriteSummary(&buf, res, &audit.Report{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "<img") || strings.Contains(out, "[link]") {
		t.Errorf("unescaped Markdown/HTML:\n%s", out)
	}
	if !strings.Contains(out, "no automatic upgrade") || !strings.Contains(out, "no known vulnerability remains") {
		t.Errorf("summary:\n%s", out)
	}
}

func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(pipCompileLock), false)
	f.Add([]byte("# To update, run: pyward lock x\nlock-version = \"1.0\"\n[[packages]]\nname = \"x\"\nversion = \"1\"\n"), true)
	f.Add([]byte("a==1 \\\n"), false)
	f.Add([]byte("    # via\n#\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, pylock bool) {
		format := Requirements
		if pylock {
			format = Pylock
		}
		start := time.Now()
		doc, err := parseDocument("lock", format, data)
		budgettest.Check(t, len(data), start)
		if err != nil {
			return
		}
		for _, sp := range doc.spans {
			if sp.start < 0 || sp.end < sp.start || sp.end >= len(doc.lines) {
				t.Fatalf("span %+v outside %d lines", sp, len(doc.lines))
			}
		}
		_, _ = inventoryOf("lock", format, data, doc)
		if format != Requirements {
			return
		}
		// Rewriting a requirements lock with its own packages changes no
		// line (only CR-only line ends become the file's line end).
		seen := map[pkgKey]bool{}
		for _, p := range doc.lock.Packages {
			k := pkgKey{p.NormalizedName(), p.Marker}
			if seen[k] {
				return // a name locked twice: not a lock fix accepts
			}
			seen[k] = true
		}
		same := *doc.lock
		out, err := rewriteRequirements(doc, &same)
		if err != nil {
			t.Fatalf("rewrite: %v", err)
		}
		want := strings.Join(doc.lines, doc.eol)
		if doc.bom {
			want = "\xef\xbb\xbf" + want
		}
		if string(out) != want {
			t.Fatalf("identity rewrite changed the lock:\n%q\n%q", data, out)
		}
	})
}

func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{"pyward lock a -o b", `"a b" 'c' d\ e`, `\`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		words := SplitCommand(s)
		budgettest.Check(t, len(s), start)
		for _, w := range words {
			if len(w) > len(s) {
				t.Fatalf("word %q longer than input %q", w, s)
			}
		}
		header := []byte("# To update, run: " + s + "\n")
		start = time.Now()
		_ = ReadHeader(header)
		budgettest.Check(t, len(header), start)
	})
}

// failingProvider is a resolver package source that fails every look-up.
type failingProvider struct{ err error }

func (p failingProvider) Versions(context.Context, string) ([]*resolve.Candidate, error) {
	return nil, p.err
}

func (p failingProvider) Dependencies(context.Context, *resolve.Candidate, *resolve.File) (*resolve.Dependencies, error) {
	return nil, p.err
}

// TestResolverFailures: a release that needs building makes the fix
// impossible (the lock is not changed); any other resolver failure (the
// network) is an error.
func TestResolverFailures(t *testing.T) {
	db := loadDB(t, advisory("A-1", "lib", "0:1.1"))
	tests := []struct {
		name     string
		err      error
		wantErr  string
		wantNote string
	}{
		{"needs a build", &index.NeedsBuildError{Project: "lib", Filename: "lib-1.1.tar.gz", Reason: "dynamic Requires-Dist"}, "", "without building"},
		{"transport failure", errors.New("connection reset by peer"), "connection reset by peer", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := newMemIndex(map[string][]rel{"lib": {{version: "1.0"}, {version: "1.1"}}})
			res, err := Fix(context.Background(), Options{Path: "requirements.txt", Format: Requirements, Data: []byte(pipCompileLock),
				Findings: findings(t, db, "lib", "1.0"), Vulns: db, Index: ix, Provider: failingProvider{tt.err}})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed || string(res.Data) != pipCompileLock || !strings.Contains(res.Impossible, tt.wantNote) {
				t.Errorf("changed %v impossible %q\n%s", res.Changed, res.Impossible, res.Data)
			}
		})
	}
}
