package index

import (
	"errors"
	"net/url"
	"testing"

	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/provenance/provenancetest"
	"github.com/pyward/pyward/internal/testindex"
)

// TestProvenanceFetch: the provenance a JSON or HTML page links (the
// Integrity API URL) is fetched, verifies for its own file, and comes from
// the HTTP cache the second time, without a request (the index serves it as
// immutable); a file without provenance costs no request.
func TestProvenanceFetch(t *testing.T) {
	ss, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ss.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	pub := provenance.Identity{Kind: provenance.KindGitHub, Claims: map[string]string{"repository": "acme/signed", "workflow": "release.yml"}}
	for _, format := range []testindex.Options{{NoHTML: true, Signer: ss}, {NoJSON: true, Signer: ss}} {
		ix, u := startIndex(t, []testindex.Dist{
			{Name: "signed", Version: "1.0", Sdist: true, Publisher: &pub},
			{Name: "plain", Version: "1.0"},
		}, format)
		cache := t.TempDir()
		for round := range 2 {
			c := newClient(t, func(o *Options) { o.CacheDir = cache }, Source{Name: "test", URL: u})
			p, err := c.Project(ctx, "signed")
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Files) != 2 {
				t.Fatalf("files = %+v", p.Files)
			}
			for _, f := range p.Files {
				pu, _ := url.Parse(f.Provenance)
				if pu == nil || pu.Path != "/integrity/signed/1.0/"+f.Filename+"/provenance" {
					t.Fatalf("%s: provenance URL %q is not the Integrity API's", f.Filename, f.Provenance)
				}
				before := ix.RequestsFor(pu.Path)
				data, err := c.Provenance(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if got := ix.RequestsFor(pu.Path) - before; (round == 0 && got != 1) || (round == 1 && got != 0) {
					t.Fatalf("round %d: %d requests for %s", round, got, pu.Path)
				}
				ids, err := v.VerifyProvenance(provenance.Dist{Filename: f.Filename, SHA256: f.Hashes["sha256"]}, data)
				if err != nil || len(ids) != 1 || !ids[0].Equal(pub) {
					t.Fatalf("%s: identities %v, %v", f.Filename, ids, err)
				}
			}
			plain, err := c.Project(ctx, "plain")
			if err != nil {
				t.Fatal(err)
			}
			before := ix.Requests()
			if data, err := c.Provenance(ctx, plain.Files[0]); data != nil || err != nil || ix.Requests() != before {
				t.Fatalf("file without provenance: %q, %v, %d requests", data, err, ix.Requests()-before)
			}
			// The cache writes its entries to disk when the client closes;
			// the next round's client reads them from there.
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestProvenanceMissing(t *testing.T) {
	_, u := startIndex(t, []testindex.Dist{{Name: "x", Version: "1.0"}}, testindex.Options{})
	c := newClient(t, nil, Source{Name: "test", URL: u})
	_, err := c.Provenance(ctx, File{Filename: "x-1.0-py3-none-any.whl", Provenance: u[:len(u)-len("/simple/")] + "/integrity/x/1.0/x-1.0-py3-none-any.whl/provenance"})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 404 {
		t.Fatalf("err = %v, want a 404 HTTPError", err)
	}
}

func TestIntegrityURL(t *testing.T) {
	got, err := IntegrityURL("https://pypi.org/simple/", "sampleproject", "4.0.0", "sampleproject-4.0.0.tar.gz")
	if err != nil || got != "https://pypi.org/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance" {
		t.Fatalf("IntegrityURL = %q, %v", got, err)
	}
}
