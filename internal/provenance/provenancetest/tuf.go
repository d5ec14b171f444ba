package provenancetest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// TrustedRootTarget is the target name Sigstore's TUF repositories serve the
// trusted root under.
const TrustedRootTarget = "trusted_root.json"

// tufLifetime is how long the repository's metadata stays valid unless a
// test expires it on purpose.
const tufLifetime = 24 * time.Hour

// TUFRepo is a TUF repository with consistent snapshots, signed with fresh
// ed25519 keys (one per top-level role), that serves a trusted_root.json
// target over HTTP the way tuf-repo-cdn.sigstore.dev does. Tests publish new
// versions, expire them, or overwrite served files to tamper with them. It
// is safe for concurrent use.
type TUFRepo struct {
	mu        sync.Mutex
	signers   map[string]signature.Signer
	root      *metadata.Metadata[metadata.RootType]
	targets   *metadata.Metadata[metadata.TargetsType]
	snapshot  *metadata.Metadata[metadata.SnapshotType]
	timestamp *metadata.Metadata[metadata.TimestampType]
	anchor    []byte
	files     map[string][]byte // URL path below the repository root -> body
}

// NewTUFRepo builds a repository whose first version serves trustedRoot.
func NewTUFRepo(trustedRoot []byte) (*TUFRepo, error) {
	r := &TUFRepo{signers: map[string]signature.Signer{}, files: map[string][]byte{}}
	expires := time.Now().UTC().Add(tufLifetime)
	r.root = metadata.Root(expires)
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		_, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			return nil, err
		}
		key, err := metadata.KeyFromPublicKey(priv.Public())
		if err != nil {
			return nil, err
		}
		if err := r.root.Signed.AddKey(key, role); err != nil {
			return nil, err
		}
		if r.signers[role], err = signature.LoadSigner(priv, crypto.Hash(0)); err != nil {
			return nil, err
		}
	}
	if _, err := r.root.Sign(r.signers[metadata.ROOT]); err != nil {
		return nil, err
	}
	var err error
	if r.anchor, err = r.root.ToBytes(false); err != nil {
		return nil, err
	}
	r.files["1.root.json"] = r.anchor
	r.targets = metadata.Targets(expires)
	r.snapshot = metadata.Snapshot(expires)
	r.timestamp = metadata.Timestamp(expires)
	r.targets.Signed.Version, r.snapshot.Signed.Version, r.timestamp.Signed.Version = 0, 0, 0
	if err := r.publish(trustedRoot, expires); err != nil {
		return nil, err
	}
	return r, nil
}

// TrustAnchor is the repository's first root.json, the client's trust
// anchor.
func (r *TUFRepo) TrustAnchor() []byte { return append([]byte(nil), r.anchor...) }

// Publish signs a new version of targets, snapshot and timestamp naming
// trustedRoot.
func (r *TUFRepo) Publish(trustedRoot []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.publish(trustedRoot, time.Now().UTC().Add(tufLifetime))
}

// PublishExpired is Publish with metadata that expired an hour ago, as a
// repository that stopped being maintained (or a replayed one) serves.
func (r *TUFRepo) PublishExpired(trustedRoot []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.publish(trustedRoot, time.Now().UTC().Add(-time.Hour))
}

func (r *TUFRepo) publish(trustedRoot []byte, expires time.Time) error {
	tf, err := metadata.TargetFile().FromBytes(TrustedRootTarget, trustedRoot, "sha256")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(trustedRoot)
	r.files["targets/"+hex.EncodeToString(sum[:])+"."+TrustedRootTarget] = append([]byte(nil), trustedRoot...)

	r.targets.Signed.Version++
	r.targets.Signed.Expires = expires
	r.targets.Signed.Targets = map[string]*metadata.TargetFiles{TrustedRootTarget: tf}
	r.targets.ClearSignatures()
	if _, err := r.targets.Sign(r.signers[metadata.TARGETS]); err != nil {
		return err
	}
	if err := r.put(fmt.Sprintf("%d.targets.json", r.targets.Signed.Version), r.targets); err != nil {
		return err
	}

	r.snapshot.Signed.Version++
	r.snapshot.Signed.Expires = expires
	r.snapshot.Signed.Meta["targets.json"] = metadata.MetaFile(r.targets.Signed.Version)
	r.snapshot.ClearSignatures()
	if _, err := r.snapshot.Sign(r.signers[metadata.SNAPSHOT]); err != nil {
		return err
	}
	if err := r.put(fmt.Sprintf("%d.snapshot.json", r.snapshot.Signed.Version), r.snapshot); err != nil {
		return err
	}

	r.timestamp.Signed.Version++
	r.timestamp.Signed.Expires = expires
	r.timestamp.Signed.Meta["snapshot.json"] = metadata.MetaFile(r.snapshot.Signed.Version)
	r.timestamp.ClearSignatures()
	if _, err := r.timestamp.Sign(r.signers[metadata.TIMESTAMP]); err != nil {
		return err
	}
	return r.put("timestamp.json", r.timestamp)
}

// put stores signed metadata under its URL path.
func (r *TUFRepo) put(path string, m interface{ ToBytes(bool) ([]byte, error) }) error {
	data, err := m.ToBytes(false)
	if err != nil {
		return err
	}
	r.files[path] = data
	return nil
}

// TargetPath is the URL path (below the repository root) of the trusted
// root the current targets metadata names.
func (r *TUFRepo) TargetPath() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range r.targets.Signed.Targets[TrustedRootTarget].Hashes {
		return "targets/" + hex.EncodeToString(h) + "." + TrustedRootTarget
	}
	return ""
}

// File returns a served file, nil when there is none.
func (r *TUFRepo) File(path string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.files[path]...)
}

// SetFile replaces a served file without signing anything: a tampered
// repository or mirror.
func (r *TUFRepo) SetFile(path string, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[path] = append([]byte(nil), data...)
}

// ServeHTTP serves the repository at the handler's root; mount it with
// http.StripPrefix to serve it under a path.
func (r *TUFRepo) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	data, ok := r.files[strings.TrimPrefix(req.URL.Path, "/")]
	r.mu.Unlock()
	if !ok {
		http.NotFound(w, req)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}
