package forge

import (
	"net/url"
	"slices"
	"strings"
)

// RepoFromRemote reads OWNER/NAME (GitLab: GROUP/.../NAME) from a remote URL:
// https://host/owner/name(.git), ssh://git@host/owner/name or
// git@host:owner/name.
func RepoFromRemote(remote string) string {
	path := ""
	if u, err := url.Parse(remote); err == nil && u.Host != "" {
		path = u.Path
	} else if _, rest, ok := strings.Cut(remote, ":"); ok && !strings.Contains(remote, "://") {
		path = rest
	}
	path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	segments := strings.Split(path, "/")
	// An owner and a name at least, none of them empty ("owner/.git" names
	// no repository).
	if len(segments) < 2 || slices.Contains(segments, "") {
		return ""
	}
	return path
}
