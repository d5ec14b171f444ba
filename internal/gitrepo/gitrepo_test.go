package gitrepo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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

// newRepo makes a repository with one commit on main and a bare remote.
func newRepo(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	remote := filepath.Join(t.TempDir(), "remote.git")
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "config", "user.name", "T")
	git(t, dir, "config", "user.email", "t@example.invalid")
	git(t, dir, "config", "commit.gpgsign", "false")
	git(t, dir, "init", "-q", "--bare", remote)
	git(t, dir, "remote", "add", "origin", remote)
	for name, body := range map[string]string{"a/requirements.txt": "old\n", "README": "readme\n"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "init")
	return dir, remote
}

func TestCommit(t *testing.T) {
	ctx := context.Background()
	dir, _ := newRepo(t)
	r, err := Open(ctx, filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	// Staged and unstaged work of the user must stay out of the commit.
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "README")
	rel, err := r.Rel(filepath.Join(dir, "a", "requirements.txt"))
	if err != nil || rel != "a/requirements.txt" {
		t.Fatalf("Rel = %q, %v", rel, err)
	}
	files := []File{{Path: rel, Data: []byte("new\n")}}
	c1, moved, err := r.Commit(ctx, "pyward/fix-x", "main", "fix(deps): x\n\nbody\n", files)
	if err != nil || !moved {
		t.Fatalf("Commit: %v moved=%v", err, moved)
	}
	if got := git(t, dir, "diff", "--name-only", "main", "pyward/fix-x"); got != "a/requirements.txt" {
		t.Errorf("commit changes %q", got)
	}
	if got := git(t, dir, "show", "pyward/fix-x:a/requirements.txt"); got != "new" {
		t.Errorf("committed content %q", got)
	}
	if got := git(t, dir, "status", "--porcelain"); got != "M  README" {
		t.Errorf("the user's index or tree changed: %q", got)
	}
	if got := git(t, dir, "rev-parse", "--abbrev-ref", "HEAD"); got != "main" {
		t.Errorf("HEAD moved to %s", got)
	}
	// The same change again: nothing happens.
	c2, moved, err := r.Commit(ctx, "pyward/fix-x", "main", "fix(deps): x\n\nbody\n", files)
	if err != nil || moved || c2 != c1 {
		t.Errorf("repeat: %s moved=%v %v, want %s unchanged", c2, moved, err, c1)
	}
	// Another content: the branch moves, still one commit on main.
	c3, moved, err := r.Commit(ctx, "pyward/fix-x", "main", "fix(deps): y\n", []File{{Path: rel, Data: []byte("newer\n")}})
	if err != nil || !moved || c3 == c1 {
		t.Fatalf("update: %v moved=%v", err, moved)
	}
	if got := git(t, dir, "rev-list", "--count", "main..pyward/fix-x"); got != "1" {
		t.Errorf("%s commits on the branch, want 1", got)
	}
	for _, bad := range []string{"bad..name", "-x", "a b"} {
		if _, _, err := r.Commit(ctx, bad, "main", "m", files); err == nil || !strings.Contains(err.Error(), "not a valid branch name") {
			t.Errorf("branch %q: err = %v", bad, err)
		}
	}
	if _, _, err := r.Commit(ctx, "ok", "nope", "m", files); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing start: err = %v", err)
	}
	if _, err := r.Rel(filepath.Join(t.TempDir(), "x")); err == nil {
		t.Error("a path outside the repository was accepted")
	}
}

func TestOpenOutsideRepository(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	if _, err := Open(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "not in a git repository") {
		t.Errorf("err = %v", err)
	}
}

func TestPush(t *testing.T) {
	ctx := context.Background()
	dir, remote := newRepo(t)
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	files := []File{{Path: "a/requirements.txt", Data: []byte("new\n")}}
	c1, _, err := r.Commit(ctx, "fix", "main", "m1\n", files)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Push(ctx, "origin", "fix"); err != nil {
		t.Fatal(err)
	}
	if at, err := r.RemoteBranch(ctx, "origin", "fix"); err != nil || at != c1 {
		t.Fatalf("remote at %q %v, want %s", at, err, c1)
	}
	// A rewritten branch replaces the remote one it was built over.
	c2, _, err := r.Commit(ctx, "fix", "main", "m2\n", []File{{Path: "a/requirements.txt", Data: []byte("newer\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Push(ctx, "origin", "fix"); err != nil {
		t.Fatal(err)
	}
	if at := git(t, remote, "rev-parse", "fix"); at != c2 {
		t.Errorf("remote at %s, want %s", at, c2)
	}
	if _, err := r.RemoteURL(ctx, "nope"); err == nil {
		t.Error("a missing remote was accepted")
	}
}
