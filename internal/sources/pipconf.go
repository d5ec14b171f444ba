package sources

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Env is where pip's configuration is looked for. Tests replace every
// field; MachineEnv reads the running machine.
type Env struct {
	GOOS     string
	Home     string
	Getenv   func(string) string
	ReadFile func(string) ([]byte, error)
	// Exists reports whether a file exists (pip skips the user files when
	// PIP_CONFIG_FILE names an existing file); nil means "ReadFile works".
	Exists func(string) bool
	// IsDir reports whether a local find-links location exists (pip
	// ignores one that does not, with a warning); nil means it does.
	IsDir func(string) bool
}

// MaxPipConfigSize bounds a pip configuration file: real ones hold a few
// lines, and PIP_CONFIG_FILE may name anything, a FIFO or a device
// included. A larger file is skipped with a warning, as an unreadable one is.
const MaxPipConfigSize = 1 << 20

// readConfigFile is os.ReadFile held to MaxPipConfigSize: it reads no more
// than the limit and one byte.
func readConfigFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPipConfigSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxPipConfigSize {
		return nil, errPipConfigSize(p)
	}
	return data, nil
}

func errPipConfigSize(p string) error {
	return fmt.Errorf("%s: larger than MaxPipConfigSize (%d bytes)", p, MaxPipConfigSize)
}

// MachineEnv describes the running machine.
func MachineEnv(goos string) Env {
	home, _ := os.UserHomeDir()
	return Env{GOOS: goos, Home: home, Getenv: os.Getenv, ReadFile: readConfigFile, Exists: func(p string) bool {
		// As pip's os.path.exists: a file too large to read still exists.
		_, err := os.Stat(p)
		return err == nil
	}, IsDir: func(p string) bool {
		fi, err := os.Stat(p)
		return err == nil && fi.IsDir()
	}}
}

func (env Env) exists(p string) bool {
	if env.Exists != nil {
		return env.Exists(p)
	}
	_, err := env.ReadFile(p)
	return err == nil
}

// ConfigFile is one pip configuration file location.
type ConfigFile struct {
	Path string
	Kind string // "global", "user", "site" or "env" (PIP_CONFIG_FILE)
}

// ConfigFiles lists pip's configuration files for the platform in the
// order pip loads them, each overriding the ones before: global, user
// (legacy location first), site ($VIRTUAL_ENV), then PIP_CONFIG_FILE. As in
// pip's code (its documentation says PIP_CONFIG_FILE comes first), the
// user files are skipped when PIP_CONFIG_FILE names an existing file, and
// PIP_CONFIG_FILE=os.devnull loads no file at all.
func ConfigFiles(env Env) []ConfigFile {
	envFile := env.Getenv("PIP_CONFIG_FILE")
	if envFile == os.DevNull || (env.GOOS != "windows" && envFile == "/dev/null") || (env.GOOS == "windows" && strings.EqualFold(envFile, "nul")) {
		return nil
	}
	var out []ConfigFile
	add := func(kind string, paths ...string) {
		for _, p := range paths {
			out = append(out, ConfigFile{Path: p, Kind: kind})
		}
	}
	join := filepath.Join
	skipUser := envFile != "" && env.exists(envFile)
	switch env.GOOS {
	case "windows":
		if pd := env.Getenv("ProgramData"); pd != "" {
			add("global", join(pd, "pip", "pip.ini"))
		}
		if !skipUser {
			if env.Home != "" {
				add("user", join(env.Home, "pip", "pip.ini"))
			}
			if ad := env.Getenv("APPDATA"); ad != "" {
				add("user", join(ad, "pip", "pip.ini"))
			}
		}
	case "darwin":
		add("global", "/Library/Application Support/pip/pip.conf")
		if !skipUser && env.Home != "" {
			add("user", join(env.Home, ".pip", "pip.conf"),
				join(env.Home, ".config", "pip", "pip.conf"),
				join(env.Home, "Library", "Application Support", "pip", "pip.conf"))
		}
	default:
		xdgDirs := env.Getenv("XDG_CONFIG_DIRS")
		if xdgDirs == "" {
			xdgDirs = "/etc/xdg"
		}
		for _, d := range strings.Split(xdgDirs, ":") {
			if d != "" {
				add("global", join(d, "pip", "pip.conf"))
			}
		}
		add("global", "/etc/pip.conf")
		if !skipUser {
			if env.Home != "" {
				add("user", join(env.Home, ".pip", "pip.conf"))
			}
			xdgHome := env.Getenv("XDG_CONFIG_HOME")
			if xdgHome == "" && env.Home != "" {
				xdgHome = join(env.Home, ".config")
			}
			if xdgHome != "" {
				add("user", join(xdgHome, "pip", "pip.conf"))
			}
		}
	}
	if venv := env.Getenv("VIRTUAL_ENV"); venv != "" {
		name := "pip.conf"
		if env.GOOS == "windows" {
			name = "pip.ini"
		}
		add("site", join(venv, name))
	}
	if envFile != "" {
		add("env", envFile)
	}
	return out
}

// Setting is one value of a pip configuration file.
type Setting struct {
	Section, Key, Value string
	Line                int // 1-based
}

// ParseINI reads pip's configparser-style files: [section] headers, "key =
// value" or "key: value", indented continuation lines (pip uses them for
// several extra-index-url values) and # or ; comment lines. Keys are lower
// case with '_' as '-'; a value with several white-space separated words
// yields one Setting per word (pip splits list options so), an empty value
// one empty Setting.
func ParseINI(data []byte) []Setting {
	var out []Setting
	section := ""
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimRight(raw, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			for _, v := range strings.Fields(trimmed) {
				out = append(out, Setting{Section: out[len(out)-1].Section, Key: out[len(out)-1].Key, Value: v, Line: i + 1})
			}
			continue
		}
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") {
			section = strings.ToLower(strings.TrimSpace(trimmed[1 : len(trimmed)-1]))
			continue
		}
		sep := strings.IndexAny(trimmed, "=:")
		if sep < 0 {
			continue
		}
		key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(trimmed[:sep])), "_", "-")
		val := strings.TrimSpace(trimmed[sep+1:])
		for _, v := range strings.Fields(val) {
			out = append(out, Setting{Section: section, Key: key, Value: v, Line: i + 1})
		}
		if val == "" {
			out = append(out, Setting{Section: section, Key: key, Line: i + 1})
		}
	}
	return out
}

// PipValue is one effective pip option value and where it was set.
type PipValue struct {
	Values []string // one for single-valued options
	Origin string   // "/etc/pip.conf:3" or "$PIP_INDEX_URL"
}

// Pip is the index configuration pip would use, after its precedence
// rules: a later configuration file overrides an earlier one, the
// command's section ([install]) overrides [global] within a file, and
// PIP_<OPTION> variables override every file. Only options about sources
// are kept.
type Pip struct {
	IndexURL      *PipValue
	ExtraIndexURL *PipValue
	FindLinks     *PipValue
	TrustedHost   *PipValue
	NoIndex       *PipValue // Values[0] is "true" or "false"
}

// pipOptions are the options Pip keeps, by pip's long option name.
var pipOptions = []string{"index-url", "extra-index-url", "find-links", "trusted-host", "no-index"}

func (p *Pip) field(key string) **PipValue {
	switch key {
	case "index-url":
		return &p.IndexURL
	case "extra-index-url":
		return &p.ExtraIndexURL
	case "find-links":
		return &p.FindLinks
	case "trusted-host":
		return &p.TrustedHost
	case "no-index":
		return &p.NoIndex
	}
	return nil
}

// ReadPip reads pip's configuration as pip install would see it. Files that
// do not exist are skipped; others that cannot be read are returned as
// errors (the rest is still used). A find-links value that is neither a
// URL nor an existing directory is dropped with an error, as pip ignores
// it with a warning.
func ReadPip(env Env) (*Pip, []error) {
	p := &Pip{}
	var errs []error
	for _, cf := range ConfigFiles(env) {
		data, err := env.ReadFile(cf.Path)
		if err == nil && len(data) > MaxPipConfigSize {
			err = errPipConfigSize(cf.Path)
		}
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("read pip configuration: %w", err))
			}
			continue
		}
		file := map[string]*PipValue{}
		for _, section := range []string{"global", "install"} {
			seen := map[string]bool{}
			for _, s := range ParseINI(data) {
				if s.Section != section || p.field(s.Key) == nil {
					continue
				}
				if !seen[s.Key] { // a section's value replaces [global]'s
					seen[s.Key] = true
					file[s.Key] = &PipValue{Origin: fmt.Sprintf("%s:%d", cf.Path, s.Line)}
				}
				if s.Value != "" {
					file[s.Key].Values = append(file[s.Key].Values, s.Value)
				}
			}
		}
		for k, v := range file {
			*p.field(k) = v
		}
	}
	for _, key := range pipOptions {
		name := "PIP_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
		raw := env.Getenv(name)
		if raw == "" {
			continue
		}
		*p.field(key) = &PipValue{Values: strings.Fields(raw), Origin: "$" + name}
	}
	if p.FindLinks != nil && env.IsDir != nil {
		var keep []string
		for _, v := range p.FindLinks.Values {
			if strings.Contains(v, "://") || env.IsDir(v) {
				keep = append(keep, v)
			} else {
				errs = append(errs, fmt.Errorf("%s: find-links %s is not a directory: ignored, as pip does", p.FindLinks.Origin, v))
			}
		}
		p.FindLinks.Values = keep
	}
	if p.NoIndex != nil {
		on, err := pipBool(p.NoIndex.Values)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: no-index: %w", p.NoIndex.Origin, err))
		}
		p.NoIndex.Values = []string{fmt.Sprint(on)}
	}
	return p, errs
}

// pipBool reads a boolean as pip does (strtobool).
func pipBool(vals []string) (bool, error) {
	if len(vals) == 0 {
		return false, nil
	}
	switch strings.ToLower(vals[len(vals)-1]) {
	case "1", "y", "yes", "t", "true", "on":
		return true, nil
	case "0", "n", "no", "f", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (want true or false)", vals[len(vals)-1])
}

// on reports whether a boolean PipValue is set and true.
func (v *PipValue) on() bool { return v != nil && len(v.Values) == 1 && v.Values[0] == "true" }

func (v *PipValue) values() []string {
	if v == nil {
		return nil
	}
	return v.Values
}
