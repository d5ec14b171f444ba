package sync

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pyward/pyward/internal/pep503"
)

// Selection names the extras and dependency groups of a pylock.toml to
// install: the sets its entries' markers see as "extras" and
// "dependency_groups" (PEP 751, "Installation", step 1). The zero Selection
// is the lock's default install: no extras, the lock's default-groups.
//
// Names compare after PEP 685 normalization (the PEP 503 rule). A name
// must be one the lock declares: an extra in its top-level extras, a group
// in its dependency-groups or default-groups. PEP 751 makes a missing
// extras or dependency-groups key an empty list, so a lock without one
// declares none and every name asked of it is refused. A requirements lock
// has neither, and any selection is refused.
type Selection struct {
	Extras          []string // extras to install
	AllExtras       bool     // every extra the lock declares
	Groups          []string // dependency groups to install besides the default ones
	NoDefaultGroups bool     // leave the lock's default-groups out
}

// IsZero reports whether s is the default install.
func (s Selection) IsZero() bool {
	return len(s.Extras) == 0 && !s.AllExtras && len(s.Groups) == 0 && !s.NoDefaultGroups
}

// flags names the options s sets, as the command line spells them.
func (s Selection) flags() []string {
	var out []string
	if len(s.Extras) > 0 {
		out = append(out, "--extra")
	}
	if s.AllExtras {
		out = append(out, "--all-extras")
	}
	if len(s.Groups) > 0 {
		out = append(out, "--group")
	}
	if s.NoDefaultGroups {
		out = append(out, "--no-default-groups")
	}
	return out
}

// markerSets resolves sel against l: the values of the set-valued marker
// variables "extras" and "dependency_groups", normalized. Every name l
// does not declare is reported at once, in a LockError naming l.
func (l *Lock) markerSets(sel Selection) (map[string][]string, error) {
	if l.Format != "pylock" {
		if sel.IsZero() {
			return map[string][]string{"extras": {}, "dependency_groups": {}}, nil
		}
		return nil, &LockError{Path: l.Path, Problems: []string{fmt.Sprintf(
			"%s: a requirements lock has no extras or dependency groups to select (a pylock.toml records them)",
			strings.Join(sel.flags(), ", "))}}
	}
	extras := normalizedSet(l.Extras)
	groups := normalizedSet(append(slices.Clone(l.DependencyGroups), l.DefaultGroups...))
	var problems []string
	for _, e := range sel.Extras {
		if !slices.Contains(extras, pep503.Normalize(e)) {
			problems = append(problems, unknownName("--extra", e, "extras", extras))
		}
	}
	for _, g := range sel.Groups {
		if !slices.Contains(groups, pep503.Normalize(g)) {
			problems = append(problems, unknownName("--group", g, "dependency groups", groups))
		}
	}
	if len(problems) > 0 {
		return nil, &LockError{Path: l.Path, Problems: problems}
	}
	var wantExtras, wantGroups []string
	if sel.AllExtras {
		wantExtras = extras
	} else {
		wantExtras = normalizedSet(sel.Extras)
	}
	if !sel.NoDefaultGroups {
		wantGroups = append(wantGroups, l.DefaultGroups...)
	}
	wantGroups = normalizedSet(append(wantGroups, sel.Groups...))
	return map[string][]string{"extras": wantExtras, "dependency_groups": wantGroups}, nil
}

// unknownName describes a selected name the lock does not declare, with
// what it does declare.
func unknownName(flag, name, kind string, declared []string) string {
	if len(declared) == 0 {
		return fmt.Sprintf("%s %s: the lock declares no %s", flag, name, kind)
	}
	return fmt.Sprintf("%s %s: not one of the lock's %s (%s)", flag, name, kind, strings.Join(declared, ", "))
}

// normalizedSet returns names normalized, sorted, without duplicates
// (never nil, so that a marker sees an empty set rather than none).
func normalizedSet(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, pep503.Normalize(n))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
