package dist

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pyward/pyward/internal/pep440"
)

// SdistName is a parsed source distribution filename.
type SdistName struct {
	Name    string // PEP 503 normal form
	Version pep440.Version
}

// ParseSdistName parses a source distribution filename ending in ".tar.gz"
// or ".zip". Errors are *FilenameError wrapping ErrInvalidSdistFilename and
// the rule broken.
func ParseSdistName(filename string) (SdistName, error) {
	fail := func(rule error, detail string, cause error) (SdistName, error) {
		return SdistName{}, &FilenameError{Filename: filename, Kind: Sdist, Rule: rule, Detail: detail, Err: cause}
	}
	stem, ok := strings.CutSuffix(filename, tarGzExt)
	if !ok {
		stem, ok = strings.CutSuffix(filename, zipExt)
	}
	if !ok {
		return fail(ErrExtension, "want "+tarGzExt+" or "+zipExt, nil)
	}
	i := strings.LastIndexByte(stem, '-')
	if i < 0 {
		return fail(ErrNoSeparator, "want name-version", nil)
	}
	name, vtext := stem[:i], stem[i+1:]
	if name == "" {
		return fail(ErrEmptyName, "", nil)
	}
	version, err := pep440.Parse(vtext)
	if err != nil {
		return fail(ErrVersion, "", err)
	}
	return SdistName{Name: canonicalName(name), Version: version}, nil
}

// File is a parsed distribution filename of either kind.
type File struct {
	Kind    Kind
	Name    string // PEP 503 normal form
	Version pep440.Version
	Wheel   WheelName // set when Kind == Wheel
}

// ErrUnsupported is wrapped by ParseFilename's error for a filename that is
// neither a wheel nor a ".tar.gz"/".zip" sdist (eggs, installers, other
// archive formats).
var ErrUnsupported = errors.New("not a wheel or sdist filename")

// ParseFilename parses a wheel (without tag order validation, as pip does)
// or an sdist filename, chosen by extension. Other files give an error
// wrapping ErrUnsupported, with Kind Unknown.
func ParseFilename(filename string) (File, error) {
	switch {
	case strings.HasSuffix(filename, wheelExt):
		w, err := ParseWheelName(filename, false)
		if err != nil {
			return File{Kind: Wheel}, err
		}
		return File{Kind: Wheel, Name: w.Name, Version: w.Version, Wheel: w}, nil
	case strings.HasSuffix(filename, tarGzExt), strings.HasSuffix(filename, zipExt):
		s, err := ParseSdistName(filename)
		if err != nil {
			return File{Kind: Sdist}, err
		}
		return File{Kind: Sdist, Name: s.Name, Version: s.Version}, nil
	}
	return File{}, fmt.Errorf("distribution file %q: %w", filename, ErrUnsupported)
}
