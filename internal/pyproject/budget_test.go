package pyproject

import (
	"errors"
	"strings"
	"testing"
)

// TestParseBudget: a pyproject.toml over a TOML limit is an *Error naming
// the line and the limit, returned before the decoder sees the file
// (unchecked, 8,000 nested inline tables took over a minute to decode).
func TestParseBudget(t *testing.T) {
	tests := []struct {
		name, doc, limit string
		line             int
	}{
		{"nested inline tables", "[project]\nname = \"x\"\n[tool.x]\ny = " + strings.Repeat("{a = ", 8000) + "1" + strings.Repeat("}", 8000) + "\n", "MaxDepth", 4},
		{"dotted key", "[tool]\n" + "x" + strings.Repeat(".a", 20000) + " = 1\n", "MaxDepth", 2},
		{"nested arrays", "[project]\ndependencies = " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n", "MaxArrayDepth", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("pyproject.toml", []byte(tt.doc))
			var e *Error
			if !errors.As(err, &e) || e.File != "pyproject.toml" || e.Line != tt.line || !strings.Contains(e.Msg, "tomlbudget."+tt.limit) {
				t.Fatalf("Parse = %v, want an *Error on line %d naming %s", err, tt.line, tt.limit)
			}
		})
	}
}

// TestParseDeepRealConfig: tool tables as deep as real projects write them
// are within the limits.
func TestParseDeepRealConfig(t *testing.T) {
	doc := `[project]
name = "x"
version = "1"

[tool.poetry.group.dev.dependencies]
pytest = { version = "^8", extras = ["testing"], markers = "python_version >= '3.9'" }

[tool.hatch.envs.hatch-test.overrides]
matrix.python.dependencies = [{ value = "typing-extensions", if = ["3.8", "3.9"] }]

[tool.pixi.feature.cuda.target.linux-64.dependencies]
pytorch = { version = "*", channel = "pytorch", build = { cuda = ["12"] } }

[tool.ruff.lint.per-file-ignores]
"tests/**/*.py" = ["S101", "PLR2004"]
`
	if _, err := Parse("pyproject.toml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
}
