package fixpr

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/fix"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// newRepo makes a repository with a lock in svc/ committed on main, and a
// bare remote named origin.
func newRepo(t *testing.T) (dir, lock string) {
	t.Helper()
	dir = t.TempDir()
	remote := filepath.Join(t.TempDir(), "remote.git")
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "config", "user.name", "T")
	git(t, dir, "config", "user.email", "t@example.invalid")
	git(t, dir, "config", "commit.gpgsign", "false")
	git(t, dir, "init", "-q", "--bare", remote)
	git(t, dir, "remote", "add", "origin", remote)
	lock = filepath.Join(dir, "svc", "requirements.txt")
	if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lock, []byte("idna==3.6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "init")
	return dir, lock
}

// fixed is the report of a fix of lock that moved idna to 3.7.
func fixed(lock string) fix.LockReport {
	return fix.LockReport{Result: &fix.Result{Path: lock, Data: []byte("idna==3.7\n"), Changed: true,
		Changes: []fix.Change{{Package: "idna", From: "3.6", To: "3.7", Advisories: []string{"PYSEC-2024-60"}, Targeted: true}}},
		After: &audit.Report{}}
}

// TestDeliver commits and pushes a fixed lock on its own branch, leaves
// the working tree alone, and does nothing the second time.
func TestDeliver(t *testing.T) {
	dir, lock := newRepo(t)
	var log []string
	opts := Options{Dir: filepath.Join(dir, "svc"), Push: true, Remote: "origin", Log: func(m string) { log = append(log, m) }}
	ctx := context.Background()
	if err := Deliver(ctx, []fix.LockReport{fixed(lock)}, opts); err != nil {
		t.Fatal(err)
	}
	const branch = "pyward/fix-pysec-2024-60-svc"
	if got := git(t, dir, "show", branch+":svc/requirements.txt"); got != "idna==3.7" {
		t.Errorf("branch holds %q", got)
	}
	if got := git(t, dir, "diff", "--name-only", "main", branch); got != "svc/requirements.txt" {
		t.Errorf("the commit changes %q", got)
	}
	if got := git(t, dir, "ls-remote", "origin", branch); got == "" {
		t.Error("the branch was not pushed")
	}
	if data, _ := os.ReadFile(lock); string(data) != "idna==3.6\n" {
		t.Errorf("the working tree's lock became %q", data)
	}
	want := []string{"committed svc/requirements.txt on branch " + branch, "pushed " + branch + " to origin"}
	if len(log) != 2 || !strings.HasPrefix(log[0], want[0]) || log[1] != want[1] {
		t.Errorf("log %q, want %q", log, want)
	}

	log = nil
	if err := Deliver(ctx, []fix.LockReport{fixed(lock)}, opts); err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0] != "branch "+branch+" already holds this fix" {
		t.Errorf("second run log %q", log)
	}
}

// TestDeliverInputErrors checks that what the user must fix is marked
// ErrInput, and that nothing changed commits nothing.
func TestDeliverInputErrors(t *testing.T) {
	dir, lock := newRepo(t)
	unchanged := fix.LockReport{Result: &fix.Result{Path: lock, Data: []byte("idna==3.6\n")}, After: &audit.Report{}}
	tests := []struct {
		name    string
		dir     string
		opts    Options
		reports []fix.LockReport
		want    string // in the error; "" means no error
	}{
		{name: "not a repository", dir: t.TempDir(), reports: []fix.LockReport{fixed(lock)}, want: "git"},
		{name: "no such base", dir: dir, opts: Options{Base: "nosuch"}, reports: []fix.LockReport{fixed(lock)}, want: "--base nosuch: no such branch"},
		{name: "no forge repository in the remote", dir: dir, opts: Options{Remote: "origin", Push: true},
			reports: []fix.LockReport{fixed(lock)}, want: "cannot tell OWNER/NAME"},
		{name: "nothing changed", dir: dir, reports: []fix.LockReport{unchanged}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Dir = tt.dir
			if strings.HasPrefix(tt.want, "cannot tell") {
				opts.Forge.Kind, opts.Forge.Token = "github", "t"
			}
			var log []string
			opts.Log = func(m string) { log = append(log, m) }
			err := Deliver(context.Background(), tt.reports, opts)
			if tt.want == "" {
				if err != nil || len(log) != 1 || log[0] != "no lock changed: nothing to commit" {
					t.Errorf("err %v, log %q", err, log)
				}
				return
			}
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want an ErrInput error with %q", err, tt.want)
			}
		})
	}
}
