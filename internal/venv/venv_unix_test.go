//go:build unix

package venv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Cancelling while the interpreter is being queried is reported as
// cancellation, not as the "signal: killed" of the stopped process.
func TestQueryCancelled(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "started")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	// A stand-in interpreter that says it started, then never answers.
	fake := filepath.Join(dir, "python3")
	script := "#!/bin/sh\necho started > '" + fifo + "'\nexec sleep 600\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Query(ctx, fake, "")
		done <- err
	}()
	// Opening the FIFO blocks until the interpreter has started.
	if _, err := os.ReadFile(fifo); err != nil {
		t.Fatal(err)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if strings.Contains(err.Error(), "signal") {
		t.Errorf("error reports the killed process: %v", err)
	}
}
