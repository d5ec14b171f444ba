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
	{TrickCombination, 0.60, 1.0, true, 3, "joins two popular names (requests-urllib3)"},
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

// genericSuffixes are words that make a squat look like an official add-on
// of the imitated project (requests-dev, numpy-utils). They are only tried
// as an addition to a reference name, never stripped from reference names,
// because many legitimate projects carry them.
var genericSuffixes = [...]string{
	"-lib", "-dev", "-sdk", "-api", "-client", "-tools", "-tool", "-utils",
	"-util", "-core", "-cli", "-plus", "-pro", "-lite", "-official", "-latest",
	"-new", "-fix", "-fixed", "-patch", "-patched", "-ng", "-next", "-helper",
	"-helpers", "-toolkit", "-wrapper", "-ext", "-extension", "-async",
	"-secure", "-update", "-updated", "-master", "-pkg", "-package", "-module",
	"lib",
}

// genericPrefixes are the same idea in front of the name.
var genericPrefixes = [...]string{
	"lib-", "lib", "pip-", "pypi-", "the-", "real-", "official-", "secure-",
	"fast-", "easy-", "new-", "better-",
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

// confusables folds non-ASCII letters that render like ASCII ones (Cyrillic
// and Greek look-alikes, fullwidth forms) to ASCII. PyPI rejects such names,
// but a requirement file or a vetting query may still carry them.
var confusables = map[rune]rune{
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x',
	'і': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'ɡ': 'g', 'һ': 'h', 'ӏ': 'l',
	'α': 'a', 'ο': 'o', 'ρ': 'p', 'ν': 'v', 'τ': 't', 'κ': 'k', 'ι': 'i',
	'ı': 'i', 'ℓ': 'l', 'ⅼ': 'l', '−': '-', '‐': '-', '‑': '-', '–': '-',
	'А': 'a', 'В': 'b', 'Е': 'e', 'К': 'k', 'М': 'm', 'Н': 'h', 'О': 'o',
	'Р': 'p', 'С': 'c', 'Т': 't', 'Х': 'x', 'І': 'i',
}
