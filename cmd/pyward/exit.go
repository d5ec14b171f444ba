package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pyward/pyward/internal/build"
	"github.com/pyward/pyward/internal/fixpr"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/simpleapi"
	"github.com/pyward/pyward/internal/sync"
	"github.com/pyward/pyward/internal/venv"
)

// The exit-code table every command follows; exitCode applies it, the
// README ("Exit status") and 'pyward --help' document it.
const (
	exitOK          = 0   // success, nothing to report
	exitFindings    = 1   // audit found problems at or above --fail-on; lock --check found the lock out of date
	exitUsage       = 2   // bad flags or arguments, bad input files, refused input, unusable environment
	exitInternal    = 3   // anything else: network failures, I/O errors
	exitInterrupted = 130 // interrupted (Ctrl-C, SIGTERM): 128 + SIGINT, as shells report it
)

// exitStatusHelp is the table as printed by --help.
const exitStatusHelp = `Exit status (every command):
  0    success
  1    findings: audit found problems at or above --fail-on; lock --check
       found the lock out of date
  2    usage or input: bad flags or arguments, unreadable or invalid input
       files, a lock or file refused, an unusable environment
  3    network, I/O or other failures
  130  interrupted (Ctrl-C)`

// exitCode maps the error a command returned to its exit status. It is the
// only place that does: commands return errors, marked with usageError or
// internalError where their kind is not visible in the error itself.
func exitCode(err error) int {
	var ce *codedError
	var ran *commandError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case isInputError(err):
		return exitUsage
	case errors.As(err, &ce):
		return ce.code
	case !errors.As(err, &ran):
		// Not from a command's run: cobra refused the command line
		// (unknown command, wrong number of arguments).
		return exitUsage
	}
	return exitInternal
}

// isInputError recognizes the engines' errors that mean the input is the
// user's to fix, whichever command met them: the same refusal exits 2 in
// lock, sync, audit and fix.
func isInputError(err error) bool {
	var nf *index.NotFoundError
	var pe *simpleapi.ParseError
	var nb *index.NeedsBuildError
	var he *build.HookError
	var ce *build.ConfigError
	var pe2 *provenance.Error
	switch {
	case errors.Is(err, index.ErrInsecure), errors.Is(err, index.ErrHashMismatch), errors.Is(err, index.ErrMetadataMismatch),
		errors.As(err, &nf), errors.As(err, &pe), errors.As(err, &nb),
		errors.Is(err, lock.ErrBuildRequired), errors.As(err, &he), errors.As(err, &ce), errors.Is(err, build.ErrUnsafeArchive),
		errors.Is(err, sync.ErrInvalidLock), errors.Is(err, sync.ErrRefused), errors.Is(err, sync.ErrEnvironment), errors.Is(err, sync.ErrSources),
		errors.Is(err, install.ErrUnsafe), errors.Is(err, venv.ErrNotVenv),
		errors.As(err, &pe2), errors.Is(err, lock.ErrProvenancePolicy),
		errors.Is(err, fixpr.ErrInput), errors.Is(err, resolve.ErrEnvironments):
		return true
	}
	return false
}

// codedError carries the exit code an error should produce.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// usageError marks err as the user's to fix (exit 2).
func usageError(err error) error { return &codedError{code: exitUsage, err: err} }

// usageErrorf formats a usage error.
func usageErrorf(format string, args ...any) error { return usageError(fmt.Errorf(format, args...)) }

// internalError marks err as an environment failure (exit 3).
func internalError(err error) error { return &codedError{code: exitInternal, err: err} }

// commandError marks an error returned by a command's run, as opposed to
// one cobra raised while reading the command line.
type commandError struct{ err error }

func (e *commandError) Error() string { return e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }

// markRunErrors wraps the run function of c and its subcommands so that
// their errors are told apart from cobra's command-line errors.
func markRunErrors(c *cobra.Command) {
	for _, sub := range c.Commands() {
		markRunErrors(sub)
	}
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if err := run(cmd, args); err != nil {
				return &commandError{err}
			}
			return nil
		}
	}
}
