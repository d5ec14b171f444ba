package pep440

import (
	"math"
	"strconv"
	"strings"
)

// maxSmallDigits is the longest digit run that always fits in a uint64
// (10^19-1 < 2^64). Longer runs are checked exactly and kept as text if
// they overflow.
const maxSmallDigits = 19

// num is an arbitrary-size non-negative integer from a version string.
// Values that fit in a uint64 live in lo; larger ones keep their decimal
// digits (no leading zeros) in big, so ordering stays exact without
// allocating during comparison. PEP 440 sets no upper limit on numbers.
type num struct {
	lo  uint64
	big string
}

// parseNum converts an ASCII digit run (possibly with leading zeros).
func parseNum(digits string) num {
	d := strings.TrimLeft(digits, "0")
	if len(d) <= maxSmallDigits {
		var v uint64
		for i := 0; i < len(d); i++ {
			v = v*10 + uint64(d[i]-'0')
		}
		return num{lo: v}
	}
	if v, err := strconv.ParseUint(d, 10, 64); err == nil {
		return num{lo: v}
	}
	return num{big: d}
}

func (n num) isZero() bool { return n.big == "" && n.lo == 0 }

// cmp orders two numbers: -1, 0 or +1.
func (n num) cmp(m num) int {
	switch {
	case n.big == "" && m.big == "":
		switch {
		case n.lo < m.lo:
			return -1
		case n.lo > m.lo:
			return 1
		}
		return 0
	case n.big == "":
		return -1
	case m.big == "":
		return 1
	}
	if len(n.big) != len(m.big) {
		if len(n.big) < len(m.big) {
			return -1
		}
		return 1
	}
	return strings.Compare(n.big, m.big)
}

// succ returns n+1.
func (n num) succ() num {
	if n.big == "" {
		if n.lo < math.MaxUint64 {
			return num{lo: n.lo + 1}
		}
		return num{big: "18446744073709551616"}
	}
	b := []byte(n.big)
	i := len(b) - 1
	for i >= 0 && b[i] == '9' {
		b[i] = '0'
		i--
	}
	if i < 0 {
		return num{big: "1" + string(b)}
	}
	b[i]++
	return num{big: string(b)}
}

// Int returns n as an int, saturating at math.MaxInt.
func (n num) Int() int {
	if n.big != "" || n.lo > math.MaxInt {
		return math.MaxInt
	}
	return int(n.lo)
}

func (n num) appendTo(b []byte) []byte {
	if n.big != "" {
		return append(b, n.big...)
	}
	return strconv.AppendUint(b, n.lo, 10)
}

func (n num) String() string { return string(n.appendTo(nil)) }
