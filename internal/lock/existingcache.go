package lock

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pyward/pyward/internal/lockfile"
)

// ExistingCache keeps, for each PEP 751 lock pyward has parsed, the part of
// it a re-lock uses (Existing.Lock), so that re-locking over an unchanged
// pylock.toml does not parse its TOML again: parsing a lock of a few
// hundred packages costs tens of milliseconds, reading its record a
// fraction of one.
//
// A record is only ever derived by parsing the exact bytes it is filed
// under: its path is named by the sha256 of those bytes (with the record
// format and the pyward build, so another parser's records are never
// used), and it repeats that digest, which Read checks. A lock whose bytes
// changed in any way has another digest and is parsed again. A record that
// is missing, unreadable or malformed is merely not used. Records are
// written as writeCacheFile writes (not synced: a torn one fails to
// decode).
//
// The zero ExistingCache keeps nothing.
type ExistingCache struct {
	Dir   string // "" keeps nothing
	Build string // the pyward build (version and binary), part of every key
}

// existingRecordVersion is bumped whenever what a record holds changes.
const existingRecordVersion = 1

// maxExistingRecord bounds a record read back; a lock within
// tomlbudget.MaxSize has a record well under it.
const maxExistingRecord = 16 << 20

// existingRecord is the file a record is kept in.
type existingRecord struct {
	Version  int               `json:"version"`
	SHA256   string            `json:"lock_sha256"`
	Packages []existingPackage `json:"packages"`
}

type existingPackage struct {
	Name            string                         `json:"name"`
	Version         string                         `json:"version"`
	Marker          string                         `json:"marker,omitempty"`
	Identities      []lockfile.AttestationIdentity `json:"attestation_identities,omitempty"`
	PublisherChange string                         `json:"publisher_change,omitempty"`
}

// path is where the record of the lock with digest lives.
func (c ExistingCache) path(digest string) string {
	h := sha256.New()
	fmt.Fprintf(h, "existing %d\n%d:%s\n%s\n", existingRecordVersion, len(c.Build), c.Build, digest)
	key := hex.EncodeToString(h.Sum(nil))
	return filepath.Join(c.Dir, "lock-existing", key[:2], key+".json")
}

// load returns the recorded model of the lock with digest, or nil.
func (c ExistingCache) load(digest string) *lockfile.Lock {
	if c.Dir == "" {
		return nil
	}
	f, err := os.Open(c.path(digest))
	if err != nil {
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() > maxExistingRecord {
		return nil
	}
	var r existingRecord
	if json.NewDecoder(f).Decode(&r) != nil || r.Version != existingRecordVersion || r.SHA256 != digest {
		return nil
	}
	l := &lockfile.Lock{Packages: make([]lockfile.Package, len(r.Packages))}
	for i, p := range r.Packages {
		l.Packages[i] = lockfile.Package{Name: p.Name, Version: p.Version, Marker: p.Marker,
			AttestationIdentities: p.Identities, PublisherChange: p.PublisherChange}
	}
	return l
}

// parse parses the PEP 751 lock data (read from path, with digest) into
// what a re-lock uses, and records it.
func (c ExistingCache) parse(path string, data []byte, digest string) (*lockfile.Lock, error) {
	full, err := lockfile.ParsePylock(path, data)
	if err != nil {
		return nil, fmt.Errorf("existing lock: %w", err)
	}
	l := relockModel(full)
	c.store(digest, l) // a failure only costs the next re-lock a parse
	return l, nil
}

// Remember records the PEP 751 lock data that was just written to path,
// so that the next re-lock over it reads the record; it parses data only
// when no record of it exists. A lock that does not parse is not recorded
// (the next re-lock reports the error).
func (c ExistingCache) Remember(path string, data []byte) {
	if c.Dir == "" {
		return
	}
	digest := DataSHA256(data)
	if c.load(digest) != nil {
		return
	}
	_, _ = c.parse(path, data, digest)
}

// store writes the record of l, the model of the lock with digest.
func (c ExistingCache) store(digest string, l *lockfile.Lock) {
	if c.Dir == "" {
		return
	}
	r := existingRecord{Version: existingRecordVersion, SHA256: digest, Packages: make([]existingPackage, len(l.Packages))}
	for i, p := range l.Packages {
		r.Packages[i] = existingPackage{Name: p.Name, Version: p.Version, Marker: p.Marker,
			Identities: p.AttestationIdentities, PublisherChange: p.PublisherChange}
	}
	data, err := json.Marshal(&r)
	if err != nil {
		return
	}
	_ = writeCacheFile(c.path(digest), data)
}

// relockModel keeps of a lock what a re-lock uses (see Existing.Lock).
func relockModel(full *lockfile.Lock) *lockfile.Lock {
	l := &lockfile.Lock{Packages: make([]lockfile.Package, len(full.Packages))}
	for i, p := range full.Packages {
		l.Packages[i] = lockfile.Package{Name: p.Name, Version: p.Version, Marker: p.Marker,
			AttestationIdentities: p.AttestationIdentities, PublisherChange: p.PublisherChange}
	}
	return l
}
