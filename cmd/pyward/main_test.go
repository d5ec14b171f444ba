package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
