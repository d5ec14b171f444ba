package typosquat

import (
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// refRanks returns the ranks of r's names in order.
func refRanks(r *Reference) []int {
	out := make([]int, r.Len())
	for i := range out {
		out[i] = r.rank(int32(i))
	}
	return out
}

// TestEmbeddedIndexUpToDate rebuilds the compiled index from the
// generator's source the way gen does and requires the embedded bytes to
// be exactly that: a stale file, a format change or a change of the
// matching rules fails here until `go generate` is run.
func TestEmbeddedIndexUpToDate(t *testing.T) {
	all := loadTopTSV(t)
	var text strings.Builder
	for _, rn := range all {
		fmt.Fprintf(&text, "%d\t%s\n", rn.rank, rn.name)
	}
	ref, err := ParseReference(strings.NewReader(text.String()), "top-pypi-15000.tsv")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != embeddedIndex {
		t.Fatalf("reference.idx (%d bytes) differs from the index compiled from the source (%d bytes): run go generate", len(embeddedIndex), len(want))
	}
}

// smallNames is a list that exercises every table: families, cores on
// both sides, versions, homoglyph folds and names sharing a flat form.
var smallNames = []string{
	"requests", "urllib3", "python-dateutil", "kafka-python", "django", "django-filter",
	"django-cors", "django-redis", "django-storages", "pyyaml", "py-yaml", "beautifulsoup4",
	"beautifulsoup", "click", "c1ick", "pypypy", "types-requests", "pytest", "pytest-cov",
	"pytest-mock", "pytest-xdist", "pytest-asyncio", "numpy", "python-numpy", "tensorflow2",
}

func TestCompiledRoundTrip(t *testing.T) {
	ref := NewReference(smallNames)
	data, err := ref.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	again, err := NewReference(smallNames).MarshalBinary()
	if err != nil || string(again) != string(data) {
		t.Fatalf("compiling the same list twice gave different bytes (%v)", err)
	}
	p := filepath.Join(t.TempDir(), "ref.idx")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadReferenceFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(loaded.Names(), ref.Names()) || !slices.Equal(refRanks(loaded), refRanks(ref)) {
		t.Fatalf("loaded %v %v, want %v %v", loaded.Names(), refRanks(loaded), ref.Names(), refRanks(ref))
	}
	for _, n := range []string{"reqeusts", "python3-dateutil", "django-filterz", "c1lck", "beautifullsoup", "dateutil-python"} {
		if got, want := loaded.Check(n), ref.Check(n); !reflect.DeepEqual(got, want) {
			t.Errorf("Check(%q) after a round trip = %v, want %v", n, got, want)
		}
	}
	// A Top view marshals as the list of its names.
	top, err := ref.Top(10).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	direct, err := NewReference(smallNames[:10]).MarshalBinary()
	if err != nil || string(top) != string(direct) {
		t.Errorf("Top(10).MarshalBinary differs from compiling the first 10 names (%v)", err)
	}
}

// TestTopViewMatchesRebuild: a Top view finds exactly what a reference
// compiled from the same names finds, plugin families included.
func TestTopViewMatchesRebuild(t *testing.T) {
	full := Embedded()
	names := full.Names()
	ranks := refRanks(full)
	probes := []string{"pytest-plus", "django-filterz", "requests-urllib3", "flask-redis", "reqeusts", "python-requests",
		"azure-mgmt-computee", "types-reqests", "beautifullsoup", "numpy-python", "urllib", "pyyaml-dev"}
	for i := 0; i < 2000; i += 7 {
		probes = append(probes, names[i]+"s", "py-"+names[i], names[i][:len(names[i])-1], names[i]+"-utils")
	}
	for _, cut := range []int{25, 300, 1000} {
		view := full.Top(cut)
		rebuilt, err := newCompiled(names[:cut], ranks[:cut])
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range probes {
			if got, want := view.Check(p), rebuilt.Check(p); !reflect.DeepEqual(got, want) {
				t.Fatalf("Top(%d).Check(%q) = %v, rebuilt reference says %v", cut, p, got, want)
			}
		}
		if _, ok := view.Rank(names[cut]); ok {
			t.Errorf("Top(%d) holds name %d", cut, cut)
		}
		for _, tok := range []string{"django", "pytest", "azure", "types", "flask"} {
			if view.isFamily(tok) != rebuilt.isFamily(tok) {
				t.Errorf("Top(%d).isFamily(%q) = %v, rebuilt %v", cut, tok, view.isFamily(tok), rebuilt.isFamily(tok))
			}
		}
	}
}

func TestLoadCompiledRejects(t *testing.T) {
	good, err := NewReference(smallNames).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadCompiled(string(good)); err != nil {
		t.Fatalf("valid index rejected: %v", err)
	}
	set32 := func(b []byte, at int, v uint32) []byte {
		b = slices.Clone(b)
		b[at], b[at+1], b[at+2], b[at+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		return b
	}
	m := len(compiledMagic)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a compiled"},
		{"text list", []byte("requests\nnumpy\n"), "not a compiled"},
		{"truncated header", good[:headerLen-1], "not a compiled"},
		{"truncated", good[:len(good)-4], "runs past the end"},
		{"trailing bytes", append(slices.Clone(good), 0, 0, 0, 0), "after the last section"},
		{"version", set32(good, m, compiledVersion+1), "format version"},
		{"rules", set32(good, m+4, rulesHash()^1), "other matching rules"},
		{"name count", set32(good, m+8, uint32(len(smallNames)+1)), "section"},
		{"section count", set32(good, m+12, numSections-1), "sections"},
		{"first name offset", set32(good, headerLen, 1), "out of order"},
	}
	for _, tt := range tests {
		_, err := loadCompiled(string(tt.data))
		if err == nil || !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	// Every single-byte change is either rejected or loads into a
	// reference that Check can use without panicking.
	for i := range good {
		bad := slices.Clone(good)
		bad[i] ^= 0x5a
		checkLoaded(t, bad)
	}
}

// checkLoaded loads data and, if it is accepted, exercises every lookup.
func checkLoaded(t *testing.T, data []byte) {
	t.Helper()
	c, err := loadCompiled(string(data))
	if err != nil {
		if !errors.Is(err, errCorrupt) {
			t.Fatalf("error %v does not wrap errCorrupt", err)
		}
		return
	}
	ref := &Reference{c: c, limit: c.n}
	probes := []string{"reqeusts", "python3-dateutil", "django-filterz", "c1lck", "dateutil-python", "requests-urllib3", "pytest-x"}
	for _, n := range ref.Names() {
		probes = append(probes, n, n+"s", "py-"+n, n+"-py", n[1:])
	}
	for _, v := range []*Reference{ref, ref.Top(3)} {
		for _, p := range probes {
			v.Check(p)
		}
		v.Rank("requests")
		if _, err := v.MarshalBinary(); err != nil && v.limit == c.n {
			t.Fatalf("MarshalBinary of a loaded index: %v", err)
		}
	}
}

func FuzzLoadCompiled(f *testing.F) {
	good, err := NewReference(smallNames[:12]).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	empty, err := NewReference(nil).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(empty)
	f.Add(good[:headerLen])
	f.Add([]byte(compiledMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		_, _ = loadCompiled(string(data))
		budgettest.Check(t, len(data), start)
		checkLoaded(t, data)
	})
}

func TestZeroReference(t *testing.T) {
	var r Reference
	if r.Len() != 0 || len(r.Names()) != 0 || r.Check("requests") != nil {
		t.Error("the zero Reference is not empty")
	}
	if _, ok := r.Rank("requests"); ok {
		t.Error("the zero Reference holds requests")
	}
	data, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadCompiled(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if c.n != 0 {
		t.Errorf("zero Reference marshals to %d names", c.n)
	}
}

func TestIndexBeside(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"top.txt", "top.tsv.gz"} {
		p := filepath.Join(dir, name)
		write := func(text string) {
			t.Helper()
			data := []byte(text)
			if strings.HasSuffix(name, ".gz") {
				var buf strings.Builder
				zw := gzip.NewWriter(&buf)
				zw.Write(data)
				zw.Close()
				data = []byte(buf.String())
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		names := func() string {
			t.Helper()
			r, err := LoadReferenceFile(p)
			if err != nil {
				t.Fatal(err)
			}
			return strings.Join(r.Names(), " ")
		}
		write("# list\n1\trequests\n2\tnumpy\n")
		if err := WriteIndexBeside(p); err != nil {
			t.Fatal(err)
		}
		if got := names(); got != "requests numpy" {
			t.Errorf("%s: names %q", name, got)
		}
		// The index beside the list is what gets loaded: swap in another
		// list's index under the same digest and it shows.
		idx, err := os.ReadFile(IndexPath(p))
		if err != nil {
			t.Fatal(err)
		}
		other, _ := NewReference([]string{"flask"}).MarshalBinary()
		if err := os.WriteFile(IndexPath(p), append(idx[:besideHeaderLen:besideHeaderLen], other...), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := names(); got != "flask" {
			t.Errorf("%s: the index beside the list was not used: %q", name, got)
		}
		// A changed list makes the index stale: the list is parsed.
		write("1\tdjango\n")
		if got := names(); got != "django" {
			t.Errorf("%s: stale index used: %q", name, got)
		}
		// A damaged index is ignored.
		if err := WriteIndexBeside(p); err != nil {
			t.Fatal(err)
		}
		idx, _ = os.ReadFile(IndexPath(p))
		os.WriteFile(IndexPath(p), idx[:len(idx)-1], 0o644)
		if got := names(); got != "django" {
			t.Errorf("%s: damaged index: %q", name, got)
		}
		// The tagged index also loads on its own.
		if err := WriteIndexBeside(p); err != nil {
			t.Fatal(err)
		}
		r, err := LoadReferenceFile(IndexPath(p))
		if err != nil || strings.Join(r.Names(), " ") != "django" {
			t.Errorf("%s: loading the index itself: %v %v", name, r, err)
		}
	}
	// A list that does not parse gets no index, and loading it still
	// reports the error.
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("requests\tx\nfoo bar\n"), 0o644)
	if err := WriteIndexBeside(bad); err == nil {
		t.Error("WriteIndexBeside of a bad list succeeded")
	}
	if _, err := os.Stat(IndexPath(bad)); err == nil {
		t.Error("an index was written for a bad list")
	}
	if _, err := LoadReferenceFile(bad); err == nil || !strings.Contains(err.Error(), "bad.txt:2:5") {
		t.Errorf("bad list error = %v", err)
	}
}

// TestReferenceSizeLimit: a reference file larger than MaxReferenceSize is
// refused, naming the file and the limit, by both readers of the file. The
// file is sparse, so the test writes almost nothing.
func TestReferenceSizeLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.txt")
	if err := os.WriteFile(p, []byte("requests\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, MaxReferenceSize+1); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		load func(string) error
	}{
		{"LoadReferenceFile", func(p string) error { _, err := LoadReferenceFile(p); return err }},
		{"WriteIndexBeside", WriteIndexBeside},
	} {
		err := tc.load(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), strconv.Itoa(MaxReferenceSize)) {
			t.Errorf("%s: err = %v, want one naming %s and the limit", tc.name, err, p)
		}
	}
	if _, err := os.Stat(IndexPath(p)); err == nil {
		t.Error("an index was written for a refused list")
	}
}
