package index

import (
	"context"
	"fmt"
	"net/url"
)

// MaxProvenanceFile bounds a PEP 740 provenance object (a real one is about
// 6 KiB; the provenance package parses at most 1 MiB).
const MaxProvenanceFile = 1 << 20

// provenanceAccept is the media type PyPI's Integrity API serves.
const provenanceAccept = "application/json"

// Provenance fetches the PEP 740 provenance object the page links for f
// (simple API 1.3 "provenance" / data-provenance, which on PyPI is the
// Integrity API URL). It returns nil, nil when the page links none. The
// body goes through the HTTP cache and counts as one request like any other;
// it is not verified here (see internal/provenance).
func (c *Client) Provenance(ctx context.Context, f File) ([]byte, error) {
	if f.Provenance == "" {
		return nil, nil
	}
	u, err := url.Parse(f.Provenance)
	if err != nil {
		return nil, fmt.Errorf("%s: bad provenance URL %q: %w", f.Filename, f.Provenance, err)
	}
	if err := c.checkScheme(u); err != nil {
		return nil, fmt.Errorf("%s: provenance: %w", f.Filename, err)
	}
	got, err := c.get(ctx, u, provenanceAccept, MaxProvenanceFile)
	if err != nil {
		return nil, fmt.Errorf("provenance of %s: %w", f.Filename, err)
	}
	return got.body, nil
}
