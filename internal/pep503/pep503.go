// Package pep503 implements project-name rules shared by every packaging
// standard: PEP 503 normalization and the PEP 508 name grammar.
//
// A valid name matches (case-insensitively)
//
//	^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$
//
// and its normalized form is the name lower-cased with every run of '-', '_'
// and '.' replaced by a single '-'. Normalize is applied even to invalid
// names, as pip and packaging do, so callers can compare whatever they read.
//
// Input limits: a name is a field of a larger document (a simple page, a
// lock, METADATA, a requirements line) and is bounded by that document's
// limit; Normalize and Valid are linear in the name.
package pep503

import "strings"

// Normalize returns the PEP 503 normalized form of name.
func Normalize(name string) string {
	if normalized(name) {
		return name // most names are compared already normalized: no copy
	}
	var b strings.Builder
	b.Grow(len(name))
	inSep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			if !inSep {
				b.WriteByte('-')
			}
			inSep = true
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		inSep = false
		b.WriteByte(c)
	}
	return b.String()
}

// Valid reports whether name matches the PEP 508 project-name grammar.
func Valid(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
		if alnum {
			continue
		}
		if i == 0 || i == len(name)-1 {
			return false
		}
		if c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// normalized reports whether Normalize(name) == name: no upper-case ASCII
// letter, no '_' or '.', and no "--".
func normalized(name string) bool {
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'A' <= c && c <= 'Z', c == '_', c == '.':
			return false
		case c == '-' && i > 0 && name[i-1] == '-':
			return false
		}
	}
	return true
}
