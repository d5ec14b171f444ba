package resolve

import (
	"context"
	"errors"
	"time"

	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
)

// ErrNotFound is wrapped by Provider.Versions when the project does not exist
// on the index. The resolver treats such a project as having no versions (so
// it can backtrack away from whatever needs it); any other provider error
// aborts resolution.
var ErrNotFound = errors.New("project not found")

// ErrNoMetadata is wrapped by Provider.Dependencies when a release's
// dependencies cannot be known without running code (an sdist whose
// metadata is dynamic, PEP 643). The resolver then treats the release as
// unusable, says so in Resolution.Warnings, and tries other releases.
var ErrNoMetadata = errors.New("metadata not available without building")

// FileKind says whether a File is a wheel or a source distribution.
type FileKind int

// The kinds of distribution files.
const (
	Wheel FileKind = iota + 1
	Sdist
)

// File is one distribution file of a release.
type File struct {
	Filename       string
	URL            string
	Hashes         map[string]string // algorithm → hex digest
	RequiresPython string            // PEP 345 Requires-Python as listed by the index; "" if none
	Yanked         bool
	YankedReason   string
	Kind           FileKind
	Tags           []pep425.Tag // wheels: the expanded compatibility tags of the file name
	Size           int64
	UploadTime     time.Time
	// Data is opaque provider data (IndexProvider's: the *index.File)
	// handed back to Provider.Dependencies.
	Data any
}

// Candidate is one release of a project: a version and its files.
type Candidate struct {
	Name    string // project name as the provider spells it
	Version pep440.Version
	Files   []*File
	// URL is set for a candidate that comes from a direct URL requirement
	// (`name @ url`).
	URL string
}

// Dependencies is what the resolver needs from a release's core metadata.
type Dependencies struct {
	Requires       []*pep508.Requirement // Requires-Dist, with markers
	RequiresPython string                // Requires-Python; "" if absent
	ProvidesExtra  []string
}

// Provider is the resolver's view of a package index. Implementations must
// be safe for concurrent use (the resolver calls them from prefetch
// goroutines as well as from the solver) and must return promptly when ctx
// is cancelled (Resolve waits for speculative calls before returning). They
// need not cache: the resolver memoizes every answer for the duration of
// one resolution.
type Provider interface {
	// Versions returns every release of the project (name is PEP 503
	// normalized), in any order. A missing project is an error wrapping
	// ErrNotFound.
	Versions(ctx context.Context, name string) ([]*Candidate, error)
	// Dependencies returns the metadata of a release, read from file f (the
	// artifact the resolver would install: the best-ranked compatible wheel,
	// else the sdist).
	Dependencies(ctx context.Context, c *Candidate, f *File) (*Dependencies, error)
}

// ChoiceObserver is implemented by providers that want to know which
// releases the solver itself turns to, as opposed to the prefetcher's
// speculative reads: lock starts fetching their provenance then, in
// parallel with their metadata.
type ChoiceObserver interface {
	// Considering is called each time the solver asks for the requirements
	// of release c, before they are read; c may still be given up by
	// backtracking. It must not block.
	Considering(c *Candidate)
}

// URLProvider is implemented by providers that can resolve direct URL
// requirements (`name @ https://...`). The returned candidate pins the
// project to that single artifact.
type URLProvider interface {
	FromURL(ctx context.Context, name, url string) (*Candidate, error)
}
