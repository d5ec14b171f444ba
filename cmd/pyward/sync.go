package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/sync"
)

type syncFlags struct {
	venv, python, indexURL, cacheDir string
	indexes                          []string
	findLinks, keep, allowStartup    []string
	allowPth                         []string
	trustedHosts                     []string
	extras, groups                   []string
	allExtras, noDefaultGroups       bool
	allowBuild, compile              bool
	noCache, offline, dryRun         bool
	verify                           bool
	linkMode                         string
	trustedRoot                      string
	jobs                             int
}

func (a *app) syncCommand() *cobra.Command {
	var f syncFlags
	cmd := &cobra.Command{
		Use:   "sync [LOCK]",
		Short: "Make a virtual environment exactly match a lock, verifying every hash",
		Long: `Install exactly the lock (pylock.toml, or a hashed requirements.txt) into a
virtual environment, creating it in a new or empty directory (any other
existing directory is refused): install what is missing,
replace what differs, remove what the lock does not name.

Strict by default: every entry must be pinned with == and carry a sha256;
a file whose hash differs is rejected before any of its bytes are used;
sdists are never built; each wheel is checked against the safety rules
(paths, links, RECORD hashes, decompression bombs, start-up code,
METADATA) before anything is changed. No package code runs.

LOCK defaults to pylock.toml, else requirements.txt.

Extras and dependency groups (pylock.toml, PEP 751): an entry whose marker
names extras or dependency_groups ('socks' in extras, 'dev' in
dependency_groups) is installed when the selection satisfies it. By
default no extras are selected and the lock's default-groups are;
--extra, --all-extras and --group add to that, --no-default-groups drops
the default groups. Names are compared normalized (PEP 685) and must be
declared by the lock's extras, dependency-groups or default-groups lists
(a lock without such a list declares none). Entries left out are not
installed, and removed when an earlier sync installed them. A
requirements.txt lock has no extras or groups to select.

Sources: each package is fetched only from the index the lock records for
it (pylock.toml: its index and file URLs; requirements.txt: its "# from"
comment, or the --index-url line). Credentials come from the URL,
PYWARD_INDEX_<NAME>_USERNAME/_PASSWORD (NAME as the lock names the index),
netrc, or pip's configuration for the same URL.

Publishers: where the lock records a package's publishers (PEP 740
attestation identities, written by pyward lock) and the index serves
provenance for the file to install, sync verifies that provenance again
and refuses a file whose provenance fails or names another publisher;
--offline skips this and says so.

Exit status: 0 done; 2 the lock, a file or a wheel was refused, or the
environment is unusable; 3 network or I/O failure.`,
		Example: `  pyward sync
  pyward sync requirements.txt --venv .venv --python python3.12
  pyward sync pylock.toml --dry-run
  pyward sync pylock.toml --extra socks --group dev`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runSync(cmd, args, f)
		},
	}
	a.deferFlags(cmd, func() {
		fl := cmd.Flags()
		fl.StringVar(&f.venv, "venv", ".venv", "virtual environment directory (created when missing or empty; any other existing directory is refused)")
		fl.StringVar(&f.python, "python", "", "Python interpreter for a new environment (default: python3 on PATH)")
		fl.StringVar(&f.indexURL, "index-url", "", "the lock's index with credentials (a lock that records indexes is never re-routed), or the index of a lock that records none")
		fl.StringArrayVar(&f.indexes, "index", nil, "NAME=URL: credentials or a mirror for the index the lock records as NAME (files are checked against the lock's hashes)")
		fl.StringSliceVar(&f.findLinks, "find-links", nil, "directory or page of distribution files (repeatable)")
		fl.StringSliceVar(&f.trustedHosts, "trusted-host", nil, "host that may be reached over plain http (repeatable)")
		fl.StringArrayVar(&f.extras, "extra", nil, "pylock.toml: install the entries of this extra (repeatable; names the lock declares)")
		fl.BoolVar(&f.allExtras, "all-extras", false, "pylock.toml: install the entries of every extra the lock declares")
		fl.StringArrayVar(&f.groups, "group", nil, "pylock.toml: install the entries of this dependency group too (repeatable; names the lock declares)")
		fl.BoolVar(&f.noDefaultGroups, "no-default-groups", false, "pylock.toml: leave out the lock's default-groups")
		fl.StringSliceVar(&f.keep, "keep", nil, "keep this installed distribution although the lock does not name it (e.g. pip; repeatable)")
		fl.StringSliceVar(&f.allowStartup, "allow-startup", nil, "allow this package to install code that runs at every interpreter start-up: .pth import lines, sitecustomize, editable finders (repeatable)")
		fl.StringSliceVar(&f.allowPth, "allow-pth", nil, "alias of --allow-startup")
		fl.BoolVar(&f.allowBuild, "allow-build", false, "accept entries that only have an sdist (building is not supported: reports it)")
		fl.BoolVar(&f.compile, "compile", false, "compile installed .py files to bytecode (runs only the standard library compiler)")
		fl.StringVar(&f.cacheDir, "cache-dir", "", "cache directory (default $PYWARD_CACHE_DIR, $XDG_CACHE_HOME/pyward or ~/.cache/pyward)")
		fl.BoolVar(&f.noCache, "no-cache", false, "neither read nor write the cache")
		fl.BoolVar(&f.offline, "offline", false, "use only cached files; never touch the network")
		fl.BoolVar(&f.dryRun, "dry-run", false, "print the plan, change nothing")
		fl.StringVar(&f.linkMode, "link-mode", sync.LinkHardlink, "how files come from the cache: hardlink (read-only, each link's inode checked) or copy (reflink where the file system can)")
		fl.BoolVar(&f.verify, "verify", false, "compare every installed file's sha256 with pyward's record (default: sizes only) and reinstall what differs")
		fl.IntVarP(&f.jobs, "jobs", "j", sync.DefaultJobs, "parallel downloads and installs")
		fl.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore trusted_root.json to re-verify provenance against (default: the one pyward db update fetched, else the public-good root built in)")
	})
	return cmd
}

func (a *app) runSync(cmd *cobra.Command, args []string, f syncFlags) error {
	lockPath := ""
	if len(args) == 1 {
		lockPath = args[0]
	} else {
		p, err := sync.DefaultLock(".")
		if err != nil {
			return usageError(err)
		}
		lockPath = p
	}
	if _, err := os.Stat(lockPath); err != nil {
		return usageError(err)
	}
	cacheDir := ""
	if !f.noCache {
		d, err := a.cacheRoot(f.cacheDir)
		if err != nil {
			return usageErrorf("cache directory: %v (use --cache-dir or --no-cache)", err)
		}
		cacheDir = d
	}
	opts := sync.Options{
		Lock: lockPath, Selection: sync.Selection{Extras: f.extras, AllExtras: f.allExtras, Groups: f.groups, NoDefaultGroups: f.noDefaultGroups},
		Venv: f.venv, Python: f.python, IndexURL: f.indexURL, Indexes: f.indexes, FindLinks: f.findLinks, Env: machineEnv(),
		TrustedHosts: f.trustedHosts, Keep: f.keep, AllowStartup: append(f.allowStartup, f.allowPth...), AllowBuild: f.allowBuild,
		Compile: f.compile, CacheDir: cacheDir, NoCache: f.noCache, Offline: f.offline, DryRun: f.dryRun, Jobs: f.jobs,
		Verify: f.verify, LinkMode: f.linkMode, Client: a.clientOptions(),
	}
	rootDir, _ := a.cacheRoot(f.cacheDir) // the stored trusted root is read even with --no-cache
	opts.ProvenanceVerifier = func() (*provenance.Verifier, error) {
		v, _, err := provenanceVerifier(f.trustedRoot, rootDir)
		if err != nil {
			return nil, usageError(err)
		}
		return v, nil
	}
	if !a.quiet && isTerminal(a.stderr) {
		opts.Progress = newByteProgress(a.stderr, time.Now)
	}
	opts.BeforeWork = func() { setGCPercent(syncGCPercent) }
	res, err := sync.Sync(cmd.Context(), opts)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(a.stderr, "pyward: warning: %s\n", w)
	}
	out := a.stderr
	if f.dryRun {
		out = a.stdout
	}
	if a.quiet && !f.dryRun {
		return nil
	}
	printPlan(out, res, f.dryRun)
	return nil
}

func printPlan(w io.Writer, res *sync.Result, dry bool) {
	verb := map[bool]string{false: "", true: "would "}[dry]
	for _, a := range res.Remove {
		fmt.Fprintf(w, " - %s==%s (%s%s)\n", a.Name, a.Old, verb, "remove: not in lock")
	}
	for _, a := range res.Install {
		old := ""
		if a.Old != "" {
			old = " replacing " + a.Old
		}
		fmt.Fprintf(w, " + %s==%s%s (%s) %s\n", a.Name, a.Version, old, a.Reason, a.File)
	}
	if res.Created {
		fmt.Fprintf(w, "%s virtual environment %s\n", map[bool]string{false: "created", true: "would create"}[dry], res.Venv)
	}
	parts := []string{fmt.Sprintf("%d installed", len(res.Install)), fmt.Sprintf("%d removed", len(res.Remove)), fmt.Sprintf("%d unchanged", res.Unchanged)}
	if dry {
		parts[0], parts[1] = fmt.Sprintf("%d to install", len(res.Install)), fmt.Sprintf("%d to remove", len(res.Remove))
	}
	fmt.Fprintf(w, "%s in %s\n", strings.Join(parts, ", "), res.Elapsed.Round(1e6))
}
