package pep440

import (
	"fmt"
	"strings"
)

// ParseError reports text that is not a valid version, specifier or
// specifier set. Column is 1-based and counts bytes of Input; it is 0 when
// no single position is to blame.
type ParseError struct {
	Kind   string // "version", "specifier" or "specifier set"
	Input  string // the text as given
	Column int    // 1-based byte column of the problem, 0 if unknown
	Msg    string // what was expected
	Err    error  // underlying error (e.g. a member's ParseError), may be nil
}

func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid PEP 440 %s %q", e.Kind, e.Input)
	if e.Column > 0 {
		fmt.Fprintf(&b, " at column %d", e.Column)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *ParseError) Unwrap() error { return e.Err }
