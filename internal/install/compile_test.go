package install

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 9 item 9: a file whose name holds a newline followed by an absolute
// path made compileall (reading names line by line) compile the file at
// that path, writing its .pyc outside the environment.
func TestCompileStaysInside(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	ctx := context.Background()
	tg := newTarget(t)
	tg.Python = py
	outside := t.TempDir()
	victim := filepath.Join(outside, "mod.py")
	os.WriteFile(victim, []byte("X = 1\n"), 0o644)
	// The installed file a hostile name would have made (check now refuses
	// such names; Compile must not depend on that).
	hostile := filepath.Join(tg.Purelib, "demo", "x\n"+outside, "mod.py")
	if err := os.MkdirAll(filepath.Dir(hostile), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(hostile, []byte("X = 2\n"), 0o644)
	plain := filepath.Join(tg.Purelib, "demo", "ok.py")
	os.WriteFile(plain, []byte("X = 3\n"), 0o644)

	if err := compileIn(ctx, tg, []string{hostile, plain}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(outside, "__pycache__")); err == nil {
		t.Fatal("compiled a file outside the environment")
	}
	for _, src := range []string{hostile, plain} {
		pyc, _ := filepath.Glob(filepath.Join(filepath.Dir(src), "__pycache__", "*.pyc"))
		if len(pyc) != 1 {
			t.Errorf("%q: compiled %v, want one .pyc", src, pyc)
		}
	}

	// A path outside the site directories is refused, and nothing is
	// compiled.
	os.RemoveAll(filepath.Join(tg.Purelib, "demo", "__pycache__"))
	err = compileIn(ctx, tg, []string{plain, victim})
	if err == nil || !strings.Contains(err.Error(), victim) {
		t.Fatalf("err = %v; want the outside path refused", err)
	}
	for _, d := range []string{filepath.Join(outside, "__pycache__"), filepath.Join(tg.Purelib, "demo", "__pycache__")} {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s written", d)
		}
	}
}

func compileIn(ctx context.Context, tg *Target, files []string) error {
	return tg.Compile(ctx, files)
}
