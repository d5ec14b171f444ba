package typosquat

import (
	"fmt"
	"strings"
)

// Limits of the rules that take a name apart into words.
const (
	// MaxNameTokens bounds the '-'-separated words the generic-affix and
	// word-order rules take apart: real names rarely have more, and the
	// work grows with their number.
	MaxNameTokens = 5
	// MaxPermuteTokens bounds the words the word-order rule permutes
	// (4! = 24 lookups).
	MaxPermuteTokens = 4
	// GluedAffixFactor scales a generic word glued to a popular name
	// without a separator (installnumpy): weaker than a separated one,
	// since some glued words end ordinary names.
	GluedAffixFactor = 0.85
	// AddonWordFactor scales a popular name with only add-on words
	// (isAddonWord) around it: legitimate add-ons are named so too.
	AddonWordFactor = 0.75
	// AffixedTypoFactor scales a misspelled popular name wrapped in
	// generic words, two tricks at once; MinTypoCoreLen is the shortest
	// core searched for a typo.
	AffixedTypoFactor = 0.85
	MinTypoCoreLen    = 6
)

// genericAffix finds a popular name wrapped in generic packaging words,
// separated (install-numpy, urllib3-loader, pyyaml-client-lib) or glued
// (installnumpy, requestslib): every word that is not the popular name
// must be a generic word (isGenericWord, gluedGenericWords).
func (m *matcher) genericAffix() {
	toks := strings.Split(m.norm, "-")
	if len(toks) >= 2 && len(toks) <= MaxNameTokens {
		for i := 0; i < len(toks); i++ {
			for j := len(toks); j > i; j-- {
				if i == 0 && j == len(toks) {
					continue
				}
				if !allGeneric(toks[:i]) || !allGeneric(toks[j:]) {
					continue
				}
				core := strings.Join(toks[i:j], "-")
				if len(core) < MinCoreLen {
					continue
				}
				if id, ok := m.r.id(core); ok {
					factor := AddonWordFactor
					if anyBait(toks[:i], isBaitWord) || anyBait(toks[j:], isBaitSuffix) {
						// No plugin is named requests-install.
						factor = 1
						m.inFamilyOK = true
					}
					m.emitScaled(id, TrickGenericAffix, affixDetail(toks[:i], toks[j:], core), factor)
					m.inFamilyOK = false
				} else if len(core) >= MinTypoCoreLen {
					m.affixedTypo(core, affixDetail(toks[:i], toks[j:], core))
				}
			}
		}
	}
	if len(toks) > 1 {
		return // glued words only count in a name without separators
	}
	f := m.flat
	for _, w := range gluedGenericWords {
		if c, ok := strings.CutPrefix(f, w); ok && len(c) >= MinCoreLen+2 {
			if id, ok := m.bestFlat(c); ok {
				m.emitScaled(id, TrickGenericAffix, fmt.Sprintf("glues %q in front of %q", w, m.r.name(id)), GluedAffixFactor)
			}
		}
		if c, ok := strings.CutSuffix(f, w); ok && len(c) >= MinCoreLen+2 {
			if id, ok := m.bestFlat(c); ok {
				m.emitScaled(id, TrickGenericAffix, fmt.Sprintf("glues %q after %q", w, m.r.name(id)), GluedAffixFactor)
			}
		}
	}
}

// affixedTypo finds a misspelled popular name inside generic words
// (matplatlib-plus): one edit of the core, scored as the edit and the
// affix together (AffixedTypoFactor).
func (m *matcher) affixedTypo(core, affix string) {
	m.eachEdit1(stripSeparators(core), func(id int32, e edit) {
		if e.trick == TrickVersionSuffix || e.trick == TrickPlural {
			return
		}
		m.emitScaled(id, TrickGenericAffix, fmt.Sprintf("%s, where %q %s of %q", affix, core, e.detail, m.r.name(id)), e.factor*AffixedTypoFactor)
	})
}

func anyBait(words []string, bait func(string) bool) bool {
	for _, w := range words {
		if bait(w) {
			return true
		}
	}
	return false
}

func allGeneric(words []string) bool {
	for _, w := range words {
		if !isGenericWord(w) {
			return false
		}
	}
	return true
}

func affixDetail(pre, post []string, core string) string {
	var parts []string
	if len(pre) > 0 {
		parts = append(parts, fmt.Sprintf("puts %q in front of %q", strings.Join(pre, "-")+"-", core))
	}
	if len(post) > 0 {
		parts = append(parts, fmt.Sprintf("appends %q to %q", "-"+strings.Join(post, "-"), core))
	}
	return strings.Join(parts, " and ") + " (generic packaging words)"
}

// bestFlat returns the best-ranked reference whose separator-free form
// is f.
func (m *matcher) bestFlat(f string) (int32, bool) {
	best := int32(-1)
	for id := range m.r.flatIDs(f) {
		if best < 0 || id < best {
			best = id
		}
	}
	return best, best >= 0
}

// combination finds names made of two popular names, joined by a
// separator (requests-urllib3) or glued (numpyrequests). A first half
// that hosts a plugin family (pytest, flask, types) makes a separated
// name an ordinary plugin (pytest-redis, flask-sqlalchemy), so it does
// not count, unless both halves are core infrastructure (top CoreRank)
// that nobody writes plugins pairing. Plugins name their host first, so
// a family host in second place (scipy-matplotlib) is no excuse.
func (m *matcher) combination() {
	n := m.norm
	for k := 0; k < len(n); k++ {
		if n[k] != '-' {
			continue
		}
		a, b := n[:k], n[k+1:]
		ia, okA := m.r.id(a)
		ib, okB := m.r.id(b)
		if !okA || !okB {
			continue
		}
		if m.hostsFamily(a) && max(m.r.rank(ia), m.r.rank(ib)) > CoreRank {
			continue
		}
		m.emitCombination(ia, ib)
	}
	if strings.IndexByte(n, '-') >= 0 {
		return
	}
	// Glued: no plugin is named so, families do not excuse it.
	f := m.flat
	for k := MinCoreLen; k <= len(f)-MinCoreLen; k++ {
		ia, okA := m.bestFlat(f[:k])
		if !okA {
			continue
		}
		if ib, okB := m.bestFlat(f[k:]); okB {
			m.emitCombination(ia, ib)
		}
	}
}

// hostsFamily reports whether the first word of name is a plugin-family
// token (types in types-requests).
func (m *matcher) hostsFamily(name string) bool {
	t, _, _ := strings.Cut(name, "-")
	return m.isFamily(t)
}

// emitCombination reports a name joining references ia and ib, against
// the better-ranked one and scored at the weaker one's rank: joining two
// merely known names is how legitimate glue packages are named.
func (m *matcher) emitCombination(ia, ib int32) {
	ra, rb := m.r.rank(ia), m.r.rank(ib)
	if ra > CombinationMaxRank || rb > CombinationMaxRank || ia == ib {
		return
	}
	best, weaker := ia, rb
	if rb < ra {
		best, weaker = ib, ra
	}
	detail := fmt.Sprintf("joins %q (rank %d) and %q (rank %d)", m.r.name(ia), ra, m.r.name(ib), rb)
	m.emitFull(best, TrickCombination, detail, weaker, 1)
}

// wordOrder finds the words of a popular name in another order
// (learn-scikit for scikit-learn, dateutil-python).
func (m *matcher) wordOrder() {
	toks := strings.Split(m.norm, "-")
	if len(toks) < 2 || len(toks) > MaxPermuteTokens {
		return
	}
	perm := make([]string, len(toks))
	used := make([]bool, len(toks))
	var rec func(k int)
	rec = func(k int) {
		if k == len(toks) {
			f := strings.Join(perm, "")
			if f == m.flat {
				return
			}
			if id, ok := m.bestFlat(f); ok && m.r.name(id) != m.norm {
				m.emit(id, TrickWordOrder, fmt.Sprintf("reorders the words of %q", m.r.name(id)))
			}
			return
		}
		for i, t := range toks {
			if used[i] {
				continue
			}
			used[i] = true
			perm[k] = t
			rec(k + 1)
			used[i] = false
		}
	}
	rec(0)
}
