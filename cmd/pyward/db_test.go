package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/provenance/provenancetest"
	"github.com/pyward/pyward/internal/typosquat"
)

// osvJSON are two advisories in the OSV export's JSON form.
var osvJSON = map[string]string{
	"PYSEC-2018-28.json": `{"id":"PYSEC-2018-28","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2018-18074"],
"summary":"Requests sends Authorization headers on https-to-http redirects",
"affected":[{"package":{"name":"requests","ecosystem":"PyPI"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.20.0"}]}]}]}`,
	"MAL-2024-0001.json": `{"id":"MAL-2024-0001","modified":"2024-01-01T00:00:00Z","summary":"Malicious code in colourama",
"affected":[{"package":{"name":"colourama","ecosystem":"PyPI"},"versions":["0.1.0"]}]}`,
}

func osvZip(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// topListJSON is a top-pypi-packages ranking of 100 projects (the fewest
// pyward accepts): the given names first, then fillers.
func topListJSON(first ...string) string {
	var rows []string
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("filler-%03d", i)
		if i < len(first) {
			name = first[i]
		}
		rows = append(rows, fmt.Sprintf(`{"download_count":%d,"project":%q}`, 5_000_000-1000*i, name))
	}
	return `{"last_update":"2026-11-01 07:12:00","query":{"bytes_billed":0},"rows":[` + strings.Join(rows, ",") + "]}"
}

// dbServer serves an OSV export at /osv/all.zip, a PEP 691 project list at
// /simple/ and a top-projects ranking at /top.json, each with an ETag that
// changes with its content.
type dbServer struct {
	*httptest.Server
	zip, names, top atomic.Value // []byte, string, string
	zipTag          atomic.Value // string
	namesTag        atomic.Value
	topTag          atomic.Value
	downloads       atomic.Int32 // 200 responses
	tuf             *provenancetest.TUFRepo
	tufRoot         string // the TUF repository's trust anchor, a file
}

func newDBServer(t *testing.T) *dbServer {
	s := &dbServer{}
	s.zip.Store(osvZip(t, osvJSON))
	s.zipTag.Store(`"zip-1"`)
	s.names.Store(`{"meta":{"api-version":"1.0"},"projects":[{"name":"requests"},{"name":"Acme_Internal"},{"name":"colorama"}]}`)
	s.namesTag.Store(`"names-1"`)
	s.top.Store(topListJSON("requests", "colorama"))
	s.topTag.Store(`"top-1"`)
	var err error
	if s.tuf, err = provenancetest.NewTUFRepo(provenance.DefaultTrustedRoot()); err != nil {
		t.Fatal(err)
	}
	s.tufRoot = filepath.Join(t.TempDir(), "tuf-root.json")
	if err := os.WriteFile(s.tufRoot, s.tuf.TrustAnchor(), 0o644); err != nil {
		t.Fatal(err)
	}
	tuf := http.StripPrefix("/tuf", s.tuf)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/tuf/") {
			tuf.ServeHTTP(w, r)
			return
		}
		var tag string
		var body []byte
		switch r.URL.Path {
		case "/osv/all.zip":
			tag, body = s.zipTag.Load().(string), s.zip.Load().([]byte)
			w.Header().Set("Content-Type", "application/zip")
		case "/simple/":
			if r.Header.Get("Accept") != "application/vnd.pypi.simple.v1+json" {
				http.Error(w, "want PEP 691", http.StatusNotAcceptable)
				return
			}
			tag, body = s.namesTag.Load().(string), []byte(s.names.Load().(string))
			w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		case "/top.json":
			tag, body = s.topTag.Load().(string), []byte(s.top.Load().(string))
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		default:
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("If-None-Match") == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		s.downloads.Add(1)
		w.Header().Set("ETag", tag)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *dbServer) flags() []string {
	return []string{"--osv-url", s.URL + "/osv/all.zip", "--names-url", s.URL + "/simple/", "--top-url", s.URL + "/top.json",
		"--tuf-url", s.URL + "/tuf", "--tuf-root", s.tufRoot}
}

func TestDBUpdateAndStatus(t *testing.T) {
	isolateConfig(t)
	srv := newDBServer(t)
	update := append([]string{"db", "update"}, srv.flags()...)

	steps := []struct {
		name         string
		args         []string
		setup        func()
		wantCode     int
		wantOut      []string
		wantErr      string
		wantDownload int32 // new 200 responses in this step
	}{
		{"status before any update", []string{"db", "status"}, nil, exitOK,
			[]string{"advisories:   not downloaded", "public names: not downloaded", fmt.Sprintf("top projects: not downloaded (run 'pyward db update'); audit uses the %d projects built into pyward", typosquat.Embedded().Len()),
				"sigstore root: not downloaded"}, "", 0},
		{"first update", update, nil, exitOK,
			[]string{"advisories: 2 advisories", srv.URL + "/osv/all.zip", "public names: 3 names", srv.URL + "/simple/",
				"top projects: 100 projects", srv.URL + "/top.json", "sigstore root: ", "from " + srv.URL + "/tuf"}, "", 3},
		{"status", []string{"db", "status"}, nil, exitOK,
			[]string{"advisories:   2 advisories", "source:     " + srv.URL + "/osv/all.zip", "public names: 3 names", "source:     " + srv.URL + "/simple/", "ago)", "names.txt.gz",
				"top projects: 100 projects", "ranking of 2026-11-01 07:12:00", "source:     " + srv.URL + "/top.json", "top-pypi.tsv.gz",
				"sigstore root: ", "fetched through TUF", filepath.Join("sigstore", "trusted_root.json")}, "", 0},
		{"revalidation", update, nil, exitOK, []string{"advisories: up to date", "public names: up to date", "top projects: up to date (100 projects, from " + srv.URL + "/top.json)",
			"sigstore root: up to date (from " + srv.URL + "/tuf)"}, "", 0},
		{"corrupt archive keeps the old database", update, func() {
			srv.zip.Store([]byte("PK\x03\x04 this is not a zip"))
			srv.zipTag.Store(`"zip-2"`)
		}, exitInternal, []string{"public names: up to date", "top projects: up to date"}, srv.URL + "/osv/all.zip", 1},
		{"status after failure", []string{"db", "status"}, nil, exitOK, []string{"advisories:   2 advisories", "public names: 3 names", "top projects: 100 projects"}, "", 0},
		{"broken names list keeps the old snapshot", update, func() {
			srv.zip.Store(osvZip(t, osvJSON))
			srv.names.Store(`{"meta":{"api-version":"1.0"},"projects":[{"name":"x"}`)
			srv.namesTag.Store(`"names-2"`)
		}, exitInternal, []string{"advisories: 2 advisories", "top projects: up to date"}, "public names", 2},
		{"invalid top list keeps the old list", update, func() {
			srv.names.Store(`{"meta":{"api-version":"1.0"},"projects":[{"name":"requests"},{"name":"Acme_Internal"},{"name":"colorama"}]}`)
			srv.namesTag.Store(`"names-3"`)
			srv.top.Store(`{"last_update":"2026-12-01","rows":[{"download_count":1,"project":"requests"},`)
			srv.topTag.Store(`"top-2"`)
		}, exitInternal, []string{"advisories: up to date", "public names: 3 names"}, "top projects: top-projects download " + srv.URL + "/top.json", 2},
		{"short top list keeps the old list", update, func() {
			srv.top.Store(`{"last_update":"2026-12-01","rows":[{"download_count":1,"project":"requests"}]}`)
			srv.topTag.Store(`"top-3"`)
		}, exitInternal, []string{"advisories: up to date", "public names: up to date"}, "1 projects, want at least 100", 1},
		{"status after top failures", []string{"db", "status"}, nil, exitOK, []string{"top projects: 100 projects", "ranking of 2026-11-01 07:12:00"}, "", 0},
		{"offline", append(update, "--offline"), nil, exitUsage, nil, "--offline forbids downloading", 0},
		{"no subcommand", []string{"db"}, nil, exitUsage, nil, "missing subcommand", 0},
		{"unreachable", []string{"db", "update", "--osv-url", "http://127.0.0.1:1/all.zip", "--names-url", "http://127.0.0.1:1/simple/", "--top-url", "http://127.0.0.1:1/top.json", "--tuf-url", "http://127.0.0.1:1/tuf"}, nil,
			exitInternal, nil, "top projects: top-projects download http://127.0.0.1:1/top.json", 0},
	}
	for _, st := range steps {
		if st.setup != nil {
			st.setup()
		}
		before := srv.downloads.Load()
		code, stdout, stderr := runPyward(t, st.args...)
		if code != st.wantCode {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", st.name, code, st.wantCode, stdout, stderr)
		}
		for _, w := range st.wantOut {
			if !strings.Contains(stdout, w) {
				t.Errorf("%s: stdout lacks %q:\n%s", st.name, w, stdout)
			}
		}
		if !strings.Contains(stderr, st.wantErr) {
			t.Errorf("%s: stderr lacks %q:\n%s", st.name, st.wantErr, stderr)
		}
		if got := srv.downloads.Load() - before; got != st.wantDownload {
			t.Errorf("%s: %d downloads, want %d", st.name, got, st.wantDownload)
		}
	}
	// The snapshot still holds the first list.
	code, stdout, _ := runPyward(t, "db", "status")
	if code != exitOK || !strings.Contains(stdout, "public names: 3 names") {
		t.Errorf("status at the end: %d %s", code, stdout)
	}
	// The stored list is the first ranking.
	ref, err := typosquat.LoadReferenceFile(filepath.Join(os.Getenv("PYWARD_CACHE_DIR"), "top-pypi.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if names := ref.Names(); len(names) != 100 || names[0] != "requests" || names[1] != "colorama" || names[99] != "filler-099" {
		t.Errorf("stored top list: %d names, %v…", len(names), names[:min(3, len(names))])
	}
}

// audit uses the top-projects list of 'pyward db update' as the typo-squat
// reference instead of the embedded one; --reference N cuts it, and
// --reference FILE replaces it.
func TestAuditUsesCachedTopList(t *testing.T) {
	isolateConfig(t)
	// zzfoopkg is made up: it is popular only in the downloaded list, at
	// rank 60, so that --reference 50 leaves it out.
	first := make([]string, 60)
	for i := range first {
		first[i] = fmt.Sprintf("popular-%02d", i)
	}
	first[59] = "zzfoopkg"
	srv := newDBServer(t)
	srv.top.Store(topListJSON(first...))

	// typosquats runs `pyward audit --offline --name NAME…` and returns what
	// each flagged name imitates.
	typosquats := func(extra ...string) (int, map[string]string, string) {
		t.Helper()
		args := []string{"audit", "--offline", "--format", "json", "--name", "zzfopkg", "--name", "reqeusts"}
		code, stdout, stderr := runPyward(t, append(args, extra...)...)
		var doc struct {
			Findings []struct{ Kind, Package, Title string }
		}
		if code != exitUsage {
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatalf("not JSON (exit %d, stderr %s): %v\n%s", code, stderr, err, stdout)
			}
		}
		got := map[string]string{}
		for _, f := range doc.Findings {
			if f.Kind == "typosquat" {
				got[f.Package] = f.Title
			}
		}
		return code, got, stderr
	}
	check := func(step string, extra []string, want map[string]string) {
		t.Helper()
		code, got, stderr := typosquats(extra...)
		if code == exitUsage {
			t.Fatalf("%s: exit 2: %s", step, stderr)
		}
		for name, title := range want {
			if title == "" {
				if _, ok := got[name]; ok {
					t.Errorf("%s: %s flagged: %q", step, name, got[name])
				}
			} else if !strings.Contains(got[name], title) {
				t.Errorf("%s: %s: got %q, want a finding containing %q", step, name, got[name], title)
			}
		}
	}

	check("embedded list", nil, map[string]string{"zzfopkg": "", "reqeusts": "typo-squat of requests (download rank 6)"})
	check("embedded --reference 5", []string{"--reference", "5"}, map[string]string{"reqeusts": ""})
	if code, _, stderr := runPyward(t, append([]string{"db", "update"}, srv.flags()...)...); code != exitOK {
		t.Fatalf("db update: %d %s", code, stderr)
	}
	check("cached list", nil, map[string]string{"zzfopkg": "typo-squat of zzfoopkg (download rank 60)", "reqeusts": ""})
	check("cached --reference 100", []string{"--reference", "100"}, map[string]string{"zzfopkg": "zzfoopkg (download rank 60)"})
	check("cached --reference 50", []string{"--reference", "50"}, map[string]string{"zzfopkg": ""})
	ref := filepath.Join(t.TempDir(), "ref.txt")
	os.WriteFile(ref, []byte("name\trank\nrequests\t1\n"), 0o644)
	check("--reference FILE", []string{"--reference", ref}, map[string]string{"zzfopkg": "", "reqeusts": "typo-squat of requests (download rank 1)"})

	// A damaged cached list is an error naming the file, not a silent
	// fallback to another list.
	path := filepath.Join(os.Getenv("PYWARD_CACHE_DIR"), "top-pypi.tsv.gz")
	os.WriteFile(path, []byte("not gzip"), 0o644)
	if code, _, stderr := typosquats(); code != exitUsage || !strings.Contains(stderr, path) || !strings.Contains(stderr, "pyward db update") {
		t.Errorf("damaged list: exit %d, stderr %s", code, stderr)
	}
	// Without its metadata the list counts as not downloaded.
	os.Remove(filepath.Join(os.Getenv("PYWARD_CACHE_DIR"), "top-pypi.meta.json"))
	check("list removed", nil, map[string]string{"zzfopkg": "", "reqeusts": "requests (download rank 6)"})
}

// audit picks up the cached databases: advisories and, offline, the public
// names snapshot for the dependency-confusion check, warning when stale.
func TestAuditUsesCachedDB(t *testing.T) {
	isolateConfig(t)
	srv := newDBServer(t)
	if code, _, stderr := runPyward(t, append([]string{"db", "update"}, srv.flags()...)...); code != exitOK {
		t.Fatalf("db update: %d %s", code, stderr)
	}
	dir := t.TempDir()
	req := filepath.Join(dir, "requirements.txt")
	os.WriteFile(req, []byte("requests==2.19.1 \\\n    --hash=sha256:"+strings.Repeat("a", 64)+"\n    # from https://pypi.org/simple/\n"+
		"acme-internal==1.0 \\\n    --hash=sha256:"+strings.Repeat("c", 64)+"\n    # from https://pkgs.example.com/simple/\n"+
		"acme-tools==2.0 \\\n    --hash=sha256:"+strings.Repeat("d", 64)+"\n    # from https://pkgs.example.com/simple/\n"), 0o644)

	audit := func() (int, auditJSON, string) {
		code, stdout, stderr := runPyward(t, "audit", "--offline", "--no-index-config", "--format", "json", req)
		var doc auditJSON
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("not JSON (exit %d, stderr %s): %v\n%s", code, stderr, err, stdout)
		}
		return code, doc, stderr
	}
	code, doc, stderr := audit()
	if code != exitFindings {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	rules := map[string]string{}
	for _, f := range doc.Findings {
		rules[f.Package+" "+f.Rule] = f.Severity
	}
	for _, want := range []string{"requests vulnerability", "acme-internal confusion/claimed", "acme-tools confusion/unclaimed"} {
		if _, ok := rules[want]; !ok {
			t.Errorf("no %q finding: %v", want, rules)
		}
	}
	for _, w := range doc.Warnings {
		if strings.Contains(w, "names snapshot") {
			t.Errorf("fresh snapshot reported stale: %q", w)
		}
	}

	// Age the snapshot: the table's warnings say so.
	metaPath := filepath.Join(os.Getenv("PYWARD_CACHE_DIR"), "names.meta.json")
	data, err := os.ReadFile(metaPath)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	m["fetched_at"] = time.Now().Add(-10 * 24 * time.Hour).Format(time.RFC3339)
	data, _ = json.Marshal(m)
	os.WriteFile(metaPath, data, 0o644)
	_, stdout, _ := runPyward(t, "audit", "--offline", "--no-index-config", req)
	if !strings.Contains(stdout, "warning: public names snapshot is 10 days old: run 'pyward db update'") {
		t.Errorf("table lacks the stale-snapshot warning:\n%s", stdout)
	}
	// --public-names wins over the cache.
	empty := filepath.Join(dir, "names.txt")
	os.WriteFile(empty, []byte("requests\n"), 0o644)
	_, stdout, _ = runPyward(t, "audit", "--offline", "--no-index-config", "--public-names", empty, req)
	if strings.Contains(stdout, "snapshot is") || !strings.Contains(stdout, "acme-internal 1.0: [confusion/unclaimed]") {
		t.Errorf("--public-names not used:\n%s", stdout)
	}
}

func compileTestSchema(t *testing.T, files ...string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	var first string
	for i, name := range files {
		data, err := os.ReadFile(filepath.Join("..", "..", "internal", "report", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = id
		}
	}
	sch, err := c.Compile(first)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func TestAuditSARIFAndCycloneDX(t *testing.T) {
	isolateConfig(t)
	tests := []struct {
		format  string
		schemas []string
		want    []string
	}{
		{"sarif", []string{"sarif-schema-2.1.0.json"}, []string{`"ruleId": "vulnerability/PYSEC-2018-28"`, `"uri": "testdata/audit/requirements.txt"`,
			`"uriBaseId": "%SRCROOT%"`, `"startLine": 2`, `"security-severity": "9.5"`}},
		{"cyclonedx", []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"}, []string{`"specVersion": "1.6"`,
			`"purl": "pkg:pypi/requests@2.19.1"`, `"id": "PYSEC-2018-28"`, `"ref": "pkg:pypi/colourama@0.1.0"`,
			`"content": "` + strings.Repeat("a", 64) + `"`}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			code, stdout, stderr := runPyward(t, "audit", "--offline", "--db", "testdata/audit/osv", "--format", tt.format, "testdata/audit/requirements.txt")
			if code != exitFindings {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %s", w)
				}
			}
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(stdout))
			if err != nil {
				t.Fatal(err)
			}
			if err := compileTestSchema(t, tt.schemas...).Validate(inst); err != nil {
				t.Errorf("invalid %s: %#v", tt.format, err)
			}
		})
	}
}
