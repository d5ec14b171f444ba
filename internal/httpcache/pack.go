package httpcache

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Pack files hold many cached HTTP responses, so that a run creates one
// file for all of them instead of one each. A pack is written once, to a
// temporary name, and renamed into place: other processes see it whole or
// not at all, and never see it change. Layout (integers little-endian):
//
//	"PYWPACK1"
//	record data, back to back (header JSON line, then the body)
//	index: count × (key: 32 bytes, offset: uint64, length: uint32)
//	count: uint32, index offset: uint64, "PYWPIDX1"
//
// Names are "<16 hex digits of a Unix time in ns>-<8 random hex>.pack".
// Packs are consulted in name order and a later pack's entry replaces an
// earlier one's, so the newest response wins. When a cache has more than
// maxPacks packs, the closing client merges them into one that keeps the
// newest entry of each key and takes the time of its newest input, so a
// pack another process writes meanwhile still sorts after it.
const (
	packDir      = "packs"
	packMagic    = "PYWPACK1"
	packIdxMagic = "PYWPIDX1"
	packEntry    = 32 + 8 + 4
	packTrailer  = 4 + 8 + len(packIdxMagic)
	// maxPacks is how many packs a cache may hold before they are merged.
	maxPacks = 8
	// staleTemp is the age after which a temporary file in the pack
	// directory is taken for a crashed writer's and removed.
	staleTemp = time.Hour
)

type packRecord struct {
	key  string // 64 hex digits
	data []byte
}

// newPackName names a new pack; base, when given, is the name whose time
// the pack takes (a merge takes its newest input's).
func newPackName(base string) string {
	ts := fmt.Sprintf("%016x", time.Now().UnixNano())
	if t, _, ok := strings.Cut(base, "-"); ok && len(t) == 16 {
		ts = t
	}
	var r [4]byte
	rand.Read(r[:])
	return ts + "-" + hex.EncodeToString(r[:]) + ".pack"
}

// writePack writes records (with their data) as the pack dir/name and
// returns its path.
func writePack(dir, name string, records []packRecord) (string, error) {
	return writePackFile(dir, name, records, func(r packRecord, w io.Writer) error {
		_, err := w.Write(r.data)
		return err
	}, func(r packRecord) int64 { return int64(len(r.data)) })
}

// writePackFile writes the pack dir/name (temporary file, then rename),
// each record's size(r) bytes of data coming from body, and returns its
// path.
func writePackFile(dir, name string, records []packRecord, body func(packRecord, io.Writer) error, size func(packRecord) int64) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	err = writePackTo(&countingWriter{w: tmp}, records, body, size)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	path := filepath.Join(dir, name)
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}

// writePackTo writes the pack layout; body writes one record's data, of
// size(r) bytes.
func writePackTo(w *countingWriter, records []packRecord, body func(packRecord, io.Writer) error, size func(packRecord) int64) error {
	if _, err := io.WriteString(w, packMagic); err != nil {
		return err
	}
	index := make([]byte, 0, len(records)*packEntry)
	for _, r := range records {
		key, err := hex.DecodeString(r.key)
		if err != nil || len(key) != 32 {
			return fmt.Errorf("bad cache key %q", r.key)
		}
		off, n := w.n, size(r)
		if n > 1<<32-1 {
			return fmt.Errorf("cache entry %s too large", r.key)
		}
		if err := body(r, w); err != nil {
			return err
		}
		index = append(index, key...)
		index = binary.LittleEndian.AppendUint64(index, uint64(off))
		index = binary.LittleEndian.AppendUint32(index, uint32(n))
	}
	indexOff := w.n
	trailer := binary.LittleEndian.AppendUint32(nil, uint32(len(records)))
	trailer = binary.LittleEndian.AppendUint64(trailer, uint64(indexOff))
	trailer = append(trailer, packIdxMagic...)
	if _, err := w.Write(index); err != nil {
		return err
	}
	_, err := w.Write(trailer)
	return err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// packLoc is where one entry lives.
type packLoc struct {
	file int // index into packSet.files
	off  int64
	n    uint32
}

// packSet is the open packs of a cache directory and the index of all
// their entries (the newest pack's entry per key).
type packSet struct {
	mu    sync.RWMutex
	files []*os.File
	names []string
	idx   map[string]packLoc
}

// openPacks opens every pack in dir, oldest first; unreadable or corrupt
// packs are skipped (logged).
func openPacks(dir string, logf func(string, ...any)) *packSet {
	s := &packSet{idx: map[string]packLoc{}}
	for _, name := range listPacks(dir) {
		s.add(filepath.Join(dir, name), logf)
	}
	return s
}

// listPacks returns the pack names in dir in consulting order.
func listPacks(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, ".pack") && !strings.HasPrefix(n, ".") && e.Type().IsRegular() {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// add opens one pack and indexes its entries over those of the packs
// already added.
func (s *packSet) add(path string, logf func(string, ...any)) {
	f, err := os.Open(path)
	if err != nil {
		return // removed by a merge meanwhile: its entries are elsewhere
	}
	entries, err := readPackIndex(f)
	if err != nil {
		logf("cache: ignoring %s: %v", path, err)
		f.Close()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fi := len(s.files)
	s.files = append(s.files, f)
	s.names = append(s.names, filepath.Base(path))
	for _, e := range entries {
		s.idx[e.key] = packLoc{file: fi, off: e.off, n: e.n}
	}
}

type packIndexEntry struct {
	key string
	off int64
	n   uint32
}

var errCorruptPack = errors.New("not a valid pack")

// readPackIndex reads and checks a pack's index: every record must lie
// between the magic and the index.
func readPackIndex(f *os.File) ([]packIndexEntry, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if size < int64(len(packMagic)+packTrailer) {
		return nil, errCorruptPack
	}
	head := make([]byte, len(packMagic))
	if _, err := f.ReadAt(head, 0); err != nil || string(head) != packMagic {
		return nil, errCorruptPack
	}
	tr := make([]byte, packTrailer)
	if _, err := f.ReadAt(tr, size-int64(packTrailer)); err != nil || string(tr[12:]) != packIdxMagic {
		return nil, errCorruptPack
	}
	count := int64(binary.LittleEndian.Uint32(tr))
	indexOff := int64(binary.LittleEndian.Uint64(tr[4:]))
	if indexOff < int64(len(packMagic)) || indexOff+count*packEntry+int64(packTrailer) != size {
		return nil, errCorruptPack
	}
	raw := make([]byte, count*packEntry)
	if _, err := f.ReadAt(raw, indexOff); err != nil {
		return nil, errCorruptPack
	}
	entries := make([]packIndexEntry, count)
	for i := range entries {
		b := raw[i*packEntry:]
		off := int64(binary.LittleEndian.Uint64(b[32:]))
		n := binary.LittleEndian.Uint32(b[40:])
		if off < int64(len(packMagic)) || off > indexOff || int64(n) > indexOff-off {
			return nil, errCorruptPack
		}
		entries[i] = packIndexEntry{key: hex.EncodeToString(b[:32]), off: off, n: n}
	}
	return entries, nil
}

// read returns the data of key, or nil.
func (s *packSet) read(key string) []byte {
	s.mu.RLock()
	loc, ok := s.idx[key]
	var f *os.File
	if ok {
		f = s.files[loc.file]
	}
	s.mu.RUnlock()
	if !ok {
		return nil
	}
	data := make([]byte, loc.n)
	if _, err := f.ReadAt(data, loc.off); err != nil {
		return nil
	}
	return data
}

func (s *packSet) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.files {
		f.Close()
	}
	s.files, s.names, s.idx = nil, nil, map[string]packLoc{}
}

// compactPacks merges the packs of dir into one when there are more than
// maxPacks, and removes temporary files that crashed writers left.
func compactPacks(dir string, logf func(string, ...any)) error {
	removeStaleTemps(dir)
	names := listPacks(dir)
	if len(names) <= maxPacks {
		return nil
	}
	set := &packSet{idx: map[string]packLoc{}}
	for _, n := range names {
		set.add(filepath.Join(dir, n), logf)
	}
	if len(set.names) == 0 {
		return nil
	}
	keys := make([]string, 0, len(set.idx))
	for k := range set.idx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	records := make([]packRecord, len(keys))
	for i, k := range keys {
		records[i] = packRecord{key: k}
	}
	inputs := slices.Clone(set.names)
	buf := make([]byte, 64<<10)
	_, err := writePackFile(dir, newPackName(inputs[len(inputs)-1]), records, func(r packRecord, w io.Writer) error {
		loc := set.idx[r.key]
		_, err := io.CopyBuffer(w, io.NewSectionReader(set.files[loc.file], loc.off, int64(loc.n)), buf)
		return err
	}, func(r packRecord) int64 { return int64(set.idx[r.key].n) })
	set.close()
	if err != nil {
		return fmt.Errorf("merging %s: %w", dir, err)
	}
	for _, n := range inputs {
		os.Remove(filepath.Join(dir, n)) // another merge may have removed it
	}
	return nil
}

func removeStaleTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".tmp-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTemp {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
