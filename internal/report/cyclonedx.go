package report

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/package-url/packageurl-go"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/redact"
)

// CycloneDX output (CycloneDX 1.6 JSON, checked in tests against the
// official bom-1.6.schema.json):
//
//   - serialNumber is a random urn:uuid (RFC 4122 version 4); metadata
//     carries the timestamp and pyward as the tool component;
//   - one component (type library) per distinct package name and version
//     across every audited source, with bom-ref and purl
//     pkg:pypi/<PEP 503 name>@<version> (purl qualifiers repository_url for
//     a package from a non-public index, vcs_url or download_url for direct
//     references, each with any credentials removed), the hashes the source
//     records (sha256/sha384/sha512/md5 hex digests; others are left out),
//     scope "optional" for development-only packages, and properties
//     pyward:source (file:line of each place it is required);
//   - one vulnerability per advisory (vulnerability and malicious findings),
//     with id, source (OSV or GitHub by ID prefix), the aliases as
//     references, a rating with pyward's severity, the fix as
//     recommendation, the advisory link, and affects → the components it
//     was found in with the affected version. Ignored advisories are kept
//     with analysis.response will_not_fix and the reason as detail.
//
// Other finding kinds (typo-squats, confusion, hygiene) are not
// vulnerabilities in CycloneDX's sense and are left to the other formats.
//
// The types below are the part of the CycloneDX 1.6 JSON schema that
// pyward writes, with the schema's property names and order; empty lists
// and strings are left out. (pyward used github.com/CycloneDX/cyclonedx-go,
// whose package initialisation, about 0.7% of the CPU time of every pyward
// start, paid for an SBOM few runs write; the tests still read the output
// with it.)

type cdxBOM struct {
	Schema          string             `json:"$schema"`
	BOMFormat       string             `json:"bomFormat"`
	SpecVersion     string             `json:"specVersion"`
	SerialNumber    string             `json:"serialNumber"`
	Version         int                `json:"version"`
	Metadata        cdxMetadata        `json:"metadata"`
	Components      []cdxComponent     `json:"components,omitempty"`
	Vulnerabilities []cdxVulnerability `json:"vulnerabilities,omitempty"`
}

type cdxMetadata struct {
	Timestamp string `json:"timestamp"`
	Tools     struct {
		Components []cdxComponent `json:"components"`
	} `json:"tools"`
}

type cdxComponent struct {
	BOMRef             string                 `json:"bom-ref,omitempty"`
	Type               string                 `json:"type"`
	Name               string                 `json:"name"`
	Version            string                 `json:"version,omitempty"`
	Scope              string                 `json:"scope,omitempty"`
	Hashes             []cdxHash              `json:"hashes,omitempty"`
	PackageURL         string                 `json:"purl,omitempty"`
	ExternalReferences []cdxExternalReference `json:"externalReferences,omitempty"`
	Properties         []cdxProperty          `json:"properties,omitempty"`
}

type cdxHash struct {
	Algorithm string `json:"alg"`
	Content   string `json:"content"`
}

type cdxExternalReference struct {
	URL  string `json:"url"`
	Type string `json:"type"`
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxVulnerability struct {
	BOMRef         string         `json:"bom-ref,omitempty"`
	ID             string         `json:"id"`
	Source         *cdxSource     `json:"source,omitempty"`
	References     []cdxReference `json:"references,omitempty"`
	Ratings        []cdxRating    `json:"ratings,omitempty"`
	Description    string         `json:"description,omitempty"`
	Detail         string         `json:"detail,omitempty"`
	Recommendation string         `json:"recommendation,omitempty"`
	Advisories     []cdxAdvisory  `json:"advisories,omitempty"`
	Analysis       *cdxAnalysis   `json:"analysis,omitempty"`
	Affects        []cdxAffects   `json:"affects,omitempty"`
	Properties     []cdxProperty  `json:"properties,omitempty"`
}

type cdxSource struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
}

type cdxReference struct {
	ID     string     `json:"id"`
	Source *cdxSource `json:"source,omitempty"`
}

type cdxRating struct {
	Severity string `json:"severity,omitempty"`
	Method   string `json:"method,omitempty"`
}

type cdxAdvisory struct {
	Title string `json:"title,omitempty"`
	URL   string `json:"url"`
}

type cdxAffects struct {
	Ref      string               `json:"ref"`
	Versions []cdxAffectedVersion `json:"versions,omitempty"`
}

type cdxAffectedVersion struct {
	Version string `json:"version"`
	Status  string `json:"status"`
}

type cdxAnalysis struct {
	Response []string `json:"response,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// pypiPublicHosts are index hosts that need no repository_url qualifier.
var pypiPublicHosts = map[string]bool{"pypi.org": true, "www.pypi.org": true, "pypi.python.org": true, "files.pythonhosted.org": true}

// cdxHashAlgs maps pip hash names to CycloneDX algorithms and hex lengths.
var cdxHashAlgs = map[string]struct {
	alg    string
	hexLen int
}{
	"sha256": {"SHA-256", 64},
	"sha384": {"SHA-384", 96},
	"sha512": {"SHA-512", 128},
	"md5":    {"MD5", 32},
	"sha1":   {"SHA-1", 40},
}

var cdxSeverity = map[audit.Severity]string{
	audit.SeverityCritical: "critical",
	audit.SeverityHigh:     "high",
	audit.SeverityMedium:   "medium",
	audit.SeverityLow:      "low",
	audit.SeverityInfo:     "info",
}

// CycloneDX writes an SBOM of the packages in invs with the report's
// vulnerabilities.
func CycloneDX(w io.Writer, rep *audit.Report, invs []*inventory.Inventory, meta Meta) error {
	now := meta.Now
	if now.IsZero() {
		now = time.Now()
	}
	serial, err := uuidV4()
	if err != nil {
		return fmt.Errorf("cyclonedx: %w", err)
	}
	bom := cdxBOM{
		Schema:       "http://cyclonedx.org/schema/bom-1.6.schema.json",
		BOMFormat:    "CycloneDX",
		SpecVersion:  "1.6",
		SerialNumber: "urn:uuid:" + serial,
		Version:      1,
	}
	bom.Metadata.Timestamp = now.UTC().Format(time.RFC3339)
	bom.Metadata.Tools.Components = []cdxComponent{{Type: "application", Name: "pyward", Version: cdxVersion(meta.ToolVersion),
		ExternalReferences: []cdxExternalReference{{Type: "website", URL: InformationURI}}}}

	comps, refOf := sbomComponents(invs)
	bom.Components = comps

	byID := map[string]int{}
	add := func(f audit.Finding, analysis *cdxAnalysis) {
		if f.ID == "" || (f.Kind != audit.KindVulnerability && f.Kind != audit.KindMalicious) {
			return
		}
		key := f.ID
		if analysis != nil {
			key += "#ignored" // an ignored and a reported instance stay apart
		}
		i, ok := byID[key]
		if !ok {
			bom.Vulnerabilities = append(bom.Vulnerabilities, newCDXVulnerability(f, analysis, len(bom.Vulnerabilities)))
			i = len(bom.Vulnerabilities) - 1
			byID[key] = i
		}
		ref := refOf(f.Package, f.Version)
		if ref == "" {
			return
		}
		v := &bom.Vulnerabilities[i]
		for _, a := range v.Affects {
			if a.Ref == ref {
				return
			}
		}
		a := cdxAffects{Ref: ref}
		if ver := cdxVersion(f.Version); ver != "" {
			a.Versions = []cdxAffectedVersion{{Version: ver, Status: "affected"}}
		}
		v.Affects = append(v.Affects, a)
	}
	for _, f := range rep.Findings {
		add(f, nil)
	}
	for _, s := range rep.Suppressed {
		detail := "ignored: " + s.Reason
		if !s.Expires.IsZero() {
			detail += " (until " + s.Expires.Format("2006-01-02") + ")"
		}
		add(s.Finding, &cdxAnalysis{Response: []string{"will_not_fix"}, Detail: detail})
	}
	if err := writeCDX(w, &bom); err != nil {
		return fmt.Errorf("cyclonedx: %w", err)
	}
	return nil
}

// writeCDX writes bom as indented JSON.
func writeCDX(w io.Writer, bom *cdxBOM) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(bom)
}

func newCDXVulnerability(f audit.Finding, analysis *cdxAnalysis, n int) cdxVulnerability {
	v := cdxVulnerability{
		BOMRef:         fmt.Sprintf("vuln-%d-%s", n+1, f.ID),
		ID:             f.ID,
		Source:         advisorySource(f.ID),
		Description:    f.Title,
		Detail:         f.Detail,
		Recommendation: f.Fix,
		Ratings:        []cdxRating{{Severity: cdxSeverity[f.Severity], Method: "other"}},
		Analysis:       analysis,
	}
	for _, a := range f.Aliases {
		if strings.TrimSpace(a) == "" {
			continue // the schema requires a reference id
		}
		v.References = append(v.References, cdxReference{ID: a, Source: advisorySource(a)})
	}
	if isAbsURL(f.URL) {
		v.Advisories = []cdxAdvisory{{Title: f.ID, URL: f.URL}}
	}
	if len(f.FixedVersions) > 0 {
		v.Properties = []cdxProperty{{Name: "pyward:fixed-versions", Value: strings.Join(f.FixedVersions, ", ")}}
	}
	return v
}

// advisorySource names the database an advisory ID belongs to.
func advisorySource(id string) *cdxSource {
	switch {
	case strings.HasPrefix(id, "GHSA-"):
		return &cdxSource{Name: "GitHub Advisory Database", URL: "https://github.com/advisories/" + id}
	case strings.HasPrefix(id, "CVE-"):
		return &cdxSource{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	}
	return &cdxSource{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

// sbomComponents lists one component per distinct normalized name and
// version, sorted, and returns a look-up from a finding's package and
// version to the component's bom-ref.
func sbomComponents(invs []*inventory.Inventory) ([]cdxComponent, func(name, version string) string) {
	type entry struct {
		comp    cdxComponent
		hashes  map[string]bool
		sources []string
		dev     bool // every occurrence is development-only
	}
	byKey := map[string]*entry{}
	var keys []string
	for _, inv := range invs {
		for i := range inv.Packages {
			p := &inv.Packages[i]
			name := pep503.Normalize(p.Name)
			if name == "" {
				continue
			}
			key := name + "@" + p.Version
			e, ok := byKey[key]
			if !ok {
				purl := packagePURL(p, name)
				e = &entry{comp: cdxComponent{BOMRef: purl, Type: "library", Name: name, Version: cdxVersion(p.Version), PackageURL: purl},
					hashes: map[string]bool{}, dev: true}
				byKey[key] = e
				keys = append(keys, key)
			}
			e.dev = e.dev && p.Dev
			if loc := p.Location(); loc != "" && !contains(e.sources, loc) {
				e.sources = append(e.sources, loc)
			}
			for _, h := range p.Hashes {
				alg, digest, ok := strings.Cut(h, ":")
				spec, known := cdxHashAlgs[strings.ToLower(alg)]
				digest = strings.ToLower(digest)
				if !ok || !known || len(digest) != spec.hexLen || !isHex(digest) || e.hashes[h] {
					continue
				}
				e.hashes[h] = true
				e.comp.Hashes = append(e.comp.Hashes, cdxHash{Algorithm: spec.alg, Content: digest})
			}
		}
	}
	sort.Strings(keys)
	comps := make([]cdxComponent, 0, len(keys))
	refs := map[string]string{}
	seenRef := map[string]int{}
	for _, k := range keys {
		e := byKey[k]
		// Two spellings of one direct reference share a purl; bom-refs
		// must be unique.
		if n := seenRef[e.comp.BOMRef]; n > 0 {
			e.comp.BOMRef = fmt.Sprintf("%s#%d", e.comp.BOMRef, n+1)
		}
		seenRef[e.comp.BOMRef]++
		if e.dev {
			e.comp.Scope = "optional"
		}
		for _, s := range e.sources {
			e.comp.Properties = append(e.comp.Properties, cdxProperty{Name: "pyward:source", Value: s})
		}
		refs[k] = e.comp.BOMRef
		comps = append(comps, e.comp)
	}
	return comps, func(name, version string) string {
		if r, ok := refs[pep503.Normalize(name)+"@"+version]; ok {
			return r
		}
		return ""
	}
}

// packagePURL is the package URL of p (name already normalized).
func packagePURL(p *inventory.Package, name string) string {
	q := map[string]string{}
	switch {
	case p.URL != "" && p.VCS != "":
		q["vcs_url"] = redact.URLs(p.URL)
	case p.URL != "":
		q["download_url"] = redact.URLs(p.URL)
	case p.Index != "":
		if u, err := url.Parse(p.Index); err == nil && !pypiPublicHosts[strings.ToLower(u.Hostname())] {
			q["repository_url"] = redact.URLs(p.Index)
		}
	}
	purl := packageurl.NewPackageURL(packageurl.TypePyPi, "", name, p.Version, packageurl.QualifiersFromMap(q), "")
	return purl.ToString()
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// uuidV4 returns a random RFC 4122 version 4 UUID.
func uuidV4() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// maxCDXVersion is the CycloneDX 1.6 schema's limit on a version string.
const maxCDXVersion = 1024

// cdxVersion leaves out a version the schema would reject; no real version
// is that long, and the package URL still carries it.
func cdxVersion(v string) string {
	if utf8.RuneCountInString(v) > maxCDXVersion {
		return ""
	}
	return v
}
