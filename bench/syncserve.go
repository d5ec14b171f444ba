package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pyward/pyward/internal/testindex"
)

// serveSync serves the realistic sync set on 127.0.0.1 and writes its lock
// into dir until ctx ends, so that single syncs can be profiled by hand
// (PYWARD_CPUPROFILE, strace) against the same wheels the suite times.
func serveSync(ctx context.Context, cfg *config, dir string) error {
	bt := queryBinaryTarget(ctx, cfg.python)
	dists, err := realSyncDistributions(filepath.Join(cfg.data, "real-metadata"), realSyncDists, cfg.seed, bt)
	if err != nil {
		return err
	}
	ix, err := testindex.New(dists, testindex.Options{})
	if err != nil {
		return err
	}
	url := ix.Start()
	defer ix.Close()
	var lock strings.Builder
	for _, d := range dists {
		tag := testindex.DefaultWheelTag
		if len(d.WheelTags) > 0 {
			tag = d.WheelTags[0]
		}
		_, sha, err := ix.File(d.WheelFilename(tag))
		if err != nil {
			return err
		}
		fmt.Fprintf(&lock, "%s==%s \\\n    --hash=sha256:%s\n", d.Name, d.Version, sha)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "requirements.lock.txt")
	if err := os.WriteFile(path, []byte(lock.String()), 0o644); err != nil {
		return err
	}
	fmt.Printf("%d wheels served on %s\nlock: %s\npyward sync %s --venv VENV --cache-dir CACHE --index-url %s --trusted-host 127.0.0.1 -q\n",
		len(dists), url, path, path, url)
	<-ctx.Done()
	return nil
}
