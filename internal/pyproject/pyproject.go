// Package pyproject reads the parts of pyproject.toml that decide what a
// project depends on, and pyward's own configuration table.
//
// # What is read
//
// [project] (PEP 621, "Declaring project metadata", packaging.python.org):
//   - name: required when the table exists; a valid PEP 508 name; never
//     dynamic.
//   - version: a PEP 440 version; required unless listed in dynamic.
//   - requires-python: a PEP 440 specifier set.
//   - dependencies: an array of PEP 508 requirements.
//   - optional-dependencies: a table of arrays of PEP 508 requirements; the
//     keys are extra names, compared after PEP 685 normalization (two keys
//     with the same normal form are an error).
//   - dynamic: the fields a build backend fills in. Only field names the
//     specification defines are accepted; a field both given and listed as
//     dynamic is an error (the specification says so).
//
// Other [project] keys are not interpreted (and not checked).
//
// [dependency-groups] (PEP 735): each key is a group name (a valid name,
// compared after normalization); each value is an array whose items are
// PEP 508 requirement strings or {include-group = "name"} tables. Includes
// are expanded in place; an include of an unknown group, a table with other
// keys, and a cycle of includes are errors.
//
// [tool.pyward] (pyward's configuration) is decoded into Config; its keys
// are listed on Config. Unknown keys there are errors: a misspelt security
// setting must not be silently ignored. The raw table is kept in Tool.
//
// # Requirements
//
// Project.Requirements returns the project's dependencies, the optional
// dependencies of the requested extras (or of all extras), and the
// requested dependency groups, in that order, without exact duplicates.
// A requirement on the project itself ("myproj[test]" inside myproj's own
// optional dependencies or groups, a common idiom) is replaced by the
// requirements of the named extras (in sorted order of their normalized
// names; an extra already being expanded adds nothing), with its marker
// joined to theirs by
// "and"; its version specifier or URL is ignored because it names the
// project being locked. Requesting dependencies or extras that are listed
// in dynamic is an error: they are only known after a build.
//
// # Input limits
//
// A pyproject.toml is at most MaxSize (4 MiB). Before the TOML decoder sees
// it, it is checked against internal/tomlbudget: keys at most
// tomlbudget.MaxDepth (16) parts deep counting table headers, dotted keys
// and inline tables, arrays at most MaxArrayDepth (16) deep, key parts at
// most MaxKeyLen (1 KiB), and at most MaxKeys (150,000) keys, arrays and
// inline tables. A refused file is an *Error naming the line and the limit.
// Dependency groups expand to at most MaxExpanded requirements.
//
// # Errors
//
// Every error is an *Error naming the file and the dotted key (for example
// project.optional-dependencies.test[2]), with the line from the TOML
// decoder for syntax errors and, for values, the line found by locating
// the key and the value in the source (best effort; 0 when unknown).
package pyproject

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/tomlbudget"
)

// Limits against hostile files.
const (
	// MaxSize is the largest pyproject.toml Parse accepts.
	MaxSize = 4 << 20
	// MaxExpanded bounds the requirements one dependency group or one
	// Requirements call may expand to: includes and self-references can
	// otherwise grow exponentially ("a" includes "b" twice, "b" includes
	// "c" twice, ...).
	MaxExpanded = 100_000
)

// dynamicFields are the [project] keys that may be listed in dynamic
// (every PEP 621 field but name, plus the later import-names fields).
var dynamicFields = map[string]bool{
	"version": true, "description": true, "readme": true, "requires-python": true,
	"license": true, "license-files": true, "authors": true, "maintainers": true,
	"keywords": true, "classifiers": true, "urls": true, "scripts": true,
	"gui-scripts": true, "entry-points": true, "dependencies": true,
	"optional-dependencies": true, "import-names": true, "import-namespaces": true,
}

// Project is the dependency-relevant content of a pyproject.toml.
type Project struct {
	// Path is the file name given to Parse, used in errors.
	Path string
	// HasProject reports whether a [project] table exists. Without it
	// only dependency groups and the tool configuration are available.
	HasProject bool
	Name       string // as written
	Version    string // as written; "" when dynamic
	// RequiresPython is the requires-python set (matches everything when
	// absent).
	RequiresPython pep440.SpecifierSet
	Dependencies   []*pep508.Requirement
	// OptionalDependencies maps normalized extra names to requirements.
	OptionalDependencies map[string][]*pep508.Requirement
	// Dynamic lists the [project] fields a build backend computes.
	Dynamic []string
	// DependencyGroups maps normalized group names to their requirements
	// with include-group entries expanded.
	DependencyGroups map[string][]*pep508.Requirement
	// Config is the decoded [tool.pyward] table.
	Config Config
	// Tool is the raw [tool.pyward] table (nil when absent).
	Tool map[string]any
}

// Config is pyward's configuration from [tool.pyward]:
//
//	[tool.pyward]
//	index = "https://pypi.org/simple"               # primary index (PEP 503 simple API)
//	extra-index = ["https://mirror.example/simple"] # further indexes, searched after it
//	[tool.pyward.index-for]                          # pin projects to one index
//	"internal-lib" = "https://pypi.internal/simple"  # (dependency-confusion defence)
//	require-provenance = ["requests", "acme-*"]     # PEP 740 provenance required (name globs)
//	[tool.pyward.audit]
//	ignore = [
//	  "PYSEC-2023-1",                                # an advisory id, or
//	  { id = "GHSA-xxxx-xxxx-xxxx", reason = "not reachable", until = 2027-01-31 },
//	]
//
// until is a TOML date (or a "YYYY-MM-DD" string); an ignore entry without
// reason is allowed but the audit report shows it.
type Config struct {
	Index       string
	ExtraIndex  []string
	IndexFor    map[string]string // normalized project name -> index URL
	AuditIgnore []AuditIgnore
	// RequireProvenance holds name globs whose packages must have verified
	// PEP 740 provenance in a lock.
	RequireProvenance []string
}

// AuditIgnore is one advisory the audit must not report.
type AuditIgnore struct {
	ID     string
	Reason string
	Until  string // "YYYY-MM-DD", "" for no expiry
}

// Error is a problem in a pyproject.toml.
type Error struct {
	File string
	Key  string // dotted key, e.g. "project.dependencies[0]"; "" for syntax errors
	Line int    // 1-based; 0 when unknown
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

var (
	// ErrDynamic is wrapped by Requirements errors for dependencies that a
	// build backend computes.
	ErrDynamic = errors.New("dynamic field")
	// ErrCycle is wrapped by the error for include-group cycles.
	ErrCycle = errors.New("include-group cycle")
)

// decoder carries the source for locating keys.
type decoder struct {
	path string
	src  *locator
}

func (d *decoder) errf(key []string, idx int, value string, err error, format string, args ...any) *Error {
	k := strings.Join(key, ".")
	if idx >= 0 {
		k += fmt.Sprintf("[%d]", idx)
	}
	return &Error{File: d.path, Key: k, Line: d.src.line(key, value), Msg: fmt.Sprintf(format, args...), Err: err}
}

// ReadFile reads and parses the pyproject.toml at path, reading at most
// MaxSize+1 bytes of it.
func ReadFile(path string) (*Project, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse parses the pyproject.toml at path with content data.
func Parse(path string, data []byte) (*Project, error) {
	if len(data) > MaxSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("file is larger than the %d-byte limit", MaxSize)}
	}
	var doc map[string]any
	if _, err := tomlbudget.Decode(path, data, &doc); err != nil {
		var te *tomlbudget.Error
		if errors.As(err, &te) && te.Limit != "" {
			return nil, &Error{File: path, Line: te.Line, Msg: te.Msg}
		}
		if errors.As(err, &te) {
			return nil, &Error{File: path, Line: te.Line, Msg: "invalid TOML", Err: errors.New(te.Msg)}
		}
		return nil, &Error{File: path, Msg: "invalid TOML", Err: err}
	}
	d := &decoder{path: path, src: newLocator(string(data))}
	p := &Project{Path: path}
	if raw, ok := doc["project"]; ok {
		t, ok := raw.(map[string]any)
		if !ok {
			return nil, d.errf([]string{"project"}, -1, "", nil, "must be a table")
		}
		if err := d.project(p, t); err != nil {
			return nil, err
		}
	}
	if raw, ok := doc["dependency-groups"]; ok {
		t, ok := raw.(map[string]any)
		if !ok {
			return nil, d.errf([]string{"dependency-groups"}, -1, "", nil, "must be a table")
		}
		groups, err := d.groups(t)
		if err != nil {
			return nil, err
		}
		p.DependencyGroups = groups
	}
	if tool, ok := doc["tool"].(map[string]any); ok {
		if raw, ok := tool["pyward"]; ok {
			t, ok := raw.(map[string]any)
			if !ok {
				return nil, d.errf([]string{"tool", "pyward"}, -1, "", nil, "must be a table")
			}
			p.Tool = t
			if err := d.config(&p.Config, t); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

func (d *decoder) project(p *Project, t map[string]any) error {
	p.HasProject = true
	key := func(k string) []string { return []string{"project", k} }

	dyn, err := d.strings(key("dynamic"), t["dynamic"])
	if err != nil {
		return err
	}
	for i, f := range dyn {
		if f == "name" {
			return d.errf(key("dynamic"), i, f, nil, "name cannot be dynamic")
		}
		if !dynamicFields[f] {
			return d.errf(key("dynamic"), i, f, nil, "%q is not a [project] field", f)
		}
		if _, given := t[f]; given {
			return d.errf(key(f), -1, "", nil, "is given and also listed in project.dynamic")
		}
	}
	p.Dynamic = dyn

	name, ok := t["name"].(string)
	switch {
	case t["name"] == nil:
		return d.errf(key("name"), -1, "", nil, "missing required field")
	case !ok:
		return d.errf(key("name"), -1, "", nil, "must be a string")
	case !pep503.Valid(name):
		return d.errf(key("name"), -1, name, nil, "%q is not a valid project name", name)
	}
	p.Name = name

	if v, present := t["version"]; present {
		s, ok := v.(string)
		if !ok {
			return d.errf(key("version"), -1, "", nil, "must be a string")
		}
		if _, err := pep440.Parse(s); err != nil {
			return d.errf(key("version"), -1, s, err, "%q is not a PEP 440 version", s)
		}
		p.Version = s
	} else if !slices.Contains(dyn, "version") {
		return d.errf(key("version"), -1, "", nil, "missing: give a version or list it in project.dynamic")
	}

	if v, present := t["requires-python"]; present {
		s, ok := v.(string)
		if !ok {
			return d.errf(key("requires-python"), -1, "", nil, "must be a string")
		}
		spec, err := pep440.ParseSpecifierSet(s)
		if err != nil {
			return d.errf(key("requires-python"), -1, s, err, "invalid specifier set %q", s)
		}
		p.RequiresPython = spec
	}

	if p.Dependencies, err = d.requirements(key("dependencies"), t["dependencies"]); err != nil {
		return err
	}

	if v, present := t["optional-dependencies"]; present {
		od, ok := v.(map[string]any)
		if !ok {
			return d.errf(key("optional-dependencies"), -1, "", nil, "must be a table")
		}
		p.OptionalDependencies = make(map[string][]*pep508.Requirement, len(od))
		firstSpelling := map[string]string{}
		for _, extra := range sortedKeys(od) {
			k := []string{"project", "optional-dependencies", extra}
			if !pep503.Valid(extra) {
				return d.errf(k, -1, "", nil, "%q is not a valid extra name", extra)
			}
			norm := pep503.Normalize(extra)
			if prev, dup := firstSpelling[norm]; dup {
				return d.errf(k, -1, "", nil, "extra %q has the same normalized name as %q", extra, prev)
			}
			firstSpelling[norm] = extra
			reqs, err := d.requirements(k, od[extra])
			if err != nil {
				return err
			}
			p.OptionalDependencies[norm] = reqs
		}
	}
	return nil
}

// strings decodes an optional array of strings.
func (d *decoder) strings(key []string, v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, d.errf(key, -1, "", nil, "must be an array of strings")
	}
	out := make([]string, 0, len(arr))
	for i, item := range arr {
		s, ok := item.(string)
		if !ok {
			return nil, d.errf(key, i, "", nil, "must be a string, not %s", tomlType(item))
		}
		out = append(out, s)
	}
	return out, nil
}

// requirements decodes an optional array of PEP 508 strings.
func (d *decoder) requirements(key []string, v any) ([]*pep508.Requirement, error) {
	strs, err := d.strings(key, v)
	if err != nil {
		return nil, err
	}
	var out []*pep508.Requirement
	for i, s := range strs {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return nil, d.errf(key, i, s, err, "invalid requirement %q", s)
		}
		out = append(out, r)
	}
	return out, nil
}

// groupItem is one entry of a dependency group before includes are
// expanded: a requirement or the normalized name of an included group.
type groupItem struct {
	req     *pep508.Requirement
	include string
	index   int
}

func (d *decoder) groups(t map[string]any) (map[string][]*pep508.Requirement, error) {
	raw := make(map[string][]groupItem, len(t))
	spelling := map[string]string{} // normalized -> as written
	for _, name := range sortedKeys(t) {
		key := []string{"dependency-groups", name}
		if !pep503.Valid(name) {
			return nil, d.errf(key, -1, "", nil, "%q is not a valid group name", name)
		}
		norm := pep503.Normalize(name)
		if prev, dup := spelling[norm]; dup {
			return nil, d.errf(key, -1, "", nil, "group %q has the same normalized name as %q", name, prev)
		}
		spelling[norm] = name
		arr, ok := t[name].([]any)
		if !ok {
			return nil, d.errf(key, -1, "", nil, "must be an array")
		}
		items := make([]groupItem, 0, len(arr))
		for i, item := range arr {
			switch v := item.(type) {
			case string:
				r, err := pep508.ParseRequirement(v)
				if err != nil {
					return nil, d.errf(key, i, v, err, "invalid requirement %q", v)
				}
				items = append(items, groupItem{req: r, index: i})
			case map[string]any:
				inc, ok := v["include-group"].(string)
				if !ok || len(v) != 1 {
					return nil, d.errf(key, i, "", nil, "a table item must be exactly {include-group = \"name\"}")
				}
				items = append(items, groupItem{include: pep503.Normalize(inc), index: i})
			default:
				return nil, d.errf(key, i, "", nil, "must be a requirement string or an include-group table, not %s", tomlType(item))
			}
		}
		raw[norm] = items
	}
	out := make(map[string][]*pep508.Requirement, len(raw))
	var expand func(name string, stack []string) ([]*pep508.Requirement, error)
	expand = func(name string, stack []string) ([]*pep508.Requirement, error) {
		if reqs, done := out[name]; done {
			return reqs, nil
		}
		if i := slices.Index(stack, name); i >= 0 {
			cycle := append(slices.Clone(stack[i:]), name)
			for j, c := range cycle {
				cycle[j] = spelling[c]
			}
			return nil, d.errf([]string{"dependency-groups", spelling[name]}, -1, "", ErrCycle, "include-group cycle %s", strings.Join(cycle, " -> "))
		}
		stack = append(stack, name)
		var reqs []*pep508.Requirement
		for _, it := range raw[name] {
			if it.req != nil {
				reqs = append(reqs, it.req)
				continue
			}
			if _, ok := raw[it.include]; !ok {
				return nil, d.errf([]string{"dependency-groups", spelling[name]}, it.index, "", nil, "include-group %q names no group", it.include)
			}
			inc, err := expand(it.include, stack)
			if err != nil {
				return nil, err
			}
			if len(reqs)+len(inc) > MaxExpanded {
				return nil, d.errf([]string{"dependency-groups", spelling[name]}, -1, "", nil, "expands to more than %d requirements", MaxExpanded)
			}
			reqs = append(reqs, inc...)
		}
		out[name] = reqs
		return reqs, nil
	}
	for _, name := range sortedKeys(raw) {
		if _, err := expand(name, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// config decodes [tool.pyward].
func (d *decoder) config(c *Config, t map[string]any) error {
	key := func(k ...string) []string { return append([]string{"tool", "pyward"}, k...) }
	for _, k := range sortedKeys(t) {
		v := t[k]
		switch k {
		case "index":
			s, ok := v.(string)
			if !ok || s == "" {
				return d.errf(key(k), -1, "", nil, "must be a non-empty string (an index URL)")
			}
			c.Index = s
		case "extra-index":
			list, err := d.strings(key(k), v)
			if err != nil {
				return err
			}
			c.ExtraIndex = list
		case "require-provenance":
			list, err := d.strings(key(k), v)
			if err != nil {
				return err
			}
			for i, g := range list {
				if _, err := path.Match(g, ""); err != nil || strings.TrimSpace(g) == "" {
					return d.errf(key(k), i, "", err, "%q is not a name glob", g)
				}
			}
			c.RequireProvenance = list
		case "index-for":
			m, ok := v.(map[string]any)
			if !ok {
				return d.errf(key(k), -1, "", nil, "must be a table of project name = index URL")
			}
			c.IndexFor = make(map[string]string, len(m))
			for _, name := range sortedKeys(m) {
				url, ok := m[name].(string)
				if !ok || url == "" {
					return d.errf(key(k, name), -1, "", nil, "must be a non-empty string (an index URL)")
				}
				if !pep503.Valid(name) {
					return d.errf(key(k, name), -1, "", nil, "%q is not a valid project name", name)
				}
				norm := pep503.Normalize(name)
				if _, dup := c.IndexFor[norm]; dup {
					return d.errf(key(k, name), -1, "", nil, "project %q is listed twice (after normalization)", name)
				}
				c.IndexFor[norm] = url
			}
		case "audit":
			m, ok := v.(map[string]any)
			if !ok {
				return d.errf(key(k), -1, "", nil, "must be a table")
			}
			for _, ak := range sortedKeys(m) {
				if ak != "ignore" {
					return d.errf(key(k, ak), -1, "", nil, "unknown key (known: ignore)")
				}
				ignores, err := d.ignores(key(k, ak), m[ak])
				if err != nil {
					return err
				}
				c.AuditIgnore = ignores
			}
		default:
			return d.errf(key(k), -1, "", nil, "unknown key (known: index, extra-index, index-for, require-provenance, audit)")
		}
	}
	return nil
}

func (d *decoder) ignores(key []string, v any) ([]AuditIgnore, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, d.errf(key, -1, "", nil, "must be an array")
	}
	var out []AuditIgnore
	for i, item := range arr {
		switch e := item.(type) {
		case string:
			if strings.TrimSpace(e) == "" {
				return nil, d.errf(key, i, "", nil, "empty advisory id")
			}
			out = append(out, AuditIgnore{ID: e})
		case map[string]any:
			var ig AuditIgnore
			for _, k := range sortedKeys(e) {
				switch k {
				case "id", "reason":
					s, ok := e[k].(string)
					if !ok {
						return nil, d.errf(key, i, "", nil, "%s must be a string", k)
					}
					if k == "id" {
						ig.ID = s
					} else {
						ig.Reason = s
					}
				case "until":
					until, err := dateString(e[k])
					if err != nil {
						return nil, d.errf(key, i, "", err, "until must be a date (YYYY-MM-DD)")
					}
					ig.Until = until
				default:
					return nil, d.errf(key, i, "", nil, "unknown key %q (known: id, reason, until)", k)
				}
			}
			if strings.TrimSpace(ig.ID) == "" {
				return nil, d.errf(key, i, "", nil, "missing id")
			}
			out = append(out, ig)
		default:
			return nil, d.errf(key, i, "", nil, "must be an advisory id or a table, not %s", tomlType(item))
		}
	}
	return out, nil
}

// Requirements returns the requirements to install for the project's
// dependencies, the given extras (or all extras), and the given dependency
// groups; see the package comment.
func (p *Project) Requirements(extras []string, groups []string, allExtras bool) ([]*pep508.Requirement, error) {
	var out []*pep508.Requirement
	budget := MaxExpanded
	seen := map[string]bool{}
	add := func(rs []*pep508.Requirement) {
		for _, r := range rs {
			if s := r.String(); !seen[s] {
				seen[s] = true
				out = append(out, r)
			}
		}
	}
	if len(extras) > 0 || allExtras {
		if !p.HasProject {
			return nil, &Error{File: p.Path, Key: "project", Msg: "extras requested but there is no [project] table"}
		}
	}
	if p.HasProject {
		if slices.Contains(p.Dynamic, "dependencies") {
			return nil, &Error{File: p.Path, Key: "project.dependencies", Msg: "listed in project.dynamic: only a build can tell them", Err: ErrDynamic}
		}
		reqs, err := p.expandSelf(p.Dependencies, nil, &budget)
		if err != nil {
			return nil, err
		}
		add(reqs)
	}
	want := slices.Clone(extras)
	if allExtras {
		want = sortedKeys(p.OptionalDependencies)
	}
	if len(want) > 0 && slices.Contains(p.Dynamic, "optional-dependencies") {
		return nil, &Error{File: p.Path, Key: "project.optional-dependencies", Msg: "listed in project.dynamic: only a build can tell them", Err: ErrDynamic}
	}
	for _, e := range want {
		reqs, ok := p.OptionalDependencies[pep503.Normalize(e)]
		if !ok {
			return nil, &Error{File: p.Path, Key: "project.optional-dependencies", Msg: fmt.Sprintf("no extra %q (have: %s)", e, strings.Join(sortedKeys(p.OptionalDependencies), ", "))}
		}
		reqs, err := p.expandSelf(reqs, []string{pep503.Normalize(e)}, &budget)
		if err != nil {
			return nil, err
		}
		add(reqs)
	}
	for _, g := range groups {
		reqs, ok := p.DependencyGroups[pep503.Normalize(g)]
		if !ok {
			return nil, &Error{File: p.Path, Key: "dependency-groups", Msg: fmt.Sprintf("no group %q (have: %s)", g, strings.Join(sortedKeys(p.DependencyGroups), ", "))}
		}
		reqs, err := p.expandSelf(reqs, nil, &budget)
		if err != nil {
			return nil, err
		}
		add(reqs)
	}
	return out, nil
}

// expandSelf replaces requirements on the project itself by the optional
// dependencies of their extras. stack holds the extras being expanded, so
// that "a = [proj[b]]", "b = [proj[a]]" terminates.
func (p *Project) expandSelf(reqs []*pep508.Requirement, stack []string, budget *int) ([]*pep508.Requirement, error) {
	if !p.HasProject {
		return reqs, nil
	}
	self := pep503.Normalize(p.Name)
	var out []*pep508.Requirement
	for _, r := range reqs {
		if *budget--; *budget < 0 {
			return nil, &Error{File: p.Path, Key: "project.optional-dependencies", Msg: fmt.Sprintf("self-referencing extras expand to more than %d requirements", MaxExpanded)}
		}
		if r.NormalizedName() != self {
			out = append(out, r)
			continue
		}
		if len(r.Extras) > 0 && slices.Contains(p.Dynamic, "optional-dependencies") {
			return nil, &Error{File: p.Path, Key: "project.optional-dependencies", Msg: fmt.Sprintf("%q needs extras listed in project.dynamic", r.String()), Err: ErrDynamic}
		}
		for _, e := range r.NormalizedExtras() {
			if slices.Contains(stack, e) {
				continue // already being expanded: the cycle adds nothing
			}
			sub, ok := p.OptionalDependencies[e]
			if !ok {
				return nil, &Error{File: p.Path, Key: "project.optional-dependencies", Msg: fmt.Sprintf("%q names extra %q, which the project does not define", r.String(), e)}
			}
			expanded, err := p.expandSelf(sub, append(slices.Clone(stack), e), budget)
			if err != nil {
				return nil, err
			}
			for _, s := range expanded {
				if r.Marker != nil {
					c := *s
					c.Marker = r.Marker.And(s.Marker)
					s = &c
				}
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("a %T", v)
}
