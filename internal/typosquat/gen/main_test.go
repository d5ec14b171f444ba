package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
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
	zr, err := gzip.NewReader(&a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1\tboto3\n6\trequests\n"; string(got) != want {
		t.Errorf("output %q, want %q (sorted, normalized, first duplicate kept)", got, want)
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
