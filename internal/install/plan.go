package install

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The rules an installation is checked against in the environment (see the
// package comment, "Installing").
const (
	RuleReserved Rule = "reserved" // pyvenv.cfg, interpreter links, pyward's state
	RuleReplace  Rule = "replace"  // a file over a directory or the reverse, through a symlink
	RuleOwned    Rule = "owned"    // another distribution's file or metadata directory
)

// StateDir is the directory inside an environment that holds pyward's own
// state (the records of what it installed). No wheel may write a path of the
// environment's root whose first element starts with ".pyward".
const StateDir = ".pyward"

// destination is one file an installation creates.
type destination struct {
	entry string // wheel entry, or a description of a file pyward writes
	key   string // install scheme key
	path  string // absolute
	hash  string // content hash; "" when known only once written
}

// placeEntry returns the scheme key and the path below the key's directory
// of a wheel entry, and whether Install writes the entry itself (false for
// the files it rewrites: RECORD and its signatures, INSTALLER,
// direct_url.json).
func placeEntry(w *Wheel, name string) (key, rel string, ok bool) {
	key, rel = "platlib", name
	if w.RootIsPurelib {
		key = "purelib"
	}
	if top, rest, found := strings.Cut(name, "/"); found && strings.HasSuffix(top, ".data") {
		key, rel, _ = strings.Cut(rest, "/")
	}
	switch rel {
	case w.DistInfo + "/RECORD", w.DistInfo + "/INSTALLER", w.DistInfo + "/RECORD.jws", w.DistInfo + "/RECORD.p7s", w.DistInfo + "/direct_url.json":
		return key, rel, false
	}
	return key, rel, true
}

func projectOf(w *Wheel) string {
	return strings.SplitN(strings.TrimSuffix(w.DistInfo, ".dist-info"), "-", 2)[0]
}

// destinations lists every file Install writes for w, with the problems
// that need no look at the environment: reserved names, another
// distribution's metadata directory, two files on one path, a file where
// another is a directory.
func (t *Target) destinations(w *Wheel) ([]destination, []*Problem) {
	project := projectOf(w)
	rootKey := "platlib"
	if w.RootIsPurelib {
		rootKey = "purelib"
	}
	var out []destination
	for _, e := range w.Entries {
		key, rel, ok := placeEntry(w, e.Name)
		if !ok {
			continue
		}
		d := destination{entry: e.Name, key: key, path: filepath.Join(t.dir(key, project), filepath.FromSlash(rel)), hash: e.Hash}
		if key == "scripts" {
			d.hash = "" // the shebang may be rewritten
		}
		out = append(out, d)
	}
	if eps, err := ParseEntryPoints(w.EntryPoints); err == nil {
		for _, ep := range eps {
			out = append(out, destination{entry: "entry point " + ep.Name, key: "scripts",
				path: filepath.Join(t.Scripts, ep.Name), hash: hashOf(ep.Script(t.Python))})
		}
	}
	for _, name := range []string{"RECORD", "INSTALLER", "direct_url.json"} {
		out = append(out, destination{entry: w.DistInfo + "/" + name, key: rootKey,
			path: filepath.Join(t.dir(rootKey, project), w.DistInfo, name)})
	}
	var problems []*Problem
	add := func(r Rule, entry, format string, args ...any) {
		if len(problems) < MaxProblems {
			problems = append(problems, &Problem{Rule: r, Entry: entry, Msg: fmt.Sprintf(format, args...)})
		}
	}
	files := map[string]string{} // path → entry
	dirs := map[string]string{}  // directory → an entry below it
	for _, d := range out {
		if r, why := t.reserved(d.path); r != "" {
			add(r, d.entry, "would write %s, %s", t.show(d.path), why)
			continue
		}
		if prev, dup := files[d.path]; dup {
			add(RuleDuplicate, d.entry, "installs to %s, as %s does", t.show(d.path), prev)
			continue
		}
		files[d.path] = d.entry
		for p := filepath.Dir(d.path); within(t.Root, p) && p != t.Root; p = filepath.Dir(p) {
			if _, seen := dirs[p]; seen {
				break
			}
			dirs[p] = d.entry
		}
	}
	for _, d := range out {
		if other, ok := dirs[d.path]; ok && files[d.path] == d.entry {
			add(RuleReplace, d.entry, "installs a file at %s, where %s needs a directory", t.show(d.path), other)
		}
	}
	for _, site := range []string{t.Purelib, t.Platlib} {
		for _, d := range out {
			rel, err := filepath.Rel(site, d.path)
			if err != nil || !within(site, d.path) || rel == "." {
				continue
			}
			first, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
			if metadataDir(first) && !strings.EqualFold(first, w.DistInfo) {
				add(RuleOwned, d.entry, "would write into %s, another distribution's metadata", first)
			}
		}
		if t.Platlib == t.Purelib {
			break
		}
	}
	return out, problems
}

// metadataDir reports whether a name at the top of a site directory holds
// some distribution's metadata.
func metadataDir(name string) bool {
	n := strings.ToLower(name)
	for _, suffix := range []string{".dist-info", ".egg-info", ".data", ".egg-link"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// reserved says whether p is a path no wheel may write: the environment's
// configuration and interpreter links, or pyward's own state.
func (t *Target) reserved(p string) (Rule, string) {
	rel, err := filepath.Rel(t.Root, p)
	if err != nil || !within(t.Root, p) {
		return RuleOutside, "outside the environment"
	}
	first, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
	switch {
	case strings.HasPrefix(first, ".pyward"):
		return RuleReserved, "pyward's own state"
	case rel == "pyvenv.cfg":
		return RuleReserved, "the environment's configuration"
	case filepath.Dir(p) == t.Scripts && reservedScript(filepath.Base(p)):
		return RuleReserved, "the environment's interpreter or activation script"
	case t.Staging != "" && within(t.Staging, p):
		return RuleReserved, "pyward's staging directory"
	}
	return "", ""
}

// show names p relative to the environment.
func (t *Target) show(p string) string {
	if rel, err := filepath.Rel(t.Root, p); err == nil {
		return filepath.ToSlash(rel)
	}
	return p
}

// owners knows which installed distribution owns which file.
type owners struct {
	t        *Target
	loaded   bool
	files    map[string]owned
	distInfo []string // dist-info directories (every file below is owned)
	removed  map[string]bool
}

type owned struct {
	distInfo string
	hash     string
}

func (o *owners) load(installed []Installed) {
	if o.loaded {
		return
	}
	o.loaded = true
	o.files = map[string]owned{}
	for _, in := range installed {
		o.distInfo = append(o.distInfo, in.DistInfo)
		entries, _, err := o.t.installedFiles(in.DistInfo)
		if err != nil {
			continue
		}
		for _, e := range entries {
			o.files[e.Path] = owned{in.DistInfo, e.Hash}
		}
	}
}

// owner returns the dist-info directory owning p, "" when none does.
func (o *owners) owner(p string) owned {
	if own, ok := o.files[p]; ok {
		return own
	}
	for _, di := range o.distInfo {
		if within(di, p) {
			return owned{distInfo: di}
		}
	}
	return owned{}
}

// freed reports whether everything below the directory dir belongs to
// distributions being removed (bytecode caches, which Uninstall removes
// with their sources, count as theirs).
func (o *owners) freed(dir string) bool {
	ok := true
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			ok = false
		case d.Type()&fs.ModeSymlink != 0:
			ok = false
		case d.IsDir():
			return nil
		case filepath.Base(filepath.Dir(p)) == "__pycache__" && strings.HasSuffix(p, ".pyc"):
			return nil
		default:
			ok = o.removed[o.owner(p).distInfo]
		}
		if !ok {
			return filepath.SkipAll
		}
		return nil
	})
	return ok
}

// CheckPlan checks the installation of ws against the environment before
// anything is written: installed lists the distributions present, removed
// the dist-info directories that will be uninstalled first. A wheel may
// create only paths it owns: no file over a directory or the reverse, no
// path through a symbolic link, no file of another distribution (unless the
// content is the same), none that no distribution owns, no reserved path, no
// other distribution's metadata. The result has one entry per wheel: nil or
// a *CheckError listing every problem.
func (t *Target) CheckPlan(ws []*Wheel, installed []Installed, removed []string) []error {
	o := &owners{t: t, removed: map[string]bool{}}
	for _, r := range removed {
		o.removed[r] = true
	}
	type claim struct {
		wheel int
		hash  string
	}
	files := map[string]claim{}
	dirs := map[string]int{}
	lstat := map[string]fs.FileMode{} // absent: not looked at; ModeIrregular: missing
	mode := func(p string) fs.FileMode {
		if m, ok := lstat[p]; ok {
			return m
		}
		m := fs.ModeIrregular
		if st, err := os.Lstat(p); err == nil {
			m = st.Mode()
		}
		lstat[p] = m
		return m
	}
	errs := make([]error, len(ws))
	for i, w := range ws {
		dests, problems := t.destinations(w)
		add := func(r Rule, entry, format string, args ...any) {
			if len(problems) < MaxProblems {
				problems = append(problems, &Problem{Rule: r, Entry: entry, Msg: fmt.Sprintf(format, args...)})
			}
		}
		project := projectOf(w)
		for _, d := range dests {
			if prev, ok := files[d.path]; ok && prev.wheel != i && (prev.hash == "" || prev.hash != d.hash) {
				add(RuleOwned, d.entry, "%s is also installed by %s, with other content", t.show(d.path), ws[prev.wheel].Filename)
			}
			if prev, ok := dirs[d.path]; ok && prev != i {
				add(RuleReplace, d.entry, "installs a file at %s, where %s needs a directory", t.show(d.path), ws[prev].Filename)
			}
			files[d.path] = claim{i, d.hash}
			base := t.dir(d.key, project)
			var parents []string
			for p := filepath.Dir(d.path); p != base && within(base, p); p = filepath.Dir(p) {
				parents = append(parents, p)
			}
			// Below a missing directory nothing exists: for a new
			// environment (no scheme directory yet) or a new package
			// directory, the files are not looked up one by one.
			missing := mode(base) == fs.ModeIrregular
			for k := len(parents) - 1; k >= 0; k-- {
				p := parents[k]
				if prev, ok := files[p]; ok && prev.wheel != i {
					add(RuleReplace, d.entry, "needs a directory at %s, where %s installs a file", t.show(p), ws[prev.wheel].Filename)
				}
				if _, ok := dirs[p]; !ok {
					dirs[p] = i
				}
				if missing {
					continue
				}
				m := mode(p)
				if m == fs.ModeIrregular {
					missing = true
					continue
				}
				if m&fs.ModeSymlink != 0 {
					add(RuleReplace, d.entry, "would write through the symbolic link %s", t.show(p))
					break
				}
				if !m.IsDir() {
					o.load(installed)
					if !o.removed[o.owner(p).distInfo] {
						add(RuleReplace, d.entry, "would replace the file %s%s with a directory", t.show(p), t.ownedBy(o, p))
					}
					break
				}
			}
			m := fs.ModeIrregular
			if !missing {
				m = mode(d.path)
			}
			switch {
			case m == fs.ModeIrregular:
			case m&fs.ModeSymlink != 0:
				add(RuleReplace, d.entry, "would replace the symbolic link %s", t.show(d.path))
			case m.IsDir():
				o.load(installed)
				if !o.freed(d.path) {
					add(RuleReplace, d.entry, "would replace the directory %s with a file", t.show(d.path))
				}
			default:
				o.load(installed)
				own := o.owner(d.path)
				switch {
				case o.removed[own.distInfo]:
				case own.distInfo != "" && own.hash != "" && own.hash == d.hash:
					// The same bytes, shipped by two distributions (as
					// the nvidia-* wheels share nvidia/__init__.py).
				default:
					add(RuleOwned, d.entry, "would overwrite %s%s", t.show(d.path), t.ownedBy(o, d.path))
				}
			}
		}
		if len(problems) > 0 {
			errs[i] = &CheckError{Wheel: w.Filename, Problems: problems}
		} else {
			t.passed.Store(w, struct{}{})
		}
	}
	return errs
}

func (t *Target) ownedBy(o *owners, p string) string {
	if di := o.owner(p).distInfo; di != "" {
		return ", which belongs to " + strings.TrimSuffix(filepath.Base(di), ".dist-info")
	}
	return ", which no installed distribution owns"
}
