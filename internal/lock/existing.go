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

// ExistingPins reads the lock a re-lock will replace: the version of each
// package it pins, as Preferences, and the sha256 of its content (see
// Memo). A missing file, or path "" or "-" (standard output), is no lock:
// nil pins and "". pylock says the file is a PEP 751 lock; otherwise it is
// a requirements file, whose == pins are read.
func ExistingPins(path string, pylock bool) (map[string]pep440.Version, string, error) {
	if path == "" || path == "-" {
		return nil, "", nil
	}
	data, found, err := readExisting(path)
	if !found || err != nil {
		return nil, "", err
	}
	digest := DataSHA256(data)
	prefs := map[string]pep440.Version{}
	if pylock {
		l, err := lockfile.ParsePylock(path, data)
		if err != nil {
			return nil, "", fmt.Errorf("existing lock: %w", err)
		}
		for _, p := range l.Packages {
			if v, err := pep440.Parse(p.Version); err == nil {
				prefs[p.NormalizedName()] = v
			}
		}
		return prefs, digest, nil
	}
	rf, err := reqfile.Parse(path, data, reqfile.Options{})
	if err != nil {
		return nil, "", fmt.Errorf("existing lock: %w", err)
	}
	for _, r := range rf.Requirements {
		if r.Req == nil {
			continue
		}
		if pin, ok := r.Req.Specifier.ExactVersion(); ok {
			if v, err := pep440.Parse(pin); err == nil {
				prefs[r.Req.NormalizedName()] = v
			}
		}
	}
	return prefs, digest, nil
}

// MarkerPins reads the lock a universal re-lock will replace: for each
// package, every pinned version with the marker of its entry, in file
// order, as resolve.Universe.Preferences. A missing file is no lock.
func MarkerPins(path string, pylock bool) (map[string][]resolve.Preference, error) {
	if path == "" || path == "-" {
		return nil, nil
	}
	data, found, err := readExisting(path)
	if !found || err != nil {
		return nil, err
	}
	out := map[string][]resolve.Preference{}
	add := func(name, version string, m *pep508.Marker) {
		if v, err := pep440.Parse(version); err == nil {
			out[name] = append(out[name], resolve.Preference{Version: v, Marker: m})
		}
	}
	if pylock {
		l, err := lockfile.ParsePylock(path, data)
		if err != nil {
			return nil, fmt.Errorf("existing lock: %w", err)
		}
		for _, p := range l.Packages {
			var m *pep508.Marker
			if p.Marker != "" {
				if m, err = pep508.ParseMarker(p.Marker); err != nil {
					return nil, fmt.Errorf("existing lock %s: %s marker: %w", path, p.Name, err)
				}
			}
			add(p.NormalizedName(), p.Version, m)
		}
		return out, nil
	}
	rf, err := reqfile.Parse(path, data, reqfile.Options{})
	if err != nil {
		return nil, fmt.Errorf("existing lock: %w", err)
	}
	for _, r := range rf.Requirements {
		if r.Req == nil {
			continue
		}
		if pin, ok := r.Req.Specifier.ExactVersion(); ok {
			add(r.Req.NormalizedName(), pin, r.Req.Marker)
		}
	}
	return out, nil
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
