package forge

import (
	"context"
	"fmt"
	"strings"

	"code.gitea.io/sdk/gitea"

	"github.com/pyward/pyward/internal/retry"
)

// giteaClient talks to a Gitea (or Forgejo) server's API v1. BaseURL is
// the server's root URL (the SDK adds /api/v1); there is no public
// default.
type giteaClient struct {
	c           *gitea.Client
	base        string // the server's root URL
	owner, repo string
	retry       retry.Policy
}

func newGitea(cfg Config) (Client, error) {
	owner, repo, ok := strings.Cut(cfg.Repo, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("gitea: repository %q: want OWNER/NAME", cfg.Repo)
	}
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("gitea: no server URL: pass --forge-url https://HOST")
	}
	u, err := apiBase(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("gitea: %w", err)
	}
	// SetGiteaVersion("") keeps NewClient from asking the server for its
	// version: building a client sends nothing.
	c, err := gitea.NewClient(strings.TrimSuffix(u.String(), "/"), gitea.SetToken(cfg.Token), gitea.SetHTTPClient(cfg.HTTP), gitea.SetGiteaVersion(""))
	if err != nil {
		return nil, fmt.Errorf("gitea: %w", err)
	}
	return &giteaClient{c: c, base: cfg.BaseURL, owner: owner, repo: repo, retry: cfg.Retry}, nil
}

func giteaPR(pr *gitea.PullRequest) PR {
	out := PR{Number: int(pr.Index), URL: pr.HTMLURL, Title: pr.Title, Body: pr.Body}
	if pr.Head != nil {
		out.Branch = pr.Head.Ref
	}
	return out
}

func (g *giteaClient) OpenPRs(ctx context.Context, base string) ([]PR, error) {
	g.c.SetContext(ctx)
	opts := gitea.ListPullRequestsOptions{State: gitea.StateOpen, ListOptions: gitea.ListOptions{Page: 1, PageSize: pageSize}}
	var out []PR
	for {
		next, err := do(ctx, g.retry, "gitea: list pull requests", func() (int, error) {
			prs, resp, err := g.c.ListRepoPullRequests(g.owner, g.repo, opts)
			if err != nil {
				return 0, giteaError(resp, err)
			}
			for _, pr := range prs {
				if pr.Base == nil || base == "" || pr.Base.Ref == base {
					out = append(out, giteaPR(pr))
				}
			}
			return resp.NextPage, nil
		})
		if err != nil {
			return nil, err
		}
		if next == 0 {
			return out, nil
		}
		opts.Page = next
	}
}

// labelIDs maps label names to the repository's label IDs, which is what
// Gitea's API takes; names the repository lacks are left out.
func (g *giteaClient) labelIDs(ctx context.Context, names []string) ([]int64, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	opts := gitea.ListLabelsOptions{ListOptions: gitea.ListOptions{Page: 1, PageSize: pageSize}}
	var ids []int64
	for {
		next, err := do(ctx, g.retry, "gitea: list labels", func() (int, error) {
			labels, resp, err := g.c.ListRepoLabels(g.owner, g.repo, opts)
			if err != nil {
				return 0, giteaError(resp, err)
			}
			for _, l := range labels {
				if want[l.Name] {
					ids = append(ids, l.ID)
				}
			}
			return resp.NextPage, nil
		})
		if err != nil {
			return nil, err
		}
		if next == 0 {
			return ids, nil
		}
		opts.Page = next
	}
}

func (g *giteaClient) Create(ctx context.Context, want NewPR) (PR, error) {
	g.c.SetContext(ctx)
	var labels []int64
	if len(want.Labels) > 0 {
		var err error
		if labels, err = g.labelIDs(ctx, want.Labels); err != nil {
			return PR{}, err
		}
	}
	return do(ctx, g.retry, "gitea: create pull request", func() (PR, error) {
		pr, resp, err := g.c.CreatePullRequest(g.owner, g.repo, gitea.CreatePullRequestOption{
			Head: want.Branch, Base: want.Base, Title: want.Title, Body: want.Body, Labels: labels})
		if err != nil {
			return PR{}, giteaError(resp, err)
		}
		return giteaPR(pr), nil
	})
}

func (g *giteaClient) Update(ctx context.Context, number int, title, body string) error {
	g.c.SetContext(ctx)
	_, err := do(ctx, g.retry, "gitea: edit pull request", func() (bool, error) {
		_, resp, err := g.c.EditPullRequest(g.owner, g.repo, int64(number), gitea.EditPullRequestOption{Title: title, Body: &body})
		return err == nil, giteaError(resp, err)
	})
	return err
}

func (g *giteaClient) Comment(ctx context.Context, number int, body string) error {
	g.c.SetContext(ctx)
	_, err := do(ctx, g.retry, "gitea: comment", func() (bool, error) {
		_, resp, err := g.c.CreateIssueComment(g.owner, g.repo, int64(number), gitea.CreateIssueCommentOption{Body: body})
		return err == nil, giteaError(resp, err)
	})
	return err
}

// giteaError turns an SDK error with its response into *Error.
func giteaError(resp *gitea.Response, err error) error {
	if err == nil {
		return nil
	}
	if resp == nil || resp.Response == nil || resp.Request == nil {
		return &callError{forge: "gitea", err: err}
	}
	return newError("gitea", resp.Response, err.Error())
}
