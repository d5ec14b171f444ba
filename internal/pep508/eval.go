package pep508

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pyward/pyward/internal/pep503"
)

// Environment maps PEP 508 marker variable names (python_version,
// sys_platform, ..., and optionally extra) to their values.
type Environment map[string]string

// Context selects which variables a marker may use, as packaging's
// `context` argument to Marker.evaluate.
type Context int

const (
	// ContextMetadata is for core metadata (Requires-Dist): `extra` is
	// defined, "" unless the environment gives one.
	ContextMetadata Context = iota
	// ContextLockFile is for PEP 751 lock files: the set-valued `extras` and
	// `dependency_groups` are defined, empty unless EvalOptions.Sets gives them.
	ContextLockFile
	// ContextRequirement is for everything else: neither is predefined.
	ContextRequirement
)

// EvalOptions tunes EvaluateWith.
type EvalOptions struct {
	Context Context
	// Sets gives set-valued variables ("extras", "dependency_groups").
	Sets map[string][]string
}

// Evaluate reports whether the marker holds in env, in metadata context
// (`extra` is "" unless env sets it). A nil marker is true. A marker that
// cannot be evaluated in env (an undefined comparison such as
// os_name ~= "x", or a variable env lacks) is false; use EvaluateWith to
// see why.
func (m *Marker) Evaluate(env Environment) bool {
	ok, err := m.EvaluateWith(env, EvalOptions{})
	return ok && err == nil
}

// EvaluateExtras reports whether the marker holds in env for any of the
// requested extras (compared after PEP 685 normalization), or for extra ""
// when extras is empty. Any `extra` in env is ignored.
func (m *Marker) EvaluateExtras(env Environment, extras []string) bool {
	if m == nil {
		return true
	}
	if len(extras) == 0 {
		extras = []string{""}
	}
	for _, e := range extras {
		ev := newEvalEnv(env, EvalOptions{})
		ev.extra, ev.hasExtra = pep503.Normalize(e), true
		if ok, err := m.root.eval(ev); ok && err == nil {
			return true
		}
	}
	return false
}

// EvaluateWith evaluates the marker as packaging's Marker.evaluate does. The
// error wraps ErrUndefinedComparison or ErrUndefinedEnvironmentName. Every
// comparison is evaluated, so an error anywhere is reported even when the
// result would be decided without it.
func (m *Marker) EvaluateWith(env Environment, opts EvalOptions) (bool, error) {
	if m == nil {
		return true, nil
	}
	return m.root.eval(newEvalEnv(env, opts))
}

// evalEnv is the environment as packaging builds it for one evaluation,
// without copying the caller's map.
type evalEnv struct {
	env      Environment
	extra    string // PEP 685 normalized
	hasExtra bool
	sets     map[string][]string
	ctx      Context
}

func newEvalEnv(env Environment, opts EvalOptions) *evalEnv {
	ev := &evalEnv{env: env, sets: opts.Sets, ctx: opts.Context}
	if e, ok := env["extra"]; ok {
		ev.extra, ev.hasExtra = pep503.Normalize(e), true
	} else if opts.Context == ContextMetadata {
		ev.hasExtra = true
	}
	return ev
}

// lookup returns the value of key: a string, or (set == true) a set.
func (ev *evalEnv) lookup(key string) (val string, members []string, set bool, err error) {
	if key == "extra" && ev.hasExtra {
		return ev.extra, nil, false, nil
	}
	if v, ok := ev.env[key]; ok && key != "extra" {
		if key == "python_full_version" && strings.HasSuffix(v, "+") {
			// Untagged CPython builds report e.g. "3.11.1+", not PEP 440.
			v += "local"
		}
		return v, nil, false, nil
	}
	if setVariables[key] {
		if s, ok := ev.sets[key]; ok {
			return "", s, true, nil
		}
		if ev.ctx == ContextLockFile {
			return "", nil, true, nil
		}
	}
	return "", nil, false, fmt.Errorf("%w: %q", ErrUndefinedEnvironmentName, key)
}

// eval evaluates "a and b or c and d" as any(all(...)) over the runs
// separated by "or", evaluating every term and returning the first error.
func (g *group) eval(ev *evalEnv) (bool, error) {
	result, run := false, true
	var firstErr error
	for i, t := range g.terms {
		if i > 0 && g.ops[i-1] == "or" {
			result = result || run
			run = true
		}
		var v bool
		var err error
		if t.cmp != nil {
			v, err = t.cmp.eval(ev)
		} else {
			v, err = t.group.eval(ev)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		run = run && v
	}
	result = result || run
	if firstErr != nil {
		return false, firstErr
	}
	return result, nil
}

func (c *comparison) eval(ev *evalEnv) (bool, error) {
	// packaging: a variable on the left is looked up and the right side is
	// used as written (a variable's name); otherwise the right side, even a
	// literal, names the environment key.
	var key, lhs, rhs string
	var members []string
	var rhsSet bool
	if c.lhs.variable {
		key = c.lhs.value
		v, _, set, err := ev.lookup(key)
		if err != nil {
			return false, err
		}
		if set {
			return false, fmt.Errorf("%w: set-valued %s on the left of %q", ErrUndefinedComparison, key, c.op)
		}
		lhs, rhs = v, c.rhs.value
	} else {
		key = c.rhs.value
		v, m, set, err := ev.lookup(key)
		if err != nil {
			return false, err
		}
		lhs, rhs, members, rhsSet = c.lhs.value, v, m, set
	}
	if rhsSet {
		// Only membership is defined for a set; members are names (PEP 685 / 735).
		if c.op != "in" && c.op != "not in" {
			return false, fmt.Errorf("%w: %q with set-valued %s", ErrUndefinedComparison, c.op, key)
		}
		want := pep503.Normalize(lhs)
		found := slices.ContainsFunc(members, func(s string) bool { return pep503.Normalize(s) == want })
		return found == (c.op == "in"), nil
	}
	if key != "extra" && setVariables[key] {
		lhs, rhs = pep503.Normalize(lhs), pep503.Normalize(rhs)
	}
	if versionVariables[key] {
		spec := c.spec
		if spec == nil || !c.lhs.variable || c.rhs.variable {
			spec = parseVersionSpec(c.op + rhs)
		}
		if spec.valid {
			return spec.contains(lhs), nil
		}
	}
	switch c.op {
	case "in":
		return strings.Contains(rhs, lhs), nil
	case "not in":
		return !strings.Contains(rhs, lhs), nil
	case "==", "<=", ">=":
		return lhs == rhs, nil
	case "!=":
		return lhs != rhs, nil
	case "<", ">":
		return false, nil
	}
	return false, fmt.Errorf("%w: %q on %q and %q", ErrUndefinedComparison, c.op, lhs, rhs)
}

// prepare caches the version specifier of a `variable op "literal"`
// comparison on a version-like variable.
func (c *comparison) prepare() {
	if c.lhs.variable && versionVariables[c.lhs.value] && !c.rhs.variable {
		c.spec = parseVersionSpec(c.op + c.rhs.value)
	}
}
