package redact

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestURLs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"https://pypi.org/simple/", "https://pypi.org/simple/"},
		{"https://user:secret@host/simple/", "https://host/simple/"},
		{"https://token@host/simple/", "https://host/simple/"},
		{"https://user:p%40ss@host:8443/simple/", "https://host:8443/simple/"},
		{"https://user:p@ss@host/simple/", "https://host/simple/"}, // the last @ ends the user information
		{"corp=https://user:secret@host/simple/", "corp=https://host/simple/"},
		{"pyward lock r.in --index a=https://u:s@a/simple/ --index b=http://v:t@b:81/simple/ -o l.txt",
			"pyward lock r.in --index a=https://a/simple/ --index b=http://b:81/simple/ -o l.txt"},
		{`GET "https://u:s@host" failed`, `GET "https://host" failed`},
		{"GET https://u:s@host: connection refused", "GET https://host: connection refused"},
		{"https://u:s@host?x=1", "https://host?x=1"},
		{"git+https://u:s@host/repo.git@v1", "git+https://host/repo.git@v1"},
		{"https://host/path@version", "https://host/path@version"},                                 // @ after the authority
		{"mailto:someone@example.org and https://h/", "mailto:someone@example.org and https://h/"}, // not an authority
		{"a https://u:s@h/ b https://h/ c https://v:t@i/", "a https://h/ b https://h/ c https://i/"},
		{"https://u:p@host/%zz@x", "https://host/%zz@x"}, // not a valid URL: its authority still is
		{"https://u:s@", "https://"},
		{"://@", "://"},
		{"https://u:s\n@host/", "https://u:s\n@host/"}, // a line end ends the authority
	}
	for _, tt := range tests {
		if got := URLs(tt.in); got != tt.want {
			t.Errorf("URLs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriter(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"one write", []string{"GET https://u:secret@h/simple/x/\n"}, "GET https://h/simple/x/\n"},
		{"URL split over writes", []string{"GET https://u:sec", "ret@h/simple/", "x/\nnext\n"}, "GET https://h/simple/x/\nnext\n"},
		{"progress line", []string{"\rresolving https://u:s", "@h/ 3 projects\r"}, "\rresolving https://h/ 3 projects\r"},
		{"no final line end", []string{"see https://u:s@h/"}, "see https://h/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w := NewWriter(&out)
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestWriterLongLine(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	long := strings.Repeat("x", MaxPending) + " https://u:secret@h/"
	if _, err := w.Write([]byte(long)); err != nil {
		t.Fatal(err)
	}
	if out.Len() == 0 || out.Len() > MaxPending+1 {
		t.Errorf("held back %d bytes, wrote %d", len(long)-out.Len(), out.Len())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "secret") || !strings.HasSuffix(out.String(), " https://h/") {
		t.Errorf("got ...%q", out.String()[out.Len()-40:])
	}
}

func FuzzURLs(f *testing.F) {
	for _, s := range []string{"https://u:s@h/", "a=http://x@y:1/p?q#f", "://@@", "https://h/p@v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		got := URLs(s)
		budgettest.Check(t, len(s), start)
		if len(got) > len(s) {
			t.Fatalf("URLs grew the text: %q -> %q", s, got)
		}
		if URLs(got) != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, URLs(got))
		}
		if !strings.Contains(s, "@") && got != s {
			t.Fatalf("changed text without user information: %q -> %q", s, got)
		}
	})
}

// Reports and logs are full of URLs without credentials (advisory links,
// "name@version" text): they pass through without a copy.
func TestNoCopyWithoutCredentials(t *testing.T) {
	text := strings.Repeat(`{"url":"https://osv.dev/PYSEC-1","note":"pkg@1.0 see git+https://h/r.git@v1"}`+"\n", 2000)
	if n := testing.AllocsPerRun(10, func() { _ = URLs(text) }); n != 0 {
		t.Errorf("URLs allocated %v times on text without credentials", n)
	}
	w := NewWriter(io.Discard)
	b := []byte(text)
	if n := testing.AllocsPerRun(10, func() {
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Writer.Write allocated %v times on text without credentials", n)
	}
}

// FuzzWriter checks that however the text is split into writes, the
// Writer writes what URLs makes of the whole.
func FuzzWriter(f *testing.F) {
	f.Add("GET https://u:secret@h/simple/x/\nnext\n", uint8(9), uint8(3))
	f.Add("a://b://u@h/\r", uint8(4), uint8(1))
	f.Fuzz(func(t *testing.T, s string, cut1, cut2 uint8) {
		var out bytes.Buffer
		w := NewWriter(&out)
		i := min(int(cut1), len(s))
		j := min(i+int(cut2), len(s))
		start := time.Now()
		for _, part := range []string{s[:i], s[i:j], s[j:]} {
			if _, err := w.Write([]byte(part)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		budgettest.Check(t, len(s), start)
		// A split line is redacted as a whole, so the result equals URLs of
		// each line; lines never join a URL across "\n" or "\r".
		if want := URLs(s); out.String() != want {
			t.Fatalf("Writer(%q) in writes at %d, %d = %q, URLs = %q", s, i, j, out.String(), want)
		}
	})
}
