package index

import (
	"errors"
	"fmt"
	"net/url"

	redaction "github.com/pyward/pyward/internal/redact"
)

// Sentinel errors; the typed errors below match them with errors.Is.
var (
	// ErrNotFound: the project does not exist on the index (HTTP 404).
	ErrNotFound = errors.New("project not found")
	// ErrNeedsBuild: the metadata of an sdist is dynamic (or absent) and
	// can only be obtained by running its build backend (PEP 517), which
	// this package never does.
	ErrNeedsBuild = errors.New("metadata requires building the sdist")
	// ErrHashMismatch: downloaded bytes do not match the listed hash.
	ErrHashMismatch = errors.New("hash mismatch")
	// ErrMetadataMismatch: a wheel's METADATA differs from the metadata
	// used for resolution (PEP 658 file or range read).
	ErrMetadataMismatch = errors.New("wheel metadata differs from the metadata used")
	// ErrOffline: offline mode and the response is not cached.
	ErrOffline = errors.New("not in cache (offline mode)")
	// ErrInsecure: a plain-http URL whose host is not trusted.
	ErrInsecure = errors.New("insecure http:// URL refused")
)

// NotFoundError reports a project absent from an index.
type NotFoundError struct {
	Project string // normalized name
	Index   string // source name (or every source consulted, comma-separated)
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("project %q not found on %s", e.Project, e.Index)
}

// Is matches ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// HTTPError is an unexpected HTTP status.
type HTTPError struct {
	URL        string // redacted (no credentials)
	StatusCode int
	Status     string
}

func (e *HTTPError) Error() string {
	hint := ""
	if e.StatusCode == 401 || e.StatusCode == 403 {
		hint = " (check the credentials for this index: URL userinfo, netrc or PYWARD_INDEX_<NAME>_USERNAME/PASSWORD)"
	}
	return fmt.Sprintf("GET %s: %s%s", e.URL, e.Status, hint)
}

// HashMismatchError reports downloaded bytes that do not match a listed hash.
type HashMismatchError struct {
	URL       string
	Algorithm string
	Expected  string
	Actual    string
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("%s: %s hash mismatch: expected %s, got %s", e.URL, e.Algorithm, e.Expected, e.Actual)
}

// Is matches ErrHashMismatch.
func (e *HashMismatchError) Is(target error) bool { return target == ErrHashMismatch }

// SizeMismatchError reports a download whose length differs from the size
// listed on the index (PEP 700).
type SizeMismatchError struct {
	URL            string
	Expected, Read int64
}

func (e *SizeMismatchError) Error() string {
	return fmt.Sprintf("%s: size mismatch: index lists %d bytes, read %d", e.URL, e.Expected, e.Read)
}

// Is matches ErrHashMismatch: a size mismatch is an integrity failure too.
func (e *SizeMismatchError) Is(target error) bool { return target == ErrHashMismatch }

// NeedsBuildError reports an sdist whose metadata cannot be read statically.
type NeedsBuildError struct {
	Project  string
	Filename string
	Reason   string
}

func (e *NeedsBuildError) Error() string {
	return fmt.Sprintf("%s: metadata of %s cannot be read without building it (%s); a wheel, or a build with --allow-build, is needed", e.Project, e.Filename, e.Reason)
}

// Is matches ErrNeedsBuild.
func (e *NeedsBuildError) Is(target error) bool { return target == ErrNeedsBuild }

// MetadataMismatchError reports a wheel whose own METADATA is not identical
// to the metadata file used for resolution.
type MetadataMismatchError struct {
	WheelURL    string
	MetadataURL string // the PEP 658 file, or the wheel URL for a range read
}

func (e *MetadataMismatchError) Error() string {
	return fmt.Sprintf("METADATA inside %s differs from the metadata used for resolution (%s)", e.WheelURL, e.MetadataURL)
}

// Is matches ErrMetadataMismatch.
func (e *MetadataMismatchError) Is(target error) bool { return target == ErrMetadataMismatch }

// redact returns u without userinfo, for errors and logs.
func redact(u *url.URL) string { return redaction.URL(u) }
