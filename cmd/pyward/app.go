package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	gosync "sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/pyward/pyward/internal/sources"
)

// app holds what one invocation shares between its commands; there is no
// package-level mutable state.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	exitCode       int
	// quiet and verbose are the -q and -v every command takes.
	quiet, verbose bool
	// logMu keeps -v log lines whole: index clients log from many
	// goroutines, and fix runs several locks at once.
	logMu gosync.Mutex
	// flagSetups are the subcommands' flag registrations that
	// rootCommand has not run yet (see deferFlags).
	flagSetups []flagSetup
	// interrupt is the running command's context, cancelled by SIGINT or
	// SIGTERM, and stopInterrupt releases the signals; both nil until
	// armInterrupts.
	interrupt     context.Context
	stopInterrupt context.CancelFunc
}

// armInterrupts makes SIGINT and SIGTERM cancel cmd's context, so that a
// command stops its downloads and child processes and pyward exits 130.
// It runs just before a command's work (the root's PersistentPreRun)
// rather than at start-up: os/signal's watcher goroutines and the thread
// they wake were about 1% of the CPU time of 'pyward version', and neither
// it nor --help needs them (Ctrl-C keeps its default action there).
func (a *app) armInterrupts(cmd *cobra.Command) {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	cmd.SetContext(ctx)
	a.interrupt, a.stopInterrupt = ctx, stop
}

// flagSetup registers the flags of one command.
type flagSetup struct {
	cmd      *cobra.Command
	register func()
}

// deferFlags has register add cmd's flags once the command line names cmd.
// Registering the flags of every command (pflag renders each default, and
// some help strings are built from tables) was most of the work pyward's
// own code did in a start such as 'pyward version'; cobra needs a command's
// flags only to parse, complete or describe that command's arguments.
func (a *app) deferFlags(cmd *cobra.Command, register func()) {
	a.flagSetups = append(a.flagSetups, flagSetup{cmd, register})
}

// registerFlags runs the deferred flag registrations of the commands whose
// name or alias is one of args, or all of them with all. Cobra matches
// command names whole (prefix matching is off), so the command that runs,
// and any command whose help or completions are asked for ('pyward help
// lock', 'pyward __complete lock --'), is named in args; a word that only
// happens to equal a command's name costs that command's registration and
// nothing else.
func (a *app) registerFlags(args []string, all bool) {
	for _, s := range a.flagSetups {
		if all || slices.Contains(args, s.cmd.Name()) || slices.ContainsFunc(s.cmd.Aliases, func(alias string) bool { return slices.Contains(args, alias) }) {
			s.register()
		}
	}
	a.flagSetups = nil
}

// clientOptions are the index client options every command uses:
// pyward's User-Agent and, with -v, the log of every HTTP request and
// cache hit on standard error.
func (a *app) clientOptions() sources.ClientOptions {
	o := sources.ClientOptions{UserAgent: "pyward/" + version()}
	if a.verbose {
		o.Logf = a.logf
	}
	return o
}

// notef prints what a command did (committed, pushed, fixed) on standard
// error, unless -q.
func (a *app) notef(format string, args ...any) {
	if !a.quiet {
		fmt.Fprintf(a.stderr, format+"\n", args...)
	}
}

// logf prints one -v log line on standard error.
func (a *app) logf(format string, args ...any) {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	fmt.Fprintf(a.stderr, format+"\n", args...)
}

// verboseLogf is logf with -v and a no-op without it, for engines that
// take a log function.
func (a *app) verboseLogf() func(string, ...any) {
	if a.verbose {
		return a.logf
	}
	return func(string, ...any) {}
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{stdin: stdin, stdout: stdout, stderr: stderr}
}

// rootCommand builds the command tree for the command line args: every
// command with its help, and the flags of the commands args names (see
// registerFlags).
func (a *app) rootCommand(args []string) *cobra.Command {
	return a.commandTree(args, false)
}

// fullCommandTree builds the command tree with every command's flags.
func (a *app) fullCommandTree() *cobra.Command {
	return a.commandTree(nil, true)
}

func (a *app) commandTree(args []string, allFlags bool) *cobra.Command {
	root := &cobra.Command{
		Use:   "pyward",
		Short: "Secure the supply chain of Python projects",
		Long: `pyward locks, installs and audits Python dependencies, secure by default:
hashed locks of the full dependency graph, one trusted index per package,
installs that verify every byte and run no package code, and audits for
vulnerable, malicious, typo-squatted and confusable packages.

` + exitStatusHelp,
		Example: `  pyward lock requirements.in -o requirements.txt
  pyward sync requirements.txt --venv .venv
  pyward audit requirements.txt --format sarif
  pyward inspect requirements.in`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			a.armInterrupts(cmd)
		},
	}
	root.Version = versionLine()
	root.SetVersionTemplate("pyward {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "print nothing but warnings, errors and what was asked for on standard output (the exit status still tells)")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "log more: every HTTP request and cache hit")
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(
		a.lockCommand(),
		a.syncCommand(),
		a.auditCommand(),
		a.fixCommand(),
		a.dbCommand(),
		a.inspectCommand(),
		a.versionCommand(),
	)
	a.registerFlags(args, allFlags)
	markRunErrors(root)
	return root
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print pyward's version",
		Args:  cobra.NoArgs,
		// Printing one line needs no interrupt handling (see
		// armInterrupts): this replaces the root's hook.
		PersistentPreRun: func(*cobra.Command, []string) {},
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.stdout, "pyward %s\n", versionLine())
			return nil
		},
	}
}

// versionLine is what 'pyward version' and 'pyward --version' print after
// the name: the version, the Go release and the platform.
func versionLine() string {
	return fmt.Sprintf("%s (%s, %s/%s)", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// buildIdentity names this very binary: its version and, since development
// builds share one, its path, size and modification time. Cached results
// that depend on pyward's own logic (lock memos) are keyed by it.
func buildIdentity() string {
	id := version()
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			id += fmt.Sprintf(" %s %d %d", exe, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return id
}

// version reports the module version stamped by the Go toolchain, or the
// VCS revision for development builds. It decodes the build information
// once: every start asks for it (the root command's --version) and
// 'pyward version' asks again.
var version = gosync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
})
