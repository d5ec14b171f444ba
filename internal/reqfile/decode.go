package reqfile

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits on the input the parser accepts, checked before anything in the
// file is used (no index is asked about a file that breaks them).
const (
	// MaxLineLength is the longest line accepted, physical or logical
	// (continuations joined); the longest real ones, a requirement with the hashes of
	// every file of its version, are a few KiB.
	MaxLineLength = 64 << 10
	// MaxQuote is how much of the input an error message quotes.
	MaxQuote = 200
)

// codingRE is pip's PEP 263 encoding declaration, searched for in the
// first two lines when they start with "#".
var codingRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`coding[:=]\s*([-\w.]+)`) })

// decode turns a file's bytes into UTF-8 text as pip's auto_decode does: a
// byte-order mark (UTF-8, UTF-16 LE or BE) decides the encoding; else a
// PEP 263 coding line in the first two lines; else UTF-8 (pip uses the
// locale's encoding, UTF-8 on every current system). Text that still holds
// a NUL byte or invalid UTF-8 is binary and refused, naming the line.
func decode(name string, data []byte) (string, error) {
	var text string
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		text = string(data[3:])
	case bytes.HasPrefix(data, []byte("\xff\xfe")), bytes.HasPrefix(data, []byte("\xfe\xff")):
		s, err := decodeUTF16(data[2:], data[0] == 0xfe)
		if err != nil {
			return "", &Error{File: name, Msg: err.Error()}
		}
		text = s
	default:
		enc, line := declaredEncoding(data)
		s, err := decodeAs(data, enc)
		if err != nil {
			return "", &Error{File: name, Line: line, Msg: err.Error()}
		}
		text = s
	}
	if err := checkText(name, text); err != nil {
		return "", err
	}
	return text, nil
}

// decodeUTF16 decodes UTF-16 without its byte-order mark.
func decodeUTF16(b []byte, bigEndian bool) (string, error) {
	if len(b)%2 != 0 {
		return "", fmt.Errorf("UTF-16 text (byte-order mark) with an odd number of bytes")
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		if bigEndian {
			units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			units[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return string(utf16.Decode(units)), nil
}

// declaredEncoding returns the PEP 263 encoding named in the first two
// lines (and its line number), or "" and 0.
func declaredEncoding(data []byte) (string, int) {
	lines := bytes.SplitN(data, []byte("\n"), 3)
	for i, l := range lines[:min(2, len(lines))] {
		if len(l) > 0 && l[0] == '#' {
			if m := codingRE().FindSubmatch(l); m != nil {
				return string(m[1]), i + 1
			}
		}
	}
	return "", 0
}

// decodeAs decodes data from the named encoding (Python's codec names).
func decodeAs(data []byte, enc string) (string, error) {
	name := pythonCodecName(enc)
	switch name {
	case "", "utf_8", "utf8", "u8", "utf", "utf8_ucs2", "utf8_ucs4", "cp65001", "utf_8_sig", "utf8_sig", "ascii", "us_ascii", "us", "646", "cp367", "ibm367", "csascii", "iso646_us", "ansi_x3.4_1968", "ansi_x3_4_1968", "ansi_x3.4_1986", "iso_646.irv_1991", "iso_ir_6":
		return string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), nil
	case "latin_1", "latin1", "latin", "l1", "iso8859_1", "iso_8859_1", "iso_8859_1_1987", "iso8859", "8859", "cp819", "ibm819", "csisolatin1", "iso_ir_100":
		runes := make([]rune, len(data))
		for i, b := range data {
			runes[i] = rune(b)
		}
		return string(runes), nil
	}
	e := pythonCodec(name)
	if e == nil {
		e = pythonCodec(strings.ReplaceAll(name, ".", "_"))
	}
	if e == nil {
		return "", fmt.Errorf("declared encoding %q is not supported", Quote(enc))
	}
	out, err := e.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("not valid %s text: %w", Quote(enc), err)
	}
	return string(out), nil
}

// checkText refuses binary input (a NUL byte, invalid UTF-8) and lines
// longer than MaxLineLength, naming the first offending line.
func checkText(name string, text string) error {
	line := 1
	for start := 0; start <= len(text); {
		end := strings.IndexAny(text[start:], "\r\n")
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		l := text[start:end]
		switch {
		case strings.IndexByte(l, 0) >= 0:
			return &Error{File: name, Line: line, Msg: "binary data (a NUL byte): not a requirements file"}
		case !utf8.ValidString(l):
			return &Error{File: name, Line: line, Msg: "not UTF-8 text (binary data, or an encoding without a byte-order mark or coding line)"}
		case len(l) > MaxLineLength:
			return &Error{File: name, Line: line, Msg: fmt.Sprintf("line is %d bytes, more than the %d-byte limit", len(l), MaxLineLength)}
		}
		if end == len(text) {
			break
		}
		if text[end] == '\r' && end+1 < len(text) && text[end+1] == '\n' {
			end++
		}
		start = end + 1
		line++
	}
	return nil
}

// Quote returns s for an error message, cut to MaxQuote bytes (at a rune
// boundary) with the number of bytes left out.
func Quote(s string) string {
	if len(s) <= MaxQuote {
		return s
	}
	cut := MaxQuote
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}

// clipMiddle shortens s to about max bytes by cutting out its middle.
func clipMiddle(s string, max int) string {
	if len(s) <= max {
		return s
	}
	head, tail := max/2, max/2
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return fmt.Sprintf("%s… (%d bytes left out) …%s", s[:head], start-head, s[start:])
}
