package typosquat

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// Every trick has positive rows (the name must be attributed to the
// imitated project by that trick) against the embedded reference.
func TestTricksPositive(t *testing.T) {
	tests := []struct {
		name, imitates string
		trick          Trick
	}{
		{"setup-tools", "setuptools", TrickSeparator},
		{"charsetnormalizer", "charset-normalizer", TrickSeparator},
		{"py-yaml", "pyyaml", TrickSeparator},
		{"jeIlyfish", "jellyfish", TrickHomoglyph},
		{"b0to3", "boto3", TrickHomoglyph},
		{"c1ick", "click", TrickHomoglyph},
		{"nurnpy", "numpy", TrickHomoglyph},
		{"vvheel", "wheel", TrickHomoglyph},
		{"rеquests", "requests", TrickHomoglyph}, // Cyrillic е
		{"reqeusts", "requests", TrickTranspose},
		{"pnadas", "pandas", TrickTranspose},
		{"reqyests", "requests", TrickSubstitute},
		{"cryptogrsphy", "cryptography", TrickSubstitute},
		{"requeests", "requests", TrickInsert},
		{"colorsama", "colorama", TrickInsert},
		{"urlib3", "urllib3", TrickDelete},
		{"cryptograpy", "cryptography", TrickDelete},
		{"request", "requests", TrickPlural},
		{"coloramas", "colorama", TrickPlural},
		{"urllib", "urllib3", TrickVersionSuffix},
		{"requests2", "requests", TrickVersionSuffix},
		{"requests-v2", "requests", TrickVersionSuffix},
		{"python3-dateutil", "python-dateutil", TrickPrefix},
		{"python-requests", "requests", TrickPrefix},
		{"py-numpy", "numpy", TrickPrefix},
		{"colorama-python", "colorama", TrickSuffix},
		{"numpy-python", "numpy", TrickSuffix},
		{"boto3-py", "boto3", TrickSuffix},
		{"dateutil-py", "python-dateutil", TrickSuffix},
		{"yaml-py", "pyyaml", TrickSuffix},
		{"requests-urllib3", "urllib3", TrickCombination},
		{"urllib3-idna", "urllib3", TrickCombination},
		// Two popular names glued without a separator.
		{"requestsnumpy", "requests", TrickCombination},
		{"scipy-matplotlib", "scipy", TrickCombination},
		// Generic packaging words around a popular name.
		{"colorama-sdk", "colorama", TrickGenericAffix},
		{"install-numpy", "numpy", TrickGenericAffix},
		{"print-flask", "flask", TrickGenericAffix},
		{"requests-install", "requests", TrickGenericAffix},
		{"urllib3-loader", "urllib3", TrickGenericAffix},
		{"pyyaml-client", "pyyaml", TrickGenericAffix},
		{"official-tensorflow-setup", "tensorflow", TrickGenericAffix},
		{"installrequests", "requests", TrickGenericAffix},
		// Several slips that sound or type alike.
		{"matplotlyb", "matplotlib", TrickSubstitute},
		{"mattplotlyb", "matplotlib", TrickMultiEdit},
		{"reqquestts", "requests", TrickMultiEdit},
		{"cryptogrraphi", "cryptography", TrickMultiEdit},
		// Spelling variants and plurals.
		{"colourama", "colorama", TrickSpelling},
		{"numpyes", "numpy", TrickSpelling},
		{"pydantik", "pydantic", TrickSubstitute},
		// Truncation inside a word.
		{"matplotl", "matplotlib", TrickTruncation},
		{"cryptogr", "cryptography", TrickTruncation},
		// Words of a popular name reordered.
		{"learn-scikit", "scikit-learn", TrickWordOrder},
		{"dateutil-python", "python-dateutil", TrickWordOrder},
		// Typo of a versionless spelling of a versioned project.
		{"beautifullsoup", "beautifulsoup4", TrickInsert},
	}
	for _, tt := range tests {
		fs := Check(tt.name)
		if len(fs) == 0 {
			t.Errorf("Check(%q) = nothing, want %s by %s", tt.name, tt.imitates, tt.trick)
			continue
		}
		if fs[0].Imitates != tt.imitates || fs[0].Trick != tt.trick {
			t.Errorf("Check(%q)[0] = %v, want %s by %s", tt.name, fs[0], tt.imitates, tt.trick)
		}
		if fs[0].ImitatedRank <= 0 || fs[0].Score < MinScore || fs[0].Score > 1 || fs[0].Severity == "" {
			t.Errorf("Check(%q)[0] = %+v: bad rank, score or severity", tt.name, fs[0])
		}
	}
}

// Negative rows: names each trick must leave alone.
func TestTricksNegative(t *testing.T) {
	tests := []struct{ name, why string }{
		{"requests", "popular itself"},
		{"Requests", "popular itself, case"},
		{"python_dateutil", "popular itself after PEP 503 normalization"},
		{"pyaml", "popular itself, though one letter from pyyaml"},
		{"pyyaml", "popular itself, though one letter from pyaml"},
		{"", "empty"},
		{"---", "separators only"},
		{"my-company-internal-tool", "unrelated"},
		{"sax", "short name one letter from six: too short to call"},
		{"numpie", "two edits from numpy"},
		{"pytest-requests", "a plugin of a family host (pytest-*)"},
		{"django-filterz", "weak edit inside the django-* family"},
		{"grequests", "one-letter prefix: a new name, not a typo, and not popular enough"},
		{"pyqt7", "digit change: a version"},
		{"flask-redis", "glue package of a family host"},
		{"pytest-print", "a plugin: print after a family host is a feature, not bait"},
		{"tqdm-joblib", "glue of two merely popular names"},
		{"types-requests-oauthlib", "stubs family: the first word hosts a family"},
		{"kubernetes-client", "add-on word on a project below the top 200"},
		{"python-okx", "differs from python-docx only in its own word"},
		{"cupy-cuda13x", "a digit changed: a variant, not a typo"},
		{"anyconfig", "first letter differs from iniconfig: a new name"},
		{"tensorfl", "truncation of a project below the top 500"},
		{"deep-merge", "reordered words of a project below the top 500"},
		{"numpie", "multi-edit needs 7 letters: short names are words of their own"},
	}
	ref := Embedded()
	for _, tt := range tests {
		if fs := ref.Check(tt.name); len(fs) != 0 {
			t.Errorf("Check(%q) = %v, want nothing (%s)", tt.name, fs, tt.why)
		}
	}
}

// A tiny hand-made reference pins the scoring rules independently of the
// download snapshot.
func TestScoringRules(t *testing.T) {
	names := []string{"alphabet", "requests", "django"}
	for i := 0; len(names) < 200; i++ {
		names = append(names, "filler"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	names = append(names, "zebraflow") // rank 201
	for len(names) < 9000 {
		names = append(names, "pad"+string(rune('a'+len(names)%26))+string(rune('a'+len(names)/26%26))+string(rune('a'+len(names)/676%26)))
	}
	names = append(names, "quokkaflow") // rank 9001
	ref := NewReference(names)

	// Popularity matters: the same typo scores higher on a popular name.
	hi := ref.Check("alpahbet")
	lo := ref.Check("zebrafolw")
	if len(hi) == 0 || len(lo) == 0 {
		t.Fatalf("transpositions not flagged: %v / %v", hi, lo)
	}
	if hi[0].Score <= lo[0].Score {
		t.Errorf("rank-1 typo scored %.3f, rank-201 typo %.3f; want the popular one higher", hi[0].Score, lo[0].Score)
	}
	// Decorations decay fast with rank: an affix on a rank-9,001 name is
	// not reported, a transposition still is.
	if fs := ref.Check("python-quokkaflow"); len(fs) != 0 {
		t.Errorf("affix on an obscure name flagged: %v", fs)
	}
	if fs := ref.Check("quokkafolw"); len(fs) == 0 {
		t.Errorf("transposition of a rank-9,001 name not flagged")
	}
	// Findings come best first and carry the checked name normalized.
	fs := ref.Check("Requets")
	if len(fs) == 0 || fs[0].Name != "requets" || fs[0].Imitates != "requests" {
		t.Fatalf("Check(Requets) = %v", fs)
	}
}

func TestTrickTable(t *testing.T) {
	seen := map[Trick]bool{}
	for _, row := range tricks {
		if seen[row.trick] {
			t.Errorf("trick %s listed twice", row.trick)
		}
		seen[row.trick] = true
		if row.weight <= 0 || row.weight > 1 || row.decay <= 0 || row.minLen < 1 || row.what == "" {
			t.Errorf("trick %s: bad row %+v", row.trick, row)
		}
	}
	if got := Tricks(); len(got) != len(tricks) || got[0] != TrickSeparator {
		t.Errorf("Tricks() = %v", got)
	}
	for _, tr := range Tricks() {
		if tr.Description() == "" {
			t.Errorf("%s has no description", tr)
		}
	}
	if Trick("nonsense").Description() != "" {
		t.Error("unknown trick has a description")
	}
}

func TestClassifyEdit(t *testing.T) {
	tests := []struct {
		q, t   string
		trick  Trick
		factor float64
	}{
		{"reqeusts", "requests", TrickTranspose, TypoFactor},
		{"requestss", "requests", TrickInsert, TypoFactor}, // doubled s, not a plural
		{"coloramas", "colorama", TrickPlural, 1},
		{"ipaddres", "ipaddress", TrickDelete, TypoFactor},
		{"ycodestyle", "pycodestyle", TrickDelete, AdjacentFactor},
		{"ignore", "rignore", TrickDelete, EdgeFactor},
		{"requeests", "requests", TrickInsert, TypoFactor},
		{"grequests", "requests", TrickInsert, EdgeFactor},
		{"requ3sts", "requests", TrickSubstitute, DigitEditFactor},
		{"requwsts", "requests", TrickSubstitute, AdjacentFactor},
		{"requmsts", "requests", TrickSubstitute, FarFactor},
		{"urlib3", "urllib3", TrickDelete, TypoFactor},
		{"urllib", "urllib3", TrickVersionSuffix, 1},
		{"urllib4", "urllib3", TrickVersionSuffix, 1},
		{"equests", "requests", TrickDelete, EdgeFactor},
	}
	for _, tt := range tests {
		e, ok := classifyEdit(tt.q, tt.t)
		if !ok || e.trick != tt.trick || e.factor != tt.factor {
			t.Errorf("classifyEdit(%q, %q) = %+v, %v; want %s factor %v", tt.q, tt.t, e, ok, tt.trick, tt.factor)
		}
	}
	for _, pair := range [][2]string{{"requests", "requests"}, {"abcd", "dcba"}, {"pyqt5tools", "pyqt6tools"}, {"ab", "abcd"}} {
		if e, ok := classifyEdit(pair[0], pair[1]); ok {
			t.Errorf("classifyEdit(%q, %q) = %+v, want not one edit", pair[0], pair[1], e)
		}
	}
}

func TestFoldHomoglyphs(t *testing.T) {
	same := [][2]string{{"c1ick", "click"}, {"jeilyfish", "jellyfish"}, {"nurnpy", "numpy"}, {"vvheel", "wheel"}, {"b0to3", "boto3"}, {"5ix", "six"}}
	for _, p := range same {
		if foldHomoglyphs(p[0]) != foldHomoglyphs(p[1]) {
			t.Errorf("fold(%q) = %q, fold(%q) = %q; want equal", p[0], foldHomoglyphs(p[0]), p[1], foldHomoglyphs(p[1]))
		}
	}
	if foldHomoglyphs("requests") == foldHomoglyphs("reguests") {
		t.Error("q and g must not fold together")
	}
}

func TestDeleteHashes(t *testing.T) {
	// The O(n) hashes of the deletions equal the hashes of the deleted
	// strings themselves.
	for _, s := range []string{"requests", "a", "aab", "urllib3", strings.Repeat("xy", 50)} {
		var got []uint64
		eachDelete(s, func(h uint64) { got = append(got, h) })
		var want []uint64
		eachDelete(s[:0], func(uint64) {})
		for k := range len(s) {
			d := s[:k] + s[k+1:]
			var hd uint64
			first := true
			eachDelete(d, func(h uint64) {
				if first {
					hd = h
					first = false
				}
			})
			want = append(want, hd)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: deletion hash %x missing", s, w)
			}
		}
	}
}

func TestReferenceTopAndRank(t *testing.T) {
	ref := Embedded()
	if ref.Len() < 14000 {
		t.Fatalf("embedded reference has %d names", ref.Len())
	}
	if r, ok := ref.Rank("Boto3"); !ok || r != 1 {
		t.Errorf("Rank(Boto3) = %d, %v", r, ok)
	}
	top := EmbeddedTop(100)
	if top.Len() != 100 {
		t.Errorf("EmbeddedTop(100).Len() = %d", top.Len())
	}
	if _, ok := top.Rank(ref.Names()[100]); ok {
		t.Error("Top(100) holds the 101st name")
	}
	// A name popular in the full list but not in the top 100 is checked
	// against the top 100 only.
	if fs := top.Check("colorama"); len(fs) != 0 {
		t.Errorf("top-100 Check(colorama) = %v", fs)
	}
	if EmbeddedTop(0) != ref || ref.Top(1<<20) != ref {
		t.Error("Top(0) and Top(huge) must return the whole reference")
	}
}

func TestParseReference(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		ranks    []int
	}{
		{"names", "requests\n# comment\n\nNumPy\n", []string{"requests", "numpy"}, []int{1, 2}},
		{"rank name", "2\tnumpy\n1\trequests\n", []string{"requests", "numpy"}, []int{1, 2}},
		{"top-pypi tsv", "name\trank\tlatest_version\tlatest_month\nboto3\t1\t1.0\t2026-01\nurllib3\t3\t2\t2026-01\n", []string{"boto3", "urllib3"}, []int{1, 3}},
		{"csv", "requests,5\nflask,2\n", []string{"flask", "requests"}, []int{2, 5}},
		{"duplicate keeps first", "requests\nRequests\n", []string{"requests"}, []int{1}},
	}
	for _, tt := range tests {
		ref, err := ParseReference(strings.NewReader(tt.in), "ref.txt")
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !slices.Equal(ref.Names(), tt.want) || !slices.Equal(refRanks(ref), tt.ranks) {
			t.Errorf("%s: got %v %v, want %v %v", tt.name, ref.Names(), refRanks(ref), tt.want, tt.ranks)
		}
	}
	bad := []struct{ in, wantErr string }{
		{"requests\tx\nfoo bar\n", "ref.txt:2:5: expected a positive rank"},
		{"1\t-bad-\n", "ref.txt:1:3: expected a project name"},
	}
	for _, b := range bad {
		_, err := ParseReference(strings.NewReader(b.in), "ref.txt")
		if err == nil || !strings.Contains(err.Error(), b.wantErr) {
			t.Errorf("ParseReference(%q) error = %v, want %q", b.in, err, b.wantErr)
		}
	}
}

func TestLoadReferenceFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ref.txt")
	if err := os.WriteFile(p, []byte("internal-lib\nrequests\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ref, err := LoadReferenceFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if fs := ref.Check("internal-llib"); len(fs) == 0 || fs[0].Imitates != "internal-lib" || fs[0].ImitatedRank != 1 {
		t.Errorf("Check against user reference = %v", fs)
	}
	_, err = LoadReferenceFile(filepath.Join(dir, "missing.txt"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file error = %v, want wrapping ErrNotExist", err)
	}
}

func TestEmbeddedMatchesSource(t *testing.T) {
	// The committed snapshot is what the generator makes of the source.
	all := loadTopTSV(t)
	ref := Embedded()
	if ref.Len() != len(all) {
		t.Fatalf("embedded %d names, source %d", ref.Len(), len(all))
	}
	for i, rn := range all {
		if name, rank := ref.name(int32(i)), ref.rank(int32(i)); name != rn.name || rank != rn.rank {
			t.Fatalf("entry %d: embedded %s/%d, source %s/%d; run go generate", i, name, rank, rn.name, rn.rank)
		}
	}
}

func TestCheckInvariants(t *testing.T) {
	for _, n := range []string{"reqeusts", "python3-dateutil", "rеquests", "colourama", "x", strings.Repeat("a", 5000), "\xff\xfe", "日本語"} {
		checkInvariants(t, Embedded(), n)
	}
}

// checkInvariants holds for any name: findings are sorted, scored within
// bounds, never name the checked name itself, and name real references.
func checkInvariants(t testing.TB, ref *Reference, name string) {
	fs := ref.Check(name)
	if len(fs) > MaxFindings {
		t.Fatalf("Check(%q): %d findings", name, len(fs))
	}
	for i, f := range fs {
		if f.Score < MinScore-1e-9 || f.Score > 1 || math.IsNaN(f.Score) {
			t.Fatalf("Check(%q): score %v out of range", name, f.Score)
		}
		if i > 0 && f.Score > fs[i-1].Score {
			t.Fatalf("Check(%q): findings not sorted: %v", name, fs)
		}
		if r, ok := ref.Rank(f.Imitates); !ok || r != f.ImitatedRank {
			t.Fatalf("Check(%q): imitates %s rank %d, reference says %d %v", name, f.Imitates, f.ImitatedRank, r, ok)
		}
		if f.Imitates == f.Name {
			t.Fatalf("Check(%q): imitates itself", name)
		}
		if !utf8.ValidString(f.Detail) && utf8.ValidString(name) {
			t.Fatalf("Check(%q): invalid detail %q", name, f.Detail)
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{"requests", "reqeusts", "python3-dateutil", "jeIlyfish", "rеquests", "-", "", "a-b-c", "py", "python-", "\x00", "ÿ", "requests-urllib3", "beautifulsoup",
		"install-numpy", "mattplotlyb", "learn-scikit", "colourama", "matplotl", "a-b-c-d-e-f", "requestsnumpy", "pyyaml-client-lib"} {
		f.Add(s)
	}
	ref := Embedded()
	f.Fuzz(func(t *testing.T, name string) {
		start := time.Now()
		ref.Check(name)
		budgettest.Check(t, len(name), start)
		checkInvariants(t, ref, name)
	})
}

func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"requests\n", "1\trequests\n", "name\trank\nboto3\t1\n", "a,b\n", "#\n\n", "9999999999999999999999\tx\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		start := time.Now()
		ref, err := ParseReference(strings.NewReader(in), "fuzz")
		budgettest.Check(t, len(in), start)
		if err != nil {
			return
		}
		ranks := refRanks(ref)
		for i := 1; i < len(ranks); i++ {
			if ranks[i] < ranks[i-1] {
				t.Fatalf("ranks not sorted: %v", ranks)
			}
		}
		for _, n := range ref.Names() {
			ref.Check(n)
		}
	})
}
