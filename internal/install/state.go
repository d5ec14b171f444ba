package install

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path/filepath"
)

// recordsDir holds pyward's records below StateDir.
const recordsDir = "records"

// partialSuffix marks a record whose installation or removal did not
// finish.
const partialSuffix = ".partial"

// recordHeader starts every record; the digest of the rows follows it.
const recordHeader = "pyward-record 1 sha256="

// ErrRecordCorrupt is returned for a pyward record whose digest does not
// match its rows.
var ErrRecordCorrupt = errors.New("pyward record corrupt")

// recordPath is where pyward keeps its own record of the distribution whose
// dist-info directory is distInfo: below StateDir, which no wheel can write,
// named after the dist-info directory's path in the environment.
func (t *Target) recordPath(distInfo string) string {
	rel, err := filepath.Rel(t.Root, distInfo)
	if err != nil {
		rel = distInfo
	}
	return filepath.Join(t.Root, StateDir, recordsDir, url.PathEscape(filepath.ToSlash(rel)))
}

// formatOwnRecord renders a record: a header line with the sha256 of the
// rows, then RECORD rows whose paths are relative to the environment.
func formatOwnRecord(entries []RecordEntry) []byte {
	rows := FormatRecord(entries)
	sum := sha256.Sum256(rows)
	var b bytes.Buffer
	b.WriteString(recordHeader + hex.EncodeToString(sum[:]) + "\n")
	b.Write(rows)
	return b.Bytes()
}

// parseOwnRecord checks a record's digest and returns its rows.
func parseOwnRecord(data []byte) ([]RecordEntry, error) {
	rows, err := ownRecordRows(data)
	if err != nil {
		return nil, err
	}
	return ParseRecord(rows)
}

// ownRecordRows checks a record's digest and returns the rows it covers.
func ownRecordRows(data []byte) ([]byte, error) {
	header, rows, ok := bytes.Cut(data, []byte("\n"))
	digest, found := bytes.CutPrefix(header, []byte(recordHeader))
	if !ok || !found {
		return nil, fmt.Errorf("%w: no header", ErrRecordCorrupt)
	}
	sum := sha256.Sum256(rows)
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], sum[:])
	if !bytes.Equal(digest, hexSum[:]) {
		return nil, fmt.Errorf("%w: digest mismatch", ErrRecordCorrupt)
	}
	return rows, nil
}

// writeOwnRecord writes the record of distInfo under its partial name;
// files lists absolute paths.
func (t *Target) writeOwnRecord(distInfo string, files []RecordEntry) error {
	rows := make([]RecordEntry, len(files))
	for i, f := range files {
		rel, err := filepath.Rel(t.Root, f.Path)
		if err != nil || !within(t.Root, f.Path) {
			return fmt.Errorf("%s: %w", f.Path, ErrOutside)
		}
		rows[i] = RecordEntry{Path: filepath.ToSlash(rel), Hash: f.Hash, Size: f.Size}
	}
	p := t.recordPath(distInfo)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	// Written in place, without fsync: the partial name already says
	// "not finished", and a torn record fails its digest, which makes the
	// distribution incomplete (reinstalled) rather than trusted.
	return writePlain(p+partialSuffix, formatOwnRecord(rows), 0o644)
}

// readOwnRecord returns the files (absolute paths) of distInfo's record,
// complete or partial.
func (t *Target) readOwnRecord(distInfo string) ([]RecordEntry, error) {
	p := t.recordPath(distInfo)
	data, err := readPlain(p)
	if errors.Is(err, os.ErrNotExist) {
		data, err = readPlain(p + partialSuffix)
	}
	if err != nil {
		return nil, err
	}
	entries, err := parseOwnRecord(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	for i := range entries {
		entries[i].Path = filepath.Join(t.Root, filepath.FromSlash(entries[i].Path))
	}
	return entries, nil
}

// readPlain reads a whole file opened with openPlain.
func readPlain(path string) ([]byte, error) {
	return readPlainInto(path, nil)
}

// readPlainInto reads a whole file opened with openPlain, appending it to
// buf, whose capacity it reuses.
func readPlainInto(path string, buf []byte) ([]byte, error) {
	f, err := openPlain(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := bytes.NewBuffer(buf)
	if st, err := f.Stat(); err == nil && st.Size() > 0 && st.Size() < maxPlainPrealloc {
		b.Grow(int(st.Size()) + bytes.MinRead) // one read for the data, one for EOF
	}
	_, err = b.ReadFrom(f)
	return b.Bytes(), err
}

// maxPlainPrealloc bounds what readPlain allocates up front from a file's
// claimed size; larger files grow as they are read.
const maxPlainPrealloc = 64 << 20

// installedFiles returns the files (absolute paths) of an installed
// distribution: from pyward's record when there is a valid one (own is
// true), else from the dist-info's RECORD, which whoever wrote the
// distribution controls.
func (t *Target) installedFiles(distInfo string) (entries []RecordEntry, own bool, err error) {
	if entries, err := t.readOwnRecord(distInfo); err == nil {
		return entries, true, nil
	}
	data, err := os.ReadFile(filepath.Join(distInfo, "RECORD"))
	if err != nil {
		return nil, false, err
	}
	entries, err = ParseRecord(data)
	if err != nil {
		return nil, false, err
	}
	site := filepath.Dir(distInfo)
	for i := range entries {
		entries[i].Path = filepath.Clean(filepath.Join(site, filepath.FromSlash(entries[i].Path)))
	}
	return entries, false, nil
}

// Scan lists the distributions installed in t's site directories (see the
// function Scan). A distribution is also Incomplete when pyward's record of
// it is partial (an interrupted installation or removal), or when INSTALLER
// names pyward and pyward has no record of it.
func (t *Target) Scan() ([]Installed, error) {
	// One listing of the records directory instead of two stats per
	// distribution: a no-op sync is mostly such lookups.
	records := map[string]bool{}
	if names, err := os.ReadDir(filepath.Join(t.Root, StateDir, recordsDir)); err == nil {
		for _, n := range names {
			records[n.Name()] = true
		}
	}
	have := func(distInfo string) (complete, partial bool) {
		name := filepath.Base(t.recordPath(distInfo))
		return records[name], records[name+partialSuffix]
	}
	inst, err := scan([]string{t.Purelib, t.Platlib}, func(distInfo string) bool {
		complete, partial := have(distInfo)
		return !complete && !partial
	})
	if err != nil {
		return nil, err
	}
	for i := range inst {
		complete, partial := have(inst[i].DistInfo)
		if partial || (!complete && inst[i].Installer == InstallerName) {
			inst[i].Incomplete = true
		}
	}
	return inst, nil
}

// checkFileHash compares the content of p with a RECORD hash.
func checkFileHash(p, want string) error {
	alg, digest, err := decodeRecordHash(want)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	var h hash.Hash
	switch alg {
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		h = sha256.New()
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if !bytes.Equal(h.Sum(nil), digest) {
		return fmt.Errorf("%s: content differs from the recorded %s hash", p, alg)
	}
	return nil
}
