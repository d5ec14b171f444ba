// Package pep508 implements dependency specifiers (PEP 508, now the PyPA
// "Dependency specifiers" specification) and environment markers, matching
// pypa/packaging's Requirement and Marker classes: what they accept, the
// normalized text they print, and how markers evaluate.
//
// # Grammar
//
// Tokens are matched at the current position, as packaging's context
// sensitive tokenizer does; WS is horizontal white space only ([ \t]+), so a
// line break anywhere outside a quoted string or URL is an error.
//
//	requirement   = WS? IDENTIFIER WS? extras? WS? details END
//	details       = "@" WS? URL (WS (";" marker WS?)?)?
//	              | specifier WS? (";" marker WS?)?
//	extras        = "[" WS? (IDENTIFIER (WS? "," WS? IDENTIFIER)*)? WS? "]"
//	specifier     = "(" WS? version_many WS? ")" | version_many
//	version_many  = (SPECIFIER (WS? "," WS? SPECIFIER)*)?  ; a trailing "," is allowed
//	marker        = atom (BOOLOP atom)*
//	atom          = WS? "(" WS? marker WS? ")" WS? | WS? item WS?
//	item          = var WS? op WS? var
//	var           = VARIABLE | QUOTED_STRING
//	op            = "===" | "==" | "~=" | "!=" | "<=" | ">=" | "<" | ">" | "in" | "not" WS "in"
//
//	IDENTIFIER    = \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b   (\b as in Python: Unicode word characters)
//	URL           = [^ \t]+
//	SPECIFIER     = one PEP 440 specifier, as packaging's Specifier regular expression;
//	                "===" takes any run of characters other than white space, ";" and ")"
//	BOOLOP        = \b(and|or)\b, lower case only; "and" binds tighter than "or"
//	VARIABLE      = python_version | python_full_version | os_name | sys_platform |
//	                platform_release | platform_system | platform_version |
//	                platform_machine | platform_python_implementation |
//	                implementation_name | implementation_version | extra |
//	                extras | dependency_groups
//	                plus the PEP 345 / setuptools aliases os.name, sys.platform,
//	                platform.version, platform.machine,
//	                platform.python_implementation and python_implementation,
//	                which are replaced by the standard name.
//	QUOTED_STRING = '[^']*' | "[^"]*", decoded as a Python string literal
//	                (backslash escapes \\ \' \" \a \b \f \n \r \t \v \ooo \xhh
//	                \uhhhh \Uhhhhhhhh and backslash-newline; other escapes are
//	                kept verbatim; a malformed escape is an error).
//
// The specifier text is then parsed as a PEP 440 specifier set by package
// pep440, so "demo===x,y" is rejected there.
//
// # Normal form
//
// Marker.String prints every comparison as `lhs op rhs` with single spaces;
// values in double quotes, or single quotes when the value holds a double
// quote; alias names replaced; redundant parentheses dropped but meaningful
// grouping kept. `extra` literals and the literals of `in extras` /
// `in dependency_groups` are PEP 685 normalized at parse time.
// Requirement.String prints name[sorted,extras]specifier, or
// name[extras] @ url; a marker follows as "; marker", with " ; " after a URL
// so that the ";" is not read as part of the URL.
//
// # Evaluation
//
// For python_version, python_full_version, implementation_version and
// platform_release, `op value` is tried as a PEP 440 specifier and the other
// side tested against it with pre-releases allowed. Otherwise plain string
// rules apply: in / not in are substring tests, == and != compare strings,
// <= and >= mean string equality, < and > are false, and ~= and === are an
// undefined comparison (ErrUndefinedComparison). A python_full_version ending
// in "+" (an untagged CPython build) is read as "+local". `extra` is compared
// after PEP 685 normalization. `extras` and `dependency_groups` (PEP 751) are
// set-valued, exist only in lock-file context and only allow membership
// tests. Every comparison is evaluated (no short circuit), so an undefined
// comparison anywhere is reported, as packaging raises it.
//
// Comparing two variables, or two literals, with each other follows
// packaging's behaviour exactly: a literal on the right is looked up as an
// environment key, and a variable on the right is compared by its name.
//
// # Marker algebra
//
// MarkerSet (NewMarkerSet) is the set of environments a marker describes,
// in disjunctive normal form over per-variable value sets, with And, Or,
// Not, Implies, Disjoint and a rendering back to marker text (Within drops
// what a universe such as Requires-Python already implies). The universal
// resolver uses it to decide when requirements diverge and where each
// locked package applies; its type comment lists what it models exactly.
//
// # Deliberate deviations from packaging
//
//   - The environment is never taken from the running interpreter: callers
//     pass a complete Environment (see TargetEnvironment).
//   - Marker nesting deeper than MaxNesting is an error rather than Python's
//     RecursionError.
//   - Quoted strings must be valid UTF-8 and may not use \N{name} escapes or
//     encode lone surrogates (Go strings cannot carry what Python would build).
//   - Marker.String escapes a value only where packaging's raw output would
//     not read back as the same value (a value with a backslash that would be
//     misread, a line break, a NUL, or both quote characters), so that String
//     always round-trips.
//
// # Input limits
//
// A requirement or marker is a field of a larger document: a logical line
// of a requirements file (reqfile: lines of at most MaxLineLength, 64 KiB,
// files of at most MaxFileSize, 16 MiB), a Requires-Dist of METADATA (at
// most 16 MiB), or a lock entry (tomlbudget.MaxSize, 8 MiB); it is bounded
// by that document's limit. Parentheses nest at most MaxNesting (100)
// deep, and parsing is otherwise linear in the text. MarkerSet, the marker
// algebra, refuses a normal form of more than MaxClauses (256) clauses.
package pep508
