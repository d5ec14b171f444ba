package sources

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/redact"
)

// DefaultIndexURL is the public Python Package Index.
const DefaultIndexURL = "https://pypi.org/simple/"

// Strategy says how a name found on several indexes is treated.
type Strategy string

const (
	// FirstIndex takes a name from the first index, in order, that has
	// it; the lock lists every locked name that a later index also has.
	// The default for an ordered list (--index NAME=URL ...).
	FirstIndex Strategy = "first-index"
	// RefuseConflicts is FirstIndex, except that a name with different
	// files on two indexes is an error. The default as soon as an index is
	// added the way pip merges it (--extra-index-url, PIP_EXTRA_INDEX_URL,
	// pip.conf extra-index-url, [tool.pyward] extra-index).
	RefuseConflicts Strategy = "refuse-conflicts"
	// UnsafeBestMatch merges every index as pip does: the highest version
	// found on any of them wins (open to dependency confusion).
	UnsafeBestMatch Strategy = "unsafe-best-match"
)

// Strategies lists the values --index-strategy accepts.
var Strategies = []Strategy{FirstIndex, RefuseConflicts, UnsafeBestMatch}

// Index is one package source.
type Index struct {
	Name      string // stable name: credentials variables, messages, the lock
	URL       string // as configured; may carry credentials (print Display())
	FindLinks bool
	Extra     bool   // added as pip's --extra-index-url (merged by pip)
	Origin    string // where it was configured, for messages
	// Mirror is set when a flag maps an index recorded in the lock to
	// another URL: its packages are looked up there by name and hash.
	Mirror bool

	recorded string // the URL the lock records, when consuming one
}

// Display is the URL without credentials.
func (ix Index) Display() string { return redact.URLs(ix.URL) }

// Route takes the names matching Pattern (a glob on PEP 503 normalized
// names, see index.Policy.Pin) only from the index named Index.
type Route struct {
	Pattern, Index, Origin string
}

// Flags are the command-line options about sources, as given.
type Flags struct {
	IndexURL       string
	ExtraIndexURLs []string
	Indexes        []string // NAME=URL, in order
	IndexFor       []string // PATTERN=NAME
	FindLinks      []string
	NoIndex        bool
	TrustedHosts   []string
	IndexStrategy  string // "" chooses from the configuration (see Strategy)

	CacheDir string // cache root; "" when caching is off
	Offline  bool
}

// FileOptions are the source options of one input file: a requirements
// file's -i / --extra-index-url / -f / --trusted-host / --no-index lines,
// or pyproject.toml's [tool.pyward] index, extra-index and index-for.
type FileOptions struct {
	Origin         string // the file
	IndexURL       string
	ExtraIndexURLs []string
	FindLinks      []string
	TrustedHosts   []string
	NoIndex        bool
	IndexFor       map[string]string // project name → index URL; applied in name order
}

// LockedPackage is a package of a lock and the index URL it records ("" for
// none).
type LockedPackage struct {
	Name, Index string
}

// Locked is what a lock being consumed says about sources.
type Locked struct {
	Path           string
	Indexes        []lockfile.IndexRef
	IndexURL       string
	ExtraIndexURLs []string
	FindLinks      []string
	TrustedHosts   []string
	NoIndex        bool
	Packages       []LockedPackage
	// FilesByURL: the lock names every file by URL (pylock.toml), so it
	// needs no index unless a package must be looked up by name.
	FilesByURL bool
}

// Config is everything New reads.
type Config struct {
	Flags Flags
	Files []FileOptions
	// Env is where pip's configuration is read; nil reads none.
	Env *Env
	// Lock is the lock being consumed (sync, audit); nil when making one.
	Lock *Locked
	// Relock is the lock being made again from Flags and Files (fix):
	// each package it records an index for keeps that index.
	Relock *Locked
}

// Sources is the resolved model. It is immutable after New.
type Sources struct {
	indexes  []Index
	routes   []Route
	strategy Strategy
	trusted  []string
	cacheDir string
	offline  bool
	survey   bool
	merge    bool // consuming a lock with extra indexes: merge them for unrecorded packages
	warnings []string
}

// New builds the sources from cfg; see the package comment for the rules.
func New(cfg Config) (*Sources, error) {
	s := &Sources{cacheDir: cfg.Flags.CacheDir, offline: cfg.Flags.Offline}
	var pip *Pip
	if cfg.Env != nil {
		var errs []error
		pip, errs = ReadPip(*cfg.Env)
		for _, e := range errs {
			s.warnings = append(s.warnings, e.Error())
		}
	} else {
		pip = &Pip{}
	}
	var err error
	if cfg.Lock != nil {
		err = s.consume(cfg.Flags, cfg.Lock, pip)
	} else {
		err = s.produce(cfg.Flags, cfg.Files, pip)
	}
	if err == nil && cfg.Relock != nil {
		err = s.keep(cfg.Relock)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// add appends ix, naming it DeriveName(URL) when it has no name; an index
// with the URL of one already present is not added again (its name is
// returned). A derived name taken by another URL gets "-2", "-3", ...
func (s *Sources) add(ix Index) (string, error) {
	for _, have := range s.indexes {
		if have.FindLinks == ix.FindLinks && SameURL(have.URL, ix.URL) {
			if ix.Name != "" && ix.Name != have.Name {
				return "", fmt.Errorf("%s: index %s=%s is already configured as %s (%s)", ix.Origin, ix.Name, ix.Display(), have.Name, have.Origin)
			}
			return have.Name, nil
		}
	}
	if ix.Name == "" {
		base := DeriveName(ix.URL)
		ix.Name = base
		for n := 2; s.byName(ix.Name) != nil; n++ {
			ix.Name = fmt.Sprintf("%s-%d", base, n)
		}
	} else if have := s.byName(ix.Name); have != nil {
		return "", fmt.Errorf("%s: index name %q is used twice (%s and %s)", ix.Origin, ix.Name, have.Display(), ix.Display())
	}
	s.indexes = append(s.indexes, ix)
	return ix.Name, nil
}

func (s *Sources) byName(name string) *Index {
	for i := range s.indexes {
		if s.indexes[i].Name == name {
			return &s.indexes[i]
		}
	}
	return nil
}

func (s *Sources) byURL(u string) *Index {
	for i := range s.indexes {
		if !s.indexes[i].FindLinks && SameURL(s.indexes[i].URL, u) {
			return &s.indexes[i]
		}
	}
	return nil
}

func (s *Sources) names() string {
	var n []string
	for _, ix := range s.indexes {
		if !ix.FindLinks {
			n = append(n, ix.Name)
		}
	}
	return strings.Join(n, ", ")
}

// parseNamed reads an --index NAME=URL value.
func parseNamed(spec string) (string, string, error) {
	name, u, ok := strings.Cut(spec, "=")
	if !ok || u == "" {
		return "", "", fmt.Errorf("--index %q: want NAME=URL", redact.URLs(spec))
	}
	if !validName(name) {
		return "", "", fmt.Errorf("--index %q: the name must be 1 to %d letters, digits, '.', '_' or '-'", redact.URLs(spec), maxNameLen)
	}
	return name, u, nil
}

// produce builds the sources for making a lock.
func (s *Sources) produce(f Flags, files []FileOptions, pip *Pip) error {
	for _, spec := range f.Indexes {
		name, u, err := parseNamed(spec)
		if err != nil {
			return err
		}
		if _, err := s.add(Index{Name: name, URL: u, Origin: "--index"}); err != nil {
			return err
		}
	}
	explicit := len(f.Indexes) > 0
	main, mainOrigin := f.IndexURL, "--index-url"
	extras := slices.Clone(f.ExtraIndexURLs)
	extraOrigin := map[string]string{}
	for _, u := range extras {
		extraOrigin[u] = "--extra-index-url"
	}
	findLinks := slices.Clone(f.FindLinks)
	trusted := slices.Clone(f.TrustedHosts)
	noIndex, noIndexOrigin := f.NoIndex, "--no-index"
	for _, fo := range files {
		if fo.IndexURL != "" && f.IndexURL == "" {
			main, mainOrigin = fo.IndexURL, fo.Origin // a later file overrides, as in pip
		}
		for _, u := range fo.ExtraIndexURLs {
			extras = append(extras, u)
			extraOrigin[u] = fo.Origin
		}
		findLinks = append(findLinks, fo.FindLinks...)
		trusted = append(trusted, fo.TrustedHosts...)
		if fo.NoIndex && !noIndex {
			noIndex, noIndexOrigin = true, fo.Origin
		}
	}
	// pip's configuration supplies what the command and files leave
	// unset; an explicit --index list replaces its indexes.
	if main == "" && !explicit && pip.IndexURL != nil && len(pip.IndexURL.Values) > 0 {
		main, mainOrigin = pip.IndexURL.Values[len(pip.IndexURL.Values)-1], pip.IndexURL.Origin
	}
	if len(extras) == 0 && !explicit && pip.ExtraIndexURL != nil {
		for _, u := range pip.ExtraIndexURL.Values {
			extras = append(extras, u)
			extraOrigin[u] = pip.ExtraIndexURL.Origin
		}
	}
	if len(findLinks) == 0 {
		findLinks = pip.FindLinks.values()
	}
	if len(trusted) == 0 {
		trusted = pip.TrustedHost.values()
	}
	if !noIndex && !explicit && pip.NoIndex.on() {
		noIndex, noIndexOrigin = true, pip.NoIndex.Origin
	}
	if noIndex {
		if explicit || f.IndexURL != "" || len(f.ExtraIndexURLs) > 0 {
			return fmt.Errorf("%s and index options exclude each other: drop one", noIndexOrigin)
		}
	} else {
		if main == "" && !explicit {
			main, mainOrigin = DefaultIndexURL, "default"
		}
		if main != "" {
			if _, err := s.add(Index{URL: main, Origin: mainOrigin}); err != nil {
				return err
			}
		}
		for _, u := range extras {
			name, err := s.add(Index{URL: u, Extra: true, Origin: extraOrigin[u]})
			if err != nil {
				return err
			}
			s.byName(name).Extra = true
		}
	}
	for _, u := range findLinks {
		if _, err := s.add(Index{URL: u, FindLinks: true, Origin: "--find-links"}); err != nil {
			return err
		}
	}
	if len(s.indexes) == 0 {
		return errors.New("no package source: --no-index needs --find-links")
	}
	s.trusted = trusted
	for _, spec := range f.IndexFor {
		pattern, name, ok := strings.Cut(spec, "=")
		if !ok || pattern == "" || name == "" {
			return fmt.Errorf("--index-for %q: want PATTERN=NAME", spec)
		}
		if s.byName(name) == nil {
			return fmt.Errorf("--index-for %q: no index named %q (define it with --index %s=URL; configured: %s)", spec, name, name, s.names())
		}
		s.routes = append(s.routes, Route{Pattern: pattern, Index: name, Origin: "--index-for"})
	}
	for _, fo := range files {
		names := make([]string, 0, len(fo.IndexFor))
		for n := range fo.IndexFor {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			name, err := s.add(Index{URL: fo.IndexFor[n], Origin: fo.Origin + " [tool.pyward] index-for"})
			if err != nil {
				return err
			}
			s.routes = append(s.routes, Route{Pattern: pep503.Normalize(n), Index: name, Origin: fo.Origin})
		}
	}
	if err := s.chooseStrategy(f.IndexStrategy); err != nil {
		return err
	}
	return nil
}

func (s *Sources) chooseStrategy(flag string) error {
	switch Strategy(flag) {
	case "":
		s.strategy = FirstIndex
		for _, ix := range s.indexes {
			if ix.Extra {
				s.strategy = RefuseConflicts
			}
		}
	case FirstIndex, RefuseConflicts, UnsafeBestMatch:
		s.strategy = Strategy(flag)
	default:
		var names []string
		for _, st := range Strategies {
			names = append(names, string(st))
		}
		return fmt.Errorf("--index-strategy %q: want one of %s", flag, strings.Join(names, ", "))
	}
	if len(s.indexes) > 1 {
		if s.strategy == UnsafeBestMatch {
			var urls []string
			for _, ix := range s.indexes {
				urls = append(urls, ix.Display())
			}
			s.warnings = append(s.warnings, fmt.Sprintf("--index-strategy unsafe-best-match: the indexes %s are merged as pip does, so whoever publishes a higher version of one of your package names on any of them wins (dependency confusion); route internal names with --index-for instead", strings.Join(urls, ", ")))
		} else {
			s.survey = true
		}
	}
	return nil
}

// keep routes each package of l that records an index to that index
// (added when the flags do not configure it, under the lock's name for
// it), ahead of every other route, and trusts the lock's trusted hosts.
func (s *Sources) keep(l *Locked) error {
	origin := "lock " + l.Path
	pkgs := slices.Clone(l.Packages)
	sort.SliceStable(pkgs, func(i, j int) bool { return pep503.Normalize(pkgs[i].Name) < pep503.Normalize(pkgs[j].Name) })
	var routes []Route
	for _, p := range pkgs {
		if p.Index == "" {
			continue
		}
		ix := s.byURL(p.Index)
		if ix == nil {
			name := ""
			for _, ref := range l.Indexes {
				if SameURL(ref.URL, p.Index) && s.byName(ref.Name) == nil {
					name = ref.Name
				}
			}
			if _, err := s.add(Index{Name: name, URL: p.Index, Origin: origin}); err != nil {
				return err
			}
			ix = s.byURL(p.Index)
		}
		routes = append(routes, Route{Pattern: pep503.Normalize(p.Name), Index: ix.Name, Origin: origin})
	}
	s.routes = append(routes, s.routes...)
	s.trusted = append(s.trusted, l.TrustedHosts...)
	s.survey = s.survey || (len(s.indexes) > 1 && s.strategy != UnsafeBestMatch)
	return nil
}

// consume builds the sources for using a lock: each package only from
// the index the lock records for it.
func (s *Sources) consume(f Flags, l *Locked, pip *Pip) error {
	origin := "lock " + l.Path
	for _, ref := range l.Indexes {
		if !validName(ref.Name) {
			return fmt.Errorf("%s: index name %q: want 1 to %d letters, digits, '.', '_' or '-'", l.Path, ref.Name, maxNameLen)
		}
		if _, err := s.add(Index{Name: ref.Name, URL: ref.URL, Origin: origin}); err != nil {
			return err
		}
	}
	if l.IndexURL != "" && !l.NoIndex {
		if _, err := s.add(Index{URL: l.IndexURL, Origin: origin}); err != nil {
			return err
		}
	}
	for _, u := range l.ExtraIndexURLs {
		if _, err := s.add(Index{URL: u, Extra: true, Origin: origin}); err != nil {
			return err
		}
	}
	pkgs := slices.Clone(l.Packages)
	sort.SliceStable(pkgs, func(i, j int) bool { return pep503.Normalize(pkgs[i].Name) < pep503.Normalize(pkgs[j].Name) })
	// A package locked from a --find-links location ("# from DIR") is
	// found through the lock's find-links, added below, not as an index.
	fromLinks := func(u string) bool {
		return slices.ContainsFunc(l.FindLinks, func(fl string) bool { return SameURL(fl, u) })
	}
	for _, p := range pkgs {
		if p.Index != "" && !fromLinks(p.Index) && s.byURL(p.Index) == nil {
			if _, err := s.add(Index{URL: p.Index, Origin: origin}); err != nil {
				return err
			}
		}
	}
	for _, p := range pkgs {
		if p.Index != "" && !fromLinks(p.Index) {
			s.routes = append(s.routes, Route{Pattern: pep503.Normalize(p.Name), Index: s.byURL(p.Index).Name, Origin: origin})
		}
	}
	recorded := len(s.indexes) > 0
	for _, spec := range f.Indexes {
		name, u, err := parseNamed(spec)
		if err != nil {
			return err
		}
		if !recorded {
			if _, err := s.add(Index{Name: name, URL: u, Origin: "--index"}); err != nil {
				return err
			}
			continue
		}
		ix := s.byName(name)
		if ix == nil {
			return fmt.Errorf("--index %s=%s: %s records no index named %q (its indexes: %s); a flag can add credentials or a mirror to a recorded index, not re-route packages", name, redact.URLs(u), l.Path, name, s.names())
		}
		if !SameURL(ix.URL, u) {
			ix.Mirror, ix.recorded = true, ix.URL
		}
		ix.URL, ix.Origin = u, "--index"
	}
	mains := slices.Clone(f.ExtraIndexURLs)
	if f.IndexURL != "" {
		mains = append([]string{f.IndexURL}, mains...)
	}
	for _, u := range mains {
		if !recorded {
			if _, err := s.add(Index{URL: u, Origin: "--index-url"}); err != nil {
				return err
			}
			continue
		}
		ix := s.byURL(u)
		if ix == nil {
			return fmt.Errorf("--index-url %s: %s records where each package comes from (%s); a flag cannot send them to another index. For a mirror of a recorded index, pass --index NAME=%s", redact.URLs(u), l.Path, s.names(), redact.URLs(u))
		}
		ix.URL = u // adds the flag's credentials
	}
	if len(s.indexes) == 0 && !l.NoIndex && !l.FilesByURL {
		// The lock names no index (pip-compile without --index-url):
		// whatever pip would use.
		main, mainOrigin := DefaultIndexURL, "default"
		if pip.IndexURL != nil && len(pip.IndexURL.Values) > 0 {
			main, mainOrigin = pip.IndexURL.Values[len(pip.IndexURL.Values)-1], pip.IndexURL.Origin
		}
		if _, err := s.add(Index{URL: main, Origin: mainOrigin}); err != nil {
			return err
		}
		for _, u := range pip.ExtraIndexURL.values() {
			if _, err := s.add(Index{URL: u, Extra: true, Origin: pip.ExtraIndexURL.Origin}); err != nil {
				return err
			}
		}
	}
	// Credentials in pip's configuration for a recorded index.
	for _, u := range append(pip.IndexURL.values(), pip.ExtraIndexURL.values()...) {
		if ix := s.byURL(u); ix != nil && !ix.Mirror && hasUserinfo(u) && !hasUserinfo(ix.URL) {
			ix.URL = u
		}
	}
	links := append(slices.Clone(l.FindLinks), f.FindLinks...)
	if len(links) == 0 {
		links = pip.FindLinks.values()
	}
	for _, u := range links {
		if _, err := s.add(Index{URL: u, FindLinks: true, Origin: "--find-links"}); err != nil {
			return err
		}
	}
	s.trusted = append(append(slices.Clone(l.TrustedHosts), f.TrustedHosts...), pip.TrustedHost.values()...)
	for _, spec := range f.IndexFor {
		pattern, name, ok := strings.Cut(spec, "=")
		if !ok || pattern == "" || name == "" {
			return fmt.Errorf("--index-for %q: want PATTERN=NAME", spec)
		}
		if s.byName(name) == nil {
			return fmt.Errorf("--index-for %q: no index named %q (configured: %s)", spec, name, s.names())
		}
		var p index.Policy
		if err := p.Pin(pattern, name); err != nil {
			return err
		}
		for _, r := range s.routes {
			if r.Origin == origin && r.Index != name {
				if got, _ := p.PinnedSource(r.Pattern); got == name {
					return fmt.Errorf("--index-for %q: %s records %s from index %s; a flag cannot re-route a locked package", spec, l.Path, r.Pattern, r.Index)
				}
			}
		}
		s.routes = append(s.routes, Route{Pattern: pattern, Index: name, Origin: "--index-for"})
	}
	if len(s.indexes) == 0 {
		if !l.FilesByURL {
			return fmt.Errorf("%s: no package source: the lock says --no-index and no --find-links was given", l.Path)
		}
		// Files without a URL are looked for next to the lock.
		dir, err := filepath.Abs(filepath.Dir(l.Path))
		if err != nil {
			return err
		}
		s.indexes = append(s.indexes, Index{Name: "lock-dir", URL: dir, FindLinks: true, Origin: origin})
	}
	s.strategy = FirstIndex
	for _, ix := range s.indexes {
		// Packages the lock records no index for may be on any of the
		// lock's indexes, as pip merges them; their hashes are pinned, so
		// no index can substitute other bytes.
		s.merge = s.merge || ix.Extra
	}
	return nil
}

// Warnings are what the user should be told about the configuration.
func (s *Sources) Warnings() []string { return slices.Clone(s.warnings) }

// HTTPCacheDir is the index client's cache directory ("" when caching is
// off): the same for every command.
func (s *Sources) HTTPCacheDir() string {
	if s.cacheDir == "" {
		return ""
	}
	return filepath.Join(s.cacheDir, "http")
}

// Mirrored reports whether packages recorded from the index at lockURL
// are to be looked up by name on a mirror given by a flag, instead of
// fetched from the file URLs the lock records.
func (s *Sources) Mirrored(lockURL string) bool {
	for _, ix := range s.indexes {
		if ix.Mirror && SameURL(ix.recorded, lockURL) {
			return true
		}
	}
	return false
}

// URLs maps each index name to its URL (for lock.Options.SourceURLs; the
// lock writers remove credentials).
func (s *Sources) URLs() map[string]string {
	m := make(map[string]string, len(s.indexes))
	for _, ix := range s.indexes {
		m[ix.Name] = ix.URL
	}
	return m
}

// ClientOptions are the index client settings that are not about sources.
type ClientOptions struct {
	UserAgent  string
	HTTPClient *http.Client
	Getenv     func(string) string // nil: os.Getenv
	Logf       func(format string, args ...any)
	NoCache    bool
}

// Client returns an index client for these sources.
func (s *Sources) Client(o ClientOptions) (*index.Client, error) {
	policy, err := s.policy()
	if err != nil {
		return nil, err
	}
	return s.client(s.indexes, policy, o)
}

// ClientFor returns a client for the one index at u, named and credentialed
// as the configured index with that URL when there is one.
func (s *Sources) ClientFor(u string, o ClientOptions) (*index.Client, error) {
	ix := Index{Name: DeriveName(u), URL: u, FindLinks: !strings.Contains(u, "://")}
	if have := s.byURL(u); have != nil {
		ix.Name, ix.URL = have.Name, have.URL
	}
	return s.client([]Index{ix}, index.Policy{}, o)
}

func (s *Sources) client(ixs []Index, policy index.Policy, o ClientOptions) (*index.Client, error) {
	var srcs []index.Source
	for _, ix := range ixs {
		srcs = append(srcs, index.Source{Name: ix.Name, URL: ix.URL, FindLinks: ix.FindLinks})
	}
	cacheDir := s.HTTPCacheDir()
	if o.NoCache {
		cacheDir = ""
	}
	return index.New(index.Options{
		Sources: srcs, Policy: policy, HTTPClient: o.HTTPClient, UserAgent: o.UserAgent,
		CacheDir: cacheDir, NoCache: cacheDir == "", Offline: s.offline,
		TrustedHosts: slices.Clone(s.trusted), Getenv: o.Getenv, Logf: o.Logf,
	})
}

func (s *Sources) policy() (index.Policy, error) {
	p := index.Policy{Survey: s.survey}
	if s.strategy == UnsafeBestMatch || s.merge {
		p.Mode = index.MergeAll
	}
	for _, r := range s.routes {
		if err := p.Pin(r.Pattern, r.Index); err != nil {
			return p, fmt.Errorf("%s: %w", r.Origin, err)
		}
	}
	return p, nil
}

// Key describes the sources for cache keys (lock.MemoKey): every index
// with its name, URL without credentials and kind, the routes, the
// strategy and the trusted hosts.
func (s *Sources) Key() string {
	var b strings.Builder
	for _, ix := range s.indexes {
		fmt.Fprintf(&b, "index %s %s links=%v extra=%v mirror=%v\n", ix.Name, ix.Display(), ix.FindLinks, ix.Extra, ix.Mirror)
	}
	for _, r := range s.routes {
		fmt.Fprintf(&b, "route %s %s\n", r.Pattern, r.Index)
	}
	fmt.Fprintf(&b, "strategy %s survey=%v merge=%v\ntrusted %s\n", s.strategy, s.survey, s.merge, strings.Join(s.trusted, " "))
	return b.String()
}
