package provenance_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/provenance"
	"github.com/pyward/pyward/internal/provenance/provenancetest"
)

// Refresh walks a TUF repository on loopback: published roots come through,
// tampered, expired or foreign metadata never does.
func TestRefreshThroughTUF(t *testing.T) {
	first := provenance.DefaultTrustedRoot()
	vs, err := provenancetest.New()
	if err != nil {
		t.Fatal(err)
	}
	second, err := vs.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	repo, err := provenancetest.NewTUFRepo(first)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(repo)
	defer srv.Close()
	other, err := provenancetest.NewTUFRepo(first)
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	opts := provenance.TUF{URL: srv.URL, Root: repo.TrustAnchor(), CacheDir: cache}

	steps := []struct {
		name    string
		setup   func(t *testing.T)
		opts    func(provenance.TUF) provenance.TUF
		want    []byte
		wantErr string
	}{
		{name: "first version", want: first},
		{name: "again, from the cached metadata", want: first},
		{name: "new version", setup: func(t *testing.T) {
			if err := repo.Publish(second); err != nil {
				t.Fatal(err)
			}
		}, want: second},
		{name: "target bytes differ from the signed hash", setup: func(t *testing.T) {
			if err := repo.Publish(first); err != nil {
				t.Fatal(err)
			}
			tampered := repo.File(repo.TargetPath())
			tampered[len(tampered)/2] ^= 1
			repo.SetFile(repo.TargetPath(), tampered)
		}, wantErr: "hash verification failed"},
		{name: "timestamp changed without signing", setup: func(t *testing.T) {
			if err := repo.Publish(second); err != nil {
				t.Fatal(err)
			}
			ts := repo.File("timestamp.json")
			repo.SetFile("timestamp.json", bytes.Replace(ts, []byte(`"version":`), []byte(`"version":1`), 1))
		}, wantErr: "timestamp"},
		{name: "expired metadata", setup: func(t *testing.T) {
			if err := repo.PublishExpired(second); err != nil {
				t.Fatal(err)
			}
		}, wantErr: "expired"},
		{name: "another repository's trust anchor", setup: func(t *testing.T) {
			if err := repo.Publish(second); err != nil {
				t.Fatal(err)
			}
		}, opts: func(o provenance.TUF) provenance.TUF {
			o.Root, o.CacheDir = other.TrustAnchor(), t.TempDir()
			return o
		}, wantErr: "Verifying timestamp failed, not enough signatures"},
		{name: "target is not a trusted root", setup: func(t *testing.T) {
			if err := repo.Publish([]byte(`{"mediaType":"nonsense"}`)); err != nil {
				t.Fatal(err)
			}
		}, wantErr: "is not a Sigstore trusted root"},
		{name: "recovered", setup: func(t *testing.T) {
			if err := repo.Publish(second); err != nil {
				t.Fatal(err)
			}
		}, want: second},
		{name: "unreachable", opts: func(o provenance.TUF) provenance.TUF {
			o.URL = "http://127.0.0.1:1/tuf"
			return o
		}, wantErr: "TUF repository http://127.0.0.1:1/tuf"},
	}
	for _, st := range steps {
		if st.setup != nil {
			st.setup(t)
		}
		o := opts
		if st.opts != nil {
			o = st.opts(o)
		}
		got, err := provenance.Refresh(context.Background(), o)
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", st.name, err, st.wantErr)
			}
			if got != nil {
				t.Errorf("%s: returned a root with the error", st.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", st.name, err)
			continue
		}
		if !bytes.Equal(got, st.want) {
			t.Errorf("%s: got %.60s…, want %.60s…", st.name, got, st.want)
		}
	}
}

func TestRefreshCancelled(t *testing.T) {
	repo, err := provenancetest.NewTUFRepo(provenance.DefaultTrustedRoot())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(repo)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = provenance.Refresh(ctx, provenance.TUF{URL: srv.URL, Root: repo.TrustAnchor()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}
