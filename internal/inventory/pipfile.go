package inventory

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

type pipfileEntry struct {
	Version  string   `json:"version"`
	Hashes   []string `json:"hashes"`
	Index    string   `json:"index"`
	Markers  string   `json:"markers"`
	Git      string   `json:"git"`
	Ref      string   `json:"ref"`
	Path     string   `json:"path"`
	File     string   `json:"file"`
	Editable bool     `json:"editable"`
}

type pipfileLock struct {
	Meta struct {
		Sources []struct {
			Name      string `json:"name"`
			URL       string `json:"url"`
			VerifySSL bool   `json:"verify_ssl"`
		} `json:"sources"`
	} `json:"_meta"`
	Default map[string]pipfileEntry `json:"default"`
	Develop map[string]pipfileEntry `json:"develop"`
}

func parsePipfileLock(path string, data []byte) (*Inventory, error) {
	var doc pipfileLock
	if err := json.Unmarshal(data, &doc); err != nil {
		if se, ok := err.(*json.SyntaxError); ok {
			line, col := offsetToLineCol(data, int(se.Offset))
			return nil, fmt.Errorf("%s:%d:%d: %s", path, line, col, se.Error())
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sources := map[string]string{}
	inv := &Inventory{}
	for i, s := range doc.Meta.Sources {
		sources[s.Name] = s.URL
		inv.IndexURLs = append(inv.IndexURLs, IndexRef{URL: s.URL, Extra: i > 0, File: path})
	}
	add := func(section map[string]pipfileEntry, dev bool) {
		names := make([]string, 0, len(section))
		for n := range section {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			e := section[n]
			pkg := Package{Name: n, Dev: dev, Hashes: e.Hashes, Marker: e.Markers, Editable: e.Editable, File: path, Line: jsonKeyLine(data, n)}
			if v, ok := strings.CutPrefix(e.Version, "=="); ok {
				pkg.Version, pkg.Pinned = v, true
			} else {
				pkg.Spec = e.Version
			}
			if e.Index != "" {
				pkg.Index = sources[e.Index]
				if pkg.Index == "" {
					pkg.Index = e.Index
				}
			} else if len(doc.Meta.Sources) == 1 {
				pkg.Index = doc.Meta.Sources[0].URL
			}
			switch {
			case e.Git != "":
				pkg.URL, pkg.VCS, pkg.Commit = e.Git, "git", e.Ref
			case e.File != "":
				pkg.URL = e.File
			case e.Path != "":
				pkg.URL = e.Path
			}
			inv.Packages = append(inv.Packages, pkg)
		}
	}
	add(doc.Default, false)
	add(doc.Develop, true)
	return inv, nil
}

// jsonKeyLine finds the 1-based line of the first `"key":` in data.
func jsonKeyLine(data []byte, key string) int {
	needle := `"` + key + `"`
	for i, line := range strings.Split(string(data), "\n") {
		if idx := strings.Index(line, needle); idx >= 0 && strings.HasPrefix(strings.TrimSpace(line[idx+len(needle):]), ":") {
			return i + 1
		}
	}
	return 0
}

func offsetToLineCol(data []byte, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off && i < len(data); i++ {
		if data[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
