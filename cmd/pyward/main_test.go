package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"syscall"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/venv"
)

// runPyward runs one invocation in-process and returns exit code and output.
func runPyward(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCLIBasics(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"version", []string{"version"}, exitOK, "pyward ", ""},
		{"help", []string{"--help"}, exitOK, "Usage:", ""},
		{"help lists lock", []string{"--help"}, exitOK, "lock", ""},
		{"help lists the exit codes", []string{"--help"}, exitOK, "130  interrupted", ""},
		{"unknown flag", []string{"--bogus"}, exitUsage, "", "unknown flag: --bogus"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "", "unknown command"},
		{"version takes no args", []string{"version", "x"}, exitUsage, "", "unknown command"},
		{"completion", []string{"completion", "bash"}, exitOK, "bash completion", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runPyward(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("stdout %q does not contain %q", stdout, tt.wantStdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.wantStderr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace on stderr: %s", stderr)
			}
			if tt.wantCode != exitOK && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("error output is not one line: %q", stderr)
			}
		})
	}
}

// runPywardCtx is runPyward with a context (cancelled: Ctrl-C).
func runPywardCtx(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(ctx, args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestExitCode(t *testing.T) {
	plain := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, exitOK},
		{"usage", usageErrorf("bad flag"), exitUsage},
		{"internal", internalError(plain), exitInternal},
		{"cobra's own error (unknown command)", plain, exitUsage},
		{"an unmarked error from a command's run", &commandError{plain}, exitInternal},
		{"interrupted, however marked", internalError(fmt.Errorf("fetch: %w", context.Canceled)), exitInterrupted},
		{"interrupted, from a run", &commandError{usageError(context.Canceled)}, exitInterrupted},
		{"http:// refused, marked internal", &commandError{internalError(fmt.Errorf("x: %w", index.ErrInsecure))}, exitUsage},
		{"http:// refused, unmarked", &commandError{fmt.Errorf("x: %w", index.ErrInsecure)}, exitUsage},
		{"refused wheel", &commandError{fmt.Errorf("x: %w", install.ErrUnsafe)}, exitUsage},
		{"not a venv", &commandError{fmt.Errorf("x: %w", venv.ErrNotVenv)}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

// The same failure exits with the same code in every command, and an
// interruption is reported as such.
func TestExitCodesEndToEnd(t *testing.T) {
	isolateConfig(t)
	dir := t.TempDir()
	lockFile := writeSixLock(t, dir)
	venvDir := filepath.Join(dir, "venv")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name       string
		ctx        context.Context
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"lock refuses http://", context.Background(), []string{"lock", "six", "--no-cache", "--python-version", "3.12", "--index-url", "http://127.0.0.1:1/simple/"}, exitUsage, "insecure http:// URL refused"},
		{"sync refuses http://", context.Background(), []string{"sync", lockFile, "--venv", venvDir, "--no-cache", "--index-url", "http://127.0.0.1:1/simple/"}, exitUsage, "insecure http:// URL refused"},
		{"db update unreachable", context.Background(), []string{"db", "update", "--osv-url", "http://127.0.0.1:1/all.zip", "--names-url", "http://127.0.0.1:1/simple/", "--top-url", "http://127.0.0.1:1/top.json", "--tuf-url", "http://127.0.0.1:1/tuf"}, exitInternal, "127.0.0.1:1"},
		{"db update interrupted", cancelled, []string{"db", "update", "--osv-url", "https://127.0.0.1:1/all.zip", "--names-url", "https://127.0.0.1:1/simple/", "--top-url", "https://127.0.0.1:1/top.json", "--tuf-url", "https://127.0.0.1:1/tuf"}, exitInterrupted, "pyward: interrupted\n"},
		{"lock interrupted", cancelled, []string{"lock", "six", "--no-cache", "--python-version", "3.12", "--index-url", "https://127.0.0.1:1/simple/"}, exitInterrupted, "pyward: interrupted\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runPywardCtx(t, tt.ctx, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantStderr)
			}
			if tt.wantCode == exitInterrupted && stderr != tt.wantStderr {
				t.Errorf("stderr %q, want exactly %q", stderr, tt.wantStderr)
			}
		})
	}
	if _, err := os.Stat(venvDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused sync created %s (%v)", venvDir, err)
	}
}

// Habits of pip-compile and uv users: every command takes -q and -v,
// pyward --version works, lock accepts pip-compile's flags.
func TestCLIHabits(t *testing.T) {
	for _, cmd := range [][]string{{"lock"}, {"sync"}, {"audit"}, {"db"}, {"db", "update"}, {"db", "status"}, {"inspect"}, {"version"}} {
		for _, fl := range []string{"-q", "-v", "--quiet", "--verbose"} {
			args := append(append([]string(nil), cmd...), fl, "--help")
			if code, _, stderr := runPyward(t, args...); code != exitOK {
				t.Errorf("%v: exit %d: %s", args, code, stderr)
			}
		}
	}
	code, stdout, stderr := runPyward(t, "--version")
	if code != exitOK || !strings.HasPrefix(stdout, "pyward ") {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, want, _ := runPyward(t, "version"); stdout != want {
		t.Errorf("--version says %q, version says %q", stdout, want)
	}
	_, help, _ := runPyward(t, "lock", "--help")
	for _, fl := range []string{"--generate-hashes", "--no-header", "--strip-extras", "--allow-unsafe", "-q, --quiet", "-v, --verbose"} {
		if !strings.Contains(help, fl) {
			t.Errorf("lock --help lacks %s", fl)
		}
	}
}

func TestColourAllowed(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"TERM": "xterm-256color"}, true},
		{map[string]string{}, true},
		{map[string]string{"TERM": "dumb"}, false},
		{map[string]string{"NO_COLOR": "1"}, false},
		{map[string]string{"TERM": "xterm", "NO_COLOR": "1"}, false},
	}
	for _, tt := range tests {
		if got := colourAllowed(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("colourAllowed(%v) = %v, want %v", tt.env, got, tt.want)
		}
	}
}

// TestInterruptArmedForCommands sends SIGINT to this process while a
// command waits for the network: the handler the command armed before its
// work (armInterrupts) turns it into "interrupted" and exit status 130.
// Without that handler the signal would kill the test binary.
func TestInterruptArmedForCommands(t *testing.T) {
	isolateConfig(t)
	var once gosync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
				t.Error(err)
			}
		})
		<-r.Context().Done()
	}))
	defer srv.Close()
	code, _, stderr := runPyward(t, "db", "update", "--cache-dir", t.TempDir(), "--osv-url", srv.URL+"/all.zip",
		"--names-url", srv.URL+"/simple/", "--top-url", srv.URL+"/top.json", "--tuf-url", srv.URL+"/tuf")
	if code != exitInterrupted || stderr != "pyward: interrupted\n" {
		t.Errorf("exit %d, stderr %q; want %d and the interruption", code, stderr, exitInterrupted)
	}
}

// readPylock reads and parses the pylock.toml at path, failing t if it
// cannot.
func readPylock(t *testing.T, path string) *lockfile.Lock {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lockfile.ParsePylock(path, data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return l
}
