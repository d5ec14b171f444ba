package lock

import (
	"errors"
	"fmt"
	"os"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/reqfile"
	"github.com/pyward/pyward/internal/resolve"
)

// Existing is the lock a re-lock will replace, read and parsed once: a
// PEP 751 lock is large, and a re-lock needs its pins, its markers (a
// universal re-lock) and its publishers (provenance) from the same file.
type Existing struct {
	// Lock is what a re-lock uses of the lock model: each package's Name,
	// Version, Marker, AttestationIdentities and PublisherChange, in file
	// order, and nothing else (no files, no sources); nil when there is no
	// lock. It holds the same whether the file was parsed or its record
	// found (see ExistingCache).
	Lock *lockfile.Lock
	// Digest is the sha256 of the file's content (see Memo); "" when there
	// is no lock.
	Digest string
	// Pins is the version of each package the lock pins (a requirements
	// file's == pins, included files too), as Preferences.
	Pins map[string]pep440.Version

	path   string
	reqs   *reqfile.File // a requirements lock, parsed
	pylock bool
}

// ReadExisting reads the lock at path: a PEP 751 lock when pylock, else a
// requirements file. A missing file, or path "" or "-" (standard output),
// is no lock: an Existing with nothing in it.
func ReadExisting(path string, pylock bool) (*Existing, error) {
	return ExistingCache{}.Read(path, pylock)
}

// Read is ReadExisting, answered for a PEP 751 lock from the record of
// its exact bytes when c holds one, and recording it when not.
func (c ExistingCache) Read(path string, pylock bool) (*Existing, error) {
	ex := &Existing{path: path, pylock: pylock}
	if path == "" || path == "-" {
		return ex, nil
	}
	data, found, err := readExisting(path)
	if !found || err != nil {
		return ex, err
	}
	ex.Digest = DataSHA256(data)
	ex.Pins = map[string]pep440.Version{}
	if pylock {
		if ex.Lock = c.load(ex.Digest); ex.Lock == nil {
			if ex.Lock, err = c.parse(path, data, ex.Digest); err != nil {
				return nil, err
			}
		}
		for _, p := range ex.Lock.Packages {
			if v, err := pep440.Parse(p.Version); err == nil {
				ex.Pins[p.NormalizedName()] = v
			}
		}
		return ex, nil
	}
	if ex.reqs, err = reqfile.Parse(path, data, reqfile.Options{}); err != nil {
		return nil, fmt.Errorf("existing lock: %w", err)
	}
	if ex.Lock, err = requirementsLock(path, data, ex.reqs); err != nil {
		return nil, err
	}
	ex.Lock = relockModel(ex.Lock)
	for _, r := range ex.reqs.Requirements {
		if r.Req == nil {
			continue
		}
		if pin, ok := r.Req.Specifier.ExactVersion(); ok {
			if v, err := pep440.Parse(pin); err == nil {
				ex.Pins[r.Req.NormalizedName()] = v
			}
		}
	}
	return ex, nil
}

// MarkerPins returns, for each package, every version the lock pins with
// the marker of its entry, in file order, as resolve.Universe.Preferences;
// nil when there is no lock.
func (ex *Existing) MarkerPins() (map[string][]resolve.Preference, error) {
	if ex.Lock == nil {
		return nil, nil
	}
	out := map[string][]resolve.Preference{}
	add := func(name, version string, m *pep508.Marker) {
		if v, err := pep440.Parse(version); err == nil {
			out[name] = append(out[name], resolve.Preference{Version: v, Marker: m})
		}
	}
	if ex.pylock {
		for _, p := range ex.Lock.Packages {
			var m *pep508.Marker
			if p.Marker != "" {
				var err error
				if m, err = pep508.ParseMarker(p.Marker); err != nil {
					return nil, fmt.Errorf("existing lock %s: %s marker: %w", ex.path, p.Name, err)
				}
			}
			add(p.NormalizedName(), p.Version, m)
		}
		return out, nil
	}
	for _, r := range ex.reqs.Requirements {
		if r.Req == nil {
			continue
		}
		if pin, ok := r.Req.Specifier.ExactVersion(); ok {
			add(r.Req.NormalizedName(), pin, r.Req.Marker)
		}
	}
	return out, nil
}

// ExistingPins is ReadExisting's Pins and Digest: nil pins and "" when
// there is no lock.
func ExistingPins(path string, pylock bool) (map[string]pep440.Version, string, error) {
	ex, err := ReadExisting(path, pylock)
	if err != nil {
		return nil, "", err
	}
	return ex.Pins, ex.Digest, nil
}

// MarkerPins is ReadExisting's MarkerPins.
func MarkerPins(path string, pylock bool) (map[string][]resolve.Preference, error) {
	ex, err := ReadExisting(path, pylock)
	if err != nil {
		return nil, err
	}
	return ex.MarkerPins()
}

// readExisting reads the lock file at path; found is false when there is
// none yet.
func readExisting(path string) (data []byte, found bool, err error) {
	data, err = os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	return data, err == nil, err
}
