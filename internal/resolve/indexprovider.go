package resolve

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/metadata"
)

// IndexProvider is a Provider backed by an index.Client (PEP 503/691 simple
// indexes, PEP 658 metadata). The client memoizes and deduplicates
// requests, so the resolver's prefetcher can call it freely.
type IndexProvider struct {
	client *index.Client
}

// NewIndexProvider returns a Provider reading from c.
func NewIndexProvider(c *index.Client) *IndexProvider { return &IndexProvider{client: c} }

// Versions implements Provider: the project's files grouped by version.
// Files whose names are not valid wheel or sdist names (eggs, installers,
// legacy names) are skipped, as pip skips them. Each File's Data is an
// *index.File pointing into the client's shared Project (one small
// pointer per file rather than a boxed copy of the record): it must never
// be modified.
func (p *IndexProvider) Versions(ctx context.Context, name string) ([]*Candidate, error) {
	proj, err := p.client.Project(ctx, name)
	if errors.Is(err, index.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	if err != nil {
		return nil, err
	}
	byVersion := map[string]*Candidate{}
	var out []*Candidate
	for i := range proj.Files {
		df, err := proj.Dist(i) // parsed by the look-up already
		file, ok := fileFrom(&proj.Files[i], df, err)
		if !ok || df.Name != proj.Name {
			continue
		}
		key := df.Version.String()
		c := byVersion[key]
		if c == nil {
			c = &Candidate{Name: proj.Name, Version: df.Version}
			byVersion[key] = c
			out = append(out, c)
		}
		c.Files = append(c.Files, file)
	}
	return out, nil
}

// convertFile turns an index file into a resolver File.
func convertFile(f *index.File) (*File, dist.File, bool) {
	df, err := dist.ParseFilename(f.Filename)
	file, ok := fileFrom(f, df, err)
	return file, df, ok
}

// fileFrom is convertFile for a file whose name is already parsed (df,
// err from dist.ParseFilename).
func fileFrom(f *index.File, df dist.File, err error) (*File, bool) {
	if err != nil {
		return nil, false
	}
	file := &File{
		Filename: f.Filename, URL: f.URL, Hashes: f.Hashes, RequiresPython: f.RequiresPython,
		Yanked: f.Yanked, YankedReason: f.YankedReason, Size: f.Size, UploadTime: f.UploadTime, Data: f,
	}
	switch df.Kind {
	case dist.Wheel:
		file.Kind, file.Tags = Wheel, df.Wheel.Tags
	case dist.Sdist:
		file.Kind = Sdist
	default:
		return nil, false
	}
	return file, true
}

// Dependencies implements Provider. It reads the core metadata of f; when
// that needs a build (an sdist with dynamic metadata), it falls back to the
// release's wheels, whose metadata is the same for pure-Python projects.
func (p *IndexProvider) Dependencies(ctx context.Context, c *Candidate, f *File) (*Dependencies, error) {
	tries := []*File{}
	if f != nil {
		tries = append(tries, f)
	}
	for _, g := range c.Files {
		if g != f && g.Kind == Wheel {
			tries = append(tries, g)
		}
	}
	var firstErr error
	for _, g := range tries {
		idx := index.File{Filename: g.Filename, URL: g.URL, Hashes: g.Hashes}
		if p, ok := g.Data.(*index.File); ok {
			idx = *p
		}
		md, _, err := p.client.Metadata(ctx, idx)
		if err == nil {
			err = md.Validate()
		}
		if err == nil {
			return toDependencies(md), nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if !errors.Is(err, index.ErrNeedsBuild) {
			break
		}
	}
	if firstErr == nil {
		firstErr = errors.New("no distribution file to read metadata from")
	}
	if errors.Is(firstErr, index.ErrNeedsBuild) {
		return nil, fmt.Errorf("%s %s: %w: %w", c.Name, c.Version, ErrNoMetadata, firstErr)
	}
	return nil, fmt.Errorf("%s %s: %w", c.Name, c.Version, firstErr)
}

func toDependencies(md *metadata.Metadata) *Dependencies {
	return &Dependencies{Requires: md.RequiresDist, RequiresPython: md.RequiresPython.String(), ProvidesExtra: md.ProvidesExtra}
}

// FromURL implements URLProvider for http(s) URLs of wheels and sdists. A
// "#sha256=..." fragment is kept as the expected hash.
func (p *IndexProvider) FromURL(ctx context.Context, name, rawURL string) (*Candidate, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("direct URL %q: %w", rawURL, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("direct URL %q: only http(s) URLs of wheels or sdists are supported", rawURL)
	}
	hashes := map[string]string{}
	if alg, digest, ok := strings.Cut(u.Fragment, "="); ok {
		hashes[strings.ToLower(alg)] = strings.ToLower(digest)
	}
	u.Fragment = ""
	filename := path.Base(u.Path)
	file, df, ok := convertFile(&index.File{Filename: filename, URL: u.String(), Hashes: hashes})
	if !ok {
		return nil, fmt.Errorf("direct URL %q: %q is not a wheel or sdist file name", rawURL, filename)
	}
	if df.Name != name {
		return nil, fmt.Errorf("direct URL %q: file is for project %s, not %s", rawURL, df.Name, name)
	}
	return &Candidate{Name: name, Version: df.Version, Files: []*File{file}, URL: rawURL}, nil
}
