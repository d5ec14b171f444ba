package forge

import (
	"fmt"
	"io"
	"net/http"

	"github.com/pyward/pyward/internal/redact"
)

// MaxResponseSize bounds one answer of a forge's API. The largest pyward
// asks for is a page of 100 pull requests (pageSize); GitHub caps a body at
// 65,536 characters, so such a page is a few MiB. A self-hosted forge may
// answer anything: past the limit, reading the answer fails with an error
// naming its URL and the limit, before the client decodes more of it.
const MaxResponseSize = 64 << 20

// limitResponses returns a copy of hc whose answers are held to max bytes
// (New passes MaxResponseSize). The copy keeps hc's redirect policy, cookie
// jar and timeout; only the transport is wrapped.
func limitResponses(hc *http.Client, max int64) *http.Client {
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = limitTransport{base: base, max: max}
	return &c
}

type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, max: t.max, left: t.max, url: r.URL.String()}
	return resp, nil
}

// limitedBody fails a read once more than max bytes have been read.
type limitedBody struct {
	io.ReadCloser
	max, left int64
	url       string
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.tooLarge()
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, b.tooLarge()
	}
	return n, err
}

func (b *limitedBody) tooLarge() error {
	return fmt.Errorf("answer of %s: larger than %d bytes (forge.MaxResponseSize)", redact.URLs(b.url), b.max)
}
