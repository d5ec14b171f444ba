package vet

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/metadata"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
)

// Thresholds and weights of the package comment's table.
const (
	NameWeight = 0.4

	YoungAge            = 30 * 24 * time.Hour
	RecentAge           = 180 * 24 * time.Hour
	EstablishedAge      = 2 * 365 * 24 * time.Hour
	EstablishedReleases = 10
	VersionJump         = 5

	WeightQuarantined  = 0.50
	WeightYoung        = 0.35
	WeightRecent       = 0.15
	WeightSingle       = 0.20
	WeightFew          = 0.10
	WeightCopied       = 0.30
	WeightStarjacking  = 0.35
	WeightVersionAbove = 0.20
	WeightNoProvenance = 0.10
	WeightEstablished  = -0.50

	HighScore   = 0.70
	MediumScore = 0.45
	LowScore    = 0.25
)

// Signal IDs, as reports print them ("vet/<id>").
const (
	SignalQuarantined  = "quarantined"
	SignalYoung        = "young"
	SignalRecent       = "recent"
	SignalSingle       = "single-release"
	SignalFew          = "few-releases"
	SignalCopied       = "copied-metadata"
	SignalStarjacking  = "starjacking"
	SignalVersionAbove = "version-above-target"
	SignalNoProvenance = "missing-provenance"
	SignalEstablished  = "established"
)

// Facts is what an index says about one project.
type Facts struct {
	Name         string // PEP 503 normalized
	Exists       bool
	Status       string // PEP 792; "" when the index gives none
	StatusReason string
	FirstUpload  time.Time // earliest PEP 700 upload-time; zero when unknown
	LastUpload   time.Time
	Releases     int
	Latest       string // newest version (PEP 440 order), "" when none parses
	Provenance   bool   // a file of the newest release has PEP 740 provenance

	Summary     string
	Description string
	Author      string
	AuthorEmail string
	URLs        []string // Home-page, Download-URL and Project-URL values
	// MetadataErr says why the newest release's metadata could not be
	// read; the other facts stand.
	MetadataErr error
}

// Index is what Lookup asks; *index.Client implements it.
type Index interface {
	Project(ctx context.Context, name string) (*index.Project, error)
	Metadata(ctx context.Context, f index.File) (*metadata.Metadata, []byte, error)
}

// Lookup gathers the facts of project name from ix. A project the index
// does not have is Facts{Exists: false} without error.
func Lookup(ctx context.Context, ix Index, name string) (*Facts, error) {
	f := &Facts{Name: pep503.Normalize(name)}
	proj, err := ix.Project(ctx, f.Name)
	if errors.Is(err, index.ErrNotFound) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	f.Exists, f.Status, f.StatusReason = true, proj.Status, proj.StatusReason
	versions := map[string]pep440.Version{}
	var latest pep440.Version
	for _, file := range proj.Files {
		if !file.UploadTime.IsZero() {
			if f.FirstUpload.IsZero() || file.UploadTime.Before(f.FirstUpload) {
				f.FirstUpload = file.UploadTime
			}
			if file.UploadTime.After(f.LastUpload) {
				f.LastUpload = file.UploadTime
			}
		}
		df, err := dist.ParseFilename(file.Filename)
		if err != nil {
			continue
		}
		key := df.Version.String()
		versions[key] = df.Version
		if latest.IsZero() || latest.Less(df.Version) {
			latest = df.Version
		}
	}
	for _, v := range proj.Versions { // PEP 700: releases without files count too
		if pv, err := pep440.Parse(v); err == nil {
			versions[pv.String()] = pv
		}
	}
	f.Releases = len(versions)
	if latest.IsZero() {
		return f, nil
	}
	f.Latest = latest.String()
	var newest []index.File
	for _, file := range proj.Files {
		if df, err := dist.ParseFilename(file.Filename); err == nil && df.Version.Equal(latest) {
			newest = append(newest, file)
			f.Provenance = f.Provenance || file.Provenance != ""
		}
	}
	// A wheel's metadata is a small PEP 658 file; an sdist's means
	// downloading it. Wheels first.
	var md *metadata.Metadata
	for _, wheels := range []bool{true, false} {
		for _, file := range newest {
			if file.IsWheel() != wheels || md != nil {
				continue
			}
			md, _, err = ix.Metadata(ctx, file)
			if err != nil {
				f.MetadataErr, md = err, nil
			}
		}
	}
	if md != nil {
		f.MetadataErr = nil
		f.Summary, f.Description, f.Author, f.AuthorEmail = md.Summary, md.Description, md.Author, md.AuthorEmail
		for _, u := range []string{md.HomePage, md.DownloadURL} {
			if u = strings.TrimSpace(u); u != "" {
				f.URLs = append(f.URLs, u)
			}
		}
		for _, pu := range md.ProjectURLs {
			if u := strings.TrimSpace(pu.URL); u != "" {
				f.URLs = append(f.URLs, u)
			}
		}
	}
	return f, nil
}

// Signal is one reason the score moved.
type Signal struct {
	ID     string  // one of the Signal* constants
	Weight float64 // what it added to the score
	Why    string  // the facts behind it, in words
}

// Level grades a verdict.
type Level string

// Levels, weakest first.
const (
	LevelInfo   Level = "info"
	LevelLow    Level = "low"
	LevelMedium Level = "medium"
	LevelHigh   Level = "high"
)

// Verdict is the combined judgement on a look-alike project.
type Verdict struct {
	Score   float64
	Level   Level
	Signals []Signal
}

// Input is what Assess judges.
type Input struct {
	NameScore float64 // the name finding's score (typosquat.Finding.Score), 0..1
	Candidate *Facts  // the look-alike; must not be nil
	Target    *Facts  // the imitated project; nil when not looked up
	Now       time.Time
	// Rank reports the popularity rank of a project name (the typo-squat
	// reference); nil means no reference.
	Rank func(name string) (int, bool)
}

// Assess combines the name score and the project signals into one
// verdict, as the package comment describes.
func Assess(in Input) Verdict {
	v := Verdict{Score: NameWeight * in.NameScore}
	c, t := in.Candidate, in.Target
	add := func(id string, w float64, why string, args ...any) {
		v.Signals = append(v.Signals, Signal{ID: id, Weight: w, Why: fmt.Sprintf(why, args...)})
		v.Score += w
	}
	if c != nil && c.Exists {
		if c.Status == "quarantined" {
			add(SignalQuarantined, WeightQuarantined, "the index quarantined %s (PEP 792)%s", c.Name, reason(c.StatusReason))
		}
		if !c.FirstUpload.IsZero() {
			age := in.Now.Sub(c.FirstUpload)
			switch {
			case age < YoungAge:
				add(SignalYoung, WeightYoung, "first upload %s (%s ago)", c.FirstUpload.Format(time.DateOnly), days(age))
			case age < RecentAge:
				add(SignalRecent, WeightRecent, "first upload %s (%s ago)", c.FirstUpload.Format(time.DateOnly), days(age))
			case age > EstablishedAge && c.Releases >= EstablishedReleases:
				add(SignalEstablished, WeightEstablished, "established: first upload %s, %d releases", c.FirstUpload.Format(time.DateOnly), c.Releases)
			}
		}
		switch {
		case c.Releases == 1:
			add(SignalSingle, WeightSingle, "a single release (%s)", c.Latest)
		case c.Releases > 1 && c.Releases <= 3:
			add(SignalFew, WeightFew, "only %d releases", c.Releases)
		}
		if t != nil && t.Exists {
			if why := copied(c, t); why != "" {
				add(SignalCopied, WeightCopied, "%s", why)
			}
			if above(c.Latest, t.Latest) {
				add(SignalVersionAbove, WeightVersionAbove, "newest version %s, far above %s's %s", c.Latest, t.Name, t.Latest)
			}
			if t.Provenance && !c.Provenance && c.Latest != "" {
				add(SignalNoProvenance, WeightNoProvenance, "%s %s publishes provenance (PEP 740), %s %s does not", t.Name, t.Latest, c.Name, c.Latest)
			}
		}
		if why := starjacked(c, t, in.Rank); why != "" {
			add(SignalStarjacking, WeightStarjacking, "%s", why)
		}
	}
	v.Score = min(max(v.Score, 0), 1)
	switch {
	case v.Score >= HighScore:
		v.Level = LevelHigh
	case v.Score >= MediumScore:
		v.Level = LevelMedium
	case v.Score >= LowScore:
		v.Level = LevelLow
	default:
		v.Level = LevelInfo
	}
	return v
}

func reason(r string) string {
	if r == "" {
		return ""
	}
	return ": " + r
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// fold compares free text the way a copy survives light editing: case and
// runs of white space do not matter.
func fold(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// minCopiedDescription is the shortest description whose equality counts:
// short ones ("A Python library") are shared by chance.
const minCopiedDescription = 80

func copied(c, t *Facts) string {
	var what []string
	if s := fold(c.Summary); s != "" && s == fold(t.Summary) {
		what = append(what, fmt.Sprintf("summary %q", c.Summary))
	}
	if d := fold(c.Description); len(d) >= minCopiedDescription && d == fold(t.Description) {
		what = append(what, "description")
	}
	if a := fold(c.Author); a != "" && a == fold(t.Author) {
		what = append(what, fmt.Sprintf("author %q", c.Author))
	}
	if e := fold(c.AuthorEmail); e != "" && e == fold(t.AuthorEmail) {
		what = append(what, fmt.Sprintf("author e-mail %q", c.AuthorEmail))
	}
	if len(what) == 0 {
		return ""
	}
	return fmt.Sprintf("copies %s's %s", t.Name, strings.Join(what, ", "))
}

func above(cand, target string) bool {
	cv, err1 := pep440.Parse(cand)
	tv, err2 := pep440.Parse(target)
	return err1 == nil && err2 == nil && cv.Epoch() == tv.Epoch() && cv.Major() >= tv.Major()+VersionJump
}

// codeHosts are the forges whose URLs name a repository as /owner/repo.
var codeHosts = map[string]bool{"github.com": true, "gitlab.com": true, "bitbucket.org": true, "codeberg.org": true}

// repoOf returns "host/owner/repo" (lower case, no .git) for a forge URL.
func repoOf(raw string) (string, string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", "", false
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	if !codeHosts[host] {
		return "", "", false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return "", "", false
	}
	repo := strings.TrimSuffix(strings.ToLower(parts[1]), ".git")
	return host + "/" + strings.ToLower(parts[0]) + "/" + repo, repo, true
}

// starjacked reports a project link to another popular project's
// repository: the target's own, or one named like a reference project.
func starjacked(c, t *Facts, rank func(string) (int, bool)) string {
	targetRepos := map[string]bool{}
	if t != nil {
		for _, u := range t.URLs {
			if r, _, ok := repoOf(u); ok {
				targetRepos[r] = true
			}
		}
	}
	for _, u := range c.URLs {
		r, name, ok := repoOf(u)
		if !ok {
			continue
		}
		if targetRepos[r] {
			return fmt.Sprintf("links %s, the repository of %s", r, t.Name)
		}
		n := pep503.Normalize(name)
		if n == c.Name || rank == nil {
			continue
		}
		if rk, ok := rank(n); ok {
			return fmt.Sprintf("links %s, a repository named like %s (download rank %d)", r, n, rk)
		}
	}
	return ""
}
