package build

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"

	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/pyproject"
	"github.com/pyward/pyward/internal/tomlbudget"
)

// Defaults of PEP 517/518 as pip applies them to projects that do not
// declare a build system.
const (
	DefaultRequires = "setuptools>=40.8.0"
	DefaultBackend  = "setuptools.build_meta:__legacy__"
)

// BuildSystem is the [build-system] table of a pyproject.toml.
type BuildSystem struct {
	Requires    []*pep508.Requirement
	Backend     string   // "module.path" or "module.path:object.attr"
	BackendPath []string // slash paths relative to the project root, cleaned
}

// ConfigError is a problem in the [build-system] table.
type ConfigError struct {
	File string
	Line int    // 1-based; 0 when unknown
	Key  string // dotted key, e.g. "build-system.requires[1]"
	Msg  string
	Err  error
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *ConfigError) Unwrap() error { return e.Err }

// ParseBuildSystem reads [build-system] from the pyproject.toml content data
// (file names it in errors). data == nil means there is no pyproject.toml;
// the defaults then apply (see the package comment).
func ParseBuildSystem(file string, data []byte) (*BuildSystem, error) {
	def := func() *BuildSystem {
		r, _ := pep508.ParseRequirement(DefaultRequires)
		return &BuildSystem{Requires: []*pep508.Requirement{r}, Backend: DefaultBackend}
	}
	if data == nil {
		return def(), nil
	}
	if len(data) > pyproject.MaxSize {
		return nil, &ConfigError{File: file, Msg: fmt.Sprintf("file is %d bytes, more than the %d-byte limit", len(data), pyproject.MaxSize)}
	}
	var doc map[string]any
	if _, err := tomlbudget.Decode(file, data, &doc); err != nil {
		ce := &ConfigError{File: file, Msg: "invalid TOML", Err: err}
		var te *tomlbudget.Error
		if errors.As(err, &te) {
			ce.Line, ce.Err = te.Line, errors.New(te.Msg)
			if te.Limit != "" {
				ce.Msg, ce.Err = te.Msg, nil
			}
		}
		return nil, ce
	}
	raw, ok := doc["build-system"]
	if !ok {
		return def(), nil
	}
	t, ok := raw.(map[string]any)
	if !ok {
		return nil, &ConfigError{File: file, Key: "build-system", Msg: "must be a table"}
	}
	bs := &BuildSystem{Backend: DefaultBackend}
	req, ok := t["requires"]
	if !ok {
		return nil, &ConfigError{File: file, Key: "build-system.requires", Msg: "missing (PEP 518 makes it mandatory in a [build-system] table)"}
	}
	items, ok := req.([]any)
	if !ok {
		return nil, &ConfigError{File: file, Key: "build-system.requires", Msg: "must be an array of PEP 508 strings"}
	}
	for i, it := range items {
		s, ok := it.(string)
		key := fmt.Sprintf("build-system.requires[%d]", i)
		if !ok {
			return nil, &ConfigError{File: file, Key: key, Msg: "must be a string"}
		}
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return nil, &ConfigError{File: file, Key: key, Msg: fmt.Sprintf("%q is not a PEP 508 requirement", s), Err: err}
		}
		bs.Requires = append(bs.Requires, r)
	}
	if b, ok := t["build-backend"]; ok {
		s, ok := b.(string)
		if !ok || !validBackend(s) {
			return nil, &ConfigError{File: file, Key: "build-system.build-backend", Msg: fmt.Sprintf("%v is not an object reference (module.path or module.path:object.attr)", b)}
		}
		bs.Backend = strings.TrimSpace(s)
	}
	if bp, ok := t["backend-path"]; ok {
		items, ok := bp.([]any)
		if !ok {
			return nil, &ConfigError{File: file, Key: "build-system.backend-path", Msg: "must be an array of strings"}
		}
		for i, it := range items {
			key := fmt.Sprintf("build-system.backend-path[%d]", i)
			s, ok := it.(string)
			if !ok {
				return nil, &ConfigError{File: file, Key: key, Msg: "must be a string"}
			}
			p, why := cleanBackendPath(s)
			if why != "" {
				return nil, &ConfigError{File: file, Key: key, Msg: fmt.Sprintf("%q %s", s, why)}
			}
			bs.BackendPath = append(bs.BackendPath, p)
		}
	}
	return bs, nil
}

// validBackend checks "a.b.c" or "a.b:c.d" (Python identifiers; PEP 517
// allows whitespace around the parts, which pip strips too).
func validBackend(s string) bool {
	mod, obj, hasObj := strings.Cut(s, ":")
	if !dottedIdent(strings.TrimSpace(mod)) {
		return false
	}
	return !hasObj || dottedIdent(strings.TrimSpace(obj))
}

func dottedIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for i, r := range part {
			if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
				return false
			}
		}
	}
	return true
}

// cleanBackendPath checks a backend-path entry: relative, inside the root.
func cleanBackendPath(s string) (string, string) {
	if s == "" {
		return ".", ""
	}
	if strings.HasPrefix(s, "/") || strings.ContainsAny(s, "\\\x00") || (len(s) >= 2 && s[1] == ':' && isLetter(s[0])) {
		return "", "must be a relative path with forward slashes"
	}
	p := path.Clean(s)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", "leaves the project root (PEP 517 forbids it)"
	}
	return p, ""
}
