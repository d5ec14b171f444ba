package sync

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/metadata"
	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/sources"
)

// memFetcher serves project listings from memory.
type memFetcher map[string][]index.File

func (m memFetcher) Project(ctx context.Context, name string) (*index.Project, error) {
	files, ok := m[name]
	if !ok {
		return nil, &index.NotFoundError{Project: name, Index: "mem"}
	}
	return &index.Project{Name: name, Files: files}, nil
}

func (m memFetcher) Metadata(ctx context.Context, f index.File) (*metadata.Metadata, []byte, error) {
	return nil, nil, errors.New("no metadata")
}

func (m memFetcher) Download(ctx context.Context, f index.File, dst io.Writer) (string, error) {
	return "", errors.New("no downloads")
}

func hx(c byte) string { return strings.Repeat(string(c), 64) }

func TestChoose(t *testing.T) {
	in, err := pep425.Target("manylinux_x86_64", [2]int{3, 11})
	if err != nil {
		t.Fatal(err)
	}
	rk := &ranker{r: pep425.NewRanker(in.Tags()), best: in.Tags()[0].String()}
	f := func(name, sha string) index.File {
		return index.File{Filename: name, URL: "https://files/" + name, Hashes: map[string]string{"sha256": sha}}
	}
	fetcher := memFetcher{
		"demo": {
			f("demo-1.0-py3-none-any.whl", hx('1')),
			f("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hx('2')),
			f("demo-1.0-cp311-cp311-win_amd64.whl", hx('3')),
			f("demo-1.0.tar.gz", hx('4')),
			f("demo-2.0-py3-none-any.whl", hx('5')),
		},
		"winonly": {f("winonly-1.0-cp311-cp311-win_amd64.whl", hx('6'))},
		"src":     {f("src-1.0.tar.gz", hx('7'))},
	}
	for _, tc := range []struct {
		name   string
		entry  Entry
		opts   Options
		file   string
		errMsg string
	}{
		{name: "best rank", entry: Entry{Name: "demo", Version: "1.0", Hashes: []string{hx('1'), hx('2'), hx('3'), hx('4')}},
			file: "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"},
		{name: "only hashes in the lock", entry: Entry{Name: "demo", Version: "1.0", Hashes: []string{hx('1'), hx('3')}}, file: "demo-1.0-py3-none-any.whl"},
		{name: "version pinned", entry: Entry{Name: "demo", Version: "2.0", Hashes: []string{hx('1'), hx('5')}}, file: "demo-2.0-py3-none-any.whl"},
		{name: "hash of another version", entry: Entry{Name: "demo", Version: "2.0", Hashes: []string{hx('1')}}, errMsg: "no file of this version"},
		{name: "no compatible wheel", entry: Entry{Name: "winonly", Version: "1.0", Hashes: []string{hx('6')}}, errMsg: "no wheel compatible"},
		{name: "sdist refused", entry: Entry{Name: "src", Version: "1.0", Hashes: []string{hx('7')}}, errMsg: "--allow-build"},
		{name: "sdist with allow-build", entry: Entry{Name: "src", Version: "1.0", Hashes: []string{hx('7')}}, opts: Options{AllowBuild: true}, errMsg: "not supported"},
		{name: "not on index", entry: Entry{Name: "absent", Version: "1.0", Hashes: []string{hx('7')}}, errMsg: "not found"},
		{name: "pylock URLs", entry: Entry{Name: "demo", Version: "1.0", Files: []lockfile.File{
			{Name: "demo-1.0-py3-none-any.whl", URL: "https://x/a.whl", Hashes: map[string]string{"sha256": hx('1')}},
			{Name: "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", URL: "https://x/b.whl", Hashes: map[string]string{"sha512": hx('2')}},
		}}, file: "demo-1.0-py3-none-any.whl"},
		{name: "pylock looked up on --index-url", entry: Entry{Name: "demo", Version: "1.0", Files: []lockfile.File{
			{Name: "demo-1.0-cp311-cp311-win_amd64.whl", Hashes: map[string]string{"sha256": hx('3')}},
			{Name: "demo-1.0-py3-none-any.whl", Hashes: map[string]string{"sha256": hx('1')}},
		}}, opts: Options{IndexURL: "https://mirror/simple/"}, file: "demo-1.0-py3-none-any.whl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := &job{entry: tc.entry}
			err := choose(context.Background(), fetcher, &sources.Sources{}, tc.opts, rk, nil, j)
			if tc.errMsg != "" {
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.errMsg) {
					t.Fatalf("err = %v; want refusal with %q", err, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.file.Filename != tc.file {
				t.Fatalf("chose %s; want %s", j.file.Filename, tc.file)
			}
		})
	}
}
