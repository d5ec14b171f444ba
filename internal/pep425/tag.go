package pep425

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Tag is one PEP 425 compatibility tag.
type Tag struct{ Interpreter, ABI, Platform string }

// String returns the tag as interpreter-abi-platform.
func (t Tag) String() string {
	return t.Interpreter + "-" + t.ABI + "-" + t.Platform
}

// ErrInvalidTag is wrapped by every error ParseTag returns
// (packaging's InvalidTag).
var ErrInvalidTag = errors.New("invalid tag")

// ErrUnsortedTag is wrapped (together with ErrInvalidTag) when a compressed
// tag set is not in sorted order and order validation was requested.
var ErrUnsortedTag = errors.New("compressed tag set components must be in sorted order")

// TagError describes a tag text that does not parse. It wraps ErrInvalidTag,
// and ErrUnsortedTag for an order failure.
type TagError struct {
	Input    string // the text as given
	Msg      string // what is wrong
	Unsorted bool   // the order rule failed
}

func (e *TagError) Error() string { return fmt.Sprintf("invalid tag %q: %s", e.Input, e.Msg) }

// Unwrap returns ErrInvalidTag, and ErrUnsortedTag for an order failure.
func (e *TagError) Unwrap() []error {
	if e.Unsorted {
		return []error{ErrInvalidTag, ErrUnsortedTag}
	}
	return []error{ErrInvalidTag}
}

// tagParts is the number of '-'-separated parts of a (compressed) tag.
const tagParts = 3

// MaxTags bounds the tags one compressed tag set may expand to. The
// expansion is a cross product, so a wheel file name of a few KiB on a
// hostile page would otherwise expand to millions of tags (200 names in
// each list: 8 million tags, 8 s); real wheels expand to a few dozen.
const MaxTags = 1024

// ParseTag expands a compressed tag text such as "py2.py3-none-any" into its
// tags, in expansion order (interpreter, then ABI, then platform), without
// duplicates. The text is lower-cased first. See the package comment for
// the rules; every error wraps ErrInvalidTag.
func ParseTag(s string) ([]Tag, error) {
	return ParseCompressedTag(s, false)
}

// ParseCompressedTag is ParseTag, optionally also requiring every
// '.'-joined list to be sorted (the wheel filename rule). An order failure
// wraps both ErrInvalidTag and ErrUnsortedTag.
func ParseCompressedTag(s string, validateOrder bool) ([]Tag, error) {
	if t, ok := singleTag(s); ok {
		return []Tag{t}, nil
	}
	return expandTag(s, validateOrder)
}

// singleTag parses the common shape of a wheel's tag, one interpreter, one
// ABI and one platform ("py3-none-any"), as expandTag would, with none of
// its splitting and duplicate set. It reports false for anything else
// (a '.', not exactly three parts, an empty part, an interpreter that is
// not an identifier, an upper-case or non-ASCII byte), which expandTag
// then parses or refuses. A single tag is trivially in sorted order.
func singleTag(s string) (Tag, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c >= utf8RuneSelf || 'A' <= c && c <= 'Z' {
			return Tag{}, false
		}
	}
	interp, rest, ok1 := strings.Cut(s, "-")
	abi, platform, ok2 := strings.Cut(rest, "-")
	if !ok1 || !ok2 || abi == "" || platform == "" || strings.Contains(platform, "-") || !isIdentifier(interp) {
		return Tag{}, false
	}
	return Tag{interp, abi, platform}, true
}

// expandTag is ParseCompressedTag for any text.
func expandTag(s string, validateOrder bool) ([]Tag, error) {
	lower := strings.ToLower(s)
	parts := strings.Split(lower, "-")
	if len(parts) != tagParts {
		return nil, &TagError{Input: s, Msg: fmt.Sprintf("want %d '-'-separated parts (interpreter-abi-platform), got %d", tagParts, len(parts))}
	}
	var fields [tagParts][]string
	for i, p := range parts {
		fields[i] = strings.Split(p, ".")
		for _, f := range fields[i] {
			if f == "" {
				return nil, &TagError{Input: s, Msg: "empty " + partNames[i] + " component"}
			}
		}
	}
	if validateOrder {
		for i, fs := range fields {
			if !slices.IsSorted(fs) {
				return nil, &TagError{Input: s, Unsorted: true, Msg: fmt.Sprintf("%s list %q is not in sorted order", partNames[i], parts[i])}
			}
		}
	}
	for _, interp := range fields[0] {
		if !isIdentifier(interp) {
			return nil, &TagError{Input: s, Msg: fmt.Sprintf("interpreter %q is not an identifier", interp)}
		}
	}
	// Each list is checked first, so that the product cannot overflow.
	n := len(fields[0]) * len(fields[1]) * len(fields[2])
	if len(fields[0]) > MaxTags || len(fields[1]) > MaxTags || len(fields[2]) > MaxTags || n > MaxTags {
		return nil, &TagError{Input: s, Msg: fmt.Sprintf("expands to more than MaxTags (%d) tags", MaxTags)}
	}
	tags := make([]Tag, 0, n)
	seen := make(map[Tag]struct{}, n)
	for _, i := range fields[0] {
		for _, a := range fields[1] {
			for _, p := range fields[2] {
				t := Tag{i, a, p}
				if _, dup := seen[t]; dup {
					continue
				}
				seen[t] = struct{}{}
				tags = append(tags, t)
			}
		}
	}
	return tags, nil
}

var partNames = [tagParts]string{"interpreter", "abi", "platform"}

// isIdentifier reports whether s is a Python identifier (str.isidentifier).
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r < utf8RuneSelf {
			ok := r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || (i > 0 && '0' <= r && r <= '9')
			if !ok {
				return false
			}
			continue
		}
		if i == 0 && !isIDStart(r) || i > 0 && !isIDContinue(r) {
			return false
		}
	}
	return true
}

const utf8RuneSelf = 0x80

// isIDStart implements the Unicode ID_Start property.
func isIDStart(r rune) bool {
	if unicode.Is(unicode.Pattern_Syntax, r) || unicode.Is(unicode.Pattern_White_Space, r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_ID_Start, r)
}

// isIDContinue implements the Unicode ID_Continue property.
func isIDContinue(r rune) bool {
	if isIDStart(r) {
		return true
	}
	if unicode.Is(unicode.Pattern_Syntax, r) || unicode.Is(unicode.Pattern_White_Space, r) {
		return false
	}
	return unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue)
}
