package main

import (
	"context"
	"net/http"
	"os"

	"github.com/spf13/cobra"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/fixpr"
	"github.com/pyward/pyward/internal/forge"
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

// fixGit hands the fixed locks to internal/fixpr: the flags become its
// options, its steps lines on standard error.
func (a *app) fixGit(ctx context.Context, g gitFlags, run *fixRun, min audit.Severity) error {
	wd, err := os.Getwd()
	if err != nil {
		return internalError(err)
	}
	branch := g.branch
	if branch == autoBranch {
		branch = ""
	}
	opts := fixpr.Options{Dir: wd, Branch: branch, Base: g.base, Push: g.push, Remote: g.remote,
		Labels: g.labels, MinSeverity: min, Log: func(msg string) { a.notef("pyward: %s", msg) }}
	if g.openPR != "" {
		// The token goes nowhere but the client's Authorization header.
		opts.Forge = forge.Config{Kind: g.openPR, BaseURL: g.forgeURL, Repo: g.repo,
			Token: os.Getenv(forge.TokenVar(g.openPR)), HTTP: http.DefaultClient}
	}
	return fixpr.Deliver(ctx, run.reports, opts)
}
