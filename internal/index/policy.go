package index

import (
	"fmt"
	"path"
	"strings"

	"github.com/pyward/pyward/internal/pep503"
)

// Source is one package location: a PEP 503/691 simple index (http(s):// or
// file://), or with FindLinks a --find-links location (a local directory, a
// file:// directory, or an http(s) HTML page of links).
type Source struct {
	Name      string // short name used in errors, pins and credentials env vars
	URL       string // index URL (".../simple/") or find-links location
	FindLinks bool
}

// Mode selects how sources are combined for a project that no pin covers.
type Mode int

const (
	// FirstMatch (the default) takes a project from the first source, in
	// order, that has it. A name found on an earlier source is never taken
	// from a later one, so a public index cannot shadow an internal project
	// (dependency confusion). An error other than 404 from a source stops
	// the lookup: falling through to the next source on an outage would
	// reopen that hole.
	FirstMatch Mode = iota
	// MergeAll merges the files of every source that has the project, like
	// pip's --extra-index-url. It is dangerous (any source can publish a
	// higher version of an internal name); callers should warn when using it.
	MergeAll
)

// Policy is the index-selection policy: which sources may provide which
// project. Pins come first: a project whose normalized name matches a pin's
// pattern is only ever looked up on the pinned source, whatever the Mode.
type Policy struct {
	Mode Mode
	// Survey, with FirstMatch, still asks every later source for a project
	// the first one has, and records each source that also has it
	// (Client.Overlaps) without using its files. Pinned projects are never
	// surveyed: they are asked of their source only.
	Survey bool
	pins   []pin
}

type pin struct{ pattern, source string }

// Pin restricts projects whose normalized name matches the glob pattern
// (path.Match syntax, compared after PEP 503 normalization of both sides,
// e.g. "corp-*") to the named source. Earlier pins take precedence.
func (p *Policy) Pin(pattern, source string) error {
	np := normalizePattern(pattern)
	if _, err := path.Match(np, ""); err != nil {
		return fmt.Errorf("index pin %q: %w", pattern, err)
	}
	if source == "" {
		return fmt.Errorf("index pin %q: empty source name", pattern)
	}
	p.pins = append(p.pins, pin{np, source})
	return nil
}

// normalizePattern applies PEP 503 normalization to the literal parts of a
// glob: lower case, and runs of '-', '_', '.' become '-'.
func normalizePattern(s string) string {
	var b strings.Builder
	prevSep := false
	for _, r := range strings.ToLower(s) {
		if r == '-' || r == '_' || r == '.' {
			if !prevSep {
				b.WriteByte('-')
			}
			prevSep = true
			continue
		}
		prevSep = false
		b.WriteRune(r)
	}
	return b.String()
}

// PinnedSource returns the source a project is pinned to, if any.
func (p Policy) PinnedSource(name string) (string, bool) {
	norm := pep503.Normalize(name)
	for _, pn := range p.pins {
		if ok, _ := path.Match(pn.pattern, norm); ok {
			return pn.source, true
		}
	}
	return "", false
}

// candidates returns the sources to consult for name, in order.
func (p Policy) candidates(name string, sources []*source) []*source {
	if s, ok := p.PinnedSource(name); ok {
		for _, src := range sources {
			if src.Name == s {
				return []*source{src}
			}
		}
		return nil // validated in New; unreachable
	}
	return sources
}

func (p Policy) validate(sources []Source) error {
	for _, pn := range p.pins {
		found := false
		for _, s := range sources {
			found = found || s.Name == pn.source
		}
		if !found {
			return fmt.Errorf("index pin %q names unknown source %q", pn.pattern, pn.source)
		}
	}
	return nil
}
