package install

import (
	"path"
	"strings"
	"sync"
	"unicode"
)

// Start-up code (RuleStartup) is anything the interpreter runs at start-up
// without being asked: site.py executes the "import" lines of the .pth files
// at the top of every site directory and imports the modules sitecustomize
// and usercustomize from anywhere on sys.path (including directories the
// .pth files add); setuptools' editable installs add "__editable__" finders
// that a .pth file imports. A wheel reaches a site directory through its
// root (purelib or platlib), .data/purelib, .data/platlib and .data/data
// (installed relative to the environment, which holds
// lib/pythonX.Y/site-packages).

// siteRel returns an entry's path relative to the site directory it is
// installed into, and whether there is one: the root, .data/purelib and
// .data/platlib, and .data/data below a "site-packages" element.
func siteRel(name string) (string, bool) {
	top, rest, ok := strings.Cut(name, "/")
	if !ok || !strings.HasSuffix(top, ".data") {
		return name, true
	}
	key, sub, ok := strings.Cut(rest, "/")
	switch {
	case !ok:
		return "", false
	case key == "purelib" || key == "platlib":
		return sub, true
	case key == "data":
		elems := strings.Split(sub, "/")
		for i, e := range elems[:len(elems)-1] {
			if strings.EqualFold(e, "site-packages") {
				return strings.Join(elems[i+1:], "/"), true
			}
		}
	}
	return "", false
}

// inData reports whether an entry is installed by the data scheme.
func inData(name string) bool {
	top, rest, _ := strings.Cut(name, "/")
	return strings.HasSuffix(top, ".data") && strings.HasPrefix(rest, "data/")
}

// customizeModule reports whether rel, a path relative to a directory on
// sys.path, is (part of) the module or package sitecustomize or
// usercustomize in any form: source, bytecode (also in __pycache__),
// extension module, package directory. Names are compared case-insensitively
// because imports on case-insensitive file systems are.
func customizeModule(rel string) bool {
	first, rest, _ := strings.Cut(rel, "/")
	if strings.EqualFold(first, "__pycache__") {
		first, _, _ = strings.Cut(rest, "/")
	}
	stem, _, _ := strings.Cut(first, ".")
	stem = strings.ToLower(stem)
	return stem == "sitecustomize" || stem == "usercustomize"
}

// editableFinder reports whether a file name is one of setuptools'
// editable-install hooks ("__editable__.x.pth", "__editable___x_finder.py").
func editableFinder(base string) bool {
	return strings.HasPrefix(strings.ToLower(base), "__editable__")
}

// startupByName returns why an entry is start-up code by its name alone,
// or "". Entries of the data scheme are judged wherever they are, since an
// environment's site directory can have more than one layout (lib, lib64,
// Lib, pypy).
func startupByName(name string) string {
	if rel, ok := siteRel(name); ok {
		if customizeModule(rel) {
			return "module imported at every interpreter start-up"
		}
		if !strings.Contains(rel, "/") && editableFinder(rel) {
			return "editable-install hook run at every interpreter start-up"
		}
	}
	if inData(name) {
		elems := strings.Split(name, "/")[2:]
		for i, e := range elems {
			if customizeModule(strings.Join(elems[i:], "/")) {
				return "module imported at start-up when its directory is on sys.path"
			}
			if editableFinder(e) {
				return "editable-install hook"
			}
		}
	}
	return ""
}

// isPth reports whether name is a .pth file that site.py could process: at
// the top of a site directory, or anywhere in the data scheme.
func isPth(name string) bool {
	if !strings.HasSuffix(strings.ToLower(name), ".pth") {
		return false
	}
	if rel, ok := siteRel(name); ok && !strings.Contains(rel, "/") {
		return true
	}
	return inData(name)
}

// pthLines splits a .pth file the widest way any Python splits it:
// text-mode newlines (\n, \r\n, \r) up to 3.12, str.splitlines from 3.13
// (also \v, \f, \x1c-\x1e, U+0085, U+2028, U+2029, and a lone 0x85 byte
// decoded as a locale code page), after a UTF-8 byte-order mark, which 3.13
// strips.
func pthLines(data []byte) []string {
	text := strings.TrimPrefix(string(data), "\ufeff")
	return strings.Split(pthNewlines().Replace(text), "\n")
}

// pthNewlines maps every line break str.splitlines knows to "\n"; built
// on first use, not at start-up.
var pthNewlines = sync.OnceValue(func() *strings.Replacer {
	return strings.NewReplacer("\r\n", "\n", "\r", "\n", "\v", "\n", "\f", "\n", "\x1c", "\n", "\x1d", "\n", "\x1e", "\n",
		"\u0085", "\n", "\u2028", "\n", "\u2029", "\n", "\x85", "\n")
})

// executableLine returns the first line site.py would execute: one starting
// with "import " or "import\t" (site.addpackage).
func executableLine(data []byte) (string, bool) {
	for _, line := range pthLines(data) {
		if strings.HasPrefix(line, "import ") || strings.HasPrefix(line, "import\t") {
			return quoteLine(line), true
		}
	}
	return "", false
}

func quoteLine(line string) string {
	if len(line) > 80 {
		line = line[:80] + "..."
	}
	return line
}

// pthDirs returns the directories a .pth file adds to sys.path, relative to
// its site directory and folded (see fold), and the first relative line
// that leads out of the site directory, if any. Absolute lines are not
// returned: a wheel cannot know where it is installed, and what is there
// is not the wheel's.
func pthDirs(data []byte) (dirs []string, escape string) {
	for _, line := range pthLines(data) {
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" ||
			strings.HasPrefix(line, "import ") || strings.HasPrefix(line, "import\t") {
			continue
		}
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		p := strings.ReplaceAll(line, `\`, "/") // Windows joins either separator
		if strings.HasPrefix(p, "/") || len(p) >= 2 && p[1] == ':' && isLetter(p[0]) {
			continue
		}
		p = path.Clean(p)
		if p == ".." || strings.HasPrefix(p, "../") {
			if escape == "" {
				escape = quoteLine(line)
			}
			continue
		}
		dirs = append(dirs, fold(p))
	}
	return dirs, escape
}

// startupInDirs finds site entries that sitecustomize or usercustomize
// would be imported from once the wheel's .pth files added c.pthDirs to
// sys.path.
func (c *checker) startupInDirs() {
	if len(c.pthDirs) == 0 {
		return
	}
	for _, e := range c.w.Entries {
		rel, ok := siteRel(e.Name)
		if !ok {
			continue
		}
		frel := fold(rel)
		for d := path.Dir(frel); d != "."; d = path.Dir(d) {
			if c.pthDirs[d] && customizeModule(frel[len(d)+1:]) {
				c.startup(e.Name, "module imported at every interpreter start-up from "+d+"/, which a .pth file adds to sys.path")
				break
			}
		}
	}
}
