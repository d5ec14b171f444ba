// Package fixpr delivers the locks pyward fix rewrote as git commits and
// pull requests: the git and forge half of `pyward fix --branch --commit
// --push --open-pr`, after internal/fix has computed the new locks.
//
// Rules:
//
//   - Lock groups. The changed locks are split by directory
//     (fix.Groups); each group gets its own branch, commit and pull
//     request. Locks whose fix is impossible or changed nothing are left
//     out.
//   - Branches. A group's branch is fix.BranchName of the user's name or,
//     without one, of the advisories it clears; when the forge already has
//     an open pyward pull request for the group that the new fix updates
//     (forge.PlanFor), the fix goes on that pull request's branch.
//   - Commits. Only the group's lock files are committed, on the branch,
//     starting from Base (gitrepo.Commit): the working tree and the index
//     are left as they are. A branch that already holds the same content
//     is not moved, so running twice is a no-op.
//   - Push. The branch is pushed only when the remote's branch is not
//     already at the commit.
//   - Pull requests. One per group, opened or updated through forge.Apply;
//     a pull request whose title and body are already the new ones is left
//     alone. The body is the group's fix summary and forge.Marker.
//   - Secrets. The forge token goes only into the forge client; remote URLs
//     in messages lose their user information (internal/redact).
//
// Errors the user can fix (no repository, no such base branch, a remote
// that names no forge repository, a bad forge configuration) wrap ErrInput;
// git and forge failures do not.
package fixpr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/fix"
	"github.com/pyward/pyward/internal/forge"
	"github.com/pyward/pyward/internal/gitrepo"
	"github.com/pyward/pyward/internal/redact"
)

// ErrInput marks errors caused by the repository or the options, not by a
// failing git or forge.
var ErrInput = errors.New("fixpr: bad input")

// inputError wraps err as an ErrInput error with its own message.
type inputError struct{ err error }

func (e *inputError) Error() string   { return e.err.Error() }
func (e *inputError) Unwrap() []error { return []error{e.err, ErrInput} }
func inputErrorf(format string, args ...any) error {
	return &inputError{fmt.Errorf(format, args...)}
}

// Options say where and how the fix is delivered.
type Options struct {
	Dir    string // a directory inside the repository (the working directory)
	Branch string // the branch name; "" names it from the advisories
	Base   string // the branch the fix starts from and the pull request targets; "" means the current branch
	Push   bool
	Remote string // the git remote pushed to and read for the forge repository
	// Forge opens or updates pull requests when Kind is set (Push must be
	// too). An empty Repo is read from Remote's URL.
	Forge  forge.Config
	Labels []string
	// MinSeverity is the threshold of the pull-request summaries.
	MinSeverity audit.Severity
	// Log receives one line per step (committed, pushed, opened…).
	Log func(msg string)
}

// Deliver commits each lock group's changed locks on its branch, pushes it
// and opens or updates its pull request.
func Deliver(ctx context.Context, reports []fix.LockReport, opts Options) error {
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			opts.Log(fmt.Sprintf(format, args...))
		}
	}
	repo, err := gitrepo.Open(ctx, opts.Dir)
	if err != nil {
		return &inputError{err}
	}
	base := opts.Base
	if base == "" {
		if base, err = repo.CurrentBranch(ctx); err != nil {
			return inputErrorf("--base: %v; name the branch the fix starts from", err)
		}
	}
	start, err := repo.Resolve(ctx, base)
	if err != nil || start == "" {
		return inputErrorf("--base %s: no such branch", base)
	}
	var changed []fix.LockReport
	for _, r := range reports {
		if r.Result.Changed && r.Result.Impossible == "" {
			changed = append(changed, r)
		}
	}
	if len(changed) == 0 {
		logf("no lock changed: nothing to commit")
		return nil
	}
	var client forge.Client
	var open []forge.PR
	if opts.Forge.Kind != "" {
		if client, err = forgeClient(ctx, opts, repo); err != nil {
			return err
		}
		if open, err = client.OpenPRs(ctx, base); err != nil {
			return err
		}
	}
	groups := fix.Groups(repo.Root, changed)
	for _, grp := range groups {
		if err := deliverGroup(ctx, repo, grp, len(groups), base, start, client, open, opts, logf); err != nil {
			return err
		}
	}
	return nil
}

// deliverGroup commits, pushes and proposes one lock group.
func deliverGroup(ctx context.Context, repo *gitrepo.Repo, grp fix.Group, groups int, base, start string,
	client forge.Client, open []forge.PR, opts Options, logf func(string, ...any)) error {
	ids := fix.Advisories(grp.Reports)
	branch := fix.BranchName(opts.Branch, ids, grp.Dir, groups)
	var plan forge.Plan
	if client != nil {
		plan = forge.PlanFor(open, grp.Dir, ids)
		if plan.Update != nil && plan.Update.Branch != "" {
			branch = plan.Update.Branch // the open fix grows on its own branch
		}
	}
	var files []gitrepo.File
	var paths []string
	for _, r := range grp.Reports {
		rel, err := repo.Rel(r.Result.Path)
		if err != nil {
			return &inputError{err}
		}
		files = append(files, gitrepo.File{Path: rel, Data: r.Result.Data, Mode: fileMode(r.Result.Path)})
		paths = append(paths, rel)
	}
	title, msg := fix.CommitMessage(grp, ids, paths)
	commit, moved, err := repo.Commit(ctx, branch, start, msg, files)
	if err != nil {
		return err
	}
	if moved {
		logf("committed %s on branch %s (%s)", strings.Join(paths, ", "), branch, commit[:12])
	} else {
		logf("branch %s already holds this fix", branch)
	}
	if opts.Push {
		remoteAt, err := repo.RemoteBranch(ctx, opts.Remote, branch)
		if err != nil {
			return redacted(err)
		}
		if remoteAt != commit {
			if err := repo.Push(ctx, opts.Remote, branch); err != nil {
				return redacted(err)
			}
			logf("pushed %s to %s", branch, opts.Remote)
		}
	}
	if client == nil {
		return nil
	}
	var body strings.Builder
	if err := fix.WriteRepoSummary(&body, grp.Reports, nil, nil, opts.MinSeverity); err != nil {
		return err
	}
	body.WriteString("\n" + forge.Marker(grp.Dir, ids) + "\n")
	if plan.Update != nil && plan.Update.Title == title && strings.TrimSpace(plan.Update.Body) == strings.TrimSpace(body.String()) && len(plan.Superseded) == 0 {
		logf("pull request #%d is up to date (%s)", plan.Update.Number, plan.Update.URL)
		return nil
	}
	out, err := forge.Apply(ctx, client, plan, forge.NewPR{Title: title, Body: body.String(), Branch: branch, Base: base, Labels: opts.Labels})
	if err != nil {
		return err
	}
	verb := "updated"
	if out.Created {
		verb = "opened"
	}
	logf("%s pull request #%d: %s", verb, out.PR.Number, out.PR.URL)
	for _, s := range out.Superseded {
		logf("pull request #%d is superseded by #%d", s.Number, out.PR.Number)
	}
	return nil
}

// forgeClient builds the pull-request client, reading the repository
// from the remote's URL when the options name none.
func forgeClient(ctx context.Context, opts Options, repo *gitrepo.Repo) (forge.Client, error) {
	cfg := opts.Forge
	if cfg.Repo == "" {
		remote, err := repo.RemoteURL(ctx, opts.Remote)
		if err != nil {
			return nil, inputErrorf("--open-pr: %v; name the repository with --forge-repo OWNER/NAME", redacted(err))
		}
		if cfg.Repo = forge.RepoFromRemote(remote); cfg.Repo == "" {
			return nil, inputErrorf("--open-pr: cannot tell OWNER/NAME from the remote %s: pass --forge-repo", redact.URLs(remote))
		}
	}
	c, err := forge.New(cfg)
	if err != nil {
		return nil, inputErrorf("--open-pr: %v", err)
	}
	return c, nil
}

// redacted is err with the credentials of the URLs it names removed: git
// quotes a remote's URL, user information included, in its messages.
func redacted(err error) error {
	return errors.New(redact.URLs(err.Error()))
}

// fileMode is the git mode of the lock at path: executable or not.
func fileMode(path string) string {
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o111 != 0 {
		return "100755"
	}
	return "100644"
}
