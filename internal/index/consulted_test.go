package index

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/pyward/pyward/internal/httpcache"
	"github.com/pyward/pyward/internal/testindex"
)

func TestConsultedAndUnchanged(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cc       string
		work     func(t *testing.T, c *Client)
		reusable bool
	}{
		{"pages and metadata, fresh for 10 minutes", "max-age=600", func(t *testing.T, c *Client) {
			p, err := c.Project(ctx, "acme-utils")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Metadata(ctx, p.Files[0]); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"pages that must be revalidated", "max-age=0, must-revalidate", func(t *testing.T, c *Client) {
			if _, err := c.Project(ctx, "six"); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a project the index does not have", "max-age=600", func(t *testing.T, c *Client) {
			if _, err := c.Project(ctx, "nonexistent"); err == nil {
				t.Fatal("found")
			}
		}, false},
		{"a download", "max-age=600", func(t *testing.T, c *Client) {
			p, err := c.Project(ctx, "six")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Download(ctx, p.Files[0], io.Discard); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix, u := startIndex(t, acmeDists(), testindex.Options{CacheControl: tc.cc})
			dir := t.TempDir()
			src := Source{Name: "t", URL: u}
			c := newClient(t, func(o *Options) { o.CacheDir = dir }, src)
			tc.work(t, c)
			refs, ok := c.Consulted()
			if ok != tc.reusable {
				t.Fatalf("Consulted ok = %v, want %v (refs %v)", ok, tc.reusable, refs)
			}
			if !ok {
				return
			}
			if len(refs) != 2 {
				t.Fatalf("refs = %v, want the page and the metadata file", refs)
			}
			c.Close()
			// Another client (a later run) finds them unchanged, without a
			// request, until one changes on disk.
			ix.ResetCounts()
			later := newClient(t, func(o *Options) { o.CacheDir = dir }, src)
			if !later.Unchanged(refs) {
				t.Fatal("Unchanged = false for untouched entries")
			}
			if n := ix.Requests(); n != 0 {
				t.Errorf("Unchanged made %d requests", n)
			}
			if later.Unchanged([]httpcache.Ref{{Key: "../" + filepath.Base(dir), SHA256: refs[1].SHA256}}) {
				t.Error("Unchanged accepted a key that is not a digest")
			}
			// Another process stores a different response under a key.
			e := later.cache.Load(refs[0].Key)
			e.Body = append(append([]byte(nil), e.Body...), ' ')
			other := httpcache.New(dir, t.Logf)
			other.Store(refs[0].Key, e)
			other.Wait()
			if newClient(t, func(o *Options) { o.CacheDir = dir }, src).Unchanged(refs) {
				t.Error("Unchanged = true after an entry's body changed")
			}
			if err := os.RemoveAll(filepath.Join(dir, "packs")); err != nil {
				t.Fatal(err)
			}
			if newClient(t, func(o *Options) { o.CacheDir = dir }, src).Unchanged(refs) {
				t.Error("Unchanged = true with the entries gone")
			}
			nocache := newClient(t, nil, src)
			if _, ok := nocache.Consulted(); ok {
				t.Error("a client without a cache claims reusable reads")
			}
		})
	}
}
