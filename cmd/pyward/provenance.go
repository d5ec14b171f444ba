package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/provenance"
)

// trustedRootFile is where pyward db update keeps the Sigstore trusted root
// it fetched, under the cache directory.
const trustedRootFile = "sigstore/trusted_root.json"

// tufCacheDir keeps the verified TUF metadata of the trusted root's
// repository between updates, under the cache directory.
const tufCacheDir = "sigstore/tuf"

// provenanceVerdictDir holds lock.Verdicts under the cache directory.
const provenanceVerdictDir = "provenance-verdicts"

// provenanceVerifier loads the trusted root: --trusted-root, else the one
// pyward db update stored in the cache, else the embedded snapshot.
func provenanceVerifier(flag, cacheDir string) (*provenance.Verifier, []byte, error) {
	if flag != "" {
		data, err := os.ReadFile(flag)
		if err != nil {
			return nil, nil, fmt.Errorf("--trusted-root: %w", err)
		}
		v, err := provenance.NewVerifier(data)
		if err != nil {
			return nil, nil, fmt.Errorf("--trusted-root %s: %w", flag, err)
		}
		return v, data, nil
	}
	if cacheDir != "" {
		if v, data, err := storedTrustedRoot(cacheDir); err == nil {
			return v, data, nil
		}
	}
	data := provenance.DefaultTrustedRoot()
	v, err := provenance.NewVerifier(data)
	return v, data, err
}

// storedTrustedRoot reads the trusted root pyward db update fetched. It is
// used only while it parses as a trusted root; db update writes it only
// after TUF verified it, so anything else is a damaged cache.
func storedTrustedRoot(cacheDir string) (*provenance.Verifier, []byte, error) {
	data, err := os.ReadFile(filepath.Join(cacheDir, trustedRootFile))
	if err != nil {
		return nil, nil, err
	}
	v, err := provenance.NewVerifier(data)
	if err != nil {
		return nil, nil, err
	}
	return v, data, nil
}

// lockProvenance builds the lock's provenance policy and the memo key part
// that names it; prev is the lock being replaced (nil: none).
func lockProvenance(f lockFlags, in *lock.Inputs, prev *lockfile.Lock, cacheDir string) (*lock.Provenance, string, error) {
	v, rootJSON, err := provenanceVerifier(f.trustedRoot, cacheDir)
	if err != nil {
		return nil, "", err
	}
	require := append(append([]string(nil), f.requireProvenance...), in.RequireProvenance...)
	// A refusal names where its glob came from; a glob given both ways is
	// the flag's.
	from := map[string]string{}
	for _, g := range in.RequireProvenance {
		if !slices.Contains(f.requireProvenance, g) {
			from[g] = "[tool.pyward] require-provenance"
		}
	}
	for _, g := range require {
		if _, err := path.Match(g, ""); err != nil || strings.TrimSpace(g) == "" {
			origin := from[g]
			if origin == "" {
				origin = "--require-provenance"
			}
			return nil, "", fmt.Errorf("%s %q: not a name glob", origin, g)
		}
	}
	var allow []string
	for _, n := range f.allowPublisherChange {
		if !pep503.Valid(n) {
			return nil, "", fmt.Errorf("--allow-publisher-change %q: not a project name", n)
		}
		allow = append(allow, pep503.Normalize(n))
	}
	pv := &lock.Provenance{Verifier: v, Require: require, RequireFrom: from, AllowChange: allow}
	if cacheDir != "" {
		pv.Verdicts = &lock.Verdicts{Dir: filepath.Join(cacheDir, provenanceVerdictDir), Root: lock.DataSHA256(rootJSON)}
	}
	pv.Previous = prev
	key := fmt.Sprintf("provenance=root:%s require:%q allow:%q", lock.DataSHA256(rootJSON), require, allow)
	return pv, key, nil
}
