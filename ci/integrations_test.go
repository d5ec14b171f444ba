// Package ci holds the tests of the CI integrations at the repository's
// root: the GitHub Action (action.yml), the pre-commit hooks
// (.pre-commit-hooks.yaml) and the GitLab CI template (gitlab/). Each file
// is checked against the JSON schema its platform's editors use
// (SchemaStore's, in testdata; see testdata/SOURCES.md) and for the pyward
// commands it runs.
package ci

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// readYAML reads a YAML file as the JSON value a schema validates.
func readYAML(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("%s: not representable as JSON: %v", path, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// schema compiles testdata/name under id, so nothing is fetched.
func schema(t *testing.T, name, id string) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	return s
}

// clone deep-copies a decoded JSON value, for mutating.
func clone(t *testing.T, v any) any {
	t.Helper()
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestActionSchema(t *testing.T) {
	sch := schema(t, "github-action.json", "https://json.schemastore.org/github-action.json")
	action := readYAML(t, "../action.yml")
	if err := sch.Validate(action); err != nil {
		t.Fatalf("action.yml is not a valid action: %v", err)
	}
	// The schema must be able to fail: broken variants are rejected.
	broken := []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"no description", func(m map[string]any) { delete(m, "description") }},
		{"step with neither run nor uses", func(m map[string]any) {
			steps := m["runs"].(map[string]any)["steps"].([]any)
			steps[0] = map[string]any{"name": "nothing"}
		}},
		{"run step without shell", func(m map[string]any) {
			steps := m["runs"].(map[string]any)["steps"].([]any)
			steps[1] = map[string]any{"run": "true"}
		}},
		{"input without required", func(m map[string]any) {
			m["inputs"].(map[string]any)["version"] = map[string]any{"description": "x"}
		}},
	}
	for _, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			v := clone(t, action).(map[string]any)
			b.mutate(v)
			if sch.Validate(v) == nil {
				t.Error("the schema accepts it")
			}
		})
	}
}

// actionStep is the part of a composite step the checks read.
type actionStep struct {
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

func TestActionRunsAuditAndFix(t *testing.T) {
	data, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Runs struct {
			Using string       `yaml:"using"`
			Steps []actionStep `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	if action.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q", action.Runs.Using)
	}
	find := func(pred func(actionStep) bool) *actionStep {
		for i := range action.Runs.Steps {
			if pred(action.Runs.Steps[i]) {
				return &action.Runs.Steps[i]
			}
		}
		return nil
	}
	audit := find(func(s actionStep) bool { return strings.Contains(s.Run, "pyward audit --format sarif") })
	if audit == nil {
		t.Fatal("no step runs pyward audit --format sarif")
	}
	upload := find(func(s actionStep) bool { return strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") })
	if upload == nil || !strings.Contains(upload.With["sarif_file"], "steps.audit.outputs.sarif-file") {
		t.Errorf("no upload-sarif step reading the audit's report: %+v", upload)
	}
	fix := find(func(s actionStep) bool { return strings.Contains(s.Run, "pyward fix") })
	if fix == nil || !strings.Contains(fix.Run, "--open-pr github") || !strings.Contains(fix.If, "'schedule'") ||
		!strings.Contains(fix.Env["GITHUB_TOKEN"], "inputs.token") {
		t.Errorf("no scheduled pyward fix --open-pr github step with the token: %+v", fix)
	}
	// Inputs reach scripts through the environment, never by ${{ }}
	// expansion into the script (which would let an input inject shell).
	for _, s := range action.Runs.Steps {
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q expands an expression inside its script", s.Name)
		}
	}
}

// hook is one entry of .pre-commit-hooks.yaml.
type hook struct {
	ID       string `yaml:"id"`
	Entry    string `yaml:"entry"`
	Language string `yaml:"language"`
	Files    string `yaml:"files"`
}

func TestPreCommitHooks(t *testing.T) {
	sch := schema(t, "pre-commit-hooks.json", "https://json.schemastore.org/pre-commit-hooks.json")
	doc := readYAML(t, "../.pre-commit-hooks.yaml")
	if err := sch.Validate(doc); err != nil {
		t.Fatalf(".pre-commit-hooks.yaml: %v", err)
	}
	bad := clone(t, doc).([]any)
	bad[0].(map[string]any)["language"] = "go" // pre-commit calls it golang
	if sch.Validate(bad) == nil {
		t.Error("the schema accepts language: go")
	}

	data, err := os.ReadFile("../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []hook
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	entries := map[string]hook{}
	for _, h := range hooks {
		entries[h.Entry] = h
		if h.Language != "golang" {
			t.Errorf("%s: language %q, want golang (pre-commit builds pyward from this module)", h.ID, h.Language)
		}
	}
	files := []struct {
		path  string
		match bool
	}{
		{"requirements.txt", true},
		{"requirements.in", true},
		{"services/api/requirements-dev.txt", true},
		{"pyproject.toml", true},
		{"pylock.toml", true},
		{"deploy/pylock.prod.toml", true},
		{"README.md", false},
		{"docs/requirements.md", false},
		{"pylock.a.b.toml", false},
	}
	for _, entry := range []string{"pyward lock --check", "pyward audit"} {
		h, ok := entries[entry]
		if !ok {
			t.Errorf("no hook runs %q", entry)
			continue
		}
		re, err := regexp.Compile(h.Files)
		if err != nil {
			t.Errorf("%s: files %q: %v", h.ID, h.Files, err)
			continue
		}
		for _, f := range files {
			if got := re.MatchString(f.path); got != f.match {
				t.Errorf("%s: files matches %s = %v, want %v", h.ID, f.path, got, f.match)
			}
		}
	}
}

func TestGitLabTemplate(t *testing.T) {
	data, err := os.ReadFile("gitlab/pyward.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	type job struct {
		Extends string   `yaml:"extends"`
		Script  []string `yaml:"script"`
		Rules   []struct {
			If string `yaml:"if"`
		} `yaml:"rules"`
	}
	var jobs map[string]job
	if err := yaml.Unmarshal(data, &jobs); err != nil {
		t.Fatal(err)
	}
	audit, fix := jobs["pyward-audit"], jobs["pyward-fix"]
	if !strings.Contains(strings.Join(audit.Script, "\n"), "pyward audit") {
		t.Errorf("pyward-audit does not run pyward audit: %q", audit.Script)
	}
	fixScript := strings.Join(fix.Script, "\n")
	if !strings.Contains(fixScript, "pyward fix") || !strings.Contains(fixScript, "--open-pr gitlab") {
		t.Errorf("pyward-fix does not open a merge request: %q", fix.Script)
	}
	if len(fix.Rules) == 0 || !strings.Contains(fix.Rules[0].If, `"schedule"`) {
		t.Errorf("pyward-fix is not limited to scheduled pipelines: %+v", fix.Rules)
	}
	if strings.Contains(fixScript, "oauth2:${GITLAB_TOKEN}@") {
		t.Error("the token is written into the remote URL")
	}
	for name, j := range map[string]job{"pyward-audit": audit, "pyward-fix": fix} {
		if j.Extends != ".pyward" {
			t.Errorf("%s does not extend .pyward (which installs pyward)", name)
		}
	}
}
