package fix

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
)

// maxDownloads bounds concurrent downloads of files the index gives no
// sha256 for.
const maxDownloads = 8

// resolveFix is strategy 1: re-resolve with every locked package as a
// root, the old pins preferred and the targets required.
func resolveFix(ctx context.Context, opts Options, doc *document, plans []*plan) (*lockfile.Lock, error) {
	old := doc.lock
	var roots []lock.Requirement
	prefs := map[string]pep440.Version{}
	for _, p := range old.Packages {
		text := p.Name
		if p.Archive != nil {
			text += " @ " + p.Archive.URL
		}
		if p.Marker != "" {
			text += " ; " + p.Marker
		}
		r, err := pep508.ParseRequirement(text)
		if err != nil {
			return nil, fmt.Errorf("locked package %q: %w", text, err)
		}
		roots = append(roots, lock.Requirement{Req: r})
		if v, err := pep440.Parse(p.Version); err == nil && p.Archive == nil {
			prefs[p.NormalizedName()] = v
		}
	}
	var cons []*pep508.Requirement
	for _, pl := range plans {
		t, err := pep440.Parse(pl.target)
		if err != nil {
			return nil, err
		}
		prefs[pl.name] = t
		spec := pl.name + ">=" + pl.target
		if !opts.AllowMajor {
			cur, err := pep440.Parse(pl.current)
			if err != nil {
				return nil, err
			}
			spec += ",<" + nextMajor(cur)
		}
		c, err := pep508.ParseRequirement(spec)
		if err != nil {
			return nil, fmt.Errorf("constraint %q: %w", spec, err)
		}
		cons = append(cons, c)
	}
	res, err := lock.Lock(ctx, lock.Options{
		Requirements: roots, Constraints: cons, Provider: opts.Provider, Downloader: opts.Index,
		SourceURLs: opts.SourceURLs, Target: opts.Target, Prereleases: opts.Prereleases,
		Preferences: prefs, ExcludeNewer: opts.ExcludeNewer, Command: old.Command, RequiresPython: old.RequiresPython,
	})
	if err != nil {
		return nil, err
	}
	nl := res.Lock
	nl.CreatedBy = "pyward"
	nl.Environments, nl.Extras, nl.DependencyGroups, nl.DefaultGroups = old.Environments, old.Extras, old.DependencyGroups, old.DefaultGroups

	// Keep the first-party origins ("-r requirements.in", "pyproject.toml")
	// the old lock recorded; package names come from the new resolution.
	oldNames := map[string]bool{}
	for _, p := range old.Packages {
		oldNames[p.NormalizedName()] = true
	}
	for i := range nl.Packages {
		p := &nl.Packages[i]
		if op := old.Find(p.Name); op != nil {
			for _, v := range op.Via {
				if !oldNames[pep503.Normalize(v)] && nl.Find(v) == nil {
					p.Via = append(p.Via, v)
				}
			}
		}
	}
	// Carry over packages the resolution did not reach for the target
	// (markers for other platforms or Pythons), as they were.
	for _, p := range old.Packages {
		if nl.Find(p.Name) == nil && p.Marker != "" {
			nl.Packages = append(nl.Packages, p)
		}
	}
	if doc.hasVia {
		prune(nl, old)
	}
	nl.Sort()
	return nl, nil
}

// prune drops packages nothing requires any more: they were only
// dependencies of the old versions of upgraded packages.
func prune(nl, old *lockfile.Lock) {
	for {
		present := map[string]bool{}
		for _, p := range nl.Packages {
			present[p.NormalizedName()] = true
		}
		keep := nl.Packages[:0:0]
		dropped := false
		for _, p := range nl.Packages {
			var via []string
			for _, v := range p.Via {
				n := pep503.Normalize(v)
				if present[n] || old.Find(v) == nil {
					via = append(via, v) // a live package, or a first-party origin
				}
			}
			if len(via) == 0 && old.Find(p.Name) != nil {
				dropped = true
				continue
			}
			p.Via = via
			keep = append(keep, p)
		}
		nl.Packages = keep
		if !dropped {
			return
		}
	}
}

// bumpPins is strategy 2: change only the vulnerable pins and their hashes.
func bumpPins(ctx context.Context, opts Options, doc *document, plans []*plan) ([]byte, error) {
	files := make(map[string][]lockfile.File, len(plans))
	for _, pl := range plans {
		fs, err := hashedFiles(ctx, opts.Index, pl)
		if err != nil {
			return nil, err
		}
		files[pl.name] = fs
	}
	if doc.format == Pylock {
		for i := range doc.lock.Packages {
			p := &doc.lock.Packages[i]
			pl := findPlan(plans, p.NormalizedName())
			if pl == nil {
				continue
			}
			p.Version, p.Sdist, p.Wheels = pl.target, nil, nil
			p.RequiresPython = ""
			for _, f := range files[pl.name] {
				if strings.HasSuffix(strings.ToLower(f.Name), ".whl") {
					p.Wheels = append(p.Wheels, f)
				} else if p.Sdist == nil {
					sd := f
					p.Sdist = &sd
				}
			}
			if len(pl.files) > 0 {
				p.RequiresPython = pl.files[0].RequiresPython
			}
		}
		return lockfile.MarshalPylock(doc.lock)
	}
	lines := append([]string(nil), doc.lines...)
	for i := len(doc.spans) - 1; i >= 0; i-- {
		sp := doc.spans[i]
		pl := findPlan(plans, sp.name)
		if pl == nil {
			continue
		}
		text := requirementText(sp, pl.target, files[pl.name])
		lines = append(lines[:sp.start], append(strings.Split(text, "\n"), lines[sp.end+1:]...)...) // text's own breaks are "\n"
	}
	out := strings.Join(lines, doc.eol)
	if doc.bom {
		out = "\xef\xbb\xbf" + out
	}
	return []byte(out), nil
}

func findPlan(plans []*plan, name string) *plan {
	for _, pl := range plans {
		if pl.name == name {
			return pl
		}
	}
	return nil
}

// requirementText renders a pinned, hashed requirement as pip-compile does.
func requirementText(sp span, version string, files []lockfile.File) string {
	var b strings.Builder
	b.WriteString(sp.display)
	if len(sp.extras) > 0 {
		b.WriteString("[" + strings.Join(sp.extras, ",") + "]")
	}
	b.WriteString("==" + version)
	if sp.marker != "" {
		b.WriteString(" ; " + sp.marker)
	}
	seen := map[string]bool{}
	var hashes []string
	for _, f := range files {
		if h := f.Hashes["sha256"]; h != "" && !seen[h] {
			seen[h] = true
			hashes = append(hashes, h)
		}
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		b.WriteString(" \\\n    --hash=sha256:" + h)
	}
	return b.String()
}

// hashedFiles returns the lock entries of the target's files, downloading
// the ones the index gives no sha256 for.
func hashedFiles(ctx context.Context, ix Index, pl *plan) ([]lockfile.File, error) {
	if len(pl.files) == 0 {
		return nil, fmt.Errorf("fix: %s %s has no installable files on the index", pl.display, pl.target)
	}
	out := make([]lockfile.File, len(pl.files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxDownloads)
	for i, f := range pl.files {
		out[i] = lockfile.File{Name: f.Filename, URL: f.URL, Size: f.Size, UploadTime: f.UploadTime, Hashes: map[string]string{}}
		if h := strings.ToLower(f.Hashes["sha256"]); h != "" {
			out[i].Hashes["sha256"] = h
			continue
		}
		g.Go(func() error {
			sum, err := ix.Download(gctx, f, io.Discard)
			if err != nil {
				return fmt.Errorf("fix: hash %s: %w", f.Filename, err)
			}
			out[i].Hashes["sha256"] = sum
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

var _ Index = (*index.Client)(nil)
