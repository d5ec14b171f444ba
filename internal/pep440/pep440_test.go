package pep440

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		column int
		msg    string
	}{
		{"", 1, "release number"},
		{"  ", 3, "release number"},
		{"1.0+", 5, "local label"},
		{"1.0+a+", 6, "after the local label"},
		{"1.0a1a2", 6, "after the pre-release segment"},
		{" 1.0.dev1.post1", 10, "after the dev segment"},
		{"foo", 1, "release number"},
		{"1.0.", 4, "'.N'"},
		{"1!", 3, "release number"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error = %v, want *ParseError", tt.in, err)
			continue
		}
		if pe.Input != tt.in || pe.Column != tt.column || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("Parse(%q) = %+v, want column %d and message containing %q", tt.in, pe, tt.column, tt.msg)
		}
		if !strings.Contains(err.Error(), "invalid PEP 440 version") {
			t.Errorf("Parse(%q) error text %q", tt.in, err)
		}
	}
}

func TestBigNumbers(t *testing.T) {
	huge := "1." + strings.Repeat("9", 40)
	tests := []struct {
		a, b string
		want int
	}{
		{huge, "1.18446744073709551615", 1},
		{"1.18446744073709551616", "1.18446744073709551615", 1},
		{"1.0000000000000000000000000005", "1.5", 0},
		{"1!0", "99999999999999999999999!0", -1},
		{"1.0.post" + strings.Repeat("1", 30), "1.0.post" + strings.Repeat("1", 29) + "2", -1},
		{"1.0+" + strings.Repeat("7", 25), "1.0+" + strings.Repeat("7", 24) + "8", -1},
	}
	for _, tt := range tests {
		if got := MustParse(tt.a).Compare(MustParse(tt.b)); got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	v := MustParse(huge + ".00001")
	if got, want := v.String(), huge+".1"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := v.Release(); got[1] != math.MaxInt {
		t.Errorf("Release()[1] = %d, want saturation at MaxInt", got[1])
	}
	if n := parseNum(strings.Repeat("9", 20)).succ(); n.String() != "1"+strings.Repeat("0", 20) {
		t.Errorf("succ = %s", n)
	}
	if n := parseNum("18446744073709551615").succ(); n.String() != "18446744073709551616" {
		t.Errorf("succ(max uint64) = %s", n)
	}
	// ">V.devN" derives V.devN+1 exactly beyond uint64.
	ss := MustParseSpecifierSet(">1.0.dev18446744073709551615")
	if ss.Contains(MustParse("1.0.dev18446744073709551615"), true) || !ss.Contains(MustParse("1.0.dev18446744073709551616"), true) {
		t.Error(">1.0.dev<max> is wrong at the uint64 boundary")
	}
}

func TestZeroVersion(t *testing.T) {
	var v Version
	if !v.IsZero() || v.String() != "0" || v.Compare(MustParse("0.0")) != 0 || len(v.Release()) != 1 {
		t.Errorf("zero Version = %q %v", v, v.Release())
	}
	if MustParse("0").IsZero() {
		t.Error("parsed version reports IsZero")
	}
}

func TestAccessors(t *testing.T) {
	v := MustParse("V2!1.2.3.4RC5-POST6_DEV7+Ubuntu-01.x")
	if got := v.String(); got != "2!1.2.3.4rc5.post6.dev7+ubuntu.1.x" {
		t.Fatalf("String() = %q", got)
	}
	if l, n, ok := v.Pre(); l != "rc" || n != 5 || !ok {
		t.Errorf("Pre() = %q %d %v", l, n, ok)
	}
	if n, ok := v.Post(); n != 6 || !ok {
		t.Errorf("Post() = %d %v", n, ok)
	}
	if n, ok := v.Dev(); n != 7 || !ok {
		t.Errorf("Dev() = %d %v", n, ok)
	}
	if v.Local() != "ubuntu.1.x" || v.Public().String() != "2!1.2.3.4rc5.post6.dev7" || v.BaseVersion().String() != "2!1.2.3.4" {
		t.Errorf("Local/Public/BaseVersion = %q %q %q", v.Local(), v.Public(), v.BaseVersion())
	}
	if v.Major() != 1 || v.Minor() != 2 || v.Micro() != 3 || v.Epoch() != 2 {
		t.Errorf("Major/Minor/Micro/Epoch = %d %d %d %d", v.Major(), v.Minor(), v.Micro(), v.Epoch())
	}
	if !v.IsPrerelease() || !v.IsPostrelease() || !v.IsDevrelease() {
		t.Error("Is* flags")
	}
	// Release returns a copy.
	r := v.Release()
	r[0] = 42
	if v.Major() != 1 {
		t.Error("Release() aliases internal state")
	}
	if !MustParse("1.0").Equal(MustParse("1")) || !MustParse("1.0a1").Less(MustParse("1.0")) {
		t.Error("Equal/Less")
	}
}

func TestCanonicalize(t *testing.T) {
	tests := []struct{ in, strip, keep string }{
		{"1.0.0", "1", "1.0.0"},
		{"0.0", "0", "0.0"},
		{"v1.2.0.0RC1+Local", "1.2rc1+local", "1.2.0.0rc1+local"},
		{"not a version", "not a version", "not a version"},
	}
	for _, tt := range tests {
		if got := Canonicalize(tt.in, true); got != tt.strip {
			t.Errorf("Canonicalize(%q, true) = %q, want %q", tt.in, got, tt.strip)
		}
		if got := Canonicalize(tt.in, false); got != tt.keep {
			t.Errorf("Canonicalize(%q, false) = %q, want %q", tt.in, got, tt.keep)
		}
	}
}

func TestSpecifierContains(t *testing.T) {
	tests := []struct {
		spec, version string
		want          bool
	}{
		{"==1.0", "1.0+local", true},
		{"==1.0+local", "1.0", false},
		{"==1.0+local", "1.0+LOCAL", true},
		{"!=1.0", "1.0+local", false},
		{"==1.*", "1.0a1", true},
		{"==1.*", "2.0.dev0", false},
		{"==1.0.*", "1.0", true},
		{"==1.0.0.*", "1.0.1", false},
		{"!=1.0.*", "1.1", true},
		{">1.0", "1.0.post1", false},
		{">1.0", "1.0+local", false},
		{">1.0", "1.0.1", true},
		{">1.0.post1", "1.0.post2", true},
		{">1.0.post1", "1.0.post1+local", false},
		{">1.0a1", "1.0a1.post1", false},
		{">1.0a1", "1.0a2.dev0", true},
		{"<1.0", "1.0a1", false},
		{"<1.0", "0.9", true},
		{"<1.0rc1", "1.0a1", true},
		{"<0", "0.dev0", false},
		{"<=1.0", "1.0+local", true},
		{"<=1.0", "1.0.post0", false},
		{">=1.0", "1.0.dev0", false},
		{"~=1.4.5", "1.4.9", true},
		{"~=1.4.5", "1.5", false},
		{"~=1.4", "1.9", true},
		{"~=1.4", "2.0.dev0", false},
		{"===1.0", "1.0", true},
		{"===1.0", "1.0.0", false},
		{"===Foo", "foo", true},
		{"== 1!1.0 ", "1!1.0.0", true},
		{"==1.0", "1!1.0", false},
	}
	for _, tt := range tests {
		sp, err := ParseSpecifier(tt.spec)
		if err != nil {
			t.Fatalf("ParseSpecifier(%q): %v", tt.spec, err)
		}
		if v, err := Parse(tt.version); err == nil {
			// Specifier.Contains sees the normalized text for ===.
			want := tt.want
			if sp.Op == OpArbitrary {
				want = strings.EqualFold(v.String(), sp.Version)
			}
			if got := sp.Contains(v); got != want {
				t.Errorf("%q.Contains(%q) = %v, want %v", tt.spec, tt.version, got, want)
			}
		}
		ss := MustParseSpecifierSet(tt.spec)
		if got := ss.ContainsString(tt.version, &yes); got != tt.want {
			t.Errorf("%q.ContainsString(%q, true) = %v, want %v", tt.spec, tt.version, got, tt.want)
		}
	}
	// A hand-built literal works (parsed on use).
	lit := Specifier{Op: OpGreaterEqual, Version: "2.0"}
	if !lit.Contains(MustParse("2.1")) || lit.Contains(MustParse("1.9")) || !lit.Equal(MustParse1(t, ">=2")) {
		t.Error("literal Specifier")
	}
	if (Specifier{Op: OpGreaterEqual, Version: "junk"}).Contains(MustParse("1")) {
		t.Error("invalid literal Specifier matched")
	}
}

func MustParse1(t *testing.T, s string) Specifier {
	t.Helper()
	sp, err := ParseSpecifier(s)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func TestSpecifierParse(t *testing.T) {
	tests := []struct {
		in      string
		op      Operator
		version string
		str     string
	}{
		{" >= 1.0 ", OpGreaterEqual, "1.0", ">=1.0"},
		{"===  foo", OpArbitrary, "foo", "===foo"},
		{"===", OpArbitrary, "", "==="},
		{"~=v1.0", OpCompatible, "v1.0", "~=v1.0"},
		{"==1.0.*", OpEqual, "1.0.*", "==1.0.*"},
		{"!=1!2.*", OpNotEqual, "1!2.*", "!=1!2.*"},
	}
	for _, tt := range tests {
		sp, err := ParseSpecifier(tt.in)
		if err != nil {
			t.Errorf("ParseSpecifier(%q): %v", tt.in, err)
			continue
		}
		if sp.Op != tt.op || sp.Version != tt.version || sp.String() != tt.str {
			t.Errorf("ParseSpecifier(%q) = %q %q %q", tt.in, sp.Op, sp.Version, sp.String())
		}
	}
	bad := []struct {
		in     string
		column int
	}{
		{"=>1.0", 1},
		{"  1.0", 3},
		{">=", 3},
		{">= 1.0+local", 7},
		{"~=1", 3},
		{"== 1.0 .*", 7},
		{"==1.0a1.*", 6},
		{"=== a b", 6},
		{">=1.0;", 6},
	}
	for _, tt := range bad {
		_, err := ParseSpecifier(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Kind != "specifier" || pe.Column != tt.column {
			t.Errorf("ParseSpecifier(%q) error = %#v, want column %d", tt.in, err, tt.column)
		}
	}
	_, err := ParseSpecifierSet(">=1.0, <2,  foo")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Kind != "specifier set" || pe.Column != 13 || !errors.As(pe.Err, new(*ParseError)) {
		t.Errorf("ParseSpecifierSet error = %#v, want column 13 wrapping the member error", err)
	}
}

func TestSetContainsResolverPolicy(t *testing.T) {
	tests := []struct {
		set, version string
		allowPre     bool
		want         bool
	}{
		{">=1.0", "2.0a1", false, false},
		{">=1.0", "2.0a1", true, true},
		{">=1.0", "2.0", false, true},
		{">=1.0b1", "2.0a1", false, true}, // the set names a pre-release
		{"!=1.0b1", "2.0a1", false, false},
		{"==1.*", "1.0a1", false, false},
		{"", "1.0.dev0", false, false},
		{"", "1.0.dev0", true, true},
		{"", "1.0", false, true},
		{">=1,<2", "2.0", true, false},
		{"===1.0a1", "1.0A1", false, true},
	}
	for _, tt := range tests {
		ss := MustParseSpecifierSet(tt.set)
		if got := ss.Contains(MustParse(tt.version), tt.allowPre); got != tt.want {
			t.Errorf("%q.Contains(%q, %v) = %v, want %v", tt.set, tt.version, tt.allowPre, got, tt.want)
		}
	}
	ss := MustParseSpecifierSet(">=1.0").WithPrereleases(&yes)
	if !ss.Prereleases() || !ss.Contains(MustParse("2.0a1"), false) {
		t.Error("explicit override not honoured")
	}
	if ss.WithPrereleases(nil).Prereleases() {
		t.Error("WithPrereleases(nil) kept the override")
	}
}

func TestSetAPI(t *testing.T) {
	empty := MustParseSpecifierSet(" , ")
	if !empty.IsEmpty() || empty.String() != "" || empty.IsUnsatisfiable() || len(empty.Specifiers()) != 0 {
		t.Errorf("empty set: %q", empty)
	}
	var zero SpecifierSet
	if !zero.Contains(MustParse("1.0"), false) || !zero.IsEmpty() {
		t.Error("zero SpecifierSet must match everything")
	}
	a := MustParseSpecifierSet(">=1.0, !=1.5")
	b := MustParseSpecifierSet("<2.0,>=1.0.0")
	ab := a.Intersect(b)
	if got := ab.String(); got != "!=1.5,<2.0,>=1.0" {
		t.Errorf("Intersect String() = %q", got)
	}
	if !ab.Contains(MustParse("1.4"), false) || ab.Contains(MustParse("1.5"), false) || ab.Contains(MustParse("2.0"), false) {
		t.Error("Intersect membership")
	}
	if ab.IsUnsatisfiable() || !ab.Intersect(MustParseSpecifierSet(">=3")).IsUnsatisfiable() {
		t.Error("Intersect satisfiability")
	}
	if !a.Equal(MustParseSpecifierSet("!=1.5.0,>=1")) || a.Equal(b) {
		t.Error("Equal")
	}
	specs := a.Specifiers()
	specs[0] = Specifier{}
	if a.Specifiers()[0].String() != "!=1.5" {
		t.Error("Specifiers() aliases internal state")
	}
	pt, pf := true, false
	conflict := a.WithPrereleases(&pt).Intersect(b.WithPrereleases(&pf))
	if conflict.Prereleases() {
		t.Error("conflicting overrides must forbid pre-releases")
	}
	got := MustParseSpecifierSet(">=1.0").Filter([]string{"0.9", "1.0a1", "1.1a1", "junk", "1.2"}, nil)
	if !slices.Equal(got, []string{"1.2"}) {
		t.Errorf("Filter = %q", got)
	}
	got = MustParseSpecifierSet(">=1.0").Filter([]string{"0.9", "1.1a1", "1.2a1"}, nil)
	if !slices.Equal(got, []string{"1.1a1", "1.2a1"}) {
		t.Errorf("Filter (pre-releases only) = %q", got)
	}
}

func TestPyLower(t *testing.T) {
	tests := []struct {
		a, b string
		eq   bool
	}{
		{"FooBar", "foobar", true},
		{"İ", "i", false},
		{"İ", "i\u0307", true},
		{"ΑΣ", "ας", true},
		{"ΑΣ", "ασ", false},
		{"Σ", "σ", true},
		{"ΑΣΑ", "ασα", true},
	}
	for _, tt := range tests {
		if got := pyLowerEqual(tt.a, tt.b); got != tt.eq {
			t.Errorf("pyLowerEqual(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.eq)
		}
	}
}

func TestSpecifierContainsString(t *testing.T) {
	tests := []struct {
		spec, version string
		want          bool
	}{
		{"===foobar", "FooBar", true},
		{"===1.0", "1.0.0", false},
		{"===1.0", " 1.0", false},
		{">=1.0", "foobar", false},
		{">=1.0", " v1.1 ", true},
		{"!=1.0", "junk", false},
	}
	for _, tt := range tests {
		if got := MustParse1(t, tt.spec).ContainsString(tt.version); got != tt.want {
			t.Errorf("%q.ContainsString(%q) = %v, want %v", tt.spec, tt.version, got, tt.want)
		}
	}
}

func TestTextMarshaling(t *testing.T) {
	var doc struct {
		V  Version      `json:"v"`
		SS SpecifierSet `json:"ss"`
	}
	if err := json.Unmarshal([]byte(`{"v":"1.0-1","ss":">=1.0, <2"}`), &doc); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(doc)
	if err != nil || string(out) != `{"v":"1.0.post1","ss":"\u003c2,\u003e=1.0"}` {
		t.Errorf("Marshal = %s, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"v":"nope"}`), &doc); err == nil {
		t.Error("invalid version unmarshalled")
	}
	if err := json.Unmarshal([]byte(`{"ss":">=x"}`), &doc); err == nil {
		t.Error("invalid specifier set unmarshalled")
	}
}

func TestIntersectDeduplicates(t *testing.T) {
	ss := MustParseSpecifierSet(">=1.0")
	for range 100 {
		ss = ss.Intersect(MustParseSpecifierSet(">=1.0.0, <2"))
	}
	if len(ss.specs) != 2 || ss.String() != "<2,>=1.0" {
		t.Errorf("repeated Intersect = %q with %d members", ss, len(ss.specs))
	}
}

func TestExactVersion(t *testing.T) {
	tests := []struct {
		spec string
		want string
		ok   bool
	}{
		{"==1.0", "1.0", true},
		{"== 2.0.post1", "2.0.post1", true},
		{"===foo-bar", "foo-bar", true},
		{"==1.0.*", "", false},
		{">=1.0", "", false},
		{"==1.0,!=1.1", "", false},
		{"~=1.0", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		s, err := ParseSpecifierSet(tt.spec)
		if err != nil {
			t.Fatalf("ParseSpecifierSet(%q): %v", tt.spec, err)
		}
		got, ok := s.ExactVersion()
		if got != tt.want || ok != tt.ok {
			t.Errorf("%q.ExactVersion() = %q, %v; want %q, %v", tt.spec, got, ok, tt.want, tt.ok)
		}
	}
}
