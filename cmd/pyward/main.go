// Command pyward secures the supply chain of Python projects: it resolves
// requirements into a hashed lock (lock), installs exactly that lock into a
// virtual environment (sync) and audits dependencies for vulnerable,
// malicious, typo-squatted and confusable packages (audit).
//
// This package only parses flags, prints and chooses exit codes; every
// engine lives under internal/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/pyward/pyward/internal/redact"
)

// Exit codes shared by every subcommand.
const (
	exitOK       = 0 // success, nothing to report
	exitFindings = 1 // audit found problems at or above --fail-on
	exitUsage    = 2 // bad flags, bad input files, unusable environment
	exitInternal = 3 // anything else: network failures, I/O errors
)

// GC settings for a short-lived command: collect when the heap has grown
// fivefold rather than twofold (most runs end before a second GC), but
// never let the heap pass softMemoryLimit without collecting harder.
const (
	gcPercent       = 400
	softMemoryLimit = 1 << 30
)

func main() {
	tuneGC()
	if path := os.Getenv("PYWARD_CPUPROFILE"); path != "" {
		// A debugging aid for performance reports: go tool pprof reads it.
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	pprof.StopCPUProfile()
	os.Exit(code)
}

// tuneGC applies the GC settings unless the user chose their own with
// GOGC or GOMEMLIMIT.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softMemoryLimit)
	}
}

// run executes one pyward invocation and returns its exit code. It never
// panics on user input: errors are printed as a single line. Everything
// printed passes through redact: whatever a message quotes (a URL from a
// flag, pip's configuration or an index page), credentials never reach the
// terminal, a log or CI output.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out, errOut := redact.NewWriter(stdout), redact.NewWriter(stderr)
	defer errOut.Flush()
	defer out.Flush()
	app := newApp(stdin, &terminalWriter{out, stdout}, &terminalWriter{errOut, stderr})
	root := app.rootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return app.exitCode
	}
	fmt.Fprintf(app.stderr, "pyward: %v\n", err)
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code
	}
	// Cobra reports unknown flags and commands as plain errors.
	return exitUsage
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
