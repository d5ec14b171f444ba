package forge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/retry"
)

const testToken = "tok-9f8e7d-never-printed"

// stored is one pull request the fake forge holds.
type stored struct {
	number             int
	title, body        string
	branch, base       string
	labels             []any
	comments           []string
	state              string
	labelsOnCreateBody any
}

// recorded is one request the fake forge received.
type recorded struct {
	method, path, query string
	header              http.Header
	body                map[string]any
}

// failure makes the fake answer status (with header and the testdata
// file body) to the next times requests matching key ("METHOD suffix").
type failure struct {
	times  int
	status int
	header map[string]string
	body   string // testdata file, "" for a plain message
}

// fakeForge serves the endpoints internal/forge calls for one kind, as
// its documentation describes them, with the bodies of testdata/KIND/.
// Lists are served one pull request per page, so any two pull requests
// need pagination.
type fakeForge struct {
	t    *testing.T
	kind string
	mu   sync.Mutex
	prs  []*stored
	reqs []recorded
	fail map[string]*failure
}

func (f *fakeForge) prefix() string {
	switch f.kind {
	case "github":
		return "/api/v3"
	case "gitlab":
		return "/api/v4/projects/grp%2Fsub%2Frepo"
	}
	return "/api/v1"
}

func (f *fakeForge) testdata(name string) map[string]any {
	data, err := os.ReadFile(filepath.Join("testdata", f.kind, name))
	if err != nil {
		f.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		f.t.Fatalf("%s/%s: %v", f.kind, name, err)
	}
	return m
}

// render is a stored pull request in the forge's documented shape.
func (f *fakeForge) render(p *stored) map[string]any {
	switch f.kind {
	case "github":
		m := f.testdata("pull.json")
		m["number"], m["title"], m["body"], m["state"] = p.number, p.title, p.body, p.state
		m["html_url"] = fmt.Sprintf("https://github.com/octocat/Hello-World/pull/%d", p.number)
		m["head"].(map[string]any)["ref"] = p.branch
		m["base"].(map[string]any)["ref"] = p.base
		return m
	case "gitlab":
		m := f.testdata("merge_request.json")
		m["iid"], m["id"], m["title"], m["description"] = p.number, 1000+p.number, p.title, p.body
		m["web_url"] = fmt.Sprintf("http://gitlab.example.com/grp/sub/repo/-/merge_requests/%d", p.number)
		m["source_branch"], m["target_branch"], m["state"] = p.branch, p.base, "opened"
		return m
	}
	m := f.testdata("pull.json")
	m["number"], m["title"], m["body"], m["state"] = p.number, p.title, p.body, p.state
	m["html_url"] = fmt.Sprintf("https://gitea.example.com/owner/repo/pulls/%d", p.number)
	m["head"].(map[string]any)["ref"] = p.branch
	m["base"].(map[string]any)["ref"] = p.base
	return m
}

func (f *fakeForge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := r.URL.EscapedPath()
	rec := recorded{method: r.Method, path: path, query: r.URL.RawQuery, header: r.Header.Clone()}
	if data, _ := io.ReadAll(r.Body); len(data) > 0 {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			f.t.Errorf("%s %s: body is not JSON: %s", r.Method, path, data)
		}
		switch v := v.(type) {
		case map[string]any:
			rec.body = v
		case []any: // GitHub's labels endpoint also takes a bare array
			rec.body = map[string]any{"labels": v}
		}
	}
	f.reqs = append(f.reqs, rec)
	w.Header().Set("Content-Type", "application/json")
	reply := func(status int, v any) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	rest, ok := strings.CutPrefix(path, f.prefix())
	if !ok {
		reply(404, map[string]any{"message": "Not Found"})
		return
	}
	for key, fl := range f.fail {
		method, suffix, _ := strings.Cut(key, " ")
		if fl.times > 0 && r.Method == method && strings.HasSuffix(rest, suffix) {
			fl.times--
			for k, v := range fl.header {
				w.Header().Set(k, v)
			}
			if fl.body != "" {
				w.WriteHeader(fl.status)
				data, err := os.ReadFile(filepath.Join("testdata", f.kind, fl.body))
				if err != nil {
					f.t.Fatal(err)
				}
				_, _ = w.Write(data)
				return
			}
			reply(fl.status, map[string]any{"message": http.StatusText(fl.status)})
			return
		}
	}
	if !f.authorized(r) {
		reply(401, map[string]any{"message": "401 Unauthorized"})
		return
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if f.kind != "gitlab" {
		// /repos/{owner}/{repo}/...
		if len(parts) < 3 || parts[0] != "repos" || parts[1]+"/"+parts[2] != f.repo() {
			reply(404, map[string]any{"message": "Not Found"})
			return
		}
		parts = parts[3:]
	}
	collection := "pulls"
	if f.kind == "gitlab" {
		collection = "merge_requests"
	}
	find := func(s string) *stored {
		n, _ := strconv.Atoi(s)
		for _, p := range f.prs {
			if p.number == n {
				return p
			}
		}
		return nil
	}
	switch {
	case r.Method == "GET" && len(parts) == 1 && parts[0] == collection:
		f.list(w, r, reply)
	case r.Method == "POST" && len(parts) == 1 && parts[0] == collection:
		p := &stored{number: len(f.prs) + 1, state: "open"}
		b := rec.body
		switch f.kind {
		case "gitlab":
			p.title, p.body = str(b["title"]), str(b["description"])
			p.branch, p.base = str(b["source_branch"]), str(b["target_branch"])
		default:
			p.title, p.body, p.branch, p.base = str(b["title"]), str(b["body"]), str(b["head"]), str(b["base"])
		}
		p.labelsOnCreateBody = b["labels"]
		f.prs = append(f.prs, p)
		reply(201, f.render(p))
	case (r.Method == "PATCH" || r.Method == "PUT") && len(parts) == 2 && parts[0] == collection:
		p := find(parts[1])
		if p == nil {
			reply(404, map[string]any{"message": "Not Found"})
			return
		}
		p.title = str(rec.body["title"])
		if f.kind == "gitlab" {
			p.body = str(rec.body["description"])
		} else {
			p.body = str(rec.body["body"])
		}
		reply(200, f.render(p))
	case r.Method == "POST" && len(parts) == 3 && (parts[0] == "issues" || parts[0] == collection) && (parts[2] == "comments" || parts[2] == "notes"):
		p := find(parts[1])
		if p == nil {
			reply(404, map[string]any{"message": "Not Found"})
			return
		}
		p.comments = append(p.comments, str(rec.body["body"]))
		name := "comment.json"
		if f.kind == "gitlab" {
			name = "note.json"
		}
		m := f.testdata(name)
		m["body"] = rec.body["body"]
		reply(201, m)
	case r.Method == "POST" && len(parts) == 3 && parts[0] == "issues" && parts[2] == "labels":
		p := find(parts[1])
		if p == nil {
			reply(404, map[string]any{"message": "Not Found"})
			return
		}
		p.labels = append(p.labels, rec.body["labels"].([]any)...)
		reply(200, []any{})
	case r.Method == "GET" && len(parts) == 1 && parts[0] == "labels" && f.kind == "gitea":
		data, err := os.ReadFile(filepath.Join("testdata", "gitea", "labels.json"))
		if err != nil {
			f.t.Fatal(err)
		}
		_, _ = w.Write(data)
	default:
		reply(404, map[string]any{"message": "Not Found"})
	}
}

func (f *fakeForge) repo() string {
	if f.kind == "github" {
		return "octocat/Hello-World"
	}
	return "owner/repo"
}

// authorized checks the token the way each forge documents it.
func (f *fakeForge) authorized(r *http.Request) bool {
	switch f.kind {
	case "github":
		return r.Header.Get("Authorization") == "Bearer "+testToken
	case "gitlab":
		return r.Header.Get("Private-Token") == testToken
	}
	return r.Header.Get("Authorization") == "token "+testToken
}

// list serves one open pull request per page, with the next page in a Link
// header (GitHub, Gitea) or X-Next-Page (GitLab).
func (f *fakeForge) list(w http.ResponseWriter, r *http.Request, reply func(int, any)) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	var open []*stored
	for _, p := range f.prs {
		if p.state == "open" && (q.Get("base") == "" || q.Get("base") == p.base) && (q.Get("target_branch") == "" || q.Get("target_branch") == p.base) {
			open = append(open, p)
		}
	}
	var items []any
	if page <= len(open) {
		items = append(items, f.render(open[page-1]))
	}
	if page < len(open) {
		next := *r.URL
		nq := next.Query()
		nq.Set("page", strconv.Itoa(page+1))
		next.RawQuery = nq.Encode()
		if f.kind == "gitlab" {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		} else {
			w.Header().Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, next.RequestURI()))
		}
	}
	if items == nil {
		items = []any{}
	}
	reply(200, items)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func newFake(t *testing.T, kind string) (*fakeForge, Client) {
	t.Helper()
	f := &fakeForge{t: t, kind: kind, fail: map[string]*failure{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	base := srv.URL + "/api/v3"
	switch kind {
	case "gitlab":
		base = srv.URL + "/api/v4"
	case "gitea":
		base = srv.URL
	}
	repo := "octocat/Hello-World"
	switch kind {
	case "gitlab":
		repo = "grp/sub/repo"
	case "gitea":
		repo = "owner/repo"
	}
	c, err := New(Config{Kind: kind, BaseURL: base, Repo: repo, Token: testToken, HTTP: srv.Client(),
		Retry: retry.Policy{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

var kinds = []string{"github", "gitlab", "gitea"}

// TestClientRequests checks each client's requests against the documented
// endpoints: list with pagination, create with labels, update, comment.
func TestClientRequests(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			f, c := newFake(t, kind)
			f.prs = []*stored{
				{number: 1, title: "not pyward's", body: "hand-made", branch: "feature", base: "main", state: "open"},
				{number: 2, title: "closed", body: Marker(".", []string{"A"}), branch: "old", base: "main", state: "closed"},
				{number: 3, title: "fix", body: "x\n" + Marker(".", []string{"A"}), branch: "pyward/fix-a", base: "main", state: "open"},
				{number: 4, title: "other base", body: Marker(".", []string{"A"}), branch: "pyward/fix-a2", base: "release", state: "open"},
			}
			prs, err := c.OpenPRs(ctx, "main")
			if err != nil {
				t.Fatal(err)
			}
			if len(prs) != 2 || prs[0].Number != 1 || prs[1].Number != 3 || prs[1].Branch != "pyward/fix-a" || !strings.Contains(prs[1].Body, "pyward-fix") || prs[1].URL == "" {
				t.Fatalf("OpenPRs = %+v", prs)
			}
			// Gitea filters by base on the client's side: it lists PR 4 too.
			pages := map[string]int{"github": 2, "gitlab": 2, "gitea": 3}[kind]
			if len(f.reqs) != pages {
				t.Fatalf("%d list requests, want %d (one per page)", len(f.reqs), pages)
			}
			for i, r := range f.reqs {
				q := r.query
				switch kind {
				case "github":
					for _, want := range []string{"state=open", "base=main", "per_page=100"} {
						if !strings.Contains(q, want) {
							t.Errorf("list request %d query %q lacks %s", i, q, want)
						}
					}
					if accept := r.header.Get("Accept"); !strings.Contains(accept, "application/vnd.github") {
						t.Errorf("Accept %q", accept)
					}
				case "gitlab":
					for _, want := range []string{"state=opened", "target_branch=main", "per_page=100"} {
						if !strings.Contains(q, want) {
							t.Errorf("list request %d query %q lacks %s", i, q, want)
						}
					}
				case "gitea":
					for _, want := range []string{"state=open", "limit=100"} {
						if !strings.Contains(q, want) {
							t.Errorf("list request %d query %q lacks %s", i, q, want)
						}
					}
				}
			}
			if !strings.Contains(f.reqs[1].query, "page=2") {
				t.Errorf("second list request %q does not ask page 2", f.reqs[1].query)
			}

			f.reqs = nil
			pr, err := c.Create(ctx, NewPR{Title: "fix(deps): bump a", Body: "body\n" + Marker(".", []string{"A", "B"}), Branch: "pyward/fix-a-b", Base: "main", Labels: []string{"security", "dependencies"}})
			if err != nil {
				t.Fatal(err)
			}
			if pr.Number != 5 || pr.Branch != "pyward/fix-a-b" || pr.Title != "fix(deps): bump a" {
				t.Errorf("Create = %+v", pr)
			}
			created := f.prs[4]
			var methods []string
			for _, r := range f.reqs {
				methods = append(methods, r.method+" "+strings.TrimPrefix(r.path, f.prefix()))
			}
			got := strings.Join(methods, ", ")
			want := map[string]string{
				"github": "POST /repos/octocat/Hello-World/pulls, POST /repos/octocat/Hello-World/issues/5/labels",
				"gitlab": "POST /merge_requests",
				"gitea":  "GET /repos/owner/repo/labels, POST /repos/owner/repo/pulls",
			}[kind]
			if got != want {
				t.Errorf("create requests %q, want %q", got, want)
			}
			switch kind {
			case "github":
				if fmt.Sprint(created.labels) != "[security dependencies]" {
					t.Errorf("labels %v", created.labels)
				}
				if ct := f.reqs[0].header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
			case "gitlab":
				if fmt.Sprint(created.labelsOnCreateBody) != "security,dependencies" {
					t.Errorf("labels %v", created.labelsOnCreateBody)
				}
			case "gitea":
				if fmt.Sprint(created.labelsOnCreateBody) != "[7 9]" {
					t.Errorf("label IDs %v, want the repository's IDs of security and dependencies", created.labelsOnCreateBody)
				}
			}
			if created.branch != "pyward/fix-a-b" || created.base != "main" || !strings.Contains(created.body, `advisories="A,B"`) {
				t.Errorf("created %+v", created)
			}

			f.reqs = nil
			if err := c.Update(ctx, 3, "new title", "new body"); err != nil {
				t.Fatal(err)
			}
			wantUpdate := map[string]string{"github": "PATCH /repos/octocat/Hello-World/pulls/3", "gitlab": "PUT /merge_requests/3", "gitea": "PATCH /repos/owner/repo/pulls/3"}[kind]
			if len(f.reqs) != 1 || f.reqs[0].method+" "+strings.TrimPrefix(f.reqs[0].path, f.prefix()) != wantUpdate {
				t.Errorf("update requests %+v, want %s", f.reqs, wantUpdate)
			}
			if f.prs[2].title != "new title" || f.prs[2].body != "new body" {
				t.Errorf("updated %+v", f.prs[2])
			}

			f.reqs = nil
			if err := c.Comment(ctx, 3, "Superseded by #5"); err != nil {
				t.Fatal(err)
			}
			wantComment := map[string]string{"github": "POST /repos/octocat/Hello-World/issues/3/comments", "gitlab": "POST /merge_requests/3/notes", "gitea": "POST /repos/owner/repo/issues/3/comments"}[kind]
			if len(f.reqs) != 1 || f.reqs[0].method+" "+strings.TrimPrefix(f.reqs[0].path, f.prefix()) != wantComment {
				t.Errorf("comment requests %+v, want %s", f.reqs, wantComment)
			}
			if fmt.Sprint(f.prs[2].comments) != "[Superseded by #5]" {
				t.Errorf("comments %v", f.prs[2].comments)
			}
		})
	}
}

// TestClientErrors checks that refusals become *Error naming the status
// without the token, and that rate limits are retried after Retry-After.
func TestClientErrors(t *testing.T) {
	type tc struct {
		name    string
		kind    string
		token   string // "" means the right one
		fail    map[string]*failure
		call    string // list, create, update
		status  int    // 0: success expected
		msg     string
		retried int // requests expected in all
	}
	var tests []tc
	for _, kind := range kinds {
		listSuffix := map[string]string{"github": "/pulls", "gitlab": "/merge_requests", "gitea": "/pulls"}[kind]
		updateMethod := map[string]string{"github": "PATCH", "gitlab": "PUT", "gitea": "PATCH"}[kind]
		body422 := map[string]string{"github": "error-422.json", "gitlab": "error-422.json", "gitea": ""}[kind]
		msg422 := map[string]string{"github": "A pull request already exists", "gitlab": "Another open merge request already exists", "gitea": "Unprocessable"}[kind]
		tests = append(tests,
			tc{name: "401 bad token", kind: kind, token: "wrong-token-xyz", call: "list", status: 401, msg: "token is missing, expired or revoked", retried: 1},
			tc{name: "404 no such pull request", kind: kind, call: "update", status: 404, msg: "no such repository", retried: 1},
			tc{name: "422 refused", kind: kind, fail: map[string]*failure{"POST " + listSuffix: {times: 1, status: 422, body: body422}}, call: "create", status: 422, msg: msg422, retried: 1},
			tc{name: "429 with Retry-After then success", kind: kind, fail: map[string]*failure{"GET " + listSuffix: {times: 1, status: 429, header: map[string]string{"Retry-After": "1"}}}, call: "list", retried: 2},
			tc{name: "429 on every attempt", kind: kind, fail: map[string]*failure{updateMethod + " /3": {times: 5, status: 429, header: map[string]string{"Retry-After": "1"}}}, call: "update", status: 429, msg: "rate limited", retried: 3},
		)
	}
	tests = append(tests, tc{name: "403 primary rate limit", kind: "github",
		fail: map[string]*failure{"GET /pulls": {times: 1, status: 403, header: map[string]string{
			"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Used": "5000",
			"X-RateLimit-Reset": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)}}},
		call: "list", retried: 2},
		tc{name: "401 from the documented body", kind: "github", fail: map[string]*failure{"GET /pulls": {times: 1, status: 401, body: "error-401.json"}},
			call: "list", status: 401, msg: "Bad credentials", retried: 1})
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.name, func(t *testing.T) {
			f, c := newFake(t, tt.kind)
			if tt.token != "" {
				var err error
				cfg := Config{Kind: tt.kind, Token: tt.token, HTTP: http.DefaultClient, Retry: retry.Policy{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond}}
				cfg.BaseURL, cfg.Repo = clientTarget(c)
				if c, err = New(cfg); err != nil {
					t.Fatal(err)
				}
			}
			f.prs = []*stored{{number: 3, title: "t", body: "b", branch: "x", base: "main", state: "open"}}
			for k, v := range tt.fail {
				f.fail[k] = v
			}
			ctx := context.Background()
			var err error
			switch tt.call {
			case "list":
				_, err = c.OpenPRs(ctx, "main")
			case "create":
				_, err = c.Create(ctx, NewPR{Title: "t", Body: "b", Branch: "x", Base: "main"})
			case "update":
				n := 3
				if tt.status == 404 {
					n = 99
				}
				err = c.Update(ctx, n, "t", "b")
			}
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			} else {
				var fe *Error
				if !errors.As(err, &fe) || fe.Status != tt.status {
					t.Fatalf("err = %v, want a forge error with status %d", err, tt.status)
				}
				if !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("error %q lacks %q", err, tt.msg)
				}
			}
			if err != nil && (strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "wrong-token-xyz")) {
				t.Errorf("the error shows the token: %v", err)
			}
			if len(f.reqs) != tt.retried {
				t.Errorf("%d requests, want %d", len(f.reqs), tt.retried)
			}
		})
	}
}

// clientTarget reads back the base URL and repository a test client was
// built with.
func clientTarget(c Client) (string, string) {
	switch c := c.(type) {
	case *gitHub:
		return c.c.BaseURL.String(), c.owner + "/" + c.repo
	case *gitLab:
		return c.c.BaseURL().String(), c.project
	case *giteaClient:
		return c.base, c.owner + "/" + c.repo
	}
	return "", ""
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Kind: "github", Repo: "o/r"}, "set GITHUB_TOKEN"},
		{Config{Kind: "gitlab", Repo: "g/p"}, "set GITLAB_TOKEN"},
		{Config{Kind: "gitea", Repo: "o/r", Token: "t"}, "no server URL"},
		{Config{Kind: "github", Repo: "just-a-name", Token: "t"}, "want OWNER/NAME"},
		{Config{Kind: "github", Repo: "o/r", Token: "t", BaseURL: "ftp://x"}, "API base URL"},
		{Config{Kind: "gitea", Repo: "o/r", Token: "t", BaseURL: "ftp://robot:pw-5c4b3a@x"}, `API base URL "ftp://x"`},
		{Config{Kind: "bitbucket", Repo: "o/r", Token: "t"}, "unknown forge"},
	}
	for _, tt := range tests {
		t.Run(tt.cfg.Kind+" "+tt.want, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestErrorsHideURLCredentials checks that a forge refusal and a failed
// connection name the URL without its user information, whichever way the
// credentials reached the API base URL.
func TestErrorsHideURLCredentials(t *testing.T) {
	const user, pass = "ci-robot-user", "pw-5c4b3a"
	for _, kind := range kinds {
		for _, tt := range []struct {
			name string
			down bool // the server is gone: a transport error, not a refusal
		}{{name: "404"}, {name: "connection refused", down: true}} {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				f, c := newFake(t, kind)
				base, repo := clientTarget(c)
				u, err := url.Parse(base)
				if err != nil {
					t.Fatal(err)
				}
				if tt.down {
					gone := httptest.NewServer(http.NotFoundHandler())
					u.Host = strings.TrimPrefix(gone.URL, "http://")
					gone.Close()
				}
				u.User = url.UserPassword(user, pass)
				c, err = New(Config{Kind: kind, BaseURL: u.String(), Repo: repo, Token: testToken, HTTP: http.DefaultClient,
					Retry: retry.Policy{Attempts: 1, Base: time.Millisecond, Max: time.Millisecond}})
				if err != nil {
					t.Fatal(err)
				}
				f.prs = []*stored{{number: 3, title: "t", body: "b", branch: "x", base: "main", state: "open"}}
				err = c.Update(context.Background(), 99, "t", "b")
				if err == nil {
					t.Fatal("updating #99 succeeded")
				}
				var fe *Error
				if !tt.down && (!errors.As(err, &fe) || fe.Status != http.StatusNotFound) {
					t.Fatalf("err = %v, want a forge 404", err)
				}
				for _, secret := range []string{user, pass, testToken} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("the error shows %q: %v", secret, err)
					}
					if fe != nil && strings.Contains(fe.URL, secret) {
						t.Errorf("Error.URL shows %q: %s", secret, fe.URL)
					}
				}
			})
		}
	}
}
