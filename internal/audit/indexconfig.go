package audit

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strings"

	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/redact"
	"github.com/pyward/pyward/internal/sources"
	"github.com/pyward/pyward/internal/tomlbudget"
)

// ConfigEnv is where pip's configuration is looked for (the one reader of
// package sources, which lock, sync and fix use too).
type ConfigEnv = sources.Env

// DefaultConfigEnv describes the running machine.
func DefaultConfigEnv(goos string) ConfigEnv { return sources.MachineEnv(goos) }

// indexFinding builds the finding for one configured index or trusted host.
func indexFindings(kind, value, file string, line int) []Finding {
	if value == "" {
		return nil
	}
	var out []Finding
	where := file
	switch kind {
	case "extra-index-url":
		out = append(out, Finding{Kind: KindIndexConfig, Rule: "index-config/extra-index-url", Severity: SeverityHigh,
			Title: fmt.Sprintf("extra index %s: pip merges every index and installs the highest version found on any of them, so anyone who registers one of your package names on another index can take it over (dependency confusion)", redact.URLs(value)),
			Fix:   "use a single --index-url (a proxy that serves internal and public packages), or pyward's per-package index pinning (--index-for)",
			File:  where, Line: line})
		out = append(out, insecureIndex(value, file, line)...)
	case "index-url":
		out = append(out, insecureIndex(value, file, line)...)
	case "trusted-host":
		out = append(out, Finding{Kind: KindIndexConfig, Rule: "index-config/trusted-host", Severity: SeverityMedium,
			Title: fmt.Sprintf("trusted host %s: pip skips TLS verification (and accepts http://) for it, so a network attacker can serve any file", value),
			Fix:   "remove the trusted host and fix the server's certificate", File: where, Line: line})
	}
	return out
}

func insecureIndex(value, file string, line int) []Finding {
	u, err := url.Parse(value)
	if err != nil || u.Scheme != "http" || isLoopback(u.Hostname()) {
		return nil
	}
	return []Finding{{Kind: KindIndexConfig, Rule: "index-config/insecure-http", Severity: SeverityHigh,
		Title: fmt.Sprintf("index %s is plain http://: anyone on the network path can replace packages", redact.URLs(value)),
		Fix:   "use https://", File: file, Line: line}}
}

// isLoopback reports whether host never leaves the machine; pip counts such
// origins as secure, and so does pyward.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ScanMachineConfig reports risky index configuration of the machine: pip
// configuration files in every standard location and PIP_*/UV_* variables.
func ScanMachineConfig(env ConfigEnv) ([]Finding, []error) {
	var out []Finding
	var errs []error
	for _, cf := range sources.ConfigFiles(env) {
		data, err := env.ReadFile(cf.Path)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("read pip configuration: %w", err))
			}
			continue
		}
		for _, v := range sources.ParseINI(data) {
			out = append(out, indexFindings(v.Key, v.Value, cf.Path, v.Line)...)
		}
	}
	for _, e := range []struct{ name, kind string }{
		{"PIP_INDEX_URL", "index-url"}, {"PIP_EXTRA_INDEX_URL", "extra-index-url"}, {"PIP_TRUSTED_HOST", "trusted-host"},
		{"UV_INDEX_URL", "index-url"}, {"UV_DEFAULT_INDEX", "index-url"}, {"UV_EXTRA_INDEX_URL", "extra-index-url"},
	} {
		for _, v := range strings.Fields(env.Getenv(e.name)) {
			out = append(out, indexFindings(e.kind, v, "$"+e.name, 0)...)
		}
	}
	if strategy := env.Getenv("UV_INDEX_STRATEGY"); strings.HasPrefix(strategy, "unsafe-") {
		out = append(out, Finding{Kind: KindIndexConfig, Rule: "index-config/uv-unsafe-strategy", Severity: SeverityHigh,
			Title: "UV_INDEX_STRATEGY=" + strategy + ": uv looks up every package on every index, as pip does (dependency confusion)",
			File:  "$UV_INDEX_STRATEGY"})
	}
	return out, errs
}

// ScanSourceConfig reports risky index options written in the audited
// sources themselves (requirements files, Pipfile.lock sources) and in the
// tool tables of pyproject.toml files.
func ScanSourceConfig(readFile func(string) ([]byte, error), invs []*inventory.Inventory, pyprojects []string) ([]Finding, []error) {
	var out []Finding
	var errs []error
	for _, inv := range invs {
		for _, ref := range inv.IndexURLs {
			kind := "index-url"
			if ref.Extra {
				kind = "extra-index-url"
			}
			out = append(out, indexFindings(kind, ref.URL, ref.File, ref.Line)...)
		}
		for _, th := range inv.TrustedHosts {
			out = append(out, indexFindings("trusted-host", th.URL, th.File, th.Line)...)
		}
	}
	for _, path := range pyprojects {
		data, err := readFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fs, err := scanPyprojectIndexes(path, data)
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, fs...)
	}
	return out, errs
}

type toolIndexes struct {
	Tool struct {
		UV struct {
			IndexURL      string   `toml:"index-url"`
			ExtraIndexURL []string `toml:"extra-index-url"`
			IndexStrategy string   `toml:"index-strategy"`
			Index         []struct {
				Name     string `toml:"name"`
				URL      string `toml:"url"`
				Explicit bool   `toml:"explicit"`
				Default  bool   `toml:"default"`
			} `toml:"index"`
		} `toml:"uv"`
		Poetry struct {
			Source []struct {
				Name     string `toml:"name"`
				URL      string `toml:"url"`
				Priority string `toml:"priority"`
				Default  bool   `toml:"default"`
				Second   bool   `toml:"secondary"`
			} `toml:"source"`
		} `toml:"poetry"`
		PDM struct {
			Source []struct {
				Name            string   `toml:"name"`
				URL             string   `toml:"url"`
				VerifySSL       *bool    `toml:"verify_ssl"`
				IncludePackages []string `toml:"include_packages"`
				Type            string   `toml:"type"`
			} `toml:"source"`
			Resolution struct {
				RespectSourceOrder bool `toml:"respect-source-order"`
			} `toml:"resolution"`
		} `toml:"pdm"`
	} `toml:"tool"`
}

// scanPyprojectIndexes checks [tool.uv], [[tool.poetry.source]] and
// [[tool.pdm.source]].
func scanPyprojectIndexes(path string, data []byte) ([]Finding, error) {
	var doc toolIndexes
	if _, err := tomlbudget.Decode(path, data, &doc); err != nil {
		return nil, err
	}
	line := func(needle string) int { return lineOf(data, needle) }
	var out []Finding
	uv := doc.Tool.UV
	if uv.IndexURL != "" {
		out = append(out, indexFindings("index-url", uv.IndexURL, path, line("index-url"))...)
	}
	for _, u := range uv.ExtraIndexURL {
		out = append(out, indexFindings("extra-index-url", u, path, line(u))...)
	}
	for _, ix := range uv.Index {
		out = append(out, insecureIndex(ix.URL, path, line(ix.URL))...)
	}
	if strings.HasPrefix(uv.IndexStrategy, "unsafe-") {
		out = append(out, Finding{Kind: KindIndexConfig, Rule: "index-config/uv-unsafe-strategy", Severity: SeverityHigh,
			Title: fmt.Sprintf("[tool.uv] index-strategy = %q: uv looks up every package on every index, as pip does (dependency confusion)", uv.IndexStrategy),
			Fix:   "remove index-strategy (uv's default takes each package from the first index that has it)",
			File:  path, Line: line("index-strategy")})
	}
	for _, s := range doc.Tool.Poetry.Source {
		out = append(out, insecureIndex(s.URL, path, line(s.URL))...)
		prio := strings.ToLower(s.Priority)
		if s.Second {
			prio = "secondary"
		}
		if prio == "supplemental" || prio == "secondary" {
			out = append(out, Finding{Kind: KindIndexConfig, Rule: "index-config/poetry-supplemental", Severity: SeverityMedium,
				Title: fmt.Sprintf("poetry source %q has priority %q: packages not found on the primary source are looked up there, so a name missing from one index can be taken from the other", s.Name, prio),
				Fix:   "use priority = \"explicit\" and name the source per package", File: path, Line: line(s.URL)})
		}
	}
	pdmSources := doc.Tool.PDM.Source
	for _, s := range pdmSources {
		out = append(out, insecureIndex(s.URL, path, line(s.URL))...)
		if s.VerifySSL != nil && !*s.VerifySSL {
			out = append(out, Finding{Kind: KindIndexConfig, Rule: "index-config/trusted-host", Severity: SeverityMedium,
				Title: fmt.Sprintf("pdm source %q has verify_ssl = false", s.Name), File: path, Line: line(s.URL)})
		}
		if len(pdmSources) > 0 && len(s.IncludePackages) == 0 && !doc.Tool.PDM.Resolution.RespectSourceOrder && s.Type != "find_links" {
			out = append(out, Finding{Kind: KindIndexConfig, Rule: "index-config/extra-index-url", Severity: SeverityHigh,
				Title: fmt.Sprintf("pdm source %q is merged with PyPI (no include_packages, respect-source-order off): the highest version on any index wins (dependency confusion)", s.Name),
				Fix:   "set include_packages on the private source, or [tool.pdm.resolution] respect-source-order = true", File: path, Line: line(s.URL)})
		}
	}
	return out, nil
}

// lineOf returns the 1-based line of the first occurrence of needle.
func lineOf(data []byte, needle string) int {
	if needle == "" {
		return 0
	}
	idx := strings.Index(string(data), needle)
	if idx < 0 {
		return 0
	}
	return strings.Count(string(data[:idx]), "\n") + 1
}
