package dist

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const conformanceDir = "../../../shared/conformance"

type namesFile struct {
	WheelValid []struct {
		Filename      string   `json:"filename"`
		ValidateOrder bool     `json:"validate_order"`
		Name          string   `json:"name"`
		Version       string   `json:"version"`
		Build         []any    `json:"build"`
		Tags          []string `json:"tags"`
		Origin        string   `json:"origin"`
	} `json:"wheel_valid"`
	WheelInvalid []struct {
		Filename      string `json:"filename"`
		ValidateOrder bool   `json:"validate_order"`
		Message       string `json:"message"`
		Origin        string `json:"origin"`
	} `json:"wheel_invalid"`
	SdistValid []struct {
		Filename string `json:"filename"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Origin   string `json:"origin"`
	} `json:"sdist_valid"`
	SdistInvalid []struct {
		Filename string `json:"filename"`
		Message  string `json:"message"`
		Origin   string `json:"origin"`
	} `json:"sdist_invalid"`
}

// loadNames reads names.json. A missing file fails under CI and skips
// locally.
func loadNames(t *testing.T) namesFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(conformanceDir, "names.json"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance data: %v", err)
		}
		t.Skipf("conformance data not available: %v", err)
	}
	var f namesFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("names.json: %v", err)
	}
	if len(f.WheelValid) == 0 || len(f.WheelInvalid) == 0 || len(f.SdistValid) == 0 || len(f.SdistInvalid) == 0 {
		t.Fatal("names.json: a filename table is empty")
	}
	return f
}

// ruleFor maps packaging's message prefix (informational in the data) to
// the rule we must report.
func ruleFor(t *testing.T, message string) error {
	t.Helper()
	prefixes := []struct {
		prefix string
		rule   error
	}{
		{"Invalid wheel filename (extension", ErrExtension},
		{"Invalid wheel filename (wrong number of parts)", ErrPartCount},
		{"Invalid project name", ErrProjectName},
		{"Invalid wheel filename (invalid version)", ErrVersion},
		{"Invalid build number", ErrBuildTag},
		{"Invalid wheel filename (invalid tag component)", ErrTag},
		{"Invalid wheel filename (compressed tag set components must be in sorted order", ErrTagOrder},
		{"Invalid sdist filename (extension", ErrExtension},
		{"Invalid sdist filename (invalid version)", ErrVersion},
		{"Invalid sdist filename (empty project name)", ErrEmptyName},
		{"Invalid sdist filename:", ErrNoSeparator},
	}
	for _, p := range prefixes {
		if strings.HasPrefix(message, p.prefix) {
			return p.rule
		}
	}
	t.Fatalf("unknown message %q", message)
	return nil
}

func TestConformanceWheelValid(t *testing.T) {
	f := loadNames(t)
	for _, row := range f.WheelValid {
		w, err := ParseWheelName(row.Filename, row.ValidateOrder)
		if err != nil {
			t.Errorf("ParseWheelName(%q, %v): %v (%s)", row.Filename, row.ValidateOrder, err, row.Origin)
			continue
		}
		if w.Name != row.Name || w.Version.String() != row.Version {
			t.Errorf("ParseWheelName(%q): name, version = %q, %q; want %q, %q", row.Filename, w.Name, w.Version, row.Name, row.Version)
		}
		switch {
		case row.Build == nil && w.Build != nil:
			t.Errorf("ParseWheelName(%q): build %+v, want none", row.Filename, *w.Build)
		case row.Build != nil:
			if len(row.Build) != 2 {
				t.Fatalf("%q: malformed build %v", row.Filename, row.Build)
			}
			num, tag := int(row.Build[0].(float64)), row.Build[1].(string)
			if w.Build == nil || w.Build.Num != num || w.Build.Tag != tag {
				t.Errorf("ParseWheelName(%q): build %+v, want {%d %q}", row.Filename, w.Build, num, tag)
			}
		}
		var tags []string
		for _, tag := range w.Tags {
			tags = append(tags, tag.String())
		}
		slices.Sort(tags)
		if !slices.Equal(tags, row.Tags) {
			t.Errorf("ParseWheelName(%q): tags %v, want %v", row.Filename, tags, row.Tags)
		}
	}
	t.Logf("%d valid wheel rows", len(f.WheelValid))
}

func TestConformanceWheelInvalid(t *testing.T) {
	f := loadNames(t)
	for _, row := range f.WheelInvalid {
		want := ruleFor(t, row.Message)
		w, err := ParseWheelName(row.Filename, row.ValidateOrder)
		if err == nil {
			t.Errorf("ParseWheelName(%q, %v) = %+v; want error %q", row.Filename, row.ValidateOrder, w, row.Message)
			continue
		}
		var fe *FilenameError
		if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidWheelFilename) || !errors.Is(err, want) {
			t.Errorf("ParseWheelName(%q, %v): %v; want rule %v (%s)", row.Filename, row.ValidateOrder, err, want, row.Message)
		}
	}
	t.Logf("%d invalid wheel rows", len(f.WheelInvalid))
}

func TestConformanceSdistValid(t *testing.T) {
	f := loadNames(t)
	for _, row := range f.SdistValid {
		s, err := ParseSdistName(row.Filename)
		if err != nil {
			t.Errorf("ParseSdistName(%q): %v (%s)", row.Filename, err, row.Origin)
			continue
		}
		if s.Name != row.Name || s.Version.String() != row.Version {
			t.Errorf("ParseSdistName(%q) = %q, %q; want %q, %q", row.Filename, s.Name, s.Version, row.Name, row.Version)
		}
	}
	t.Logf("%d valid sdist rows", len(f.SdistValid))
}

func TestConformanceSdistInvalid(t *testing.T) {
	f := loadNames(t)
	for _, row := range f.SdistInvalid {
		want := ruleFor(t, row.Message)
		s, err := ParseSdistName(row.Filename)
		if err == nil {
			t.Errorf("ParseSdistName(%q) = %+v; want error %q", row.Filename, s, row.Message)
			continue
		}
		if !errors.Is(err, ErrInvalidSdistFilename) || !errors.Is(err, want) {
			t.Errorf("ParseSdistName(%q): %v; want rule %v (%s)", row.Filename, err, want, row.Message)
		}
	}
	t.Logf("%d invalid sdist rows", len(f.SdistInvalid))
}
