package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/simpleapi"
)

// File is one distribution file of a project, as its simple page lists
// it. It is part of the client's API (Project, Metadata, Download), so
// callers need not import the parser.
type File = simpleapi.File

// Project is the set of files a project has on the selected source(s).
type Project struct {
	Name         string   // PEP 503 normalized
	Files        []File   // in page order (sources in order when merged)
	Versions     []string // PEP 700 "versions" when every source sent it
	Status       string   // PEP 792 ("" when not given)
	StatusReason string
	Index        string // source name; comma-separated when merged

	// dists[i], when i < len(dists) and its Kind is not dist.Unknown, is
	// Files[i].Filename parsed by dist.ParseFilename: the look-up parses
	// every name to check the file's project, and the resolver needs the
	// same parse (version, tags) of every file, thousands per lock.
	dists []dist.File
}

// Dist returns Files[i]'s name parsed as dist.ParseFilename parses it,
// without parsing it again when the look-up kept its parse. The result is
// shared: it must not be modified.
func (p *Project) Dist(i int) (dist.File, error) {
	if i < len(p.dists) && p.dists[i].Kind != dist.Unknown {
		return p.dists[i], nil
	}
	return dist.ParseFilename(p.Files[i].Filename)
}

// fileDist parses a distribution file name (dist.ParseFilename) and
// returns it with the normalized project it belongs to, or "" (and the
// zero dist.File) if it is not a wheel or sdist name.
func fileDist(filename string) (dist.File, string) {
	df, err := dist.ParseFilename(filename)
	if err != nil {
		return dist.File{}, ""
	}
	return df, pep503.Normalize(df.Name)
}

// fileProject returns the normalized project a distribution file name
// belongs to, or "" if it is not a wheel or sdist name.
func fileProject(filename string) string {
	_, name := fileDist(filename)
	return name
}

// Project returns the files of project name chosen by the policy. Results
// (including "not found") are memoized for the client's lifetime and
// concurrent calls share work; the returned Project is shared and must not
// be modified.
func (c *Client) Project(ctx context.Context, name string) (*Project, error) {
	if !pep503.Valid(name) {
		return nil, fmt.Errorf("index: invalid project name %q", name)
	}
	norm := pep503.Normalize(name)
	c.mu.Lock()
	p, missing := c.projects[norm], c.missing[norm]
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	if missing != nil {
		return nil, missing
	}
	v, err := c.flight.shared(ctx, "project\n"+norm, func(ctx context.Context) (any, error) {
		p, err := c.lookup(ctx, norm)
		c.mu.Lock()
		defer c.mu.Unlock()
		var nf *NotFoundError
		switch {
		case err == nil:
			c.projects[norm] = p
		case errors.As(err, &nf):
			c.missing[norm] = err // a resolver asks again; the answer stands for this run
		}
		return p, err
	})
	if err != nil {
		return nil, err
	}
	return v.(*Project), nil
}

func (c *Client) lookup(ctx context.Context, norm string) (*Project, error) {
	cands := c.opts.Policy.candidates(norm, c.sources)
	_, pinned := c.opts.Policy.PinnedSource(norm)
	var merged *Project
	var tried []string
	var first *Project
	var overlap *Overlap
	for _, src := range cands {
		tried = append(tried, src.Name)
		p, err := c.projectFrom(ctx, src, norm)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if pinned || c.opts.Policy.Mode == FirstMatch {
			if pinned || !c.opts.Policy.Survey {
				return p, nil
			}
			if first == nil {
				first = p
				continue
			}
			if overlap == nil {
				overlap = &Overlap{Project: norm, Used: first.Index}
			}
			overlap.Others = append(overlap.Others, p.Index)
			if !sameFiles(first, p) {
				overlap.Differ = append(overlap.Differ, p.Index)
			}
			continue
		}
		if merged == nil {
			merged = p
			continue
		}
		// A file a source before this one lists already (same sha256: a
		// mirror) is kept once, from that source.
		have := make(map[string]bool, len(merged.Files))
		for _, f := range merged.Files {
			have[fileKey(f)] = true
		}
		merged.Files = slices.Clone(merged.Files)
		dists := make([]dist.File, len(merged.Files), len(merged.Files)+len(p.Files))
		copy(dists, merged.dists) // aligned with merged.Files from here on
		for i, f := range p.Files {
			if !have[fileKey(f)] {
				merged.Files = append(merged.Files, f)
				var df dist.File
				if i < len(p.dists) {
					df = p.dists[i]
				}
				dists = append(dists, df)
			}
		}
		merged.dists = dists
		merged.Index += "," + p.Index
		if merged.Versions != nil && p.Versions != nil {
			merged.Versions = unionStrings(merged.Versions, p.Versions)
		} else {
			merged.Versions = nil
		}
		if merged.Status == "" {
			merged.Status, merged.StatusReason = p.Status, p.StatusReason
		}
	}
	if overlap != nil {
		c.mu.Lock()
		c.overlaps[norm] = *overlap
		c.mu.Unlock()
	}
	if first != nil {
		return first, nil
	}
	if merged != nil {
		return merged, nil
	}
	return nil, &NotFoundError{Project: norm, Index: strings.Join(tried, ", ")}
}

// Overlap records a project found on more than one source under
// Policy.Survey: Used supplied its files; Others (in source order) also
// have it, and Differ are those of Others that list a file Used does not
// have (by sha256, or by name when a file has no sha256). A mirror serving
// the same files is in Others but not in Differ.
type Overlap struct {
	Project string // normalized name
	Used    string
	Others  []string
	Differ  []string
}

// Overlaps returns the overlaps recorded so far, sorted by project.
func (c *Client) Overlaps() []Overlap {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Overlap, 0, len(c.overlaps))
	for _, o := range c.overlaps {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Project < out[j].Project })
	return out
}

// sameFiles reports whether every file of b is also a file of a: merging
// b into a would change nothing.
func sameFiles(a, b *Project) bool {
	have := make(map[string]bool, len(a.Files))
	for _, f := range a.Files {
		have[fileKey(f)] = true
	}
	for _, f := range b.Files {
		if !have[fileKey(f)] {
			return false
		}
	}
	return true
}

func fileKey(f File) string {
	if h := f.Hashes["sha256"]; h != "" {
		return "sha256:" + strings.ToLower(h)
	}
	return "name:" + f.Filename
}

func unionStrings(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string(nil), a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// projectFrom reads one source's files for norm.
func (c *Client) projectFrom(ctx context.Context, src *source, norm string) (*Project, error) {
	var pg *simpleapi.Page
	var err error
	if src.FindLinks {
		pg, err = c.findLinksPage(ctx, src)
	} else {
		pg, err = c.simplePage(ctx, src, norm)
	}
	if err != nil {
		return nil, err
	}
	versions := pg.Versions
	if src.FindLinks {
		// A flat list of links knows nothing of versions. The page is
		// shared by concurrent look-ups, so it is never written here.
		versions = nil
	}
	p := &Project{Name: norm, Versions: versions, Status: pg.Status, StatusReason: pg.StatusReason, Index: src.Name}
	if !src.FindLinks && len(pg.Files) > 0 {
		// A project page was parsed for this call alone and lists its own
		// files: they are kept in place, without a second copy.
		p.Files = pg.Files[:0]
		p.dists = make([]dist.File, 0, len(pg.Files))
	}
	for _, f := range pg.Files {
		df, project := fileDist(f.Filename)
		if project != norm {
			if !src.FindLinks {
				c.logf("%s: ignoring %s: not a distribution of %s", src.Name, f.Filename, norm)
			}
			continue
		}
		f.Index = src.Name
		p.Files = append(p.Files, f)
		p.dists = append(p.dists, df)
	}
	if src.FindLinks && len(p.Files) == 0 {
		return nil, &NotFoundError{Project: norm, Index: src.Name}
	}
	return p, nil
}

// simplePage fetches and parses <index>/<norm>/.
func (c *Client) simplePage(ctx context.Context, src *source, norm string) (*simpleapi.Page, error) {
	u := src.u.JoinPath(norm + "/")
	if src.u.Scheme == "file" {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/" // JoinPath drops it on some inputs
	}
	f, err := c.get(ctx, u, acceptSimple, MaxPageSize)
	var he *HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
		return nil, &NotFoundError{Project: norm, Index: src.Name}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	pg, err := simpleapi.Parse(f.body, f.contentType, f.finalURL)
	if err != nil {
		return nil, err
	}
	if pg.Name != "" && pep503.Normalize(pg.Name) != norm {
		return nil, &simpleapi.ParseError{URL: redact(f.finalURL), Msg: fmt.Sprintf("page is for project %q, requested %q", pg.Name, norm)}
	}
	return pg, nil
}

// findLinksPage returns every link of a find-links location (memoized per
// client): a local directory's files, or an HTML page's anchors.
func (c *Client) findLinksPage(ctx context.Context, src *source) (*simpleapi.Page, error) {
	c.mu.Lock()
	pg := c.links[src.Name]
	c.mu.Unlock()
	if pg != nil {
		return pg, nil
	}
	v, err := c.flight.shared(ctx, "links\n"+src.Name, func(ctx context.Context) (any, error) {
		if src.dir != "" {
			return c.listDir(src)
		}
		f, err := c.get(ctx, src.u, "text/html", MaxPageSize)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.Name, err)
		}
		return simpleapi.ParseHTML(f.body, f.finalURL)
	})
	if err != nil {
		return nil, err
	}
	pg = v.(*simpleapi.Page)
	c.mu.Lock()
	c.links[src.Name] = pg
	c.mu.Unlock()
	return pg, nil
}

// listDir lists the distribution files of a find-links directory with their
// sha256 (so locks made from local files carry hashes too).
func (c *Client) listDir(src *source) (*simpleapi.Page, error) {
	c.seen.NoteOpaque()
	entries, err := os.ReadDir(src.dir)
	if err != nil {
		return nil, fmt.Errorf("find-links %s: %w", src.dir, err)
	}
	pg := &simpleapi.Page{}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() && fileProject(e.Name()) != "" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(src.dir, n)
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		u := &url.URL{Scheme: "file", Path: filepath.ToSlash(p)}
		f := File{Filename: n, URL: u.String(), Hashes: map[string]string{}, Size: fi.Size()}
		if sum, err := c.hashLocal(p, fi); err == nil {
			f.Hashes["sha256"] = sum
		} else {
			return nil, fmt.Errorf("find-links %s: %w", src.dir, err)
		}
		pg.Files = append(pg.Files, f)
	}
	return pg, nil
}

// hashLocal returns the sha256 of a local file, memoized by size and mtime.
func (c *Client) hashLocal(p string, fi os.FileInfo) (string, error) {
	c.mu.Lock()
	m, ok := c.dirHash[p]
	c.mu.Unlock()
	if ok && m.size == fi.Size() && m.modTime.Equal(fi.ModTime()) {
		return m.sha256, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	c.mu.Lock()
	c.dirHash[p] = hashMemo{size: fi.Size(), modTime: fi.ModTime(), sha256: sum}
	c.mu.Unlock()
	return sum, nil
}
