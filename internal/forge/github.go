package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v84/github"

	"github.com/pyward/pyward/internal/redact"
	"github.com/pyward/pyward/internal/retry"
)

// pageSize is the page size asked of every forge's list endpoints (the
// largest GitHub and GitLab allow; Gitea caps it at its own maximum).
const pageSize = 100

// gitHub talks to the GitHub REST API (github.com or GitHub Enterprise
// Server, whose API base is https://HOST/api/v3/).
type gitHub struct {
	c           *github.Client
	owner, repo string
	retry       retry.Policy
}

func newGitHub(cfg Config) (Client, error) {
	owner, repo, ok := strings.Cut(cfg.Repo, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("github: repository %q: want OWNER/NAME", cfg.Repo)
	}
	c := github.NewClient(cfg.HTTP).WithAuthToken(cfg.Token)
	if cfg.BaseURL != "" {
		u, err := apiBase(cfg.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("github: %w", err)
		}
		c.BaseURL = u
	}
	return &gitHub{c: c, owner: owner, repo: repo, retry: cfg.Retry}, nil
}

// apiBase parses an API base URL, which must end in "/" for the clients
// to resolve endpoint paths below it.
func apiBase(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("API base URL %q: want http(s)://HOST/PATH", redact.URLs(raw))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// ctx lets every request reach the server: go-github would otherwise
// refuse requests locally until a rate limit it saw resets, and the retry
// loop is what waits.
func (g *gitHub) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, github.BypassRateLimitCheck, true)
}

func (g *gitHub) OpenPRs(ctx context.Context, base string) ([]PR, error) {
	opts := &github.PullRequestListOptions{State: "open", Base: base, ListOptions: github.ListOptions{PerPage: pageSize}}
	var out []PR
	for {
		page, err := do(ctx, g.retry, "github: list pull requests", func() (*github.Response, error) {
			prs, resp, err := g.c.PullRequests.List(g.ctx(ctx), g.owner, g.repo, opts)
			if err != nil {
				return nil, gitHubError(err)
			}
			for _, pr := range prs {
				out = append(out, gitHubPR(pr))
			}
			return resp, nil
		})
		if err != nil {
			return nil, err
		}
		if page.NextPage == 0 {
			return out, nil
		}
		opts.Page = page.NextPage
	}
}

func gitHubPR(pr *github.PullRequest) PR {
	return PR{Number: pr.GetNumber(), URL: pr.GetHTMLURL(), Title: pr.GetTitle(), Body: pr.GetBody(), Branch: pr.GetHead().GetRef()}
}

func (g *gitHub) Create(ctx context.Context, want NewPR) (PR, error) {
	pr, err := do(ctx, g.retry, "github: create pull request", func() (PR, error) {
		pr, _, err := g.c.PullRequests.Create(g.ctx(ctx), g.owner, g.repo, &github.NewPullRequest{
			Title: &want.Title, Head: &want.Branch, Base: &want.Base, Body: &want.Body})
		if err != nil {
			return PR{}, gitHubError(err)
		}
		return gitHubPR(pr), nil
	})
	if err != nil || len(want.Labels) == 0 {
		return pr, err
	}
	// Labels belong to the pull request's issue on GitHub.
	_, err = do(ctx, g.retry, "github: add labels", func() (bool, error) {
		_, _, err := g.c.Issues.AddLabelsToIssue(g.ctx(ctx), g.owner, g.repo, pr.Number, want.Labels)
		return err == nil, gitHubError(err)
	})
	return pr, err
}

func (g *gitHub) Update(ctx context.Context, number int, title, body string) error {
	_, err := do(ctx, g.retry, "github: edit pull request", func() (bool, error) {
		_, _, err := g.c.PullRequests.Edit(g.ctx(ctx), g.owner, g.repo, number, &github.PullRequest{Title: &title, Body: &body})
		return err == nil, gitHubError(err)
	})
	return err
}

func (g *gitHub) Comment(ctx context.Context, number int, body string) error {
	_, err := do(ctx, g.retry, "github: comment", func() (bool, error) {
		_, _, err := g.c.Issues.CreateComment(g.ctx(ctx), g.owner, g.repo, number, &github.IssueComment{Body: &body})
		return err == nil, gitHubError(err)
	})
	return err
}

// gitHubError turns go-github's errors into *Error, with the delay a rate
// limit asks for: Retry-After (secondary limits), else the reset time of
// the primary limit.
func gitHubError(err error) error {
	if err == nil {
		return nil
	}
	var (
		er   *github.ErrorResponse
		rl   *github.RateLimitError
		ab   *github.AbuseRateLimitError
		resp *http.Response
		msg  string
	)
	switch {
	case errors.As(err, &rl):
		resp, msg = rl.Response, rl.Message
	case errors.As(err, &ab):
		resp, msg = ab.Response, ab.Message
	case errors.As(err, &er):
		resp, msg = er.Response, er.Message
		for _, e := range er.Errors {
			if e.Message != "" {
				msg += "; " + e.Message
			} else if e.Code != "" {
				msg += fmt.Sprintf("; %s %s", e.Field, e.Code)
			}
		}
	default:
		return &callError{forge: "github", err: err}
	}
	if resp == nil || resp.Request == nil {
		return &callError{forge: "github", err: err}
	}
	fe := newError("github", resp, msg)
	now := time.Now()
	if fe.Retry == 0 && rl != nil && !rl.Rate.Reset.IsZero() && rl.Rate.Reset.After(now) {
		fe.Retry = rl.Rate.Reset.Sub(now)
	}
	if fe.Retry == 0 && (rl != nil || ab != nil) {
		fe.Retry = time.Second // rate limited, without saying for how long
	}
	return fe
}
