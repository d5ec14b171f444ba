package simpleapi

// Fast answers for the json.RawMessage fields of a PEP 691 file ("yanked",
// "core-metadata"): after the page decode, ParseJSON used to call
// json.Unmarshal two or three times per file to learn their type, which
// cost more than decoding the page. These helpers recognise the usual
// shapes with the fast decoder of jsonfast.go and report false for
// anything else, which ParseJSON then hands to encoding/json as before.
// A raw value has no surrounding white space (encoding/json and
// decodeJSONPage both trim it), so a value is recognised only when it
// spans the whole input.

// rawJSONBool reads true, false or null (which json.Unmarshal into a bool
// accepts and leaves false).
func rawJSONBool(raw []byte) (value, ok bool) {
	switch string(raw) {
	case "true":
		return true, true
	case "false", "null":
		return false, true
	}
	return false, false
}

// rawJSONString reads a JSON string as json.Unmarshal into a string would.
func rawJSONString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	d := fastDecoder{data: raw, str: sharedString(raw)}
	s, ok := d.string()
	if !ok || d.pos != len(raw) {
		return "", false
	}
	return s, true
}

// rawJSONHashes reads an object of strings (or null, as a nil map) as
// json.Unmarshal into a map[string]string would; objects with a repeated
// key are left to encoding/json.
func rawJSONHashes(raw []byte) (map[string]string, bool) {
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != 'n') {
		return nil, false
	}
	d := fastDecoder{data: raw, str: sharedString(raw)}
	var m map[string]string
	if !d.hashes(&m) || d.pos != len(raw) {
		return nil, false
	}
	return m, true
}
