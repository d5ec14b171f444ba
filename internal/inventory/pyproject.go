package inventory

import (
	"strings"

	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/pyproject"
	"github.com/pyward/pyward/internal/tomlbudget"
)

// ReadPyproject inventories the requirements a pyproject.toml declares:
// [project] dependencies and optional-dependencies, and every PEP 735
// dependency group (marked Dev). They are inputs, usually not pinned.
func ReadPyproject(path string) (*Inventory, error) {
	data, err := tomlbudget.ReadFile(path)
	if err != nil {
		return nil, err
	}
	proj, err := pyproject.Parse(path, data)
	if err != nil {
		return nil, err
	}
	inv := &Inventory{Source: path, Format: FormatPyproject}
	add := func(reqs []*pep508.Requirement, dev bool) {
		for _, r := range reqs {
			p := Package{Name: r.Name, Direct: true, Dev: dev, File: path, Line: requirementLine(data, r.Name), URL: r.URL}
			if r.Marker != nil {
				p.Marker = r.Marker.String()
			}
			if v, ok := r.Specifier.ExactVersion(); ok {
				p.Version, p.Pinned = v, true
			} else if !r.Specifier.IsEmpty() {
				p.Spec = r.Specifier.String()
			}
			if r.URL != "" {
				p.VCS, p.Commit = vcsRef(r.URL)
			}
			inv.Packages = append(inv.Packages, p)
		}
	}
	add(proj.Dependencies, false)
	for _, extra := range sortedMapKeys(proj.OptionalDependencies) {
		add(proj.OptionalDependencies[extra], false)
	}
	for _, g := range sortedMapKeys(proj.DependencyGroups) {
		add(proj.DependencyGroups[g], true)
	}
	if proj.Config.Index != "" {
		inv.IndexURLs = append(inv.IndexURLs, IndexRef{URL: proj.Config.Index, File: path, Line: requirementLine(data, proj.Config.Index)})
	}
	for _, u := range proj.Config.ExtraIndex {
		inv.IndexURLs = append(inv.IndexURLs, IndexRef{URL: u, Extra: true, File: path, Line: requirementLine(data, u)})
	}
	return inv, nil
}

// requirementLine finds the line of the first quoted string starting with
// text (a requirement begins with its name).
func requirementLine(data []byte, text string) int {
	for i, line := range strings.Split(string(data), "\n") {
		for _, q := range []string{`"`, `'`} {
			if strings.Contains(line, q+text) {
				return i + 1
			}
		}
	}
	return 0
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}
