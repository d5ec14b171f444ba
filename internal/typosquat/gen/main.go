// Command gen builds the embedded typosquat reference snapshot.
//
// It reads the top-PyPI table (tab-separated, header "name rank
// latest_version latest_month", one project a line) and writes a gzip'd
// list of "rank<TAB>normalized-name" lines sorted by rank. The output is
// deterministic (no gzip timestamp or file name), so regenerating from the
// same input gives a byte-identical file and a clean git diff.
//
// Usage (see ../generate.go):
//
//	go run ./gen -in ../../../shared/data/top-pypi-15000.tsv -out reference.tsv.gz
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/pyward/pyward/internal/pep503"
)

type row struct {
	rank int
	name string
}

func main() {
	in := flag.String("in", "", "top-pypi TSV input (name, rank, latest_version, latest_month)")
	out := flag.String("out", "reference.tsv.gz", "gzip'd output file")
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

func write(w io.Writer, rows []row) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	for _, r := range rows {
		fmt.Fprintf(bw, "%d\t%s\n", r.rank, r.name)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}
