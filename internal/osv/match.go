package osv

import (
	"cmp"
	"slices"

	"github.com/pyward/pyward/internal/pep440"
)

// affects reports whether the queried version is affected: it is listed
// (by key) in the explicit versions, or it falls in any range. q is nil when
// the queried version is not PEP 440, in which case only the list counts.
func (e *entry) affects(q *pep440.Version, key string) bool {
	if _, found := slices.BinarySearch(e.versions, key); found {
		return true
	}
	if q == nil {
		return false
	}
	for _, r := range e.ranges {
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

// maxEvents bounds the events evaluated in one range so a hostile record
// cannot make a query quadratic; real ranges have a handful.
const maxEvents = 1024

// inRange evaluates one ECOSYSTEM (or SEMVER, compared with PEP 440 order)
// range following the OSV schema's evaluation algorithm: sort the events by
// version, walk them, and track whether v is past an introduced and not yet
// past a fixed (v >= fixed) or last_affected (v > last_affected). If the
// range has limit events, v must also be below one of them. A range whose
// events do not all parse as PEP 440 cannot be evaluated and matches
// nothing; the advisory's explicit versions list still applies.
func inRange(evs []event, v pep440.Version) bool {
	if len(evs) > maxEvents {
		return false
	}
	ps := make([]parsedEvent, 0, len(evs))
	for _, ev := range evs {
		if ev.kind == evIntroduced && ev.version == "0" {
			ps = append(ps, parsedEvent{kind: ev.kind, zero: true})
			continue
		}
		pv, err := pep440.Parse(ev.version)
		if err != nil {
			return false
		}
		ps = append(ps, parsedEvent{kind: ev.kind, v: pv})
	}
	// Equal versions: introduced sorts first, so "introduced: X, fixed: X"
	// leaves X unaffected and "introduced: X, last_affected: X" affects X.
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
			if v.Compare(e.v) > 0 {
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
