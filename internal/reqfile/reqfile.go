// Package reqfile reads and writes requirements files in pip's format
// ("Requirements File Format", pip.pypa.io/en/stable/reference/requirements-file-format/).
//
// # Lines
//
// The file is decoded as pip's auto_decode does: a byte-order mark (UTF-8,
// UTF-16 LE or BE) decides the encoding, else a PEP 263 "coding:" comment
// in the first two lines, else UTF-8. Text with a NUL byte or invalid
// UTF-8 is binary and refused, as is a line longer than MaxLineLength;
// errors quote at most MaxQuote bytes of the input. A file is at most
// MaxFileSize (16 MiB), -r/-c includes nest at most MaxIncludeDepth (64)
// deep, and one parse reads at most MaxFiles (10,000) files; past any of
// them the error names the file and the limit. The text is split into
// physical lines at LF, CRLF or CR. Then, in pip's order:
//
//  1. Joining: a physical line ending in "\" continues on the next one; the
//     backslashes at both ends of each joined piece are removed and the
//     pieces are concatenated without a separator. A whole-line comment
//     ends a continuation. A requirement's origin is the line number of its
//     first physical line.
//  2. Comments: "#" at the start of the line or after white space starts a
//     comment that runs to the end of the line. A "#" inside a token (the
//     "#egg=" or "#sha256=" fragment of a URL) is not a comment.
//  3. Blank lines are skipped.
//  4. Environment variables: "${NAME}" with NAME in [A-Z0-9_]+ is replaced
//     by its value; an unset or empty variable is left as written (pip).
//
// # Requirement lines and option lines
//
// The tokens before the first token that starts with "-" are the
// requirement; the rest are options. A line with no requirement is an
// option line. Options are written "--name value", "--name=value", "-x
// value" or "-xvalue"; a unique prefix of a long option is accepted, as
// Python's optparse does; option values are split like a POSIX shell
// (quotes and backslash escapes). Unknown options are an error.
//
// Option lines (file-level): -r/--requirement FILE, -c/--constraint FILE,
// -e/--editable PATH-OR-URL, -i/--index-url URL, --extra-index-url URL,
// --no-index, -f/--find-links URL-OR-PATH, --trusted-host HOST, --pre,
// --prefer-binary, --only-binary SPEC, --no-binary SPEC, --require-hashes,
// --use-feature NAME. Per-requirement: --hash ALGO:HEX (repeatable;
// sha256, sha384 or sha512) and --config-settings KEY=VALUE (repeatable,
// kept but not interpreted).
//
// As pip does, the marker is split off first: at the first "; "
// (semicolon and space) when the requirement starts with a URL scheme
// (";" is legal in URLs), at the first ";" otherwise; an empty marker is
// no marker. What is left is one of
//   - a PEP 508 requirement without its marker ("name[extras] specifier"
//     or "name[extras] @ url"); the marker becomes Req.Marker. So, unlike
//     PEP 508 itself, "name @ url; marker" needs no space before ";", and
//     a ";" inside such a URL is read as the start of the marker;
//   - a bare URL ("scheme://...", "file:...", "git+https://...") with an
//     optional "#egg=name" fragment;
//   - a bare path (contains "/" or "\", starts with ".", or names an archive
//     such as .whl, .tar.gz or .zip) with optional "[extras]".
//
// As in pip, text containing "@" whose part before the "@" does not look
// like a path is a PEP 508 requirement, even when it looks like a path
// afterwards ("pkg @ https://host/pkg-1.0.tar.gz").
//
// # Includes
//
// -r and -c name files relative to the directory of the including file
// (absolute paths and file: URLs are taken as they are; remote http(s)
// files are refused, pyward never fetches them). Requirement lines of a
// file included with -c are constraints; as in pip, a constraint must have
// a name, no extras, and cannot be editable. As in pip, a -r inside a
// constraints file includes requirements, not constraints. A file that
// includes itself, directly or through others, is an error; including the
// same file twice along different paths is not. Options of included files
// apply to the whole parse; for -i the last one wins.
//
// # Deliberate deviations from pip
//
//   - Tokens are separated by any run of spaces and tabs (pip splits the
//     requirement part on single spaces only, so a tab there is an error).
//   - ${NAME} is expanded token by token after splitting the line, so that
//     every error can point at the column in the file. A variable whose
//     value contains white space therefore stays one token.
//   - --hash digests must be lower- or upper-case hex of the length of the
//     algorithm (pip checks only when it compares them).
//   - --hash after -e is an error (pip cannot hash-check editables either,
//     but reports it later).
//   - Remote requirement files (-r https://...) are refused.
//   - A word on an option line that is not an option or an option's value
//     ("--pre foo") is an error; optparse would drop it silently.
//   - Whether a path exists is not checked here (the package does no I/O
//     beyond reading included files): "foo/bar" is a path requirement,
//     where pip would report a missing directory.
//   - A network URL without a host is an error when read, not when used.
package reqfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
)

// Limits against hostile or broken input (with MaxLineLength and
// MaxQuote).
const (
	// MaxFileSize is the largest requirements file read.
	MaxFileSize = 16 << 20
	// MaxIncludeDepth is the deepest chain of -r/-c includes followed.
	MaxIncludeDepth = 64
	// MaxFiles is the largest number of files read in one parse, counting
	// repeated includes of the same file.
	MaxFiles = 10_000
)

// Options configures parsing. The zero value reads the real file system
// and environment.
type Options struct {
	// Getenv returns the value of an environment variable; nil means
	// os.Getenv.
	Getenv func(string) string
	// ReadFile reads an included file; nil means os.ReadFile.
	ReadFile func(path string) ([]byte, error)
}

func (o Options) getenv(name string) string {
	if o.Getenv != nil {
		return o.Getenv(name)
	}
	return os.Getenv(name)
}

func (o Options) readFile(path string) ([]byte, error) {
	if o.ReadFile != nil {
		return o.ReadFile(path)
	}
	return os.ReadFile(path)
}

// Origin is where an entry was written: the file (as named by the caller or
// joined from the including file's directory) and the 1-based number of its
// first physical line.
type Origin struct {
	File string
	Line int
}

func (o Origin) String() string { return fmt.Sprintf("%s:%d", o.File, o.Line) }

// Requirement is one requirement line (or -e line).
type Requirement struct {
	// Req is the parsed PEP 508 requirement; nil for a bare URL or path.
	Req *pep508.Requirement
	// Raw is the requirement text as written, before ${VAR} expansion and
	// without its options (for -e, the value of -e).
	Raw string
	// Link is the URL or path of a bare URL/path requirement (after ${VAR}
	// expansion, without "[extras]", "; marker" and surrounding space);
	// for a PEP 508 requirement it is Req.URL.
	Link string
	// Name is the project name: Req.Name, or the "#egg=" fragment of a bare
	// URL or path ("" when there is none).
	Name string
	// Extras and Marker are those of Req, or those written after a bare
	// path or URL.
	Extras []string
	Marker *pep508.Marker
	// Editable is set for -e/--editable.
	Editable bool
	// Hashes are the --hash values, "algo:hexdigest" with the digest in
	// lower case, in file order.
	Hashes []string
	// ConfigSettings are the --config-settings values, as written.
	ConfigSettings []string
	// Origin is where the requirement was written.
	Origin Origin
}

// Option is one file-level option as it appeared.
type Option struct {
	Name   string // long name without dashes, e.g. "index-url", "no-index"
	Value  string // value after ${VAR} expansion; "" for flags
	Raw    string // value as written
	Origin Origin
}

// File is the result of parsing a requirements file and everything it
// includes.
type File struct {
	Requirements []Requirement
	Constraints  []Requirement

	IndexURL       string
	ExtraIndexURLs []string
	FindLinks      []string
	TrustedHosts   []string
	NoIndex        bool
	Pre            bool
	PreferBinary   bool
	RequireHashes  bool
	OnlyBinary     []string // values of --only-binary in order (":all:", ":none:" or names)
	NoBinary       []string // values of --no-binary in order

	// Options lists every file-level option (including -r and -c) in the
	// order read, with its origin.
	Options []Option
	// Files lists every file read, in order (the first is the top file).
	Files []string
}

// Error is a problem at a position in a requirements file.
type Error struct {
	File string
	Line int // 1-based physical line
	Col  int // 1-based byte column in that line; 0 when unknown
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		// A wrapped parser error may quote the whole input again: keep
		// its start and its explanation at the end.
		b.WriteString(": ")
		b.WriteString(clipMiddle(e.Err.Error(), 2*MaxQuote))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrCycle is wrapped by the error for a file that includes itself.
var ErrCycle = errors.New("requirements file includes itself")

// ParseFile reads and parses the requirements file at path and every file
// it includes.
func ParseFile(ctx context.Context, path string, opts Options) (*File, error) {
	p := &parser{ctx: ctx, opts: opts, f: &File{}}
	if err := p.include(path, false, nil, Origin{}, 0); err != nil {
		return nil, err
	}
	return p.f, nil
}

// Parse parses data as the requirements file called name. Included files
// are read with opts.ReadFile relative to the directory of name.
func Parse(name string, data []byte, opts Options) (*File, error) {
	p := &parser{ctx: context.Background(), opts: opts, f: &File{}}
	if err := p.parseData(name, data, false, []string{filepath.Clean(name)}); err != nil {
		return nil, err
	}
	return p.f, nil
}

type parser struct {
	ctx   context.Context
	opts  Options
	f     *File
	files int
}

// include reads path and parses it. stack holds the cleaned paths of the
// files being parsed, outermost first; from and fromCol locate the file
// name in the including line.
func (p *parser) include(path string, constraint bool, stack []string, from Origin, fromCol int) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	clean := filepath.Clean(path)
	fromErr := func(msg string, err error) error {
		if from.File == "" {
			return &Error{File: path, Msg: msg, Err: err}
		}
		return &Error{File: from.File, Line: from.Line, Col: fromCol, Msg: msg, Err: err}
	}
	for _, s := range stack {
		if s == clean {
			return fromErr(fmt.Sprintf("include cycle %s", strings.Join(append(stack, clean), " -> ")), ErrCycle)
		}
	}
	if len(stack) >= MaxIncludeDepth {
		return fromErr(fmt.Sprintf("includes nested deeper than %d files", MaxIncludeDepth), nil)
	}
	data, err := p.opts.readFile(path)
	if err != nil {
		var pe *fs.PathError
		if from.File == "" && errors.As(err, &pe) {
			return &Error{File: path, Msg: "cannot read", Err: pe.Err} // the path is said once
		}
		return fromErr(fmt.Sprintf("cannot read %s", path), err)
	}
	return p.parseData(path, data, constraint, append(stack, clean))
}

func (p *parser) parseData(name string, data []byte, constraint bool, stack []string) error {
	p.files++
	if p.files > MaxFiles {
		return &Error{File: name, Msg: fmt.Sprintf("more than %d files included", MaxFiles)}
	}
	if len(data) > MaxFileSize {
		return &Error{File: name, Msg: fmt.Sprintf("file is %d bytes, more than the %d-byte limit", len(data), MaxFileSize)}
	}
	text, err := decode(name, data)
	if err != nil {
		return err
	}
	p.f.Files = append(p.f.Files, name)
	for _, ll := range logicalLines([]byte(text)) {
		if len(ll.text) > MaxLineLength {
			return &Error{File: name, Line: ll.line, Msg: fmt.Sprintf("line is %d bytes (continuations joined), more than the %d-byte limit", len(ll.text), MaxLineLength)}
		}
		if err := p.line(name, ll, constraint, stack); err != nil {
			return err
		}
	}
	return nil
}

// errAt builds an Error for byte offset pos of logical line ll.
func errAt(file string, ll logicalLine, pos int, msg string, err error) *Error {
	line, col := ll.position(pos)
	return &Error{File: file, Line: line, Col: col, Msg: msg, Err: err}
}

// line handles one logical line.
func (p *parser) line(file string, ll logicalLine, constraint bool, stack []string) error {
	toks, err := splitTokens(ll.text)
	if err != nil {
		var te *tokenError
		errors.As(err, &te)
		return errAt(file, ll, te.pos, te.msg, nil)
	}
	if len(toks) == 0 {
		return nil
	}
	origin := Origin{File: file, Line: ll.line}
	nargs := 0
	for nargs < len(toks) && !strings.HasPrefix(toks[nargs].text, "-") {
		nargs++
	}
	if nargs > 0 {
		// Requirement line: the original text from the first to the last
		// argument token, so inner spacing (and quotes in markers) is kept.
		start, end := toks[0].pos, toks[nargs-1].end
		r, err := p.requirement(file, ll, start, ll.text[start:end], false)
		if err != nil {
			return err
		}
		r.Origin = origin
		if err := p.reqOptions(file, ll, toks[nargs:], &r); err != nil {
			return err
		}
		if constraint {
			if err := checkConstraint(r); err != nil {
				return errAt(file, ll, start, err.Error(), nil)
			}
		}
		p.add(r, constraint)
		return nil
	}
	for i := 0; i < len(toks); {
		opt, value, valueTok, next, err := p.option(file, ll, toks, i)
		if err != nil {
			return err
		}
		raw := value
		value = expandEnv(value, p.opts.getenv)
		switch opt.name {
		case "editable":
			r, err := p.requirement(file, ll, valueTok.pos, raw, true)
			if err != nil {
				return err
			}
			r.Origin = origin
			if err := p.reqOptions(file, ll, toks[next:], &r); err != nil {
				return err
			}
			if constraint {
				return errAt(file, ll, toks[i].pos, "editable requirements are not allowed as constraints", nil)
			}
			p.add(r, constraint)
			return nil
		case "hash", "config-settings":
			return errAt(file, ll, toks[i].pos, fmt.Sprintf("--%s must follow a requirement on the same line", opt.name), nil)
		}
		p.f.Options = append(p.f.Options, Option{Name: opt.name, Value: value, Raw: raw, Origin: origin})
		switch opt.name {
		case "requirement", "constraint":
			target, err := includePath(file, value)
			if err != nil {
				return errAt(file, ll, valueTok.pos, err.Error(), nil)
			}
			// pip: -r is never a constraint include, -c always is.
			_, col := ll.position(valueTok.pos)
			if err := p.include(target, opt.name == "constraint", stack, origin, col); err != nil {
				return err
			}
		case "index-url":
			p.f.IndexURL = value
		case "extra-index-url":
			p.f.ExtraIndexURLs = appendUnique(p.f.ExtraIndexURLs, value)
		case "find-links":
			p.f.FindLinks = appendUnique(p.f.FindLinks, value)
		case "trusted-host":
			p.f.TrustedHosts = appendUnique(p.f.TrustedHosts, value)
		case "no-index":
			p.f.NoIndex = true
		case "pre":
			p.f.Pre = true
		case "prefer-binary":
			p.f.PreferBinary = true
		case "require-hashes":
			p.f.RequireHashes = true
		case "only-binary", "no-binary":
			if err := checkFormatControl(value); err != nil {
				return errAt(file, ll, valueTok.pos, fmt.Sprintf("--%s: %v", opt.name, err), nil)
			}
			if opt.name == "only-binary" {
				p.f.OnlyBinary = append(p.f.OnlyBinary, value)
			} else {
				p.f.NoBinary = append(p.f.NoBinary, value)
			}
		case "use-feature":
			// Recorded in Options only: features of pip's own code.
		}
		i = next
	}
	return nil
}

func (p *parser) add(r Requirement, constraint bool) {
	if constraint {
		p.f.Constraints = append(p.f.Constraints, r)
	} else {
		p.f.Requirements = append(p.f.Requirements, r)
	}
}

// reqOptions applies the per-requirement options toks to r.
func (p *parser) reqOptions(file string, ll logicalLine, toks []token, r *Requirement) error {
	for i := 0; i < len(toks); {
		opt, value, valueTok, next, err := p.option(file, ll, toks, i)
		if err != nil {
			return err
		}
		value = expandEnv(value, p.opts.getenv)
		switch opt.name {
		case "hash":
			if r.Editable {
				return errAt(file, ll, toks[i].pos, "--hash cannot be used with an editable requirement", nil)
			}
			h, err := checkHash(value)
			if err != nil {
				return errAt(file, ll, valueTok.pos, err.Error(), nil)
			}
			r.Hashes = append(r.Hashes, h)
		case "config-settings":
			if !strings.Contains(value, "=") {
				return errAt(file, ll, valueTok.pos, fmt.Sprintf("--config-settings value %q is not KEY=VALUE", Quote(value)), nil)
			}
			r.ConfigSettings = append(r.ConfigSettings, value)
		default:
			return errAt(file, ll, toks[i].pos, fmt.Sprintf("option --%s is not allowed after a requirement (only --hash and --config-settings are)", opt.name), nil)
		}
		i = next
	}
	return nil
}

// includePath resolves the target of -r/-c relative to the including file.
func includePath(from, target string) (string, error) {
	if target == "" {
		return "", errors.New("empty file name")
	}
	lower := strings.ToLower(target)
	switch {
	case strings.HasPrefix(lower, "file://"):
		// file:///abs/path or file://localhost/abs/path.
		rest := target[len("file://"):]
		if i := strings.IndexByte(rest, '/'); i > 0 {
			host := rest[:i]
			if !strings.EqualFold(host, "localhost") {
				return "", fmt.Errorf("file URL %q names a remote host", Quote(target))
			}
			rest = rest[i:]
		}
		return filepath.FromSlash(rest), nil
	case strings.HasPrefix(lower, "file:"):
		return filepath.FromSlash(target[len("file:"):]), nil
	case hasScheme(target):
		return "", fmt.Errorf("remote requirements file %q is not supported; download it and name the local copy", Quote(target))
	}
	if filepath.IsAbs(target) {
		return target, nil
	}
	return filepath.Join(filepath.Dir(from), target), nil
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// checkConstraint applies pip's rules for constraints: they restrict named
// projects, so they need a name and cannot carry extras.
func checkConstraint(r Requirement) error {
	switch {
	case r.Name == "":
		return errors.New("unnamed requirements are not allowed as constraints")
	case len(r.Extras) > 0:
		return errors.New("constraints cannot have extras")
	}
	return nil
}

// checkFormatControl validates an --only-binary/--no-binary value: a
// comma-separated list of project names, ":all:" or ":none:".
func checkFormatControl(v string) error {
	for _, item := range strings.Split(v, ",") {
		if item != ":all:" && item != ":none:" && !pep503.Valid(item) {
			return fmt.Errorf("%q is neither a project name nor :all: or :none: (--only-binary, --no-binary)", Quote(item))
		}
	}
	return nil
}
