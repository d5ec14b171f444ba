package fix

import (
	"fmt"
	"strings"

	"github.com/pyward/pyward/internal/inventory"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/reqfile"
)

// document is a parsed lock plus what is needed to edit it in place.
type document struct {
	format Format
	lines  []string // physical lines, without line ends (see splitLines)
	eol    string   // "\r\n" when the file uses it, else "\n"
	bom    bool     // the file starts with a UTF-8 byte order mark
	lock   *lockfile.Lock
	spans  []span // requirements: where each requirement is written
	hasVia bool   // every package records who required it
}

// span locates one requirement of a requirements file.
type span struct {
	name       string // normalized
	display    string
	extras     []string
	marker     string
	start, end int // 0-based physical lines, inclusive
	notesEnd   int // the "# via"/"# from" lines below it end before this line
}

// Header is what a lock's header comment says about how it was made.
type Header struct {
	// Command is the "To update, run:" command line, "" when absent.
	Command string
	// RequiresPython is the "# Requires-Python:" line of a pyward
	// requirements lock.
	RequiresPython string
}

// ReadHeader reads the header comment of a lock.
func ReadHeader(data []byte) Header {
	var h Header
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "#") {
			if l == "" {
				continue
			}
			break // the header ends at the first entry
		}
		body := strings.TrimSpace(strings.TrimPrefix(l, "#"))
		switch {
		case strings.HasPrefix(body, "To update, run:"), strings.HasSuffix(body, "by the following command:"): // pyward, pip-compile
			if rest, ok := strings.CutPrefix(body, "To update, run:"); ok && strings.TrimSpace(rest) != "" {
				h.Command = strings.TrimSpace(rest)
				continue
			}
			for j := i + 1; j < len(lines); j++ {
				c := strings.TrimSpace(lines[j])
				if !strings.HasPrefix(c, "#") {
					break
				}
				if c = strings.TrimSpace(strings.TrimPrefix(c, "#")); c != "" {
					h.Command, i = c, j
					break
				}
			}
		case strings.HasPrefix(body, "Requires-Python:"):
			h.RequiresPython = strings.TrimSpace(strings.TrimPrefix(body, "Requires-Python:"))
		}
	}
	return h
}

// SplitCommand splits a header command line into words, honouring single
// and double quotes and backslash escapes as a POSIX shell would for the
// simple words lock commands contain.
func SplitCommand(s string) []string {
	var out []string
	var b []byte
	inWord := false
	var quote byte
	escaped := false
	// Bytes, not runes: every delimiter is ASCII and other bytes (even
	// invalid UTF-8) are kept as they are.
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			b = append(b, c)
			escaped = false
		case c == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b = append(b, c)
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				out = append(out, string(b))
				b = b[:0]
				inWord = false
			}
		default:
			b = append(b, c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, string(b))
	}
	return out
}

// noIncludes refuses -r/-c includes: a lock is one self-contained file, and
// the file rewritten must be the file audited.
var noIncludes = reqfile.Options{ReadFile: func(path string) ([]byte, error) {
	return nil, fmt.Errorf("%s: --fix rewrites self-contained locks; -r/-c includes are not followed", path)
}}

// parseDocument reads a lock of the given format.
func parseDocument(path string, format Format, data []byte) (*document, error) {
	h := ReadHeader(data)
	switch format {
	case Pylock:
		l, err := lockfile.ParsePylock(path, data)
		if err != nil {
			return nil, err
		}
		l.Command = h.Command
		return &document{format: format, lock: l, hasVia: allHaveVia(l)}, nil
	case Requirements:
		return parseRequirementsLock(path, data, h)
	}
	return nil, fmt.Errorf("%s: --fix rewrites requirements.txt and pylock.toml locks, not %q", path, format)
}

func allHaveVia(l *lockfile.Lock) bool {
	for _, p := range l.Packages {
		if len(p.Via) == 0 {
			return false
		}
	}
	return len(l.Packages) > 0
}

// parseRequirementsLock reads a hashed requirements file into the lock
// model: hashes become file entries without names (all a requirements
// file records), "# via" and "# from" comments become Via and Index.
func parseRequirementsLock(path string, data []byte, h Header) (*document, error) {
	rf, err := reqfile.Parse(path, data, noIncludes)
	if err != nil {
		return nil, err
	}
	lines, eol, bom := splitLines(data)
	doc := &document{format: Requirements, lines: lines, eol: eol, bom: bom,
		lock: &lockfile.Lock{CreatedBy: "pyward", Command: h.Command, RequiresPython: h.RequiresPython}}
	for _, r := range rf.Requirements {
		if r.Origin.File != path {
			continue // from an included file, which is not rewritten
		}
		if r.Req == nil || r.Editable {
			return nil, fmt.Errorf("%s: %q is not a locked requirement (name==version with hashes)", r.Origin, r.Raw)
		}
		p := lockfile.Package{Name: r.Req.Name, Line: r.Origin.Line}
		p.Version, _ = r.Req.Specifier.ExactVersion()
		if r.Marker != nil {
			p.Marker = r.Marker.String()
		}
		for _, hv := range r.Hashes {
			if algo, hex, ok := strings.Cut(hv, ":"); ok {
				p.Wheels = append(p.Wheels, lockfile.File{Hashes: map[string]string{algo: hex}})
			}
		}
		if r.Req.URL != "" {
			p.Archive = &lockfile.File{URL: r.Req.URL, Name: r.Req.URL[strings.LastIndexByte(r.Req.URL, '/')+1:], Hashes: map[string]string{}}
		}
		sp := span{name: pep503.Normalize(r.Req.Name), display: r.Req.Name, extras: r.Req.Extras, marker: p.Marker,
			start: r.Origin.Line - 1, end: r.Origin.Line - 1}
		for sp.end+1 < len(doc.lines) && strings.HasSuffix(strings.TrimRight(doc.lines[sp.end], " \t\r"), `\`) {
			sp.end++
		}
		p.Via, p.Index, sp.notesEnd = annotations(doc.lines, sp.end+1)
		doc.spans = append(doc.spans, sp)
		doc.lock.Packages = append(doc.lock.Packages, p)
	}
	doc.hasVia = allHaveVia(doc.lock)
	return doc, nil
}

// splitLines splits data into physical lines the way reqfile numbers them
// (LF, CRLF and CR all end a line; a leading byte order mark is dropped)
// and reports the line end and mark to write back.
func splitLines(data []byte) (lines []string, eol string, bom bool) {
	text, bom := strings.CutPrefix(string(data), "\xef\xbb\xbf")
	eol = "\n"
	if strings.Contains(text, "\r\n") {
		eol = "\r\n"
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Split(text, "\n"), eol, bom
}

// annotations reads the indented "# via" and "# from" comments pip-compile
// and pyward write under a requirement, starting at line i; end is the
// first line after them.
func annotations(lines []string, i int) (via []string, from string, end int) {
	inList := false
	for ; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if t == "" || !strings.HasPrefix(t, "#") || (l[0] != ' ' && l[0] != '\t') {
			return via, from, i
		}
		body := strings.TrimSpace(strings.TrimPrefix(t, "#"))
		switch {
		case body == "via":
			inList = true
		case strings.HasPrefix(body, "via "):
			via, inList = append(via, strings.TrimSpace(body[4:])), false
		case strings.HasPrefix(body, "from "):
			from, inList = strings.TrimSpace(body[5:]), false
		case inList && body != "":
			via = append(via, body)
		}
	}
	return via, from, i
}

// inventoryOf reads the lock doc, whose content is data, as the auditor
// does, from memory.
func inventoryOf(path string, format Format, data []byte, doc *document) (*inventory.Inventory, error) {
	if format == Pylock {
		return inventory.FromPylock(path, data, doc.lock), nil
	}
	rf, err := reqfile.Parse(path, data, noIncludes)
	if err != nil {
		return nil, err
	}
	lines, _, _ := splitLines(data)
	inv := &inventory.Inventory{Source: path, Format: inventory.FormatRequirements}
	for _, r := range rf.Requirements {
		p := inventory.Package{Name: r.Name, Hashes: r.Hashes, Editable: r.Editable, File: r.Origin.File, Line: r.Origin.Line, Direct: true}
		if r.Marker != nil {
			p.Marker = r.Marker.String()
		}
		if r.Req != nil {
			if v, ok := r.Req.Specifier.ExactVersion(); ok {
				p.Version, p.Pinned = v, true
			} else if !r.Req.Specifier.IsEmpty() {
				p.Spec = r.Req.Specifier.String()
			}
		}
		if r.Link != "" {
			p.URL = r.Link
		}
		if r.Origin.File == path {
			end := r.Origin.Line - 1
			for end+1 < len(lines) && strings.HasSuffix(strings.TrimRight(lines[end], " \t\r"), `\`) {
				end++
			}
			if _, idx, _ := annotations(lines, end+1); idx != "" {
				p.Index, p.Indexes = idx, []string{idx}
			}
		}
		inv.Packages = append(inv.Packages, p)
	}
	for _, o := range rf.Options {
		switch o.Name {
		case "index-url", "extra-index-url":
			inv.IndexURLs = append(inv.IndexURLs, inventory.IndexRef{URL: o.Value, Extra: o.Name == "extra-index-url", File: o.Origin.File, Line: o.Origin.Line})
		case "trusted-host":
			inv.TrustedHosts = append(inv.TrustedHosts, inventory.IndexRef{URL: o.Value, File: o.Origin.File, Line: o.Origin.Line})
		}
	}
	return inv, nil
}
