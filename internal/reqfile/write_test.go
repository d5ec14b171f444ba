// The writers below serve the round-trip tests of the parser only
// (Parse(Format(f)) keeps every requirement and option): pyward writes
// requirements files through lockfile, not from a parsed File.

package reqfile

import (
	"errors"
	"fmt"
	"strings"
)

// ErrConstraintsInline is returned by Format for a File with constraints:
// a requirements file can only name a constraints file with -c, so the
// caller writes the constraints with FormatRequirements to their own file.
var ErrConstraintsInline = errors.New("constraints cannot be written into a requirements file; write them to their own file and include it with -c")

// Format returns f as a requirements file: its file-level options, then
// its requirements, each in the hashed form of Requirement.Format. The
// nested -r/-c structure is not kept (the result is flat); option values
// and requirements are written as they were written in the file, so
// ${VAR} references (typically credentials in index URLs) are not expanded
// into the output. Parsing the result gives the same requirements and
// options.
func Format(f *File) ([]byte, error) {
	if len(f.Constraints) > 0 {
		return nil, ErrConstraintsInline
	}
	var b strings.Builder
	opt := func(name, value string) error {
		if value == "" {
			return fmt.Errorf("--%s with an empty value", name)
		}
		fmt.Fprintf(&b, "--%s %s\n", name, shellQuote(f.raw(name, value)))
		return nil
	}
	if f.IndexURL != "" {
		if err := opt("index-url", f.IndexURL); err != nil {
			return nil, err
		}
	}
	for _, group := range []struct {
		name   string
		values []string
	}{
		{"extra-index-url", f.ExtraIndexURLs},
		{"find-links", f.FindLinks},
		{"trusted-host", f.TrustedHosts},
		{"only-binary", f.OnlyBinary},
		{"no-binary", f.NoBinary},
	} {
		for _, v := range group.values {
			if err := opt(group.name, v); err != nil {
				return nil, err
			}
		}
	}
	for _, flag := range []struct {
		name string
		set  bool
	}{{"no-index", f.NoIndex}, {"pre", f.Pre}, {"prefer-binary", f.PreferBinary}, {"require-hashes", f.RequireHashes}} {
		if flag.set {
			fmt.Fprintf(&b, "--%s\n", flag.name)
		}
	}
	reqs, err := FormatRequirements(f.Requirements)
	if err != nil {
		return nil, err
	}
	b.Write(reqs)
	return []byte(b.String()), nil
}

// raw returns the value of option name as written in the file (with
// ${VAR} unexpanded) when the parse recorded one for value.
func (f *File) raw(name, value string) string {
	for _, o := range f.Options {
		if o.Name == name && o.Value == value && o.Raw != "" {
			return o.Raw
		}
	}
	return value
}

// FormatRequirements writes one requirement per entry in the form of
// Requirement.Format (usable for a constraints file too).
func FormatRequirements(reqs []Requirement) ([]byte, error) {
	var b strings.Builder
	for i := range reqs {
		s, err := reqs[i].Format()
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// hashIndent is the indentation of --hash continuation lines, as
// pip-compile writes them.
const hashIndent = "    "

// Format returns the requirement as requirements-file text without a
// trailing newline. With hashes it is the pip-compile form:
//
//	name==1.0 \
//	    --hash=sha256:... \
//	    --hash=sha256:...
//
// The requirement text is Raw when set (as written, ${VAR} unexpanded),
// else the normalized text of Req, else Link with extras and marker.
func (r *Requirement) Format() (string, error) {
	text := r.Raw
	if text == "" {
		switch {
		case r.Req != nil:
			text = r.Req.String()
		case r.Link != "":
			// A URL carries its extras in its #egg= fragment.
			text = r.Link
			if len(r.Extras) > 0 && !looksLikeURL(r.Link) {
				text += "[" + strings.Join(r.Extras, ",") + "]"
			}
			if r.Marker != nil {
				// "; " (with the space) ends a URL as well as a path.
				text += "; " + r.Marker.String()
			}
		default:
			return "", errors.New("requirement has no text, Req or Link")
		}
	}
	if err := checkWritable(text); err != nil {
		return "", err
	}
	var b strings.Builder
	if r.Editable {
		if strings.ContainsAny(text, `\'"`) {
			// The -e value is shell-unquoted when read back.
			return "", fmt.Errorf("editable requirement %q contains a quote or backslash", text)
		}
		b.WriteString("-e ")
	}
	b.WriteString(text)
	for _, c := range r.ConfigSettings {
		b.WriteString(" --config-settings ")
		b.WriteString(shellQuote(c))
	}
	// pip strips backslashes from both ends of a continued line, so text
	// that starts with one (a UNC path) keeps its hashes on its own line.
	sep := " \\\n" + hashIndent
	if strings.HasPrefix(text, `\`) {
		sep = " "
	}
	for _, h := range r.Hashes {
		if _, err := checkHash(h); err != nil {
			return "", err
		}
		b.WriteString(sep + "--hash=")
		b.WriteString(h)
	}
	return b.String(), nil
}

func looksLikeURL(s string) bool {
	_, ok := urlScheme(s)
	return ok
}

// checkWritable rejects requirement text that would not read back as the
// same single requirement.
func checkWritable(text string) error {
	switch {
	case strings.ContainsAny(text, "\r\n"):
		return fmt.Errorf("requirement %q contains a line break", text)
	case strings.HasPrefix(strings.TrimSpace(text), "-"):
		return fmt.Errorf("requirement %q starts with '-'", text)
	case strings.HasSuffix(text, `\`):
		return fmt.Errorf("requirement %q ends with a backslash", text)
	case stripComment(text) != text:
		return fmt.Errorf("requirement %q contains a comment", text)
	case strings.TrimSpace(text) != text:
		return fmt.Errorf("requirement %q has leading or trailing white space", text)
	}
	return nil
}

// shellQuote quotes s for an option value if it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\f\v'\"\\#") { // every byte isSpace splits on
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
