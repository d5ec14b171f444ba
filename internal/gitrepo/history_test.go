package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestFileHistory(t *testing.T) {
	ctx := context.Background()
	dir, _ := newRepo(t) // a/requirements.txt = "old\n"
	write := func(name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A body without a final newline, and one holding what looks like a
	// cat-file header, must come back byte for byte.
	write("a/requirements.txt", "abc 12 blob 3\nno newline")
	git(t, dir, "commit", "-q", "-am", "two")
	write("README", "other file\n")
	git(t, dir, "commit", "-q", "-am", "not the lock")
	git(t, dir, "rm", "-q", "a/requirements.txt")
	git(t, dir, "commit", "-q", "-m", "deleted")
	write("a/requirements.txt", "four\n")
	git(t, dir, "add", "a/requirements.txt")
	git(t, dir, "commit", "-q", "-m", "back")
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		n    int
		want []string
	}{
		{"a/requirements.txt", 0, []string{"old\n", "abc 12 blob 3\nno newline", "four\n"}},
		{"a/requirements.txt", MaxHistory + 10, []string{"old\n", "abc 12 blob 3\nno newline", "four\n"}},
		{"a/requirements.txt", 3, []string{"abc 12 blob 3\nno newline", "four\n"}}, // back, deleted, two
		{"a/requirements.txt", 2, []string{"four\n"}},                              // the deletion is left out
		{"a/*.txt", 0, nil}, // literal, not a pattern
		{"never/there.txt", 0, nil},
	}
	for _, tt := range tests {
		revs, err := r.FileHistory(ctx, tt.path, tt.n)
		if err != nil {
			t.Fatalf("FileHistory(%q, %d): %v", tt.path, tt.n, err)
		}
		if len(revs) != len(tt.want) {
			t.Fatalf("FileHistory(%q, %d) = %d revisions, want %d: %+v", tt.path, tt.n, len(revs), len(tt.want), revs)
		}
		for i, rev := range revs {
			if string(rev.Data) != tt.want[i] {
				t.Errorf("FileHistory(%q, %d)[%d] = %q, want %q", tt.path, tt.n, i, rev.Data, tt.want[i])
			}
			if len(rev.Commit) < 40 || len(rev.Date) < 10 {
				t.Errorf("FileHistory(%q, %d)[%d]: commit %q date %q", tt.path, tt.n, i, rev.Commit, rev.Date)
			}
			if got := git(t, dir, "show", rev.Commit+":"+tt.path); got+"\n" != tt.want[i] && got != tt.want[i] {
				t.Errorf("revision %d is not commit %s's file: %q", i, rev.Commit, got)
			}
		}
	}
	if _, err := r.FileHistory(ctx, "a/requirements.txt", 1); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.FileHistory(canceled, "a/requirements.txt", 0); err == nil {
		t.Fatal("FileHistory with a canceled context succeeded")
	}
}

func TestNextBlob(t *testing.T) {
	tests := []struct {
		in            string
		data, rest    string
		found, hasErr bool
	}{
		{"0123 blob 3\nabc\nnext", "abc", "next", true, false},
		{"0123 blob 0\n\n", "", "", true, false},
		{"0123 tree 4\nxxxx\n", "", "", false, false},
		{"abc:path missing\nnext", "", "next", false, false},
		{"abc:path ambiguous\n", "", "", false, false},
		{"0123 blob 9\nabc\n", "", "", false, true}, // shorter than announced
		{"0123 blob -1\n", "", "", false, true},
		{"no newline", "", "", false, true},
		{"what\n", "", "", false, true},
	}
	for _, tt := range tests {
		data, rest, found, err := nextBlob([]byte(tt.in))
		if (err != nil) != tt.hasErr || found != tt.found || string(data) != tt.data || string(rest) != tt.rest {
			t.Errorf("nextBlob(%q) = %q, %q, %v, %v", tt.in, data, rest, found, err)
		}
	}
}
