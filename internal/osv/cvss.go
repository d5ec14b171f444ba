package osv

import (
	"fmt"
	"math"
	"strings"

	gocvss40 "github.com/pandatix/go-cvss/40"
)

// cvss3Weight maps "metric:value" to its CVSS v3 base-metric weight
// (CVSS v3.1 specification, section 7.4). PR depends on scope and is handled
// separately.
func cvss3Weight(metric string, value byte) (float64, bool) {
	switch metric {
	case "AV":
		switch value {
		case 'N':
			return 0.85, true
		case 'A':
			return 0.62, true
		case 'L':
			return 0.55, true
		case 'P':
			return 0.2, true
		}
	case "AC":
		switch value {
		case 'L':
			return 0.77, true
		case 'H':
			return 0.44, true
		}
	case "UI":
		switch value {
		case 'N':
			return 0.85, true
		case 'R':
			return 0.62, true
		}
	case "C", "I", "A":
		switch value {
		case 'H':
			return 0.56, true
		case 'L':
			return 0.22, true
		case 'N':
			return 0, true
		}
	}
	return 0, false
}

// CVSS3BaseScore computes the base score of a CVSS v3.0 or v3.1 vector such
// as "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" (9.8), following the
// formula of the CVSS v3.1 specification section 7.1 (and its Appendix A
// Roundup for 3.1; v3.0 rounds up with a plain ceiling to one decimal).
// All eight base metrics must appear exactly once; temporal and environmental
// metrics are accepted and ignored, since OSV publishes base scores.
func CVSS3BaseScore(vector string) (float64, error) {
	parts := strings.Split(strings.TrimSpace(vector), "/")
	v31 := false
	switch parts[0] {
	case "CVSS:3.1":
		v31 = true
	case "CVSS:3.0":
	default:
		return 0, fmt.Errorf("CVSS vector %q: want prefix CVSS:3.0/ or CVSS:3.1/", vector)
	}
	vals := map[string]byte{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, ":")
		if !ok || k == "" || len(v) != 1 {
			return 0, fmt.Errorf("CVSS vector %q: malformed metric %q (want NAME:VALUE)", vector, p)
		}
		if _, dup := vals[k]; dup {
			return 0, fmt.Errorf("CVSS vector %q: metric %s given twice", vector, k)
		}
		vals[k] = v[0]
	}
	w := map[string]float64{}
	for _, m := range []string{"AV", "AC", "UI", "C", "I", "A"} {
		v, ok := vals[m]
		if !ok {
			return 0, fmt.Errorf("CVSS vector %q: missing base metric %s", vector, m)
		}
		if w[m], ok = cvss3Weight(m, v); !ok {
			return 0, fmt.Errorf("CVSS vector %q: invalid value %c for %s", vector, v, m)
		}
	}
	var changed bool
	switch vals["S"] {
	case 'U':
	case 'C':
		changed = true
	case 0:
		return 0, fmt.Errorf("CVSS vector %q: missing base metric S", vector)
	default:
		return 0, fmt.Errorf("CVSS vector %q: invalid value %c for S", vector, vals["S"])
	}
	var pr float64
	switch vals["PR"] {
	case 'N':
		pr = 0.85
	case 'L':
		pr = 0.62
		if changed {
			pr = 0.68
		}
	case 'H':
		pr = 0.27
		if changed {
			pr = 0.5
		}
	case 0:
		return 0, fmt.Errorf("CVSS vector %q: missing base metric PR", vector)
	default:
		return 0, fmt.Errorf("CVSS vector %q: invalid value %c for PR", vector, vals["PR"])
	}

	iss := 1 - (1-w["C"])*(1-w["I"])*(1-w["A"])
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	exploitability := 8.22 * w["AV"] * w["AC"] * pr * w["UI"]
	if impact <= 0 {
		return 0, nil
	}
	sum := impact + exploitability
	if changed {
		sum *= 1.08
	}
	roundup := roundup30
	if v31 {
		roundup = roundup31
	}
	return roundup(math.Min(sum, 10)), nil
}

// roundup31 is the CVSS v3.1 Appendix A Roundup: the smallest number with
// one decimal that is >= x, computed on integers to dodge float noise.
func roundup31(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// roundup30 is the v3.0 definition: ceiling to one decimal.
func roundup30(x float64) float64 { return math.Ceil(x*10) / 10 }

// Level is a qualitative severity, ordered so that a larger Level is worse.
type Level int

// Severity levels. LevelUnknown sorts lowest: absence of data is not a
// reason to rank an advisory above a scored one.
const (
	LevelUnknown Level = iota
	LevelLow
	LevelMedium
	LevelHigh
	LevelCritical
)

func (l Level) String() string {
	switch l {
	case LevelLow:
		return "low"
	case LevelMedium:
		return "medium"
	case LevelHigh:
		return "high"
	case LevelCritical:
		return "critical"
	}
	return "unknown"
}

// ParseLevel reads a level name as printed by String (case-insensitive); it
// also accepts GitHub's "moderate" for medium.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return LevelCritical, nil
	case "high":
		return LevelHigh, nil
	case "medium", "moderate":
		return LevelMedium, nil
	case "low":
		return LevelLow, nil
	case "unknown", "":
		return LevelUnknown, nil
	}
	return LevelUnknown, fmt.Errorf("unknown severity %q: want critical, high, medium, low or unknown", s)
}

// LevelForScore maps a CVSS base score to the CVSS v3.1 qualitative rating
// (section 5). A score of 0.0 ("None") maps to low: the advisory still
// exists and low is the closest level we report.
func LevelForScore(score float64) Level {
	switch {
	case score >= 9.0:
		return LevelCritical
	case score >= 7.0:
		return LevelHigh
	case score >= 4.0:
		return LevelMedium
	}
	return LevelLow
}

// CVSS4Score computes the score of a CVSS v4.0 vector such as
// "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N" (9.3).
// The v4.0 formula is a lookup over macro vectors with interpolation
// (specification section 8); it is computed by github.com/pandatix/go-cvss,
// which is tested against FIRST's calculator, not written here. Threat and
// environmental metrics in the vector take part in the score as the
// specification says (OSV vectors carry base metrics).
func CVSS4Score(vector string) (float64, error) {
	v, err := gocvss40.ParseVector(strings.TrimSpace(vector))
	if err != nil {
		return 0, fmt.Errorf("CVSS vector %q: %w", vector, err)
	}
	return v.Score(), nil
}

// cvssScore scores one severity[] element: CVSS v4.0 and v3.x vectors are
// computed, anything else (CVSS_V2, Ubuntu's text ratings) is not.
func cvssScore(s Severity) (float64, bool) {
	switch {
	case s.Type == "CVSS_V4" || strings.HasPrefix(s.Score, "CVSS:4."):
		score, err := CVSS4Score(s.Score)
		return score, err == nil
	case s.Type == "CVSS_V3" || strings.HasPrefix(s.Score, "CVSS:3."):
		score, err := CVSS3BaseScore(s.Score)
		return score, err == nil
	}
	return 0, false
}

// severityOf picks an advisory's severity: a computable CVSS vector first,
// v4.0 before v3.x when a record carries both (the newer version is the one
// its publisher maintains), record level before affected level; then a
// textual database_specific.severity (GitHub's CRITICAL/HIGH/MODERATE/LOW);
// else unknown. It returns the score (0 when not from CVSS) and the vector
// used. Both CVSS versions share the qualitative scale of LevelForScore.
func severityOf(rec *Record, aff []*Affected) (Level, float64, string) {
	sevs := append([]Severity(nil), rec.Severity...)
	for _, a := range aff {
		sevs = append(sevs, a.Severity...)
	}
	for _, v4 := range []bool{true, false} {
		for _, s := range sevs {
			if isV4 := s.Type == "CVSS_V4" || strings.HasPrefix(s.Score, "CVSS:4."); isV4 != v4 {
				continue
			}
			if score, ok := cvssScore(s); ok {
				return LevelForScore(score), score, s.Score
			}
		}
	}
	texts := []map[string]any{rec.DatabaseSpecific}
	for _, a := range aff {
		texts = append(texts, a.DatabaseSpecific)
	}
	for _, ds := range texts {
		if t, ok := ds["severity"].(string); ok {
			if l, err := ParseLevel(t); err == nil && l != LevelUnknown {
				return l, 0, ""
			}
		}
	}
	return LevelUnknown, 0, ""
}
