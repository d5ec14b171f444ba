package testindex

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
)

// WriteDir writes every artifact flat into dir (usable as a --find-links
// directory), each wheel's PEP 658 metadata file next to it (unless
// NoMetadataFiles), and a static PEP 503 tree under dir/simple/ whose pages
// link to "../../<filename>" (usable as a file:// index URL). Tampered bytes
// are written as served.
func (ix *Index) WriteDir(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "simple"), 0o755); err != nil {
		return fmt.Errorf("testindex: %w", err)
	}
	rec := httptest.NewRecorder()
	ix.serveRoot(rec, httptest.NewRequest("GET", "/simple/", nil))
	root := rec.Body.Bytes()
	if err := os.WriteFile(filepath.Join(dir, "simple", "index.html"), root, 0o644); err != nil {
		return fmt.Errorf("testindex: %w", err)
	}
	for _, p := range ix.projectList() {
		_, views, _, err := ix.pageData(p.norm, "../../")
		if err != nil {
			return err
		}
		st, has := ix.status(p.norm)
		page := ix.projectHTML(p.name, views, st, has)
		pdir := filepath.Join(dir, "simple", p.norm)
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return fmt.Errorf("testindex: %w", err)
		}
		if err := os.WriteFile(filepath.Join(pdir, "index.html"), page, 0o644); err != nil {
			return fmt.Errorf("testindex: %w", err)
		}
		p.mu.Lock()
		files := append([]*file(nil), p.files...)
		p.mu.Unlock()
		for _, f := range files {
			p.mu.Lock()
			data, meta := f.data, f.metadata
			p.mu.Unlock()
			if err := os.WriteFile(filepath.Join(dir, f.filename), data, 0o644); err != nil {
				return fmt.Errorf("testindex: %w", err)
			}
			if f.wheel && !ix.opts.NoMetadataFiles {
				if err := os.WriteFile(filepath.Join(dir, f.filename+".metadata"), meta, 0o644); err != nil {
					return fmt.Errorf("testindex: %w", err)
				}
			}
		}
	}
	return nil
}
