package index

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/httpcache"
	"github.com/pyward/pyward/internal/metadata"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
)

// Range reading limits.
const (
	// rangeTail is the first suffix range requested from a wheel: enough for
	// the central directory (and usually METADATA) of most wheels.
	rangeTail = 64 << 10
	// rangeBlock is the alignment of further range requests.
	rangeBlock = 64 << 10
	// maxRangeRequests bounds the requests of one range read; a wheel whose
	// METADATA needs more is downloaded whole instead.
	maxRangeRequests = 16
	// maxGapFill is the largest gap read in one request.
	maxGapFill = 4 << 20
	// maxSdistScan bounds the decompressed bytes read looking for PKG-INFO.
	maxSdistScan = 1 << 30
	// maxRangeChunk caps one range request.
	maxRangeChunk = 8 << 20
)

// Metadata returns the core metadata of f and its raw bytes, trying in
// order: the PEP 658 metadata file (hash-verified against the page), HTTP
// range requests reading only the wheel's zip central directory and
// *.dist-info/METADATA, and a full download (hash-verified). For an sdist
// the archive is downloaded and its PKG-INFO used only when static
// (Metadata-Version ≥ 2.2 and neither Requires-Dist nor Requires-Python
// Dynamic, PEP 643); otherwise the error is a *NeedsBuildError (and the
// parsed PKG-INFO, if any, is still returned). The metadata's Name and
// Version must match the file name.
//
// Metadata read by range requests cannot be hash-verified until the wheel is
// downloaded; Download then checks it (see VerifyWheelMetadata). The bytes
// are kept for the client's lifetime, so asking again costs no request.
func (c *Client) Metadata(ctx context.Context, f File) (*metadata.Metadata, []byte, error) {
	c.mu.Lock()
	memo, seen := c.used[f.URL]
	c.mu.Unlock()
	data, from := memo.data, memo.from
	if !seen { // read once per client: resolvers ask again when backtracking
		var err error
		if data, from, err = c.metadataBytes(ctx, f); err != nil {
			return nil, nil, err
		}
	}
	md, err := metadata.Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("metadata of %s (from %s): %w", f.Filename, from, err)
	}
	if err := checkIdentity(f, md); err != nil {
		return nil, nil, fmt.Errorf("metadata of %s (from %s): %w", f.Filename, from, err)
	}
	c.mu.Lock()
	c.used[f.URL] = usedMeta{data: data, from: from}
	c.mu.Unlock()
	if !f.IsWheel() && !md.StaticForSdist() {
		reason := "Requires-Dist or Requires-Python is Dynamic"
		if !strings.HasPrefix(md.MetadataVersion, "2.") || md.MetadataVersion == "2.0" || md.MetadataVersion == "2.1" {
			reason = "PKG-INFO Metadata-Version " + md.MetadataVersion + " predates PEP 643"
		}
		return md, data, &NeedsBuildError{Project: md.Name, Filename: f.Filename, Reason: reason}
	}
	return md, data, nil
}

// checkIdentity compares the metadata's name and version with the file name.
func checkIdentity(f File, md *metadata.Metadata) error {
	var name string
	var version pep440.Version
	if f.IsWheel() {
		w, err := dist.ParseWheelName(f.Filename, false)
		if err != nil {
			return err
		}
		name, version = w.Name, w.Version
	} else {
		s, err := dist.ParseSdistName(f.Filename)
		if err != nil {
			return err
		}
		name, version = pep503.Normalize(s.Name), s.Version
	}
	mv, err := pep440.Parse(md.Version)
	if err != nil {
		return fmt.Errorf("version %q: %w", md.Version, err)
	}
	if pep503.Normalize(md.Name) != name || !mv.Equal(version) {
		return fmt.Errorf("metadata says %s %s but the file name says %s %s", md.Name, md.Version, name, version)
	}
	return nil
}

func (c *Client) metadataBytes(ctx context.Context, f File) ([]byte, string, error) {
	u, err := url.Parse(f.URL)
	if err != nil {
		return nil, "", fmt.Errorf("bad file URL %q: %w", f.URL, err)
	}
	if f.MetadataHashes != nil {
		mu := *u
		mu.Path += ".metadata"
		mu.RawPath = ""
		// The file is checked against the hash its page declares before
		// it is cached, so the cache never holds a body that failed it.
		verify := func(body []byte) error {
			sums := newMultiHash(f.MetadataHashes)
			sums.Write(body)
			return checkHashes(mu.String(), f.MetadataHashes, sums.sums())
		}
		got, err := c.getVerified(ctx, &mu, "", MaxMetadataFile, verify)
		var he *HTTPError
		switch {
		case err == nil:
			if err := verify(got.body); err != nil { // a concurrent caller's hashes may differ
				return nil, "", err
			}
			return got.body, mu.String(), nil
		case errors.As(err, &he) && he.StatusCode == http.StatusNotFound:
			c.logf("%s: advertised PEP 658 metadata is missing; reading the wheel", mu.String())
		default:
			return nil, "", err
		}
	}
	switch {
	case f.IsWheel():
		data, err := c.wheelMetadata(ctx, u, f)
		return data, f.URL, err
	case strings.HasSuffix(f.Filename, ".tar.gz") || strings.HasSuffix(f.Filename, ".zip"):
		data, err := c.sdistMetadata(ctx, f)
		return data, f.URL, err
	}
	return nil, "", fmt.Errorf("%s: not a wheel or sdist", f.Filename)
}

// rangeMetadataKey is the cache-key part that tells METADATA read by range
// requests apart from a response to a plain GET of the same wheel URL.
const rangeMetadataKey = "range-read METADATA"

// wheelMetadata reads METADATA from a wheel: from the cache, a local or
// already downloaded copy, or by range requests (falling back to a full
// download when the server ignores Range).
//
// METADATA read by range requests cannot be checked against the wheel's
// hash, so it is cached under the URL it came from (and the sha256 the page
// listed), with the freshness of the range response, never under the hash
// alone: another index listing the same hash for its own file gets its own
// entry. A wheel read whole is hash-verified first (fetchFile).
func (c *Client) wheelMetadata(ctx context.Context, u *url.URL, f File) ([]byte, error) {
	sha := f.Hashes["sha256"]
	if !httpcache.ValidSHA256(sha) {
		sha = ""
	}
	key := httpcache.Key(redact(u), rangeMetadataKey, sha)
	if c.cache != nil && u.Scheme != "file" {
		if e := c.cache.Load(key); e != nil && (c.opts.Offline || e.Fresh(time.Now())) {
			c.seen.Note(key, e.Body)
			return e.Body, nil
		}
	}
	c.seen.NoteOpaque()
	if c.cache != nil && sha != "" {
		if _, err := os.Stat(c.cache.BlobPath(sha)); err == nil {
			return c.localWheelMetadata(ctx, f)
		}
	}
	if u.Scheme == "file" || c.opts.Offline {
		return c.localWheelMetadata(ctx, f)
	}
	rr := &rangeReader{c: c, ctx: ctx, u: u, f: f}
	if err := rr.init(); err != nil {
		return nil, err
	}
	if rr.local != "" { // the server sent the whole file: it is verified and stored
		data, err := wheelMetadataFromFile(rr.local, f)
		if c.cache == nil {
			os.Remove(rr.local)
		}
		return data, err
	}
	zr, err := zip.NewReader(rr, rr.size)
	var data []byte
	if err == nil {
		data, err = readWheelMetadata(zr, f)
	}
	if errors.Is(err, errTooManyRanges) {
		c.logf("%s: too many range requests; downloading", f.URL)
		return c.localWheelMetadata(ctx, f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.URL, err)
	}
	if c.cache != nil && rr.store {
		c.cache.Store(key, &httpcache.Entry{URL: redact(u), FinalURL: redact(u), Stored: time.Now(), MaxAge: rr.maxAge, Body: data})
	}
	return data, nil
}

// localWheelMetadata downloads (or finds) the verified wheel and reads it.
func (c *Client) localWheelMetadata(ctx context.Context, f File) ([]byte, error) {
	c.seen.NoteOpaque()
	p, _, cleanup, err := c.fetchFile(ctx, f)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	return wheelMetadataFromFile(p, f)
}

func wheelMetadataFromFile(p string, f File) ([]byte, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("%s: not a valid wheel: %w", f.URL, err)
	}
	defer zr.Close()
	data, err := readWheelMetadata(&zr.Reader, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.URL, err)
	}
	return data, nil
}

// readWheelMetadata returns <name>-<version>.dist-info/METADATA. When a
// wheel holds several top-level .dist-info directories, the one whose name
// matches the file name is used.
func readWheelMetadata(zr *zip.Reader, f File) ([]byte, error) {
	var cands []*zip.File
	for _, zf := range zr.File {
		dir, rest, ok := strings.Cut(zf.Name, "/")
		if ok && rest == "METADATA" && strings.HasSuffix(dir, ".dist-info") {
			cands = append(cands, zf)
		}
	}
	if len(cands) > 1 {
		want := fileProject(f.Filename)
		var match []*zip.File
		for _, zf := range cands {
			stem := strings.TrimSuffix(strings.SplitN(zf.Name, "/", 2)[0], ".dist-info")
			if i := strings.LastIndexByte(stem, '-'); i > 0 && pep503.Normalize(stem[:i]) == want {
				match = append(match, zf)
			}
		}
		cands = match
	}
	if len(cands) != 1 {
		return nil, fmt.Errorf("wheel has %d matching .dist-info/METADATA files, want 1", len(cands))
	}
	if cands[0].UncompressedSize64 > MaxMetadataFile {
		return nil, fmt.Errorf("%s %w: more than %d bytes", cands[0].Name, errTooLarge, MaxMetadataFile)
	}
	rc, err := cands[0].Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cands[0].Name, err)
	}
	defer rc.Close()
	data, err := readLimited(rc, MaxMetadataFile, cands[0].Name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cands[0].Name, err)
	}
	return data, nil
}

// sdistMetadata downloads the sdist and returns its top-level PKG-INFO.
func (c *Client) sdistMetadata(ctx context.Context, f File) ([]byte, error) {
	c.seen.NoteOpaque()
	p, _, cleanup, err := c.fetchFile(ctx, f)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	isPKGINFO := func(name string) bool {
		top, rest, ok := strings.Cut(strings.TrimPrefix(name, "./"), "/")
		return ok && top != "" && rest == "PKG-INFO"
	}
	if strings.HasSuffix(f.Filename, ".zip") {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.URL, err)
		}
		defer zr.Close()
		for _, zf := range zr.File {
			if isPKGINFO(zf.Name) {
				rc, err := zf.Open()
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f.URL, err)
				}
				defer rc.Close()
				return readLimited(rc, MaxMetadataFile, "PKG-INFO")
			}
		}
		return nil, &NeedsBuildError{Project: fileProject(f.Filename), Filename: f.Filename, Reason: "no PKG-INFO in the archive"}
	}
	fh, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.URL, err)
	}
	defer fh.Close()
	gz, err := gzip.NewReader(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: not a gzip file: %w", f.URL, err)
	}
	// A gzip bomb could otherwise keep us decompressing for a long time.
	tr := tar.NewReader(io.LimitReader(gz, maxSdistScan))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.URL, err)
		}
		if h.Typeflag == tar.TypeReg && isPKGINFO(h.Name) {
			return readLimited(tr, MaxMetadataFile, "PKG-INFO")
		}
	}
	return nil, &NeedsBuildError{Project: fileProject(f.Filename), Filename: f.Filename, Reason: "no PKG-INFO in the archive"}
}

var errTooManyRanges = errors.New("too many range requests")

// rangeReader is an io.ReaderAt over HTTP range requests, caching what it
// has read, so archive/zip can read only the central directory and one entry.
type rangeReader struct {
	c   *Client
	ctx context.Context
	u   *url.URL
	f   File

	mu       sync.Mutex
	size     int64
	spans    []span
	requests int
	local    string // set when the server answered the first request with the whole file
	// store and maxAge are the cache policy of the first range response
	// (httpcache.Policy), which the METADATA read through it inherits.
	store  bool
	maxAge int64
}

type span struct {
	off  int64
	data []byte
}

// parseContentRange parses "bytes first-last/total".
func parseContentRange(s string) (first, last, total int64, err error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "bytes ")
	r, t, ok2 := strings.Cut(rest, "/")
	a, b, ok3 := strings.Cut(r, "-")
	if !ok || !ok2 || !ok3 {
		return 0, 0, 0, fmt.Errorf("malformed Content-Range %q", s)
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	total, err3 := strconv.ParseInt(t, 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil || first < 0 || last < first || total <= last {
		return 0, 0, 0, fmt.Errorf("malformed Content-Range %q", s)
	}
	return first, last, total, nil
}

// init requests the tail of the file, learning its size.
func (r *rangeReader) init() error {
	hdr := http.Header{"Range": {fmt.Sprintf("bytes=-%d", rangeTail)}}
	r.requests++
	return r.c.do(r.ctx, r.u, hdr, func(resp *http.Response) error {
		switch resp.StatusCode {
		case http.StatusPartialContent:
			first, last, total, err := parseContentRange(resp.Header.Get("Content-Range"))
			if err != nil {
				return fmt.Errorf("%s: %w", r.f.URL, err)
			}
			if r.f.Size > 0 && total != r.f.Size {
				return &SizeMismatchError{URL: r.f.URL, Expected: r.f.Size, Read: total}
			}
			data, err := readLimited(resp.Body, last-first+1, "range")
			if err != nil || int64(len(data)) != last-first+1 {
				return &retryableError{fmt.Errorf("%s: short range body: %v", r.f.URL, err)}
			}
			r.size = total
			r.spans = append(r.spans, span{first, data})
			r.store, r.maxAge = httpcache.Policy(resp.Header)
			return nil
		case http.StatusOK:
			r.c.logf("%s: server ignored Range; using the full download", r.f.URL)
			p, _, err := r.c.saveBody(resp.Body, r.f)
			if err != nil {
				return err
			}
			r.local = p
			return nil
		}
		return &HTTPError{URL: r.f.URL, StatusCode: resp.StatusCode, Status: resp.Status}
	})
}

// ReadAt implements io.ReaderAt.
func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if off < 0 || off >= r.size {
		return 0, io.EOF
	}
	want := int64(len(p))
	if off+want > r.size {
		want = r.size - off
	}
	for _, s := range r.spans {
		if s.off <= off && off+want <= s.off+int64(len(s.data)) {
			n := copy(p, s.data[off-s.off:off-s.off+want])
			if int64(n) < int64(len(p)) {
				return n, io.EOF
			}
			return n, nil
		}
	}
	if r.requests >= maxRangeRequests {
		return 0, errTooManyRanges
	}
	// A gap of at most maxGapFill before data already held (typically a
	// central directory before the tail) is read in one request; otherwise
	// each request is twice as large as the previous one.
	chunk := min(int64(rangeBlock)<<min(r.requests-1, 8), maxRangeChunk)
	start := off / rangeBlock * rangeBlock
	limit := r.size
	for _, s := range r.spans {
		if s.off > off && s.off < limit {
			limit = s.off
		}
	}
	if limit-start <= maxGapFill {
		chunk = limit - start // fill the whole gap: one request for a directory
	}
	end := max(min(start+chunk, limit), off+want) - 1
	hdr := http.Header{"Range": {fmt.Sprintf("bytes=%d-%d", start, end)}}
	r.requests++
	err := r.c.do(r.ctx, r.u, hdr, func(resp *http.Response) error {
		if resp.StatusCode != http.StatusPartialContent {
			return fmt.Errorf("%s: range request answered with %s", r.f.URL, resp.Status)
		}
		first, last, total, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil {
			return fmt.Errorf("%s: %w", r.f.URL, err)
		}
		if first != start || last != end || total != r.size {
			return fmt.Errorf("%s: server returned range %d-%d/%d for %d-%d/%d", r.f.URL, first, last, total, start, end, r.size)
		}
		data, err := readLimited(resp.Body, end-start+1, "range")
		if err != nil || int64(len(data)) != end-start+1 {
			return &retryableError{fmt.Errorf("%s: short range body: %v", r.f.URL, err)}
		}
		r.spans = append(r.spans, span{start, data})
		return nil
	})
	if err != nil {
		return 0, err
	}
	s := r.spans[len(r.spans)-1]
	n := copy(p, s.data[off-s.off:off-s.off+want])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// VerifyWheelMetadata checks that the METADATA inside a downloaded wheel is
// byte-for-byte identical to used, the metadata that resolution relied on
// (PEP 658 requires the metadata file to equal the wheel's METADATA).
// usedFrom names where used came from, for the error.
func VerifyWheelMetadata(f File, wheel io.ReaderAt, size int64, used []byte, usedFrom string) error {
	zr, err := zip.NewReader(wheel, size)
	if err != nil {
		return fmt.Errorf("%s: not a valid wheel: %w", f.URL, err)
	}
	inner, err := readWheelMetadata(zr, f)
	if err != nil {
		return fmt.Errorf("%s: %w", f.URL, err)
	}
	if !bytes.Equal(inner, used) {
		return &MetadataMismatchError{WheelURL: f.URL, MetadataURL: usedFrom}
	}
	return nil
}

// VerifyWheelMetadata checks a downloaded wheel against the metadata this
// client returned for f, if any (nil when Metadata was never called for f).
func (c *Client) VerifyWheelMetadata(f File, wheel io.ReaderAt, size int64) error {
	c.mu.Lock()
	u, ok := c.used[f.URL]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return VerifyWheelMetadata(f, wheel, size, u.data, u.from)
}

// verifyWheelFile runs VerifyWheelMetadata on a local wheel file.
func (c *Client) verifyWheelFile(f File, p string) error {
	c.mu.Lock()
	_, ok := c.used[f.URL]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	fh, err := os.Open(filepath.Clean(p))
	if err != nil {
		return err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return err
	}
	return c.VerifyWheelMetadata(f, fh, fi.Size())
}
