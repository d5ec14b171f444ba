package inventory

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/tomlbudget"
)

// decodeTOML checks data against the TOML budget and decodes it into v;
// errors read file:line:col.
func decodeTOML(path string, data []byte, v any) error {
	_, err := tomlbudget.Decode(path, data, v)
	return err
}

// The line patterns are compiled on first use, not at start-up.
var (
	arrayTableRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]`) })
	nameKeyRe    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*name\s*=\s*["']`) })
)

// tableLines returns, for each [[header]] array-of-tables entry in order, the
// 1-based line of its name key (or of the header when it has none). TOML
// decoders do not report positions, so findings get their lines from this
// scan, which follows the same order as the decoded array.
func tableLines(data []byte, header string) []int {
	var lines []int
	inTable := false
	for i, line := range strings.Split(string(data), "\n") {
		if m := arrayTableRe().FindStringSubmatch(line); m != nil {
			inTable = m[1] == header
			if inTable {
				lines = append(lines, i+1)
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "[") {
			inTable = false
			continue
		}
		if inTable && nameKeyRe().MatchString(line) {
			lines[len(lines)-1] = i + 1
			inTable = false
		}
	}
	return lines
}

// newLockPackage starts the Package of the i-th [[package]] table of a
// TOML lock; a table without a name is an error naming its line.
func newLockPackage(path string, lines []int, i int, name, version string) (Package, error) {
	line := lineAt(lines, i)
	if name == "" {
		return Package{}, fmt.Errorf("%s:%d: package without a name", path, line)
	}
	return Package{Name: name, Version: version, Pinned: version != "", File: path, Line: line}, nil
}

func lineAt(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 0
}

func parsePylock(path string, data []byte) (*Inventory, error) {
	l, err := lockfile.ParsePylock(path, data)
	if err != nil {
		return nil, err
	}
	return FromPylock(path, data, l), nil
}

// FromPylock is the inventory of the pylock.toml data at path that a
// caller has already parsed into l, as ParseLock would read it: parsing
// a large lock costs more than everything else the inventory needs.
func FromPylock(path string, data []byte, l *lockfile.Lock) *Inventory {
	lines := tableLines(data, "packages")
	inv := &Inventory{Source: path, Format: FormatPylock}
	for i, p := range l.Packages {
		pkg := Package{Name: p.Name, Version: p.Version, Pinned: p.Version != "", Index: p.Index, Marker: p.Marker, File: path, Line: lineAt(lines, i)}
		if p.Index != "" {
			pkg.Indexes = []string{p.Index}
		}
		for _, f := range p.Files() {
			for alg, h := range f.Hashes {
				pkg.Hashes = append(pkg.Hashes, alg+":"+h)
			}
		}
		if p.Archive != nil {
			pkg.URL = p.Archive.URL
		}
		inv.Packages = append(inv.Packages, pkg)
	}
	return inv
}

type uvLock struct {
	Version  int `toml:"version"`
	Packages []struct {
		Name    string         `toml:"name"`
		Version string         `toml:"version"`
		Source  map[string]any `toml:"source"`
		Sdist   *struct {
			URL  string `toml:"url"`
			Hash string `toml:"hash"`
		} `toml:"sdist"`
		Wheels []struct {
			URL  string `toml:"url"`
			Hash string `toml:"hash"`
		} `toml:"wheels"`
	} `toml:"package"`
}

func parseUVLock(path string, data []byte) (*Inventory, error) {
	var doc uvLock
	if err := decodeTOML(path, data, &doc); err != nil {
		return nil, err
	}
	lines := tableLines(data, "package")
	inv := &Inventory{}
	for i, p := range doc.Packages {
		pkg, err := newLockPackage(path, lines, i, p.Name, p.Version)
		if err != nil {
			return nil, err
		}
		for key, val := range p.Source {
			s, _ := val.(string)
			switch key {
			case "registry":
				pkg.Index = s
				pkg.Indexes = append(pkg.Indexes, s)
			case "git":
				pkg.URL, pkg.VCS = s, "git"
				pkg.Commit = fragmentCommit(s)
			case "url":
				pkg.URL = s
			case "editable":
				pkg.Editable = true
				pkg.URL = s
			case "virtual", "directory", "path":
				pkg.URL = s
			}
		}
		if p.Sdist != nil && p.Sdist.Hash != "" {
			pkg.Hashes = append(pkg.Hashes, p.Sdist.Hash)
		}
		for _, w := range p.Wheels {
			if w.Hash != "" {
				pkg.Hashes = append(pkg.Hashes, w.Hash)
			}
		}
		inv.Packages = append(inv.Packages, pkg)
	}
	return inv, nil
}

// fragmentCommit extracts the commit uv records after '#' in git sources.
func fragmentCommit(u string) string {
	if _, frag, ok := strings.Cut(u, "#"); ok {
		return frag
	}
	return ""
}

type poetryLock struct {
	Packages []struct {
		Name     string `toml:"name"`
		Version  string `toml:"version"`
		Optional bool   `toml:"optional"`
		Category string `toml:"category"`
		Groups   []string
		Files    []struct {
			File string `toml:"file"`
			Hash string `toml:"hash"`
		} `toml:"files"`
		Source *struct {
			Type           string `toml:"type"`
			URL            string `toml:"url"`
			Reference      string `toml:"reference"`
			ResolvedRef    string `toml:"resolved_reference"`
			ResolvedRefOld string `toml:"resolved-reference"`
		} `toml:"source"`
		Develop bool `toml:"develop"`
	} `toml:"package"`
	Metadata struct {
		Files map[string][]struct {
			File string `toml:"file"`
			Hash string `toml:"hash"`
		} `toml:"files"`
	} `toml:"metadata"`
}

func parsePoetryLock(path string, data []byte) (*Inventory, error) {
	var doc poetryLock
	if err := decodeTOML(path, data, &doc); err != nil {
		return nil, err
	}
	lines := tableLines(data, "package")
	inv := &Inventory{}
	for i, p := range doc.Packages {
		pkg, err := newLockPackage(path, lines, i, p.Name, p.Version)
		if err != nil {
			return nil, err
		}
		pkg.Dev = p.Category == "dev"
		for _, f := range p.Files {
			if f.Hash != "" {
				pkg.Hashes = append(pkg.Hashes, f.Hash)
			}
		}
		// Poetry < 1.2 kept hashes in [metadata.files].
		for _, f := range doc.Metadata.Files[p.Name] {
			if f.Hash != "" {
				pkg.Hashes = append(pkg.Hashes, f.Hash)
			}
		}
		if s := p.Source; s != nil {
			switch s.Type {
			case "legacy":
				pkg.Index = s.URL
				pkg.Indexes = append(pkg.Indexes, s.URL)
			case "git", "hg":
				pkg.URL, pkg.VCS = s.URL, s.Type
				pkg.Commit = s.ResolvedRef
				if pkg.Commit == "" {
					pkg.Commit = s.ResolvedRefOld
				}
			case "directory", "file", "url":
				pkg.URL = s.URL
				pkg.Editable = p.Develop
			}
		}
		inv.Packages = append(inv.Packages, pkg)
	}
	return inv, nil
}

type pdmLock struct {
	Packages []struct {
		Name      string   `toml:"name"`
		Version   string   `toml:"version"`
		Groups    []string `toml:"groups"`
		Editable  bool     `toml:"editable"`
		Git       string   `toml:"git"`
		Revision  string   `toml:"revision"`
		URL       string   `toml:"url"`
		Path      string   `toml:"path"`
		Marker    string   `toml:"marker"`
		IndexName string   `toml:"index"`
		Files     []struct {
			File string `toml:"file"`
			URL  string `toml:"url"`
			Hash string `toml:"hash"`
		} `toml:"files"`
	} `toml:"package"`
}

func parsePDMLock(path string, data []byte) (*Inventory, error) {
	var doc pdmLock
	if err := decodeTOML(path, data, &doc); err != nil {
		return nil, err
	}
	lines := tableLines(data, "package")
	inv := &Inventory{}
	for i, p := range doc.Packages {
		pkg, err := newLockPackage(path, lines, i, p.Name, p.Version)
		if err != nil {
			return nil, err
		}
		pkg.Editable, pkg.Marker, pkg.Index = p.Editable, p.Marker, p.IndexName
		if p.Git != "" {
			pkg.URL, pkg.VCS, pkg.Commit = p.Git, "git", p.Revision
		} else if p.URL != "" {
			pkg.URL = p.URL
		} else if p.Path != "" {
			pkg.URL = p.Path
		}
		if len(p.Groups) > 0 {
			pkg.Dev = true
			for _, g := range p.Groups {
				if g == "default" {
					pkg.Dev = false
				}
			}
		}
		for _, f := range p.Files {
			if f.Hash != "" {
				pkg.Hashes = append(pkg.Hashes, f.Hash)
			}
		}
		inv.Packages = append(inv.Packages, pkg)
	}
	return inv, nil
}
