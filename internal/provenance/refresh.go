package provenance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tuf"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// DefaultTUFURL is the Sigstore public-good TUF repository.
const DefaultTUFURL = tuf.DefaultMirror

// trustedRootTarget is the TUF target holding trusted_root.json.
const trustedRootTarget = "trusted_root.json"

// TUF names the TUF repository a trusted root is refreshed from.
type TUF struct {
	// URL is the repository's base URL (DefaultTUFURL for public-good).
	URL string
	// Root is the trust anchor, a root.json of that repository; nil means
	// the public-good root.json built into sigstore-go, valid only for
	// DefaultTUFURL.
	Root []byte
	// CacheDir keeps the verified TUF metadata between refreshes, so a
	// repository cannot roll a client back to older metadata.
	CacheDir string
	// Client makes the requests; a client with a one-minute timeout when
	// nil.
	Client *http.Client
}

// Refresh fetches the trusted root through TUF: the repository's metadata
// is verified from the trust anchor (root rotations, signatures,
// thresholds, versions, expiry) and the trusted_root.json target against
// the length and hashes the signed targets metadata give. It returns the
// target once it also parses as a Sigstore trusted root. On any failure
// nothing is returned, so the caller keeps the root it has.
func Refresh(ctx context.Context, t TUF) ([]byte, error) {
	if t.URL == "" {
		return nil, errors.New("TUF repository: no URL")
	}
	anchor := t.Root
	if anchor == nil {
		anchor = tuf.DefaultRoot()
	}
	client := t.Client
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	// Credentials in the URL go with the requests only: the TUF client
	// names its cache directory after the URL it is given.
	base, err := url.Parse(t.URL)
	if err != nil {
		return nil, fmt.Errorf("TUF repository %s: %w", t.URL, err)
	}
	fetch := &ctxFetcher{ctx: ctx, client: client, host: base.Host, user: base.User}
	base.User = nil
	opts := &tuf.Options{
		Root:              anchor,
		RepositoryBaseURL: base.String(),
		CachePath:         t.CacheDir,
		DisableLocalCache: t.CacheDir == "",
		CacheValidity:     tuf.NoCache,
		Fetcher:           fetch,
		Context:           ctx,
	}
	c, err := tuf.New(opts)
	if err != nil {
		return nil, tufError(ctx, t.URL, err)
	}
	data, err := c.GetTarget(trustedRootTarget)
	if err != nil {
		return nil, tufError(ctx, t.URL, err)
	}
	if _, err := root.NewTrustedRootFromJSON(data); err != nil {
		return nil, fmt.Errorf("TUF repository %s: %s is not a Sigstore trusted root: %w", t.URL, trustedRootTarget, err)
	}
	return data, nil
}

// tufError names the repository; a cancelled context wins over whatever
// the TUF client made of the failed download, so callers see ctx.Err().
func tufError(ctx context.Context, url string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("TUF repository %s: %w", url, ctx.Err())
	}
	return fmt.Errorf("TUF repository %s: %w", url, err)
}

// ctxFetcher downloads TUF metadata and targets with the caller's context.
// It never retries: pyward db update reports a failure and keeps the old
// root.
type ctxFetcher struct {
	ctx    context.Context
	client *http.Client
	host   string
	user   *url.Userinfo // sent to host only
}

func (f *ctxFetcher) DownloadFile(u string, maxLength int64, _ time.Duration) ([]byte, error) {
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if f.user != nil && req.URL.Host == f.host {
		pass, _ := f.user.Password()
		req.SetBasicAuth(f.user.Username(), pass)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// go-tuf ends its walk through root versions on 403 and 404.
		return nil, &metadata.ErrDownloadHTTP{StatusCode: resp.StatusCode, URL: u}
	}
	if n, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); err == nil && n > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s: %d bytes, more than the %d allowed", u, n, maxLength)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxLength+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s: more than the %d bytes allowed", u, maxLength)}
	}
	return data, nil
}
