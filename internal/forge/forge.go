// Package forge opens and updates the pull requests of pyward fix on a code
// forge (GitHub, GitLab, Gitea), through each forge's own Go client.
//
// Rules:
//
//   - Identity. A pyward pull request carries, in its body, a marker that
//     names its lock group (the directory of the locks it changes) and its
//     advisory set (the sorted advisory IDs it clears):
//     <!-- pyward-fix group="DIR" advisories="ID,ID" -->.
//     Only open pull requests with a marker are pyward's; others are never
//     touched.
//   - One pull request per lock group. Plan looks at the open pyward pull
//     requests of the group: one with the same advisory set is updated (its
//     title and body); failing that, one whose set is contained in the new
//     set is updated too, on its own branch (a second advisory joins the
//     open fix); otherwise a new one is opened. Every other open pyward
//     pull request of the group is superseded: it gets a comment naming the
//     new one, and the new one's body names it.
//   - Tokens come from the environment (GITHUB_TOKEN, GITLAB_TOKEN,
//     GITEA_TOKEN) and are sent only in the Authorization header to the
//     configured API base URL; they are never printed, logged or written.
//   - Errors. A forge's 401, 404 and 422 answers become errors that say what
//     was refused; a rate limit (HTTP 429, or 403 with an exhausted quota)
//     is retried through internal/retry after the server's Retry-After.
//     An API base URL may hold user information: the URLs errors name
//     lose it (internal/redact).
//   - Limits. Every answer of a forge's API is at most MaxResponseSize
//     (64 MiB); past it, reading fails with an error naming the URL and the
//     limit. The clients decode JSON with encoding/json (linear, nesting at
//     most 10,000 deep); the marker and a git remote URL are read in one
//     pass (ParseMarker, RepoFromRemote).
//   - Nothing happens at package initialization; clients are built by New.
package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pyward/pyward/internal/redact"
	"github.com/pyward/pyward/internal/retry"
)

// PR is an open pull (GitLab: merge) request.
type PR struct {
	Number int // the number shown to people (GitLab's iid)
	URL    string
	Title  string
	Body   string
	Branch string // the head branch
}

// NewPR is a pull request to open.
type NewPR struct {
	Title, Body  string
	Branch, Base string
	Labels       []string
}

// Client is what pyward needs from a forge.
type Client interface {
	// OpenPRs lists every open pull request whose base is base (all pages).
	OpenPRs(ctx context.Context, base string) ([]PR, error)
	Create(ctx context.Context, pr NewPR) (PR, error)
	Update(ctx context.Context, number int, title, body string) error
	Comment(ctx context.Context, number int, body string) error
}

// Config selects and configures a forge client.
type Config struct {
	Kind    string // github, gitlab or gitea
	BaseURL string // API base URL; "" means the public service (gitea: required)
	Repo    string // owner/name (GitLab: the project's full path)
	Token   string
	HTTP    *http.Client // nil means http.DefaultClient
	Retry   retry.Policy
}

// TokenVar is the environment variable holding the token of a forge kind,
// "" for a kind New does not know.
func TokenVar(kind string) string {
	switch kind {
	case "github":
		return "GITHUB_TOKEN"
	case "gitlab":
		return "GITLAB_TOKEN"
	case "gitea":
		return "GITEA_TOKEN"
	}
	return ""
}

// New builds the client of cfg.Kind.
func New(cfg Config) (Client, error) {
	if cfg.Token == "" {
		return nil, fmt.Errorf("%s: no token: set %s", cfg.Kind, TokenVar(cfg.Kind))
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	return newLimited(cfg, MaxResponseSize)
}

// newLimited is New with answers held to maxResponse bytes.
func newLimited(cfg Config, maxResponse int64) (Client, error) {
	cfg.HTTP = limitResponses(cfg.HTTP, maxResponse)
	switch cfg.Kind {
	case "github":
		return newGitHub(cfg)
	case "gitlab":
		return newGitLab(cfg)
	case "gitea":
		return newGitea(cfg)
	}
	return nil, fmt.Errorf("unknown forge %q: want github, gitlab or gitea", cfg.Kind)
}

// Marker is the identity line of a pyward pull request body.
func Marker(group string, advisories []string) string {
	return "<!-- pyward-fix group=" + quote(group) + " advisories=" + quote(strings.Join(advisories, ",")) + " -->"
}

// quote is Go quoting with ">" escaped too, so that no value can end the
// HTML comment early.
func quote(s string) string {
	return strings.ReplaceAll(strconv.Quote(s), ">", `\u003e`)
}

// ParseMarker reads the first marker of a pull request body, as Marker
// writes it.
func ParseMarker(body string) (group string, advisories []string, ok bool) {
	const open, close = "<!-- pyward-fix ", " -->"
	_, rest, found := strings.Cut(body, open)
	if !found {
		return "", nil, false
	}
	attrs, _, found := strings.Cut(rest, close)
	if !found {
		return "", nil, false
	}
	g, attrs, ok1 := quotedAttr(attrs, "group=")
	ids, attrs, ok2 := quotedAttr(strings.TrimPrefix(attrs, " "), "advisories=")
	if !ok1 || !ok2 || attrs != "" {
		return "", nil, false
	}
	if ids != "" {
		advisories = strings.Split(ids, ",")
	}
	return g, advisories, true
}

// quotedAttr reads name="value" (Go quoting, as %q writes it) at the start
// of s and returns the value and what follows.
func quotedAttr(s, name string) (value, rest string, ok bool) {
	s, found := strings.CutPrefix(s, name)
	if !found {
		return "", "", false
	}
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", false
	}
	v, err := strconv.Unquote(q)
	if err != nil {
		return "", "", false
	}
	return v, s[len(q):], true
}

// Plan is what to do for one lock group.
type Plan struct {
	// Update is the open pull request to update; nil means open a new one.
	Update *PR
	// Superseded are the group's other open pyward pull requests.
	Superseded []PR
}

// PlanFor decides, from the open pull requests, which one a fix of group
// clearing advisories updates and which it supersedes.
func PlanFor(open []PR, group string, advisories []string) Plan {
	var p Plan
	want := setOf(advisories)
	var equal, subset *PR
	var mine []PR
	for _, pr := range open {
		g, ids, ok := ParseMarker(pr.Body)
		if !ok || g != group {
			continue
		}
		mine = append(mine, pr)
		have := setOf(ids)
		switch {
		case equal == nil && sameSet(have, want):
			equal = &mine[len(mine)-1]
		case subset == nil && within(have, want):
			subset = &mine[len(mine)-1]
		}
	}
	p.Update = equal
	if p.Update == nil {
		p.Update = subset
	}
	for _, pr := range mine {
		if p.Update == nil || pr.Number != p.Update.Number {
			p.Superseded = append(p.Superseded, pr)
		}
	}
	if p.Update != nil {
		u := *p.Update
		p.Update = &u
	}
	sort.Slice(p.Superseded, func(i, j int) bool { return p.Superseded[i].Number < p.Superseded[j].Number })
	return p
}

func setOf(ids []string) map[string]bool {
	s := map[string]bool{}
	for _, id := range ids {
		s[id] = true
	}
	return s
}

func sameSet(a, b map[string]bool) bool {
	return len(a) == len(b) && within(a, b)
}

func within(a, b map[string]bool) bool {
	for id := range a {
		if !b[id] {
			return false
		}
	}
	return true
}

// Outcome is what Apply did.
type Outcome struct {
	PR      PR
	Created bool // else updated
	// Superseded lists the pull requests told that PR replaces them.
	Superseded []PR
}

// Apply opens or updates the pull request of plan, with want's title, body
// (Marker included by the caller) and labels, and tells superseded pull
// requests about it.
func Apply(ctx context.Context, c Client, plan Plan, want NewPR) (Outcome, error) {
	var out Outcome
	if len(plan.Superseded) > 0 {
		var refs []string
		for _, pr := range plan.Superseded {
			refs = append(refs, fmt.Sprintf("#%d", pr.Number))
		}
		want.Body += "\n\nThis fix supersedes " + strings.Join(refs, ", ") + ".\n"
	}
	if plan.Update != nil {
		if err := c.Update(ctx, plan.Update.Number, want.Title, want.Body); err != nil {
			return out, fmt.Errorf("update #%d: %w", plan.Update.Number, err)
		}
		out.PR = *plan.Update
		out.PR.Title, out.PR.Body = want.Title, want.Body
	} else {
		pr, err := c.Create(ctx, want)
		if err != nil {
			return out, fmt.Errorf("open a pull request from %s into %s: %w", want.Branch, want.Base, err)
		}
		out.PR, out.Created = pr, true
	}
	for _, old := range plan.Superseded {
		msg := fmt.Sprintf("Superseded by #%d (%s), a newer pyward fix of the same locks.", out.PR.Number, out.PR.URL)
		if err := c.Comment(ctx, old.Number, msg); err != nil {
			return out, fmt.Errorf("comment on #%d: %w", old.Number, err)
		}
		out.Superseded = append(out.Superseded, old)
	}
	return out, nil
}

// Error is a refusal by a forge. URL and Msg hold no URL credentials:
// an API base URL may carry user information, which newError drops.
type Error struct {
	Forge  string
	Status int
	Method string
	URL    string
	Msg    string
	// Retry is the delay the server asked for (rate limit), 0 when none.
	Retry time.Duration
}

func (e *Error) Error() string {
	what := ""
	switch e.Status {
	case http.StatusUnauthorized:
		what = " (the token is missing, expired or revoked)"
	case http.StatusForbidden:
		what = " (the token lacks a permission, or the rate limit is exhausted)"
	case http.StatusNotFound:
		what = " (no such repository or pull request, or the token cannot see it)"
	case http.StatusUnprocessableEntity:
		what = " (the forge refused the request's content)"
	case http.StatusTooManyRequests:
		what = " (rate limited)"
	}
	msg := e.Msg
	if msg != "" {
		msg = ": " + msg
	}
	if e.Method == "" {
		return fmt.Sprintf("%s: HTTP %d%s%s", e.Forge, e.Status, what, msg)
	}
	return fmt.Sprintf("%s: %s %s: HTTP %d%s%s", e.Forge, e.Method, e.URL, e.Status, what, msg)
}

// newError is the refusal resp carries, with msg the forge's own words
// about it, and the Retry-After the server asked for.
func newError(forge string, resp *http.Response, msg string) *Error {
	return &Error{Forge: forge, Status: resp.StatusCode, Method: resp.Request.Method,
		URL: redact.URL(resp.Request.URL), Msg: redact.URLs(msg), Retry: retryAfter(resp.Header, time.Now())}
}

// callError is a call that got no forge answer (a failed connection, an
// unreadable reply); the client's message names the request's URL, so
// Error removes its credentials.
type callError struct {
	forge string
	err   error
}

func (e *callError) Error() string { return redact.URLs(e.forge + ": " + e.err.Error()) }
func (e *callError) Unwrap() error { return e.err }

// RetryAfter is the server's requested delay, for internal/retry.
func (e *Error) RetryAfter() time.Duration { return e.Retry }

// rateLimited reports whether err is a forge rate limit worth retrying.
func rateLimited(err error) bool {
	var fe *Error
	return errors.As(err, &fe) && (fe.Status == http.StatusTooManyRequests || fe.Retry > 0)
}

// do runs one forge call through the retry loop: only rate limits are
// retried, since a refused or failed write may have half happened.
func do[T any](ctx context.Context, p retry.Policy, what string, call func() (T, error)) (T, error) {
	return retry.Do(ctx, p, what, func() (T, bool, error) {
		v, err := call()
		return v, err != nil && rateLimited(err), err
	})
}

// retryAfter reads a Retry-After header in seconds (RFC 9110 §10.2.3) or
// as an HTTP date; 0 when absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
