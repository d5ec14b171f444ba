package index

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/pyward/pyward/internal/httpcache"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
)

// newHasher returns a hash for a supported algorithm name, or nil.
// md5 and sha1 are checked when they are all an index offers (pip does the
// same); they detect corruption, not attacks.
func newHasher(alg string) hash.Hash {
	switch alg {
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha224":
		return sha256.New224()
	case "sha256":
		return sha256.New()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	}
	return nil
}

// checkHashes verifies data digests against every supported algorithm in
// want; sums holds the computed digests.
func checkHashes(rawURL string, want, sums map[string]string) error {
	for alg, exp := range want {
		if got, ok := sums[alg]; ok && got != exp {
			return &HashMismatchError{URL: rawURL, Algorithm: alg, Expected: exp, Actual: got}
		}
	}
	return nil
}

// multiHash computes sha256 and every supported algorithm of want.
type multiHash struct {
	h map[string]hash.Hash
	n int64
}

func newMultiHash(want map[string]string) *multiHash {
	m := &multiHash{h: map[string]hash.Hash{"sha256": sha256.New()}}
	for alg := range want {
		if h := newHasher(alg); h != nil && m.h[alg] == nil {
			m.h[alg] = h
		}
	}
	return m
}

func (m *multiHash) Write(p []byte) (int, error) {
	for _, h := range m.h {
		h.Write(p)
	}
	m.n += int64(len(p))
	return len(p), nil
}

func (m *multiHash) sums() map[string]string {
	out := map[string]string{}
	for alg, h := range m.h {
		out[alg] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

// verify checks size and hashes of what was hashed against f.
func (m *multiHash) verify(f File) (string, error) {
	if f.Size > 0 && m.n != f.Size {
		return "", &SizeMismatchError{URL: f.URL, Expected: f.Size, Read: m.n}
	}
	s := m.sums()
	if err := checkHashes(f.URL, f.Hashes, s); err != nil {
		return "", err
	}
	return s["sha256"], nil
}

// Download writes the file to dst and returns its sha256 (hex). The bytes
// are first stored in a temporary file (the content-addressed cache when
// enabled) and verified against f.Hashes and f.Size, so dst only ever
// receives verified bytes. A wheel whose metadata this client returned
// earlier is also checked against it (ErrMetadataMismatch).
// Memory use does not grow with the file (see DownloadBytes for one that
// is held in memory).
func (c *Client) Download(ctx context.Context, f File, dst io.Writer) (string, error) {
	p, sum, cleanup, err := c.fetchFile(ctx, f)
	if err != nil {
		return "", err
	}
	defer cleanup()
	if f.IsWheel() {
		if err := c.verifyWheelFile(f, p); err != nil {
			return "", err
		}
	}
	src, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("%s: %w", f.URL, err)
	}
	defer src.Close()
	if _, err := io.Copy(dst, src); err != nil {
		return "", fmt.Errorf("%s: writing: %w", f.URL, err)
	}
	return sum, nil
}

// DownloadBytes is Download for a file small enough to hold in memory: it
// returns the file's verified bytes and their sha256 (hex). The bytes are
// read once, from the network, the content-addressed store or a local
// file, hashed as they are read, and verified against f.Hashes and f.Size
// before they are returned (or, when caching, written from memory into the
// store): what the caller gets is exactly what was hashed, with no second
// read of a stored copy that could have changed in between. A wheel whose
// metadata this client returned earlier is also checked against it
// (ErrMetadataMismatch).
// The caller bounds the memory: by the file's listed size and by how many
// downloads it runs at once.
func (c *Client) DownloadBytes(ctx context.Context, f File) ([]byte, string, error) {
	c.seen.NoteOpaque()
	data, sum, err := c.fetchBytes(ctx, f)
	if err != nil {
		return nil, "", err
	}
	if f.IsWheel() {
		if err := c.VerifyWheelMetadata(f, bytes.NewReader(data), int64(len(data))); err != nil {
			return nil, "", err
		}
	}
	return data, sum, nil
}

// fetchBytes returns f's verified bytes and their sha256: from the store
// when it holds them, else from f's location (then stored when caching).
func (c *Client) fetchBytes(ctx context.Context, f File) ([]byte, string, error) {
	u, err := url.Parse(f.URL)
	if err != nil {
		return nil, "", fmt.Errorf("bad file URL %q: %w", f.URL, err)
	}
	if u.Scheme == "file" {
		fh, err := os.Open(filepath.FromSlash(u.Path))
		if err != nil {
			return nil, "", err
		}
		defer fh.Close()
		data, sum, err := c.readBody(fh, f)
		if err != nil {
			return nil, "", err
		}
		return data, sum, c.storeBlob(data, sum)
	}
	if c.cache != nil {
		if want := f.Hashes["sha256"]; httpcache.ValidSHA256(want) {
			bp := c.cache.BlobPath(want)
			fh, err := os.Open(bp)
			if err == nil {
				data, sum, err := c.readBody(fh, f)
				fh.Close()
				if err == nil {
					c.logf("cache hit %s", f.URL)
					return data, sum, nil
				}
				c.logf("cache: discarding %s: %v", bp, err)
				os.Remove(bp)
			} else if !errors.Is(err, os.ErrNotExist) {
				c.logf("cache: discarding %s: %v", bp, err)
				os.Remove(bp)
			}
		}
		if c.opts.Offline {
			return nil, "", fmt.Errorf("%s: %w", f.URL, ErrOffline)
		}
	}
	v, err := c.flight.shared(ctx, "dl-bytes\n"+f.URL, func(ctx context.Context) (any, error) {
		var data []byte
		var sum string
		err := c.do(ctx, u, nil, func(resp *http.Response) error {
			if err := c.checkDownloadResponse(u, f, resp); err != nil {
				return err
			}
			var err error
			if data, sum, err = c.readBody(resp.Body, f); err != nil {
				return err
			}
			return c.storeBlob(data, sum)
		})
		return downloaded{data, sum}, err
	})
	if err != nil {
		return nil, "", err
	}
	d := v.(downloaded)
	return d.data, d.sum, nil
}

type downloaded struct {
	data []byte
	sum  string
}

// readBody reads body into memory while hashing it and verifies it against
// f; like saveBody, it reads at most one byte more than downloadLimit(f).
func (c *Client) readBody(body io.Reader, f File) ([]byte, string, error) {
	limit := c.downloadLimit(f)
	var buf bytes.Buffer
	if f.Size > 0 {
		buf.Grow(int(f.Size) + bytes.MinRead) // the bytes, and the read that finds EOF
	}
	m := newMultiHash(f.Hashes)
	n, err := io.Copy(io.MultiWriter(&buf, m), io.LimitReader(body, limit+1))
	if err != nil {
		return nil, "", &retryableError{fmt.Errorf("download %s: %w", f.URL, err)}
	}
	if n > limit {
		return nil, "", c.tooLarge(f, n)
	}
	sum, err := m.verify(f)
	if err != nil {
		return nil, "", err
	}
	return buf.Bytes(), sum, nil
}

// storeBlob writes verified bytes into the content-addressed store (a
// temporary file renamed onto the blob's path); without a cache it does
// nothing.
func (c *Client) storeBlob(data []byte, sum string) error {
	if c.cache == nil {
		return nil
	}
	dir := c.cache.BlobTempDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "dl-*")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	bp := c.cache.BlobPath(sum)
	if err := os.MkdirAll(filepath.Dir(bp), 0o755); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), bp); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// fetchFile returns a local path holding f's verified bytes and its sha256.
// cleanup removes a temporary file (a no-op for cache blobs).
func (c *Client) fetchFile(ctx context.Context, f File) (path, sum string, cleanup func(), err error) {
	c.seen.NoteOpaque()
	noop := func() {}
	u, err := url.Parse(f.URL)
	if err != nil {
		return "", "", noop, fmt.Errorf("bad file URL %q: %w", f.URL, err)
	}
	if u.Scheme == "file" {
		// Opened once, hashed while copied into the store (a temporary
		// file without cache), and only that copy used: a local file that
		// changes between two reads (rewritten in place, a FIFO) cannot
		// get other bytes installed than those verified.
		fh, err := os.Open(filepath.FromSlash(u.Path))
		if err != nil {
			return "", "", noop, err
		}
		defer fh.Close()
		p, sum, err := c.saveBody(fh, f)
		if err != nil {
			return "", "", noop, err
		}
		if c.cache == nil {
			return p, sum, func() { os.Remove(p) }, nil
		}
		return p, sum, noop, nil
	}
	if c.cache != nil {
		if want := f.Hashes["sha256"]; httpcache.ValidSHA256(want) {
			bp := c.cache.BlobPath(want)
			if sum, err := hashFile(bp, f); err == nil {
				c.logf("cache hit %s", f.URL)
				return bp, sum, noop, nil
			} else if !errors.Is(err, os.ErrNotExist) {
				c.logf("cache: discarding %s: %v", bp, err)
				os.Remove(bp)
			}
		}
		if c.opts.Offline {
			return "", "", noop, fmt.Errorf("%s: %w", f.URL, ErrOffline)
		}
		v, err := c.flight.shared(ctx, "dl\n"+f.URL, func(ctx context.Context) (any, error) {
			p, sum, err := c.download(ctx, u, f)
			return [2]string{p, sum}, err
		})
		if err != nil {
			return "", "", noop, err
		}
		r := v.([2]string)
		return r[0], r[1], noop, nil
	}
	p, sum, err := c.download(ctx, u, f)
	if err != nil {
		return "", "", noop, err
	}
	return p, sum, func() { os.Remove(p) }, nil
}

// hashFile hashes a local file and verifies it against f.
func hashFile(p string, f File) (string, error) {
	fh, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	m := newMultiHash(f.Hashes)
	if _, err := io.Copy(m, fh); err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	return m.verify(f)
}

// DefaultMaxDownloadSize bounds a download whose size the index does not
// list (Options.MaxDownloadSize). The largest wheels in use are CUDA
// builds of deep-learning frameworks, somewhat over 2 GiB (torch on
// download.pytorch.org); 8 GiB leaves room for their growth while a hostile
// or broken server streaming without end is stopped long before it fills
// a disk.
const DefaultMaxDownloadSize = 8 << 30

// downloadLimit is how many bytes a download of f may have: its listed
// size, else the client's cap.
func (c *Client) downloadLimit(f File) int64 {
	if f.Size > 0 {
		return f.Size
	}
	if c.opts.MaxDownloadSize > 0 {
		return c.opts.MaxDownloadSize
	}
	return DefaultMaxDownloadSize
}

// tooLarge reports a download that exceeds downloadLimit(f): a size
// mismatch when the index listed a size, else errTooLarge.
func (c *Client) tooLarge(f File, read int64) error {
	if f.Size > 0 {
		return &SizeMismatchError{URL: f.URL, Expected: f.Size, Read: read}
	}
	return fmt.Errorf("download %s %w: more than %d bytes (no size listed; the limit is MaxDownloadSize)", f.URL, errTooLarge, c.downloadLimit(f))
}

// checkDownloadResponse refuses a download's response before its body is
// read: a status other than 200, or an announced length over the limit.
func (c *Client) checkDownloadResponse(u *url.URL, f File, resp *http.Response) error {
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{URL: redact(u), StatusCode: resp.StatusCode, Status: resp.Status}
	}
	if resp.ContentLength > c.downloadLimit(f) {
		return c.tooLarge(f, resp.ContentLength)
	}
	return nil
}

// download fetches u into a verified file: the blob store when caching,
// else a temporary file.
func (c *Client) download(ctx context.Context, u *url.URL, f File) (string, string, error) {
	var p, sum string
	err := c.do(ctx, u, nil, func(resp *http.Response) error {
		if err := c.checkDownloadResponse(u, f, resp); err != nil {
			return err
		}
		var err error
		p, sum, err = c.saveBody(resp.Body, f)
		return err
	})
	return p, sum, err
}

// saveBody streams body to a temporary file while hashing, verifies it
// against f, and moves it into the blob store when caching. It reads at
// most one byte more than downloadLimit(f): more is an error before the
// digests are computed.
func (c *Client) saveBody(body io.Reader, f File) (string, string, error) {
	dir := os.TempDir()
	if c.cache != nil {
		dir = c.cache.BlobTempDir()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", "", fmt.Errorf("cache: %w", err)
		}
	}
	tmp, err := os.CreateTemp(dir, "dl-*")
	if err != nil {
		return "", "", fmt.Errorf("download %s: %w", f.URL, err)
	}
	m := newMultiHash(f.Hashes)
	limit := c.downloadLimit(f)
	n, cerr := io.Copy(io.MultiWriter(tmp, m), io.LimitReader(body, limit+1))
	if err := errors.Join(cerr, tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		if cerr != nil {
			return "", "", &retryableError{fmt.Errorf("download %s: %w", f.URL, err)}
		}
		return "", "", fmt.Errorf("download %s: %w", f.URL, err)
	}
	if n > limit {
		os.Remove(tmp.Name())
		return "", "", c.tooLarge(f, n)
	}
	sum, err := m.verify(f)
	if err != nil {
		os.Remove(tmp.Name())
		return "", "", err
	}
	if c.cache == nil {
		return tmp.Name(), sum, nil
	}
	bp := c.cache.BlobPath(sum)
	if err := os.MkdirAll(filepath.Dir(bp), 0o755); err != nil {
		os.Remove(tmp.Name())
		return "", "", fmt.Errorf("cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), bp); err != nil {
		os.Remove(tmp.Name())
		return "", "", fmt.Errorf("cache: %w", err)
	}
	return bp, sum, nil
}
