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
	"runtime"
	"runtime/debug"
	"runtime/pprof"

	"github.com/pyward/pyward/internal/redact"
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
	memProfile := os.Getenv("PYWARD_MEMPROFILE")
	if memProfile != "" {
		// The same aid for memory: every allocation of the run, sampled
		// finely enough to account for a short command's few megabytes
		// (go tool pprof -sample_index=alloc_space).
		runtime.MemProfileRate = memProfileRate
	}
	code := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	if memProfile != "" {
		writeMemProfile(memProfile)
	}
	os.Exit(code)
}

// syncGCPercent is the GC setting of a sync from the moment it fetches,
// unpacks or installs (sync.Options.BeforeWork): most of what it then
// allocates is garbage within a wheel's preparation (its bytes, METADATA
// read and parsed twice, the tree's bookkeeping), so a heap allowed to
// grow fivefold was mostly pages touched for the first time, each a page
// fault: collecting at twofold reuses them. A sync that changes nothing
// keeps gcPercent, under which it ends before its first collection.
const syncGCPercent = 100

// memProfileRate is the sampling interval (bytes) under PYWARD_MEMPROFILE.
const memProfileRate = 512

// writeMemProfile writes the allocation profile to path; like the CPU
// profile, a failure only costs the profile.
func writeMemProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	_ = pprof.Lookup("allocs").WriteTo(f, 0)
	_ = f.Close()
}

// tuneGC applies the GC settings unless the user chose their own with
// GOGC or GOMEMLIMIT.
func tuneGC() {
	setGCPercent(gcPercent)
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
	root := app.rootCommand(args)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	interrupted := ctx.Err() != nil
	if app.interrupt != nil {
		interrupted = app.interrupt.Err() != nil
		app.stopInterrupt()
	}
	if err != nil && interrupted && !errors.Is(err, context.Canceled) {
		// Interrupted: whatever failed on the way out (a killed child
		// process, a closed connection) is a consequence.
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	code := exitCode(err)
	switch {
	case err == nil:
		return app.exitCode
	case code == exitInterrupted:
		fmt.Fprintln(app.stderr, "pyward: interrupted")
	default:
		fmt.Fprintf(app.stderr, "pyward: %v\n", err)
	}
	return code
}

// setGCPercent sets the GC percentage unless the user chose their own with
// GOGC.
func setGCPercent(percent int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(percent)
	}
}
