package sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/reqfile"
	"github.com/pyward/pyward/internal/tomlbudget"
)

// Entry is one locked distribution as sync needs it.
type Entry struct {
	Name    string // as written
	Version string
	Marker  *pep508.Marker // nil: always installed
	Origin  string         // "file:line" (or "file: package name") for messages

	// Files are the artifacts the lock names (pylock.toml), with URLs.
	Files []lockfile.File
	// Hashes are the accepted sha256 digests (hex) when the lock names no
	// files (hashed requirements.txt): any file of Name==Version on the
	// configured sources whose sha256 is listed may be installed.
	Hashes []string
	// Direct is set for a direct URL requirement (name @ url, or a pylock
	// archive); Files then holds that one file.
	Direct bool
	// RequiresPython of the package ("" when not given).
	RequiresPython string
	// Index is the URL of the index the lock records for the package ("" when
	// it records none): the package is fetched from there only.
	Index string
	// Identities are the publishers the lock records for the package
	// (PEP 751 attestation-identities; requirements.txt "# pyward:
	// attestation-identity" comments).
	Identities []lockfile.AttestationIdentity

	line int // of a requirements lock's entry in the lock itself
}

// Lock is a lock file reduced to what sync installs.
type Lock struct {
	Path           string
	Format         string // "pylock" or "requirements"
	RequiresPython string
	// Environments are the PEP 751 environments markers of a pylock: the
	// interpreter must match one (none: any interpreter).
	Environments []string
	Entries      []Entry
	// Options from a requirements lock.
	IndexURL       string
	ExtraIndexURLs []string
	FindLinks      []string
	TrustedHosts   []string
	NoIndex        bool
	Indexes        []lockfile.IndexRef // index names the lock records
	// Extras, DependencyGroups and DefaultGroups are a pylock's top-level
	// lists (PEP 751): what a Selection may name, and the groups installed
	// by default.
	Extras           []string
	DependencyGroups []string
	DefaultGroups    []string
}

// ErrInvalidLock is wrapped by LockError.
var ErrInvalidLock = errors.New("lock refused")

// LockError lists every entry of a lock that violates the strict rules.
type LockError struct {
	Path     string
	Problems []string // "origin: problem"
}

func (e *LockError) Error() string {
	return fmt.Sprintf("%s: %d problem(s):\n  %s", e.Path, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Is matches ErrInvalidLock.
func (e *LockError) Is(target error) bool { return target == ErrInvalidLock }

// DefaultLock returns the lock file to use in dir when none is named:
// pylock.toml if present, else requirements.txt.
func DefaultLock(dir string) (string, error) {
	for _, name := range []string{"pylock.toml", "requirements.txt"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no lock file: neither pylock.toml nor requirements.txt in %s (name one)", dir)
}

// LoadLock reads a pylock.toml (PEP 751; any file named pylock.toml or
// pylock.*.toml, or ending in .toml) or a hashed requirements file, and
// checks the strict rules: every entry pinned with == to one version and
// carrying at least one sha256 hash, no editable or path requirements.
// All violations are reported together.
func LoadLock(ctx context.Context, file string) (*Lock, error) {
	base := filepath.Base(file)
	if strings.HasSuffix(base, ".toml") {
		data, err := tomlbudget.ReadFile(file)
		if errors.Is(err, tomlbudget.ErrLimit) {
			return nil, fmt.Errorf("%w: %w", ErrInvalidLock, err)
		}
		if err != nil {
			return nil, err
		}
		l, err := lockfile.ParsePylock(file, data)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidLock, err)
		}
		return fromPylock(file, l)
	}
	f, err := reqfile.ParseFile(ctx, file, reqfile.Options{})
	if err != nil {
		var pe *reqfile.Error
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%w: %w", ErrInvalidLock, err)
		}
		return nil, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	rs, err := lockfile.ReadRequirementsSources(file, data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidLock, err)
	}
	l, err := fromRequirements(file, f)
	if err != nil {
		return nil, err
	}
	l.Indexes = rs.Indexes
	l.RequiresPython = rs.RequiresPython
	for i := range l.Entries {
		if e := &l.Entries[i]; e.line > 0 {
			e.Index = rs.From[e.line]
			e.Identities = rs.Identities[e.line]
		}
	}
	return l, nil
}

func fromPylock(file string, l *lockfile.Lock) (*Lock, error) {
	out := &Lock{Path: file, Format: "pylock", RequiresPython: l.RequiresPython, Environments: l.Environments, Extras: l.Extras, DependencyGroups: l.DependencyGroups, DefaultGroups: l.DefaultGroups, Indexes: l.Indexes,
		TrustedHosts: l.TrustedHosts}
	var problems []string
	for _, p := range l.Packages {
		origin := fmt.Sprintf("%s:%d: %s", file, p.Line, p.Name)
		if p.Line == 0 {
			origin = fmt.Sprintf("%s: %s", file, p.Name)
		}
		e := Entry{Name: p.Name, Version: p.Version, Origin: origin, RequiresPython: p.RequiresPython, Index: p.Index,
			Identities: p.AttestationIdentities}
		if p.Marker != "" {
			m, err := pep508.ParseMarker(p.Marker)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: marker: %v", origin, err))
				continue
			}
			e.Marker = m
		}
		if p.Version == "" {
			problems = append(problems, fmt.Sprintf("%s: no version: every entry must be pinned to one version", origin))
		}
		if p.Archive != nil {
			e.Direct = true
			e.Files = []lockfile.File{*p.Archive}
		} else {
			e.Files = p.Files()
		}
		if len(e.Files) == 0 {
			problems = append(problems, fmt.Sprintf("%s: no files (a vcs or directory entry cannot be verified by hash)", origin))
			continue
		}
		if !slices.ContainsFunc(e.Files, func(f lockfile.File) bool { return validSHA256(f.Hashes["sha256"]) }) {
			problems = append(problems, fmt.Sprintf("%s: no sha256 hash: every entry needs at least one", origin))
		}
		out.Entries = append(out.Entries, e)
	}
	if len(problems) > 0 {
		return nil, &LockError{Path: file, Problems: problems}
	}
	return out, nil
}

func fromRequirements(file string, f *reqfile.File) (*Lock, error) {
	out := &Lock{Path: file, Format: "requirements", IndexURL: f.IndexURL, ExtraIndexURLs: f.ExtraIndexURLs,
		FindLinks: f.FindLinks, TrustedHosts: f.TrustedHosts, NoIndex: f.NoIndex}
	var problems []string
	seen := map[string]string{}
	for _, r := range f.Requirements {
		origin := r.Origin.String()
		if r.Editable {
			problems = append(problems, fmt.Sprintf("%s: %s: editable requirements cannot be hash-checked", origin, r.Raw))
			continue
		}
		if r.Req == nil {
			problems = append(problems, fmt.Sprintf("%s: %s: a bare URL or path is not a pinned, named requirement", origin, r.Raw))
			continue
		}
		e := Entry{Name: r.Req.Name, Origin: origin, Marker: r.Marker}
		if r.Origin.File == file {
			e.line = r.Origin.Line
		}
		if e.Marker == nil {
			e.Marker = r.Req.Marker
		}
		for _, h := range r.Hashes {
			alg, hexd, _ := strings.Cut(h, ":")
			if alg == "sha256" && validSHA256(hexd) {
				e.Hashes = append(e.Hashes, hexd)
			}
		}
		if len(e.Hashes) == 0 {
			problems = append(problems, fmt.Sprintf("%s: %s: no --hash=sha256:... (every entry needs at least one sha256)", origin, r.Raw))
		}
		if r.Req.URL != "" {
			e.Direct = true
			u := r.Req.URL
			name := path.Base(strings.SplitN(strings.SplitN(u, "#", 2)[0], "?", 2)[0])
			e.Files = []lockfile.File{{Name: name, URL: u, Hashes: map[string]string{"sha256": firstOr(e.Hashes)}}}
			// The version comes from the file name.
			if v := versionFromFilename(name); v != "" {
				e.Version = v
			} else {
				problems = append(problems, fmt.Sprintf("%s: %s: cannot tell the version of %s", origin, r.Raw, name))
			}
		} else {
			v, ok := r.Req.Specifier.ExactVersion()
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: %s: not pinned (want exactly one ==VERSION)", origin, r.Raw))
			}
			e.Version = v
		}
		key := pep503.Normalize(e.Name)
		if prev, dup := seen[key]; dup && e.Marker == nil {
			problems = append(problems, fmt.Sprintf("%s: %s: listed again (first at %s)", origin, r.Raw, prev))
			continue
		}
		seen[key] = origin
		out.Entries = append(out.Entries, e)
	}
	if len(problems) > 0 {
		return nil, &LockError{Path: file, Problems: problems}
	}
	return out, nil
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
