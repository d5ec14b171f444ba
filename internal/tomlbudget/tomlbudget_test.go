package tomlbudget

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// nestedInline is "x = {a = {a = ... 1}}" with n inline tables.
func nestedInline(n int) string {
	return "x = " + strings.Repeat("{a = ", n) + "1" + strings.Repeat("}", n) + "\n"
}

// manyKeys is n keys "kN = 1", one a line.
func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "k%d = 1\n", i)
	}
	return b.String()
}

func TestCheckRefuses(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		limit string
		line  int
	}{
		// The observed blow-up: a pylock.toml whose package carries nested
		// inline tables (3 s at 10 KB, 117 s at 40 KB before the check).
		{"pylock nested inline tables", "lock-version = \"1.0\"\n\n[[packages]]\nname = \"x\"\ntool = " +
			strings.Repeat("{a = ", 2000) + "1" + strings.Repeat("}", 2000) + "\n", "MaxDepth", 5},
		{"inline tables one too deep", nestedInline(MaxDepth), "MaxDepth", 1},
		{"dotted key", "x" + strings.Repeat(".a", MaxDepth) + " = 1\n", "MaxDepth", 1},
		{"dotted key of 5000 parts", "x" + strings.Repeat(".a", 5000) + " = 1\n", "MaxDepth", 1},
		{"table header", "[x" + strings.Repeat(".a", MaxDepth) + "]\n", "MaxDepth", 1},
		{"array of tables header", "\n[[x" + strings.Repeat(".a", MaxDepth) + "]]\n", "MaxDepth", 2},
		{"header then dotted key", "[a.b.c.d.e.f.g.h]\nok = 1\n" + "x" + strings.Repeat(".a", MaxDepth-8) + " = 1\n", "MaxDepth", 3},
		{"arrays of inline tables", "x = " + strings.Repeat("[{a = ", MaxDepth) + "1" + strings.Repeat("}]", MaxDepth) + "\n", "MaxDepth", 1},
		{"inline tables over lines", "x = {\n" + strings.Repeat("a = {\n", MaxDepth) + "b = 1" + strings.Repeat("}", MaxDepth+1) + "\n", "MaxDepth", MaxDepth + 1},
		{"nested arrays", "x = " + strings.Repeat("[", MaxArrayDepth+1) + strings.Repeat("]", MaxArrayDepth+1) + "\n", "MaxArrayDepth", 1},
		{"nested arrays over lines", "x = [\n" + strings.Repeat("[\n", MaxArrayDepth) + strings.Repeat("]", MaxArrayDepth+1) + "\n", "MaxArrayDepth", MaxArrayDepth + 1},
		{"long bare key", strings.Repeat("k", MaxKeyLen+1) + " = 1\n", "MaxKeyLen", 1},
		{"long quoted key part", "a.\"" + strings.Repeat("k", MaxKeyLen) + "\" = 1\n", "MaxKeyLen", 1},
		{"long header part", "[a]\n[b.'" + strings.Repeat("k", MaxKeyLen) + "']\n", "MaxKeyLen", 2},
		{"too many keys", manyKeys(MaxKeys + 1), "MaxKeys", MaxKeys + 1},
		{"too many dotted parts", strings.Repeat("a.b.c.d = 1\n", MaxKeys/4) + "z = 1\n", "MaxKeys", MaxKeys/4 + 1},
		{"too many inline tables", "x = [" + strings.Repeat("{},", MaxKeys) + "]\n", "MaxKeys", 1},
		{"too large", "x = \"" + strings.Repeat("a", MaxSize) + "\"\n", "MaxSize", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check("pylock.toml", []byte(tt.doc))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Check = %v, want an *Error", err)
			}
			if e.Limit != tt.limit || e.Line != tt.line || e.File != "pylock.toml" || !errors.Is(err, ErrLimit) {
				t.Fatalf("Check = %q (limit %q, line %d), want limit %s on pylock.toml line %d", err, e.Limit, e.Line, tt.limit, tt.line)
			}
			if !strings.Contains(err.Error(), "tomlbudget."+tt.limit) {
				t.Errorf("error %q does not name the limit", err)
			}
			// Decode refuses the same way, before decoding.
			var v map[string]any
			if _, err := Decode("pylock.toml", []byte(tt.doc), &v); !errors.Is(err, ErrLimit) {
				t.Errorf("Decode = %v, want a limit error", err)
			}
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"inline tables at the limit", nestedInline(MaxDepth - 1)},
		{"dotted key at the limit", "x" + strings.Repeat(".a", MaxDepth-1) + " = 1\n"},
		{"header plus key at the limit", "[x" + strings.Repeat(".a", MaxDepth-2) + "]\nk = 1\n"},
		{"arrays at the limit", "x = " + strings.Repeat("[", MaxArrayDepth) + strings.Repeat("]", MaxArrayDepth) + "\n"},
		{"keys at the limit", manyKeys(MaxKeys)},
		{"key part at the limit", strings.Repeat("k", MaxKeyLen) + " = 1\n"},
		{"depth restored after a table", "[a.b.c.d.e.f.g.h.i.j]\nk = 1\n[b]\nl = 1\n[a.b.c.d.e.f.g.h.i.k]\nk = 1\n[x]\ny" + strings.Repeat(".a", MaxDepth-2) + " = 1\n"},
		{"depth restored after inline tables", nestedInline(MaxDepth-1) + "y" + nestedInline(MaxDepth - 1)[1:] + "z" + nestedInline(MaxDepth - 1)[1:]},
		// Brackets, braces and dots inside strings and comments are text.
		{"basic string", "x = \"" + strings.Repeat("[{a.", 100) + "\\\"\"\n"},
		{"literal string", "x = '" + strings.Repeat("[{a.\\", 100) + "'\n"},
		{"multi-line basic", "x = \"\"\"\n" + strings.Repeat("[{\"\"a.\\\"\"\"\n", 100) + "\"\"\"\"\n"},
		{"multi-line literal", "x = '''\n" + strings.Repeat("[{''a.\n", 100) + "'''''\ny = 1\n"},
		{"empty strings", "x = \"\"\ny = ''\nz = [\"\", '', \"\"]\n"},
		{"comment", "# " + strings.Repeat("[{", 100) + "\nx = [ # " + strings.Repeat("[", 100) + "\n1]\n"},
		{"quoted key with dots", "\"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q\" = 1\n"},
		{"date-time with a space", "x = 1979-05-27 07:32:00Z\ny = [1979-05-27 07:32:00Z, 1]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check("f.toml", []byte(tt.doc)); err != nil {
				t.Fatalf("Check = %v", err)
			}
			var v map[string]any
			if _, err := Decode("f.toml", []byte(tt.doc), &v); err != nil {
				t.Fatalf("Decode = %v", err)
			}
		})
	}
}

func TestDecodeSyntaxError(t *testing.T) {
	var v map[string]any
	_, err := Decode("f.toml", []byte("a = 1\nb = \n"), &v)
	var e *Error
	if !errors.As(err, &e) || e.File != "f.toml" || e.Line != 2 || e.Limit != "" || errors.Is(err, ErrLimit) {
		t.Fatalf("Decode = %#v, want a syntax error on f.toml line 2", err)
	}
	if !strings.HasPrefix(err.Error(), "f.toml:2:") {
		t.Errorf("error %q does not start with file:line", err)
	}
}

// keyDepth returns the deepest key path and the deepest array nesting in a
// decoded document.
func keyDepth(v any) (keys, arrays int) {
	switch v := v.(type) {
	case map[string]any:
		for _, x := range v {
			k, a := keyDepth(x)
			keys, arrays = max(keys, k+1), max(arrays, a)
		}
	case []map[string]any:
		for _, x := range v {
			k, a := keyDepth(x)
			keys, arrays = max(keys, k), max(arrays, a+1)
		}
	case []any:
		for _, x := range v {
			k, a := keyDepth(x)
			keys, arrays = max(keys, k), max(arrays, a+1)
		}
	}
	return keys, arrays
}

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		nestedInline(5),
		"[a.b]\nc.d = {e = [1, {f = 2}]}\n[[g]]\nh = \"\"\"x\n\"\"\"\n",
		"x = '''a'''''\ny = \"\\\"\"\nz = [[1], [2, [3]]]\n",
		"a = {\n b = 1, # c\n d = {e = 1},\n}\n",
		"'a.b'.\"c\" = 1\n[ x . y ]\n",
	} {
		f.Add(s)
	}
}

// FuzzCheck is differential: with small limits, whatever Check lets through
// and the decoder accepts decodes to keys and arrays within those limits, so
// the scanner never loses track of where it is in a valid document.
func FuzzCheck(f *testing.F) {
	fuzzSeeds(f)
	lim := limits{size: 1 << 20, depth: 3, arrayDepth: 2, keyLen: 8, keys: 64}
	f.Fuzz(func(t *testing.T, in string) {
		err := check("f", []byte(in), lim)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Limit == "" || e.File != "f" {
				t.Fatalf("check error %#v is not a limit *Error naming the file", err)
			}
			return
		}
		var v map[string]any
		if _, err := toml.Decode(in, &v); err != nil {
			return
		}
		// Array-of-tables headers nest arrays once per header part.
		if k, a := keyDepth(v); k > lim.depth || a > lim.arrayDepth+lim.depth {
			t.Fatalf("check passed a document with keys %d deep and arrays %d deep (limits %d, %d)", k, a, lim.depth, lim.arrayDepth)
		}
	})
}

// FuzzDecode decodes with the real limits and fails on any input under
// 1 MiB that takes longer than MaxParseTime while fuzzing (see
// budgettest.Check, which this package cannot import).
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in string) {
		start := time.Now()
		var v map[string]any
		_, err := Decode("f", []byte(in), &v)
		if d := time.Since(start); fuzzing() && len(in) < 1<<20 && d > MaxParseTime {
			t.Fatalf("decoding %d bytes took %v", len(in), d)
		}
		if err != nil {
			if e, ok := err.(*Error); !ok || e.File != "f" {
				t.Fatalf("error %#v is not an *Error naming the file", err)
			}
		}
	})
}

// fuzzing is budgettest.Fuzzing.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}
