package install

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RecordEntry is one row of a RECORD file ("Recording installed projects"):
// a path relative to the directory holding the .dist-info directory, the
// hash as "algorithm=urlsafe-base64-nopad" ("" when omitted) and the size
// (-1 when omitted).
type RecordEntry struct {
	Path string
	Hash string
	Size int64
}

// RecordError is a malformed RECORD row.
type RecordError struct {
	Line int // 1-based
	Msg  string
}

func (e *RecordError) Error() string { return fmt.Sprintf("RECORD:%d: %s", e.Line, e.Msg) }

// ParseRecord parses a RECORD file: CSV rows of path, hash, size. Rows with
// fewer than three fields are errors; more are tolerated as pip does. Empty
// hash and size are allowed (RECORD itself, .pyc files); a hash must be
// algorithm=digest, a size a non-negative integer.
//
// A file without quotes or carriage returns (every RECORD pyward writes,
// and most others) is split on newlines and commas directly, which reads it
// as encoding/csv does (empty lines skipped) at a fraction of the cost: a
// sync that changes nothing parses the record of every installed
// distribution. Any other file goes through encoding/csv.
func ParseRecord(data []byte) ([]RecordEntry, error) {
	if needsRecordCSV(data) {
		return parseRecordCSV(data)
	}
	text := string(data) // one copy; the entries' strings share it
	out := make([]RecordEntry, 0, strings.Count(text, "\n")+1)
	err := eachRecordRow(text, func(e RecordEntry) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// needsRecordCSV reports whether a RECORD must be read by encoding/csv
// (it has quotes or carriage returns) rather than by eachRecordRow.
func needsRecordCSV(data []byte) bool {
	return bytes.IndexByte(data, '"') >= 0 || bytes.IndexByte(data, '\r') >= 0
}

// eachRecordRow calls fn with each row of text, a RECORD without quotes or
// carriage returns, in order; it stops at the first malformed row or error
// of fn.
func eachRecordRow(text string, fn func(RecordEntry) error) error {
	var fields [3]string
	line := 0
	for len(text) > 0 {
		row, rest, _ := strings.Cut(text, "\n")
		text = rest
		line++
		if row == "" {
			continue
		}
		// The first three fields; more are tolerated and ignored.
		n := 0
		for n < len(fields) {
			f, more, found := strings.Cut(row, ",")
			fields[n] = f
			n++
			if !found {
				break
			}
			row = more
		}
		e, err := recordRow(line, fields[:n])
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// parseRecordCSV is ParseRecord through encoding/csv (quoted fields, CR LF).
func parseRecordCSV(data []byte) ([]RecordEntry, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var out []RecordEntry
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &RecordError{Line: pe.Line, Msg: pe.Err.Error()}
			}
			return nil, &RecordError{Msg: err.Error()}
		}
		line, _ := r.FieldPos(0)
		if len(row) == 1 && row[0] == "" {
			continue
		}
		e, err := recordRow(line, row)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
}

// recordRow checks the fields of the RECORD row on line and returns its
// entry.
func recordRow(line int, row []string) (RecordEntry, error) {
	if len(row) < 3 {
		return RecordEntry{}, &RecordError{Line: line, Msg: fmt.Sprintf("want 3 fields (path,hash,size), got %d", len(row))}
	}
	e := RecordEntry{Path: row[0], Hash: row[1], Size: -1}
	if e.Path == "" {
		return RecordEntry{}, &RecordError{Line: line, Msg: "empty path"}
	}
	if e.Hash != "" {
		if err := checkRecordHash(e.Hash); err != nil {
			return RecordEntry{}, &RecordError{Line: line, Msg: err.Error()}
		}
	}
	if row[2] != "" {
		n, err := strconv.ParseInt(row[2], 10, 64)
		if err != nil || n < 0 {
			return RecordEntry{}, &RecordError{Line: line, Msg: fmt.Sprintf("size %q is not a non-negative integer", row[2])}
		}
		e.Size = n
	}
	return e, nil
}

// digestSizes are the accepted RECORD hash algorithms (sha256 or stronger,
// as the binary distribution format requires) and their digest lengths.
var digestSizes = map[string]int{"sha256": 32, "sha384": 48, "sha512": 64}

// checkRecordHash is decodeRecordHash without the digest, and without
// allocating: a digest of the right size is exactly an unpadded encoding of
// the right length in the URL-safe alphabet.
func checkRecordHash(s string) error {
	alg, enc, _ := strings.Cut(s, "=")
	enc = strings.TrimRight(enc, "=")
	size, known := digestSizes[alg]
	if !known || len(enc) != base64.RawURLEncoding.EncodedLen(size) || strings.ContainsAny(enc, "\r\n") {
		_, _, err := decodeRecordHash(s) // the error, or the decoder's own reading of line breaks
		return err
	}
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("hash %q is not a urlsafe-base64 %s digest", s, alg)
		}
	}
	return nil
}

func decodeRecordHash(s string) (alg string, digest []byte, err error) {
	alg, enc, ok := strings.Cut(s, "=")
	if !ok {
		return "", nil, fmt.Errorf("hash %q is not algorithm=digest", s)
	}
	size, known := digestSizes[alg]
	if !known {
		return "", nil, fmt.Errorf("hash algorithm %q not accepted (want sha256, sha384 or sha512)", alg)
	}
	// Some tools pad; the spec says no padding. Accept both.
	digest, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(enc, "="))
	if err != nil || len(digest) != size {
		return "", nil, fmt.Errorf("hash %q is not a urlsafe-base64 %s digest", s, alg)
	}
	return alg, digest, nil
}

// FormatRecord writes entries as RECORD CSV (quoted where needed, LF line
// ends as pip writes).
func FormatRecord(entries []RecordEntry) []byte {
	n := 0
	for _, e := range entries {
		n += len(e.Path) + len(e.Hash) + 24
	}
	b := make([]byte, 0, n)
	var quoted bytes.Buffer
	for _, e := range entries {
		if needsQuotes(e.Path) || needsQuotes(e.Hash) {
			// The rare row that needs quoting is written by encoding/csv,
			// which the other rows are written as.
			quoted.Reset()
			w := csv.NewWriter(&quoted)
			size := ""
			if e.Size >= 0 {
				size = strconv.FormatInt(e.Size, 10)
			}
			_ = w.Write([]string{e.Path, e.Hash, size}) // writes to a bytes.Buffer cannot fail
			w.Flush()
			b = append(b, quoted.Bytes()...)
			continue
		}
		// One row at a time through encoding/csv was most of the cost
		// of writing RECORD and pyward's record, which list every file.
		b = append(b, e.Path...)
		b = append(b, ',')
		b = append(b, e.Hash...)
		b = append(b, ',')
		if e.Size >= 0 {
			b = strconv.AppendInt(b, e.Size, 10)
		}
		b = append(b, '\n')
	}
	return b
}

// needsQuotes reports whether encoding/csv would quote field (its
// fieldNeedsQuotes): a comma, quote, CR or LF, a leading space, or `\.`.
func needsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` || strings.ContainsAny(field, ",\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r)
}
