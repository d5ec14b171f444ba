package inventory

import (
	"context"
	"net/url"
	"os"
	"strings"

	"github.com/pyward/pyward/internal/reqfile"
)

// Read reads any supported source at path (see Detect).
func Read(ctx context.Context, path string, format Format) (*Inventory, error) {
	switch format {
	case FormatRequirements:
		return ReadRequirements(ctx, path)
	case FormatPyproject:
		return ReadPyproject(path)
	case FormatVenv:
		return ReadVenv(path)
	}
	return ReadLockFile(path, format)
}

// ReadRequirements reads a pip requirements file and the files it includes
// with -r. Constraint files (-c) only restrict versions, so their entries
// are not inventoried.
func ReadRequirements(ctx context.Context, path string) (*Inventory, error) {
	f, err := reqfile.ParseFile(ctx, path, reqfile.Options{})
	if err != nil {
		return nil, err
	}
	inv := &Inventory{Source: path, Format: FormatRequirements}
	if len(f.Requirements) > 0 {
		inv.Packages = make([]Package, 0, len(f.Requirements)) // one allocation, not a doubling series
	}
	lines := map[string][]string{}
	for _, r := range f.Requirements {
		p := fromRequirement(r)
		if _, ok := lines[r.Origin.File]; !ok {
			data, _ := os.ReadFile(r.Origin.File)
			lines[r.Origin.File] = strings.Split(string(data), "\n")
		}
		if idx := fromAnnotation(lines[r.Origin.File], r.Origin.Line); idx != "" {
			p.Index, p.Indexes = idx, []string{idx}
		}
		inv.Packages = append(inv.Packages, p)
	}
	for _, o := range f.Options {
		switch o.Name {
		case "index-url", "extra-index-url":
			inv.IndexURLs = append(inv.IndexURLs, IndexRef{URL: o.Value, Extra: o.Name == "extra-index-url", File: o.Origin.File, Line: o.Origin.Line})
		case "trusted-host":
			inv.TrustedHosts = append(inv.TrustedHosts, IndexRef{URL: o.Value, File: o.Origin.File, Line: o.Origin.Line})
		}
	}
	return inv, nil
}

func fromRequirement(r reqfile.Requirement) Package {
	p := Package{Name: r.Name, Hashes: r.Hashes, Editable: r.Editable, File: r.Origin.File, Line: r.Origin.Line, Direct: true}
	if r.Marker != nil {
		p.Marker = r.Marker.String()
	}
	if r.Req != nil {
		if v, ok := r.Req.Specifier.ExactVersion(); ok {
			p.Version, p.Pinned = v, true
		} else if !r.Req.Specifier.IsEmpty() {
			p.Spec = r.Req.Specifier.String()
		}
	}
	if r.Link != "" {
		p.URL = r.Link
		p.VCS, p.Commit = vcsRef(r.Link)
		if p.Name == "" {
			p.Name = r.Raw
		}
	}
	return p
}

// fromAnnotation reads the "# from <index>" comment pyward writes under a
// locked requirement (its continuation and comment lines follow line).
func fromAnnotation(lines []string, line int) string {
	for i := line; i < len(lines); i++ { // lines[line] is the line after it
		l := lines[i]
		trimmed := strings.TrimSpace(l)
		if trimmed != "" && !strings.HasPrefix(trimmed, "#") && l[0] != ' ' && l[0] != '\t' {
			return ""
		}
		if rest, ok := strings.CutPrefix(trimmed, "# from "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// vcsRef splits a pip VCS URL ("git+https://host/repo.git@rev#egg=x") into
// the VCS name and the revision ("" when none is given).
func vcsRef(link string) (vcs, rev string) {
	scheme, _, ok := strings.Cut(link, "+")
	if !ok {
		return "", ""
	}
	switch scheme {
	case "git", "hg", "svn", "bzr":
	default:
		return "", ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return scheme, ""
	}
	if i := strings.LastIndexByte(u.Path, '@'); i >= 0 {
		rev = u.Path[i+1:]
	}
	return scheme, rev
}
