// Package gitrepo commits files to a branch of a git repository through the
// git command line, without touching the working tree or the index, and
// reads a file's history (FileHistory).
//
// Rules:
//
//   - A commit is built from a start commit's tree with some files
//     replaced (Commit): the blobs are written with git hash-object, the
//     tree in a temporary index file (GIT_INDEX_FILE), the commit with git
//     commit-tree, and the branch moved with git update-ref. The user's
//     checkout, staged changes and other files are never read or changed,
//     so only the named files differ from the start commit.
//   - Idempotence. When the branch already points at a commit whose parent
//     is the start commit and whose tree is the tree to commit, nothing is
//     written (Commit reports it unchanged).
//   - Every git command runs with the caller's context, in the repository,
//     with the user's configuration (user.name, user.email, signing
//     keys), and its standard error is part of the error it returns.
//   - Push pushes one branch with --force-with-lease on the commit the
//     remote had, so a branch someone else moved is not overwritten.
package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Repo is a git working tree.
type Repo struct {
	Root string // the top-level directory
}

// Open finds the repository holding dir.
func Open(ctx context.Context, dir string) (*Repo, error) {
	out, err := run(ctx, dir, nil, nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not in a git repository: %w", dir, err)
	}
	root := strings.TrimSpace(out)
	// git prints the resolved path; compare files through the same.
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	return &Repo{Root: root}, nil
}

// Git runs git with args in the repository and returns its standard output.
func (r *Repo) Git(ctx context.Context, args ...string) (string, error) {
	return run(ctx, r.Root, nil, nil, args...)
}

// ErrNoBranch is returned by CurrentBranch on a detached HEAD.
var ErrNoBranch = errors.New("HEAD is not on a branch")

// CurrentBranch is the short name of the checked-out branch.
func (r *Repo) CurrentBranch(ctx context.Context) (string, error) {
	out, err := r.Git(ctx, "symbolic-ref", "--quiet", "--short", "HEAD")
	if err != nil {
		return "", ErrNoBranch
	}
	return strings.TrimSpace(out), nil
}

// Resolve returns the commit hash of rev, or "" when rev names no commit.
func (r *Repo) Resolve(ctx context.Context, rev string) (string, error) {
	out, err := r.Git(ctx, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 {
			return "", nil
		}
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// Rel returns path relative to the repository root, slash-separated, and
// refuses a path outside it.
func (r *Repo) Rel(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(dir, filepath.Base(abs))
	}
	rel, err := filepath.Rel(r.Root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the repository %s", path, r.Root)
	}
	return filepath.ToSlash(rel), nil
}

// File is one file to commit: its path relative to the root and content.
type File struct {
	Path string
	Data []byte
	Mode string // git mode; "" means 100644
}

// Commit makes branch point at a commit whose parent is start and whose
// tree is start's with files replaced. It returns the commit and whether
// the branch moved (false: it already held exactly this change).
func (r *Repo) Commit(ctx context.Context, branch, start, message string, files []File) (string, bool, error) {
	if err := r.checkBranchName(ctx, branch); err != nil {
		return "", false, err
	}
	base, err := r.Resolve(ctx, start)
	if err != nil || base == "" {
		return "", false, fmt.Errorf("git: start commit %q not found: %v", start, err)
	}
	tmp, err := os.CreateTemp("", "pyward-index-*")
	if err != nil {
		return "", false, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	env := []string{"GIT_INDEX_FILE=" + tmp.Name()}
	if _, err := run(ctx, r.Root, env, nil, "read-tree", base); err != nil {
		return "", false, err
	}
	for _, f := range files {
		blob, err := run(ctx, r.Root, nil, f.Data, "hash-object", "-w", "--stdin")
		if err != nil {
			return "", false, err
		}
		mode := f.Mode
		if mode == "" {
			mode = "100644"
		}
		info := mode + "," + strings.TrimSpace(blob) + "," + f.Path
		if _, err := run(ctx, r.Root, env, nil, "update-index", "--add", "--cacheinfo", info); err != nil {
			return "", false, err
		}
	}
	tree, err := run(ctx, r.Root, env, nil, "write-tree")
	if err != nil {
		return "", false, err
	}
	tree = strings.TrimSpace(tree)
	ref := "refs/heads/" + branch
	old, err := r.Resolve(ctx, ref)
	if err != nil {
		return "", false, err
	}
	if old != "" {
		same, err := r.Git(ctx, "rev-parse", old+"^{tree}", old+"^@")
		if err == nil && strings.Join(strings.Fields(same), " ") == tree+" "+base {
			return old, false, nil
		}
	}
	commit, err := run(ctx, r.Root, nil, []byte(message), "commit-tree", tree, "-p", base, "-F", "-")
	if err != nil {
		return "", false, err
	}
	commit = strings.TrimSpace(commit)
	args := []string{"update-ref", "-m", "pyward fix", ref, commit}
	if old != "" {
		args = append(args, old)
	} else {
		args = append(args, "") // must not exist yet
	}
	if _, err := r.Git(ctx, args...); err != nil {
		return "", false, err
	}
	return commit, true, nil
}

// RemoteURL is the fetch URL of remote.
func (r *Repo) RemoteURL(ctx context.Context, remote string) (string, error) {
	out, err := r.Git(ctx, "remote", "get-url", remote)
	if err != nil {
		return "", fmt.Errorf("git remote %q: %w", remote, err)
	}
	return strings.TrimSpace(out), nil
}

// RemoteBranch is the commit of branch on remote, "" when it has none.
func (r *Repo) RemoteBranch(ctx context.Context, remote, branch string) (string, error) {
	out, err := r.Git(ctx, "ls-remote", "--heads", remote, "refs/heads/"+branch)
	if err != nil {
		return "", err
	}
	hash, _, _ := strings.Cut(strings.TrimSpace(out), "\t")
	return hash, nil
}

// Push pushes branch to remote, replacing the remote branch only if it is
// still at the commit it had when looked up.
func (r *Repo) Push(ctx context.Context, remote, branch string) error {
	had, err := r.RemoteBranch(ctx, remote, branch)
	if err != nil {
		return err
	}
	ref := "refs/heads/" + branch
	_, err = r.Git(ctx, "push", "--porcelain", "--force-with-lease="+ref+":"+had, remote, ref+":"+ref)
	return err
}

func (r *Repo) checkBranchName(ctx context.Context, branch string) error {
	if _, err := r.Git(ctx, "check-ref-format", "--branch", branch); err != nil {
		return fmt.Errorf("git: %q is not a valid branch name", branch)
	}
	return nil
}

// run runs git in dir with extra environment and standard input.
func run(ctx context.Context, dir string, env []string, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	// No prompt may wait for a terminal: credentials come from the
	// configured helpers or not at all.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	cmd.Env = append(cmd.Env, env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return "", fmt.Errorf("git %s: %w", args[0], err)
		}
		return "", fmt.Errorf("git %s: %s: %w", args[0], msg, err)
	}
	return stdout.String(), nil
}
