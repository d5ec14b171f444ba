package index

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pyward/pyward/internal/httpcache"
	redaction "github.com/pyward/pyward/internal/redact"
	"github.com/pyward/pyward/internal/retry"
	"github.com/pyward/pyward/internal/simpleapi"
)

// Defaults and limits.
const (
	DefaultTimeout     = 30 * time.Second // idle time allowed per request attempt
	DefaultRetries     = 3                // retries after the first attempt
	DefaultConcurrency = 96               // concurrent HTTP requests (HTTP/2 multiplexes them on one connection)
	DefaultBackoff     = 250 * time.Millisecond
	maxBackoff         = 10 * time.Second
	maxRedirects       = 10
	// MaxPageSize bounds a simple page; PyPI's largest pages are tens of MiB.
	MaxPageSize = 256 << 20
	// MaxMetadataFile bounds a PEP 658 / METADATA / PKG-INFO file.
	MaxMetadataFile = 16 << 20
	// MaxNetrcSize bounds the netrc file: real ones hold a few lines, and
	// NETRC may name anything, a device or a FIFO included.
	MaxNetrcSize = 1 << 20
	// Accept header of PEP 691, preferring JSON.
	acceptSimple = simpleapi.Accept
)

// Options configures a Client.
type Options struct {
	Sources []Source
	Policy  Policy

	// HTTPClient supplies the transport (e.g. one trusting a test CA). Its
	// CheckRedirect, Jar and Timeout are not used: the client installs its
	// own redirect policy and per-attempt timeouts.
	HTTPClient *http.Client
	UserAgent  string

	CacheDir string // on-disk cache; "" disables caching
	NoCache  bool   // neither read nor write the cache
	Offline  bool   // never touch the network; serve from cache or fail

	Timeout     time.Duration // idle timeout per attempt; 0 → DefaultTimeout
	Retries     int           // retries on 5xx/429/timeouts/connection errors; 0 → DefaultRetries, <0 → none
	Backoff     time.Duration // first retry delay (doubles, with jitter); 0 → DefaultBackoff
	Concurrency int           // max concurrent requests; 0 → DefaultConcurrency
	// MaxDownloadSize bounds a download whose size the index does not
	// list; 0 → DefaultMaxDownloadSize.
	MaxDownloadSize int64

	// TrustedHosts may be reached over plain http://: "host" (any port) or
	// "host:port". Nothing else is, not even 127.0.0.1.
	TrustedHosts []string
	// Netrc is the netrc file; "" means $NETRC or ~/.netrc, "-" means none.
	Netrc string
	// Getenv reads PYWARD_INDEX_<NAME>_USERNAME/PASSWORD and NETRC; nil → os.Getenv.
	Getenv func(string) string

	Logf func(format string, args ...any) // request log (-v); nil → silent
}

// Client fetches project pages, metadata and files. It is safe for
// concurrent use; identical in-flight requests are made once.
type Client struct {
	opts    Options
	sources []*source
	hc      *http.Client
	sem     chan struct{}
	netrc   []netrcEntry
	cache   *httpcache.Cache // nil when caching is off
	flight  group
	seen    httpcache.Reads // what has been read, for Consulted

	mu       sync.Mutex
	projects map[string]*Project        // memo for this client's lifetime
	missing  map[string]error           // projects found nowhere (NotFoundError)
	overlaps map[string]Overlap         // projects found on several sources (Policy.Survey)
	links    map[string]*simpleapi.Page // find-links pages and directories, by location
	used     map[string]usedMeta        // file URL → metadata returned for it (memo and VerifyWheelMetadata)
	dirHash  map[string]hashMemo        // local find-links file → sha256
}

type usedMeta struct {
	data []byte
	from string // URL of the metadata source
}

type hashMemo struct {
	size    int64
	modTime time.Time
	sha256  string
}

type source struct {
	Source
	u          *url.URL // credentials removed; directory for find-links
	dir        string   // local directory (find-links)
	user, pass string
	hasCreds   bool
}

// New validates opts and returns a client.
func New(opts Options) (*Client, error) {
	if len(opts.Sources) == 0 {
		return nil, errors.New("index: no sources configured")
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Retries == 0 {
		opts.Retries = DefaultRetries
	} else if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "pyward"
	}
	if err := opts.Policy.validate(opts.Sources); err != nil {
		return nil, err
	}
	c := &Client{
		opts:     opts,
		sem:      make(chan struct{}, opts.Concurrency),
		projects: map[string]*Project{},
		missing:  map[string]error{},
		overlaps: map[string]Overlap{},
		links:    map[string]*simpleapi.Page{},
		used:     map[string]usedMeta{},
		dirHash:  map[string]hashMemo{},
	}
	names := map[string]bool{}
	for _, s := range opts.Sources {
		if s.Name == "" {
			return nil, fmt.Errorf("index: source %q has no name", s.URL)
		}
		if names[s.Name] {
			return nil, fmt.Errorf("index: duplicate source name %q", s.Name)
		}
		names[s.Name] = true
		src, err := c.newSource(s)
		if err != nil {
			return nil, err
		}
		c.sources = append(c.sources, src)
	}
	if err := c.loadNetrc(); err != nil {
		return nil, err
	}
	var transport http.RoundTripper
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		transport = opts.HTTPClient.Transport
	} else {
		// The default transport keeps 2 idle connections per host: with
		// dozens of requests in flight to one index, every other request
		// would pay a new TCP (and TLS) handshake.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = opts.Concurrency
		t.MaxIdleConns = 4 * opts.Concurrency
		transport = t
	}
	c.hc = &http.Client{Transport: transport, CheckRedirect: c.checkRedirect}
	if opts.CacheDir != "" && !opts.NoCache {
		c.cache = httpcache.New(opts.CacheDir, c.logf)
	}
	if opts.Offline && c.cache == nil {
		return nil, errors.New("index: offline mode needs a cache directory")
	}
	return c, nil
}

func (c *Client) newSource(s Source) (*source, error) {
	src := &source{Source: s}
	raw := s.URL
	if s.FindLinks && !strings.Contains(raw, "://") {
		abs, err := filepath.Abs(raw)
		if err != nil {
			return nil, fmt.Errorf("index: find-links %s: %w", raw, err)
		}
		src.dir = abs
		src.u = &url.URL{Scheme: "file", Path: filepath.ToSlash(abs) + "/"}
		return src, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("index: source %s: bad URL: %w", s.Name, err)
	}
	switch u.Scheme {
	case "https", "http":
		if u.Host == "" {
			return nil, fmt.Errorf("index: source %s: URL %q has no host", s.Name, redact(u))
		}
		if err := c.checkScheme(u); err != nil {
			return nil, fmt.Errorf("index: source %s: %w", s.Name, err)
		}
	case "file":
		if s.FindLinks {
			if fi, err := os.Stat(filepath.FromSlash(u.Path)); err == nil && fi.IsDir() {
				src.dir = filepath.FromSlash(u.Path)
			}
		}
	default:
		return nil, fmt.Errorf("index: source %s: unsupported URL scheme %q (want https, http or file)", s.Name, u.Scheme)
	}
	if u.User != nil {
		src.user = u.User.Username()
		src.pass, _ = u.User.Password()
		src.hasCreds = true
		u.User = nil
	}
	envName := EnvKey(s.Name)
	if user := c.opts.Getenv("PYWARD_INDEX_" + envName + "_USERNAME"); user != "" {
		src.user, src.pass, src.hasCreds = user, c.opts.Getenv("PYWARD_INDEX_"+envName+"_PASSWORD"), true
	}
	if !s.FindLinks && !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	src.u = u
	return src, nil
}

// EnvKey turns a source name into the <NAME> of PYWARD_INDEX_<NAME>_USERNAME:
// upper case, every character but letters and digits as '_'.
func EnvKey(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// checkScheme refuses http:// to untrusted hosts and non-web schemes.
func (c *Client) checkScheme(u *url.URL) error {
	switch u.Scheme {
	case "https", "file":
		return nil
	case "http":
		for _, h := range c.opts.TrustedHosts {
			if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
				return nil
			}
		}
		return fmt.Errorf("%w: %s (add the host to the trusted hosts to allow it)", ErrInsecure, redact(u))
	}
	return fmt.Errorf("unsupported URL scheme %q in %s", u.Scheme, redact(u))
}

// credentials returns the Basic credentials for u: those of a source on the
// same scheme://host:port, else a netrc entry for the host.
func (c *Client) credentials(u *url.URL) (user, pass string, ok bool) {
	for _, s := range c.sources {
		if s.hasCreds && s.u.Scheme == u.Scheme && strings.EqualFold(s.u.Host, u.Host) {
			return s.user, s.pass, true
		}
	}
	for _, e := range c.netrc {
		if strings.EqualFold(e.machine, u.Hostname()) {
			return e.login, e.password, true
		}
	}
	return "", "", false
}

// checkRedirect enforces the redirect policy: bounded, no downgrade to an
// untrusted http:// URL, and credentials never follow a request to another
// scheme://host:port (Go keeps them for subdomains; we do not).
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errTooManyRedirects
	}
	if err := c.checkScheme(req.URL); err != nil {
		return err
	}
	orig := via[0].URL
	if req.URL.Scheme != orig.Scheme || !strings.EqualFold(req.URL.Host, orig.Host) {
		req.Header.Del("Authorization")
		if user, pass, ok := c.credentials(req.URL); ok {
			req.SetBasicAuth(user, pass)
		}
	}
	return nil
}

type netrcEntry struct{ machine, login, password string }

// loadNetrc reads the netrc file. Only "machine" entries are used: a
// "default" entry would send credentials to every host, which this client
// refuses to do.
func (c *Client) loadNetrc() error {
	p := c.opts.Netrc
	if p == "-" {
		return nil
	}
	explicit := p != ""
	if p == "" {
		p = c.opts.Getenv("NETRC")
		explicit = p != ""
	}
	if p == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil
		}
		p = filepath.Join(home, ".netrc")
	}
	f, err := os.Open(p)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("index: netrc: %w", err)
	}
	defer f.Close()
	data, err := readLimited(f, MaxNetrcSize, "netrc "+p)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	c.netrc = parseNetrc(data)
	return nil
}

// parseNetrc reads netrc tokens (machine, login, password, account,
// default, macdef). A macdef body runs to the next blank line and is skipped.
func parseNetrc(data []byte) []netrcEntry {
	var out []netrcEntry
	cur := -1        // index of the entry being filled, -1 for none/default
	pending := ""    // keyword waiting for its value
	inMacro := false // inside a macdef body
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if inMacro {
			inMacro = strings.TrimSpace(line) != ""
			continue
		}
		fields := strings.Fields(line)
		for i := 0; i < len(fields); i++ {
			tok := fields[i]
			if pending != "" {
				switch pending {
				case "machine":
					out = append(out, netrcEntry{machine: tok})
					cur = len(out) - 1
				case "login":
					if cur >= 0 {
						out[cur].login = tok
					}
				case "password":
					if cur >= 0 {
						out[cur].password = tok
					}
				}
				pending = ""
				continue
			}
			switch tok {
			case "machine", "login", "password", "account":
				pending = tok
			case "default":
				cur = -1 // ignored: see loadNetrc
			case "macdef":
				inMacro = true
				i = len(fields) // the macro name and the rest of the line
			}
		}
	}
	return out
}

var (
	errAttemptTimeout   = errors.New("request timed out")
	errTooManyRedirects = fmt.Errorf("stopped after %d redirects", maxRedirects)
)

// retryableError marks an error that a new attempt may cure.
type retryableError struct{ err error }

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// do performs GET u (with headers hdr) with credentials, the concurrency
// limit, an idle timeout per attempt and retries. handle consumes a 2xx/304
// response within the attempt; if it returns a *retryableError (e.g. the
// body broke off) the request is retried. Other statuses become
// *HTTPError (404 is returned as such; callers map it to ErrNotFound).
func (c *Client) do(ctx context.Context, u *url.URL, hdr http.Header, handle func(*http.Response) error) error {
	c.seen.NoteOpaque() // downloads and range requests; get uses request
	return c.request(ctx, u, hdr, handle)
}

// request is do without noting the read as opaque: get notes what it
// reads itself.
func (c *Client) request(ctx context.Context, u *url.URL, hdr http.Header, handle func(*http.Response) error) error {
	if u.Scheme == "file" {
		return c.doFile(u, handle)
	}
	if err := c.checkScheme(u); err != nil {
		return err
	}
	if c.opts.Offline {
		return fmt.Errorf("%s: %w", redact(u), ErrOffline)
	}
	policy := retry.Policy{Attempts: c.opts.Retries + 1, Base: c.opts.Backoff, Max: maxBackoff, Jitter: true,
		OnRetry: func(err error, n int) { c.logf("%v (attempt %d of %d)", err, n, c.opts.Retries+1) }}
	_, err := retry.Do(ctx, policy, "GET "+redact(u), func() (struct{}, bool, error) {
		err := c.attempt(ctx, u, hdr, handle)
		if err == nil {
			return struct{}{}, false, nil
		}
		if ctx.Err() != nil {
			return struct{}{}, false, fmt.Errorf("GET %s: %w", redact(u), ctx.Err())
		}
		var re *retryableError
		if errors.As(err, &re) {
			return struct{}{}, true, re.err
		}
		return struct{}{}, false, err
	})
	return err
}

// retryAfter carries a server's Retry-After delay.
type retryAfter struct {
	err error
	d   time.Duration
}

func (e *retryAfter) Error() string { return e.err.Error() }
func (e *retryAfter) Unwrap() error { return e.err }

// RetryAfter is the delay the server asked for (see retry.RetryAfter).
func (e *retryAfter) RetryAfter() time.Duration { return e.d }

func (c *Client) attempt(ctx context.Context, u *url.URL, hdr http.Header, handle func(*http.Response) error) error {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.sem }()

	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(c.opts.Timeout, func() { cancel(errAttemptTimeout) })
	defer timer.Stop()

	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", redact(u), err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if user, pass, ok := c.credentials(u); ok {
		req.SetBasicAuth(user, pass)
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(context.Cause(actx), errAttemptTimeout) {
			return &retryableError{fmt.Errorf("GET %s: no response within %v", redact(u), c.opts.Timeout)}
		}
		var ue *url.Error
		if errors.As(err, &ue) { // its message repeats the URL; ours is redacted
			err = ue.Err
		}
		// Policy and TLS failures are final; transport failures are retried.
		var cv *tls.CertificateVerificationError
		var ua x509.UnknownAuthorityError
		var hn x509.HostnameError
		if errors.Is(err, ErrInsecure) || errors.Is(err, errTooManyRedirects) ||
			errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) {
			return fmt.Errorf("GET %s: %w", redact(u), err)
		}
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &retryableError{fmt.Errorf("GET %s: %w", redact(u), err)}
		}
		return fmt.Errorf("GET %s: %w", redact(u), err)
	}
	defer resp.Body.Close()
	c.logf("GET %s → %s (%v)", redact(u), resp.Status, time.Since(start).Round(time.Millisecond))
	resp.Body = &idleBody{r: resp.Body, t: timer, d: c.opts.Timeout}
	switch s := resp.StatusCode; {
	case s == http.StatusNotModified || (200 <= s && s < 300):
		err := handle(resp)
		if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), errAttemptTimeout) {
			return &retryableError{fmt.Errorf("GET %s: body stalled for %v", redact(u), c.opts.Timeout)}
		}
		return err
	case s == http.StatusTooManyRequests || s >= 500:
		herr := &HTTPError{URL: redact(u), StatusCode: s, Status: resp.Status}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs >= 0 {
			return &retryableError{&retryAfter{herr, time.Duration(secs) * time.Second}}
		}
		return &retryableError{herr}
	default:
		return &HTTPError{URL: redact(resp.Request.URL), StatusCode: s, Status: resp.Status}
	}
}

// idleBody resets the attempt's timer on every read: the timeout bounds
// inactivity, not the length of a large download.
type idleBody struct {
	r io.ReadCloser
	t *time.Timer
	d time.Duration
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.t.Reset(b.d)
	}
	return n, err
}

func (b *idleBody) Close() error { return b.r.Close() }

// doFile serves a file:// URL (a directory means its index.html) as a 200
// response, so every caller handles local and remote sources alike.
func (c *Client) doFile(u *url.URL, handle func(*http.Response) error) error {
	p := filepath.FromSlash(u.Path)
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		p = filepath.Join(p, "index.html")
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return &HTTPError{URL: redact(u), StatusCode: http.StatusNotFound, Status: "404 Not Found (no such file)"}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", redact(u), err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%s: %w", redact(u), err)
	}
	ct := "text/html"
	if strings.HasSuffix(p, ".json") {
		ct = "application/vnd.pypi.simple.v1+json"
	}
	resp := &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Body: f, ContentLength: fi.Size(),
		Header:  http.Header{"Content-Type": {ct}},
		Request: &http.Request{Method: http.MethodGet, URL: u},
	}
	return handle(resp)
}

// Close waits until every response the client is still writing to the
// cache directory is on disk. The client stays usable; a caller that
// exits without Close may leave some responses uncached, never corrupt.
func (c *Client) Close() error {
	if c.cache != nil {
		c.cache.Wait()
		c.cache.Close()
	}
	return nil
}

// logf is the one way to Options.Logf. A line may quote a file URL or an
// error that carries credentials (file URLs from a lock or a find-links
// page, not only the index's own, which the client strips), so every line
// passes through redaction.URLs here rather than at each call.
func (c *Client) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf("%s", redaction.URLs(fmt.Sprintf(format, args...)))
	}
}
