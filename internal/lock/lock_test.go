package lock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
)

// hashDownloader "downloads" a file by hashing its name.
type hashDownloader struct{ calls atomic.Int64 }

func (h *hashDownloader) Download(_ context.Context, f index.File, dst io.Writer) (string, error) {
	h.calls.Add(1)
	sum := sha256.Sum256([]byte(f.Filename))
	_, err := dst.Write([]byte(f.Filename))
	return hex.EncodeToString(sum[:]), err
}

func mustReq(t *testing.T, s string) *pep508.Requirement {
	t.Helper()
	r, err := pep508.ParseRequirement(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func memProvider(t *testing.T, rels ...resolve.MemoryRelease) *resolve.MemoryProvider {
	t.Helper()
	m := resolve.NewMemoryProvider()
	for _, r := range rels {
		if err := m.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func target(t *testing.T) Target {
	env, err := pep508.TargetEnvironment("3.12", "linux")
	if err != nil {
		t.Fatal(err)
	}
	return Target{Python: pep440.MustParse("3.12"), Environment: env}
}

func TestLockRecordsEveryFileWithHashes(t *testing.T) {
	p := memProvider(t,
		resolve.MemoryRelease{Name: "app-lib", Version: "1.0", Requires: []string{"dep>=2"}, RequiresPython: ">=3.8",
			WheelTags: []string{"cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-win_amd64", "cp312-cp312-macosx_11_0_arm64"}},
		resolve.MemoryRelease{Name: "dep", Version: "1.0", RequiresPython: ">=3.8"},
		resolve.MemoryRelease{Name: "dep", Version: "2.1", RequiresPython: ">=3.8"},
	)
	dl := &hashDownloader{}
	res, err := Lock(context.Background(), Options{
		Requirements: []Requirement{{Req: mustReq(t, "App_Lib"), Origin: "-r requirements.in"}},
		Provider:     p, Downloader: dl, Target: target(t), Command: "pyward lock requirements.in",
	})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Lock
	if len(l.Packages) != 2 {
		t.Fatalf("packages: %+v", l.Packages)
	}
	app := l.Find("app-lib")
	if app == nil || app.Version != "1" && app.Version != "1.0" {
		t.Fatalf("app-lib: %+v", app)
	}
	// Every platform's wheel is recorded, not only the target's.
	if len(app.Wheels) != 3 || app.Sdist == nil {
		t.Errorf("app-lib files: wheels %d sdist %v", len(app.Wheels), app.Sdist)
	}
	for _, f := range app.Files() {
		if len(f.Hashes["sha256"]) != 64 {
			t.Errorf("%s has no sha256", f.Name)
		}
	}
	if got := dl.calls.Load(); got != 4+2 {
		t.Errorf("downloads = %d, want 6 (4 files of app-lib, 2 of dep)", got)
	}
	dep := l.Find("dep")
	if dep == nil || dep.Version != "2.1" || strings.Join(dep.Via, ",") != "app-lib" {
		t.Errorf("dep: %+v", dep)
	}
	if strings.Join(app.Via, ",") != "-r requirements.in" {
		t.Errorf("app via: %v", app.Via)
	}
	a, err := lockfile.MarshalRequirements(l)
	if err != nil {
		t.Fatal(err)
	}
	// Same inputs, same bytes.
	res2, err := Lock(context.Background(), Options{
		Requirements: []Requirement{{Req: mustReq(t, "App_Lib"), Origin: "-r requirements.in"}},
		Provider:     p, Downloader: &hashDownloader{}, Target: target(t), Command: "pyward lock requirements.in",
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := lockfile.MarshalRequirements(res2.Lock)
	if string(a) != string(b) {
		t.Errorf("lock is not deterministic:\n%s\n---\n%s", a, b)
	}
}

func TestLockKeepsPreferencesUnlessUpgrading(t *testing.T) {
	p := memProvider(t,
		resolve.MemoryRelease{Name: "a", Version: "1.0"},
		resolve.MemoryRelease{Name: "a", Version: "1.1"},
		resolve.MemoryRelease{Name: "a", Version: "2.0"},
	)
	base := Options{Requirements: []Requirement{{Req: mustReq(t, "a")}}, Provider: p, Downloader: &hashDownloader{}, Target: target(t),
		Preferences: map[string]pep440.Version{"a": pep440.MustParse("1.1")}}
	for _, tt := range []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"keep", func(*Options) {}, "1.1"},
		{"upgrade", func(o *Options) { o.Upgrade = true }, "2.0"},
		{"upgrade package", func(o *Options) { o.UpgradePackages = []string{"A"} }, "2.0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.mod(&o)
			res, err := Lock(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Lock.Find("a").Version; got != tt.want {
				t.Errorf("a = %s, want %s", got, tt.want)
			}
		})
	}
}

// datedProvider wraps a provider and stamps upload times by version.
type datedProvider struct {
	resolve.Provider
	times map[string]time.Time
}

func (d *datedProvider) Versions(ctx context.Context, name string) ([]*resolve.Candidate, error) {
	cands, err := d.Provider.Versions(ctx, name)
	for _, c := range cands {
		for _, f := range c.Files {
			f.UploadTime = d.times[c.Version.String()]
		}
	}
	return cands, err
}

func TestLockExcludeNewer(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	p := &datedProvider{
		Provider: memProvider(t, resolve.MemoryRelease{Name: "a", Version: "1.0"}, resolve.MemoryRelease{Name: "a", Version: "1.1"}, resolve.MemoryRelease{Name: "a", Version: "9.0"}),
		times:    map[string]time.Time{"1.0": now.AddDate(-1, 0, 0), "1.1": {}, "9.0": now.Add(-time.Hour)},
	}
	res, err := Lock(context.Background(), Options{Requirements: []Requirement{{Req: mustReq(t, "a")}}, Provider: p, Downloader: &hashDownloader{},
		Target: target(t), ExcludeNewer: now.AddDate(0, 0, -7)})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Lock.Find("a").Version; got != "1.1" {
		t.Errorf("a = %s, want 1.1 (9.0 is inside the cooldown; 1.1 has no date and is kept)", got)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "no upload time") {
		t.Errorf("warnings = %v", res.Warnings)
	}
}

func TestLockUnsatisfiableExplains(t *testing.T) {
	p := memProvider(t,
		resolve.MemoryRelease{Name: "a", Version: "1.0", Requires: []string{"b==1.0"}},
		resolve.MemoryRelease{Name: "b", Version: "2.0"},
	)
	_, err := Lock(context.Background(), Options{Requirements: []Requirement{{Req: mustReq(t, "a")}}, Provider: p, Downloader: &hashDownloader{}, Target: target(t)})
	var nse *resolve.NoSolutionError
	if !errors.As(err, &nse) {
		t.Fatalf("err = %v, want a NoSolutionError", err)
	}
	if !strings.Contains(err.Error(), "b") {
		t.Errorf("explanation does not name b: %v", err)
	}
}

// TestPinnedExactly keeps the lock's rule for keeping yanked files the same
// as the resolver's rule for choosing a yanked release (PEP 592 as pip
// reads it): one specifier, == without a wildcard or ===.
func TestPinnedExactly(t *testing.T) {
	tests := []struct {
		req  string
		want bool
	}{
		{"dep==1.0", true},
		{"dep===1.0", true},
		{"Dep==1.0 ; python_version > '3'", true},
		{"dep==1.*", false},
		{"dep>=1,==1.0", false},
		{"dep>=1", false},
		{"other==1.0", false},
	}
	for _, tt := range tests {
		reqs := []Requirement{{Req: mustReq(t, tt.req)}}
		if got := pinnedExactly(reqs, nil, "dep"); got != tt.want {
			t.Errorf("requirement %q: pinnedExactly = %v, want %v", tt.req, got, tt.want)
		}
		if got := pinnedExactly(nil, []*pep508.Requirement{mustReq(t, tt.req)}, "dep"); got != tt.want {
			t.Errorf("constraint %q: pinnedExactly = %v, want %v", tt.req, got, tt.want)
		}
	}
}
