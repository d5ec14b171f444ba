package lock

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/pyward/pyward/internal/httpcache"
	"github.com/pyward/pyward/internal/pep508"
)

// A Memo records one successful lock run: the digest of the lock it wrote
// and every cached index response the resolution read. The resolver is a
// deterministic function of its options (MemoKey) and of those responses,
// so while the lock file still has that digest and every response is
// still in the cache, fresh and byte-identical (index.Client.Unchanged),
// running again would write the same bytes: the caller may skip the
// resolution. A run that read anything the cache cannot vouch for (a
// response that must be revalidated, local files, downloads) leaves no
// memo (index.Client.Consulted).
type Memo struct {
	Version   int             `json:"version"`
	Output    string          `json:"output_sha256"`
	Packages  int             `json:"packages"`
	Warnings  []string        `json:"warnings,omitempty"`
	Responses []httpcache.Ref `json:"responses"`
}

// memoVersion is bumped whenever what a memo means changes.
const memoVersion = 1

// MaxMemoSize bounds a memo file read back (a lock of thousands of
// packages reads a few thousand responses, ~150 bytes each).
const MaxMemoSize = 64 << 20

// MemoKey is the sha256 of everything in opts that the lock depends on,
// plus extra (the caller's own choices: output path and format, index
// sources and policy, the pyward build). Two runs with equal keys resolve
// the same question.
func MemoKey(opts Options, extra ...string) string {
	h := sha256.New()
	field := func(name string, values ...string) {
		fmt.Fprintf(h, "%s %d\n", name, len(values))
		for _, v := range values {
			fmt.Fprintf(h, "%d:%s\n", len(v), v)
		}
	}
	field("memo", fmt.Sprint(memoVersion))
	for _, r := range opts.Requirements {
		field("req", r.Req.String(), r.Origin)
	}
	for _, c := range opts.Constraints {
		field("constraint", c.String())
	}
	field("sources", sortedPairs(opts.SourceURLs)...)
	field("python", opts.Target.Python.String())
	field("environment", sortedPairs(opts.Target.Environment)...)
	tags := make([]string, len(opts.Target.Tags))
	for i, t := range opts.Target.Tags {
		tags[i] = t.String()
	}
	field("tags", tags...)
	field("flags", fmt.Sprint(opts.Prereleases), fmt.Sprint(opts.StrictRequiresPython), fmt.Sprint(opts.Upgrade))
	if u := opts.Universal; u != nil {
		field("universal", u.RequiresPython.String())
		for _, list := range [][]*pep508.Marker{u.Environments, u.Required} {
			texts := make([]string, len(list))
			for i, m := range list {
				texts[i] = m.String()
			}
			field("environments", texts...)
		}
		var prefs []string
		for name, list := range u.Preferences {
			for _, p := range list {
				prefs = append(prefs, name+"=="+p.Version.String()+";"+p.Marker.String())
			}
		}
		slices.Sort(prefs)
		field("marker-preferences", prefs...)
	}
	field("no-binary", opts.NoBinary...)
	field("no-build", opts.NoBuild...)
	prefs := make([]string, 0, len(opts.Preferences))
	for name, v := range opts.Preferences {
		prefs = append(prefs, name+"=="+v.String())
	}
	slices.Sort(prefs)
	field("preferences", prefs...)
	field("upgrade-packages", opts.UpgradePackages...)
	cutoff := ""
	if !opts.ExcludeNewer.IsZero() {
		cutoff = opts.ExcludeNewer.UTC().Format(time.RFC3339Nano)
	}
	field("exclude-newer", cutoff)
	field("requires-python", opts.RequiresPython)
	field("command", opts.Command)
	field("extra", extra...)
	return hex.EncodeToString(h.Sum(nil))
}

func sortedPairs[M ~map[string]string](m M) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// MemoPath is where the memo of key lives under a cache directory.
func MemoPath(cacheDir, key string) string {
	return filepath.Join(cacheDir, "lock-memo", key[:2], key+".json")
}

// ReadMemo reads a memo; a missing file is (nil, nil), and so is a memo
// of another version or one that is unreadable (it is merely not used).
func ReadMemo(path string) (*Memo, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(data) > MaxMemoSize {
		return nil, nil
	}
	var m Memo
	if json.Unmarshal(data, &m) != nil || m.Version != memoVersion || len(m.Output) != sha256.Size*2 {
		return nil, nil
	}
	return &m, nil
}

// WriteMemo stores m atomically (see writeCacheFile).
func WriteMemo(path string, m *Memo) error {
	m.Version = memoVersion
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := writeCacheFile(path, data); err != nil {
		return fmt.Errorf("lock memo: %w", err)
	}
	return nil
}

// writeCacheFile writes a file the cache directory keeps for speed only (a
// memo, a parsed lock's record): to a temporary name, renamed into place,
// so a reader sees all of it or nothing, but not synced to disk. A sync
// costs several milliseconds, on the path of every lock; a crash may at
// worst leave such a file torn or empty, and every reader treats a file
// that does not decode, or does not name what it was asked for, as
// absent.
func writeCacheFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// DataSHA256 is the hex sha256 of data.
func DataSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
