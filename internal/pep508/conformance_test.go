package pep508

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// conformanceDir holds the tables computed with pypa/packaging
// (see /work/shared/conformance/README.md).
const conformanceDir = "../../../shared/conformance"

func loadTable(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(conformanceDir, name))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance table missing: %v", err)
		}
		t.Skipf("conformance table missing: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

type markerTables struct {
	Environments map[string]map[string]json.RawMessage `json:"environments"`
	Evaluate     [][]json.RawMessage                   `json:"evaluate"`
	Invalid      []struct {
		Input   string `json:"input"`
		Message string `json:"message"`
	} `json:"invalid"`
	Normalized []struct {
		Input string `json:"input"`
		Str   string `json:"str"`
	} `json:"normalized"`
}

func loadMarkerTables(t *testing.T) *markerTables {
	var m markerTables
	loadTable(t, "pep508_markers.json", &m)
	return &m
}

// maxReported bounds how many failing rows one test prints.
const maxReported = 30

func TestConformanceMarkerNormalized(t *testing.T) {
	tab := loadMarkerTables(t)
	if len(tab.Normalized) != 3509 {
		t.Errorf("normalized rows = %d, want 3509", len(tab.Normalized))
	}
	fails := 0
	for i, row := range tab.Normalized {
		m, err := ParseMarker(row.Input)
		switch {
		case err != nil:
			t.Errorf("normalized[%d] ParseMarker(%q): %v", i, row.Input, err)
		case m.String() != row.Str:
			t.Errorf("normalized[%d] ParseMarker(%q).String() = %q, want %q", i, row.Input, m.String(), row.Str)
		default:
			again, err := ParseMarker(m.String())
			if err != nil || again.String() != row.Str {
				t.Errorf("normalized[%d] %q does not re-parse to itself: %v", i, row.Str, err)
			} else {
				continue
			}
		}
		if fails++; fails >= maxReported {
			t.Fatal("too many failures")
		}
	}
}

func TestConformanceMarkerInvalid(t *testing.T) {
	tab := loadMarkerTables(t)
	if len(tab.Invalid) != 35 {
		t.Errorf("invalid rows = %d, want 35", len(tab.Invalid))
	}
	for i, row := range tab.Invalid {
		m, err := ParseMarker(row.Input)
		if err == nil {
			t.Errorf("invalid[%d] ParseMarker(%q) = %q, want error (%s)", i, row.Input, m, row.Message)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Input != row.Input || pe.Pos < 0 || pe.Pos > len(row.Input) {
			t.Errorf("invalid[%d] ParseMarker(%q): error %#v is not a well-formed *ParseError", i, row.Input, err)
		}
	}
}

// environment turns a table environment into an Environment and the
// set-valued variables.
func environment(t *testing.T, raw map[string]json.RawMessage) (Environment, map[string][]string) {
	env := Environment{}
	var sets map[string][]string
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			env[k] = s
			continue
		}
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			t.Fatalf("environment value %s = %s", k, v)
		}
		if sets == nil {
			sets = map[string][]string{}
		}
		sets[k] = list
	}
	return env, sets
}

func TestConformanceMarkerEvaluate(t *testing.T) {
	tab := loadMarkerTables(t)
	if len(tab.Environments) != 35 || len(tab.Evaluate) != 21129 {
		t.Errorf("environments = %d, evaluate rows = %d; want 35, 21129", len(tab.Environments), len(tab.Evaluate))
	}
	type envSets struct {
		env  Environment
		sets map[string][]string
	}
	envs := map[string]envSets{}
	for name, raw := range tab.Environments {
		e, s := environment(t, raw)
		envs[name] = envSets{e, s}
	}
	contexts := map[string]Context{"metadata": ContextMetadata, "lock_file": ContextLockFile, "requirement": ContextRequirement}
	errorKinds := map[string]error{"UndefinedComparison": ErrUndefinedComparison, "UndefinedEnvironmentName": ErrUndefinedEnvironmentName}
	fails := 0
	for i, raw := range tab.Evaluate {
		var marker, envName, ctxName, origin string
		var expected *bool
		var errName *string
		for j, dst := range []any{&marker, &envName, &ctxName, &expected, &errName, &origin} {
			if err := json.Unmarshal(raw[j], dst); err != nil {
				t.Fatalf("evaluate[%d] column %d: %v", i, j, err)
			}
		}
		es, ok := envs[envName]
		ctx, ok2 := contexts[ctxName]
		if !ok || !ok2 {
			t.Fatalf("evaluate[%d]: unknown environment %q or context %q", i, envName, ctxName)
		}
		m, err := ParseMarker(marker)
		if err != nil {
			t.Errorf("evaluate[%d] ParseMarker(%q): %v", i, marker, err)
			fails++
			continue
		}
		got, err := m.EvaluateWith(es.env, EvalOptions{Context: ctx, Sets: es.sets})
		var bad bool
		if errName != nil {
			bad = !errors.Is(err, errorKinds[*errName])
		} else {
			bad = err != nil || expected == nil || got != *expected
		}
		if bad {
			want := "<nil>"
			if expected != nil {
				want = map[bool]string{true: "true", false: "false"}[*expected]
			}
			if errName != nil {
				want = *errName
			}
			t.Errorf("evaluate[%d] %q in %s (%s, %s) = %v, %v; want %s", i, marker, envName, ctxName, origin, got, err, want)
			if fails++; fails >= maxReported {
				t.Fatal("too many failures")
			}
		}
		// Evaluate is EvaluateWith in metadata context with errors as false.
		if ctx == ContextMetadata && es.sets == nil && m.Evaluate(es.env) != (err == nil && got) {
			t.Errorf("evaluate[%d] %q: Evaluate disagrees with EvaluateWith", i, marker)
		}
	}
}

type requirementTables struct {
	Valid []struct {
		Input     string   `json:"input"`
		Name      string   `json:"name"`
		Extras    []string `json:"extras"`
		Specifier string   `json:"specifier"`
		URL       *string  `json:"url"`
		Marker    *string  `json:"marker"`
		Str       string   `json:"str"`
		Origin    string   `json:"origin"`
	} `json:"valid"`
	Invalid []struct {
		Input   string `json:"input"`
		Message string `json:"message"`
	} `json:"invalid"`
	Equality []struct {
		Left  string `json:"left"`
		Right string `json:"right"`
		Equal bool   `json:"equal"`
	} `json:"equality"`
}

func loadRequirementTables(t *testing.T) *requirementTables {
	var r requirementTables
	loadTable(t, "pep508_requirements.json", &r)
	return &r
}

func TestConformanceRequirementValid(t *testing.T) {
	tab := loadRequirementTables(t)
	if len(tab.Valid) != 5258 {
		t.Errorf("valid rows = %d, want 5258", len(tab.Valid))
	}
	fails := 0
	for i, row := range tab.Valid {
		r, err := ParseRequirement(row.Input)
		if err != nil {
			t.Errorf("valid[%d] ParseRequirement(%q): %v", i, row.Input, err)
			if fails++; fails >= maxReported {
				t.Fatal("too many failures")
			}
			continue
		}
		extras := slices.Clone(r.Extras)
		slices.Sort(extras)
		wantURL, wantMarker := "", ""
		if row.URL != nil {
			wantURL = *row.URL
		}
		if row.Marker != nil {
			wantMarker = *row.Marker
		}
		problems := []string{}
		check := func(what string, ok bool) {
			if !ok {
				problems = append(problems, what)
			}
		}
		check("name", r.Name == row.Name)
		check("extras", slices.Equal(extras, row.Extras) || len(extras) == 0 && len(row.Extras) == 0)
		check("specifier", r.Specifier.String() == row.Specifier)
		check("url", r.URL == wantURL)
		check("marker", (r.Marker == nil) == (row.Marker == nil) && r.Marker.String() == wantMarker)
		check("str", r.String() == row.Str)
		if len(problems) > 0 {
			t.Errorf("valid[%d] ParseRequirement(%q): wrong %v: got name=%q extras=%q spec=%q url=%q marker=%q str=%q; want %+v",
				i, row.Input, problems, r.Name, r.Extras, r.Specifier.String(), r.URL, r.Marker.String(), r.String(), row)
			if fails++; fails >= maxReported {
				t.Fatal("too many failures")
			}
			continue
		}
		again, err := ParseRequirement(r.String())
		if err != nil || !again.Equal(r) || again.String() != r.String() {
			t.Errorf("valid[%d] %q does not round-trip: %v", i, r.String(), err)
		}
	}
}

func TestConformanceRequirementInvalid(t *testing.T) {
	tab := loadRequirementTables(t)
	if len(tab.Invalid) != 61 {
		t.Errorf("invalid rows = %d, want 61", len(tab.Invalid))
	}
	for i, row := range tab.Invalid {
		r, err := ParseRequirement(row.Input)
		if err == nil {
			t.Errorf("invalid[%d] ParseRequirement(%q) = %q, want error (%s)", i, row.Input, r, row.Message)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Input != row.Input || pe.Pos < 0 || pe.Pos > len(row.Input) {
			t.Errorf("invalid[%d] ParseRequirement(%q): error %#v is not a well-formed *ParseError", i, row.Input, err)
		}
	}
}

func TestConformanceRequirementEquality(t *testing.T) {
	tab := loadRequirementTables(t)
	if len(tab.Equality) != 19 {
		t.Errorf("equality rows = %d, want 19", len(tab.Equality))
	}
	for i, row := range tab.Equality {
		l, err1 := ParseRequirement(row.Left)
		r, err2 := ParseRequirement(row.Right)
		if err1 != nil || err2 != nil {
			t.Errorf("equality[%d]: %v, %v", i, err1, err2)
			continue
		}
		if l.Equal(r) != row.Equal || r.Equal(l) != row.Equal {
			t.Errorf("equality[%d] %q == %q: got %v, want %v", i, row.Left, row.Right, l.Equal(r), row.Equal)
		}
	}
}
