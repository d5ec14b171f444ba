package typosquat

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pyward/pyward/internal/pep503"
)

// Scoring limits; see the package comment.
const (
	// MinScore is the lowest score Check reports.
	MinScore = 0.45
	// HighScore and MediumScore split reported findings into severities.
	HighScore   = 0.75
	MediumScore = 0.55
	// PopularRank is the rank up to which an imitated project counts as
	// fully popular (popularity factor 1).
	PopularRank = 100
	// FamilyFactor scales a finding whose name and imitated name share a
	// plugin-family first token (django-*, flake8-*) and differ after it.
	FamilyFactor = 0.6
	// CombinationMaxRank is the rank both halves of a combination must
	// reach: joining two merely known names is how legitimate glue
	// packages are named.
	CombinationMaxRank = 300
	// CoreRank is the rank within which two joined names are flagged even
	// when one hosts a plugin family.
	CoreRank = 25
	// MaxNameLen bounds the names Check examines; PyPI names are far
	// shorter and longer strings are not worth the work.
	MaxNameLen = 200
	// MaxVersionDigits is the longest trailing number treated as a
	// version rather than part of the name.
	MaxVersionDigits = 2
	// MaxFindings bounds the findings returned for one name.
	MaxFindings = 5
)

// Severity grades a finding.
type Severity string

// Severities, from weakest to strongest.
const (
	SeverityLow    Severity = "low"
	SeverityMedium Severity = "medium"
	SeverityHigh   Severity = "high"
)

// Finding says that Name looks like a squat of the popular project
// Imitates.
type Finding struct {
	Name         string   // the checked name, PEP 503 normalized
	Imitates     string   // the popular project it resembles, normalized
	ImitatedRank int      // popularity rank of Imitates (1 = most downloaded)
	Trick        Trick    // how the name was derived
	Detail       string   // the edit, e.g. "swaps 'u' and 'e' at 3"
	Score        float64  // 0..1, higher is more suspicious
	Severity     Severity // grade of Score
}

// Rule is the finding's rule ID as audit reports it: "typosquat/" and
// the trick.
func (f Finding) Rule() string { return "typosquat/" + string(f.Trick) }

// Why says in one sentence why the rule fired, with the imitated
// project's download rank: "colourama looks like colorama (download rank
// 81): writes "our" where "colorama" has "or"".
func (f Finding) Why() string {
	return fmt.Sprintf("%s looks like %s (download rank %d): %s", f.Name, f.Imitates, f.ImitatedRank, f.Detail)
}

func (f Finding) String() string {
	return fmt.Sprintf("%s imitates %s (rank %d) by %s: %s [%s %.2f]",
		f.Name, f.Imitates, f.ImitatedRank, f.Trick, f.Detail, f.Severity, f.Score)
}

// Check reports the popular projects of the embedded reference that name
// imitates; see (*Reference).Check.
func Check(name string) []Finding { return Embedded().Check(name) }

// Check reports the projects of r that name imitates, best score first.
// Names are compared after PEP 503 normalization; a name that is itself in
// r is never flagged. Check works on any string: non-ASCII look-alike
// letters are folded to ASCII first and reported as homoglyphs.
func (r *Reference) Check(name string) []Finding {
	if len(name) > MaxNameLen*utf8.UTFMax {
		return nil
	}
	ascii, folded := foldConfusables(strings.TrimSpace(name))
	norm := pep503.Normalize(ascii)
	norm = strings.Trim(norm, "-")
	if norm == "" || len(norm) > MaxNameLen {
		return nil
	}
	m := matcher{r: r, norm: norm, flat: stripSeparators(norm), name: norm}
	if folded {
		// Report the name as given, not its ASCII look-alike.
		m.name = strings.Trim(pep503.Normalize(strings.TrimSpace(name)), "-")
	}
	if i, ok := r.id(norm); ok {
		if !folded {
			return nil
		}
		// The name is a popular name spelled with look-alike letters;
		// nothing else about it matters.
		m.emit(i, TrickHomoglyph, "uses non-ASCII look-alike letters")
		return m.results()
	}
	m.separator()
	m.homoglyph()
	m.editDistance1()
	m.version()
	m.affixes()
	m.genericAffix()
	m.combination()
	m.wordOrder()
	m.spelling()
	m.truncation()
	m.multiEdit()
	return m.results()
}

// matcher gathers the candidates of one Check.
type matcher struct {
	r    *Reference
	name string // the checked name as reported
	norm string // normalized, non-ASCII look-alikes folded to ASCII
	flat string // norm without separators
	// inFamilyOK suspends the plugin-family discount while emitting a
	// Python decoration: no plugin is named numpy-python.
	inFamilyOK bool
	cands      []cand
}

type cand struct {
	ref    int32
	trick  Trick
	detail string
	score  float64
}

// emit records that the checked name imitates reference i by trick.
func (m *matcher) emit(i int32, t Trick, detail string) {
	m.emitFull(i, t, detail, m.r.rank(i), 1)
}

// emitScaled is emit with an extra factor for how typo-like the edit is.
func (m *matcher) emitScaled(i int32, t Trick, detail string, factor float64) {
	m.emitFull(i, t, detail, m.r.rank(i), factor)
}

func (m *matcher) emitFull(i int32, t Trick, detail string, rank int, factor float64) {
	if m.r.name(i) == m.name {
		return
	}
	// A look-alike of a versionless name whose versioned sibling is more
	// popular (beautifulsoup, beautifulsoup4) trades on the sibling.
	if t != TrickVersionSuffix && t != TrickCombination {
		best := int32(-1)
		for j := range m.r.vcoreIDs(m.r.flat(i)) {
			if m.r.rank(j) < rank {
				best, rank = j, m.r.rank(j)
			}
		}
		if best >= 0 {
			detail += fmt.Sprintf(" of %q, the versionless spelling of %q", m.r.name(i), m.r.name(best))
			i = best
		}
	}
	target := m.r.name(i)
	if target == m.name {
		return
	}
	s := m.score(t, m.r.flat(i), rank) * factor
	// Inside a plugin family names differ by design (django-filter,
	// django-filters, pytest-plus); only a blatant slip still counts fully
	// there.
	if !m.inFamilyOK && (trickRow(t).decoration || factor < AdjacentFactor) && m.sameFamily(target) {
		s *= FamilyFactor
	}
	if s < MinScore {
		return
	}
	for k := range m.cands {
		if m.cands[k].ref == i {
			if s > m.cands[k].score {
				m.cands[k] = cand{i, t, detail, s}
			}
			return
		}
	}
	m.cands = append(m.cands, cand{i, t, detail, s})
}

// score is weight(trick) × popularity(rank) × length; emitFull applies the
// typo-likeness and family factors.
func (m *matcher) score(t Trick, targetFlat string, rank int) float64 {
	row := trickRow(t)
	if row == nil {
		return 0
	}
	l := len(targetFlat)
	if l < row.minLen {
		return 0
	}
	return row.weight * popularity(rank, row.decay) * lengthFactor(l, row.minLen)
}

// lengthFactor discounts short names, where one edit more often makes a
// different word than a typo: 1 from minLen+3 letters on, 0.6 at minLen.
func lengthFactor(l, minLen int) float64 {
	if l < minLen {
		return 0
	}
	return math.Min(1, 0.6+0.15*float64(l-minLen))
}

// popularity is 1 up to PopularRank and falls with the decades of rank
// beyond it at the trick's decay rate. With decay 0.35 (typos) it is 0.74
// at rank 1,000, 0.63 at 5,000 and 0.57 at 15,000: a blatant typo of a
// rank-5,000 project is still reported, a borderline one only for the most
// popular projects. With decay 1 (decorations) it is 0.5 at rank 1,000 and
// 0.37 at 5,000.
func popularity(rank int, decay float64) float64 {
	if rank <= PopularRank {
		return 1
	}
	return 1 / (1 + decay*math.Log10(float64(rank)/PopularRank))
}

// sameFamily reports whether the checked name lives in a plugin family
// the target belongs to or hosts: both start with the same family token
// (django-filter, django-filters), or the target is itself the family
// token (pytest, pytest-async).
func (m *matcher) sameFamily(target string) bool {
	t, _, _ := strings.Cut(target, "-")
	if !m.isFamily(t) {
		return false
	}
	return strings.HasPrefix(m.norm, t+"-")
}

func (m *matcher) results() []Finding {
	if len(m.cands) == 0 {
		return nil
	}
	sort.Slice(m.cands, func(a, b int) bool {
		ca, cb := m.cands[a], m.cands[b]
		if ca.score != cb.score {
			return ca.score > cb.score
		}
		return m.r.rank(ca.ref) < m.r.rank(cb.ref)
	})
	if len(m.cands) > MaxFindings {
		m.cands = m.cands[:MaxFindings]
	}
	out := make([]Finding, len(m.cands))
	for k, c := range m.cands {
		sev := SeverityLow
		switch {
		case c.score >= HighScore:
			sev = SeverityHigh
		case c.score >= MediumScore:
			sev = SeverityMedium
		}
		out[k] = Finding{
			Name:         m.name,
			Imitates:     m.r.name(c.ref),
			ImitatedRank: m.r.rank(c.ref),
			Trick:        c.trick,
			Detail:       c.detail,
			Score:        math.Round(c.score*1000) / 1000,
			Severity:     sev,
		}
	}
	return out
}

func (m *matcher) separator() {
	for i := range m.r.flatIDs(m.flat) {
		m.emit(i, TrickSeparator, "differs only in separators")
	}
}

func (m *matcher) homoglyph() {
	g := foldHomoglyphs(m.flat)
	for i := range m.r.glyphIDs(g) {
		if m.r.flat(i) != m.flat {
			m.emit(i, TrickHomoglyph, fmt.Sprintf("%q looks like %q", m.flat, m.r.flat(i)))
		}
	}
}

func (m *matcher) editDistance1() {
	m.eachEdit1(m.flat, func(id int32, e edit) {
		m.emitScaled(id, e.trick, e.detail, e.factor)
	})
}

// eachEdit1 calls f with every reference one edit from the
// separator-free name q, once each.
func (m *matcher) eachEdit1(q string, f func(int32, edit)) {
	seen := make([]int32, 0, 16)
	eachDelete(q, func(h uint64) {
		m.r.eachDeleteID(h, func(id int32) {
			if slices.Contains(seen, id) {
				return
			}
			seen = append(seen, id)
			t := m.r.flat(id)
			if e, ok := classifyEdit(q, t); ok {
				f(id, e)
			} else if v := versionCore(t); v != t && !isDigit(q[len(q)-1]) {
				if e, ok := classifyEdit(q, v); ok && e.trick != TrickVersionSuffix {
					e.detail += fmt.Sprintf(" of %q without its version %q", v, t[len(v):])
					f(id, e)
				}
			}
		})
	})
}

// edit is one edit between a name and a reference name.
type edit struct {
	trick  Trick
	detail string
	// factor scales the score by how typo-like the edit is: an edit of
	// the first letter or a digit usually makes a different name on
	// purpose (grequests, ipytest, psycopg2-pool), a substitution between
	// keys far apart on a keyboard is less likely a slip.
	factor float64
}

// Edit factors; see edit.factor. A slip of the fingers doubles or drops a
// letter, swaps two neighbours or hits the key next door; a deliberate new
// name adds a letter in front (grequests, ipytest), appends one
// (psycopg-c), changes a digit (pyqt5, pyqt6) or picks a different word
// (identity, identify).
const (
	TypoFactor      = 1.0  // transposition, doubled or undoubled letter
	AdjacentFactor  = 0.85 // neighbouring key inserted or substituted; inner letter dropped
	FarFactor       = 0.6  // unrelated letter inserted or substituted
	EdgeFactor      = 0.55 // first letter added, dropped or replaced; last letter appended
	DigitEditFactor = 0.5  // a digit added, dropped or replaced inside the name
	// LongName is the separator-free length from which dropping the
	// first letter counts as a slip rather than a different word.
	LongName = 9
	// AffixDropFactor scales a name that drops a prefix or suffix the
	// original has (docx for python-docx): many projects go by both.
	AffixDropFactor = 0.6
	// BarePyAffixFactor scales "py"/"python" glued to a name (pytoml):
	// countless legitimate bindings are named so.
	BarePyAffixFactor = 0.6
)

// classifyEdit names the single edit turning target t into name q (both
// separator-free), or reports false if they are not one edit apart.
func classifyEdit(q, t string) (edit, bool) {
	switch {
	case len(q) == len(t)+1:
		i := firstDiff(q, t)
		if q[:i]+q[i+1:] != t {
			return edit{}, false
		}
		c := q[i]
		doubled := (i > 0 && q[i-1] == c) || (i+1 < len(q) && q[i+1] == c)
		switch {
		case i == len(q)-1 && isDigit(c):
			return edit{TrickVersionSuffix, fmt.Sprintf("appends version %q", c), 1}, true
		case i == len(q)-1 && c == 's' && !doubled:
			return edit{TrickPlural, "appends \"s\"", 1}, true
		}
		e := edit{TrickInsert, fmt.Sprintf("inserts %q at %d", c, i), FarFactor}
		switch {
		case isDigit(c):
			e.factor = DigitEditFactor
		case doubled:
			e.factor = TypoFactor
		case i == 0 || i == len(q)-1:
			e.factor = EdgeFactor
		case keyboardAdjacent(c, q[i-1]) || keyboardAdjacent(c, q[i+1]) || isVowel(c):
			// A neighbouring key or a vowel: how words are misheard.
			e.factor = AdjacentFactor
		}
		return e, true
	case len(q)+1 == len(t):
		i := firstDiff(q, t)
		if t[:i]+t[i+1:] != q {
			return edit{}, false
		}
		c := t[i]
		doubled := (i > 0 && t[i-1] == c) || (i+1 < len(t) && t[i+1] == c)
		switch {
		case i == len(t)-1 && isDigit(c):
			return edit{TrickVersionSuffix, fmt.Sprintf("drops version %q", c), 1}, true
		case i == len(t)-1 && c == 's' && !doubled:
			return edit{TrickPlural, "drops trailing \"s\"", 1}, true
		}
		e := edit{TrickDelete, fmt.Sprintf("drops %q at %d", c, i), AdjacentFactor}
		switch {
		case isDigit(c):
			e.factor = DigitEditFactor
		case doubled:
			e.factor = TypoFactor
		case i == 0 && len(t) < LongName:
			// Short names minus their first letter are often words of
			// their own (rignore → ignore, asyncer → syncer); long ones
			// leave a fragment (ycodestyle).
			e.factor = EdgeFactor
		}
		return e, true
	case len(q) == len(t) && q != t:
		i := firstDiff(q, t)
		if q[i+1:] == t[i+1:] {
			if isDigit(q[i]) && isDigit(t[i]) {
				if i == len(q)-1 {
					return edit{TrickVersionSuffix, fmt.Sprintf("changes version %q to %q", t[i], q[i]), 1}, true
				}
				return edit{}, false // pyqt5-tools vs pyqt6-tools: a version, not a typo
			}
			e := edit{TrickSubstitute, fmt.Sprintf("replaces %q with %q at %d", t[i], q[i], i), FarFactor}
			switch {
			case isDigit(q[i]) || isDigit(t[i]):
				e.factor = DigitEditFactor
			case keyboardAdjacent(q[i], t[i]) || soundAlike(q[i], t[i]):
				e.factor = AdjacentFactor
			}
			if i == 0 {
				e.factor = min(e.factor, EdgeFactor)
			}
			return e, true
		}
		if i+1 < len(q) && q[i] == t[i+1] && q[i+1] == t[i] && q[i+2:] == t[i+2:] {
			return edit{TrickTranspose, fmt.Sprintf("swaps %q and %q at %d", t[i], t[i+1], i), TypoFactor}, true
		}
	}
	return edit{}, false
}

// qwerty rows, for keyboardAdjacent.
var qwerty = [...]string{"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"}

// keyboardAdjacent reports whether a and b are neighbours on a QWERTY
// keyboard (same row or the rows above and below, offset by one).
func keyboardAdjacent(a, b byte) bool {
	ra, ca := keyPos(a)
	rb, cb := keyPos(b)
	if ra < 0 || rb < 0 {
		return false
	}
	dr, dc := ra-rb, ca-cb
	if dr < -1 || dr > 1 {
		return false
	}
	if dr == 0 {
		return dc == 1 || dc == -1
	}
	// Each row is shifted about half a key right of the one above.
	if dr == 1 { // a is below b
		return dc == 0 || dc == -1
	}
	return dc == 0 || dc == 1
}

func keyPos(c byte) (row, col int) {
	for r, s := range qwerty {
		if i := strings.IndexByte(s, c); i >= 0 {
			return r, i
		}
	}
	return -1, -1
}

func firstDiff(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// version finds names that add, drop or change a trailing version number
// of up to MaxVersionDigits digits, possibly after a 'v' (requests-v2,
// tensorflow22); the one-digit cases also come out of editDistance1.
// Longer digit runs are part of the name (iso8601, flake8-2020).
func (m *matcher) version() {
	v := versionCore(m.flat)
	if v == m.flat {
		// The name has no version: it may drop one the target has.
		for i := range m.r.vcoreIDs(v) {
			m.emit(i, TrickVersionSuffix, fmt.Sprintf("drops version %q", m.r.flat(i)[len(v):]))
		}
		return
	}
	for i := range m.r.flatIDs(v) {
		m.emit(i, TrickVersionSuffix, fmt.Sprintf("appends version %q", m.flat[len(v):]))
	}
	for i := range m.r.vcoreIDs(v) {
		if m.r.flat(i) != m.flat {
			m.emit(i, TrickVersionSuffix, fmt.Sprintf("changes version %q to %q", m.r.flat(i)[len(v):], m.flat[len(v):]))
		}
	}
}

// affixes finds names that add, drop or swap a prefix or suffix.
func (m *matcher) affixes() {
	n := m.norm
	// The name carries a Python prefix or suffix: the rest may be a
	// reference name (python-sqlite) or a reference core with another
	// affix (python3-dateutil vs python-dateutil, pythonkafka vs
	// kafka-python).
	m.inFamilyOK = true
	for _, p := range pythonPrefixes {
		if c, ok := strings.CutPrefix(n, p); ok && len(c) >= MinCoreLen {
			m.affixRest(c, p, true)
		}
	}
	for _, s := range pythonSuffixes {
		if c, ok := strings.CutSuffix(n, s); ok && len(c) >= MinCoreLen {
			m.affixRest(c, s, false)
		}
	}
	m.inFamilyOK = false
	// The name may drop an affix the reference has (dateutil for
	// python-dateutil): weaker, since many projects are known by both
	// names (docx, python-docx).
	for cr := range m.r.cores(n) {
		m.emitAffix(cr.ref, cr.isPre, fmt.Sprintf("drops %q", cr.affix), AffixDropFactor)
	}
}

func (m *matcher) affixRest(rest, affix string, isPre bool) {
	rest = strings.Trim(rest, "-")
	// "py" glued to a name is how countless legitimate bindings are named
	// (pytoml, pygraphviz); a separated "python-" or "-py" is the squat.
	factor := 1.0
	if !strings.Contains(affix, "-") {
		factor = BarePyAffixFactor
	}
	if i, ok := m.r.id(rest); ok {
		verb := "appends"
		if isPre {
			verb = "prepends"
		}
		m.emitAffix(i, isPre, fmt.Sprintf("%s %q", verb, affix), factor)
	}
	// The rest may also drop a version the original has (pyurllib for
	// urllib3).
	for i := range m.r.vcoreIDs(rest) {
		m.emitAffix(i, isPre, fmt.Sprintf("adds %q and drops version %q", affix, versionSuffix(m.r.flat(i))), factor)
	}
	for cr := range m.r.cores(rest) {
		if cr.affix == affix && cr.isPre == isPre {
			continue
		}
		m.emitAffix(cr.ref, isPre, fmt.Sprintf("uses %q where the original has %q", affix, cr.affix), 1)
	}
}

func (m *matcher) emitAffix(i int32, isPre bool, detail string, factor float64) {
	t := TrickSuffix
	if isPre {
		t = TrickPrefix
	}
	m.emitScaled(i, t, detail, factor)
}

func (m *matcher) isFamily(token string) bool { return m.r.isFamily(token) }

// foldConfusables maps non-ASCII look-alike letters to ASCII and reports
// whether it changed anything. Other non-ASCII runes are kept; they match
// nothing.
func foldConfusables(s string) (string, bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s, false
	}
	var b strings.Builder
	changed := false
	for _, c := range s {
		if a, ok := confusable(c); ok {
			b.WriteRune(a)
			changed = true
			continue
		}
		b.WriteRune(c)
	}
	return b.String(), changed
}
