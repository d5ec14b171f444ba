package metadata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
)

const realDir = "../../../shared/data/real-metadata"

// sharedMissing fails in CI and skips locally when the shared data is absent.
func sharedMissing(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("shared data missing: %v", err)
	}
	t.Skipf("shared data missing: %v", err)
}

// fileNameRE splits "<name>-<version>.dist-info.METADATA" style names.
// One file (cryptography.egg-info.PKG-INFO) has no version in its name.
var fileNameRE = regexp.MustCompile(`^(.+?)(?:-([^-]+))?\.(dist-info\.METADATA|egg-info\.PKG-INFO)$`)

func TestRealMetadata(t *testing.T) {
	entries, err := os.ReadDir(realDir)
	if err != nil {
		sharedMissing(t, err)
	}
	n, reqs := 0, 0
	for _, e := range entries {
		match := fileNameRE.FindStringSubmatch(e.Name())
		if match == nil {
			continue
		}
		n++
		data, err := os.ReadFile(filepath.Join(realDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(data)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if m.Name == "" || m.Version == "" {
			t.Errorf("%s: empty name %q or version %q", e.Name(), m.Name, m.Version)
		}
		// The file name comes from the installed directory name, which
		// normalizes the name with "_" and may differ in case.
		if pep503.Normalize(m.Name) != pep503.Normalize(match[1]) {
			t.Errorf("%s: name %q does not match file name", e.Name(), m.Name)
		}
		if match[2] != "" && m.Version != match[2] {
			t.Errorf("%s: version %q does not match file name %q", e.Name(), m.Version, match[2])
		}
		// Every Requires-Dist header must have produced a requirement.
		want := 0
		for _, h := range m.Headers {
			if strings.EqualFold(h.Name, "Requires-Dist") {
				want++
			}
		}
		if len(m.RequiresDist)+len(m.Invalid) != want {
			t.Errorf("%s: %d Requires-Dist headers, %d requirements + %d invalid", e.Name(), want, len(m.RequiresDist), len(m.Invalid))
		}
		// Exactly one real file has an invalid Requires-Dist (a setuptools
		// bug turned a marker into a project called sys-platform).
		if e.Name() == "Send2Trash-1.8.1b0.dist-info.METADATA" {
			if len(m.Invalid) != 2 || m.Invalid[0].Line != 33 || m.Invalid[1].Line != 36 || m.Validate() == nil {
				t.Errorf("%s: Invalid = %v", e.Name(), m.Invalid)
			}
		} else if err := m.Validate(); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
		for _, r := range m.RequiresDist {
			if r.Name == "" {
				t.Errorf("%s: requirement with empty name", e.Name())
			}
			// The canonical text must parse again to the same name.
			again, err := pep508.ParseRequirement(r.String())
			if err != nil || again.NormalizedName() != r.NormalizedName() {
				t.Errorf("%s: %q does not round-trip: %v", e.Name(), r.String(), err)
			}
		}
		reqs += len(m.RequiresDist)
		for _, w := range m.Warnings {
			t.Logf("%s: warning: %v", e.Name(), w)
		}
		// Marshal and parse again: identity and dependencies survive.
		out, err := Marshal(m)
		if err != nil {
			t.Errorf("%s: Marshal: %v", e.Name(), err)
			continue
		}
		m2, err := Parse(out)
		if err != nil {
			t.Errorf("%s: Parse(Marshal): %v", e.Name(), err)
			continue
		}
		if m2.Name != m.Name || m2.Version != m.Version || len(m2.RequiresDist) != len(m.RequiresDist) ||
			m2.RequiresPython.String() != m.RequiresPython.String() || !reflect.DeepEqual(m2.Classifiers, m.Classifiers) ||
			m2.Summary != m.Summary || !reflect.DeepEqual(m2.ProvidesExtra, m.ProvidesExtra) {
			t.Errorf("%s: round trip changed the metadata", e.Name())
		}
	}
	if n != 472 {
		t.Errorf("read %d metadata files, want 472", n)
	}
	t.Logf("%d files, %d requirements", n, reqs)
}

func TestRealMetadataPasslibKeywords(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(realDir, "passlib-1.7.4.egg-info.PKG-INFO"))
	if err != nil {
		sharedMissing(t, err)
	}
	m, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	// The unindented Keywords lines must not end the header section.
	if !reflect.DeepEqual(m.ProvidesExtra, []string{"argon2", "bcrypt", "build_docs", "totp"}) {
		t.Errorf("ProvidesExtra = %q", m.ProvidesExtra)
	}
	if !strings.Contains(m.Keywords, "totp 2fa") {
		t.Errorf("Keywords = %q", m.Keywords)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, m *Metadata)
	}{
		{"minimal", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n", func(t *testing.T, m *Metadata) {
			eq(t, m.MetadataVersion, "2.1")
			eq(t, m.Name, "foo")
			eq(t, m.Version, "1.0")
			eq(t, m.Description, "")
		}},
		{"crlf and bom", "\ufeffMetadata-Version: 2.1\r\nName: foo\r\nVersion: 1.0\r\n\r\nbody\r\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Name, "foo")
			eq(t, m.Description, "body")
		}},
		{"bare cr", "Metadata-Version: 2.1\rName: foo\rVersion: 1.0\r", func(t *testing.T, m *Metadata) {
			eq(t, m.Version, "1.0")
		}},
		{"case-insensitive names", "metadata-version: 1.2\nNAME: foo\nversion: 2\nHome-Page: https://x\nAuthor-Email: a@b\n", func(t *testing.T, m *Metadata) {
			eq(t, m.HomePage, "https://x")
			eq(t, m.AuthorEmail, "a@b")
		}},
		{"no space after colon", "Metadata-Version:2.1\nName:foo\nVersion:1.0\nSummary:s\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Summary, "s")
		}},
		{"colon in value", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nSummary: a: b: c\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Summary, "a: b: c")
		}},
		{"body description", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n\n# Title\n\nText\n\n\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Description, "# Title\n\nText")
		}},
		{"body that looks like headers", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n\nRequires-Dist: evil\nName: other\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Name, "foo")
			if len(m.RequiresDist) != 0 {
				t.Errorf("body parsed as headers: %v", m.RequiresDist)
			}
		}},
		{"setuptools description header", "Metadata-Version: 1.1\nName: foo\nVersion: 1.0\nDescription: First line\n        second\n        \n            indented\nPlatform: UNKNOWN\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Description, "First line\nsecond\n\n    indented")
			if !reflect.DeepEqual(m.Platforms, []string{"UNKNOWN"}) {
				t.Errorf("Platforms = %q", m.Platforms)
			}
		}},
		{"description field and body in 2.1", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nDescription: field\n\nbody\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Description, "body")
		}},
		{"description field kept over body in 1.0 with body", "Metadata-Version: 1.0\nName: foo\nVersion: 1.0\nDescription: field\n\nbody\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Description, "field")
		}},
		{"multi-line license", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nLicense: Copyright X\n        \n        Permission is hereby granted\nClassifier: A\n", func(t *testing.T, m *Metadata) {
			eq(t, m.License, "Copyright X\n\nPermission is hereby granted")
		}},
		{"license on continuation only", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nLicense:\n  MIT\n", func(t *testing.T, m *Metadata) {
			eq(t, m.License, "MIT")
		}},
		{"folded requires-dist", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Dist: bar>=1;\n  python_version < \"3.8\"\n", func(t *testing.T, m *Metadata) {
			if len(m.RequiresDist) != 1 || m.RequiresDist[0].Marker == nil {
				t.Fatalf("RequiresDist = %v", m.RequiresDist)
			}
		}},
		{"requires-dist forms", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Dist: cryptography (>=3.2)\nRequires-Dist: uvicorn[standard]>=0.12.0; extra == 'all'\nRequires-Dist: pytest >= 6 ; extra == \"test\"\nRequires-Dist: pip @ https://example.com/pip.whl\nRequires-Dist: Plain\n", func(t *testing.T, m *Metadata) {
			var names []string
			for _, r := range m.RequiresDist {
				names = append(names, r.Name)
			}
			if !reflect.DeepEqual(names, []string{"cryptography", "uvicorn", "pytest", "pip", "Plain"}) {
				t.Errorf("names = %q", names)
			}
			eq(t, m.RequiresDist[0].Specifier.String(), ">=3.2")
			eq(t, m.RequiresDist[3].URL, "https://example.com/pip.whl")
		}},
		{"requires-python", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Python: >=2.7, !=3.0.*\n", func(t *testing.T, m *Metadata) {
			if m.RequiresPython.String() == "" {
				t.Error("Requires-Python not parsed")
			}
			if len(m.Warnings) != 0 {
				t.Errorf("warnings: %v", m.Warnings)
			}
		}},
		{"requires-python trailing comma", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Python: >=3.7,\n", func(t *testing.T, m *Metadata) {
			eq(t, m.RequiresPython.String(), ">=3.7")
			if len(m.Warnings) != 0 {
				t.Errorf("warnings: %v", m.Warnings)
			}
		}},
		{"invalid requires-python is a warning", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Python: >=3.6.*\n", func(t *testing.T, m *Metadata) {
			if len(m.Warnings) != 1 || m.Warnings[0].Line != 4 || m.Warnings[0].Field != "Requires-Python" {
				t.Errorf("warnings = %v", m.Warnings)
			}
			eq(t, m.RequiresPython.String(), "")
		}},
		{"project urls", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nProject-URL: Bug Tracker, https://x/issues\nProject-URL: https://no-label\n", func(t *testing.T, m *Metadata) {
			want := []ProjectURL{{"Bug Tracker", "https://x/issues"}, {"", "https://no-label"}}
			if !reflect.DeepEqual(m.ProjectURLs, want) {
				t.Errorf("ProjectURLs = %q", m.ProjectURLs)
			}
		}},
		{"multiple-use fields", "Metadata-Version: 2.4\nName: foo\nVersion: 1.0\nClassifier: A\nClassifier: B\nProvides-Extra: x\nProvides-Extra: y\nLicense-File: LICENSE\nLicense-File: NOTICE\nRequires-External: libpq\nProvides-Dist: foo-compat\nObsoletes-Dist: oldfoo (<1)\nSupported-Platform: linux\nLicense-Expression: MIT OR Apache-2.0\n", func(t *testing.T, m *Metadata) {
			if !reflect.DeepEqual(m.Classifiers, []string{"A", "B"}) || !reflect.DeepEqual(m.ProvidesExtra, []string{"x", "y"}) ||
				!reflect.DeepEqual(m.LicenseFiles, []string{"LICENSE", "NOTICE"}) || !reflect.DeepEqual(m.RequiresExternal, []string{"libpq"}) ||
				!reflect.DeepEqual(m.ProvidesDist, []string{"foo-compat"}) || !reflect.DeepEqual(m.ObsoletesDist, []string{"oldfoo (<1)"}) ||
				!reflect.DeepEqual(m.SupportedPlatforms, []string{"linux"}) {
				t.Errorf("multi fields wrong: %+v", m)
			}
			eq(t, m.LicenseExpression, "MIT OR Apache-2.0")
		}},
		{"dynamic", "Metadata-Version: 2.2\nName: foo\nVersion: 1.0\nDynamic: requires-dist\nDynamic: Summary\n", func(t *testing.T, m *Metadata) {
			if !reflect.DeepEqual(m.Dynamic, []string{"Requires-Dist", "Summary"}) {
				t.Errorf("Dynamic = %q", m.Dynamic)
			}
			if m.StaticForSdist() {
				t.Error("StaticForSdist with dynamic Requires-Dist")
			}
		}},
		{"static sdist 2.2", "Metadata-Version: 2.2\nName: foo\nVersion: 1.0\nDynamic: Summary\n", func(t *testing.T, m *Metadata) {
			if !m.StaticForSdist() {
				t.Error("not StaticForSdist")
			}
		}},
		{"static sdist 2.4", "Metadata-Version: 2.4\nName: foo\nVersion: 1.0\n", func(t *testing.T, m *Metadata) {
			if !m.StaticForSdist() {
				t.Error("not StaticForSdist")
			}
		}},
		{"dynamic requires-python", "Metadata-Version: 2.3\nName: foo\nVersion: 1.0\nDynamic: Requires-Python\n", func(t *testing.T, m *Metadata) {
			if m.StaticForSdist() {
				t.Error("StaticForSdist with dynamic Requires-Python")
			}
		}},
		{"2.1 never static", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n", func(t *testing.T, m *Metadata) {
			if m.StaticForSdist() {
				t.Error("StaticForSdist for 2.1")
			}
		}},
		{"10.x minor is not 1.x", "Metadata-Version: 2.10\nName: foo\nVersion: 1.0\n", func(t *testing.T, m *Metadata) {
			if !m.StaticForSdist() {
				t.Error("2.10 should compare above 2.2")
			}
		}},
		{"future minor accepted", "Metadata-Version: 2.5\nName: foo\nVersion: 1.0\n", func(t *testing.T, m *Metadata) {
			eq(t, m.MetadataVersion, "2.5")
		}},
		{"unknown fields kept raw", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nX-Custom: yes\nRequires: numpy\nProvides: foo\n", func(t *testing.T, m *Metadata) {
			if len(m.Headers) != 6 || m.Headers[3] != (Header{"X-Custom", "yes", 4}) {
				t.Errorf("Headers = %v", m.Headers)
			}
			if len(m.RequiresDist) != 0 {
				t.Error("legacy Requires read as Requires-Dist")
			}
		}},
		{"duplicate summary keeps first", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nSummary: one\nSummary: two\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Summary, "one")
			if len(m.Warnings) != 1 || m.Warnings[0].Line != 5 {
				t.Errorf("Warnings = %v", m.Warnings)
			}
		}},
		{"unindented stray line continues field", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nKeywords: a b\nc d\nProvides-Extra: z\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Keywords, "a b\nc d")
			if !reflect.DeepEqual(m.ProvidesExtra, []string{"z"}) {
				t.Errorf("ProvidesExtra = %q", m.ProvidesExtra)
			}
		}},
		{"url-looking stray line", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nSummary: x\nhttps://example.com\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Summary, "x https://example.com")
			if len(m.Headers) != 4 {
				t.Errorf("Headers = %v", m.Headers)
			}
		}},
		{"no trailing newline", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0", func(t *testing.T, m *Metadata) {
			eq(t, m.Version, "1.0")
		}},
		{"whitespace line stays in header", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n   \nSummary: s\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Summary, "s")
			eq(t, m.Version, "1.0")
		}},
		{"name with dots and underscores", "Metadata-Version: 2.1\nName: zope.interface_X\nVersion: 1.0.post1+local.7\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Name, "zope.interface_X")
		}},
		{"non-ASCII author", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nAuthor: Sébastien Eustace\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Author, "Sébastien Eustace")
		}},
		{"latin-1 bytes tolerated", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nAuthor: S\xe9b\n", func(t *testing.T, m *Metadata) {
			eq(t, m.Author, "S\xe9b")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, m)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		line  int
		field string
		want  string // substring of the message
	}{
		{"empty", "", 0, "Metadata-Version", "missing"},
		{"missing metadata-version", "Name: foo\nVersion: 1\n", 0, "Metadata-Version", "missing"},
		{"bad metadata-version", "Metadata-Version: two\nName: foo\nVersion: 1\n", 1, "Metadata-Version", "MAJOR.MINOR"},
		{"metadata-version 3", "Metadata-Version: 3.0\nName: foo\nVersion: 1\n", 1, "Metadata-Version", "unsupported major"},
		{"missing name", "Metadata-Version: 2.1\nVersion: 1\n", 0, "Name", "missing"},
		{"invalid name", "Metadata-Version: 2.1\nName: -foo\nVersion: 1\n", 2, "Name", "not a valid project name"},
		{"name with space", "Metadata-Version: 2.1\nName: foo bar\nVersion: 1\n", 2, "Name", "not a valid project name"},
		{"missing version", "Metadata-Version: 2.1\nName: foo\n", 0, "Version", "missing"},
		{"invalid version", "Metadata-Version: 2.1\nName: foo\nVersion: 2015.10 (ISO-Rolling)\n", 3, "Version", "not a PEP 440 version"},
		{"dynamic name", "Metadata-Version: 2.2\nName: foo\nVersion: 1\nDynamic: Name\n", 4, "Dynamic", "may not be dynamic"},
		{"dynamic version", "Metadata-Version: 2.2\nName: foo\nVersion: 1\nDynamic: version\n", 4, "Dynamic", "may not be dynamic"},
		{"dynamic metadata-version", "Metadata-Version: 2.2\nName: foo\nVersion: 1\nDynamic: Metadata-Version\n", 4, "Dynamic", "may not be dynamic"},
		{"dynamic unknown", "Metadata-Version: 2.2\nName: foo\nVersion: 1\nDynamic: Colour\n", 4, "Dynamic", "not a core metadata field"},
		{"duplicate name", "Metadata-Version: 2.1\nName: foo\nVersion: 1\nName: bar\n", 4, "Name", "repeated"},
		{"duplicate version", "Metadata-Version: 2.1\nName: foo\nVersion: 1\nVersion: 2\n", 4, "Version", "repeated"},
		{"continuation first", "  Metadata-Version: 2.1\n", 1, "", "continuation line before the first field"},
		{"garbage first", "hello world\nName: foo\n", 1, "", "expected \"Name: value\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Line != tt.line || e.Field != tt.field || !strings.Contains(e.Error(), tt.want) {
				t.Errorf("err = %q (line %d field %q), want line %d field %q containing %q", e, e.Line, e.Field, tt.line, tt.field, tt.want)
			}
		})
	}
}

func TestInvalidRequiresDist(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		lines []int
		valid int
	}{
		{"trailing operator", "Metadata-Version: 2.1\nName: foo\nVersion: 1\nRequires-Dist: bar\nRequires-Dist: baz >= \n", []int{5}, 1},
		{"bad marker", "Metadata-Version: 2.1\nName: foo\nVersion: 1\nRequires-Dist: bar; python_version >> '3'\n", []int{4}, 0},
		{"no name", "Metadata-Version: 2.1\nName: foo\nVersion: 1\nClassifier: x\n  y\nRequires-Dist: >=1.0\n", []int{6}, 0},
		{"legacy parenthesised marker", "Metadata-Version: 2.1\nName: foo\nVersion: 1\nRequires-Dist: sys-platform (==\"darwin\") ; extra == 'objc'\n", []int{4}, 0},
		{"url without space before marker", "Metadata-Version: 2.1\nName: foo\nVersion: 1\nRequires-Dist: a @ https://x/a.whl; extra == 'x'\n", []int{4}, 0},
		{"empty value", "Metadata-Version: 2.1\nName: foo\nVersion: 1\nRequires-Dist:\nRequires-Dist: ok\n", []int{4}, 1},
		{"two bad among good", "Metadata-Version: 2.1\nName: foo\nVersion: 1\nRequires-Dist: a[\nRequires-Dist: b\nRequires-Dist: c (>=1\n", []int{4, 6}, 1},
		{"line of folded value", "Metadata-Version: 2.1\nName: foo\nVersion: 1\nRequires-Dist: ok\nRequires-Dist: x\n  >>1\n", []int{5}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var lines []int
			for _, e := range m.Invalid {
				lines = append(lines, e.Line)
				if e.Field != "Requires-Dist" {
					t.Errorf("field = %q", e.Field)
				}
			}
			if !reflect.DeepEqual(lines, tt.lines) || len(m.RequiresDist) != tt.valid {
				t.Errorf("invalid lines %v (want %v), %d valid (want %d)", lines, tt.lines, len(m.RequiresDist), tt.valid)
			}
			err = m.Validate()
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d: Requires-Dist: invalid requirement", tt.lines[0])) {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestRequiresDistErrorUnwraps(t *testing.T) {
	m, err := Parse([]byte("Metadata-Version: 2.1\nName: foo\nVersion: 1\nRequires-Dist: bar[\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Validate()
	var pe *pep508.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a wrapped *pep508.ParseError", err)
	}
	if !strings.HasPrefix(err.Error(), "line 4: Requires-Dist: ") {
		t.Errorf("err = %q", err)
	}
}

func TestSizeLimit(t *testing.T) {
	data := make([]byte, MaxSize+1)
	if _, err := Parse(data); err == nil {
		t.Fatal("no error for an oversized file")
	}
}

func TestDependencies(t *testing.T) {
	m, err := Parse([]byte(`Metadata-Version: 2.1
Name: foo
Version: 1.0
Requires-Dist: always
Requires-Dist: old; python_version < "3.8"
Requires-Dist: new; python_version >= "3.8"
Requires-Dist: winonly; sys_platform == "win32"
Requires-Dist: sock[x]; extra == 'socks'
Requires-Dist: docs-a; extra == "Docs_Extra"
Requires-Dist: both; extra == "socks" and sys_platform == "linux"
Requires-Dist: notwin; sys_platform != "win32" or extra == "win"
Provides-Extra: socks
Provides-Extra: docs-extra
`))
	if err != nil {
		t.Fatal(err)
	}
	linux := pep508.Environment{
		"python_version": "3.11", "python_full_version": "3.11.4", "sys_platform": "linux", "platform_system": "Linux",
		"os_name": "posix", "platform_machine": "x86_64", "platform_release": "6.1", "platform_version": "#1",
		"platform_python_implementation": "CPython", "implementation_name": "cpython", "implementation_version": "3.11.4",
	}
	win := pep508.Environment{}
	for k, v := range linux {
		win[k] = v
	}
	win["sys_platform"], win["platform_system"], win["os_name"] = "win32", "Windows", "nt"
	py37 := pep508.Environment{}
	for k, v := range linux {
		py37[k] = v
	}
	py37["python_version"], py37["python_full_version"] = "3.7", "3.7.9"

	tests := []struct {
		name   string
		extras []string
		env    pep508.Environment
		want   []string
	}{
		{"linux no extras", nil, linux, []string{"always", "new", "notwin"}},
		{"windows no extras", nil, win, []string{"always", "new", "winonly"}},
		{"py37", nil, py37, []string{"always", "old", "notwin"}},
		{"socks extra", []string{"socks"}, linux, []string{"always", "new", "sock", "both", "notwin"}},
		{"socks on windows", []string{"socks"}, win, []string{"always", "new", "winonly", "sock"}},
		{"extra normalized", []string{"docs.extra"}, linux, []string{"always", "new", "docs-a", "notwin"}},
		{"extra upper case", []string{"SOCKS"}, linux, []string{"always", "new", "sock", "both", "notwin"}},
		{"win extra", []string{"win"}, win, []string{"always", "new", "winonly", "notwin"}},
		{"unknown extra", []string{"nope"}, linux, []string{"always", "new", "notwin"}},
		{"two extras", []string{"socks", "docs-extra"}, linux, []string{"always", "new", "sock", "docs-a", "both", "notwin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range m.Dependencies(tt.extras, tt.env) {
				got = append(got, r.Name)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Dependencies(%q) = %q, want %q", tt.extras, got, tt.want)
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	in := `Metadata-Version: 2.4
Name: Demo.Pkg
Version: 1.2.3rc1
Dynamic: Summary
Summary: A demo
Description-Content-Type: text/markdown
Author: A, B
License: line one

  line three
License-Expression: MIT
License-File: LICENSE
Classifier: Programming Language :: Python
Requires-Dist: requests[socks]>=2.0,<3; python_version >= "3.8"
Requires-Dist: pkg @ https://example.com/pkg-1.0.tar.gz ; extra == "url"
Requires-Python: >=3.8
Project-URL: Home, https://example.com
Provides-Extra: url

# Demo

body
`
	m, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(Marshal): %v\n%s", err, out)
	}
	// Everything but the raw headers and their line numbers must survive.
	m.Headers, m2.Headers = nil, nil
	if m.Description != m2.Description || m.License != m2.License || m.Author != m2.Author ||
		!reflect.DeepEqual(m.Dynamic, m2.Dynamic) || !reflect.DeepEqual(m.ProjectURLs, m2.ProjectURLs) ||
		m.RequiresPython.String() != m2.RequiresPython.String() {
		t.Errorf("round trip differs:\n%s", out)
	}
	for i := range m.RequiresDist {
		if m.RequiresDist[i].String() != m2.RequiresDist[i].String() {
			t.Errorf("Requires-Dist %d: %q != %q", i, m.RequiresDist[i], m2.RequiresDist[i])
		}
	}
	// Marshal is deterministic: a second round gives the same bytes.
	out2, err := Marshal(m2)
	if err != nil || string(out2) != string(out) {
		t.Errorf("second Marshal differs (%v):\n%s\n---\n%s", err, out, out2)
	}
}

func TestMarshalErrors(t *testing.T) {
	base := func() *Metadata { return &Metadata{Name: "foo", Version: "1.0"} }
	tests := []struct {
		name   string
		modify func(m *Metadata)
		field  string
	}{
		{"bad name", func(m *Metadata) { m.Name = "foo bar" }, "Name"},
		{"empty name", func(m *Metadata) { m.Name = "" }, "Name"},
		{"bad version", func(m *Metadata) { m.Version = "one" }, "Version"},
		{"header injection in summary", func(m *Metadata) { m.Summary = "x\nRequires-Dist: evil" }, "Summary"},
		{"header injection in classifier", func(m *Metadata) { m.Classifiers = []string{"a\rb"} }, "Classifier"},
		{"leading space", func(m *Metadata) { m.HomePage = " https://x" }, "Home-page"},
		{"dynamic name", func(m *Metadata) { m.Dynamic = []string{"Name"} }, "Dynamic"},
		{"comma in url label", func(m *Metadata) { m.ProjectURLs = []ProjectURL{{"a,b", "https://x"}} }, "Project-URL"},
		{"future major", func(m *Metadata) { m.MetadataVersion = "3.0" }, "Metadata-Version"},
		{"cr in license", func(m *Metadata) { m.License = "a\nb\rc" }, "License"},
		{"unknown dynamic", func(m *Metadata) { m.MetadataVersion = "2.2"; m.Dynamic = []string{"Colour"} }, "Dynamic"},
		{"nil requirement", func(m *Metadata) { m.RequiresDist = []*pep508.Requirement{nil} }, "Requires-Dist"},
		{"newline in provides-extra", func(m *Metadata) { m.ProvidesExtra = []string{"a\nRequires-Dist: evil"} }, "Provides-Extra"},
		{"version with newline", func(m *Metadata) { m.Version = "1.0\n" }, "Version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.modify(m)
			_, err := Marshal(m)
			var e *Error
			if !errors.As(err, &e) || e.Field != tt.field {
				t.Errorf("err = %v, want *Error for field %s", err, tt.field)
			}
		})
	}
	out, err := Marshal(base())
	if err != nil || string(out) != "Metadata-Version: 2.4\nName: foo\nVersion: 1.0\n" {
		t.Errorf("Marshal(minimal) = %q, %v", out, err)
	}
}

func eq(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMarshalOldVersionDescription(t *testing.T) {
	m := &Metadata{MetadataVersion: "1.2", Name: "old", Version: "0.1", Description: "Title\n=====\n\n  indented\n", License: "  starts with spaces\nline two"}
	out, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "\n\n") {
		t.Errorf("1.2 file has a body:\n%s", out)
	}
	m2, err := Parse(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if m2.Description != "Title\n=====\n\n  indented" {
		t.Errorf("Description = %q\n%s", m2.Description, out)
	}
	if m2.License != "  starts with spaces\nline two" {
		t.Errorf("License = %q", m2.License)
	}
}

func TestMarshalCanonicalDynamic(t *testing.T) {
	out, err := Marshal(&Metadata{MetadataVersion: "2.2", Name: "x", Version: "1", Dynamic: []string{"requires-dist", "LICENSE"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "Dynamic: Requires-Dist\nDynamic: License\n") {
		t.Errorf("out = %q", out)
	}
}
