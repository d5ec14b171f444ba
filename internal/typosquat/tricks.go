package typosquat

// Trick names one way a squatter derives a look-alike name. The values are
// stable strings, printed in reports and matched by tests.
type Trick string

// The tricks, in the order Check tries them; see the package comment and
// the tricks table for what each one catches and how much it weighs.
const (
	TrickSeparator     Trick = "separator"
	TrickHomoglyph     Trick = "homoglyph"
	TrickTranspose     Trick = "edit-distance-1/transpose"
	TrickSubstitute    Trick = "edit-distance-1/substitute"
	TrickInsert        Trick = "edit-distance-1/insert"
	TrickDelete        Trick = "edit-distance-1/delete"
	TrickPlural        Trick = "plural/singular"
	TrickVersionSuffix Trick = "version-suffix"
	TrickPrefix        Trick = "prefix"
	TrickSuffix        Trick = "suffix"
	TrickCombination   Trick = "combination"
	TrickGenericAffix  Trick = "generic-affix"
	TrickMultiEdit     Trick = "multi-edit"
	TrickSpelling      Trick = "spelling-variant"
	TrickTruncation    Trick = "truncation"
	TrickWordOrder     Trick = "word-order"
)

// trickInfo is one row of the tricks table.
type trickInfo struct {
	trick Trick
	// weight is how suspicious the trick is on its own, before the
	// popularity of the imitated project and the name length scale it.
	weight float64
	// decay is how fast the popularity factor falls per decade of rank
	// beyond PopularRank. Typos hit any project a user types, so edit
	// tricks decay slowly; decorations (affixes, separators, versions)
	// only pay off for famous names and legitimate projects use them all
	// the time, so they decay fast.
	decay float64
	// decoration marks tricks that decorate a name rather than mistype
	// it; legitimate plugins decorate their host's name (pytest-plus), so
	// inside a plugin family these are discounted.
	decoration bool
	// minLen is the shortest imitated name (separators removed) the trick
	// applies to: one edit in a 4-letter name is a different word.
	minLen int
	// what the trick does, for documentation and reports.
	what string
}

// tricks is the one table of look-alike tricks. Check tries each trick
// against the whole reference through the index and scores every match as
// weight × popularity(rank) × length factor × family factor.
var tricks = [...]trickInfo{
	{TrickSeparator, 0.90, 1.0, true, 4, "adds, removes or moves '-', '_' or '.' (setup-tools → setuptools)"},
	{TrickHomoglyph, 0.95, 0.35, false, 4, "swaps look-alike characters: 0/o 1/l/i 3/e 4/a 5/s 7/t 8/b rn/m vv/w cl/d, Unicode confusables (jeIlyfish → jellyfish)"},
	{TrickTranspose, 1.0, 0.35, false, 4, "swaps two adjacent letters (reqeusts → requests)"},
	{TrickSubstitute, 0.9, 0.35, false, 5, "replaces one letter (djengo → django)"},
	{TrickInsert, 0.9, 0.35, false, 4, "adds one letter (colourama → colorama)"},
	{TrickDelete, 0.9, 0.35, false, 5, "drops one letter (urlib3 → urllib3)"},
	{TrickPlural, 0.65, 1.0, true, 5, "adds or drops a trailing s (request → requests)"},
	{TrickVersionSuffix, 0.55, 1.0, false, 4, "adds, drops or changes a trailing version number (requests2 → requests, urllib → urllib3)"},
	{TrickPrefix, 0.80, 1.0, true, 4, "adds or swaps a prefix such as python-, py-, python3- (python3-dateutil → python-dateutil)"},
	{TrickSuffix, 0.70, 1.0, true, 4, "adds or swaps a suffix such as -py, -python, -lib, -sdk, -client (requests-dev → requests)"},
	{TrickCombination, 0.65, 0.8, true, 3, "joins two popular names, with or without a separator (requests-urllib3, numpyrequests)"},
	{TrickGenericAffix, 0.70, 0.5, true, 4, "wraps a popular name in generic packaging words such as install-, -client, -loader, -lib (install-numpy, urllib3-loader)"},
	{TrickMultiEdit, 0.9, 0.35, false, 6, "two or more slips that sound or type alike: vowels swapped, letters doubled, neighbouring keys (matplotlyb → matplotlib)"},
	{TrickSpelling, 0.85, 0.6, true, 5, "a British/American spelling or plural form of the name (colourama → colorama, numpyes → numpy)"},
	{TrickTruncation, 0.70, 1.0, true, 7, "cuts the end off a popular name inside a word (tensorfl → tensorflow)"},
	{TrickWordOrder, 0.80, 1.0, true, 6, "reorders the words of a popular name (learn-scikit → scikit-learn)"},
}

func trickRow(t Trick) *trickInfo {
	for i := range tricks {
		if tricks[i].trick == t {
			return &tricks[i]
		}
	}
	return nil
}

// Description says what the trick does, with an example.
func (t Trick) Description() string {
	if row := trickRow(t); row != nil {
		return row.what
	}
	return ""
}

// Tricks returns the names of all tricks in table order.
func Tricks() []Trick {
	out := make([]Trick, len(tricks))
	for i, t := range tricks {
		out[i] = t.trick
	}
	return out
}

// pythonPrefixes and pythonSuffixes are the "this is the Python binding"
// decorations squatters add, drop or swap (python3-dateutil for
// python-dateutil, python-mongo for pymongo, nmap-python for python-nmap).
// Reference names are indexed by the core left after removing one of them.
// Longer entries first: stripping tries them in order.
var pythonPrefixes = [...]string{
	"python3-", "python2-", "python-", "py3-", "py2-", "py-",
	"python3", "python2", "python", "py3", "py",
}

var pythonSuffixes = [...]string{
	"-python3", "-python2", "-python", "-py3", "-py2", "-py",
	"python3", "python", "py3", "py",
}

// isGenericWord reports whether a name token is a generic packaging
// word: one that says what kind of package this is or what to do with it,
// not what it is about. Squatters wrap a popular name in them to look like
// an official add-on or installer (install-numpy, urllib3-loader,
// pyyaml-client, requests-lib). The list has two parts:
//
//   - the words legitimate projects of the top-15,000 download ranking add
//     most often to another ranked project's name (counted over the list:
//     core 67, client 28, cli 25, api 17, sdk 15, tools 14, utils 14, ...;
//     see BENCHMARKS.md, "Typo-squat detection"), excluding words that name
//     a technology (redis, json, django): those make plugins, not wrappers;
//   - the action and bait words of install-time malware (install, setup,
//     loader, download, update, fix, official, secure).
//
// "py" and "python" are Python decorations with rules of their own
// (pythonPrefixes, pythonSuffixes). A switch keeps the set free of
// start-up cost.
func isGenericWord(w string) bool { return isBaitWord(w) || isAddonWord(w) }

// isBaitWord reports whether w is a generic word no legitimate add-on is
// named by: what to do with the package or a claim about it (install,
// loader, official, secure). A popular name with one is never a plugin,
// so the plugin-family discount does not apply.
func isBaitWord(w string) bool {
	switch w {
	case "install", "installer", "installs", "setup", "setups", "loader", "load",
		"download", "downloader", "update", "updated", "updater", "upgrade", "print",
		"printer", "get", "run", "runner", "official", "real", "the", "my", "free",
		"secure", "safe", "fix", "fixed", "patch", "patched", "latest", "new", "better",
		"easy", "pip", "pypi":
		return true
	}
	return false
}

// isBaitSuffix reports whether w, appended to a popular name, is bait
// even after a plugin-family host: pytest-print and django-upgrade are
// plugins, requests-install is not.
func isBaitSuffix(w string) bool {
	switch w {
	case "install", "installer", "installs", "setup", "setups", "loader", "download",
		"downloader", "official", "secure", "fix", "fixed", "patch", "patched":
		return true
	}
	return false
}

// isAddonWord reports whether w is a generic word legitimate add-ons also
// use (requests-toolbelt is not one, but kubernetes-client and
// typer-cli are): such a name only counts against the most popular
// projects (AddonWordFactor).
func isAddonWord(w string) bool {
	switch w {
	case "api", "apis", "sdk", "lib", "libs", "library", "client", "clients", "cli",
		"core", "tool", "tools", "toolkit", "toolbox", "kit", "util", "utils", "utility",
		"utilities", "helper", "helpers", "common", "base", "dev", "devel", "ext", "extra",
		"extras", "extension", "extensions", "plugin", "plugins", "addon", "addons",
		"wrapper", "module", "modules", "pkg", "package", "packages", "bin", "binary",
		"binaries", "src", "source", "build", "dist", "release", "stable", "nightly",
		"beta", "alpha", "next", "ng", "lite", "pro", "plus", "full", "fast", "faster",
		"async", "master", "win", "windows", "pack":
		return true
	}
	return false
}

// gluedGenericWords are the generic words also tried glued to a popular
// name without a separator (installnumpy, requestslib, pyyamlclient):
// only the unambiguous ones, long enough not to end ordinary words.
var gluedGenericWords = [...]string{
	"install", "installer", "setup", "loader", "download", "client", "sdk",
	"lib", "tools", "utils", "helper", "official", "update",
}

// homoglyphSingle and homoglyphMulti map look-alike characters and letter
// pairs to one canonical spelling; see foldHomoglyphs. They apply to
// lower-case names with separators removed.
var homoglyphMulti = [...][2]string{
	{"rn", "m"}, {"vv", "w"}, {"cl", "d"},
}

var homoglyphSingle = [256]byte{
	'0': 'o', '1': 'l', 'i': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b',
}

// confusable folds a non-ASCII letter that renders like an ASCII one
// (Cyrillic and Greek look-alikes, fullwidth forms, dashes) to ASCII. PyPI
// rejects such names, but a requirement file or a vetting query may still
// carry them. A switch keeps the table free of start-up cost.
func confusable(c rune) (rune, bool) {
	switch c {
	case 'а', 'α', 'А':
		return 'a', true
	case 'В':
		return 'b', true
	case 'с', 'С':
		return 'c', true
	case 'ԁ':
		return 'd', true
	case 'е', 'Е':
		return 'e', true
	case 'ɡ':
		return 'g', true
	case 'һ', 'Н':
		return 'h', true
	case 'і', 'ι', 'ı', 'І':
		return 'i', true
	case 'ј':
		return 'j', true
	case 'κ', 'К':
		return 'k', true
	case 'ӏ', 'ℓ', 'ⅼ':
		return 'l', true
	case 'М':
		return 'm', true
	case 'о', 'ο', 'О':
		return 'o', true
	case 'р', 'ρ', 'Р':
		return 'p', true
	case 'ѕ':
		return 's', true
	case 'τ', 'Т':
		return 't', true
	case 'ν':
		return 'v', true
	case 'х', 'Х':
		return 'x', true
	case 'у':
		return 'y', true
	case '−', '‐', '‑', '–':
		return '-', true
	}
	return 0, false
}
