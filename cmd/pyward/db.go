package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/osv"
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/pypinames"
	"github.com/pyward/pyward/internal/typosquat"
)

// staleAfter is the age past which audit warns that a database is old.
const staleAfter = 7 * 24 * time.Hour

type dbFlags struct {
	cacheDir string
	offline  bool
	osvURL   string
	namesURL string
	topURL   string
	tufURL   string
	tufRoot  string
}

func (a *app) dbCommand() *cobra.Command {
	var f dbFlags
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Download or inspect the offline databases used by audit",
		Long: `pyward audit works offline from three cached databases, and lock verifies
provenance against a fourth:

  advisories    the OSV export of every PyPI advisory (vulnerabilities and
                malicious packages), in <cache>/osv
  public names  every project name on the public index (PEP 691 project
                list), in <cache>/names.txt.gz, for the dependency-confusion
                check without network
  top projects  the most-downloaded PyPI projects with their rank, in
                <cache>/top-pypi.tsv.gz, the typo-squat reference (until it
                is downloaded, audit uses the snapshot built into pyward)
  sigstore root the Sigstore trusted root (trusted_root.json) fetched through
                TUF from --tuf-url, in <cache>/sigstore, which provenance
                verification prefers to the snapshot built into pyward
                (--trusted-root FILE still overrides both)

'pyward db update' downloads all four, revalidating with ETags so an
unchanged database costs one request; the trusted root is only taken once
the TUF metadata that names it verifies from the trust anchor. A failed
download keeps the previous copy, and one failing source does not stop the
others.
'pyward db status' shows where each came from, its age and size.`,
		Example: `  pyward db update
  pyward db status
  pyward db update --osv-url https://mirror.example.com/osv/PyPI/all.zip
  pyward db update --top-url https://mirror.example.com/top-pypi-packages.min.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErrorf("db: missing subcommand (update or status; see 'pyward db --help')")
		},
	}

	update := &cobra.Command{
		Use:   "update",
		Short: "Download or revalidate the advisory database, the public names snapshot and the top-projects list",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDBUpdate(cmd.Context(), f)
		},
	}

	status := &cobra.Command{
		Use:   "status",
		Short: "Show the cached databases: source, age, size and contents",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDBStatus(f)
		},
	}
	cmd.AddCommand(update, status)
	// The command line names db whenever it names update or status.
	a.deferFlags(cmd, func() {
		pf := cmd.PersistentFlags()
		pf.StringVar(&f.cacheDir, "cache-dir", "", "cache directory (default $PYWARD_CACHE_DIR, $XDG_CACHE_HOME/pyward or ~/.cache/pyward)")
		uf := update.Flags()
		uf.BoolVar(&f.offline, "offline", false, "never touch the network (update then refuses to run)")
		uf.StringVar(&f.osvURL, "osv-url", osv.DefaultURL, "URL of the OSV PyPI export (a zip of OSV JSON files)")
		uf.StringVar(&f.namesURL, "names-url", pypinames.DefaultURL, "simple-index root serving the PEP 691 JSON project list")
		uf.StringVar(&f.topURL, "top-url", pypinames.DefaultTopURL, "most-downloaded projects ranking (top-pypi-packages JSON: {\"rows\": [{\"project\", \"download_count\"}]})")
		uf.StringVar(&f.tufURL, "tuf-url", provenance.DefaultTUFURL, "TUF repository serving the Sigstore trusted_root.json target")
		uf.StringVar(&f.tufRoot, "tuf-root", "", "TUF root.json trusted for --tuf-url (default: the Sigstore public-good root built in, which also fits a mirror of the public-good repository)")
	})
	return cmd
}

// dbCaches are the three cached databases.
type dbCaches struct {
	osv   *osv.Cache
	names *pypinames.Cache
	top   *pypinames.TopCache
}

func (a *app) dbCaches(f dbFlags) (dbCaches, error) {
	root, err := a.cacheRoot(f.cacheDir)
	if err != nil {
		return dbCaches{}, usageErrorf("--cache-dir: %v", err)
	}
	return dbCaches{
		osv:   &osv.Cache{Dir: filepath.Join(root, "osv"), URL: f.osvURL, Offline: f.offline, Client: a.httpClient(osv.DefaultTimeout)},
		names: &pypinames.Cache{Dir: root, URL: f.namesURL, Offline: f.offline, Client: a.httpClient(pypinames.DefaultTimeout)},
		top:   &pypinames.TopCache{Dir: root, URL: f.topURL, Offline: f.offline, Client: a.httpClient(pypinames.DefaultTopTimeout)},
	}, nil
}

// httpClient is the client of a download outside the index clients: nil
// (the downloader's own default) unless -v asks to log every request.
func (a *app) httpClient(timeout time.Duration) *http.Client {
	if !a.verbose {
		return nil
	}
	return &http.Client{Timeout: timeout, Transport: index.LogTransport(nil, a.logf)}
}

func (a *app) runDBUpdate(ctx context.Context, f dbFlags) error {
	if f.offline {
		return usageErrorf("db update: --offline forbids downloading; drop --offline, or audit with --db DIR|ZIP, --public-names FILE and --reference FILE")
	}
	dbs, err := a.dbCaches(f)
	if err != nil {
		return err
	}
	out := a.stdout
	if a.quiet {
		out = io.Discard
	}
	// Every database is attempted even when another fails, so one
	// unreachable source does not keep the others stale.
	var errs []error
	ores, err := dbs.osv.Update(ctx)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("advisories: %w", err))
	case ores.NotModified:
		fmt.Fprintf(out, "advisories: up to date (%d advisories, %s, from %s)\n", ores.Meta.Advisories, byteSize(ores.Meta.Size), ores.Meta.URL)
	default:
		fmt.Fprintf(out, "advisories: %d advisories (%s) from %s\n", ores.Meta.Advisories, byteSize(ores.Meta.Size), ores.Meta.URL)
		if n := len(ores.FileErrors); n > 0 {
			fmt.Fprintf(a.stderr, "warning: %d advisory files could not be parsed and were left out; first: %v\n", n, ores.FileErrors[0])
		}
	}
	nres, err := dbs.names.Update(ctx)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("public names: %w", err))
	case nres.NotModified:
		fmt.Fprintf(out, "public names: up to date (%d names, from %s)\n", nres.Meta.Names, nres.Meta.URL)
	default:
		fmt.Fprintf(out, "public names: %d names (%s) from %s\n", nres.Meta.Names, byteSize(nres.Meta.Size), nres.Meta.URL)
		if nres.Meta.Skipped > 0 {
			fmt.Fprintf(a.stderr, "warning: %d entries of the project list are not valid project names and were left out\n", nres.Meta.Skipped)
		}
	}
	tres, err := dbs.top.Update(ctx)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("top projects: %w", err))
	case tres.NotModified:
		fmt.Fprintf(out, "top projects: up to date (%d projects, from %s)\n", tres.Meta.Projects, tres.Meta.URL)
	default:
		fmt.Fprintf(out, "top projects: %d projects (%s) from %s\n", tres.Meta.Projects, byteSize(tres.Meta.Size), tres.Meta.URL)
		if tres.Meta.Skipped > 0 {
			fmt.Fprintf(a.stderr, "warning: %d rows of the top-projects list lack a valid project name or download count and were left out\n", tres.Meta.Skipped)
		}
	}
	if err := a.updateTrustedRoot(ctx, f, out); err != nil {
		errs = append(errs, fmt.Errorf("sigstore root: %w", err))
	}
	if len(errs) > 0 {
		// An unreachable or broken source: a network failure (exit 3),
		// with the URL in the message.
		return errors.Join(errs...)
	}
	return nil
}

func (a *app) runDBStatus(f dbFlags) error {
	dbs, err := a.dbCaches(f)
	if err != nil {
		return err
	}
	now := time.Now()
	om, err := dbs.osv.ReadMeta()
	switch {
	case errors.Is(err, osv.ErrNoDatabase):
		fmt.Fprintf(a.stdout, "advisories:   not downloaded (run 'pyward db update')\n")
	case err != nil:
		return internalError(err)
	default:
		fmt.Fprintf(a.stdout, "advisories:   %d advisories, %s, %s\n  source:     %s\n  updated:    %s (%s ago)%s\n  path:       %s\n",
			om.Advisories, byteSize(om.Size), fileErrNote(om.FileErrors), om.URL,
			om.FetchedAt.UTC().Format(time.RFC3339), roundAge(om.Age(now)), staleNote(om.Age(now)), dbs.osv.Dir)
	}
	nm, err := dbs.names.ReadMeta()
	switch {
	case errors.Is(err, pypinames.ErrNoSnapshot):
		fmt.Fprintf(a.stdout, "public names: not downloaded (run 'pyward db update')\n")
	case err != nil:
		return internalError(err)
	default:
		fmt.Fprintf(a.stdout, "public names: %d names, %s\n  source:     %s\n  updated:    %s (%s ago)%s\n  path:       %s\n",
			nm.Names, byteSize(nm.Size), nm.URL,
			nm.FetchedAt.UTC().Format(time.RFC3339), roundAge(nm.Age(now)), staleNote(nm.Age(now)), dbs.names.Path())
	}
	tm, err := dbs.top.ReadMeta()
	switch {
	case errors.Is(err, pypinames.ErrNoTopList):
		fmt.Fprintf(a.stdout, "top projects: not downloaded (run 'pyward db update'); audit uses the %d projects built into pyward\n", typosquat.Embedded().Len())
	case err != nil:
		return internalError(err)
	default:
		fmt.Fprintf(a.stdout, "top projects: %d projects, %s, ranking of %s\n  source:     %s\n  updated:    %s (%s ago)%s\n  path:       %s\n",
			tm.Projects, byteSize(tm.Size), orUnknown(tm.LastUpdate), tm.URL,
			tm.FetchedAt.UTC().Format(time.RFC3339), roundAge(tm.Age(now)), staleNote(tm.Age(now)), dbs.top.Path())
	}
	cacheDir, err := a.cacheRoot(f.cacheDir)
	if err != nil {
		return usageErrorf("--cache-dir: %v", err)
	}
	path := filepath.Join(cacheDir, trustedRootFile)
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(a.stdout, "sigstore root: not downloaded (run 'pyward db update'); provenance is verified against the root built into pyward\n")
	case err != nil:
		return internalError(err)
	default:
		note := ""
		if _, _, err := storedTrustedRoot(cacheDir); err != nil {
			note = fmt.Sprintf("; unusable (%v), the root built into pyward is used", err)
		}
		fmt.Fprintf(a.stdout, "sigstore root: %s, fetched through TUF%s\n  updated:    %s (%s ago)\n  path:       %s\n",
			byteSize(st.Size()), note, st.ModTime().UTC().Format(time.RFC3339), roundAge(now.Sub(st.ModTime())), path)
	}
	return nil
}

// updateTrustedRoot refreshes the Sigstore trusted root through TUF into
// <cache>/sigstore; a root that fails TUF verification is never written,
// so the stored one stays in use.
func (a *app) updateTrustedRoot(ctx context.Context, f dbFlags, out io.Writer) error {
	cacheDir, err := a.cacheRoot(f.cacheDir)
	if err != nil {
		return usageErrorf("--cache-dir: %v", err)
	}
	t := provenance.TUF{URL: f.tufURL, CacheDir: filepath.Join(cacheDir, tufCacheDir), Client: a.httpClient(time.Minute)}
	if f.tufRoot != "" {
		if t.Root, err = os.ReadFile(f.tufRoot); err != nil {
			return usageErrorf("--tuf-root: %v", err)
		}
	}
	data, err := provenance.Refresh(ctx, t)
	if err != nil {
		return fmt.Errorf("%w (the stored trusted root is kept)", err)
	}
	path := filepath.Join(cacheDir, trustedRootFile)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		fmt.Fprintf(out, "sigstore root: up to date (from %s)\n", f.tufURL)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "sigstore root: %s from %s\n", byteSize(int64(len(data))), f.tufURL)
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown date"
	}
	return s
}

func fileErrNote(n int) string {
	if n == 0 {
		return "no unreadable files"
	}
	return fmt.Sprintf("%d unreadable files left out", n)
}

func staleNote(age time.Duration) string {
	if age > staleAfter {
		return "; stale: run 'pyward db update'"
	}
	return ""
}

// byteSize formats a size for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// cachedNamesSnapshot loads the names snapshot written by 'pyward db
// update', if there is one: nil without error when none was downloaded.
// The warning says when it is older than staleAfter.
func (a *app) cachedNamesSnapshot(cacheFlag string) (*audit.NamesSnapshot, []string, error) {
	root, err := a.cacheRoot(cacheFlag)
	if err != nil {
		return nil, nil, nil // no cache directory: nothing cached
	}
	c := &pypinames.Cache{Dir: root}
	m, err := c.ReadMeta()
	if errors.Is(err, pypinames.ErrNoSnapshot) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	fh, err := os.Open(c.Path())
	if err != nil {
		return nil, nil, fmt.Errorf("public names snapshot: %w", err)
	}
	defer fh.Close()
	snap, err := audit.ReadNamesSnapshot(fh)
	if err != nil {
		return nil, nil, fmt.Errorf("public names snapshot %s: %w (run 'pyward db update')", c.Path(), err)
	}
	var warns []string
	if age := m.Age(time.Now()); age > staleAfter {
		warns = append(warns, fmt.Sprintf("public names snapshot is %s old: run 'pyward db update'", roundAge(age)))
	}
	return snap, warns, nil
}

// cachedTopList loads the top-projects list written by 'pyward db update',
// the typo-squat reference: nil without error when none was downloaded (or
// there is no cache directory), so the caller falls back to the embedded
// snapshot. A list that is there but unreadable is an error: silently
// auditing against another list would hide that the update went wrong.
func (a *app) cachedTopList(cacheFlag string) (*typosquat.Reference, error) {
	root, err := a.cacheRoot(cacheFlag)
	if err != nil {
		return nil, nil
	}
	c := &pypinames.TopCache{Dir: root}
	if _, err := c.ReadMeta(); errors.Is(err, pypinames.ErrNoTopList) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	ref, err := typosquat.LoadReferenceFile(c.Path())
	if err != nil {
		return nil, fmt.Errorf("top-projects list %s: %w (run 'pyward db update')", c.Path(), err)
	}
	if ref.Len() == 0 {
		return nil, fmt.Errorf("top-projects list %s: no projects (run 'pyward db update')", c.Path())
	}
	return ref, nil
}
