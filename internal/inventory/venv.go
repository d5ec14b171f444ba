package inventory

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pyward/pyward/internal/metadata"
)

// ReadVenv inventories the distributions installed in a virtual
// environment or site-packages directory: every *.dist-info (and legacy
// *.egg-info) directory with a readable METADATA / PKG-INFO.
func ReadVenv(root string) (*Inventory, error) {
	dirs, err := sitePackages(root)
	if err != nil {
		return nil, err
	}
	inv := &Inventory{Source: root, Format: FormatVenv}
	var errs []string
	for _, sp := range dirs {
		entries, err := os.ReadDir(sp)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sp, err)
		}
		for _, e := range entries {
			var metaPath string
			switch {
			case strings.HasSuffix(e.Name(), ".dist-info"):
				metaPath = filepath.Join(sp, e.Name(), "METADATA")
			case strings.HasSuffix(e.Name(), ".egg-info"):
				metaPath = filepath.Join(sp, e.Name())
				if e.IsDir() {
					metaPath = filepath.Join(metaPath, "PKG-INFO")
				}
			default:
				continue
			}
			data, err := os.ReadFile(metaPath)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			md, err := metadata.Parse(data)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", metaPath, err))
				continue
			}
			p := Package{Name: md.Name, Version: md.Version, Pinned: true, File: metaPath}
			if du, err := os.ReadFile(filepath.Join(sp, e.Name(), "direct_url.json")); err == nil {
				p.URL, p.Editable = directURL(du)
			}
			inv.Packages = append(inv.Packages, p)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: unreadable installed distributions:\n  %s", root, strings.Join(errs, "\n  "))
	}
	sort.SliceStable(inv.Packages, func(i, j int) bool { return inv.Packages[i].NormalizedName() < inv.Packages[j].NormalizedName() })
	return inv, nil
}

// sitePackages finds the site-packages directories of a venv root, or
// accepts a site-packages directory itself.
func sitePackages(root string) ([]string, error) {
	if fi, err := os.Stat(root); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", root)
	}
	if filepath.Base(root) == "site-packages" || filepath.Base(root) == "dist-packages" {
		return []string{root}, nil
	}
	var found []string
	for _, pattern := range []string{"lib/python*/site-packages", "lib64/python*/site-packages", "Lib/site-packages", "lib/site-packages"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, d := range m {
			if real, err := filepath.EvalSymlinks(d); err == nil && !containsPath(found, real) {
				found = append(found, real)
			}
		}
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%s: no site-packages directory (not a virtual environment?)", root)
	}
	return found, nil
}

func containsPath(list []string, p string) bool {
	for _, q := range list {
		if q == p {
			return true
		}
	}
	return false
}

// directURL reads PEP 610 direct_url.json: the URL and whether it is an
// editable install.
func directURL(data []byte) (string, bool) {
	var doc struct {
		URL     string `json:"url"`
		DirInfo struct {
			Editable bool `json:"editable"`
		} `json:"dir_info"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return "", false
	}
	return doc.URL, doc.DirInfo.Editable
}

func sortStrings(s []string) { sort.Strings(s) }
