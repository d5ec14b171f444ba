package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// maxPackageInitBytes bounds what one pyward package may allocate while
// initialising: every pyward start (a pre-commit hook, `pyward version`)
// pays for it, so regular expressions, replacers and decoded tables are
// built on first use (sync.OnceValue) instead.
const maxPackageInitBytes = 16 << 10

// TestPackageInitIsCheap re-executes the test binary, which links every
// package pyward links, with GODEBUG=inittrace=1 and no test to run, and
// checks the allocations of pyward's own package initialisers.
func TestPackageInitIsCheap(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	seen := 0
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		// init github.com/pyward/pyward/internal/pep508 @73 ms, 9.7 ms clock, 102696 bytes, 1121 allocs
		f := strings.Fields(sc.Text())
		if len(f) < 11 || f[0] != "init" || !strings.HasPrefix(f[1], "github.com/pyward/pyward/") || f[8] != "bytes," {
			continue
		}
		seen++
		n, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		if n > maxPackageInitBytes {
			t.Errorf("%s allocates %d bytes at start-up (limit %d): build it on first use", f[1], n, maxPackageInitBytes)
		}
	}
	if seen == 0 {
		t.Fatalf("no pyward package in the init trace:\n%s", stderr.String())
	}
}
