package testindex

import (
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/provenance/provenancetest"

	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func readZip(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("wheel is not a zip: %v", err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = string(b)
	}
	return out
}

func TestBuildWheel(t *testing.T) {
	d := Dist{
		Name: "Foo.Bar", Version: "1.2.0",
		Requires:       []string{"six>=1", `colorama; sys_platform == "win32"`},
		Extras:         map[string][]string{"test": {"pytest", `mock; python_version < "3.3"`}},
		RequiresPython: ">=3.8",
		Modules:        map[string]string{"foo_bar/util.py": "X = 1\n"},
		ConsoleScripts: map[string]string{"foo": "foo_bar:main"},
	}
	fn, data, err := BuildWheel(d, "py2.py3-none-any")
	if err != nil {
		t.Fatal(err)
	}
	if fn != "foo_bar-1.2.0-py2.py3-none-any.whl" {
		t.Errorf("filename = %q", fn)
	}
	files := readZip(t, data)
	di := "foo_bar-1.2.0.dist-info/"
	for _, want := range []string{"foo_bar/__init__.py", "foo_bar/util.py", di + "METADATA", di + "WHEEL", di + "RECORD", di + "entry_points.txt"} {
		if _, ok := files[want]; !ok {
			t.Errorf("missing %s", want)
		}
	}
	md := files[di+"METADATA"]
	for _, want := range []string{
		"Metadata-Version: 2.2\n", "Name: Foo.Bar\n", "Version: 1.2.0\n", "Requires-Python: >=3.8\n",
		"Requires-Dist: six>=1\n", "Requires-Dist: colorama; sys_platform == \"win32\"\n",
		"Provides-Extra: test\n", "Requires-Dist: pytest ; extra == \"test\"\n",
		"Requires-Dist: mock ; (python_version < \"3.3\") and extra == \"test\"\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("METADATA lacks %q:\n%s", want, md)
		}
	}
	if w := files[di+"WHEEL"]; !strings.Contains(w, "Tag: py2-none-any\n") || !strings.Contains(w, "Tag: py3-none-any\n") || !strings.Contains(w, "Root-Is-Purelib: true") {
		t.Errorf("WHEEL = %q", w)
	}
	if ep := files[di+"entry_points.txt"]; ep != "[console_scripts]\nfoo = foo_bar:main\n" {
		t.Errorf("entry_points = %q", ep)
	}
	// Every RECORD line must match the member's bytes.
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(files[di+"RECORD"]), "\n") {
		parts := strings.Split(line, ",")
		if len(parts) != 3 {
			t.Fatalf("RECORD line %q", line)
		}
		listed[parts[0]] = true
		if parts[0] == di+"RECORD" {
			if parts[1] != "" || parts[2] != "" {
				t.Errorf("RECORD self line %q", line)
			}
			continue
		}
		sum := sha256.Sum256([]byte(files[parts[0]]))
		if want := "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]); parts[1] != want {
			t.Errorf("%s: RECORD hash %s, want %s", parts[0], parts[1], want)
		}
		if want := len(files[parts[0]]); parts[2] != strconv.Itoa(want) {
			t.Errorf("%s: RECORD size %s, want %d", parts[0], parts[2], want)
		}
	}
	for name := range files {
		if !listed[name] {
			t.Errorf("%s not in RECORD", name)
		}
	}
	// Reproducible.
	_, again, _ := BuildWheel(d, "py2.py3-none-any")
	if !bytes.Equal(data, again) {
		t.Error("BuildWheel is not reproducible")
	}
}

func TestBuildWheelRawEntries(t *testing.T) {
	_, data, err := BuildWheel(Dist{Name: "evil", Version: "1.0", RawEntries: map[string]string{"../../escape.py": "x", "/abs.py": "y"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	files := readZip(t, data)
	if files["../../escape.py"] != "x" || files["/abs.py"] != "y" || !strings.Contains(files["evil-1.0.dist-info/RECORD"], "../../escape.py,sha256=") {
		t.Errorf("raw entries missing: %v", files)
	}
}

func TestBuildWheelRawMetadataDeflate(t *testing.T) {
	raw := "Metadata-Version: 2.1\nName: Real.Pkg\nVersion: 3.0\nSummary: real\n\nLong description.\n"
	blob := strings.Repeat("compressible ", 1000)
	d := Dist{Name: "Real.Pkg", Version: "3.0", RawMetadata: []byte(raw), Deflate: true,
		Modules: map[string]string{"real_pkg/big.py": blob}}
	fn, data, err := BuildWheel(d, "")
	if err != nil {
		t.Fatal(err)
	}
	files := readZip(t, data)
	if got := files["real_pkg-3.0.dist-info/METADATA"]; got != raw {
		t.Errorf("METADATA = %q, want the raw file", got)
	}
	if files["real_pkg/big.py"] != blob {
		t.Error("deflated member does not read back")
	}
	if len(data) >= len(blob) {
		t.Errorf("wheel is %d bytes for a %d-byte compressible member: not deflated", len(data), len(blob))
	}
	if _, again, _ := BuildWheel(d, ""); !bytes.Equal(data, again) {
		t.Error("deflated BuildWheel is not reproducible")
	}
	ix, err := New([]Dist{d}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix.Start()
	defer ix.Close()
	resp, err := http.Get(ix.URL() + "/files/" + fn + ".metadata")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != raw {
		t.Errorf("PEP 658 file = %q, want the raw METADATA", b)
	}
}

func TestBuildWheelInvalid(t *testing.T) {
	for _, d := range []Dist{
		{Name: "-bad", Version: "1.0"},
		{Name: "ok", Version: ""},
		{Name: "ok", Version: "1.0-1"},
		{Name: "ok", Version: "1.0", WheelTags: []string{"py3-any"}},
		{Name: "ok", Version: "1.0", Modules: map[string]string{"../evil.py": ""}},
		{Name: "ok", Version: "1.0", ConsoleScripts: map[string]string{"x": "nocolon"}},
		{Name: "ok", Version: "1.0", Requires: []string{"a\nb"}},
	} {
		if _, _, err := BuildWheel(d, ""); err == nil {
			t.Errorf("BuildWheel(%+v) succeeded", d)
		}
	}
}

func TestBuildSdist(t *testing.T) {
	for _, dynamic := range []bool{false, true} {
		d := Dist{Name: "foo_bar", Version: "2.0", Requires: []string{"six"}}
		if dynamic {
			d.Dynamic = []string{"Requires-Dist"}
		}
		fn, data, err := BuildSdist(d)
		if err != nil {
			t.Fatal(err)
		}
		if fn != "foo_bar-2.0.tar.gz" {
			t.Errorf("filename = %q", fn)
		}
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(gz)
		files := map[string]string{}
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(tr)
			files[h.Name] = string(b)
		}
		pkgInfo := files["foo_bar-2.0/PKG-INFO"]
		if !strings.HasPrefix(pkgInfo, "Metadata-Version: 2.2\n") || !strings.Contains(pkgInfo, "Requires-Dist: six\n") {
			t.Errorf("PKG-INFO = %q", pkgInfo)
		}
		if got := strings.Contains(pkgInfo, "Dynamic: Requires-Dist\n"); got != dynamic {
			t.Errorf("dynamic=%v: PKG-INFO = %q", dynamic, pkgInfo)
		}
		pp := files["foo_bar-2.0/pyproject.toml"]
		if !strings.Contains(pp, `name = "foo_bar"`) || strings.Contains(pp, `dependencies = ["six"]`) == dynamic {
			t.Errorf("pyproject = %q", pp)
		}
		if _, ok := files["foo_bar-2.0/foo_bar/__init__.py"]; !ok {
			t.Errorf("no package in sdist: %v", files)
		}
	}
}

func get(t *testing.T, url, accept string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func sampleDists() []Dist {
	return []Dist{
		{Name: "Acme_Utils", Version: "1.0", Requires: []string{"six"}, RequiresPython: ">=3.8"},
		{Name: "acme-utils", Version: "1.1", Yanked: true, YankedReason: "broken <build>", Sdist: true},
		{Name: "acme-utils", Version: "2.0", WheelTags: []string{"cp312-cp312-manylinux_2_17_x86_64", "py3-none-any"}},
		{Name: "six", Version: "1.16.0", NoWheel: true},
	}
}

func TestNegotiation(t *testing.T) {
	cases := []struct {
		opts   Options
		accept string
		want   string // Content-Type prefix, or "406"
	}{
		{Options{}, "", "text/html"},
		{Options{}, MediaJSON, MediaJSON},
		{Options{}, "application/vnd.pypi.simple.latest+json", MediaJSON},
		{Options{}, MediaHTML, MediaHTML},
		{Options{}, "text/html", "text/html"},
		{Options{}, MediaJSON + ", " + MediaHTML + ";q=0.1, text/html;q=0.01", MediaJSON},
		{Options{}, MediaJSON + ";q=0.2, " + MediaHTML + ";q=0.5", MediaHTML},
		{Options{}, "*/*", MediaJSON},
		{Options{}, "application/json", "406"},
		{Options{}, MediaJSON + ";q=0", "406"},
		{Options{NoJSON: true}, MediaJSON, "406"},
		{Options{NoJSON: true}, MediaJSON + ", text/html;q=0.1", "text/html"},
		{Options{NoHTML: true}, "", MediaJSON},
		{Options{NoHTML: true}, "text/html", "406"},
	}
	for _, c := range cases {
		ix, err := New(sampleDists(), c.opts)
		if err != nil {
			t.Fatal(err)
		}
		u := ix.Start()
		for _, page := range []string{u, u + "acme-utils/"} {
			resp, _ := get(t, page, c.accept)
			got := resp.Header.Get("Content-Type")
			if resp.StatusCode == 406 {
				got = "406"
			}
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("%+v Accept %q %s: got %q, want %q", c.opts, c.accept, page, got, c.want)
			}
		}
		ix.Close()
	}
}

func TestProjectPages(t *testing.T) {
	ix, err := New(sampleDists(), Options{Status: map[string]ProjectStatus{"ACME.utils": {"archived", "moved"}}})
	if err != nil {
		t.Fatal(err)
	}
	u := ix.Start()
	defer ix.Close()

	resp, body := get(t, u+"Acme.Utils/", "")
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/simple/acme-utils/" {
		t.Fatalf("redirect: %d %s", resp.StatusCode, resp.Request.URL)
	}
	page := string(body)
	whl, sha, err := ix.File("acme_utils-1.0-py3-none-any.whl")
	if err != nil {
		t.Fatal(err)
	}
	if sha != hex.EncodeToString(sha256Sum(whl)) {
		t.Fatal("File hash wrong")
	}
	md := sha256Hex(Dist{Name: "Acme_Utils", Version: "1.0", Requires: []string{"six"}, RequiresPython: ">=3.8"}.Metadata(false))
	for _, want := range []string{
		`<a href="../../files/acme_utils-1.0-py3-none-any.whl#sha256=` + sha + `" data-requires-python="&gt;=3.8" data-core-metadata="sha256=` + md + `" data-dist-info-metadata="sha256=` + md + `">acme_utils-1.0-py3-none-any.whl</a>`,
		`data-yanked="broken &lt;build&gt;"`,
		`>acme_utils-1.1.tar.gz</a>`,
		`<meta name="pypi:project-status" content="archived">`,
		`<meta name="pypi:project-status-reason" content="moved">`,
		`acme_utils-2.0-cp312-cp312-manylinux_2_17_x86_64.whl`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %s\n%s", want, page)
		}
	}

	_, body = get(t, u+"acme-utils/", MediaJSON)
	var doc struct {
		Meta          map[string]string
		Name          string
		ProjectStatus map[string]string `json:"project-status"`
		Versions      []string
		Files         []map[string]any
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Name != "acme-utils" || strings.Join(doc.Versions, " ") != "1.0 1.1 2.0" || doc.ProjectStatus["status"] != "archived" || doc.Meta["api-version"] == "" {
		t.Errorf("JSON doc = %+v", doc)
	}
	if len(doc.Files) != 5 {
		t.Fatalf("files = %d, want 5", len(doc.Files))
	}
	f0 := doc.Files[0]
	if f0["hashes"].(map[string]any)["sha256"] != sha || f0["requires-python"] != ">=3.8" || f0["yanked"] != false ||
		f0["core-metadata"].(map[string]any)["sha256"] != md || f0["size"].(float64) != float64(len(whl)) || f0["upload-time"] != "2021-01-01T00:00:00.000000Z" {
		t.Errorf("file 0 = %v", f0)
	}
	if doc.Files[1]["yanked"] != "broken <build>" || doc.Files[2]["core-metadata"] != false {
		t.Errorf("yanked/sdist entries = %v %v", doc.Files[1], doc.Files[2])
	}

	// The file and metadata URLs serve what the pages list.
	_, got := get(t, ix.URL()+"/files/acme_utils-1.0-py3-none-any.whl", "")
	if !bytes.Equal(got, whl) {
		t.Error("served wheel differs")
	}
	_, got = get(t, ix.URL()+"/files/acme_utils-1.0-py3-none-any.whl.metadata", "")
	if sha256Hex(got) != md {
		t.Error("metadata file hash differs")
	}
	for _, p := range []string{"/files/acme_utils-1.1.tar.gz.metadata", "/files/nope.whl", "/simple/nope/", "/other"} {
		if resp, _ := get(t, ix.URL()+p, ""); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}

	_, body = get(t, u, MediaJSON)
	if !strings.Contains(string(body), `"projects":[{"name":"Acme_Utils"},{"name":"six"}]`) {
		t.Errorf("root JSON = %s", body)
	}
	_, body = get(t, u, "")
	if !strings.Contains(string(body), `<a href="acme-utils/">Acme_Utils</a>`) {
		t.Errorf("root HTML = %s", body)
	}
}

func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

func TestRangeConditionalTamperFail(t *testing.T) {
	ix, _ := New(sampleDists(), Options{})
	u := ix.Start()
	defer ix.Close()
	fn := "acme_utils-2.0-py3-none-any.whl"
	whl, _, _ := ix.File(fn)

	req, _ := http.NewRequest("GET", ix.URL()+"/files/"+fn, nil)
	req.Header.Set("Range", "bytes=-100")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	tail, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || !bytes.Equal(tail, whl[len(whl)-100:]) {
		t.Errorf("range: %d, %d bytes", resp.StatusCode, len(tail))
	}
	if ix.BytesServed() != 100 {
		t.Errorf("BytesServed = %d, want 100", ix.BytesServed())
	}

	// Conditional page request → 304.
	resp, _ = get(t, u+"acme-utils/", "")
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("validators missing: %v", resp.Header)
	}
	req, _ = http.NewRequest("GET", u+"acme-utils/", nil)
	req.Header.Set("If-None-Match", etag)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	// A new release changes the page.
	time.Sleep(10 * time.Millisecond)
	if err := ix.Add(Dist{Name: "acme-utils", Version: "3.0"}); err != nil {
		t.Fatal(err)
	}
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Errorf("after Add: %d %s", resp.StatusCode, resp.Header.Get("ETag"))
	}

	if err := ix.Tamper(fn); err != nil {
		t.Fatal(err)
	}
	_, got := get(t, ix.URL()+"/files/"+fn, "")
	if bytes.Equal(got, whl) || len(got) != len(whl) {
		t.Error("Tamper did not change the bytes")
	}

	ix.FailNext("/simple/six/", 2, 503)
	for i, want := range []int{503, 503, 200} {
		if resp, _ := get(t, u+"six/", ""); resp.StatusCode != want {
			t.Errorf("request %d: %d, want %d", i, resp.StatusCode, want)
		}
	}
	if n := ix.RequestsFor("/simple/six/"); n != 3 {
		t.Errorf("RequestsFor = %d", n)
	}
}

func TestNoRangeAndAuth(t *testing.T) {
	ix, _ := New(sampleDists(), Options{NoRange: true, Username: "u", Password: "p", NoHashes: true, NoMetadataFiles: true})
	u := ix.Start()
	defer ix.Close()
	if resp, _ := get(t, u, ""); resp.StatusCode != 401 {
		t.Errorf("no credentials: %d", resp.StatusCode)
	}
	authed := strings.Replace(u, "http://", "http://u:p@", 1)
	resp, body := get(t, authed+"acme-utils/", "")
	if resp.StatusCode != 200 || strings.Contains(string(body), "sha256") || strings.Contains(string(body), "core-metadata") {
		t.Errorf("NoHashes/NoMetadataFiles page: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", ix.URL()+"/files/acme_utils-2.0-py3-none-any.whl", nil)
	req.SetBasicAuth("u", "p")
	req.Header.Set("Range", "bytes=0-9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	whl, _, _ := ix.File("acme_utils-2.0-py3-none-any.whl")
	if resp.StatusCode != 200 || !bytes.Equal(b, whl) {
		t.Errorf("NoRange: %d, %d bytes", resp.StatusCode, len(b))
	}
}

func TestWriteDir(t *testing.T) {
	ix, _ := New(sampleDists(), Options{})
	dir := t.TempDir()
	if err := ix.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, fn := range ix.Filenames("acme-utils") {
		if _, err := os.Stat(filepath.Join(dir, fn)); err != nil {
			t.Error(err)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "simple", "acme-utils", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `href="../../acme_utils-1.0-py3-none-any.whl#sha256=`) {
		t.Errorf("static page = %s", page)
	}
	if _, err := os.Stat(filepath.Join(dir, "acme_utils-1.0-py3-none-any.whl.metadata")); err != nil {
		t.Error(err)
	}
}

func TestDuplicateAndEmpty(t *testing.T) {
	if _, err := New([]Dist{{Name: "a", Version: "1"}, {Name: "A", Version: "1"}}, Options{}); err == nil {
		t.Error("duplicate file accepted")
	}
}

func TestRandomGraph(t *testing.T) {
	a := RandomGraph(7, 50, 6, 3)
	b := RandomGraph(7, 50, 6, 3)
	if len(a) < 50*6 {
		t.Fatalf("len = %d", len(a))
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Error("RandomGraph not deterministic")
	}
	edges := 0
	for _, d := range a {
		for _, r := range d.Requires {
			edges++
			target := strings.FieldsFunc(r, func(c rune) bool { return strings.ContainsRune("<>=~;!, ", c) })[0]
			if target <= d.Name {
				t.Errorf("%s depends on %s: not acyclic", d.Name, target)
			}
		}
	}
	if edges < 300 {
		t.Errorf("only %d edges", edges)
	}
	if _, err := New(a, Options{}); err != nil {
		t.Error(err)
	}
}

// TestScale checks that a 300 × 15 index starts without building anything
// and builds each release's files once however often its page is served:
// the work is counted, not timed (BenchmarkScale times it).
func TestScale(t *testing.T) {
	dists := RandomGraph(1, 300, 15, 4)
	ix, err := New(dists, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := ix.Builds(); n != 0 {
		t.Fatalf("New built %d releases, want 0 (files are built lazily)", n)
	}
	u := ix.Start()
	defer ix.Close()
	for pass := 0; pass < 2; pass++ {
		for i := 0; i < 300; i++ {
			if resp, _ := get(t, u+fmt.Sprintf("pkg-%04d/", i), MediaJSON); resp.StatusCode != 200 {
				t.Fatalf("pkg %d: %d", i, resp.StatusCode)
			}
		}
		if n := ix.Builds(); n != int64(len(dists)) {
			t.Fatalf("pass %d: built %d releases, want each of %d once", pass, n, len(dists))
		}
	}
}

// BenchmarkScale builds a 300 × 15 index and serves every project page.
func BenchmarkScale(b *testing.B) {
	dists := RandomGraph(1, 300, 15, 4)
	for b.Loop() {
		ix, err := New(dists, Options{})
		if err != nil {
			b.Fatal(err)
		}
		u := ix.Start()
		for i := 0; i < 300; i++ {
			resp, err := http.Get(u + fmt.Sprintf("pkg-%04d/", i))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("pkg %d: %d", i, resp.StatusCode)
			}
		}
		ix.Close()
	}
}

// pipPython returns python3's path, or skips t when python3 -m pip is not
// available. The probe starts pip, which costs more CPU than most tests
// here, so it runs once for the package.
func pipPython(t *testing.T) string {
	t.Helper()
	pipProbe.once.Do(func() {
		py, err := exec.LookPath("python3")
		if err == nil && exec.Command(py, "-m", "pip", "--version").Run() == nil {
			pipProbe.py = py
		}
	})
	if pipProbe.py == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 -m pip is required in CI")
		}
		t.Skip("python3 -m pip not available")
	}
	return pipProbe.py
}

var pipProbe struct {
	once sync.Once
	py   string
}

// TestPipInstall installs from the index with the real pip, when available.
func TestPipInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	t.Parallel()
	py := pipPython(t)
	ix, _ := New([]Dist{
		{Name: "Acme.App", Version: "1.0", Requires: []string{"acme-lib>=2", `never; python_version < "3"`}, ConsoleScripts: map[string]string{"acme-app": "acme_app:main"}},
		{Name: "acme-lib", Version: "1.0"},
		{Name: "acme-lib", Version: "2.0", Modules: map[string]string{"acme_lib/extra.py": "VALUE = 42\n"}},
		{Name: "acme-lib", Version: "3.0", Yanked: true},
	}, Options{})
	u := ix.Start()
	defer ix.Close()
	target := t.TempDir()
	cmd := exec.Command(py, "-m", "pip", "install", "--disable-pip-version-check", "--no-cache-dir", "--index-url", u, "--target", target, "acme.app")
	cmd.Env = append(os.Environ(), "PIP_CONFIG_FILE=/dev/null", "PIP_NO_INPUT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip install: %v\n%s", err, out)
	}
	out, err := exec.Command(py, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import acme_app, acme_lib.extra; print(acme_app.__version__, acme_lib.__version__, acme_lib.extra.VALUE)", target).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "1.0 2.0 42" {
		t.Errorf("import: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(target, "bin", "acme-app")); err != nil {
		t.Errorf("console script: %v", err)
	}
}

func FuzzNegotiate(f *testing.F) {
	f.Add("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01", false, false)
	f.Add("*/*;q=0.5, text/*", true, false)
	f.Add(";;q=,=,", false, true)
	f.Fuzz(func(t *testing.T, accept string, noJSON, noHTML bool) {
		ix := &Index{opts: Options{NoJSON: noJSON, NoHTML: noHTML}}
		r, err := http.NewRequest("GET", "http://x/simple/", nil)
		if err != nil {
			t.Skip()
		}
		r.Header.Set("Accept", accept)
		switch got := ix.negotiate(r); got {
		case "":
		case MediaJSON:
			if noJSON {
				t.Fatalf("JSON chosen while disabled for %q", accept)
			}
		case MediaHTML, MediaLegacyHTML:
			if noHTML {
				t.Fatalf("HTML chosen while disabled for %q", accept)
			}
		default:
			t.Fatalf("negotiate(%q) = %q", accept, got)
		}
	})
}

// TestPipResolvesRandomGraph checks that pip can resolve and install a
// RandomGraph root from the index (the graph is meant for differential
// tests against pip, so pip must accept it).
func TestPipResolvesRandomGraph(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	t.Parallel()
	py := pipPython(t)
	ix, err := New(RandomGraph(3, 40, 6, 3), Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := ix.Start()
	defer ix.Close()
	report := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(py, "-m", "pip", "install", "--dry-run", "--quiet", "--report", report, "--disable-pip-version-check",
		"--no-cache-dir", "--index-url", u, "--target", t.TempDir(), "pkg-0000", "pkg-0005")
	cmd.Env = append(os.Environ(), "PIP_CONFIG_FILE=/dev/null", "PIP_NO_INPUT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip: %v\n%s", err, out)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Install []struct {
			Metadata struct{ Name, Version string }
		}
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Install) < 3 {
		t.Errorf("pip installs only %d packages", len(rep.Install))
	}
	t.Logf("pip resolved %d packages with %d requests", len(rep.Install), ix.Requests())
}

// TestProvenanceServed: a release with Provenance links it from both page
// formats and serves it; one without lists null and serves nothing.
func TestProvenanceServed(t *testing.T) {
	prov := []byte(`{"version": 1, "attestation_bundles": []}`)
	ix, err := New([]Dist{
		{Name: "signed", Version: "1.0", Provenance: prov},
		{Name: "plain", Version: "1.0"},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix.Start()
	defer ix.Close()
	_, body := get(t, ix.URL()+"/simple/signed/", "application/vnd.pypi.simple.v1+json")
	var doc struct {
		Files []struct {
			Filename   string  `json:"filename"`
			Provenance *string `json:"provenance"`
		} `json:"files"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Files) != 1 || doc.Files[0].Provenance == nil {
		t.Fatalf("signed JSON page: %v\n%s", err, body)
	}
	if _, html := get(t, ix.URL()+"/simple/signed/", "text/html"); !strings.Contains(string(html), `data-provenance="../../files/`+doc.Files[0].Filename+`.provenance"`) {
		t.Errorf("HTML page lacks data-provenance:\n%s", html)
	}
	page, _ := url.Parse(ix.URL() + "/simple/signed/")
	ref, _ := url.Parse(*doc.Files[0].Provenance)
	resp, got := get(t, page.ResolveReference(ref).String(), "")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, prov) {
		t.Errorf("provenance: %s %q", resp.Status, got)
	}
	_, body = get(t, ix.URL()+"/simple/plain/", "application/vnd.pypi.simple.v1+json")
	if !strings.Contains(string(body), `"provenance":null`) {
		t.Errorf("plain JSON page: %s", body)
	}
	for _, fn := range ix.Filenames("plain") {
		if resp, _ := get(t, ix.URL()+"/files/"+fn+".provenance", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s.provenance: %s, want 404", fn, resp.Status)
		}
	}
}

// TestProvenanceSigned: a Dist with a Publisher gets provenance signed for
// each of its files, served at the Integrity API URL the pages link; the
// URL must name the file's own project and version.
func TestProvenanceSigned(t *testing.T) {
	ss, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ss.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	pub := provenance.Identity{Kind: provenance.KindGoogle, Claims: map[string]string{"email": "ci@p.iam.gserviceaccount.com"}}
	ix, err := New([]Dist{{Name: "Signed.Pkg", Version: "2.0", Sdist: true, Publisher: &pub}}, Options{Signer: ss})
	if err != nil {
		t.Fatal(err)
	}
	ix.Start()
	defer ix.Close()
	for _, fn := range []string{"signed_pkg-2.0-py3-none-any.whl", "signed_pkg-2.0.tar.gz"} {
		data, sum, err := ix.File(fn)
		if err != nil {
			t.Fatal(err)
		}
		_ = data
		resp, body := get(t, ix.URL()+"/integrity/signed-pkg/2.0/"+fn+"/provenance", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s", fn, resp.Status)
		}
		if ids, err := v.VerifyProvenance(provenance.Dist{Filename: fn, SHA256: sum}, body); err != nil || len(ids) != 1 || !ids[0].Equal(pub) {
			t.Fatalf("%s: %v, %v", fn, ids, err)
		}
		if resp, _ := get(t, ix.URL()+"/integrity/signed-pkg/2.1/"+fn+"/provenance", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s under another version: %s, want 404", fn, resp.Status)
		}
	}
	if _, html := get(t, ix.URL()+"/simple/signed-pkg/", "text/html"); !strings.Contains(string(html), `data-provenance="../../integrity/signed-pkg/2.0/signed_pkg-2.0.tar.gz/provenance"`) {
		t.Errorf("HTML page lacks the Integrity API link:\n%s", html)
	}
	bad, err := New([]Dist{{Name: "unsigned", Version: "1.0", Publisher: &pub}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := bad.File("unsigned-1.0-py3-none-any.whl"); err == nil || !strings.Contains(err.Error(), "no Signer") {
		t.Errorf("Publisher without Signer: %v", err)
	}
}
