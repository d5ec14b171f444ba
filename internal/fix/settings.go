package fix

import (
	"fmt"
	"strings"

	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/sources"
)

// Settings are the lock options a fix resolves with again: how the lock
// was made, as far as the lock itself and pip's environment tell.
type Settings struct {
	// Sources are the index, find-links and trusted-host options; the
	// caller adds the cache directory, offline mode and its own flags.
	Sources       sources.Flags
	PythonVersion string
	Platform      string
	Pre           bool
	ExcludeNewer  string // as written on the command line: a time, date or duration
	// Universal says the lock was made universal (pyward lock without a
	// target, or with --universal), for the environments and required
	// environments given.
	Universal            bool
	Environments         []string
	RequiredEnvironments []string
}

// LockSettings reconstructs how the lock was made: the header's "To
// update, run:" command (pyward lock or pip-compile options), else the
// lock's own index options and "# from" annotations, else PIP_INDEX_URL,
// else fallback (audit's --index-url). Trusted hosts come from all of
// these plus PIP_TRUSTED_HOST, as pip reads them. getenv reads the
// environment (os.Getenv outside tests).
func LockSettings(h Header, inv *inventory.Inventory, fallback string, getenv func(string) string) Settings {
	var s Settings
	src := &s.Sources
	words := SplitCommand(h.Command)
	universal, single := false, false
	for i := 0; i < len(words); i++ {
		name, value, hasValue := strings.Cut(words[i], "=")
		if !strings.HasPrefix(name, "-") {
			continue
		}
		next := func() string {
			if hasValue {
				return value
			}
			if i+1 < len(words) {
				i++
				return words[i]
			}
			return ""
		}
		switch name {
		case "--index-url", "-i":
			src.IndexURL = next()
		case "--extra-index-url":
			src.ExtraIndexURLs = append(src.ExtraIndexURLs, next())
		case "--index":
			src.Indexes = append(src.Indexes, next())
		case "--index-for":
			src.IndexFor = append(src.IndexFor, next())
		case "--find-links", "-f":
			src.FindLinks = append(src.FindLinks, next())
		case "--index-strategy":
			src.IndexStrategy = next()
		case "--trusted-host":
			src.TrustedHosts = append(src.TrustedHosts, next())
		case "--python-version":
			s.PythonVersion = next()
		case "--platform":
			s.Platform = next()
		case "--no-index":
			src.NoIndex = true
		case "--exclude-newer":
			s.ExcludeNewer = next()
		case "--pre":
			s.Pre = true
		case "--universal":
			universal = true
		case "--no-universal", "--python":
			single = true
		case "--environment":
			s.Environments = append(s.Environments, next())
		case "--required-environment":
			s.RequiredEnvironments = append(s.RequiredEnvironments, next())
		}
	}
	// pyward lock is universal unless it names a target.
	s.Universal = strings.HasPrefix(h.Command, "pyward lock ") && !single &&
		(universal || s.PythonVersion == "" && s.Platform == "")
	for _, t := range inv.TrustedHosts {
		src.TrustedHosts = append(src.TrustedHosts, t.URL)
	}
	src.TrustedHosts = append(src.TrustedHosts, strings.Fields(getenv("PIP_TRUSTED_HOST"))...)
	if src.IndexURL != "" || len(src.Indexes) > 0 || src.NoIndex {
		return s
	}
	for _, ref := range inv.IndexURLs {
		if ref.Extra {
			src.ExtraIndexURLs = append(src.ExtraIndexURLs, ref.URL)
		} else {
			src.IndexURL = ref.URL
		}
	}
	if src.IndexURL != "" {
		return s
	}
	// The lock's per-package "# from" annotations: one index, or each
	// package pinned to the index it was locked from.
	var urls []string
	seen := map[string]string{}
	for _, p := range inv.Packages {
		if p.Index == "" {
			continue
		}
		if _, ok := seen[p.Index]; !ok {
			seen[p.Index] = fmt.Sprintf("lock-%d", len(urls)+1)
			urls = append(urls, p.Index)
		}
	}
	switch {
	case len(urls) == 1:
		src.IndexURL = urls[0]
	case len(urls) > 1:
		for _, u := range urls {
			src.Indexes = append(src.Indexes, seen[u]+"="+u)
		}
		for _, p := range inv.Packages {
			if p.Index != "" {
				src.IndexFor = append(src.IndexFor, p.NormalizedName()+"="+seen[p.Index])
			}
		}
	case getenv("PIP_INDEX_URL") != "":
		src.IndexURL = getenv("PIP_INDEX_URL")
	default:
		src.IndexURL = fallback
	}
	return s
}
