package pep425

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

// loadJSON reads a conformance table. A missing file fails under CI and
// skips locally.
func loadJSON(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(conformanceDir, name))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance data: %v", err)
		}
		t.Skipf("conformance data not available: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

type tagsFile struct {
	Configurations []struct {
		ID     string `json:"id"`
		Inputs struct {
			Implementation string   `json:"implementation"`
			PythonVersion  [2]int   `json:"python_version"`
			ABIs           []string `json:"abis"`
			Platforms      []string `json:"platforms"`
			Interpreter    *string  `json:"interpreter"`
		} `json:"inputs"`
		Tags []string `json:"tags"`
	} `json:"configurations"`
	Mac []struct {
		Version   [2]int   `json:"version"`
		Arch      string   `json:"arch"`
		Platforms []string `json:"platforms"`
	} `json:"mac_platforms"`
	Manylinux []struct {
		Arch      string   `json:"arch"`
		Glibc     [2]int   `json:"glibc"`
		Platforms []string `json:"platforms"`
	} `json:"manylinux_platforms"`
	Musllinux []struct {
		Arch      string   `json:"arch"`
		Musl      [2]int   `json:"musl"`
		Platforms []string `json:"platforms"`
	} `json:"musllinux_platforms"`
	ParseTag []struct {
		Input  string   `json:"input"`
		Tags   []string `json:"tags"`
		Error  *string  `json:"error"`
		Origin string   `json:"origin"`
	} `json:"parse_tag"`
}

func loadTags(t *testing.T) tagsFile {
	var f tagsFile
	loadJSON(t, "tags.json", &f)
	if len(f.Configurations) == 0 || len(f.Mac) == 0 || len(f.Manylinux) == 0 || len(f.Musllinux) == 0 || len(f.ParseTag) == 0 {
		t.Fatal("tags.json: a table is empty")
	}
	return f
}

func strs(tags []Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.String()
	}
	return out
}

// diffLists reports the first difference between two ordered lists.
func diffLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	for i := 0; i < min(len(got), len(want)); i++ {
		if got[i] != want[i] {
			t.Errorf("%s: first difference at %d: got %q, want %q", what, i, got[i], want[i])
			return
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: got %d entries, want %d", what, len(got), len(want))
	}
}

func TestConformanceConfigurations(t *testing.T) {
	f := loadTags(t)
	total := 0
	for _, c := range f.Configurations {
		t.Run(c.ID, func(t *testing.T) {
			in := Interpreter{
				Implementation: c.Inputs.Implementation,
				Version:        c.Inputs.PythonVersion,
				ABIs:           c.Inputs.ABIs,
				Platforms:      c.Inputs.Platforms,
			}
			if c.Inputs.Interpreter != nil {
				in.Name = *c.Inputs.Interpreter
			}
			diffLists(t, c.ID, strs(in.Tags()), c.Tags)
		})
		total += len(c.Tags)
	}
	t.Logf("%d configurations, %d tags", len(f.Configurations), total)
}

func TestConformanceMacPlatforms(t *testing.T) {
	for _, m := range loadTags(t).Mac {
		diffLists(t, "mac "+m.Arch, MacPlatforms(m.Version[0], m.Version[1], m.Arch), m.Platforms)
	}
}

func TestConformanceManylinuxPlatforms(t *testing.T) {
	for _, m := range loadTags(t).Manylinux {
		diffLists(t, "manylinux "+m.Arch, ManylinuxPlatforms(m.Arch, m.Glibc[0], m.Glibc[1]), m.Platforms)
	}
}

func TestConformanceMusllinuxPlatforms(t *testing.T) {
	for _, m := range loadTags(t).Musllinux {
		diffLists(t, "musllinux "+m.Arch, MusllinuxPlatforms(m.Arch, m.Musl[0], m.Musl[1]), m.Platforms)
	}
}

func TestConformanceParseTag(t *testing.T) {
	for _, row := range loadTags(t).ParseTag {
		got, err := ParseTag(row.Input)
		if row.Error != nil {
			if *row.Error != "InvalidTag" {
				t.Fatalf("%q: unknown error kind %q", row.Input, *row.Error)
			}
			if !errors.Is(err, ErrInvalidTag) {
				t.Errorf("ParseTag(%q) = %v, %v; want InvalidTag (%s)", row.Input, got, err, row.Origin)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTag(%q): %v (%s)", row.Input, err, row.Origin)
			continue
		}
		gs := strs(got)
		slices.Sort(gs)
		if !slices.Equal(gs, row.Tags) {
			t.Errorf("ParseTag(%q) = %v, want %v", row.Input, gs, row.Tags)
		}
	}
}

// TestTargetsMatchConformance checks that the named CLI targets produce
// exactly the tag lists packaging computes for the same host.
func TestTargetsMatchConformance(t *testing.T) {
	f := loadTags(t)
	byID := map[string][]string{}
	for _, c := range f.Configurations {
		byID[c.ID] = c.Tags
	}
	cases := []struct {
		target string
		python [2]int
		id     string
	}{
		{"manylinux_x86_64", [2]int{3, 11}, "cp311-manylinux-x86_64-glibc2.36"},
		{"linux", [2]int{3, 11}, "cp311-manylinux-x86_64-glibc2.36"},
		{"musllinux_x86_64", [2]int{3, 12}, "cp312-musllinux-x86_64-musl1.2"},
		{"macos_arm64", [2]int{3, 12}, "cp312-macos14-arm64"},
		{"macos", [2]int{3, 12}, "cp312-macos14-arm64"},
		{"win_amd64", [2]int{3, 13}, "cp313-win_amd64"},
		{"Windows", [2]int{3, 13}, "cp313-win_amd64"},
	}
	for _, c := range cases {
		in, err := Target(c.target, c.python)
		if err != nil {
			t.Errorf("Target(%q): %v", c.target, err)
			continue
		}
		want, ok := byID[c.id]
		if !ok {
			t.Fatalf("configuration %q missing from tags.json", c.id)
		}
		diffLists(t, c.target, strs(in.Tags()), want)
	}
}

func TestTargetErrors(t *testing.T) {
	for _, name := range []string{"", "solaris", "manylinux", "win64"} {
		if _, err := Target(name, [2]int{3, 12}); !errors.Is(err, ErrUnknownTarget) {
			t.Errorf("Target(%q) error = %v, want ErrUnknownTarget", name, err)
		}
	}
	if _, err := Target("linux", [2]int{0, 1}); err == nil {
		t.Error("Target with Python 0.1: want error")
	}
	for _, name := range Targets() {
		in, err := Target(name, [2]int{3, 12})
		if err != nil {
			t.Errorf("Target(%q): %v", name, err)
			continue
		}
		tags := in.Tags()
		if len(in.Platforms) == 0 || tags[0] != (Tag{"cp312", "cp312", in.Platforms[0]}) {
			t.Errorf("Target(%q): first tag %v", name, tags[0])
		}
		if want := (Tag{"py3", "none", "any"}); !slices.Contains(tags, want) {
			t.Errorf("Target(%q): missing %v", name, want)
		}
		if strings.HasPrefix(name, "manylinux_aarch64") && !slices.Contains(in.Platforms, "manylinux2014_aarch64") {
			t.Errorf("Target(%q): missing manylinux2014_aarch64", name)
		}
	}
}
