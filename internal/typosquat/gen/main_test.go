package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/typosquat"
)

func TestParseAndWrite(t *testing.T) {
	in := "name\trank\tlatest_version\tlatest_month\nRequests\t6\t2.0\t2026-01\nboto3\t1\t\t\nrequests\t9\t\t\n"
	rows, err := parse(strings.NewReader(in), "top.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := write(&a, rows); err != nil {
		t.Fatal(err)
	}
	if err := write(&b, rows); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("output is not deterministic")
	}
	p := filepath.Join(t.TempDir(), "reference.idx")
	if err := os.WriteFile(p, a.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ref, err := typosquat.LoadReferenceFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(ref.Names(), " "), "boto3 requests"; got != want {
		t.Errorf("names %q, want %q (sorted, normalized, first duplicate kept)", got, want)
	}
	if r, ok := ref.Rank("requests"); !ok || r != 6 {
		t.Errorf("Rank(requests) = %d, %v; want 6", r, ok)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"requests\n", "top.tsv:1:1: expected name<TAB>rank"},
		{"requests\tsix\n", "top.tsv:1:10: expected a positive rank"},
		{"-bad-\t1\n", "top.tsv:1:1: invalid project name"},
	}
	for _, tt := range tests {
		_, err := parse(strings.NewReader(tt.in), "top.tsv")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parse(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}
