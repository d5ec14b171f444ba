// Fast path for decoding PEP 691 project pages.
//
// A warm lock (every page in the HTTP cache) spends most of its CPU in
// json.Unmarshal decoding cached project pages into jsonPage: a validating
// pre-scan of the whole document, reflection on every field, and one
// allocation per string and pointer. decodeJSONPage is a hand-written decoder
// for the shape those pages have, filling the same jsonPage with far less work.
//
// The contract: decodeJSONPage(data) either returns (doc, true), where doc is
// reflect.DeepEqual to what json.Unmarshal(data, &doc) produces in a zero
// jsonPage and json.Unmarshal would have returned no error; or it returns
// (jsonPage{}, false), "not handled", and the caller decodes with
// encoding/json, which then decides the result and every error message and
// offset. It declines rather than guess whenever encoding/json could decide
// differently from the obvious reading:
//
//   - the top-level value is not an object;
//   - any syntax error anywhere, including trailing non-whitespace data
//     (encoding/json rejects the whole document);
//   - a key repeated in an object that is decoded (the page, "meta", a file,
//     "hashes"): encoding/json merges repeats in ways not worth copying;
//   - a key of the page, "meta" or a file that contains an escape or a
//     non-ASCII byte, or that equals a known key only case-insensitively
//     (encoding/json matches struct keys case-insensitively, with Unicode
//     folding);
//   - a value of a JSON type the field cannot hold (e.g. a number for a
//     string), and a "size" that is not a plain integer fitting int64;
//   - nesting deeper than maxSkipDepth inside a skipped or raw value.
//
// Unknown keys are skipped after their values' syntax is fully validated;
// they are never stored, so their repeats do not matter. Strings without
// escapes that are valid UTF-8 are taken verbatim; any other string token is
// decoded by json.Unmarshal itself, so \uXXXX escapes, surrogate pairs and
// invalid UTF-8 (U+FFFD) come out exactly as encoding/json makes them.
// json.RawMessage fields get the value's bytes without surrounding
// whitespace (the literal null included), as encoding/json gives them, but
// alias data instead of copying it (capped, so an append cannot write into
// data); ParseJSON only reads them.
//
// Verbatim strings are substrings of one copy of the page, so a string kept
// from the result keeps that copy (the size of the page) alive.
//
// TestFastJSONPage and FuzzFastJSONPage (jsonfast_test.go) check the
// contract against encoding/json; TestFastJSONFieldNames checks that the
// field names below are jsonPage's and jsonFile's tags.

package simpleapi

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf8"
	"unsafe"
)

// maxSkipDepth bounds the nesting of arrays and objects inside a value that
// is skipped (an unknown key's) or kept raw (a json.RawMessage field). Deeper
// input is declined, so hostile nesting cannot exhaust the stack; PEP 691
// values nest one or two levels.
const maxSkipDepth = 64

// JSON keys of jsonPage, its Meta and jsonFile, in the order of the structs.
var (
	pageFields = []string{"meta", "name", "files", "versions", "project-status"}
	metaFields = []string{"api-version"}
	fileFields = []string{"filename", "url", "hashes", "requires-python", "yanked", "core-metadata", "data-dist-info-metadata", "size", "upload-time", "provenance"}
)

// plainByte[c] reports whether c may appear in a string that is copied
// verbatim without a closer look: printable ASCII other than '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// decodeJSONPage decodes a PEP 691 project page as json.Unmarshal would, or
// reports false for anything outside the common shape (see the top of this
// file).
func decodeJSONPage(data []byte) (jsonPage, bool) {
	d := fastDecoder{data: data}
	var doc jsonPage
	if !d.page(&doc) {
		return jsonPage{}, false
	}
	return doc, true
}

type fastDecoder struct {
	data []byte
	str  string // data as a string (sharedString): verbatim strings are substrings of it
	pos  int

	// Backing stores for *string and *int64 fields, allocated in chunks
	// instead of one allocation per pointer.
	strs []string
	ints []int64
}

func (d *fastDecoder) page(doc *jsonPage) bool {
	d.ws()
	if d.peek() != '{' {
		return false
	}
	d.str = sharedString(d.data)
	ok := d.object(pageFields, func(name string) bool {
		switch name {
		case "meta":
			switch d.peek() {
			case 'n': // null leaves a struct as it is
				return d.literal("null")
			case '{':
				return d.object(metaFields, func(string) bool { return d.stringField(&doc.Meta.APIVersion) })
			}
			return false
		case "name":
			return d.stringField(&doc.Name)
		case "files":
			return d.files(&doc.Files)
		case "versions":
			return d.versions(&doc.Versions)
		case "project-status":
			return d.raw(&doc.ProjectStatus)
		}
		return false
	})
	if !ok {
		return false
	}
	d.ws()
	return d.pos == len(d.data)
}

func (d *fastDecoder) file(f *jsonFile) bool {
	return d.object(fileFields, func(name string) bool {
		switch name {
		case "filename":
			return d.stringField(&f.Filename)
		case "url":
			return d.stringField(&f.URL)
		case "hashes":
			return d.hashes(&f.Hashes)
		case "requires-python":
			return d.stringPtr(&f.RequiresPython)
		case "yanked":
			return d.raw(&f.Yanked)
		case "core-metadata":
			return d.raw(&f.CoreMetadata)
		case "data-dist-info-metadata":
			return d.raw(&f.DistInfoMetadata)
		case "size":
			return d.int64Ptr(&f.Size)
		case "upload-time":
			return d.stringPtr(&f.UploadTime)
		case "provenance":
			return d.stringPtr(&f.Provenance)
		}
		return false
	})
}

// object parses an object decoded into a struct whose JSON keys are names
// (at most 32): field(name) parses the value of each known key; unknown keys'
// values are validated and skipped.
func (d *fastDecoder) object(names []string, field func(name string) bool) bool {
	if !d.consume('{') {
		return false
	}
	d.ws()
	if d.consume('}') {
		return true
	}
	var seen uint32
	for more := true; more; {
		key, ok := d.plainKey()
		if !ok {
			return false
		}
		d.ws()
		if !d.consume(':') {
			return false
		}
		d.ws()
		i := indexKey(names, key)
		switch {
		case i >= 0:
			if seen&(1<<i) != 0 {
				return false // repeated key
			}
			seen |= 1 << i
			if !field(names[i]) {
				return false
			}
		case foldsToKey(names, key):
			return false // encoding/json would decode it into that field
		default:
			if !d.skip(0) {
				return false
			}
		}
		if more, ok = d.afterMember('}'); !ok {
			return false
		}
	}
	return true
}

// afterMember consumes what follows an object member or array element:
// whitespace and ',' (more: another member must follow, and d is at it), or
// whitespace and the closing byte. Anything else is a syntax error.
func (d *fastDecoder) afterMember(closing byte) (more, ok bool) {
	d.ws()
	switch d.peek() {
	case ',':
		d.pos++
		d.ws()
		return true, true
	case closing:
		d.pos++
		return false, true
	}
	return false, false
}

func indexKey(names []string, key []byte) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	return -1
}

// foldsToKey reports whether the ASCII key equals one of names ignoring
// case, which is how encoding/json matches a key without an exact match.
func foldsToKey(names []string, key []byte) bool {
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return true
		}
	}
	return false
}

// plainKey parses an object key made only of plainByte bytes; any other key
// (escapes, non-ASCII, control bytes) is declined.
func (d *fastDecoder) plainKey() ([]byte, bool) {
	if d.peek() != '"' {
		return nil, false
	}
	start := d.pos + 1
	i := start
	for i < len(d.data) && plainByte[d.data[i]] {
		i++
	}
	if i == len(d.data) || d.data[i] != '"' {
		return nil, false
	}
	d.pos = i + 1
	return d.data[start:i], true
}

// stringField parses a string into *dst; null leaves *dst as it is, as
// encoding/json does for a string.
func (d *fastDecoder) stringField(dst *string) bool {
	switch d.peek() {
	case '"':
		s, ok := d.string()
		*dst = s
		return ok
	case 'n':
		return d.literal("null")
	}
	return false
}

// stringPtr parses a string into a new *dst, or null into nil.
func (d *fastDecoder) stringPtr(dst **string) bool {
	switch d.peek() {
	case '"':
		s, ok := d.string()
		if !ok {
			return false
		}
		if len(d.strs) == cap(d.strs) {
			d.strs = make([]string, 0, 32)
		}
		d.strs = append(d.strs, s)
		*dst = &d.strs[len(d.strs)-1]
		return true
	case 'n':
		*dst = nil
		return d.literal("null")
	}
	return false
}

// int64Ptr parses an integer that fits int64 into a new *dst, or null into
// nil. Fractions, exponents and out-of-range integers are declined
// (encoding/json reports an UnmarshalTypeError for them).
func (d *fastDecoder) int64Ptr(dst **int64) bool {
	if d.peek() == 'n' {
		*dst = nil
		return d.literal("null")
	}
	start := d.pos
	if !d.number() {
		return false
	}
	n, ok := parseJSONInt(d.data[start:d.pos])
	if !ok {
		return false
	}
	if len(d.ints) == cap(d.ints) {
		d.ints = make([]int64, 0, 32)
	}
	d.ints = append(d.ints, n)
	*dst = &d.ints[len(d.ints)-1]
	return true
}

// parseJSONInt returns the value of a syntactically valid JSON number if it
// is an integer in int64's range, as strconv.ParseInt(tok, 10, 64) would.
func parseJSONInt(tok []byte) (int64, bool) {
	neg := tok[0] == '-'
	digits := tok
	if neg {
		digits = tok[1:]
	}
	if len(digits) > 19 { // more than math.MaxInt64 has (JSON has no leading zeros)
		return 0, false
	}
	var u uint64 // 19 decimal digits fit
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false // fraction or exponent
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// raw validates any value and stores its bytes in *dst (a capped subslice
// of data; encoding/json would store a copy of the same bytes).
func (d *fastDecoder) raw(dst *json.RawMessage) bool {
	start := d.pos
	if !d.skip(0) {
		return false
	}
	*dst = d.data[start:d.pos:d.pos]
	return true
}

// hashes parses an object of strings into a new map, or null into nil. An
// empty object gives an empty non-nil map, a null value "".
func (d *fastDecoder) hashes(dst *map[string]string) bool {
	if null, ok := d.open('{'); null || !ok {
		*dst = nil
		return ok
	}
	m := make(map[string]string, 1)
	d.ws()
	for more := !d.consume('}'); more; {
		if d.peek() != '"' {
			return false
		}
		k, ok := d.string()
		if !ok {
			return false
		}
		d.ws()
		if !d.consume(':') {
			return false
		}
		d.ws()
		var v string
		if !d.stringField(&v) {
			return false
		}
		if _, dup := m[k]; dup {
			return false
		}
		m[k] = v
		if more, ok = d.afterMember('}'); !ok {
			return false
		}
	}
	*dst = m
	return true
}

// open reads null or the opening bracket of a collection.
func (d *fastDecoder) open(bracket byte) (null, ok bool) {
	switch d.peek() {
	case 'n':
		return true, d.literal("null")
	case bracket:
		d.pos++
		return false, true
	}
	return false, false
}

// files parses an array of file objects, or null into nil. An empty array
// gives an empty non-nil slice and a null element a zero jsonFile, as with
// encoding/json.
func (d *fastDecoder) files(dst *[]jsonFile) bool {
	if null, ok := d.open('['); null || !ok {
		*dst = nil
		return ok
	}
	files := []jsonFile{} // non-nil even if empty
	d.ws()
	for more := !d.consume(']'); more; {
		files = append(files, jsonFile{})
		switch d.peek() {
		case '{':
			start := d.pos
			if !d.file(&files[len(files)-1]) {
				return false
			}
			if len(files) == 1 { // make room for as many files as would be as long as the first
				files = slices.Grow(files, (len(d.data)-d.pos)/(d.pos-start+1))
			}
		case 'n':
			if !d.literal("null") {
				return false
			}
		default:
			return false
		}
		var ok bool
		if more, ok = d.afterMember(']'); !ok {
			return false
		}
	}
	*dst = files
	return true
}

// versions parses an array of strings, or null into nil; like files.
func (d *fastDecoder) versions(dst *[]string) bool {
	if null, ok := d.open('['); null || !ok {
		*dst = nil
		return ok
	}
	vs := []string{}
	d.ws()
	for more := !d.consume(']'); more; {
		var s string
		if !d.stringField(&s) {
			return false
		}
		vs = append(vs, s)
		var ok bool
		if more, ok = d.afterMember(']'); !ok {
			return false
		}
	}
	*dst = vs
	return true
}

// sharedString returns b's bytes as a string without copying them. The
// page's strings are substrings of its body, and a body of several
// kilobytes per project copied once more per page was a tenth of what a
// re-lock allocates; the caller of ParseJSON promises never to modify the
// body (see ParseJSON), which is what makes sharing its memory sound.
func sharedString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// string parses the string token at d.pos. The common case is a substring
// of d.str; a token with escapes or bytes that are not valid UTF-8 is
// decoded by json.Unmarshal.
func (d *fastDecoder) string() (string, bool) {
	start := d.pos
	i := start + 1
	for i < len(d.data) && plainByte[d.data[i]] {
		i++
	}
	if i < len(d.data) && d.data[i] == '"' {
		d.pos = i + 1
		return d.str[start+1 : i], true
	}
	end, ok := d.scanString(start)
	if !ok {
		return "", false
	}
	d.pos = end
	body := d.data[start+1 : end-1] // no control bytes: scanString checked
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return d.str[start+1 : end-1], true
	}
	var s string
	if json.Unmarshal(d.data[start:end], &s) != nil {
		return "", false
	}
	return s, true
}

// scanString validates the string token starting with the '"' at data[i]
// and returns the offset after its closing quote.
func (d *fastDecoder) scanString(i int) (int, bool) {
	data := d.data
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case plainByte[c], c >= utf8.RuneSelf: // any byte >= 0x80: encoding/json accepts invalid UTF-8
		case c == '"':
			return i + 1, true
		case c == '\\':
			i++
			if i == len(data) {
				return 0, false
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(data) || !isHex(data[i+1]) || !isHex(data[i+2]) || !isHex(data[i+3]) || !isHex(data[i+4]) {
					return 0, false
				}
				i += 4
			default:
				return 0, false
			}
		default: // control byte
			return 0, false
		}
	}
	return 0, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// skip validates the value at d.pos and moves past it; depth is the
// nesting of arrays and objects around it within the skipped value.
func (d *fastDecoder) skip(depth int) bool {
	switch c := d.peek(); c {
	case '"':
		end, ok := d.scanString(d.pos)
		d.pos = end
		return ok
	case '{', '[':
		if depth >= maxSkipDepth {
			return false
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		d.pos++
		d.ws()
		for more := !d.consume(closing); more; {
			if c == '{' {
				if d.peek() != '"' {
					return false
				}
				end, ok := d.scanString(d.pos)
				if !ok {
					return false
				}
				d.pos = end
				d.ws()
				if !d.consume(':') {
					return false
				}
				d.ws()
			}
			if !d.skip(depth + 1) {
				return false
			}
			var ok bool
			if more, ok = d.afterMember(closing); !ok {
				return false
			}
		}
		return true
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return d.number()
}

// number validates a JSON number at d.pos and moves past it. What follows
// is checked by the caller (a delimiter is needed: "01" fails there).
func (d *fastDecoder) number() bool {
	data, i := d.data, d.pos
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i == len(data):
		return false
	case data[i] == '0':
		i++
	case '1' <= data[i] && data[i] <= '9':
		i = skipDigits(data, i+1)
	default:
		return false
	}
	if i < len(data) && data[i] == '.' {
		j := skipDigits(data, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := skipDigits(data, i)
		if j == i {
			return false
		}
		i = j
	}
	d.pos = i
	return true
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	return i
}

func (d *fastDecoder) literal(lit string) bool {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(lit)) {
		return false
	}
	d.pos += len(lit)
	return true
}

// ws skips JSON whitespace.
func (d *fastDecoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the byte at d.pos, or 0 (never valid there) at the end.
func (d *fastDecoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *fastDecoder) consume(c byte) bool {
	if d.peek() == c {
		d.pos++
		return true
	}
	return false
}
