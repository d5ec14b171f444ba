package lock

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep508"
)

func TestCheck(t *testing.T) {
	const pypi = "https://pypi.org/simple/"
	locked := func() *lockfile.Lock {
		return &lockfile.Lock{RequiresPython: ">=3.10", Packages: []lockfile.Package{
			{Name: "requests", Version: "2.32.3", Via: []string{"-r requirements.in"}, Index: pypi},
			{Name: "idna", Version: "3.7", Via: []string{"requests"}, Index: pypi},
			{Name: "acme", Archive: &lockfile.File{URL: "https://example.com/acme-1.0.tar.gz"}, Via: []string{"pyproject.toml"}},
			{Name: "rc", Version: "2.0rc1", Via: []string{"command line"}, Index: pypi},
			{Name: "flask", Version: "3.0.3", Extras: []string{"async"}, Via: []string{"-r requirements.in"}, Index: pypi},
		}}
	}
	env, err := pep508.TargetEnvironment("3.12", "linux")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		reqs           []string
		constraints    []string
		requiresPython string
		urls           map[string]string
		want           []string // kinds
	}{
		{name: "fresh", reqs: []string{"requests>=2", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]"}, requiresPython: ">=3.10"},
		{name: "windows-only requirement", reqs: []string{"requests", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]", "pywin32; sys_platform == 'win32'"}},
		{name: "added", reqs: []string{"requests", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]", "click"}, want: []string{StaleAdded}},
		{name: "changed version", reqs: []string{"requests<2.32", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]"}, want: []string{StaleChanged}},
		{name: "changed URL", reqs: []string{"requests", "acme @ https://example.com/acme-2.0.tar.gz", "rc", "flask[async]"}, want: []string{StaleChanged}},
		{name: "removed", reqs: []string{"requests", "rc", "flask[async]"}, want: []string{StaleRemoved}},
		{name: "extras added", reqs: []string{"requests[socks]", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]"}, want: []string{StaleExtras}},
		{name: "extras removed", reqs: []string{"requests", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask"}, want: []string{StaleExtras}},
		{name: "extras spelled otherwise", reqs: []string{"requests", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "Flask[ASYNC]"}},
		{name: "extras split over two requirements", reqs: []string{"requests", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]", "flask>=3"}},
		{name: "transitive made direct is not removed", reqs: []string{"requests", "idna", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]"}},
		{name: "constraint", reqs: []string{"requests", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]"}, constraints: []string{"idna<3"}, want: []string{StaleConstraint}},
		{name: "requires-python", reqs: []string{"requests", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]"}, requiresPython: ">=3.11", want: []string{StaleRequiresPython}},
		{name: "same index spelled without slash", reqs: []string{"requests", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]"}, urls: map[string]string{"pypi": "https://pypi.org/simple"}},
		{name: "index replaced", reqs: []string{"requests", "acme @ https://example.com/acme-1.0.tar.gz", "rc", "flask[async]"}, urls: map[string]string{"corp": "https://corp.example/simple/"}, want: []string{StaleSources}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Inputs{RequiresPython: tt.requiresPython}
			for _, r := range tt.reqs {
				in.Requirements = append(in.Requirements, Requirement{Req: mustReq(t, r), Origin: "-r requirements.in"})
			}
			for _, c := range tt.constraints {
				in.Constraints = append(in.Constraints, mustReq(t, c))
			}
			urls := tt.urls
			if urls == nil {
				urls = map[string]string{"pypi": pypi}
			}
			var got []string
			for _, s := range Check(locked(), in, urls, env) {
				got = append(got, s.Kind)
				if s.Detail == "" {
					t.Errorf("%s without detail", s.Kind)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

// ReadLock reads back what MarshalRequirements writes, "# via" included.
func TestReadLockRequirements(t *testing.T) {
	l := &lockfile.Lock{IndexURL: "https://pypi.org/simple/", Packages: []lockfile.Package{
		{Name: "requests", Version: "2.32.3", Via: []string{"-r requirements.in"}, Extras: []string{"socks", "use-chardet-on-py3"},
			Wheels: []lockfile.File{{Hashes: map[string]string{"sha256": strings.Repeat("a", 64)}}}},
		{Name: "idna", Version: "3.7", Via: []string{"-r requirements.in", "requests"}, Marker: `python_version >= "3.8"`,
			Wheels: []lockfile.File{{Hashes: map[string]string{"sha256": strings.Repeat("b", 64)}}}},
	}}
	data, err := lockfile.MarshalRequirements(l)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "requirements.txt")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, digest, err := ReadLock(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if digest != DataSHA256(data) || got.IndexURL != l.IndexURL || len(got.Packages) != 2 {
		t.Fatalf("ReadLock = %+v", got)
	}
	for _, p := range got.Packages {
		want := l.Find(p.Name)
		if p.Version != want.Version || p.Marker != want.Marker || !reflect.DeepEqual(p.Via, want.Via) || !reflect.DeepEqual(p.Extras, want.Extras) {
			t.Errorf("%s: got %+v, want %+v", p.Name, p, want)
		}
	}
	if !strings.Contains(string(data), "requests[socks,use-chardet-on-py3]==2.32.3 ") {
		t.Errorf("the requirements lock does not name the extras as pip-compile does:\n%s", data)
	}
	for i := range l.Packages {
		p := &l.Packages[i]
		p.Wheels[0].Name = p.Name + "-" + p.Version + "-py3-none-any.whl"
		p.Wheels[0].URL = "https://files.example/" + p.Wheels[0].Name
	}
	pdata, err := lockfile.MarshalPylock(l)
	if err != nil {
		t.Fatal(err)
	}
	ppath := filepath.Join(t.TempDir(), "pylock.toml")
	if err := os.WriteFile(ppath, pdata, 0o644); err != nil {
		t.Fatal(err)
	}
	if pl, _, err := ReadLock(ppath, true); err != nil || !reflect.DeepEqual(pl.Find("requests").Extras, l.Find("requests").Extras) || len(pl.Find("idna").Extras) != 0 {
		t.Errorf("pylock extras: %v, %+v", err, pl)
	}
	if l, _, err := ReadLock(filepath.Join(t.TempDir(), "missing.txt"), false); l != nil || err != nil {
		t.Errorf("missing file: %v, %v", l, err)
	}
}
