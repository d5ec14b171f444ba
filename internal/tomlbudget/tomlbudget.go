// Package tomlbudget is the one door through which pyward decodes TOML
// (pyproject.toml, pylock.toml, uv.lock, poetry.lock, pdm.lock): Check holds
// a document to named limits before the TOML library sees it, and Decode
// then decodes it with github.com/BurntSushi/toml.
//
// # Why a budget
//
// The library keeps the full key path of the value it is parsing and, for
// every key part, copies that path and renders it to a string several times
// (parser.addContext, setValue, setType, addImplicit, Key.String). A key
// therefore costs time in proportion to its depth, and a dotted key costs
// that once per part: n bytes nested n deep cost about n², a dotted key of n
// parts about n³. Unchecked (wall time on the shared 2-core machine):
//
//	x = {a = {a = ... 1}}     (inline tables)  10 KB: 2.1 s   20 KB: 4.7 s
//	x = [{a = [{a = ... 1}]}] (arrays of them) 10 KB: 0.45 s  20 KB: 2.3 s
//	x.a.a.a ... .a = 1        (one dotted key) 10 KB: 1.1 s   20 KB: 12 s
//
// Within a bounded depth the cost is linear, about a few microseconds per
// key whatever its shape, so the number of keys bounds the time too.
//
// # Limits
//
// Check enforces, in one pass over the bytes (strings and comments are
// recognised, so brackets and dots inside them do not count):
//
//   - MaxSize: a document is at most 8 MiB.
//   - MaxDepth: a key is at most 16 parts deep, counting the parts of the
//     [table] or [[array.of.tables]] header it is in, each dotted part of
//     each key on the way, inline tables included: in [a.b] c.d = {e = 1},
//     e is 5 deep. Real files stay below 10 (in
//     [tool.poetry.group.dev.dependencies], x = {extras = ["a"]} puts
//     extras at 7).
//   - MaxArrayDepth: arrays nest at most 16 deep (real files: 2).
//   - MaxKeyLen: a key part is at most 1 KiB as written (real keys are names
//     and paths), so that the path strings the decoder builds stay short.
//   - MaxKeys: at most 150,000 key parts, arrays and inline tables in all.
//     A realistic 1 MB poetry.lock holds about 26,000, so real locks up to
//     about 5 MB fit; at the limit, the most expensive shapes found (dotted
//     keys 16 parts deep, nested inline tables) decode in 0.8-1.0 s of CPU
//     on the loaded 2-core machine, simple ones in 0.1-0.5 s.
//
// The check is deliberately coarse: it does not validate TOML, but on every
// valid document (and every valid prefix, since the decoder stops at the
// first error) it counts at least what the decoder will build (FuzzCheck
// holds it to that). Syntax errors are left to the decoder, which reports
// them with line and column.
//
// # Errors
//
// Every error from Check, Decode and ReadFile is an *Error naming the file
// and, where known, the line; a limit error names the limit (as
// "tomlbudget.MaxDepth") and unwraps to ErrLimit.
package tomlbudget

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Limits on a TOML document; see the package comment.
const (
	MaxSize       = 8 << 20
	MaxDepth      = 16
	MaxArrayDepth = 16
	MaxKeyLen     = 1 << 10
	MaxKeys       = 150_000
)

// MaxParseTime is what decoding any document under 1 MiB within the limits
// may take at most; the fuzz target of every TOML entry point fails above
// it, and so do those of pyward's other parsers of untrusted input (see
// budgettest).
const MaxParseTime = time.Second

// ErrLimit is wrapped by every error for a document over a limit.
var ErrLimit = errors.New("over a TOML input limit")

// Error is a TOML document that was refused (Limit != "") or that the
// decoder rejected.
type Error struct {
	File  string
	Line  int    // 1-based; 0 when unknown
	Col   int    // 1-based; 0 when unknown
	Limit string // "MaxSize", "MaxDepth" or "MaxKeyLen"; "" for syntax errors
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrLimit for limit errors.
func (e *Error) Unwrap() error {
	if e.Limit != "" {
		return ErrLimit
	}
	return nil
}

// Decode checks data (file names it in errors) and decodes it into v.
func Decode(file string, data []byte, v any) (toml.MetaData, error) {
	if err := Check(file, data); err != nil {
		return toml.MetaData{}, err
	}
	md, err := toml.Decode(string(data), v)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return md, &Error{File: file, Line: pe.Position.Line, Col: pe.Position.Col, Msg: pe.Message}
		}
		return md, &Error{File: file, Msg: err.Error()}
	}
	return md, nil
}

// ReadFile reads the file at path, refusing one larger than MaxSize without
// reading more than MaxSize+1 bytes of it.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxSize {
		return nil, sizeErr(path, MaxSize)
	}
	return data, nil
}

func sizeErr(file string, max int) *Error {
	return &Error{File: file, Limit: "MaxSize", Msg: fmt.Sprintf("file is larger than the limit of %d bytes (tomlbudget.MaxSize)", max)}
}

// limits are the values Check enforces; tests use smaller ones to reach
// them with small inputs.
type limits struct {
	size, depth, arrayDepth, keyLen, keys int
}

var defaultLimits = limits{size: MaxSize, depth: MaxDepth, arrayDepth: MaxArrayDepth, keyLen: MaxKeyLen, keys: MaxKeys}

// Check reports whether data is within the limits of the package comment.
func Check(file string, data []byte) error {
	return check(file, data, defaultLimits)
}

func check(file string, data []byte, lim limits) error {
	if len(data) > lim.size {
		return sizeErr(file, lim.size)
	}
	s := &scanner{file: file, data: data, line: 1, lim: lim}
	return s.run()
}

// What the scanner expects next.
const (
	wantKey   = iota // a key, a [header] at top level, or '}' in an inline table
	wantValue        // a value after '=' or in an array
	wantSep          // after a value: newline at top level, ',' or a closing bracket
)

// frame is an open array ('[') or inline table ('{') and the depth it adds.
type frame struct {
	kind  byte
	added int
}

type scanner struct {
	file   string
	data   []byte
	i      int
	line   int
	lim    limits
	depth  int // key parts of the current table header and every open frame
	arrays int // open arrays
	keys   int // key parts, arrays and inline tables so far
	stack  []frame
}

// count adds n to the keys counted against MaxKeys.
func (s *scanner) count(n int) error {
	s.keys += n
	if s.keys > s.lim.keys {
		return s.limitErr("MaxKeys", "TOML document has more than %d keys, arrays and inline tables (tomlbudget.MaxKeys)", s.lim.keys)
	}
	return nil
}

func (s *scanner) limitErr(limit string, format string, args ...any) error {
	return &Error{File: s.file, Line: s.line, Limit: limit, Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) depthErr(depth int) error {
	return s.limitErr("MaxDepth", "TOML key nested %d parts deep, over the limit of %d (tomlbudget.MaxDepth)", depth, s.lim.depth)
}

func (s *scanner) top() byte {
	if len(s.stack) == 0 {
		return 0
	}
	return s.stack[len(s.stack)-1].kind
}

func (s *scanner) push(kind byte, added int) error {
	if err := s.count(1); err != nil {
		return err
	}
	s.stack = append(s.stack, frame{kind, added})
	s.depth += added
	if s.depth > s.lim.depth {
		return s.depthErr(s.depth)
	}
	if kind == '[' {
		s.arrays++
		if s.arrays > s.lim.arrayDepth {
			return s.limitErr("MaxArrayDepth", "TOML arrays nested %d deep, over the limit of %d (tomlbudget.MaxArrayDepth)", s.arrays, s.lim.arrayDepth)
		}
	}
	return nil
}

func (s *scanner) pop() {
	f := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	s.depth -= f.added
	if f.kind == '[' {
		s.arrays--
	}
	s.i++
}

// run scans the document. Bytes that cannot appear where they are in valid
// TOML are skipped one at a time: the decoder stops at the first of them, so
// what follows never reaches it.
func (s *scanner) run() error {
	state := wantKey
	keyParts := 0 // parts of the key whose value is being scanned
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch c {
		case ' ', '\t', '\r':
			s.i++
			continue
		case '\n':
			s.line++
			s.i++
			if len(s.stack) == 0 {
				state = wantKey
			}
			continue
		case '#':
			s.comment()
			continue
		}
		top := s.top()
		switch state {
		case wantKey:
			switch {
			case top == 0 && c == '[':
				if err := s.header(); err != nil {
					return err
				}
			case top == '{' && c == '}':
				s.pop()
				state = wantSep
			case top == '{' && c == ',':
				s.i++
			default:
				start := s.i
				parts, err := s.key()
				if err != nil {
					return err
				}
				if s.i < len(s.data) && s.data[s.i] == '=' {
					s.i++
					if d := s.depth + parts; d > s.lim.depth {
						return s.depthErr(d)
					}
					keyParts, state = parts, wantValue
				} else if s.i == start {
					s.i++
				}
			}
		case wantValue:
			switch c {
			case '"', '\'':
				s.str()
				state = wantSep
			case '[':
				s.i++
				if err := s.push('[', keyParts); err != nil {
					return err
				}
				keyParts = 0
			case '{':
				s.i++
				if err := s.push('{', keyParts); err != nil {
					return err
				}
				keyParts, state = 0, wantKey
			case ']':
				if top == '[' {
					s.pop() // empty array or trailing comma
					state = wantSep
				} else {
					s.i++
				}
			default:
				s.scalar()
				state = wantSep
			}
		case wantSep:
			switch {
			case c == ',' && top == '[':
				s.i++
				state = wantValue
			case c == ',' && top == '{':
				s.i++
				state = wantKey
			case c == ']' && top == '[', c == '}' && top == '{':
				s.pop()
			default:
				s.i++
			}
		}
	}
	return nil
}

// header scans "[a.b]" or "[[a.b]]" and makes its parts the depth of the
// keys that follow.
func (s *scanner) header() error {
	s.i++
	if s.i < len(s.data) && s.data[s.i] == '[' {
		s.i++
	}
	parts, err := s.key()
	if err != nil {
		return err
	}
	if parts > s.lim.depth {
		return s.depthErr(parts)
	}
	s.depth = parts
	for s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
	}
	return nil
}

// key scans a possibly dotted key up to the first byte that cannot be part
// of one, and returns its number of parts.
func (s *scanner) key() (int, error) {
	parts, partLen := 1, 0
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == ' ' || c == '\t':
			s.i++
		case c == '.':
			parts++
			partLen = 0
			s.i++
		case c == '"' || c == '\'':
			start := s.i
			s.str()
			partLen += s.i - start
		case c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80:
			s.i++
			partLen++
		default:
			return parts, s.count(parts)
		}
		if partLen > s.lim.keyLen {
			return 0, s.limitErr("MaxKeyLen", "TOML key part over the limit of %d bytes (tomlbudget.MaxKeyLen)", s.lim.keyLen)
		}
	}
	return parts, s.count(parts)
}

// str skips a string of any of the four kinds, counting the lines of
// multi-line strings. An unterminated single-line string ends at the line's
// end.
func (s *scanner) str() {
	q := s.data[s.i]
	if s.i+2 < len(s.data) && s.data[s.i+1] == q && s.data[s.i+2] == q {
		s.i += 3
		for s.i < len(s.data) {
			c := s.data[s.i]
			switch {
			case c == '\n':
				s.line++
			case c == '\\' && q == '"':
				s.i++
				if s.i < len(s.data) && s.data[s.i] == '\n' {
					s.line++
				}
			case c == q && s.i+2 < len(s.data) && s.data[s.i+1] == q && s.data[s.i+2] == q:
				s.i += 3
				// Up to two more quotes belong to the content ("""a"""" is a").
				for n := 0; n < 2 && s.i < len(s.data) && s.data[s.i] == q; n++ {
					s.i++
				}
				return
			}
			s.i++
		}
		return
	}
	s.i++
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '\n':
			return
		case c == '\\' && q == '"':
			s.i++
			if s.i < len(s.data) && s.data[s.i] == '\n' {
				return
			}
		case c == q:
			s.i++
			return
		}
		s.i++
	}
}

// scalar skips a number, boolean or date-time (which may contain a space).
func (s *scanner) scalar() {
	start := s.i
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ',', ']', '}', '#', '\n':
			if s.i == start {
				s.i++
			}
			return
		}
		s.i++
	}
}

func (s *scanner) comment() {
	for s.i < len(s.data) && s.data[s.i] != '\n' {
		s.i++
	}
}
