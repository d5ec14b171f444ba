package pep508

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ParseError reports text that is not a valid requirement or marker.
type ParseError struct {
	Input string // the whole text given to the parser
	Pos   int    // byte offset into Input where the problem starts
	Msg   string // what was expected, e.g. "expected comma between extra names"
	Err   error  // underlying cause (e.g. a pep440 error), if any
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("pep508: %q column %d: %s", e.Input, e.Column(), e.Msg)
}

// Column is the 1-based character (not byte) column of Pos.
func (e *ParseError) Column() int {
	pos := min(max(e.Pos, 0), len(e.Input))
	return utf8.RuneCountInString(e.Input[:pos]) + 1
}

func (e *ParseError) Unwrap() error { return e.Err }

var (
	// ErrUndefinedComparison is returned (wrapped) when a marker compares
	// values with an operator that has no meaning for them, e.g.
	// os_name ~= "posix", or a set-valued variable with ==.
	ErrUndefinedComparison = errors.New("undefined comparison")
	// ErrUndefinedEnvironmentName is returned (wrapped) when a marker names a
	// variable the environment does not define.
	ErrUndefinedEnvironmentName = errors.New("undefined environment name")
)
