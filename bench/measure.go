package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// maxStderrInError bounds how much of a failing tool's stderr an error quotes.
const maxStderrInError = 2000

// sample is one timed run of a subprocess.
type sample struct {
	Wall  time.Duration
	RSSKB int64 // peak resident set size of the process (Linux: KiB)
	// CPU is the user + system time of the process and its waited-for
	// children: what the run cost, whatever else the machine was doing.
	CPU time.Duration
	// Minflt counts the minor page faults of the process and its waited-for
	// children: memory touched for the first time. Unlike time it does not
	// depend on the machine, and on virtual machines where a fault is slow
	// it is much of the cost of a short run.
	Minflt int64
}

// proc describes one subprocess invocation.
type proc struct {
	Name string   // executable
	Args []string // arguments
	Dir  string   // working directory ("" → inherit)
	Env  []string // full environment; nil → cleanEnv()
	// OKCodes lists exit codes besides 0 that count as success (audit exits 1
	// when it has findings).
	OKCodes []int
}

// result is what run returns besides the sample.
type result struct {
	Stdout, Stderr []byte
}

// spawnEnv marks the benchmark binary re-executed as a spawner (see spawnMain).
const spawnEnv = "PYWARD_BENCH_SPAWN"

// run starts p, waits for it and returns its wall-clock time and peak RSS.
//
// The tool is started through a copy of this binary in spawner mode rather
// than directly: Linux reports a child's ru_maxrss as at least the RSS its
// parent had when it forked, so a tool started straight from the harness
// (which holds indexes and advisories in memory) would inherit the harness's
// size. The small spawner forks the tool, times it from start to exit, and
// reports wall time, the tool's rusage and its exit code on file descriptor 3.
func run(ctx context.Context, p proc) (sample, result, error) {
	self, err := os.Executable()
	if err != nil {
		return sample{}, result{}, err
	}
	cmd := exec.CommandContext(ctx, self, append([]string{p.Name}, p.Args...)...)
	cmd.Dir = p.Dir
	env := p.Env
	if env == nil {
		env = cleanEnv()
	}
	cmd.Env = append(slices.Clone(env), spawnEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	rd, wr, err := os.Pipe()
	if err != nil {
		return sample{}, result{}, err
	}
	defer rd.Close()
	cmd.ExtraFiles = []*os.File{wr}
	if err := cmd.Start(); err != nil {
		wr.Close()
		return sample{}, result{}, fmt.Errorf("start %s: %w", p.Name, err)
	}
	wr.Close()
	report, _ := io.ReadAll(rd)
	werr := cmd.Wait()
	res := result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var wallNS, rss, cpuNS, minflt int64
	code := -1
	if _, err := fmt.Sscanf(string(report), "%d %d %d %d %d", &wallNS, &rss, &code, &cpuNS, &minflt); err != nil {
		return sample{}, res, fmt.Errorf("%s %s: no report from the spawner (%v, %v)\n%s", p.Name, shortArgs(p.Args), err, werr, tail(stderr.String(), maxStderrInError))
	}
	s := sample{Wall: time.Duration(wallNS), RSSKB: rss, CPU: time.Duration(cpuNS), Minflt: minflt}
	if code != 0 && !slices.Contains(p.OKCodes, code) {
		return s, res, fmt.Errorf("%s %s: exit status %d\n%s", p.Name, shortArgs(p.Args), code, tail(stderr.String(), maxStderrInError))
	}
	return s, res, nil
}

// spawnMain is the spawner: it runs os.Args[1:] with the inherited standard
// streams and writes "wall_ns maxrss_kib exit_code cpu_ns minflt" to file
// descriptor 3.
func spawnMain() {
	report := os.NewFile(3, "report")
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, spawnEnv+"=") })
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "spawner: no command")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // die with the harness
	start := time.Now()
	err := cmd.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "spawner:", err)
		os.Exit(2)
	}
	err = cmd.Wait()
	wall := time.Since(start)
	code := 0
	var rss, minflt int64
	var cpu time.Duration
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		minflt = ru.Minflt
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			fmt.Fprintln(os.Stderr, "spawner:", err)
			os.Exit(2)
		}
		code = ee.ExitCode()
	}
	fmt.Fprintf(report, "%d %d %d %d %d\n", wall.Nanoseconds(), rss, code, cpu.Nanoseconds(), minflt)
	report.Close()
}

// cleanEnv is the environment for every tool: the harness's own, minus
// anything that would make a tool read user configuration or reach a
// non-loopback network, plus settings that keep pip quiet and isolated.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "PIP_"), strings.HasPrefix(k, "PYWARD_"), strings.HasPrefix(k, "UV_"),
			strings.HasPrefix(k, "OSV_"), k == "XDG_CACHE_HOME", k == "PYTHONPATH", k == "VIRTUAL_ENV":
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"PIP_CONFIG_FILE=/dev/null",
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_INPUT=1",
		"PYTHONDONTWRITEBYTECODE=1",
		"NO_PROXY=127.0.0.1,localhost",
	)
	return append(env, extra...)
}

func shortArgs(args []string) string {
	s := strings.Join(args, " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// median and minimum of durations (the slice is not modified).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minimum(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return slices.Min(ds)
}

// medianCount is the median of counts (the lower middle one for an even
// number), 0 for none.
func medianCount(ns []int64) int64 {
	if len(ns) == 0 {
		return 0
	}
	s := slices.Clone(ns)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
