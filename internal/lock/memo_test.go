package lock

import (
	"os"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/httpcache"
	"github.com/pyward/pyward/internal/pep425"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
)

func memoOptions(t *testing.T) Options {
	t.Helper()
	req := func(s string) *pep508.Requirement {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	env, err := pep508.TargetEnvironment("3.12", pep508.PlatformLinux)
	if err != nil {
		t.Fatal(err)
	}
	in, err := pep425.Target("manylinux_x86_64", [2]int{3, 12})
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		Requirements: []Requirement{{Req: req("requests>=2"), Origin: "requirements.in:1"}},
		Constraints:  []*pep508.Requirement{req("urllib3<3")},
		SourceURLs:   map[string]string{"pypi": "https://pypi.org/simple/", "corp": "https://corp/simple/"},
		Target:       Target{Python: pep440.MustParse("3.12"), Environment: env, Tags: in.Tags()},
		Preferences:  map[string]pep440.Version{"requests": pep440.MustParse("2.31.0"), "idna": pep440.MustParse("3.6")},
		Command:      "pyward lock requirements.in",
	}
}

// TestMemoKey checks that the key is stable and that every option the lock
// depends on changes it.
func TestMemoKey(t *testing.T) {
	base := MemoKey(memoOptions(t), "output=requirements.txt")
	for range 20 { // map iteration order must not matter
		if k := MemoKey(memoOptions(t), "output=requirements.txt"); k != base {
			t.Fatalf("key not stable: %s vs %s", k, base)
		}
	}
	for name, change := range map[string]func(o *Options){
		"requirement":     func(o *Options) { o.Requirements[0].Req.Specifier = pep440.MustParseSpecifierSet(">=3") },
		"origin":          func(o *Options) { o.Requirements[0].Origin = "other.in:1" },
		"constraint":      func(o *Options) { o.Constraints = nil },
		"source":          func(o *Options) { o.SourceURLs["corp"] = "https://evil/simple/" },
		"python":          func(o *Options) { o.Target.Python = pep440.MustParse("3.11") },
		"environment":     func(o *Options) { o.Target.Environment["sys_platform"] = "win32" },
		"tags":            func(o *Options) { o.Target.Tags = o.Target.Tags[1:] },
		"prereleases":     func(o *Options) { o.Prereleases = true },
		"strict python":   func(o *Options) { o.StrictRequiresPython = true },
		"no-binary":       func(o *Options) { o.NoBinary = []string{":all:"} },
		"no-build":        func(o *Options) { o.NoBuild = []string{"x"} },
		"preference":      func(o *Options) { o.Preferences["idna"] = pep440.MustParse("3.7") },
		"upgrade":         func(o *Options) { o.Upgrade = true },
		"upgrade package": func(o *Options) { o.UpgradePackages = []string{"idna"} },
		"exclude-newer":   func(o *Options) { o.ExcludeNewer = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
		"requires-python": func(o *Options) { o.RequiresPython = ">=3.9" },
		"command":         func(o *Options) { o.Command += " --pre" },
	} {
		o := memoOptions(t)
		change(&o)
		if MemoKey(o, "output=requirements.txt") == base {
			t.Errorf("%s: key unchanged", name)
		}
	}
	if MemoKey(memoOptions(t), "output=other.txt") == base {
		t.Error("extra: key unchanged")
	}
}

func TestMemoFile(t *testing.T) {
	dir := t.TempDir()
	key := MemoKey(memoOptions(t))
	path := MemoPath(dir, key)
	if m, err := ReadMemo(path); m != nil || err != nil {
		t.Fatalf("missing memo: %v, %v", m, err)
	}
	want := &Memo{Output: DataSHA256([]byte("lock")), Packages: 3, Warnings: []string{"w"},
		Responses: []httpcache.Ref{{Key: DataSHA256([]byte("k")), SHA256: DataSHA256([]byte("b"))}}}
	if err := WriteMemo(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMemo(path)
	if err != nil || got == nil || got.Output != want.Output || got.Packages != 3 || len(got.Responses) != 1 || got.Responses[0] != want.Responses[0] {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "{", `{"version":99,"output_sha256":"` + want.Output + `"}`, `{"version":1,"output_sha256":"short"}`} {
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if m, err := ReadMemo(path); m != nil || err != nil {
			t.Errorf("%q: %+v, %v; want ignored", bad, m, err)
		}
	}
}
