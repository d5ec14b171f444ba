package forge

import (
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestRepoFromRemote(t *testing.T) {
	tests := map[string]string{
		"https://github.com/octo/hello.git":           "octo/hello",
		"https://user@gitlab.example/grp/sub/proj":    "grp/sub/proj",
		"ssh://git@gitea.example:2222/owner/repo.git": "owner/repo",
		"git@github.com:octo/hello.git":               "octo/hello",
		"/srv/git/repo.git":                           "",
		"https://github.com/onlyowner":                "",
		"git@github.com:owner/.git":                   "",
		"https://gitlab.example/grp//proj":            "",
	}
	for in, want := range tests {
		if got := RepoFromRemote(in); got != want {
			t.Errorf("RepoFromRemote(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRepoFromRemote(f *testing.F) {
	f.Add("git@github.com:octo/hello.git")
	f.Add("https://x/a/b")
	f.Fuzz(func(t *testing.T, remote string) {
		start := time.Now()
		s := RepoFromRemote(remote)
		budgettest.Check(t, len(remote), start)
		if s != "" && (strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || !strings.Contains(s, "/")) {
			t.Errorf("RepoFromRemote(%q) = %q", remote, s)
		}
	})
}
