package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/pyward/pyward/internal/redact"
	"github.com/pyward/pyward/internal/retry"
)

// gitLabAPI is gitlab.com's REST API base.
const gitLabAPI = "https://gitlab.com/api/v4/"

// gitLab talks to the GitLab REST API v4 (gitlab.com or self-managed,
// whose API base is https://HOST/api/v4/). Pull requests are merge
// requests, numbered by their iid.
type gitLab struct {
	c       *gitlab.Client
	project string // full path, e.g. group/sub/name
	retry   retry.Policy
}

func newGitLab(cfg Config) (Client, error) {
	if cfg.Repo == "" || !strings.Contains(cfg.Repo, "/") {
		return nil, fmt.Errorf("gitlab: project %q: want its full path, GROUP/NAME", cfg.Repo)
	}
	base := cfg.BaseURL
	if base == "" {
		base = gitLabAPI
	}
	u, err := apiBase(base)
	if err != nil {
		return nil, fmt.Errorf("gitlab: %w", err)
	}
	// The client's own retries are off: internal/retry is pyward's one
	// retry loop.
	c, err := gitlab.NewClient(cfg.Token, gitlab.WithBaseURL(u.String()), gitlab.WithHTTPClient(cfg.HTTP), gitlab.WithoutRetries())
	if err != nil {
		return nil, fmt.Errorf("gitlab: %w", err)
	}
	return &gitLab{c: c, project: cfg.Repo, retry: cfg.Retry}, nil
}

func (g *gitLab) OpenPRs(ctx context.Context, base string) ([]PR, error) {
	opts := &gitlab.ListProjectMergeRequestsOptions{State: gitlab.Ptr("opened"), TargetBranch: gitlab.Ptr(base),
		ListOptions: gitlab.ListOptions{PerPage: pageSize}}
	var out []PR
	for {
		next, err := do(ctx, g.retry, "gitlab: list merge requests", func() (int64, error) {
			mrs, resp, err := g.c.MergeRequests.ListProjectMergeRequests(g.project, opts, gitlab.WithContext(ctx))
			if err != nil {
				return 0, gitLabError(err)
			}
			for _, mr := range mrs {
				out = append(out, PR{Number: int(mr.IID), URL: mr.WebURL, Title: mr.Title, Body: mr.Description, Branch: mr.SourceBranch})
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

func (g *gitLab) Create(ctx context.Context, want NewPR) (PR, error) {
	return do(ctx, g.retry, "gitlab: create merge request", func() (PR, error) {
		opts := &gitlab.CreateMergeRequestOptions{Title: &want.Title, Description: &want.Body,
			SourceBranch: &want.Branch, TargetBranch: &want.Base}
		if len(want.Labels) > 0 {
			labels := gitlab.LabelOptions(want.Labels)
			opts.Labels = &labels
		}
		mr, _, err := g.c.MergeRequests.CreateMergeRequest(g.project, opts, gitlab.WithContext(ctx))
		if err != nil {
			return PR{}, gitLabError(err)
		}
		return PR{Number: int(mr.IID), URL: mr.WebURL, Title: mr.Title, Body: mr.Description, Branch: mr.SourceBranch}, nil
	})
}

func (g *gitLab) Update(ctx context.Context, number int, title, body string) error {
	_, err := do(ctx, g.retry, "gitlab: update merge request", func() (bool, error) {
		_, _, err := g.c.MergeRequests.UpdateMergeRequest(g.project, int64(number),
			&gitlab.UpdateMergeRequestOptions{Title: &title, Description: &body}, gitlab.WithContext(ctx))
		return err == nil, gitLabError(err)
	})
	return err
}

func (g *gitLab) Comment(ctx context.Context, number int, body string) error {
	_, err := do(ctx, g.retry, "gitlab: comment", func() (bool, error) {
		_, _, err := g.c.Notes.CreateMergeRequestNote(g.project, int64(number),
			&gitlab.CreateMergeRequestNoteOptions{Body: &body}, gitlab.WithContext(ctx))
		return err == nil, gitLabError(err)
	})
	return err
}

// gitLabError turns the client's *ErrorResponse into *Error.
func gitLabError(err error) error {
	if err == nil {
		return nil
	}
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) {
		return &callError{forge: "gitlab", err: err}
	}
	if er.Response == nil || er.Response.Request == nil {
		// The client answers every 404 with its shared ErrNotFound, which
		// carries no response.
		status := er.StatusCode
		if errors.Is(err, gitlab.ErrNotFound) {
			status = http.StatusNotFound
		}
		return &Error{Forge: "gitlab", Status: status, Msg: redact.URLs(er.Message)}
	}
	return newError("gitlab", er.Response, er.Message)
}
