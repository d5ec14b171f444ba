package audit

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/redact"
)

// PublicProject is what the public index says about a name.
type PublicProject struct {
	Exists   bool
	Versions []string        // empty when unknown (names snapshot)
	SHA256   map[string]bool // digests of its files; nil when unknown
}

// PublicIndex answers whether a name is registered on the public index.
type PublicIndex interface {
	Lookup(ctx context.Context, name string) (PublicProject, error)
}

// NamesSnapshot is an offline PublicIndex: the set of every project name on
// the public index at some moment (one name per line, any spelling).
type NamesSnapshot struct {
	names map[string]struct{}
}

// ReadNamesSnapshot reads a names list, gzip-compressed or plain.
func ReadNamesSnapshot(r io.Reader) (*NamesSnapshot, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("names snapshot: %w", err)
		}
		defer gz.Close()
		br = bufio.NewReaderSize(gz, 1<<16)
	}
	s := &NamesSnapshot{names: make(map[string]struct{}, 1<<19)}
	sc := bufio.NewScanner(br)
	for sc.Scan() {
		if name := strings.TrimSpace(sc.Text()); name != "" && !strings.HasPrefix(name, "#") {
			s.names[pep503.Normalize(name)] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("names snapshot: %w", err)
	}
	return s, nil
}

// Len is the number of names in the snapshot.
func (s *NamesSnapshot) Len() int { return len(s.names) }

// Lookup implements PublicIndex.
func (s *NamesSnapshot) Lookup(_ context.Context, name string) (PublicProject, error) {
	_, ok := s.names[pep503.Normalize(name)]
	return PublicProject{Exists: ok}, nil
}

// publicHosts are the hosts of the public Python Package Index.
var publicHosts = map[string]bool{
	"pypi.org": true, "www.pypi.org": true, "pypi.python.org": true, "files.pythonhosted.org": true,
}

// IsPublicIndex reports whether an index URL points at the public index.
func IsPublicIndex(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	return publicHosts[strings.ToLower(u.Hostname())]
}

// confusionCheck compares packages taken from private indexes with the
// public index. popular tells whether a name is a well-known public project
// (mirrored by the private index, not an internal name).
func checkConfusion(ctx context.Context, pub PublicIndex, pkgs []*inventory.Package, popular func(string) bool) ([]Finding, error) {
	var out []Finding
	seen := map[string]bool{}
	for _, p := range pkgs {
		if p.Index == "" || IsPublicIndex(p.Index) || seen[p.NormalizedName()+"@"+p.Index] {
			continue
		}
		seen[p.NormalizedName()+"@"+p.Index] = true
		proj, err := pub.Lookup(ctx, p.Name)
		if err != nil {
			return out, fmt.Errorf("dependency-confusion check of %s: %w", p.Name, err)
		}
		base := Finding{Kind: KindConfusion, Package: p.Name, Version: p.Version, File: p.File, Line: p.Line}
		if !proj.Exists {
			f := base
			f.Rule, f.Severity = "confusion/unclaimed", SeverityMedium
			f.Title = fmt.Sprintf("%s comes from private index %s and the name is free on the public index: anyone can register it there", p.Name, redact.URLs(p.Index))
			f.Fix = "register a placeholder project of that name on the public index, or pin the package to its index (pyward lock --index-for)"
			out = append(out, f)
			continue
		}
		if sameArtifact(p, proj) || (proj.SHA256 == nil && popular != nil && popular(p.Name)) {
			continue // a public project served through a mirror
		}
		f := base
		f.Rule, f.Severity = "confusion/claimed", SeverityHigh
		f.Title = fmt.Sprintf("%s comes from private index %s but the same name is registered on the public index by someone else", p.Name, redact.URLs(p.Index))
		if higher := higherPublic(p.Version, proj.Versions); higher != "" {
			f.Severity = SeverityCritical
			f.Title += fmt.Sprintf("; public version %s is higher than %s, so pip --extra-index-url would install the public one", higher, p.Version)
		}
		f.Fix = "take the package only from the private index (single --index-url or pyward --index-for), and check the public project is not malicious"
		out = append(out, f)
	}
	return out, nil
}

// sameArtifact reports whether the locked files are the public project's
// own files (a mirror), judged by sha256.
func sameArtifact(p *inventory.Package, proj PublicProject) bool {
	for _, h := range p.Hashes {
		if alg, digest, ok := strings.Cut(h, ":"); ok && alg == "sha256" && proj.SHA256[strings.ToLower(digest)] {
			return true
		}
	}
	return false
}

// higherPublic returns the highest public version above locked, or "".
func higherPublic(locked string, public []string) string {
	lv, err := pep440.Parse(locked)
	if err != nil {
		return ""
	}
	var best pep440.Version
	found := false
	for _, s := range public {
		v, err := pep440.Parse(s)
		if err != nil || v.Compare(lv) <= 0 {
			continue
		}
		if !found || v.Compare(best) > 0 {
			best, found = v, true
		}
	}
	if !found {
		return ""
	}
	return best.String()
}
