package sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/install"
	"github.com/pyward/pyward/internal/sources"
	"github.com/pyward/pyward/internal/testindex"
)

// TestPrefetch checks which entries prefetch unpacks into the cache before
// the interpreter is known (one hash, no marker: yes; several hashes or a
// marker: no), and that a cache naming every wheel already makes it ask
// the index nothing.
func TestPrefetch(t *testing.T) {
	dists := baseDists()[:3] // alpha (one wheel), beta.pkg (one wheel), gamma (three wheels)
	f := newFixture(t, dists, testindex.Options{})
	sha := func(fn string) string {
		_, s, err := f.ix.File(fn)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	alpha, beta := sha("alpha-1.0-py3-none-any.whl"), sha("beta_pkg-2.1-py3-none-any.whl")
	var gamma string
	for _, fn := range f.ix.Filenames("gamma") {
		gamma += " --hash=sha256:" + sha(fn)
	}
	lock := filepath.Join(f.dir, "requirements.txt")
	text := fmt.Sprintf("alpha==1.0 --hash=sha256:%s\nbeta.pkg==2.1 ; python_version >= '3' --hash=sha256:%s\ngamma==0.3%s\n", alpha, beta, gamma)
	if err := os.WriteFile(lock, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := LoadLock(ctx, lock)
	if err != nil {
		t.Fatal(err)
	}
	unpacked := func(sha string) bool {
		_, err := install.LoadUnpacked(filepath.Join(f.cache, unpackedDir, sha[:2], sha))
		return err == nil
	}
	run := func(o Options) *plan {
		o.Jobs = DefaultJobs
		srcs, err := newSources(l, o, o.CacheDir)
		if err != nil {
			t.Fatal(err)
		}
		p := &plan{opts: o, cacheDir: o.CacheDir, lock: l, srcs: srcs, res: &Result{}}
		p.prefetch(ctx)
		if p.waitPrefetch != nil {
			p.waitPrefetch(false)
		}
		if p.client != nil {
			p.client.Close()
		}
		return p
	}

	offline := f.opts(lock)
	offline.Offline = true
	if p := run(offline); p.client != nil || unpacked(alpha) {
		t.Fatal("prefetch ran offline")
	}
	p := run(f.opts(lock))
	if !unpacked(alpha) {
		t.Error("alpha (one hash, no marker) was not unpacked into the cache")
	}
	if unpacked(beta) {
		t.Error("beta.pkg (with a marker) was prefetched")
	}
	for _, fn := range f.ix.Filenames("gamma") {
		if unpacked(sha(fn)) {
			t.Errorf("%s (one of several hashes) was prefetched", fn)
		}
	}
	if p.prefetched == nil || p.prefetched.downloaded.Load() == 0 {
		t.Error("prefetch counted no downloaded bytes")
	}

	before := f.ix.Requests()
	if p := run(f.opts(lock)); p.client != nil {
		t.Error("prefetch made a client although the cache names alpha's wheel")
	}
	if got := f.ix.Requests(); got != before {
		t.Errorf("prefetch with a filled cache made %d index requests", got-before)
	}
}

// flippingFetcher returns the verified sha256 of a download but hands over
// bytes that differ from it, as a store file changed between its check and
// its copy would.
type flippingFetcher struct{ Fetcher }

func (ff flippingFetcher) Download(ctx context.Context, f index.File, dst io.Writer) (string, error) {
	var buf bytes.Buffer
	sum, err := ff.Fetcher.Download(ctx, f, &buf)
	if err != nil {
		return sum, err
	}
	b := buf.Bytes()
	b[len(b)/2] ^= 0xff
	_, err = dst.Write(b)
	return sum, err
}

// oneWheelClient is a fixture with a lock of one wheel, the options to
// sync it, and the index client sync would build for them (closed with the
// test), for a Fetcher to wrap.
func oneWheelClient(t *testing.T) (*fixture, string, Options, *index.Client) {
	t.Helper()
	dists := baseDists()[:1]
	f := newFixture(t, dists, testindex.Options{})
	lock := reqLock(t, f.ix, f.dir, dists, "")
	l, err := LoadLock(context.Background(), lock)
	if err != nil {
		t.Fatal(err)
	}
	o := f.opts(lock)
	srcs, err := newSources(l, o, f.cache)
	if err != nil {
		t.Fatal(err)
	}
	c, err := srcs.Client(sources.ClientOptions{UserAgent: "pyward"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return f, lock, o, c
}

// TestPrepareHashesWhatItUnpacks checks that a wheel kept in memory is
// hashed again before it is unpacked: bytes that differ from the verified
// download are refused and nothing is installed.
func TestPrepareHashesWhatItUnpacks(t *testing.T) {
	f, _, o, c := oneWheelClient(t)
	o.Fetcher = flippingFetcher{c}
	_, err := Sync(context.Background(), o)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("err = %v; want a refusal naming the changed bytes", err)
	}
	if _, err := os.Stat(f.venv); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the environment was created: %v", err)
	}
}

// racingFetcher downloads as its Fetcher does, but first lets another sync
// (standing for another process sharing the cache) run to its end, so that
// the tree this sync unpacks loses the rename into the cache.
type racingFetcher struct {
	Fetcher
	once  *gosync.Once
	other func() error
	err   *error
}

func (rf racingFetcher) Download(ctx context.Context, f index.File, dst io.Writer) (string, error) {
	rf.once.Do(func() { *rf.err = rf.other() })
	return rf.Fetcher.Download(ctx, f, dst)
}

// TestPrepareLosesRenameRace: when another sync puts the same wheel's tree
// into the cache first, this sync installs from that tree and removes its
// own staging tree instead of leaving it in the cache's tmp.
func TestPrepareLosesRenameRace(t *testing.T) {
	f, lock, o, c := oneWheelClient(t)
	other := f.opts(lock)
	other.Venv = filepath.Join(f.dir, "other-venv")
	var otherErr error
	o.Fetcher = racingFetcher{Fetcher: c, once: new(gosync.Once), err: &otherErr,
		other: func() error { _, err := Sync(context.Background(), other); return err }}
	if _, err := Sync(context.Background(), o); err != nil {
		t.Fatalf("sync that lost the race: %v", err)
	}
	if otherErr != nil {
		t.Fatalf("the other sync: %v", otherErr)
	}
	entries, err := os.ReadDir(filepath.Join(f.cache, "tmp"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the cache's tmp: %s", e.Name())
	}
	for _, venv := range []string{f.venv, other.Venv} {
		if _, err := Sync(context.Background(), Options{Lock: lock, Venv: venv, Python: f.py, Offline: true, CacheDir: f.cache, Verify: true}); err != nil {
			t.Errorf("%s does not verify against the lock: %v", venv, err)
		}
	}
}

// treeRaceFetcher downloads as its Fetcher does, but first unpacks a tree
// into the cache where the downloaded wheel's tree goes, as another process
// would, so that the tree this sync unpacks loses the rename into the
// cache: the same verified bytes under another file name (tree nil), or
// other bytes (tree) under the same one.
type treeRaceFetcher struct {
	Fetcher
	ctx   context.Context
	cache string
	as    string // the other process's file name
	tree  []byte // the other process's wheel; nil: the downloaded one
	err   *error
}

func (rf treeRaceFetcher) Download(ctx context.Context, f index.File, dst io.Writer) (string, error) {
	var buf bytes.Buffer
	sum, err := rf.Fetcher.Download(ctx, f, &buf)
	if err != nil {
		return sum, err
	}
	if *rf.err == nil {
		tree := rf.tree
		if tree == nil {
			tree = buf.Bytes()
		}
		final := unpackedPath(rf.cache, sum)
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			*rf.err = err
		} else {
			_, *rf.err = install.UnpackSealed(rf.ctx, bytes.NewReader(tree), int64(len(tree)), rf.as, final, install.Options{AllowStartup: true})
		}
	}
	_, err = dst.Write(buf.Bytes())
	return sum, err
}

// TestPrepareLosesRenameToOtherTree: when the tree that won the rename
// into the cache was made from the same bytes under another file name,
// this sync installs and removes its own staging tree; when it was made
// from other bytes (a wheel with an extra module), it is replaced by this
// sync's tree and none of its files is installed. Either way the
// environment verifies against the lock.
func TestPrepareLosesRenameToOtherTree(t *testing.T) {
	other := testindex.Dist{Name: "Alpha", Version: "1.0", Modules: map[string]string{"alpha/other.py": "X = 1\n"}}
	otherName, otherData, err := testindex.BuildWheel(other, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		as   string
		tree []byte
	}{
		{"same bytes, other file name", "alpha-1.0-py2.py3-none-any.whl", nil},
		{"other bytes, same file name", otherName, otherData},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, lock, o, c := oneWheelClient(t)
			var otherErr error
			o.Fetcher = treeRaceFetcher{Fetcher: c, ctx: context.Background(), cache: f.cache, as: tc.as, tree: tc.tree, err: &otherErr}
			res, err := Sync(context.Background(), o)
			if otherErr != nil {
				t.Fatalf("the other process's unpack: %v", otherErr)
			}
			if err != nil {
				t.Fatalf("sync that lost the race: %v", err)
			}
			if len(res.Install) != 1 {
				t.Fatalf("installed %+v; want alpha", res.Install)
			}
			entries, err := os.ReadDir(filepath.Join(f.cache, "tmp"))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			for _, e := range entries {
				t.Errorf("left in the cache's tmp: %s", e.Name())
			}
			if _, err := os.Stat(sitePath(t, f.venv, "alpha/other.py")); err == nil {
				t.Error("a file of the other tree was installed")
			}
			if _, err := Sync(context.Background(), Options{Lock: lock, Venv: f.venv, Python: f.py, Offline: true, CacheDir: f.cache, Verify: true}); err != nil {
				t.Errorf("%s does not verify against the lock: %v", f.venv, err)
			}
		})
	}
}
