package typosquat

import (
	"fmt"
	"slices"
	"strings"
)

// Limits of the multi-edit, spelling and truncation rules.
const (
	// MaxMultiEditCost is the largest weighted edit distance (typoCost)
	// the multi-edit rule accepts: two unrelated letters, or four slips
	// such as doubled letters and swapped vowels.
	MaxMultiEditCost = 2.0
	// MaxMultiEditRatio bounds the weighted distance per letter of the
	// imitated name: two edits in a seven-letter name are a new word.
	MaxMultiEditRatio = 0.22
	// MaxMultiEditLen bounds the names the multi-edit rule compares
	// letter by letter (the cost is quadratic in the length).
	MaxMultiEditLen = 40
	// SkeletonMinLen is the shortest sound skeleton indexed: shorter ones
	// are shared by too many unrelated names to narrow the search.
	SkeletonMinLen = 4
	// HeadLen is how many leading letters key the truncation lookup; a
	// truncation keeps at least MinTruncationShare of the name and never
	// fewer than HeadLen letters.
	HeadLen            = 6
	MinTruncationShare = 0.6
)

// multiEdit finds misspellings two or more edits away that a hurried
// typist makes: vowels swapped, letters doubled or dropped, neighbouring
// keys hit (matplotlyb, tensorflw-gpu, torchvisionn). Candidates share a
// sound skeleton (skeleton) up to one consonant; typoCost then weighs
// the edits letter by letter.
func (m *matcher) multiEdit() {
	q := m.flat
	if len(q) > MaxMultiEditLen || len(q) < trickRow(TrickMultiEdit).minLen-1 {
		return
	}
	sk := skeleton(q)
	if len(sk) < SkeletonMinLen-1 {
		return
	}
	seen := make([]int32, 0, 16)
	eachDelete(sk, func(h uint64) {
		m.r.eachSkelID(h, func(id int32) {
			if slices.Contains(seen, id) {
				return
			}
			seen = append(seen, id)
			q, t := q, m.r.flat(id)
			if t == q || len(t) > MaxMultiEditLen {
				return
			}
			if _, one := classifyEdit(q, t); one || q[0] != t[0] || strings.HasPrefix(t, q) {
				// editDistance1 or truncation judged it; or the first
				// letter differs, which typists rarely miss and new names
				// often do.
				return
			}
			if p := sharedLeadWord(m.norm, m.r.name(id)); p > 0 {
				// python-okx, python-docx: judge the words that differ.
				q, t = q[p:], t[p:]
				if len(q) == 0 || len(t) == 0 || q[0] != t[0] {
					return
				}
			}
			cost := typoCost(q, t)
			if cost > MaxMultiEditCost || cost > MaxMultiEditRatio*float64(len(t)) {
				return
			}
			m.emitScaled(id, TrickMultiEdit, fmt.Sprintf("is %.1f slips from %q (vowels, doubled letters, neighbouring keys count less)", cost, m.r.name(id)), multiEditFactor(cost))
		})
	})
}

// multiEditFactor maps a weighted distance to the typo-likeness factor:
// 0.92 for two doubled letters (cost 0.8), 0.5 at MaxMultiEditCost.
func multiEditFactor(cost float64) float64 {
	return min(1, max(0, 1.2-0.35*cost))
}

// skeleton reduces a separator-free name to its sound: c, k and q become
// k, z becomes s, ph becomes f, vowels (and y) after the first letter are
// dropped, a leading vowel becomes 'a', and repeated letters collapse.
// Misspellings that keep the sound (matplotlyb, tensorflw, reqquests)
// keep the skeleton.
func skeleton(f string) string {
	b := make([]byte, 0, len(f))
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch c {
		case 'c', 'q':
			c = 'k'
		case 'z':
			c = 's'
		case 'p':
			if i+1 < len(f) && f[i+1] == 'h' {
				c = 'f'
				i++
			}
		}
		if isVowel(c) {
			if len(b) > 0 {
				continue
			}
			c = 'a'
		}
		if len(b) > 0 && b[len(b)-1] == c {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// Costs of typoCost's edits.
const (
	costSoundSub    = 0.5 // vowel for vowel, c/k/q/s, s/z
	costAdjacentSub = 0.7 // neighbouring QWERTY key
	costDoubled     = 0.4 // a letter doubled or undoubled
	costVowelIndel  = 0.7 // a vowel added or dropped
	costTranspose   = 0.6 // two neighbours swapped
	// costDigit puts any edit of a digit beyond MaxMultiEditCost: a
	// changed digit is a version or a variant (cuda12x, cuda13x), not a
	// typo.
	costDigit = MaxMultiEditCost + 1
	// costEnd is added to an edit of the last EndLetters letters.
	costEnd    = 0.3
	EndLetters = 2
)

// sharedLeadWord returns the length, separators removed, of the leading
// words two names share (python- in python-okx and python-docx), or 0.
func sharedLeadWord(a, b string) int {
	n, letters := 0, 0
	for i := 0; i < len(a) && i < len(b) && a[i] == b[i]; i++ {
		if a[i] == '-' {
			n = letters
			continue
		}
		letters++
	}
	return n
}

// typoCost is the weighted optimal-string-alignment distance between q
// and t: an edit a typist makes often costs less than 1 (see the cost
// constants); anything else costs 1.
func typoCost(q, t string) float64 {
	n, k := len(q), len(t)
	prev2 := make([]float64, k+1)
	prev := make([]float64, k+1)
	cur := make([]float64, k+1)
	for j := 1; j <= k; j++ {
		prev[j] = prev[j-1] + indelCost(t, j-1) + endCost(j-1, k)
	}
	for i := 1; i <= n; i++ {
		cur[0] = prev[0] + indelCost(q, i-1) + endCost(i-1, n)
		for j := 1; j <= k; j++ {
			best := prev[j] + indelCost(q, i-1) + endCost(i-1, n) // q has an extra letter
			best = min(best, cur[j-1]+indelCost(t, j-1)+endCost(j-1, k))
			if q[i-1] == t[j-1] {
				best = min(best, prev[j-1])
			} else {
				best = min(best, prev[j-1]+subCost(q[i-1], t[j-1])+endCost(j-1, k))
			}
			if i > 1 && j > 1 && q[i-1] == t[j-2] && q[i-2] == t[j-1] && q[i-1] != q[i-2] {
				best = min(best, prev2[j-2]+costTranspose+endCost(j-1, k))
			}
			cur[j] = best
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[k]
}

// endCost is the extra cost of an edit in the last EndLetters letters of
// a name of length n: a changed ending makes another word (pandoc,
// tabulator, networkit) more often than a slip does.
func endCost(i, n int) float64 {
	if i >= n-EndLetters {
		return costEnd
	}
	return 0
}

// indelCost is the cost of s[i] being added to or dropped from a name.
func indelCost(s string, i int) float64 {
	c := s[i]
	if isDigit(c) {
		return costDigit
	}
	if (i > 0 && s[i-1] == c) || (i+1 < len(s) && s[i+1] == c) {
		return costDoubled
	}
	if isVowel(c) {
		return costVowelIndel
	}
	return 1
}

func subCost(a, b byte) float64 {
	switch {
	case a == b:
		return 0
	case isDigit(a) || isDigit(b):
		return costDigit
	case soundAlike(a, b):
		return costSoundSub
	case keyboardAdjacent(a, b):
		return costAdjacentSub
	}
	return 1
}

// soundAlike reports whether two letters are interchangeable by ear.
func soundAlike(a, b byte) bool {
	if isVowel(a) && isVowel(b) {
		return true
	}
	group := func(c byte) int {
		switch c {
		case 'c', 'k', 'q':
			return 1
		case 's', 'z':
			return 2
		}
		return 0
	}
	ga, gb := group(a), group(b)
	return ga != 0 && (ga == gb || (a == 'c' && gb == 2) || (b == 'c' && ga == 2))
}

// spellingVariants are the British/American and inflection pairs the
// spelling rule swaps, both ways, one occurrence at a time.
var spellingVariants = [...][2]string{
	{"our", "or"}, {"ise", "ize"}, {"yse", "yze"}, {"tre", "ter"},
	{"ies", "y"}, {"es", ""}, {"ph", "f"},
}

// spelling finds a popular name spelled the other side of the Atlantic
// or in another inflection (colourama, pandases).
func (m *matcher) spelling() {
	f := m.flat
	for _, v := range spellingVariants {
		for _, dir := range [2][2]string{{v[0], v[1]}, {v[1], v[0]}} {
			from, to := dir[0], dir[1]
			if from == "" {
				continue
			}
			for i := 0; ; {
				k := strings.Index(f[i:], from)
				if k < 0 {
					break
				}
				k += i
				// Suffix-only variants (es, ies) apply at the end.
				if (from == "es" || from == "ies") && k+len(from) != len(f) {
					i = k + 1
					continue
				}
				alt := f[:k] + to + f[k+len(from):]
				if id, ok := m.bestFlat(alt); ok {
					m.emit(id, TrickSpelling, fmt.Sprintf("writes %q where %q has %q", from, m.r.name(id), to))
				}
				i = k + 1
			}
		}
	}
}

// truncation finds a popular name cut short inside a word (tensorfl,
// matplotl): the name is a prefix of the original that keeps at least
// MinTruncationShare of it and does not end at one of its word
// boundaries (docx for python-docx is an affix drop; dateutil a word).
func (m *matcher) truncation() {
	q := m.flat
	if len(q) < HeadLen || isDigit(q[len(q)-1]) {
		return
	}
	for id := range m.r.headIDs(q[:HeadLen]) {
		t := m.r.flat(id)
		if len(t)-len(q) < 2 || !strings.HasPrefix(t, q) || float64(len(q)) < MinTruncationShare*float64(len(t)) {
			continue
		}
		if cutAtWord(m.r.name(id), len(q)) || allDigits(t[len(q):]) {
			continue
		}
		m.emitScaled(id, TrickTruncation, fmt.Sprintf("keeps the first %d of %d letters of %q", len(q), len(t), m.r.name(id)), float64(len(q))/float64(len(t)))
	}
}

// cutAtWord reports whether the first n letters of name (separators not
// counted) end at a separator.
func cutAtWord(name string, n int) bool {
	seen := 0
	for i := 0; i < len(name); i++ {
		if name[i] == '-' {
			if seen == n {
				return true
			}
			continue
		}
		seen++
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
