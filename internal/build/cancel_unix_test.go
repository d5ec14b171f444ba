//go:build unix

package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestCancelKillsHook cancels a build while its hook runs: Metadata
// returns the context's error and the hook's process is gone. The hook
// announces its start (and pid) through a FIFO, so the test cancels at
// that moment, whatever the machine's speed.
func TestCancelKillsHook(t *testing.T) {
	python(t)
	tmp := t.TempDir()
	fifo := filepath.Join(tmp, "started")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	links := t.TempDir()
	hook := "import os, time\ndef prepare_metadata_for_build_wheel(outdir, config_settings=None):\n" +
		"    with open(" + strconv.Quote(fifo) + ", 'w') as f:\n        f.write(str(os.getpid()))\n    time.sleep(600)\n"
	inTree(t, links, "hang", "1.0", hook, "")
	c, _ := newClient(t, nil, links)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := New(c, Options{TempDir: t.TempDir()}).Metadata(ctx, sdistFile(t, c, "hang"))
		done <- err
	}()
	started := make(chan string, 1)
	go func() {
		data, _ := os.ReadFile(fifo) // blocks until the hook opens it
		started <- string(data)
	}()
	var pid int
	select {
	case s := <-started:
		var err error
		if pid, err = strconv.Atoi(strings.TrimSpace(s)); err != nil {
			t.Fatalf("hook wrote %q", s)
		}
	case err := <-done:
		// Unblock the reader, then report why the hook never ran.
		if w, oerr := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); oerr == nil {
			w.Close()
		}
		t.Fatalf("Metadata returned before the hook started: %v", err)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want the context's error, got %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("hook process %d still exists after cancellation (kill 0: %v)", pid, err)
	}
}
