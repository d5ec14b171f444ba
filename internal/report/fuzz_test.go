package report

import (
	"bytes"
	"testing"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/inventory"
)

// Whatever text a finding or package carries (advisory summaries and file
// names come from outside), SARIF and CycloneDX output stays schema-valid,
// and the CycloneDX output is what cyclonedx-go would write.
func FuzzRenderersValid(f *testing.F) {
	f.Add("requests", "2.19.1", "PYSEC-2018-28", "title <b>", "requirements.txt", 3, "sha256:"+string(bytes.Repeat([]byte("a"), 64)))
	f.Add("Foo_Bar.baz", "1!2.0rc1+local", "MAL-1", "é\x00\xff", "/abs/dir with space/poetry.lock", 0, "md5:zz")
	f.Add("", "", "", "", "$PIP_INDEX_URL", -1, "")
	f.Add("x", "1", "GHSA-1", "t", "a:b/../../c%zz#frag?q", 1<<30, "sha512:00")
	sarifSch := compileSchema(f, sarifSchemas[0])
	cdxSch := compileSchema(f, cdxSchemaFiles[0], cdxSchemaFiles[1:]...)
	f.Fuzz(func(t *testing.T, pkg, version, id, title, file string, line int, hash string) {
		fd := audit.Finding{Kind: audit.KindVulnerability, Rule: "vulnerability", Severity: audit.Severity(line & 7), Package: pkg,
			Version: version, ID: id, Aliases: []string{title}, Title: title, File: file, Line: line, URL: title, Fix: title}
		rep := &audit.Report{Sources: []string{file}, Findings: []audit.Finding{fd, {Kind: audit.KindHygiene, Rule: title, Title: title, File: file}},
			Suppressed: []audit.Suppressed{{Finding: fd, Reason: title}}}
		invs := []*inventory.Inventory{{Source: file, Packages: []inventory.Package{
			{Name: pkg, Version: version, Hashes: []string{hash}, File: file, Line: line, Index: title, URL: file},
			{Name: pkg + "x", Version: version, Index: title},
		}}}
		var buf bytes.Buffer
		if err := SARIF(&buf, rep, Meta{ToolVersion: version, BaseDir: "/abs"}); err != nil {
			t.Fatal(err)
		}
		if err := validate(sarifSch, buf.Bytes()); err != nil {
			t.Fatalf("invalid SARIF: %#v\n%s", err, buf.Bytes())
		}
		buf.Reset()
		if err := CycloneDX(&buf, rep, invs, Meta{ToolVersion: version}); err != nil {
			t.Fatal(err)
		}
		if err := validate(cdxSch, buf.Bytes()); err != nil {
			t.Fatalf("invalid CycloneDX: %#v\n%s", err, buf.Bytes())
		}
		checkCDXAsLibrary(t, buf.Bytes())
	})
}
