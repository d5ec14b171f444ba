package sources

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// fakeEnv is a machine with the given files and variables.
func fakeEnv(files, vars map[string]string) *Env {
	return &Env{GOOS: "linux", Home: "/home/u",
		Getenv: func(k string) string { return vars[k] },
		ReadFile: func(p string) ([]byte, error) {
			if d, ok := files[p]; ok {
				return []byte(d), nil
			}
			return nil, fs.ErrNotExist
		},
		IsDir: func(p string) bool { return p == "/wheels" },
	}
}

func TestConfigFilesOrder(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		file map[string]string
		want []string
	}{
		{"linux", nil, nil, []string{"/etc/xdg/pip/pip.conf", "/etc/pip.conf", "/home/u/.pip/pip.conf", "/home/u/.config/pip/pip.conf"}},
		{"xdg and venv", map[string]string{"XDG_CONFIG_DIRS": "/a:/b", "XDG_CONFIG_HOME": "/x", "VIRTUAL_ENV": "/v"}, nil,
			[]string{"/a/pip/pip.conf", "/b/pip/pip.conf", "/etc/pip.conf", "/home/u/.pip/pip.conf", "/x/pip/pip.conf", "/v/pip.conf"}},
		{"PIP_CONFIG_FILE last, user files skipped", map[string]string{"PIP_CONFIG_FILE": "/p.conf"}, map[string]string{"/p.conf": ""},
			[]string{"/etc/xdg/pip/pip.conf", "/etc/pip.conf", "/p.conf"}},
		{"PIP_CONFIG_FILE missing keeps user files", map[string]string{"PIP_CONFIG_FILE": "/p.conf"}, nil,
			[]string{"/etc/xdg/pip/pip.conf", "/etc/pip.conf", "/home/u/.pip/pip.conf", "/home/u/.config/pip/pip.conf", "/p.conf"}},
		{"devnull", map[string]string{"PIP_CONFIG_FILE": "/dev/null"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, cf := range ConfigFiles(*fakeEnv(tt.file, tt.vars)) {
				got = append(got, cf.Path)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestReadPipPrecedence(t *testing.T) {
	files := map[string]string{
		"/etc/pip.conf":                "[global]\nindex-url = https://global/simple/\ntrusted-host = g\n",
		"/home/u/.config/pip/pip.conf": "[global]\nindex-url = https://user/simple/\nextra-index-url =\n  https://e1/simple/\n  https://e2/simple/\n[install]\nindex-url = https://user-install/simple/\n",
	}
	p, errs := ReadPip(*fakeEnv(files, nil))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := p.IndexURL.Values; !reflect.DeepEqual(got, []string{"https://user-install/simple/"}) || !strings.HasPrefix(p.IndexURL.Origin, "/home/u/.config/pip/pip.conf:") {
		t.Errorf("index-url = %v from %s", got, p.IndexURL.Origin)
	}
	if got := p.ExtraIndexURL.Values; !reflect.DeepEqual(got, []string{"https://e1/simple/", "https://e2/simple/"}) {
		t.Errorf("extra-index-url = %v", got)
	}
	if got := p.TrustedHost.Values; !reflect.DeepEqual(got, []string{"g"}) {
		t.Errorf("trusted-host = %v", got)
	}
	p, errs = ReadPip(*fakeEnv(files, map[string]string{"PIP_INDEX_URL": "https://env/simple/", "PIP_FIND_LINKS": "/wheels /missing https://links/", "PIP_NO_INDEX": "yes"}))
	if p.IndexURL.Values[0] != "https://env/simple/" || p.IndexURL.Origin != "$PIP_INDEX_URL" {
		t.Errorf("PIP_INDEX_URL does not win: %+v", p.IndexURL)
	}
	if got := p.FindLinks.Values; !reflect.DeepEqual(got, []string{"/wheels", "https://links/"}) || len(errs) != 1 || !strings.Contains(errs[0].Error(), "/missing") {
		t.Errorf("find-links = %v, errs %v", got, errs)
	}
	if !p.NoIndex.on() {
		t.Errorf("PIP_NO_INDEX=yes not read")
	}
}

// TestPipConfigSizeLimit: a pip configuration file larger than
// MaxPipConfigSize is skipped with a warning naming it and the limit, by
// ReadPip whatever reads the file, and by the machine's reader before it
// reads past the limit.
func TestPipConfigSizeLimit(t *testing.T) {
	line := "[global]\nindex-url = https://big/simple/\n"
	for _, tc := range []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"small", len(line), false},
		{"at the limit", MaxPipConfigSize, false},
		{"over the limit", MaxPipConfigSize + 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := line + strings.Repeat("#", tc.size-len(line))
			p, errs := ReadPip(*fakeEnv(map[string]string{"/etc/pip.conf": conf}, nil))
			limit := strconv.Itoa(MaxPipConfigSize)
			if !tc.wantErr {
				if len(errs) > 0 || p.IndexURL == nil || len(p.IndexURL.Values) != 1 {
					t.Fatalf("index-url %+v, errs %v", p.IndexURL, errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), "/etc/pip.conf") || !strings.Contains(errs[0].Error(), limit) {
				t.Fatalf("errs = %v, want one naming /etc/pip.conf and the limit %s", errs, limit)
			}
			if p.IndexURL != nil {
				t.Fatalf("index-url read from a refused file: %+v", p.IndexURL)
			}
		})
	}
	big := filepath.Join(t.TempDir(), "pip.conf")
	if err := os.WriteFile(big, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxPipConfigSize+1); err != nil {
		t.Fatal(err)
	}
	env := MachineEnv("linux")
	if _, err := env.ReadFile(big); err == nil || !strings.Contains(err.Error(), big) {
		t.Errorf("machine reader of a file over the limit: %v", err)
	}
	if !env.exists(big) {
		t.Error("a file over the limit does not exist for pip's skip rule")
	}
}

func TestDeriveName(t *testing.T) {
	for in, want := range map[string]string{
		"https://pypi.org/simple/":                  "pypi.org",
		"https://user:pw@PyPI.org/simple":           "pypi.org",
		"http://127.0.0.1:8080/simple/":             "127.0.0.1-8080",
		"https://corp.example/api/pypi/main/simple": "corp.example-api-pypi-main",
		"https://corp.example/root/+simple/":        "corp.example-root",
		"/srv/wheels":                               "local-wheels",
		"file:///srv/wheels/":                       "local-wheels",
		"https://h/a%20b/simple/":                   "h-a_b",
	} {
		if got := DeriveName(in); got != want {
			t.Errorf("DeriveName(%q) = %q, want %q", in, got, want)
		}
	}
	if index.EnvKey("127.0.0.1-8080") != "127_0_0_1_8080" || index.EnvKey("corp") != "CORP" {
		t.Error("EnvKey")
	}
}

func names(s *Sources) []string {
	var out []string
	for _, ix := range s.Indexes() {
		out = append(out, ix.Name+"="+ix.URL)
	}
	return out
}

func TestProduce(t *testing.T) {
	pipFiles := map[string]string{"/etc/pip.conf": "[global]\nindex-url = https://pipconf/simple/\nextra-index-url = https://pipextra/simple/\n"}
	tests := []struct {
		name     string
		flags    Flags
		files    []FileOptions
		env      *Env
		want     []string
		strategy Strategy
		err      string
	}{
		{name: "default PyPI", want: []string{"pypi.org=https://pypi.org/simple/"}, strategy: FirstIndex},
		{name: "ordered list", flags: Flags{Indexes: []string{"corp=https://corp/simple/", "pypi=https://pypi.org/simple/"}},
			want: []string{"corp=https://corp/simple/", "pypi=https://pypi.org/simple/"}, strategy: FirstIndex},
		{name: "extra index refuses conflicts", flags: Flags{IndexURL: "https://a/simple/", ExtraIndexURLs: []string{"https://b/simple/"}},
			want: []string{"a=https://a/simple/", "b=https://b/simple/"}, strategy: RefuseConflicts},
		{name: "pip configuration", env: fakeEnv(pipFiles, nil),
			want: []string{"pipconf=https://pipconf/simple/", "pipextra=https://pipextra/simple/"}, strategy: RefuseConflicts},
		{name: "flag index-url keeps pip's extra", flags: Flags{IndexURL: "https://flag/simple/"}, env: fakeEnv(pipFiles, nil),
			want: []string{"flag=https://flag/simple/", "pipextra=https://pipextra/simple/"}, strategy: RefuseConflicts},
		{name: "explicit list replaces pip's indexes", flags: Flags{Indexes: []string{"corp=https://corp/simple/"}}, env: fakeEnv(pipFiles, nil),
			want: []string{"corp=https://corp/simple/"}, strategy: FirstIndex},
		{name: "requirements file index", files: []FileOptions{{Origin: "r.in", IndexURL: "https://file/simple/", FindLinks: []string{"/wheels"}}},
			want: []string{"file=https://file/simple/", "local-wheels=/wheels"}, strategy: FirstIndex},
		{name: "same host, different ports", flags: Flags{IndexURL: "http://127.0.0.1:1/simple/", ExtraIndexURLs: []string{"http://127.0.0.1:2/simple/"}},
			want: []string{"127.0.0.1-1=http://127.0.0.1:1/simple/", "127.0.0.1-2=http://127.0.0.1:2/simple/"}, strategy: RefuseConflicts},
		{name: "duplicate URL once", flags: Flags{Indexes: []string{"corp=https://corp/simple"}, IndexURL: "https://corp/simple/"},
			want: []string{"corp=https://corp/simple"}, strategy: FirstIndex},
		{name: "unsafe", flags: Flags{IndexURL: "https://a/simple/", ExtraIndexURLs: []string{"https://b/simple/"}, IndexStrategy: "unsafe-best-match"},
			want: []string{"a=https://a/simple/", "b=https://b/simple/"}, strategy: UnsafeBestMatch},
		{name: "bad strategy", flags: Flags{IndexStrategy: "best"}, err: "--index-strategy"},
		{name: "bad --index", flags: Flags{Indexes: []string{"https://x/simple/"}}, err: "NAME=URL"},
		{name: "name twice", flags: Flags{Indexes: []string{"a=https://x/simple/", "a=https://y/simple/"}}, err: "used twice"},
		{name: "unknown route", flags: Flags{IndexFor: []string{"x=nope"}}, err: `no index named "nope"`},
		{name: "no-index without links", flags: Flags{NoIndex: true}, err: "no package source"},
		{name: "no-index with --index", flags: Flags{NoIndex: true, Indexes: []string{"a=https://a/"}}, err: "exclude each other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Config{Flags: tt.flags, Files: tt.files, Env: tt.env})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := names(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("indexes %q\nwant %q", got, tt.want)
			}
			if s.Strategy() != tt.strategy {
				t.Errorf("strategy %s, want %s", s.Strategy(), tt.strategy)
			}
		})
	}
}

// TestIndexForDeterministic: [tool.pyward] index-for is a map; the sources,
// their names, the routes and the memo key must not depend on its order.
func TestIndexForDeterministic(t *testing.T) {
	fo := FileOptions{Origin: "pyproject.toml", IndexFor: map[string]string{}}
	for i, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		fo.IndexFor["corp-"+n] = "http://127.0.0.1:" + string(rune('1'+i%3)) + "/simple/"
	}
	var first string
	for range 50 {
		s, err := New(Config{Flags: Flags{IndexURL: "https://pypi.org/simple/"}, Files: []FileOptions{fo}})
		if err != nil {
			t.Fatal(err)
		}
		key := s.Key()
		if first == "" {
			first = key
		} else if key != first {
			t.Fatalf("sources differ between runs:\n%s\n---\n%s", first, key)
		}
	}
	if !strings.Contains(first, "route corp-a 127.0.0.1-1") || strings.Count(first, "links=") != 4 {
		t.Errorf("key:\n%s", first)
	}
}

func TestConsume(t *testing.T) {
	lockA := &Locked{Path: "l.txt", Indexes: []lockfile.IndexRef{{Name: "corp", URL: "https://corp/simple/"}, {Name: "pypi", URL: "https://pypi.org/simple/"}},
		Packages: []LockedPackage{{Name: "acme", Index: "https://corp/simple/"}, {Name: "six", Index: "https://pypi.org/simple/"}}}
	tests := []struct {
		name   string
		flags  Flags
		env    *Env
		lock   *Locked
		want   []string
		routes []string
		mirror string
		err    string
	}{
		{name: "recorded names and routes", lock: lockA,
			want: []string{"corp=https://corp/simple/", "pypi=https://pypi.org/simple/"}, routes: []string{"acme=corp", "six=pypi"}},
		{name: "credentials by name", lock: lockA, flags: Flags{Indexes: []string{"corp=https://u:p@corp/simple"}},
			want: []string{"corp=https://u:p@corp/simple", "pypi=https://pypi.org/simple/"}, routes: []string{"acme=corp", "six=pypi"}},
		{name: "credentials by --index-url", lock: lockA, flags: Flags{IndexURL: "https://u:p@corp/simple/"},
			want: []string{"corp=https://u:p@corp/simple/", "pypi=https://pypi.org/simple/"}, routes: []string{"acme=corp", "six=pypi"}},
		{name: "credentials from pip's configuration", lock: lockA, env: fakeEnv(nil, map[string]string{"PIP_INDEX_URL": "https://u:p@corp/simple/"}),
			want: []string{"corp=https://u:p@corp/simple/", "pypi=https://pypi.org/simple/"}, routes: []string{"acme=corp", "six=pypi"}},
		{name: "mirror by name", lock: lockA, flags: Flags{Indexes: []string{"pypi=https://mirror/simple/"}},
			want: []string{"corp=https://corp/simple/", "pypi=https://mirror/simple/"}, routes: []string{"acme=corp", "six=pypi"}, mirror: "https://pypi.org/simple/"},
		{name: "re-route refused", lock: lockA, flags: Flags{IndexURL: "https://evil/simple/"}, err: "cannot send them to another index"},
		{name: "unknown name refused", lock: lockA, flags: Flags{Indexes: []string{"evil=https://evil/simple/"}}, err: `no index named "evil"`},
		{name: "route conflict refused", lock: lockA, flags: Flags{IndexFor: []string{"acme=pypi"}}, err: "cannot re-route"},
		{name: "unrecorded lock uses the flag", lock: &Locked{Path: "l.txt", Packages: []LockedPackage{{Name: "six"}}}, flags: Flags{IndexURL: "https://flag/simple/"},
			want: []string{"flag=https://flag/simple/"}},
		{name: "unrecorded lock uses pip", lock: &Locked{Path: "l.txt", Packages: []LockedPackage{{Name: "six"}}}, env: fakeEnv(nil, map[string]string{"PIP_INDEX_URL": "https://pip/simple/"}),
			want: []string{"pip=https://pip/simple/"}},
		{name: "derived names as the lock command gives them", lock: &Locked{Path: "l.txt", IndexURL: "http://127.0.0.1:5/simple/",
			Packages: []LockedPackage{{Name: "x", Index: "http://127.0.0.1:5/simple/"}, {Name: "y", Index: "http://127.0.0.1:6/simple/"}}},
			want: []string{"127.0.0.1-5=http://127.0.0.1:5/simple/", "127.0.0.1-6=http://127.0.0.1:6/simple/"}, routes: []string{"x=127.0.0.1-5", "y=127.0.0.1-6"}},
		{name: "no-index without links", lock: &Locked{Path: "l.txt", NoIndex: true}, err: "no package source"},
		{name: "packages locked from find-links are no index", lock: &Locked{Path: "l.txt", NoIndex: true, FindLinks: []string{"examples/demo/wheels"},
			Packages: []LockedPackage{{Name: "six", Index: "examples/demo/wheels"}}},
			want: []string{"local-wheels=examples/demo/wheels"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Config{Flags: tt.flags, Env: tt.env, Lock: tt.lock})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := names(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("indexes %q\nwant %q", got, tt.want)
			}
			var routes []string
			for _, r := range s.Routes() {
				routes = append(routes, r.Pattern+"="+r.Index)
			}
			if !reflect.DeepEqual(routes, tt.routes) {
				t.Errorf("routes %q, want %q", routes, tt.routes)
			}
			if tt.mirror != "" && !s.Mirrored(tt.mirror) {
				t.Errorf("%s not mirrored", tt.mirror)
			}
			if s.Mirrored("https://corp/simple/") {
				t.Errorf("corp mirrored")
			}
		})
	}
}

// TestSameNameAndCache: the name, credentials variable and HTTP cache of
// an index are the same whether it was configured by a flag or read from
// the lock the flag produced.
func TestSameNameAndCache(t *testing.T) {
	flags := Flags{IndexURL: "http://127.0.0.1:7/simple/", ExtraIndexURLs: []string{"https://extra.example/simple/"}, CacheDir: "/c"}
	made, err := New(Config{Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	l := &lockfile.Lock{Packages: []lockfile.Package{{Name: "a", Index: "http://127.0.0.1:7/simple/"}, {Name: "b", Index: "https://extra.example/simple/"}}}
	made.Record(l, false)
	used, err := New(Config{Flags: Flags{CacheDir: "/c"}, Lock: LockedFrom("l", l, true)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names(made), names(used)) {
		t.Errorf("lock names %q, consumers %q", names(made), names(used))
	}
	if made.HTTPCacheDir() != used.HTTPCacheDir() || made.HTTPCacheDir() != "/c/http" {
		t.Errorf("cache %s vs %s", made.HTTPCacheDir(), used.HTTPCacheDir())
	}
}

func TestRecord(t *testing.T) {
	two, _ := New(Config{Flags: Flags{Indexes: []string{"corp=https://u:p@corp/simple/", "pypi=https://pypi.org/simple/"}}})
	l := &lockfile.Lock{Packages: []lockfile.Package{{Name: "a", Index: "https://u:p@corp/simple/"}, {Name: "b", Index: "https://pypi.org/simple/"}}}
	warns := two.Record(l, true)
	if want := []lockfile.IndexRef{{Name: "corp", URL: "https://corp/simple/"}, {Name: "pypi", URL: "https://pypi.org/simple/"}}; !reflect.DeepEqual(l.Indexes, want) || l.IndexURL != "" {
		t.Errorf("indexes %+v, index-url %q", l.Indexes, l.IndexURL)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "pyward sync") {
		t.Errorf("warnings %q", warns)
	}
	one, _ := New(Config{Flags: Flags{IndexURL: "https://corp/simple/"}})
	l = &lockfile.Lock{Packages: []lockfile.Package{{Name: "a", Index: "https://corp/simple/"}}}
	if warns := one.Record(l, true); len(warns) != 0 || l.IndexURL != "https://corp/simple/" || l.Indexes != nil {
		t.Errorf("one index: %q %+v %q", l.IndexURL, l.Indexes, warns)
	}
	named, _ := New(Config{Flags: Flags{Indexes: []string{"corp=https://corp.example/simple/"}}})
	l = &lockfile.Lock{Packages: []lockfile.Package{{Name: "a", Index: "https://corp.example/simple/"}}}
	if named.Record(l, false); len(l.Indexes) != 1 || l.Indexes[0].Name != "corp" {
		t.Errorf("a chosen name is recorded: %+v", l.Indexes)
	}
}

func TestReview(t *testing.T) {
	refuse, _ := New(Config{Flags: Flags{IndexURL: "https://int/simple/", ExtraIndexURLs: []string{"https://pub/simple/"}}})
	first, _ := New(Config{Flags: Flags{Indexes: []string{"int=https://int/simple/", "pub=https://pub/simple/"}}})
	overlaps := []index.Overlap{
		{Project: "acme-billing", Used: "int", Others: []string{"pub"}, Differ: []string{"pub"}},
		{Project: "six", Used: "int", Others: []string{"pub"}}, // a mirror: same files
	}
	l := &lockfile.Lock{Packages: []lockfile.Package{{Name: "acme-billing"}, {Name: "six"}}}
	_, err := refuse.Review(overlaps, l)
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Conflicts) != 1 {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"acme-billing: int (https://int/simple/), pub (https://pub/simple/)", "--index-for 'acme-billing=int'", "--index-strategy unsafe-best-match"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	notes, err := first.Review(overlaps, l)
	if err != nil || len(notes) != 2 || !strings.Contains(notes[0], "acme-billing: taken from int") || !strings.Contains(notes[0], "different files on pub") {
		t.Errorf("notes %q, err %v", notes, err)
	}
	if notes, err := refuse.Review(overlaps[1:], l); err != nil || len(notes) != 1 {
		t.Errorf("a mirror is not a conflict: %q %v", notes, err)
	}
}

// TestRelock: fix re-resolves from the lock's command line, and every
// package keeps the index its lock records.
func TestRelock(t *testing.T) {
	l := &Locked{Path: "l.txt", Indexes: []lockfile.IndexRef{{Name: "corp", URL: "https://corp.example/simple/"}},
		Packages:     []LockedPackage{{Name: "acme", Index: "https://corp.example/simple/"}, {Name: "six", Index: "https://pypi.org/simple/"}},
		TrustedHosts: []string{"corp.example"}}
	s, err := New(Config{Flags: Flags{IndexURL: "https://pypi.org/simple/"}, Relock: l})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(s), []string{"pypi.org=https://pypi.org/simple/", "corp=https://corp.example/simple/"}; !reflect.DeepEqual(got, want) {
		t.Errorf("indexes %q, want %q", got, want)
	}
	var routes []string
	for _, r := range s.Routes() {
		routes = append(routes, r.Pattern+"="+r.Index)
	}
	if want := []string{"acme=corp", "six=pypi.org"}; !reflect.DeepEqual(routes, want) {
		t.Errorf("routes %q, want %q", routes, want)
	}
	if !strings.Contains(s.Key(), "trusted corp.example") {
		t.Errorf("lock's trusted host lost:\n%s", s.Key())
	}
}

func FuzzParseINI(f *testing.F) {
	f.Add([]byte("[global]\nindex-url = https://x/simple/\nextra_index_url =\n  https://a/\n\thttps://b/\n; c\n# d\n[install]\nno-index: yes\n"))
	f.Add([]byte(" leading\n[\n=\n:x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(data), "\n") + 1
		start := time.Now()
		sections := ParseINI(data)
		budgettest.Check(t, len(data), start)
		for _, s := range sections {
			if s.Line < 1 || s.Line > lines {
				t.Fatalf("line %d outside 1..%d", s.Line, lines)
			}
			if strings.Contains(s.Key, "_") || strings.ToLower(s.Key) != s.Key {
				t.Fatalf("key %q not normalized", s.Key)
			}
			if strings.ContainsAny(s.Value, " \t\n") {
				t.Fatalf("value %q not split into words", s.Value)
			}
		}
	})
}

func FuzzDeriveName(f *testing.F) {
	for _, s := range []string{"https://pypi.org/simple/", "http://u:p@127.0.0.1:8080/a/b/+simple", "/srv/wheels", "file:///x/", "::", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		start := time.Now()
		name := DeriveName(raw)
		budgettest.Check(t, len(raw), start)
		for _, r := range name {
			if !validNameRune(r) {
				t.Fatalf("DeriveName(%q) = %q has %q", raw, name, r)
			}
		}
		if !validName(name) {
			t.Fatalf("DeriveName(%q) = %q is not a valid index name", raw, name)
		}
		if !SameURL(raw, raw) {
			t.Fatalf("SameURL(%q, itself) is false", raw)
		}
	})
}
