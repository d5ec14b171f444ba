package dist

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
)

// Build is a wheel build tag, split into its leading number and the rest
// ("1000abc" is {1000, "abc"}).
type Build struct {
	Num int
	Tag string
}

// WheelName is a parsed wheel filename.
type WheelName struct {
	Name    string // PEP 503 normal form
	Version pep440.Version
	Build   *Build       // nil if the filename has no build tag
	Tags    []pep425.Tag // expanded tag set, in expansion order
}

// ParseWheelName parses a wheel filename (a base name, not a path). With
// validateOrder, compressed tag sets must be sorted. Errors are
// *FilenameError wrapping ErrInvalidWheelFilename and the rule broken.
func ParseWheelName(filename string, validateOrder bool) (WheelName, error) {
	fail := func(rule error, detail string, cause error) (WheelName, error) {
		return WheelName{}, &FilenameError{Filename: filename, Kind: Wheel, Rule: rule, Detail: detail, Err: cause}
	}
	stem, ok := strings.CutSuffix(filename, wheelExt)
	if !ok {
		return fail(ErrExtension, "want "+wheelExt, nil)
	}
	dashes := strings.Count(stem, "-")
	if dashes != wheelDashesNoBuild && dashes != wheelDashesBuild {
		return fail(ErrPartCount, fmt.Sprintf("want name-version[-build]-interpreter-abi-platform, found %d '-'", dashes), nil)
	}
	buf := splitWheelStem(stem, dashes)
	parts := buf[:dashes-1]
	if !validWheelName(parts[0]) {
		return fail(ErrProjectName, fmt.Sprintf("%q: want letters, digits, '_' and '.', without \"__\"", parts[0]), nil)
	}
	version, err := pep440.Parse(parts[1])
	if err != nil {
		return fail(ErrVersion, "", err)
	}
	var build *Build
	if dashes == wheelDashesBuild {
		build, err = parseBuild(parts[2])
		if err != nil {
			return fail(ErrBuildTag, fmt.Sprintf("%q: want a number, optionally followed by text", parts[2]), err)
		}
	}
	tags, err := pep425.ParseCompressedTag(parts[len(parts)-1], validateOrder)
	if err != nil {
		if errors.Is(err, pep425.ErrUnsortedTag) {
			return fail(ErrTagOrder, "", err)
		}
		return fail(ErrTag, "", err)
	}
	return WheelName{Name: canonicalName(parts[0]), Version: version, Build: build, Tags: tags}, nil
}

// splitWheelStem splits a stem with dashes '-' (wheelDashesNoBuild or
// wheelDashesBuild) as strings.SplitN(stem, "-", dashes-1) does:
// name-version[-build]-tags, the tags keeping their own two dashes. It
// fills an array rather than a new slice, as index pages give thousands of
// names to parse.
func splitWheelStem(stem string, dashes int) [wheelDashesBuild - 1]string {
	var parts [wheelDashesBuild - 1]string
	rest := stem
	for i := range dashes - 2 {
		parts[i], rest, _ = strings.Cut(rest, "-")
	}
	parts[dashes-2] = rest
	return parts
}

// validWheelName reports whether s matches packaging's [\w\d._]+ with no
// "__". Python's \w is str.isalnum() or '_': Unicode letters and numbers.
func validWheelName(s string) bool {
	if s == "" || strings.Contains(s, "__") {
		return false
	}
	for _, r := range s {
		if r != '_' && r != '.' && !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return false
		}
	}
	return true
}

var errBuildNoDigit = errors.New("build tag must start with a digit")

// parseBuild splits a build tag into its leading decimal number and the
// rest, as packaging's re.match(r"(\d+)(.*)") followed by int() does.
func parseBuild(s string) (*Build, error) {
	var digits strings.Builder
	end := 0
	for i, r := range s {
		d, ok := decimalValue(r)
		if !ok {
			break
		}
		digits.WriteByte(byte('0' + d))
		end = i + len(string(r))
	}
	if end == 0 {
		return nil, errBuildNoDigit
	}
	n, err := strconv.Atoi(digits.String())
	if err != nil {
		return nil, fmt.Errorf("build number %q: %w", s[:end], err)
	}
	rest := s[end:]
	// Python's "." does not match a line feed, so the text stops there.
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	return &Build{Num: n, Tag: rest}, nil
}

// decimalValue returns the value of a Unicode decimal digit (category Nd).
// Unicode assigns every Nd digit in contiguous runs of ten, zero first, so
// the value is the distance from the start of the run modulo ten.
func decimalValue(r rune) (int, bool) {
	if '0' <= r && r <= '9' {
		return int(r - '0'), true
	}
	if !unicode.IsDigit(r) {
		return 0, false
	}
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return int(r-start) % 10, true
}
