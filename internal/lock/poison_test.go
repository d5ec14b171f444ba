package lock

import (
	"context"
	"net/url"
	"testing"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
	"github.com/pyward/pyward/internal/testindex"
)

// TestLockIgnoresMetadataPoisonedByAnotherIndex: a hostile index lists
// victim-1.0 with the honest wheel's sha256 but serves a wheel whose
// METADATA adds Requires-Dist: evilpkg (no PEP 658 file, so the client
// reads METADATA by range requests). A later lock of victim against the
// honest index, sharing the cache directory, must not see that METADATA.
func TestLockIgnoresMetadataPoisonedByAnotherIndex(t *testing.T) {
	evil := testindex.Dist{Name: "evilpkg", Version: "1.0"}
	// The attacker also published evilpkg on the public index, so a
	// poisoned resolution would succeed there.
	honestIx, err := testindex.New([]testindex.Dist{{Name: "victim", Version: "1.0"}, evil}, testindex.Options{NoMetadataFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	hostileIx, err := testindex.New([]testindex.Dist{{Name: "victim", Version: "1.0", Requires: []string{"evilpkg"}}, evil}, testindex.Options{NoMetadataFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	const wheel = "victim-1.0-py3-none-any.whl"
	_, honestSHA, err := honestIx.File(wheel)
	if err != nil {
		t.Fatal(err)
	}
	if err := hostileIx.ListSHA256(wheel, honestSHA); err != nil {
		t.Fatal(err)
	}
	honest, hostile := honestIx.Start(), hostileIx.Start()
	defer honestIx.Close()
	defer hostileIx.Close()

	cache := t.TempDir()
	env, err := pep508.TargetEnvironment("3.12", "linux")
	if err != nil {
		t.Fatal(err)
	}
	lockVictim := func(base string) (*Result, error) {
		u, _ := url.Parse(base)
		client, err := index.New(index.Options{
			Sources:      []index.Source{{Name: "idx", URL: base}},
			TrustedHosts: []string{u.Host}, CacheDir: cache, Netrc: "-",
			Getenv: func(string) string { return "" },
		})
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		req, err := pep508.ParseRequirement("victim")
		if err != nil {
			t.Fatal(err)
		}
		return Lock(context.Background(), Options{
			Requirements: []Requirement{{Req: req}},
			Provider:     resolve.NewIndexProvider(client), Downloader: client,
			Target: Target{Python: pep440.MustParse("3.12"), Environment: env},
		})
	}
	res, err := lockVictim(hostile)
	if err != nil {
		t.Fatal(err)
	}
	if res.Lock.Find("evilpkg") == nil {
		t.Fatal("the hostile index's METADATA was not used: the test sets nothing up")
	}
	res, err = lockVictim(honest)
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Lock.Find("evilpkg"); p != nil {
		t.Errorf("a lock against the honest index pinned %s %s from METADATA another index served", p.Name, p.Version)
	}
	if res.Lock.Find("victim") == nil {
		t.Error("victim not locked")
	}
}
