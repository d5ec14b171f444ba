package report

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	cdx "github.com/CycloneDX/cyclonedx-go"
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

// pypiPublicHosts are index hosts that need no repository_url qualifier.
var pypiPublicHosts = map[string]bool{"pypi.org": true, "www.pypi.org": true, "pypi.python.org": true, "files.pythonhosted.org": true}

// cdxHashAlgs maps pip hash names to CycloneDX algorithms and hex lengths.
var cdxHashAlgs = map[string]struct {
	alg    cdx.HashAlgorithm
	hexLen int
}{
	"sha256": {cdx.HashAlgoSHA256, 64},
	"sha384": {cdx.HashAlgoSHA384, 96},
	"sha512": {cdx.HashAlgoSHA512, 128},
	"md5":    {cdx.HashAlgoMD5, 32},
	"sha1":   {cdx.HashAlgoSHA1, 40},
}

var cdxSeverity = map[audit.Severity]cdx.Severity{
	audit.SeverityCritical: cdx.SeverityCritical,
	audit.SeverityHigh:     cdx.SeverityHigh,
	audit.SeverityMedium:   cdx.SeverityMedium,
	audit.SeverityLow:      cdx.SeverityLow,
	audit.SeverityInfo:     cdx.SeverityInfo,
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
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + serial
	tool := cdx.Component{Type: cdx.ComponentTypeApplication, Name: "pyward", Version: cdxVersion(meta.ToolVersion),
		ExternalReferences: &[]cdx.ExternalReference{{Type: cdx.ERTypeWebsite, URL: InformationURI}}}
	bom.Metadata = &cdx.Metadata{
		Timestamp: now.UTC().Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{tool}},
	}

	comps, refOf := sbomComponents(invs)
	bom.Components = &comps

	var vulns []cdx.Vulnerability
	byID := map[string]int{}
	add := func(f audit.Finding, analysis *cdx.VulnerabilityAnalysis) {
		if f.ID == "" || (f.Kind != audit.KindVulnerability && f.Kind != audit.KindMalicious) {
			return
		}
		key := f.ID
		if analysis != nil {
			key += "#ignored" // an ignored and a reported instance stay apart
		}
		i, ok := byID[key]
		if !ok {
			vulns = append(vulns, newCDXVulnerability(f, analysis, len(vulns)))
			i = len(vulns) - 1
			byID[key] = i
		}
		ref := refOf(f.Package, f.Version)
		if ref == "" {
			return
		}
		affects := vulns[i].Affects
		for _, a := range *affects {
			if a.Ref == ref {
				return
			}
		}
		a := cdx.Affects{Ref: ref}
		if v := cdxVersion(f.Version); v != "" {
			a.Range = &[]cdx.AffectedVersions{{Version: v, Status: cdx.VulnerabilityStatusAffected}}
		}
		*affects = append(*affects, a)
	}
	for _, f := range rep.Findings {
		add(f, nil)
	}
	for _, s := range rep.Suppressed {
		detail := "ignored: " + s.Reason
		if !s.Expires.IsZero() {
			detail += " (until " + s.Expires.Format("2006-01-02") + ")"
		}
		add(s.Finding, &cdx.VulnerabilityAnalysis{Response: &[]cdx.ImpactAnalysisResponse{cdx.IARWillNotFix}, Detail: detail})
	}
	if len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return fmt.Errorf("cyclonedx: %w", err)
	}
	return nil
}

func newCDXVulnerability(f audit.Finding, analysis *cdx.VulnerabilityAnalysis, n int) cdx.Vulnerability {
	v := cdx.Vulnerability{
		BOMRef:         fmt.Sprintf("vuln-%d-%s", n+1, f.ID),
		ID:             f.ID,
		Source:         advisorySource(f.ID),
		Description:    f.Title,
		Detail:         f.Detail,
		Recommendation: f.Fix,
		Ratings:        &[]cdx.VulnerabilityRating{{Severity: cdxSeverity[f.Severity], Method: cdx.ScoringMethodOther}},
		Affects:        &[]cdx.Affects{},
		Analysis:       analysis,
	}
	var refs []cdx.VulnerabilityReference
	for _, a := range f.Aliases {
		if strings.TrimSpace(a) == "" {
			continue // the schema requires a reference id
		}
		refs = append(refs, cdx.VulnerabilityReference{ID: a, Source: advisorySource(a)})
	}
	if len(refs) > 0 {
		v.References = &refs
	}
	if isAbsURL(f.URL) {
		v.Advisories = &[]cdx.Advisory{{Title: f.ID, URL: f.URL}}
	}
	if len(f.FixedVersions) > 0 {
		v.Properties = &[]cdx.Property{{Name: "pyward:fixed-versions", Value: strings.Join(f.FixedVersions, ", ")}}
	}
	return v
}

// advisorySource names the database an advisory ID belongs to.
func advisorySource(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub Advisory Database", URL: "https://github.com/advisories/" + id}
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

// sbomComponents lists one component per distinct normalized name and
// version, sorted, and returns a look-up from a finding's package and
// version to the component's bom-ref.
func sbomComponents(invs []*inventory.Inventory) ([]cdx.Component, func(name, version string) string) {
	type entry struct {
		comp    cdx.Component
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
				e = &entry{comp: cdx.Component{BOMRef: purl, Type: cdx.ComponentTypeLibrary, Name: name, Version: cdxVersion(p.Version), PackageURL: purl},
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
				if e.comp.Hashes == nil {
					e.comp.Hashes = &[]cdx.Hash{}
				}
				*e.comp.Hashes = append(*e.comp.Hashes, cdx.Hash{Algorithm: spec.alg, Value: digest})
			}
		}
	}
	sort.Strings(keys)
	comps := make([]cdx.Component, 0, len(keys))
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
			e.comp.Scope = cdx.ScopeOptional
		}
		if len(e.sources) > 0 {
			props := make([]cdx.Property, 0, len(e.sources))
			for _, s := range e.sources {
				props = append(props, cdx.Property{Name: "pyward:source", Value: s})
			}
			e.comp.Properties = &props
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
