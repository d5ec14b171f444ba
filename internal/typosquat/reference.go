package typosquat

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/pyward/pyward/internal/pep503"
)

// MaxReferenceLineLen bounds one line of a user reference file.
const MaxReferenceLineLen = 64 << 10

//go:embed reference.tsv.gz
var embeddedGz []byte

// Reference is a ranked list of popular project names, the set a checked
// name may imitate. Rank 1 is the most popular. A Reference is immutable
// once built and safe for concurrent use; its search index is built lazily,
// once, on the first Check.
type Reference struct {
	names []string // PEP 503 normalized, sorted by rank
	ranks []int
	byKey map[string]int32

	once sync.Once
	ix   *index
}

// embedded caches the parsed embedded snapshot: it is immutable after the
// first call, so sharing it is not mutable global state.
var embedded = sync.OnceValue(func() *Reference {
	r, err := parseEmbedded(embeddedGz)
	if err != nil {
		// The file is generated and committed with the package and checked
		// by TestEmbeddedReference; failing here is a build defect.
		panic("typosquat: corrupt embedded reference: " + err.Error())
	}
	return r
})

// parseEmbedded reads the generated "rank<TAB>name" lines. It is the
// strict, fast path of parseReference for a file this package wrote: one
// decompression into a single string that all names share.
func parseEmbedded(gz []byte) (*Reference, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(8 * len(gz))
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, err
	}
	text := buf.String()
	n := strings.Count(text, "\n")
	r := &Reference{
		names: make([]string, 0, n),
		ranks: make([]int, 0, n),
		byKey: make(map[string]int32, n),
	}
	prev := 0
	for line := 1; text != ""; line++ {
		var l string
		l, text, _ = strings.Cut(text, "\n")
		rankStr, name, ok := strings.Cut(l, "\t")
		rank, err := strconv.Atoi(rankStr)
		if !ok || err != nil || rank < prev || !isNormalizedName(name) {
			return nil, fmt.Errorf("reference.tsv.gz:%d: expected rank<TAB>normalized-name in rank order, got %q", line, l)
		}
		prev = rank
		r.add(name, rank)
	}
	return r, nil
}

// Embedded returns the embedded snapshot of the most downloaded PyPI
// projects (about 15,000; see generate.go for its source).
func Embedded() *Reference { return embedded() }

// EmbeddedTop returns the n most popular projects of the embedded snapshot
// (all of them if n <= 0 or n exceeds its size).
func EmbeddedTop(n int) *Reference { return Embedded().Top(n) }

// NewReference builds a Reference from names in popularity order: names[i]
// gets rank i+1. Names are PEP 503 normalized; later duplicates are dropped.
func NewReference(names []string) *Reference {
	r := &Reference{byKey: make(map[string]int32, len(names))}
	for i, n := range names {
		r.add(pep503.Normalize(strings.TrimSpace(n)), i+1)
	}
	return r
}

func (r *Reference) add(name string, rank int) {
	if name == "" {
		return
	}
	if _, dup := r.byKey[name]; dup {
		return
	}
	r.byKey[name] = int32(len(r.names))
	r.names = append(r.names, name)
	r.ranks = append(r.ranks, rank)
}

// Top returns a Reference holding the n best-ranked projects of r (r itself
// if n <= 0 or n >= r.Len()). Ranks are kept.
func (r *Reference) Top(n int) *Reference {
	if n <= 0 || n >= len(r.names) {
		return r
	}
	t := &Reference{
		names: r.names[:n:n],
		ranks: r.ranks[:n:n],
		byKey: make(map[string]int32, n),
	}
	for i, name := range t.names {
		t.byKey[name] = int32(i)
	}
	return t
}

// Len returns the number of projects in r.
func (r *Reference) Len() int { return len(r.names) }

// Rank returns the rank of name (compared after PEP 503 normalization) and
// whether r holds it.
func (r *Reference) Rank(name string) (int, bool) {
	i, ok := r.byKey[pep503.Normalize(name)]
	if !ok {
		return 0, false
	}
	return r.ranks[i], true
}

// Names returns the normalized names of r in rank order.
func (r *Reference) Names() []string { return append([]string(nil), r.names...) }

// LoadReferenceFile reads a user reference file; see ParseReference.
func LoadReferenceFile(path string) (*Reference, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("typosquat: reference: %w", err)
	}
	defer f.Close()
	var rd io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("typosquat: reference %s: %w", path, err)
		}
		defer zr.Close()
		rd = zr
	}
	return ParseReference(rd, path)
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
	r := &Reference{byKey: make(map[string]int32, len(entries))}
	for _, e := range entries {
		r.add(e.name, e.rank)
	}
	return r, nil
}

func isRank(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0
}

// isNormalizedName is pep503.IsNormalized without the allocation: lower-case
// letters, digits and single inner '-'.
func isNormalizedName(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}
