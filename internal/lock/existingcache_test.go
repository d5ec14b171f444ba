package lock

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pyward/pyward/internal/lockfile"
)

// existingFixture writes a pylock.toml with markers, publishers and an
// accepted publisher change, and returns its path and bytes.
func existingFixture(t *testing.T) (string, []byte) {
	t.Helper()
	gh := lockfile.AttestationIdentity{Kind: "GitHub", Claims: map[string]string{"repository": "o/numpy", "workflow": "release.yml"}}
	whl := func(name string) []lockfile.File {
		return []lockfile.File{{Name: name, URL: "https://files.example/" + name, Size: 10,
			Hashes: map[string]string{"sha256": "0000000000000000000000000000000000000000000000000000000000000001"}}}
	}
	data, err := lockfile.MarshalPylock(&lockfile.Lock{Packages: []lockfile.Package{
		{Name: "numpy", Version: "1.26.4", Marker: `python_version < "3.10"`, Wheels: whl("numpy-1.26.4-py3-none-any.whl"),
			AttestationIdentities: []lockfile.AttestationIdentity{gh}},
		{Name: "numpy", Version: "2.1.0", Marker: `python_version >= "3.10"`, Wheels: whl("numpy-2.1.0-py3-none-any.whl"),
			AttestationIdentities: []lockfile.AttestationIdentity{gh}, PublisherChange: "accepted with --allow-publisher-change: none"},
		{Name: "Six", Version: "1.16.0", Wheels: whl("six-1.16.0-py3-none-any.whl"), Via: []string{"-r requirements.in"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pylock.toml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// TestExistingCacheSameModel: a re-lock sees the same pins, markers and
// publishers whether the lock is parsed or its record read, and the
// record holds no more than Existing.Lock promises.
func TestExistingCacheSameModel(t *testing.T) {
	path, _ := existingFixture(t)
	plain, err := ReadExisting(path, true)
	if err != nil {
		t.Fatal(err)
	}
	c := ExistingCache{Dir: t.TempDir(), Build: "test"}
	for _, round := range []string{"parsed", "recorded"} {
		ex, err := c.Read(path, true)
		if err != nil {
			t.Fatalf("%s: %v", round, err)
		}
		if !reflect.DeepEqual(ex.Lock, plain.Lock) || !reflect.DeepEqual(ex.Pins, plain.Pins) || ex.Digest != plain.Digest {
			t.Errorf("%s: lock %+v pins %v digest %s; want %+v %v %s", round, ex.Lock, ex.Pins, ex.Digest, plain.Lock, plain.Pins, plain.Digest)
		}
		got, err := ex.MarkerPins()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := plain.MarkerPins()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: marker pins %v, want %v", round, got, want)
		}
		if _, err := os.Stat(c.path(plain.Digest)); err != nil {
			t.Errorf("%s: no record: %v", round, err)
		}
	}
	p := plain.Lock.Find("numpy")
	if p == nil || len(p.AttestationIdentities) != 1 || p.Wheels != nil {
		t.Errorf("model numpy = %+v; want its publisher and no files", p)
	}
	if q := &plain.Lock.Packages[1]; q.PublisherChange == "" {
		t.Errorf("model lost the accepted publisher change: %+v", q)
	}
}

// TestExistingCacheKeys: a record is used only for the exact bytes, the
// record format and the build it was made for.
func TestExistingCacheKeys(t *testing.T) {
	path, data := existingFixture(t)
	c := ExistingCache{Dir: t.TempDir(), Build: "test"}
	ex, err := c.Read(path, true)
	if err != nil {
		t.Fatal(err)
	}
	// Plant a record under the right key that says something else, to see
	// which reads consult it.
	plant := func(digest, inside string) {
		t.Helper()
		r := existingRecord{Version: existingRecordVersion, SHA256: inside, Packages: []existingPackage{{Name: "six", Version: "9.9"}}}
		b, _ := json.Marshal(r)
		if err := os.WriteFile(c.path(digest), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sixPin := func(c ExistingCache) string {
		t.Helper()
		ex, err := c.Read(path, true)
		if err != nil {
			t.Fatal(err)
		}
		return ex.Pins["six"].String()
	}
	plant(ex.Digest, ex.Digest)
	if got := sixPin(c); got != "9.9" {
		t.Fatalf("record of these bytes not used: six %s", got)
	}
	if got := sixPin(ExistingCache{Dir: c.Dir, Build: "other"}); got != "1.16.0" {
		t.Errorf("record of another build used: six %s", got)
	}
	plant(ex.Digest, DataSHA256([]byte("other bytes")))
	if got := sixPin(c); got != "1.16.0" {
		t.Errorf("record naming other bytes used: six %s", got)
	}
	plant(ex.Digest, ex.Digest)
	if err := os.WriteFile(path, append(data, "\n# edited\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := sixPin(c); got != "1.16.0" {
		t.Errorf("record of the bytes before an edit used: six %s", got)
	}
	if err := os.WriteFile(c.path(ex.Digest), []byte(`{"version":1,"lock_sha`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := sixPin(c); got != "1.16.0" {
		t.Errorf("torn record: six %s", got)
	}
}

// TestExistingCacheRemember: a lock just written is recorded, so the next
// re-lock reads the record; a lock that does not parse is neither recorded
// nor read as one.
func TestExistingCacheRemember(t *testing.T) {
	path, data := existingFixture(t)
	c := ExistingCache{Dir: t.TempDir(), Build: "test"}
	c.Remember(path, data)
	if _, err := os.Stat(c.path(DataSHA256(data))); err != nil {
		t.Fatalf("not recorded: %v", err)
	}
	bad := []byte("lock-version = \"1.0\"\n[[packages]]\nversion = \"1\"\n")
	c.Remember(path, bad)
	if _, err := os.Stat(c.path(DataSHA256(bad))); err == nil {
		t.Errorf("a lock that does not parse was recorded")
	}
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := c.Read(path, true); err == nil {
			t.Errorf("read %d of a broken lock: no error", i)
		}
	}
	var zero ExistingCache
	zero.Remember(path, data)
	if ex, err := zero.Read(filepath.Join(filepath.Dir(path), "none.toml"), true); err != nil || ex.Lock != nil {
		t.Errorf("zero cache, no lock: %+v %v", ex, err)
	}
}
