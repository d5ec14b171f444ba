package osv

import (
	"cmp"
	"slices"

	"github.com/pyward/pyward/internal/pep440"
)

// affects reports whether the queried version is affected: it is listed
// (by key) in the explicit versions, or it falls in any range. q is nil when
// the queried version is not PEP 440, in which case only the list counts.
func affects(e *entry, ranges [][]parsedEvent, q *pep440.Version, key string) bool {
	if e.versions.contains(key) {
		return true
	}
	if q == nil {
		return false
	}
	for _, r := range ranges {
		if inRange(r, *q) {
			return true
		}
	}
	return false
}

// parsedEvent is an event with its version parsed; zero marks the
// "introduced: 0" sentinel, which sorts below every version.
type parsedEvent struct {
	kind byte
	zero bool
	v    pep440.Version
}

// maxEvents bounds the events of one range so a hostile record cannot make
// queries slow; real ranges have a handful.
const maxEvents = 1024

// parseRange parses and sorts one range's events by version, as the OSV
// evaluation algorithm requires. At equal versions introduced sorts first,
// so "introduced: X, fixed: X" leaves X unaffected and "introduced: X,
// last_affected: X" affects X. ok is false when an event version is not
// PEP 440 (or the range is oversized): such a range cannot be evaluated.
func parseRange(evs []event, parse func(string) fixedVersion) ([]parsedEvent, bool) {
	if len(evs) > maxEvents {
		return nil, false
	}
	ps := make([]parsedEvent, 0, len(evs))
	for _, ev := range evs {
		if ev.kind == evIntroduced && ev.version == "0" {
			ps = append(ps, parsedEvent{kind: ev.kind, zero: true})
			continue
		}
		pv := parse(ev.version)
		if !pv.ok {
			return nil, false
		}
		ps = append(ps, parsedEvent{kind: ev.kind, v: pv.v})
	}
	slices.SortStableFunc(ps, func(a, b parsedEvent) int {
		switch {
		case a.zero && b.zero:
		case a.zero:
			return -1
		case b.zero:
			return 1
		default:
			if c := a.v.Compare(b.v); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.kind, b.kind)
	})
	return ps, true
}

// inRange evaluates one sorted ECOSYSTEM (or SEMVER, compared with PEP 440
// order) range following the OSV schema's algorithm: walk the events and
// track whether v is past an introduced and not yet past a fixed
// (v >= fixed) or last_affected (v > last_affected). If the range has limit
// events, v must also be below one of them.
func inRange(ps []parsedEvent, v pep440.Version) bool {
	affected := false
	hasLimit, belowLimit := false, false
	for _, e := range ps {
		switch e.kind {
		case evIntroduced:
			if e.zero || v.Compare(e.v) >= 0 {
				affected = true
			}
		case evFixed:
			if v.Compare(e.v) >= 0 {
				affected = false
			}
		case evLastAffected:
			// A local label is the public release plus downstream patches
			// we cannot see: 1.11.0+local stays affected when 1.11.0 is
			// the last affected release.
			if v.Public().Compare(e.v) > 0 {
				affected = false
			}
		case evLimit:
			hasLimit = true
			if v.Compare(e.v) < 0 {
				belowLimit = true
			}
		}
	}
	if hasLimit && !belowLimit {
		return false
	}
	return affected
}
