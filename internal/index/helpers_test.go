package index

import (
	"fmt"
	"net/url"
	"path"
)

// IntegrityURL is the PyPI Integrity API URL of a file's provenance,
// /integrity/<project>/<version>/<filename>/provenance, on the host of the
// simple index indexURL (PyPI serves /simple/ and /integrity/ side by side).
func IntegrityURL(indexURL, project, version, filename string) (string, error) {
	u, err := url.Parse(indexURL)
	if err != nil {
		return "", fmt.Errorf("bad index URL %q: %w", indexURL, err)
	}
	base := *u
	base.Path = path.Join(path.Dir(path.Clean(u.Path)), "integrity", project, version, filename, "provenance")
	base.RawPath, base.RawQuery, base.Fragment = "", "", ""
	return base.String(), nil
}
