package audit

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/index"
)

// ClientFactory returns an index client for one index URL (or find-links
// location).
type ClientFactory func(indexURL string) (*index.Client, error)

// IndexLookups answers the status, yanked and upload-time questions from
// the index each package was locked from (DefaultIndex when the lock does
// not say), reusing one client per index.
type IndexLookups struct {
	NewClient    ClientFactory
	DefaultIndex string

	mu      sync.Mutex
	clients map[string]*index.Client
}

func (l *IndexLookups) client(indexURL string) (*index.Client, error) {
	if indexURL == "" {
		indexURL = l.DefaultIndex
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.clients[indexURL]; ok {
		return c, nil
	}
	c, err := l.NewClient(indexURL)
	if err != nil {
		return nil, err
	}
	if l.clients == nil {
		l.clients = map[string]*index.Client{}
	}
	l.clients[indexURL] = c
	return c, nil
}

// Close waits for the clients' cache writes (see index.Client.Close).
func (l *IndexLookups) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.clients {
		c.Close()
	}
	return nil
}

// ProjectInfo implements ProjectSource.
func (l *IndexLookups) ProjectInfo(ctx context.Context, name, indexURL string) (*ProjectInfo, error) {
	c, err := l.client(indexURL)
	if err != nil {
		return nil, err
	}
	proj, err := c.Project(ctx, name)
	if errors.Is(err, index.ErrNotFound) {
		return nil, nil // nothing to say about a project the index does not have
	}
	if err != nil {
		return nil, err
	}
	return projectInfo(proj), nil
}

// projectInfo folds an index page into per-version facts: a version is
// yanked when every one of its files is (PEP 592), and its upload time is
// that of its earliest file.
func projectInfo(p *index.Project) *ProjectInfo {
	info := &ProjectInfo{Status: p.Status, StatusReason: p.StatusReason, Releases: map[string]ReleaseInfo{}}
	allYanked := map[string]bool{}
	for _, f := range p.Files {
		df, err := dist.ParseFilename(f.Filename)
		if err != nil {
			continue
		}
		v := normalizeVersion(df.Version.String())
		rel := info.Releases[v]
		if y, seen := allYanked[v]; !seen {
			allYanked[v] = f.Yanked
		} else {
			allYanked[v] = y && f.Yanked
		}
		if f.Yanked && rel.YankedReason == "" {
			rel.YankedReason = f.YankedReason
		}
		if !f.UploadTime.IsZero() && (rel.UploadTime.IsZero() || f.UploadTime.Before(rel.UploadTime)) {
			rel.UploadTime = f.UploadTime
		}
		info.Releases[v] = rel
	}
	for v, y := range allYanked {
		rel := info.Releases[v]
		rel.Yanked = y
		info.Releases[v] = rel
	}
	return info
}

// LivePublicIndex answers dependency-confusion look-ups from a public index
// over the simple API.
type LivePublicIndex struct {
	Client *index.Client
}

// Lookup implements PublicIndex.
func (l *LivePublicIndex) Lookup(ctx context.Context, name string) (PublicProject, error) {
	proj, err := l.Client.Project(ctx, name)
	if errors.Is(err, index.ErrNotFound) {
		return PublicProject{}, nil
	}
	if err != nil {
		return PublicProject{}, err
	}
	out := PublicProject{Exists: true, SHA256: map[string]bool{}}
	seen := map[string]bool{}
	for _, f := range proj.Files {
		if h := strings.ToLower(f.Hashes["sha256"]); h != "" {
			out.SHA256[h] = true
		}
		if df, err := dist.ParseFilename(f.Filename); err == nil {
			if v := df.Version.String(); !seen[v] {
				seen[v] = true
				out.Versions = append(out.Versions, v)
			}
		}
	}
	out.Versions = append(out.Versions, proj.Versions...)
	return out, nil
}
