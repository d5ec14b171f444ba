package sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

// TestMarkerSets checks how a Selection becomes the marker sets "extras"
// and "dependency_groups", and which selections are refused.
func TestMarkerSets(t *testing.T) {
	multi := &Lock{Path: "pylock.toml", Format: "pylock", Extras: []string{"socks", "Fast_JSON"},
		DependencyGroups: []string{"dev", "docs"}, DefaultGroups: []string{"main"}}
	single := &Lock{Path: "pylock.toml", Format: "pylock"} // no extras or dependency-groups keys
	reqs := &Lock{Path: "requirements.txt", Format: "requirements"}
	tests := []struct {
		name        string
		lock        *Lock
		sel         Selection
		extras      []string
		groups      []string
		errContains []string // the error names all of these; nil: no error
	}{
		{"default install", multi, Selection{}, []string{}, []string{"main"}, nil},
		{"one extra", multi, Selection{Extras: []string{"socks"}}, []string{"socks"}, []string{"main"}, nil},
		{"extra normalized", multi, Selection{Extras: []string{"FAST.json", "fast-json"}}, []string{"fast-json"}, []string{"main"}, nil},
		{"all extras", multi, Selection{AllExtras: true}, []string{"fast-json", "socks"}, []string{"main"}, nil},
		{"all extras and one", multi, Selection{AllExtras: true, Extras: []string{"socks"}}, []string{"fast-json", "socks"}, []string{"main"}, nil},
		{"a group besides the default", multi, Selection{Groups: []string{"Dev"}}, []string{}, []string{"dev", "main"}, nil},
		{"no default groups", multi, Selection{NoDefaultGroups: true}, []string{}, []string{}, nil},
		{"only a named group", multi, Selection{NoDefaultGroups: true, Groups: []string{"docs"}}, []string{}, []string{"docs"}, nil},
		{"a default group by name", multi, Selection{NoDefaultGroups: true, Groups: []string{"main"}}, []string{}, []string{"main"}, nil},
		{"unknown extra", multi, Selection{Extras: []string{"socks", "nope"}}, nil, nil,
			[]string{"pylock.toml", "--extra nope", "socks", "fast-json"}},
		{"unknown extra and group, both reported", multi, Selection{Extras: []string{"nope"}, Groups: []string{"tests"}}, nil, nil,
			[]string{"pylock.toml", "2 problem", "--extra nope", "--group tests", "dev, docs, main"}},
		{"a lock declaring no extras", single, Selection{Extras: []string{"socks"}}, nil, nil,
			[]string{"pylock.toml", "--extra socks", "declares no extras"}},
		{"a lock declaring no groups", single, Selection{Groups: []string{"dev"}}, nil, nil,
			[]string{"pylock.toml", "--group dev", "declares no dependency groups"}},
		{"all extras of a lock declaring none", single, Selection{AllExtras: true}, []string{}, []string{}, nil},
		{"requirements lock, default", reqs, Selection{}, []string{}, []string{}, nil},
		{"requirements lock, an extra", reqs, Selection{Extras: []string{"socks"}}, nil, nil,
			[]string{"requirements.txt", "--extra", "no extras or dependency groups"}},
		{"requirements lock, no default groups", reqs, Selection{NoDefaultGroups: true, AllExtras: true}, nil, nil,
			[]string{"requirements.txt", "--all-extras, --no-default-groups"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sets, err := tt.lock.markerSets(tt.sel)
			if tt.errContains != nil {
				if !errors.Is(err, ErrInvalidLock) {
					t.Fatalf("err = %v, want a refused lock", err)
				}
				for _, s := range tt.errContains {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := sets["extras"]; got == nil || !slices.Equal(got, tt.extras) {
				t.Errorf("extras = %#v, want %#v", got, tt.extras)
			}
			if got := sets["dependency_groups"]; got == nil || !slices.Equal(got, tt.groups) {
				t.Errorf("dependency_groups = %#v, want %#v", got, tt.groups)
			}
		})
	}
}

// selectionLock writes a multi-use pylock.toml as uv and pdm write one:
// top-level extras, dependency-groups and default-groups, and entries whose
// markers test them. markers maps a project name to its marker ("" none).
func selectionLock(t *testing.T, ix *testindex.Index, dir, header string, dists []testindex.Dist, markers map[string]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("lock-version = \"1.0\"\ncreated-by = \"uv\"\nrequires-python = \">=3.8\"\n")
	b.WriteString(header)
	for _, d := range dists {
		fmt.Fprintf(&b, "\n[[packages]]\nname = %q\nversion = %q\n", d.Name, d.Version)
		if m := markers[d.Name]; m != "" {
			fmt.Fprintf(&b, "marker = %q\n", m)
		}
		b.WriteString("wheels = [\n")
		for _, fn := range ix.Filenames(d.Name) {
			data, sum, err := ix.File(fn)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "    { url = %q, size = %d, hashes = { sha256 = %q } },\n", ix.URL()+"/files/"+fn, len(data), sum)
		}
		b.WriteString("]\n")
	}
	p := filepath.Join(dir, "pylock.toml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// installedNames lists the normalized names of the distributions in venv.
func installedNames(t *testing.T, venv string) []string {
	t.Helper()
	dis, err := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages", "*.dist-info"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range dis {
		name, _, _ := strings.Cut(filepath.Base(d), "-")
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// TestSyncSelection syncs one environment from a multi-use pylock.toml with
// a sequence of selections: each sync installs exactly the entries the
// selection satisfies, removes those an earlier one installed and this one
// leaves out, and is a no-op only when the selection is unchanged.
func TestSyncSelection(t *testing.T) {
	dists := []testindex.Dist{
		{Name: "core", Version: "1.0"},
		{Name: "mainonly", Version: "1.0"},
		{Name: "pysocks", Version: "1.7"},
		{Name: "fastjson", Version: "2.0"},
		{Name: "devtool", Version: "8.0"},
		{Name: "docstool", Version: "7.0"},
	}
	f := newFixture(t, dists, testindex.Options{})
	header := `extras = ["socks", "fast-json"]
dependency-groups = ["dev", "docs"]
default-groups = ["main"]
`
	lock := selectionLock(t, f.ix, f.dir, header, dists, map[string]string{
		"mainonly": "'main' in dependency_groups",
		"pysocks":  "'socks' in extras",
		"fastjson": "'fast-json' in extras and python_version >= '3'",
		"devtool":  "'dev' in dependency_groups",
		"docstool": "'docs' in dependency_groups or 'fast-json' in extras",
	})
	steps := []struct {
		name             string
		sel              Selection
		want             []string // installed afterwards
		install, removed []string // this sync's changes
	}{
		{"default: the default groups, no extras", Selection{},
			[]string{"core", "mainonly"}, []string{"core", "mainonly"}, nil},
		{"the same again is a no-op", Selection{},
			[]string{"core", "mainonly"}, nil, nil},
		{"an extra", Selection{Extras: []string{"SOCKS"}},
			[]string{"core", "mainonly", "pysocks"}, []string{"pysocks"}, nil},
		{"every extra", Selection{AllExtras: true},
			[]string{"core", "docstool", "fastjson", "mainonly", "pysocks"}, []string{"docstool", "fastjson"}, nil},
		{"a group: the extras go", Selection{Groups: []string{"dev"}},
			[]string{"core", "devtool", "mainonly"}, []string{"devtool"}, []string{"docstool", "fastjson", "pysocks"}},
		{"no default groups", Selection{NoDefaultGroups: true, Groups: []string{"Docs"}},
			[]string{"core", "docstool"}, []string{"docstool"}, []string{"devtool", "mainonly"}},
		{"nothing selected", Selection{NoDefaultGroups: true},
			[]string{"core"}, nil, []string{"docstool"}},
	}
	ctx := context.Background()
	for _, st := range steps {
		o := f.opts(lock)
		o.IndexURL = "" // files come from the URLs in the lock
		o.Selection = st.sel
		res, err := Sync(ctx, o)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var inst, rem []string
		for _, a := range res.Install {
			inst = append(inst, a.Name)
		}
		for _, a := range res.Remove {
			rem = append(rem, a.Name)
		}
		slices.Sort(inst)
		slices.Sort(rem)
		if !slices.Equal(inst, st.install) || !slices.Equal(rem, st.removed) {
			t.Errorf("%s: installed %v, removed %v; want %v, %v", st.name, inst, rem, st.install, st.removed)
		}
		if got := installedNames(t, f.venv); !slices.Equal(got, st.want) {
			t.Errorf("%s: environment has %v, want %v", st.name, got, st.want)
		}
	}

	// An unknown name is refused before the environment is touched.
	before := installedNames(t, f.venv)
	o := f.opts(lock)
	o.IndexURL = ""
	o.Selection = Selection{Extras: []string{"tls"}}
	_, err := Sync(ctx, o)
	if !errors.Is(err, ErrInvalidLock) || !strings.Contains(err.Error(), lock) || !strings.Contains(err.Error(), "--extra tls") {
		t.Fatalf("unknown extra: %v", err)
	}
	if got := installedNames(t, f.venv); !slices.Equal(got, before) {
		t.Errorf("environment changed to %v, was %v", got, before)
	}

	// A requirements lock has nothing to select.
	req := reqLock(t, f.ix, f.dir, dists[:1], "")
	o = f.opts(req)
	o.Selection = Selection{Groups: []string{"dev"}}
	if _, err := Sync(ctx, o); !errors.Is(err, ErrInvalidLock) || !strings.Contains(err.Error(), req) || !strings.Contains(err.Error(), "--group") {
		t.Fatalf("requirements lock: %v", err)
	}
}
