package lock

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/provenance"
)

// Limits of the verdict file.
const (
	// MaxVerdicts bounds the verdicts kept; the oldest go first. A lock
	// of a few hundred packages stores one per file with provenance.
	MaxVerdicts = 4096
	// maxVerdictFile bounds the file read back (MaxVerdicts entries of a
	// few hundred bytes each).
	maxVerdictFile = 8 << 20
	// verdictFile is the file's name under Verdicts.Dir; verdictVersion
	// its format, a file of another version is ignored.
	verdictFile    = "verdicts.json"
	verdictVersion = 1
)

// Verdicts remembers the publisher identities provenance verified for.
// A verdict's key is the sha256 of its three inputs, the trusted root, the
// provenance body and the file's sha256: the same inputs give the same
// result, so a verdict found under the key of the bytes at hand is as good
// as verifying them again, and nothing else about an entry is trusted.
// Only successes are stored; an entry that does not read back as
// identities is a miss.
//
// The verdicts live in one file under Dir, read on the first lookup and
// rewritten (atomically, merged with what other runs wrote meanwhile) by
// Save, once per lock: creating a file per verdict cost more kernel time
// than verifying it. It is safe for concurrent use.
type Verdicts struct {
	Dir  string
	Root string // sha256 of the trusted root document

	load  sync.Once
	mu    sync.Mutex
	known map[string][]string // key -> identities, from the file
	added map[string][]string // verified by this run, not yet saved
	order []string            // keys of added, in the order verified
}

// verdictDoc is the file's content: entries oldest first.
type verdictDoc struct {
	Version int            `json:"version"`
	Entries []verdictEntry `json:"entries"`
}

type verdictEntry struct {
	Key string   `json:"key"`
	IDs []string `json:"ids"`
}

func (v *Verdicts) key(body []byte, fileSHA string) string {
	return DataSHA256([]byte(v.Root + "\n" + DataSHA256(body) + "\n" + fileSHA))
}

func (v *Verdicts) path() string { return filepath.Join(v.Dir, verdictFile) }

// read returns the file's entries; none when it is missing, too large,
// of another version or not JSON.
func (v *Verdicts) read() []verdictEntry {
	f, err := os.Open(v.path())
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() > maxVerdictFile {
		return nil
	}
	data := make([]byte, fi.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil
	}
	var doc verdictDoc
	if json.Unmarshal(data, &doc) != nil || doc.Version != verdictVersion {
		return nil
	}
	return doc.Entries
}

func (v *Verdicts) get(body []byte, fileSHA string) ([]provenance.Identity, bool) {
	v.load.Do(func() {
		entries := v.read()
		known := make(map[string][]string, len(entries))
		for _, e := range entries {
			known[e.Key] = e.IDs
		}
		v.mu.Lock()
		v.known = known
		v.mu.Unlock()
	})
	k := v.key(body, fileSHA)
	v.mu.Lock()
	ids, ok := v.added[k]
	if !ok {
		ids, ok = v.known[k]
	}
	v.mu.Unlock()
	if !ok || len(ids) == 0 {
		return nil, false
	}
	out := make([]provenance.Identity, 0, len(ids))
	for _, s := range ids {
		id, err := provenance.ParseIdentity(s)
		if err != nil {
			return nil, false
		}
		out = append(out, id)
	}
	return out, true
}

// put records a successful verification for Save.
func (v *Verdicts) put(body []byte, fileSHA string, ids []provenance.Identity) {
	if len(ids) == 0 {
		return
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	k := v.key(body, fileSHA)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.added == nil {
		v.added = map[string][]string{}
	}
	if _, dup := v.added[k]; !dup {
		v.order = append(v.order, k)
	}
	v.added[k] = s
}

// Save writes the verdicts recorded since the last Save into the file,
// after the entries already there (read again, so that a concurrent run's
// are kept), dropping the oldest beyond MaxVerdicts. A failure costs only
// verifying again, so it is not reported. A nil Verdicts does nothing.
func (v *Verdicts) Save() {
	if v == nil {
		return
	}
	v.mu.Lock()
	added, order := v.added, v.order
	v.added, v.order = nil, nil
	v.mu.Unlock()
	if len(order) == 0 {
		return
	}
	old := v.read()
	entries := make([]verdictEntry, 0, len(old)+len(order))
	for _, e := range old {
		if _, again := added[e.Key]; !again {
			entries = append(entries, e)
		}
	}
	for _, k := range order {
		entries = append(entries, verdictEntry{Key: k, IDs: added[k]})
	}
	if n := len(entries) - MaxVerdicts; n > 0 {
		entries = entries[n:]
	}
	data, err := json.Marshal(verdictDoc{Version: verdictVersion, Entries: entries})
	if err != nil {
		return
	}
	if os.MkdirAll(v.Dir, 0o755) == nil {
		_ = atomicfile.WriteFileNoSync(v.path(), data, 0o644)
	}
	v.mu.Lock()
	if v.known != nil {
		for _, k := range order {
			v.known[k] = added[k]
		}
	}
	v.mu.Unlock()
}
