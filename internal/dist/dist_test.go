package dist

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestParseWheelNameTable(t *testing.T) {
	cases := []struct {
		in      string
		name    string
		version string
		build   *Build
		tags    []string
		rule    error
	}{
		{in: "numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", name: "numpy", version: "2.1.0",
			tags: []string{"cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64"}},
		{in: "Foo.Bar-1.0-1a-py3-none-any.whl", name: "foo-bar", version: "1.0", build: &Build{1, "a"}, tags: []string{"py3-none-any"}},
		{in: "foo-1.0-١٢x-py3-none-any.whl", name: "foo", version: "1.0", build: &Build{12, "x"}, tags: []string{"py3-none-any"}},
		{in: "foo-1.0-𝟗9-py3-none-any.whl", name: "foo", version: "1.0", build: &Build{99, ""}, tags: []string{"py3-none-any"}},
		{in: "foo-1.0-1a\nb-py3-none-any.whl", name: "foo", version: "1.0", build: &Build{1, "a"}, tags: []string{"py3-none-any"}},
		{in: "FOO_BÁR-1.0-py3-none-any.whl", name: "foo-bár", version: "1.0", tags: []string{"py3-none-any"}},
		{in: "foo-1.0-99999999999999999999999-py3-none-any.whl", rule: ErrBuildTag},
		{in: "foo-bar-1.0-py3-none-any.whl", rule: ErrVersion}, // unescaped '-' shifts the fields
		{in: "foo bar-1.0-py3-none-any.whl", rule: ErrProjectName},
		{in: "foo\xff-1.0-py3-none-any.whl", rule: ErrProjectName},
		{in: "foo-1.0-py3-none-any.whl.metadata", rule: ErrExtension},
		{in: "foo-1.0-py3.py2-none-any.whl", name: "foo", version: "1.0", tags: []string{"py3-none-any", "py2-none-any"}},
	}
	for _, c := range cases {
		w, err := ParseWheelName(c.in, false)
		if c.rule != nil {
			if !errors.Is(err, c.rule) || !errors.Is(err, ErrInvalidWheelFilename) {
				t.Errorf("ParseWheelName(%q) = %+v, %v; want %v", c.in, w, err, c.rule)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseWheelName(%q): %v", c.in, err)
			continue
		}
		var tags []string
		for _, tag := range w.Tags {
			tags = append(tags, tag.String())
		}
		if w.Name != c.name || w.Version.String() != c.version || CompareBuild(w.Build, c.build) != 0 || !slices.Equal(tags, c.tags) {
			t.Errorf("ParseWheelName(%q) = %q %q %+v %v; want %q %q %+v %v", c.in, w.Name, w.Version, w.Build, tags, c.name, c.version, c.build, c.tags)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	_, err := ParseWheelName("foo-1.x-py3-none-any.whl", false)
	msg := err.Error()
	for _, want := range []string{`invalid wheel filename "foo-1.x-py3-none-any.whl"`, "invalid version", "1.x"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	_, err = ParseWheelName("foo-1.0-py3.py2-none-any.whl", true)
	if !errors.Is(err, ErrTagOrder) || !errors.Is(err, pep425.ErrUnsortedTag) {
		t.Errorf("unsorted: %v", err)
	}
	_, err = ParseSdistName("foo.tar.gz")
	if !errors.Is(err, ErrNoSeparator) || !strings.Contains(err.Error(), `invalid sdist filename "foo.tar.gz"`) {
		t.Errorf("sdist: %v", err)
	}
}

func TestCompareBuild(t *testing.T) {
	ordered := []*Build{nil, {1, ""}, {1, "a"}, {1, "b"}, {2, ""}, {10, ""}}
	for i, a := range ordered {
		for j, b := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := CompareBuild(a, b); got != want {
				t.Errorf("CompareBuild(%+v, %+v) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestParseFilename(t *testing.T) {
	cases := []struct {
		in      string
		kind    Kind
		name    string
		version string
		err     error
	}{
		{"requests-2.32.3-py3-none-any.whl", Wheel, "requests", "2.32.3", nil},
		{"requests-2.32.3.tar.gz", Sdist, "requests", "2.32.3", nil},
		{"Django-5.0.zip", Sdist, "django", "5.0", nil},
		{"foo-1.0-py3.py2-none-any.whl", Wheel, "foo", "1.0", nil}, // pip does not validate order
		{"requests-2.32.3.tar.bz2", Unknown, "", "", ErrUnsupported},
		{"requests-2.32.3-py3.8.egg", Unknown, "", "", ErrUnsupported},
		{"foo-1.0.whl", Wheel, "", "", ErrPartCount},
		{"foo.zip", Sdist, "", "", ErrNoSeparator},
	}
	for _, c := range cases {
		f, err := ParseFilename(c.in)
		if f.Kind != c.kind {
			t.Errorf("ParseFilename(%q).Kind = %v, want %v", c.in, f.Kind, c.kind)
		}
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("ParseFilename(%q) error = %v, want %v", c.in, err, c.err)
			}
			continue
		}
		if err != nil || f.Name != c.name || f.Version.String() != c.version {
			t.Errorf("ParseFilename(%q) = %+v, %v", c.in, f, err)
		}
		if c.kind == Wheel && f.Wheel.Name != c.name {
			t.Errorf("ParseFilename(%q).Wheel not set", c.in)
		}
	}
}

func FuzzParseWheelName(f *testing.F) {
	for _, s := range []string{
		"numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
		"foo-1.0-1000abc-py2.py3-none-any.whl", "foo__bar-1.0-py3-none-any.whl", "foo-1.0--py3-none-any.whl",
		"foo-1.0-١٢-py3-none-any.whl", "foo_bár-v1.0-1-py3.py2-none-any.whl", "-1.0-py3-none-any.whl",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, order bool) {
		stem := strings.TrimSuffix(s, wheelExt)
		if dashes := strings.Count(stem, "-"); dashes == wheelDashesNoBuild || dashes == wheelDashesBuild {
			buf := splitWheelStem(stem, dashes)
			if got, want := buf[:dashes-1], strings.SplitN(stem, "-", dashes-1); !slices.Equal(got, want) {
				t.Fatalf("splitWheelStem(%q) = %q, strings.SplitN gives %q", stem, got, want)
			}
		}
		start := time.Now()
		w, err := ParseWheelName(s, order)
		budgettest.Check(t, len(s), start)
		if err != nil {
			var fe *FilenameError
			if !errors.As(err, &fe) || fe.Rule == nil || !errors.Is(err, ErrInvalidWheelFilename) {
				t.Fatalf("error %v is not a FilenameError with a rule", err)
			}
			return
		}
		if w.Name == "" || w.Version.IsZero() || len(w.Tags) == 0 {
			t.Fatalf("incomplete result %+v for %q", w, s)
		}
		if w.Build != nil && w.Build.Num < 0 {
			t.Fatalf("negative build %+v", w.Build)
		}
		if order {
			if _, err := ParseWheelName(s, false); err != nil {
				t.Fatalf("valid with order validation but not without: %v", err)
			}
		}
	})
}

func FuzzParseSdistName(f *testing.F) {
	for _, s := range []string{"foo-1.0.tar.gz", "foo-1.0.zip", "-1.0.zip", "foo.tar.gz", "foo-bar-1.0-1.tar.gz", "foo-1.x.zip"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		sd, err := ParseSdistName(s)
		budgettest.Check(t, len(s), start)
		if err != nil {
			if !errors.Is(err, ErrInvalidSdistFilename) {
				t.Fatalf("error %v does not wrap ErrInvalidSdistFilename", err)
			}
			return
		}
		if sd.Name == "" || sd.Version.IsZero() {
			t.Fatalf("incomplete result %+v for %q", sd, s)
		}
		if file, err := ParseFilename(s); err != nil || file.Kind != Sdist || file.Name != sd.Name {
			t.Fatalf("ParseFilename(%q) = %+v, %v", s, file, err)
		}
	})
}
