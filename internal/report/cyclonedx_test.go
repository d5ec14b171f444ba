package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/inventory"
)

var cdxSchemaFiles = []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"}

func renderCDX(t *testing.T, rep *audit.Report, invs []*inventory.Inventory) ([]byte, cdx.BOM) {
	t.Helper()
	var buf bytes.Buffer
	meta := Meta{ToolVersion: "1.2.3", Now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	if err := CycloneDX(&buf, rep, invs, meta); err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := json.Unmarshal(buf.Bytes(), &bom); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.Bytes())
	}
	return buf.Bytes(), bom
}

// checkCDXAsLibrary checks that pyward's CycloneDX writer produces what
// github.com/CycloneDX/cyclonedx-go writes for the same BOM (property
// names, their order, what is left out when empty): out is decoded and
// encoded again by each. (Comparing out itself would fail on invalid
// UTF-8, which the first encoding already replaced by an escaped U+FFFD
// that the second writes unescaped.) The one difference allowed is how &,
// < and > are written: cyclonedx-go encodes the tools list with
// json.Marshal, which escapes them whatever the encoder's setting, where
// pyward writes them as they are, as in the rest of the BOM.
func checkCDXAsLibrary(t *testing.T, out []byte) {
	t.Helper()
	var bom cdx.BOM
	if err := json.Unmarshal(out, &bom); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var want bytes.Buffer
	enc := cdx.NewBOMEncoder(&want, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.EncodeVersion(&bom, cdx.SpecVersion1_6); err != nil {
		t.Fatal(err)
	}
	var own cdxBOM
	if err := json.Unmarshal(out, &own); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := writeCDX(&got, &own); err != nil {
		t.Fatal(err)
	}
	unescape := strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">")
	if g, w := got.String(), unescape.Replace(want.String()); g != w {
		t.Fatalf("output differs from cyclonedx-go's encoding of the same BOM:\n%s\nwant:\n%s", g, w)
	}
}

func TestCycloneDXSchemaValid(t *testing.T) {
	sch := compileSchema(t, cdxSchemaFiles[0], cdxSchemaFiles[1:]...)
	tests := []struct {
		name string
		rep  *audit.Report
		invs []*inventory.Inventory
	}{
		{"fixture", fixtureReport(), fixtureInventories()},
		{"no findings", &audit.Report{}, fixtureInventories()},
		{"nothing", &audit.Report{}, nil},
		{"findings without inventories", fixtureReport(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := renderCDX(t, tt.rep, tt.invs)
			if err := validate(sch, out); err != nil {
				t.Fatalf("output is not valid CycloneDX 1.6: %#v", err)
			}
			checkCDXAsLibrary(t, out)
		})
	}
}

func TestCycloneDXSchemaRejectsInvalid(t *testing.T) {
	sch := compileSchema(t, cdxSchemaFiles[0], cdxSchemaFiles[1:]...)
	out, _ := renderCDX(t, fixtureReport(), fixtureInventories())
	tests := []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"bad serial", func(m map[string]any) { m["serialNumber"] = "12345" }},
		{"bad component type", func(m map[string]any) { m["components"].([]any)[0].(map[string]any)["type"] = "widget" }},
		{"bad severity", func(m map[string]any) {
			m["vulnerabilities"].([]any)[0].(map[string]any)["ratings"].([]any)[0].(map[string]any)["severity"] = "severe"
		}},
		{"bad hash", func(m map[string]any) {
			for _, c := range m["components"].([]any) {
				if hs, ok := c.(map[string]any)["hashes"].([]any); ok {
					hs[0].(map[string]any)["content"] = "xyz"
				}
			}
		}},
		{"no bomFormat", func(m map[string]any) { delete(m, "bomFormat") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatal(err)
			}
			tt.mutate(m)
			bad, _ := json.Marshal(m)
			if err := validate(sch, bad); err == nil {
				t.Errorf("schema accepted an invalid BOM")
			}
		})
	}
}

func TestCycloneDXContent(t *testing.T) {
	out, bom := renderCDX(t, fixtureReport(), fixtureInventories())
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.BOMFormat != "CycloneDX" {
		t.Errorf("spec %v format %q", bom.SpecVersion, bom.BOMFormat)
	}
	if !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(bom.SerialNumber) {
		t.Errorf("serialNumber %q", bom.SerialNumber)
	}
	if tools := *bom.Metadata.Tools.Components; len(tools) != 1 || tools[0].Name != "pyward" || tools[0].Version != "1.2.3" {
		t.Errorf("tools %+v", tools)
	}
	if bom.Metadata.Timestamp != "2026-11-25T12:00:00Z" {
		t.Errorf("timestamp %q", bom.Metadata.Timestamp)
	}
	if strings.Contains(string(out), "secret") || strings.Contains(string(out), "token:xyz") {
		t.Errorf("credentials leaked into the SBOM")
	}
	comps := map[string]cdx.Component{}
	for _, c := range *bom.Components {
		if c.Type != cdx.ComponentTypeLibrary {
			t.Errorf("%s: type %s", c.Name, c.Type)
		}
		comps[c.PackageURL] = c
	}
	wantPURLs := []string{
		"pkg:pypi/acme-internal@1.0?repository_url=https:%2F%2Fpkgs.example.com%2Fsimple%2F",
		"pkg:pypi/certifi@2024.2.2",
		"pkg:pypi/colourama@0.1.0",
		"pkg:pypi/mylib?vcs_url=git%2Bhttps:%2F%2Fgit.example.com%2Fmylib.git%400123456789abcdef0123456789abcdef01234567",
		"pkg:pypi/requests@2.19.1",
		"pkg:pypi/six",
		"pkg:pypi/urllib3@1.26.0",
	}
	if len(comps) != len(wantPURLs) {
		t.Errorf("%d components, want %d: %v", len(comps), len(wantPURLs), keys(comps))
	}
	for _, p := range wantPURLs {
		if _, ok := comps[p]; !ok {
			t.Errorf("no component %s (have %v)", p, keys(comps))
		}
	}
	req := comps["pkg:pypi/requests@2.19.1"]
	if req.Hashes == nil || len(*req.Hashes) != 2 || (*req.Hashes)[0].Algorithm != cdx.HashAlgoSHA256 || (*req.Hashes)[1].Algorithm != cdx.HashAlgoMD5 {
		t.Errorf("requests hashes %+v (the malformed sha256 must be dropped)", req.Hashes)
	}
	if req.Properties == nil || len(*req.Properties) != 2 {
		t.Errorf("requests sources %+v, want requirements.txt:2 and poetry.lock:10", req.Properties)
	}
	if c := comps[wantPURLs[0]]; c.Scope != cdx.ScopeOptional || c.Name != "acme-internal" {
		t.Errorf("dev-only component %+v", c)
	}

	vulns := map[string]cdx.Vulnerability{}
	for _, v := range *bom.Vulnerabilities {
		vulns[v.ID] = v
	}
	if len(vulns) != 3 {
		t.Fatalf("%d vulnerabilities, want PYSEC-2018-28, MAL-2022-1 and the ignored GHSA", len(vulns))
	}
	v := vulns["PYSEC-2018-28"]
	if v.Affects == nil || len(*v.Affects) != 1 || (*v.Affects)[0].Ref != req.BOMRef {
		t.Errorf("PYSEC-2018-28 affects %+v, want only %s (Requests and requests are one component)", v.Affects, req.BOMRef)
	} else if r := (*(*v.Affects)[0].Range)[0]; r.Version != "2.19.1" || r.Status != cdx.VulnerabilityStatusAffected {
		t.Errorf("affected version %+v", r)
	}
	if v.Recommendation != "upgrade requests to 2.20.0 or later" || v.Source.Name != "OSV" ||
		(*v.Ratings)[0].Severity != cdx.SeverityHigh || len(*v.References) != 2 || (*v.Advisories)[0].URL == "" {
		t.Errorf("PYSEC-2018-28: %+v", v)
	}
	if (*v.References)[1].ID != "GHSA-x84v-xcm2-53pg" || (*v.References)[1].Source.Name != "GitHub Advisory Database" {
		t.Errorf("references %+v", *v.References)
	}
	if m := vulns["MAL-2022-1"]; (*m.Ratings)[0].Severity != cdx.SeverityCritical || (*m.Affects)[0].Ref != comps["pkg:pypi/colourama@0.1.0"].BOMRef {
		t.Errorf("MAL-2022-1: %+v", m)
	}
	if g := vulns["GHSA-v845-jxx5-vc9f"]; g.Analysis == nil || !strings.Contains(g.Analysis.Detail, "no redirects") || (*g.Analysis.Response)[0] != cdx.IARWillNotFix {
		t.Errorf("ignored advisory %+v", g.Analysis)
	}
	// Two runs differ only in serial number.
	out2, bom2 := renderCDX(t, fixtureReport(), fixtureInventories())
	if bom2.SerialNumber == bom.SerialNumber {
		t.Errorf("serial number repeated")
	}
	if strings.Replace(string(out2), bom2.SerialNumber, bom.SerialNumber, 1) != string(out) {
		t.Errorf("output is not deterministic apart from the serial number")
	}
}

func keys(m map[string]cdx.Component) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
