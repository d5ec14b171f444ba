// Command gen builds the embedded typosquat reference snapshot.
//
// It reads the top-PyPI table (tab-separated, header "name rank
// latest_version latest_month", one project a line), normalizes the names,
// keeps the first line of a duplicate, sorts by rank and writes the
// compiled index of that list (typosquat.Reference.MarshalBinary), which
// the package embeds uncompressed and uses in place. The output is
// deterministic, so regenerating from the same input gives a
// byte-identical file and a clean git diff.
//
// Usage (see ../generate.go):
//
//	go run ./gen -in ../../../shared/data/top-pypi-15000.tsv -out reference.idx
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/typosquat"
)

type row struct {
	rank int
	name string
}

func main() {
	in := flag.String("in", "", "top-pypi TSV input (name, rank, latest_version, latest_month)")
	out := flag.String("out", "reference.idx", "compiled index output file")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := parse(f, in)
	if err != nil {
		return err
	}
	tmp := out + ".tmp"
	w, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := write(w, rows); err != nil {
		w.Close()
		os.Remove(tmp)
		return err
	}
	if err := w.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, out)
}

func parse(r io.Reader, file string) ([]row, error) {
	sc := bufio.NewScanner(r)
	var rows []row
	seen := map[string]bool{}
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 && strings.HasPrefix(text, "name\t") {
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) < 2 {
			return nil, fmt.Errorf("%s:%d:1: expected name<TAB>rank", file, line)
		}
		name := pep503.Normalize(strings.TrimSpace(fields[0]))
		if !pep503.Valid(name) {
			return nil, fmt.Errorf("%s:%d:1: invalid project name %q", file, line, fields[0])
		}
		rank, err := strconv.Atoi(strings.TrimSpace(fields[1]))
		if err != nil || rank < 1 {
			return nil, fmt.Errorf("%s:%d:%d: expected a positive rank, got %q", file, line, len(fields[0])+2, fields[1])
		}
		if seen[name] {
			continue // keep the best (first) rank of a duplicate
		}
		seen[name] = true
		rows = append(rows, row{rank, name})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].rank < rows[j].rank })
	return rows, nil
}

// write writes the compiled index of rows, which parse sorted by rank.
func write(w io.Writer, rows []row) error {
	data, err := compile(rows)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// compile builds the index through typosquat.ParseReference, the path
// user lists take, from "rank<TAB>name" lines.
func compile(rows []row) ([]byte, error) {
	var text strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&text, "%d\t%s\n", r.rank, r.name)
	}
	ref, err := typosquat.ParseReference(strings.NewReader(text.String()), "gen")
	if err != nil {
		return nil, err
	}
	if ref.Len() != len(rows) {
		return nil, fmt.Errorf("compiled %d of %d names", ref.Len(), len(rows))
	}
	return ref.MarshalBinary()
}
