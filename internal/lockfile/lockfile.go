// Package lockfile models a resolved, hashed lock and reads and writes it in
// two formats:
//
//   - requirements.txt as pip-compile --generate-hashes writes it: one
//     "name==version" line per package (with " ; marker" where needed),
//     followed by one "--hash=sha256:..." continuation line per file of that
//     version on the index (every platform, so the lock installs anywhere),
//     and "# via" annotations. pip accepts it with
//     "pip install --require-hashes --no-deps -r".
//     Where packages come from: "--index-url URL" when one index supplies
//     every package, "--find-links" and "--no-index" lines, and under each
//     package a "# from URL" comment naming its index. With several
//     indexes the header lists them as "# pyward: index NAME=URL" lines
//     (also when a single index has a name other than sources.DeriveName's)
//     and no --index-url is written: pyward reads the comments back
//     (ReadRequirementsSources) and fetches each package from its own
//     index; pip ignores them and cannot install such a file safely.
//   - pylock.toml as specified by PEP 751 (lock-version 1.0): top-level
//     lock-version, created-by, requires-python, environments, extras,
//     dependency-groups and default-groups, then one [[packages]] table per
//     package with name, version, marker, requires-python, index,
//     dependencies, [packages.sdist] and [[packages.wheels]] (name, url,
//     upload-time, size, hashes). Index names and trusted hosts are a
//     top-level [tool.pyward] table: indexes = [{ name = "corp", url =
//     "..." }], trusted-hosts = ["host:port"].
//
// Output is deterministic byte for byte: packages are sorted by normalized
// name, files by name, hashes by algorithm. Writers never read the clock.
//
// ParsePylock reads through internal/tomlbudget: a pylock.toml is refused,
// with an error naming the file, the line and the limit, when it is larger
// than tomlbudget.MaxSize (8 MiB), nests keys deeper than MaxDepth (16
// parts, counting table headers, dotted keys and inline tables) or arrays
// deeper than MaxArrayDepth (16), has a key part longer than MaxKeyLen
// (1 KiB), or more than MaxKeys (150,000) keys, arrays and inline tables.
// A requirements lock has the limits of internal/reqfile, which parses it:
// at most reqfile.MaxFileSize (16 MiB), lines of at most MaxLineLength
// (64 KiB), includes at most MaxIncludeDepth (64) deep.
// ReadRequirementsSources, which reads pyward's comments in it, refuses
// larger data the same way, naming the file and the limit.
package lockfile

import (
	"sort"
	"time"

	"github.com/pyward/pyward/internal/pep503"
)

// PylockVersion is the PEP 751 lock-version this package writes and the
// newest it reads; a lock with a higher major version is refused.
const PylockVersion = "1.0"

// Lock is a resolved set of packages.
type Lock struct {
	CreatedBy        string   // tool that wrote the lock ("pyward")
	Command          string   // command line that produced it, for the header
	RequiresPython   string   // specifier set the lock was resolved for
	Environments     []string // PEP 508 markers the lock is valid for
	Extras           []string
	DependencyGroups []string
	DefaultGroups    []string
	Packages         []Package
	// Package sources written as pip options at the top of a requirements
	// lock, so pip and pyward sync find the files without extra flags.
	// Only set when they describe every package (one index, find-links).
	IndexURL  string
	FindLinks []string
	NoIndex   bool
	// Indexes names the indexes packages come from, so every command
	// names them (and finds their credentials) the same way. Written as
	// "# pyward: index NAME=URL" lines (requirements) or [tool.pyward]
	// indexes (pylock); URLs never carry credentials.
	Indexes []IndexRef
	// TrustedHosts may be reached over plain http:// (the lock's
	// --trusted-host lines, or [tool.pyward] trusted-hosts).
	TrustedHosts []string
}

// IndexRef is a named index recorded in a lock.
type IndexRef struct {
	Name string
	URL  string
}

// Package is one locked distribution.
type Package struct {
	Name           string // as published; compared after PEP 503 normalization
	Version        string
	Marker         string // PEP 508 marker, "" when always needed
	RequiresPython string
	Index          string   // simple-API URL of the index the files come from
	Dependencies   []string // normalized names this package depends on
	Via            []string // who required it: package names or "-r file" origins
	// Extras are the extras the lock's inputs ask of the package (PEP 685
	// normalized, sorted), so that lock --check sees an input change from
	// "requests" to "requests[socks]". A requirements lock writes them as
	// pip-compile does, "requests[socks]==2.32.3"; a pylock.toml under
	// [packages.tool.pyward].
	Extras  []string
	Sdist   *File
	Wheels  []File
	Archive *File // a direct URL requirement ("name @ url")
	Line    int   // 1-based line in the file it was read from, 0 when built
	// AttestationIdentities are the publishers whose PEP 740 provenance
	// verified for the package's files; empty when the index served none.
	AttestationIdentities []AttestationIdentity
	// PublisherChange records a publisher change accepted with
	// --allow-publisher-change: what the previous lock had ("none" when it
	// had no provenance) and the version it had it for.
	PublisherChange string
}

// File is one artifact of a locked package.
type File struct {
	Name       string
	URL        string
	Size       int64 // 0 when unknown
	UploadTime time.Time
	Hashes     map[string]string // algorithm -> lower-case hex digest
}

// Files returns every artifact of p: sdist, wheels and archive.
func (p *Package) Files() []File {
	var out []File
	if p.Sdist != nil {
		out = append(out, *p.Sdist)
	}
	out = append(out, p.Wheels...)
	if p.Archive != nil {
		out = append(out, *p.Archive)
	}
	return out
}

// NormalizedName is the PEP 503 form of p.Name.
func (p *Package) NormalizedName() string { return pep503.Normalize(p.Name) }

// Find returns the package with the given name (any spelling), or nil.
func (l *Lock) Find(name string) *Package {
	n := pep503.Normalize(name)
	for i := range l.Packages {
		if l.Packages[i].NormalizedName() == n {
			return &l.Packages[i]
		}
	}
	return nil
}

// Forked returns the projects a universal lock pins more than once
// (several versions under disjoint markers), by normalized name, with
// their entries in lock order.
func (l *Lock) Forked() map[string][]*Package {
	by := map[string][]*Package{}
	for i := range l.Packages {
		n := l.Packages[i].NormalizedName()
		by[n] = append(by[n], &l.Packages[i])
	}
	for n, ps := range by {
		if len(ps) < 2 {
			delete(by, n)
		}
	}
	return by
}

// Sort puts packages, files and lists in the canonical order used by the
// writers, so equal locks serialize to equal bytes.
func (l *Lock) Sort() {
	sort.SliceStable(l.Packages, func(i, j int) bool {
		a, b := l.Packages[i].NormalizedName(), l.Packages[j].NormalizedName()
		if a != b {
			return a < b
		}
		return l.Packages[i].Marker < l.Packages[j].Marker
	})
	for i := range l.Packages {
		p := &l.Packages[i]
		sort.Slice(p.Wheels, func(a, b int) bool { return p.Wheels[a].Name < p.Wheels[b].Name })
		p.Dependencies = sortedUnique(p.Dependencies)
		p.Via = sortedUnique(p.Via)
		sort.SliceStable(p.AttestationIdentities, func(a, b int) bool {
			return p.AttestationIdentities[a].String() < p.AttestationIdentities[b].String()
		})
	}
	l.Extras = sortedUnique(l.Extras)
	l.DependencyGroups = sortedUnique(l.DependencyGroups)
	l.DefaultGroups = sortedUnique(l.DefaultGroups)
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return in
	}
	out := append([]string(nil), in...)
	sort.Strings(out)
	j := 0
	for i := range out {
		if i == 0 || out[i] != out[j-1] {
			out[j] = out[i]
			j++
		}
	}
	return out[:j]
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
