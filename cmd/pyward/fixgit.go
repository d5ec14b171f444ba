package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/fix"
	"github.com/pyward/pyward/internal/forge"
	"github.com/pyward/pyward/internal/gitrepo"
	"github.com/pyward/pyward/internal/redact"
)

// autoBranch is --branch without a name: name it from the advisories.
const autoBranch = "\x00auto"

// gitFlags are pyward fix's git and pull-request options.
type gitFlags struct {
	branch   string
	commit   bool
	push     bool
	remote   string
	base     string
	openPR   string
	forgeURL string
	repo     string
	labels   []string
}

func (g *gitFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&g.branch, "branch", "", "commit the fix on this branch (--branch alone: pyward/fix-ADVISORIES)")
	fl.Lookup("branch").NoOptDefVal = autoBranch
	fl.BoolVar(&g.commit, "commit", false, "commit the changed locks (only them) on the --branch, leaving the working tree as it is")
	fl.BoolVar(&g.push, "push", false, "push the branch (implies --commit)")
	fl.StringVar(&g.remote, "remote", "origin", "git remote to push to")
	fl.StringVar(&g.base, "base", "", "branch the fix starts from and the pull request targets (default: the current branch)")
	fl.StringVar(&g.openPR, "open-pr", "", "open or update a pull request per lock directory: github, gitlab or gitea (token from GITHUB_TOKEN, GITLAB_TOKEN or GITEA_TOKEN; implies --push)")
	fl.StringVar(&g.forgeURL, "forge-url", "", "the forge's API base URL: GitHub Enterprise https://HOST/api/v3, GitLab https://HOST/api/v4, Gitea https://HOST (default: github.com, gitlab.com)")
	fl.StringVar(&g.repo, "forge-repo", "", "the repository on the forge, OWNER/NAME (default: from the remote's URL)")
	fl.StringArrayVar(&g.labels, "label", []string{"security", "dependencies"}, "label of the pull request (repeatable)")
}

func (g *gitFlags) enabled() bool {
	return g.branch != "" || g.commit || g.push || g.openPR != ""
}

// check validates the combination and applies the implications.
func (g *gitFlags) check() error {
	if g.openPR != "" {
		if forge.TokenVar(g.openPR) == "" {
			return usageErrorf("--open-pr %q: want github, gitlab or gitea", g.openPR)
		}
		g.push = true
	}
	if g.push {
		g.commit = true
	}
	if g.commit && g.branch == "" {
		g.branch = autoBranch
	}
	if g.branch != "" && !g.commit {
		return usageErrorf("--branch needs --commit: the fix is committed on the branch, not written to the working tree")
	}
	return nil
}

// fixGit commits each lock group's changed locks on its branch, pushes it
// and opens or updates its pull request.
func (a *app) fixGit(ctx context.Context, g gitFlags, run *fixRun, min audit.Severity) error {
	wd, err := os.Getwd()
	if err != nil {
		return internalError(err)
	}
	repo, err := gitrepo.Open(ctx, wd)
	if err != nil {
		return usageError(err)
	}
	base := g.base
	if base == "" {
		if base, err = repo.CurrentBranch(ctx); err != nil {
			return usageErrorf("--base: %v; name the branch the fix starts from", err)
		}
	}
	start, err := repo.Resolve(ctx, base)
	if err != nil || start == "" {
		return usageErrorf("--base %s: no such branch", base)
	}
	var changed []fix.LockReport
	for _, r := range run.reports {
		if r.Result.Changed && r.Result.Impossible == "" {
			changed = append(changed, r)
		}
	}
	var client forge.Client
	var open []forge.PR
	if g.openPR != "" && len(changed) > 0 {
		if client, err = a.forgeClient(ctx, g, repo); err != nil {
			return err
		}
		if open, err = client.OpenPRs(ctx, base); err != nil {
			return internalError(err)
		}
	}
	groups := fix.Groups(repo.Root, changed)
	for _, grp := range groups {
		ids := fix.Advisories(grp.Reports)
		name := g.branch
		if name == autoBranch {
			name = ""
		}
		branch := fix.BranchName(name, ids, grp.Dir, len(groups))
		var plan forge.Plan
		if client != nil {
			plan = forge.PlanFor(open, grp.Dir, ids)
			if plan.Update != nil && plan.Update.Branch != "" {
				branch = plan.Update.Branch // the open fix grows on its own branch
			}
		}
		var files []gitrepo.File
		for _, r := range grp.Reports {
			rel, err := repo.Rel(r.Result.Path)
			if err != nil {
				return usageError(err)
			}
			files = append(files, gitrepo.File{Path: rel, Data: r.Result.Data, Mode: fileMode(r.Result.Path)})
		}
		title, msg := fix.CommitMessage(grp, ids, filePaths(files))
		commit, moved, err := repo.Commit(ctx, branch, start, msg, files)
		if err != nil {
			return internalError(err)
		}
		if moved {
			fmt.Fprintf(a.stderr, "pyward: committed %s on branch %s (%s)\n", strings.Join(filePaths(files), ", "), branch, commit[:12])
		} else {
			fmt.Fprintf(a.stderr, "pyward: branch %s already holds this fix\n", branch)
		}
		if g.push {
			remoteAt, err := repo.RemoteBranch(ctx, g.remote, branch)
			if err != nil {
				return internalError(redactErr(err))
			}
			if remoteAt != commit {
				if err := repo.Push(ctx, g.remote, branch); err != nil {
					return internalError(redactErr(err))
				}
				fmt.Fprintf(a.stderr, "pyward: pushed %s to %s\n", branch, g.remote)
			}
		}
		if client == nil {
			continue
		}
		var body strings.Builder
		if err := fix.WriteRepoSummary(&body, grp.Reports, nil, nil, min); err != nil {
			return internalError(err)
		}
		body.WriteString("\n" + forge.Marker(grp.Dir, ids) + "\n")
		if plan.Update != nil && plan.Update.Title == title && strings.TrimSpace(plan.Update.Body) == strings.TrimSpace(body.String()) && len(plan.Superseded) == 0 {
			fmt.Fprintf(a.stderr, "pyward: pull request #%d is up to date (%s)\n", plan.Update.Number, plan.Update.URL)
			continue
		}
		out, err := forge.Apply(ctx, client, plan, forge.NewPR{Title: title, Body: body.String(), Branch: branch, Base: base, Labels: g.labels})
		if err != nil {
			return internalError(err)
		}
		verb := "updated"
		if out.Created {
			verb = "opened"
		}
		fmt.Fprintf(a.stderr, "pyward: %s pull request #%d: %s\n", verb, out.PR.Number, out.PR.URL)
		for _, s := range out.Superseded {
			fmt.Fprintf(a.stderr, "pyward: pull request #%d is superseded by #%d\n", s.Number, out.PR.Number)
		}
	}
	if len(changed) == 0 {
		fmt.Fprintf(a.stderr, "pyward: no lock changed: nothing to commit\n")
	}
	return nil
}

// forgeClient builds the --open-pr client; the token is read from the
// environment and goes nowhere but the client's Authorization header.
func (a *app) forgeClient(ctx context.Context, g gitFlags, repo *gitrepo.Repo) (forge.Client, error) {
	slug := g.repo
	if slug == "" {
		remote, err := repo.RemoteURL(ctx, g.remote)
		if err != nil {
			return nil, usageErrorf("--open-pr: %v; name the repository with --forge-repo OWNER/NAME", redactErr(err))
		}
		if slug = forge.RepoFromRemote(remote); slug == "" {
			return nil, usageErrorf("--open-pr: cannot tell OWNER/NAME from the remote %s: pass --forge-repo", redact.URLs(remote))
		}
	}
	c, err := forge.New(forge.Config{Kind: g.openPR, BaseURL: g.forgeURL, Repo: slug, Token: os.Getenv(forge.TokenVar(g.openPR)), HTTP: http.DefaultClient})
	if err != nil {
		return nil, usageErrorf("--open-pr: %v", err)
	}
	return c, nil
}

func redactErr(err error) error {
	return fmt.Errorf("%s", redact.URLs(err.Error()))
}

func fileMode(path string) string {
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o111 != 0 {
		return "100755"
	}
	return "100644"
}

func filePaths(files []gitrepo.File) []string {
	var ps []string
	for _, f := range files {
		ps = append(ps, f.Path)
	}
	return ps
}
