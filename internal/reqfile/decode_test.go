package reqfile

import (
	"strings"
	"testing"
	"unicode/utf16"
)

func utf16Bytes(s string, bigEndian bool) []byte {
	out := []byte{0xff, 0xfe}
	if bigEndian {
		out = []byte{0xfe, 0xff}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// Files are decoded as pip's auto_decode does, and binary or oversized
// input is refused with a short error naming file and line.
func TestDecodeInput(t *testing.T) {
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	tests := []struct {
		name    string
		data    []byte
		want    string // the one requirement's name; "" for an error
		wantErr string // substring of the error
	}{
		{"UTF-8", []byte("six==1.16.0\n"), "six", ""},
		{"UTF-8 with BOM", []byte("\xef\xbb\xbfsix==1.16.0\n"), "six", ""},
		{"UTF-16 LE with BOM", utf16Bytes("six==1.16.0\r\n# café\r\n", false), "six", ""},
		{"UTF-16 BE with BOM", utf16Bytes("six==1.16.0\n", true), "six", ""},
		{"coding line: latin-1", []byte("# -*- coding: latin-1 -*-\nsix==1.16.0  # caf\xe9\n"), "six", ""},
		{"coding line on line 2: cp1252", []byte("#!/x\n# coding=cp1252\nsix==1.16.0  # \x80\n"), "six", ""},
		{"coding line: utf-8", []byte("# coding: utf-8\nsix==1.16.0\n"), "six", ""},
		{"unknown coding", []byte("# coding: klingon\nsix\n"), "", `r.txt:1: declared encoding "klingon" is not supported`},
		{"latin-1 without a coding line", []byte("six==1.16.0\n# caf\xe9\n"), "", "r.txt:2: not UTF-8 text"},
		{"NUL byte", []byte("six==1.16.0\nfoo\x00bar\n"), "", "r.txt:2: binary data"},
		{"binary file", binary, "", "r.txt:1: binary data"},
		{"UTF-16 with an odd length", append(utf16Bytes("six\n", false), 'x'), "", "r.txt: UTF-16"},
		{"UTF-16 without a BOM", utf16Bytes("six\n", false)[2:], "", "r.txt:1: binary data"},
		{"10 MB line", []byte("six" + strings.Repeat("1", 10<<20) + "\n"), "", "r.txt:1: line is 10485763 bytes, more than the 65536-byte limit"},
		{"long continued line", []byte(strings.Repeat(strings.Repeat("x", 60_000)+"\\\n", 3)), "", "r.txt:1: line is 180000 bytes (continuations joined)"},
		{"10 MB line on line 3", []byte("a\nb\n" + strings.Repeat("x", 10<<20)), "", "r.txt:3: line is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("r.txt", tt.data, memFS(nil, nil))
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if n := len(err.Error()); n > 300 {
					t.Errorf("error is %d bytes long", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Requirements) != 1 || f.Requirements[0].Req.Name != tt.want {
				t.Fatalf("requirements = %+v", f.Requirements)
			}
		})
	}
}

// Errors quote at most MaxQuote bytes of the input, however long it is.
func TestErrorsQuoteLittle(t *testing.T) {
	long := strings.Repeat("é!", 30_000) // under MaxLineLength
	for _, in := range []string{
		long + "\n",                        // invalid requirement
		"six ; " + long + "\n",             // invalid marker
		"six --hash=sha256:" + long + "\n", // invalid hash
		"--" + strings.Repeat("x", 60_000) + "\n",
		"-e " + long + "\n",
	} {
		_, err := Parse("r.txt", []byte(in), memFS(nil, nil))
		if err == nil {
			t.Fatalf("no error for %.40q…", in)
		}
		if n := len(err.Error()); n > 3*MaxQuote+200 {
			t.Errorf("error for %.40q… is %d bytes: %.300s", in, n, err)
		}
		if !strings.HasPrefix(err.Error(), "r.txt:1") {
			t.Errorf("error does not name file and line: %.200s", err)
		}
	}
}

// A PEP 263 line names a Python codec, in any of the spellings Python's
// codec look-up accepts; the file is decoded with it, as pip does.
func TestDeclaredEncodings(t *testing.T) {
	tests := []struct {
		coding string
		body   []byte // a comment's bytes in that encoding
		want   string
	}{
		{"latin-1", []byte("caf\xe9"), "café"},
		{"ISO-8859-1", []byte("caf\xe9"), "café"},
		{"cp1252", []byte("\x80 5"), "€ 5"},
		{"Windows-1252", []byte("\x80 5"), "€ 5"},
		{"latin9", []byte("\xa4 5"), "€ 5"},
		{"iso8859_15", []byte("\xa4 5"), "€ 5"},
		{"ISO-8859-15", []byte("\xa4 5"), "€ 5"},
		{"iso-8859-2", []byte("\xb1"), "ą"},
		{"koi8_r", []byte("\xd2\xc1\xd3"), "рас"},
		{"cp866", []byte("\xa0"), "а"},
		{"mac-roman", []byte("\x8e"), "é"},
		{"shift_jis", []byte("\x93\xfa\x96\x7b"), "日本"},
		{"sjis", []byte("\x93\xfa\x96\x7b"), "日本"},
		{"euc-jp", []byte("\xc6\xfc\xcb\xdc"), "日本"},
		{"euc_kr", []byte("\xc7\xd1\xb1\xb9"), "한국"},
		{"gb2312", []byte("\xd6\xd0\xce\xc4"), "中文"},
		{"GBK", []byte("\xd6\xd0\xce\xc4"), "中文"},
		{"gb18030", []byte("\xd6\xd0\xce\xc4"), "中文"},
		{"big5", []byte("\xa4\xa4\xa4\xe5"), "中文"},
		{"utf-8", []byte("caf\xc3\xa9"), "café"},
		{"UTF8", []byte("caf\xc3\xa9"), "café"},
		{"ascii", []byte("cafe"), "cafe"},
	}
	for _, tt := range tests {
		t.Run(tt.coding, func(t *testing.T) {
			data := append([]byte("# -*- coding: "+tt.coding+" -*-\nsix  # "), tt.body...)
			text, err := decode("r.txt", append(data, '\n'))
			if err != nil {
				t.Fatal(err)
			}
			if want := "six  # " + tt.want + "\n"; !strings.HasSuffix(text, want) {
				t.Errorf("decoded %q, want it to end in %q", text, want)
			}
		})
	}
	for _, coding := range []string{"klingon", "utf-16", "utf_32", "rot13", "idna"} {
		if _, err := decode("r.txt", []byte("# coding: "+coding+"\nsix\n")); err == nil || !strings.Contains(err.Error(), "is not supported") {
			t.Errorf("coding %s: err = %v, want not supported", coding, err)
		}
	}
}

func TestPythonCodecName(t *testing.T) {
	for in, want := range map[string]string{
		"UTF-8": "utf_8", "latin-1": "latin_1", "  ISO 8859--15 ": "iso_8859_15", "ansi_x3.4-1968": "ansi_x3.4_1968", "Shift_JIS": "shift_jis", "": "",
	} {
		if got := pythonCodecName(in); got != want {
			t.Errorf("pythonCodecName(%q) = %q, want %q", in, got, want)
		}
	}
}
