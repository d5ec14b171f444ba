package lockfile

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/reqfile"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// TestSourcesRoundTrip: the index names, trusted hosts and "# from"
// comments a writer records are what the readers return, in both formats,
// and credentials are never written.
func TestSourcesRoundTrip(t *testing.T) {
	mk := func() *Lock {
		return &Lock{
			Indexes:        []IndexRef{{Name: "corp", URL: "https://u:secret@corp.example/simple/"}, {Name: "pypi", URL: "https://pypi.org/simple/"}},
			TrustedHosts:   []string{"corp.example:8080"},
			RequiresPython: ">=3.9, <3.13",
			Packages: []Package{
				{Name: "acme", Version: "1.0", Index: "https://u:secret@corp.example/simple/", Wheels: []File{{Name: "acme-1.0-py3-none-any.whl", URL: "https://corp.example/f/acme-1.0-py3-none-any.whl", Hashes: map[string]string{"sha256": strings.Repeat("a", 64)}}}},
				{Name: "six", Version: "1.16.0", Index: "https://pypi.org/simple/", Via: []string{"acme"}, Wheels: []File{{Name: "six-1.16.0-py3-none-any.whl", URL: "https://pypi.org/f/six-1.16.0-py3-none-any.whl", Hashes: map[string]string{"sha256": strings.Repeat("b", 64)}}}},
			},
		}
	}
	wantRefs := []IndexRef{{Name: "corp", URL: "https://corp.example/simple/"}, {Name: "pypi", URL: "https://pypi.org/simple/"}}

	req, err := MarshalRequirements(mk())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(req), "secret") {
		t.Fatalf("credentials written:\n%s", req)
	}
	rs, err := ReadRequirementsSources("r.txt", req)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rs.Indexes, wantRefs) || !reflect.DeepEqual(rs.TrustedHosts, []string{"corp.example:8080"}) {
		t.Errorf("requirements: indexes %+v, trusted %q\n%s", rs.Indexes, rs.TrustedHosts, req)
	}
	if rs.RequiresPython != ">=3.9, <3.13" {
		t.Errorf("requirements: Requires-Python %q\n%s", rs.RequiresPython, req)
	}
	var from []string
	for i, line := range strings.Split(string(req), "\n") {
		if u, ok := rs.From[i+1]; ok {
			from = append(from, strings.Fields(line)[0]+" "+u)
		}
	}
	if want := []string{"acme==1.0 https://corp.example/simple/", "six==1.16.0 https://pypi.org/simple/"}; !reflect.DeepEqual(from, want) {
		t.Errorf("# from: %q, want %q\n%s", from, want, req)
	}

	py, err := MarshalPylock(mk())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(py), "secret") {
		t.Fatalf("credentials written:\n%s", py)
	}
	l, err := ParsePylock("pylock.toml", py)
	if err != nil {
		t.Fatalf("%v\n%s", err, py)
	}
	if !reflect.DeepEqual(l.Indexes, wantRefs) || !reflect.DeepEqual(l.TrustedHosts, []string{"corp.example:8080"}) {
		t.Errorf("pylock: indexes %+v, trusted %q\n%s", l.Indexes, l.TrustedHosts, py)
	}
	if _, err := ReadRequirementsSources("r.txt", []byte("# pyward: index corp\n")); err == nil || !strings.Contains(err.Error(), "r.txt:1") {
		t.Errorf("malformed index line: %v", err)
	}
	for _, size := range []int{reqfile.MaxFileSize, reqfile.MaxFileSize + 1} {
		_, err := ReadRequirementsSources("r.txt", []byte(strings.Repeat("#\n", size/2)+strings.Repeat("#", size%2)))
		limit := strconv.Itoa(reqfile.MaxFileSize)
		if tooBig := size > reqfile.MaxFileSize; tooBig != (err != nil) || tooBig && (!strings.HasPrefix(err.Error(), "r.txt: ") || !strings.Contains(err.Error(), limit)) {
			t.Errorf("%d bytes: err = %v, want one naming r.txt and the %s-byte limit only past it", size, err, limit)
		}
	}
	// Only the header says what Python the lock is for: the same comment
	// under a requirement is a note about that requirement.
	rs, err = ReadRequirementsSources("r.txt", []byte("acme==1.0 \\\n    --hash=sha256:"+strings.Repeat("a", 64)+"\n# Requires-Python: <3\n"))
	if err != nil || rs.RequiresPython != "" {
		t.Errorf("Requires-Python below a requirement: %q, %v", rs.RequiresPython, err)
	}
}

func FuzzReadRequirementsSources(f *testing.F) {
	f.Add([]byte("# pyward: index a=https://a/simple/\n--trusted-host h\nx==1 \\\n    --hash=sha256:00\n    # from https://a/simple/\n"))
	f.Add([]byte("--trusted-host=h:1\n-r other.txt\ny==2\n# from z\n\t# from w\n"))
	f.Add([]byte("# pyward: index =\n"))
	f.Add([]byte("a==1\n    # via\n    #   b\n    #   -r r.in\nc==2\n    # via a\n"))
	f.Add([]byte("a==1\n  # pyward: publisher-change x\n  # pyward: attestation-identity y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		rs, err := ReadRequirementsSources("f", data)
		budgettest.Check(t, len(data), start)
		if err != nil {
			return
		}
		lines := strings.Count(string(data), "\n") + 1
		for line := range rs.From {
			if line < 1 || line > lines {
				t.Fatalf("from line %d outside 1..%d", line, lines)
			}
		}
		for line, via := range rs.Via {
			if line < 1 || line > lines || len(via) == 0 {
				t.Fatalf("via line %d outside 1..%d or empty: %q", line, lines, via)
			}
		}
		for _, ix := range rs.Indexes {
			if ix.Name == "" || ix.URL == "" {
				t.Fatalf("empty index ref %+v", ix)
			}
		}
		for _, h := range rs.TrustedHosts {
			if h == "" {
				t.Fatal("empty trusted host")
			}
		}
		if !MayRecordProvenance(data) && (len(rs.Identities) > 0 || len(rs.Changes) > 0) {
			t.Fatalf("MayRecordProvenance says no, but %d identities and %d changes were read", len(rs.Identities), len(rs.Changes))
		}
	})
}

func TestMayRecordProvenance(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"a==1\n    # from https://pypi.org/simple/\n", false},
		{"a==1\n    # pyward: attestation-identity https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1\n", true},
		{"a==1\n\t# pyward: publisher-change was o/r, now p/r\n", true},
		{"# pyward: index corp=https://corp/simple/\n", false},
	} {
		if got := MayRecordProvenance([]byte(tt.text)); got != tt.want {
			t.Errorf("MayRecordProvenance(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// The "# via" comments MarshalRequirements writes (one entry on the line,
// or a list below it) read back as the package's Via.
func TestRequirementsViaRoundTrip(t *testing.T) {
	l := &Lock{Packages: []Package{
		{Name: "idna", Version: "3.7", Via: []string{"-r requirements.in", "requests"}, Index: "https://pypi.org/simple/",
			Wheels: []File{{Hashes: map[string]string{"sha256": strings.Repeat("c", 64)}}}},
		{Name: "requests", Version: "2.32.3", Via: []string{"-r requirements.in"},
			Wheels: []File{{Hashes: map[string]string{"sha256": strings.Repeat("d", 64)}}}},
		{Name: "six", Version: "1.16.0", Wheels: []File{{Hashes: map[string]string{"sha256": strings.Repeat("e", 64)}}}},
	}}
	data, err := MarshalRequirements(l)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ReadRequirementsSources("r.txt", data)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for i, line := range strings.Split(string(data), "\n") {
		if via, ok := rs.Via[i+1]; ok {
			got[strings.Fields(line)[0]] = via
		}
	}
	want := map[string][]string{"idna==3.7": {"-r requirements.in", "requests"}, "requests==2.32.3": {"-r requirements.in"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("via = %q, want %q\n%s", got, want, data)
	}
}
