package typosquat

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/pyward/pyward/internal/atomicfile"
	"github.com/pyward/pyward/internal/pep503"
)

// MaxReferenceLineLen bounds one line of a user reference file.
const MaxReferenceLineLen = 64 << 10

// MaxReferenceSize bounds a reference file, list or compiled index: every
// project on PyPI with its rank is under 20 MiB, and the downloaded
// top-projects list is at most pypinames.MaxTopDownloadSize (64 MiB).
const MaxReferenceSize = 256 << 20

// embeddedIndex is the compiled index of the embedded snapshot, read in
// place from the binary's read-only data.
//
//go:embed reference.idx
var embeddedIndex string

// Reference is a ranked list of popular project names, the set a checked
// name may imitate. Rank 1 is the most popular. A Reference is a view of
// a compiled index (see compiled.go): its first limit names. It is
// immutable and safe for concurrent use; the zero Reference is empty.
type Reference struct {
	c     *compiled
	limit int
}

// embedded caches the loaded embedded snapshot: it is immutable, so
// sharing it is not mutable global state.
var embedded = sync.OnceValue(func() *Reference {
	r, err := loadReference(embeddedIndex)
	if err != nil {
		// The file is generated and committed with the package and checked
		// by TestEmbeddedIndexUpToDate; failing here is a build defect.
		panic("typosquat: corrupt embedded reference: " + err.Error() + " (run go generate)")
	}
	return r
})

func loadReference(data string) (*Reference, error) {
	c, err := loadCompiled(data)
	if err != nil {
		return nil, err
	}
	return &Reference{c: c, limit: c.n}, nil
}

// newCompiled compiles names (unique, non-empty) with their ranks.
func newCompiled(names []string, ranks []int) (*Reference, error) {
	data, err := compile(names, ranks)
	if err != nil {
		return nil, err
	}
	return loadReference(data)
}

// Embedded returns the embedded snapshot of the most downloaded PyPI
// projects (about 15,000; see generate.go for its source).
func Embedded() *Reference { return embedded() }

// EmbeddedTop returns the n most popular projects of the embedded snapshot
// (all of them if n <= 0 or n exceeds its size).
func EmbeddedTop(n int) *Reference { return Embedded().Top(n) }

// dedup collects names in order, dropping empty ones and repeats.
type dedup struct {
	seen  map[string]struct{}
	names []string
	ranks []int
}

func (d *dedup) add(name string, rank int) {
	if name == "" {
		return
	}
	if d.seen == nil {
		d.seen = make(map[string]struct{})
	}
	if _, dup := d.seen[name]; dup {
		return
	}
	d.seen[name] = struct{}{}
	d.names = append(d.names, name)
	d.ranks = append(d.ranks, rank)
}

// Top returns a Reference holding the n best-ranked projects of r (r itself
// if n <= 0 or n >= r.Len()). Ranks are kept. It is a view sharing r's
// index, not a copy: lookups skip the names beyond the first n, and plugin
// families are counted among the first n.
func (r *Reference) Top(n int) *Reference {
	if n <= 0 || n >= r.limit {
		return r
	}
	return &Reference{c: r.c, limit: n}
}

// Len returns the number of projects in r.
func (r *Reference) Len() int { return r.limit }

// Rank returns the rank of name (compared after PEP 503 normalization) and
// whether r holds it.
func (r *Reference) Rank(name string) (int, bool) {
	i, ok := r.id(pep503.Normalize(name))
	if !ok {
		return 0, false
	}
	return r.rank(i), true
}

// Names returns the normalized names of r in rank order.
func (r *Reference) Names() []string {
	out := make([]string, r.limit)
	for i := range out {
		out[i] = r.name(int32(i))
	}
	return out
}

func (r *Reference) name(i int32) string { return r.c.name(i) }
func (r *Reference) flat(i int32) string { return r.c.flat(i) }
func (r *Reference) rank(i int32) int    { return r.c.rank(i) }

// MarshalBinary returns the compiled index of r: LoadReferenceFile reads
// it back without rebuilding anything. A Top view is compiled anew from
// its names.
func (r *Reference) MarshalBinary() ([]byte, error) {
	if r.c != nil && r.limit == r.c.n {
		return []byte(r.c.data), nil
	}
	ranks := make([]int, r.limit)
	for i := range ranks {
		ranks[i] = r.rank(int32(i))
	}
	data, err := compile(r.Names(), ranks)
	if err != nil {
		return nil, err
	}
	return []byte(data), nil
}

// LoadReferenceFile reads a user reference file: a list ParseReference
// reads (gzip'd when the name ends in .gz), or a compiled index written by
// MarshalBinary or WriteIndexBeside (uncompressed), used as it is. A list
// with a current compiled index beside it (WriteIndexBeside) is loaded
// from that index instead of being parsed and compiled.
func LoadReferenceFile(path string) (*Reference, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("typosquat: reference: %w", err)
	}
	if r, ok, err := loadCompiledFile(data); ok {
		if err != nil {
			return nil, fmt.Errorf("typosquat: reference %s: %w", path, err)
		}
		return r, nil
	}
	if r := loadBeside(path, data); r != nil {
		return r, nil
	}
	return parseListFile(path, data)
}

// besideMagic starts a compiled index stored beside its list: the magic,
// the SHA-256 of the list file, then the compiled index.
const besideMagic = "PWTSFOR\x00"

const besideHeaderLen = len(besideMagic) + sha256.Size

// IndexPath is where WriteIndexBeside stores, and LoadReferenceFile looks
// for, the compiled index of the list file at path.
func IndexPath(path string) string { return path + ".idx" }

// WriteIndexBeside compiles the list file at path and stores the index at
// IndexPath(path), tagged with the SHA-256 of the list, so that
// LoadReferenceFile loads the list without parsing or compiling it for as
// long as the list is byte for byte the one compiled. A list that fails to
// parse is an error and nothing is written.
func WriteIndexBeside(path string) error {
	data, err := readFile(path)
	if err != nil {
		return fmt.Errorf("typosquat: reference: %w", err)
	}
	if _, ok, _ := loadCompiledFile(data); ok {
		return fmt.Errorf("typosquat: reference %s is compiled already", path)
	}
	r, err := parseListFile(path, data)
	if err != nil {
		return err
	}
	bin, err := r.MarshalBinary()
	if err != nil {
		return fmt.Errorf("typosquat: reference %s: %w", path, err)
	}
	sum := sha256.Sum256([]byte(data))
	out := make([]byte, 0, besideHeaderLen+len(bin))
	out = append(append(append(out, besideMagic...), sum[:]...), bin...)
	if err := atomicfile.WriteFile(IndexPath(path), out, 0o644); err != nil {
		return fmt.Errorf("typosquat: compiled reference: %w", err)
	}
	return nil
}

// loadCompiledFile loads data if it is a compiled index, bare or tagged
// by WriteIndexBeside; ok is false for anything else (a list).
func loadCompiledFile(data string) (r *Reference, ok bool, err error) {
	switch {
	case strings.HasPrefix(data, compiledMagic):
		r, err = loadReference(data)
	case strings.HasPrefix(data, besideMagic):
		if len(data) < besideHeaderLen {
			return nil, true, corrupt("truncated compiled reference")
		}
		r, err = loadReference(data[besideHeaderLen:])
	default:
		return nil, false, nil
	}
	return r, true, err
}

// loadBeside returns the reference compiled beside the list at path
// (whose content is list), or nil when there is none, it was compiled
// from another list, or it does not load: the caller parses the list.
func loadBeside(path, list string) *Reference {
	idx, err := readFile(IndexPath(path))
	if err != nil || len(idx) < besideHeaderLen || !strings.HasPrefix(idx, besideMagic) {
		return nil
	}
	if sum := sha256.Sum256([]byte(list)); idx[len(besideMagic):besideHeaderLen] != string(sum[:]) {
		return nil
	}
	r, err := loadReference(idx[besideHeaderLen:])
	if err != nil {
		return nil
	}
	return r
}

func parseListFile(path, data string) (*Reference, error) {
	var rd io.Reader = strings.NewReader(data)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, fmt.Errorf("typosquat: reference %s: %w", path, err)
		}
		defer zr.Close()
		rd = zr
	}
	return ParseReference(rd, path)
}

// readFile reads a whole file into a string with a single copy.
func readFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	tooLarge := fmt.Errorf("%s: larger than MaxReferenceSize (%d bytes)", path, MaxReferenceSize)
	var b strings.Builder
	if st, err := f.Stat(); err == nil && st.Size() > MaxReferenceSize {
		return "", tooLarge
	} else if err == nil && st.Size() > 0 {
		b.Grow(int(st.Size()))
	}
	// Only MaxReferenceSize+1 bytes are read, whatever Stat said: a FIFO or
	// a growing file has no size to check first.
	if _, err := io.Copy(&b, io.LimitReader(f, MaxReferenceSize+1)); err != nil {
		return "", err
	}
	if b.Len() > MaxReferenceSize {
		return "", tooLarge
	}
	return b.String(), nil
}

// ParseReference reads a reference list, one project a line. Blank lines
// and lines starting with '#' are ignored. Fields are separated by tabs,
// commas or spaces; a line is one of
//
//	name              rank = its position among the name lines
//	rank  name        (the embedded format)
//	name  rank  ...   (the top-pypi TSV format; extra columns ignored)
//
// A first line whose fields hold no rank (a header such as "name\trank") is
// skipped. Projects are ordered by rank; on a duplicate name the first line
// wins. Errors name file:line:column.
func ParseReference(rd io.Reader, file string) (*Reference, error) {
	return parseReference(rd, file)
}

func parseReference(rd io.Reader, file string) (*Reference, error) {
	type entry struct {
		rank int
		name string
		line int
	}
	var entries []entry
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 4096), MaxReferenceLineLen)
	line, ordinal := 0, 0
	first := true
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		fields := strings.FieldsFunc(text, func(c rune) bool {
			return c == '\t' || c == ',' || unicode.IsSpace(c)
		})
		if len(fields) == 0 {
			continue // only commas
		}
		ordinal++
		header := first
		first = false
		var name string
		rank := 0
		switch {
		case len(fields) == 1:
			name, rank = fields[0], ordinal
		case isRank(fields[0]):
			rank, _ = strconv.Atoi(fields[0])
			name = fields[1]
		case isRank(fields[1]):
			rank, _ = strconv.Atoi(fields[1])
			name = fields[0]
		case header:
			ordinal--
			continue // a header such as "name\trank"
		default:
			col := strings.Index(sc.Text(), fields[1]) + 1
			return nil, fmt.Errorf("%s:%d:%d: expected a positive rank next to the name, got %q", file, line, col, fields[1])
		}
		if !pep503.Valid(name) {
			col := strings.Index(sc.Text(), name) + 1
			return nil, fmt.Errorf("%s:%d:%d: expected a project name, got %q", file, line, col, name)
		}
		entries = append(entries, entry{rank, pep503.Normalize(name), line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", file, line+1, err)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].rank < entries[j].rank })
	var d dedup
	for _, e := range entries {
		d.add(e.name, e.rank)
	}
	r, err := newCompiled(d.names, d.ranks)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return r, nil
}

func isRank(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0
}
