package lock

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/lockfile"
)

func TestExistingPins(t *testing.T) {
	pylockData, err := lockfile.MarshalPylock(&lockfile.Lock{Packages: []lockfile.Package{
		{Name: "Foo_Bar", Version: "1.2.0"},
		{Name: "baz", Version: "2.0"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		file    string // "" for no file written
		data    string
		pylock  bool
		want    string // sorted name==version pins
		wantErr string
	}{
		{name: "no file", file: "", want: ""},
		{name: "requirements pins", file: "requirements.txt",
			data: "Foo.Bar==1.0 \\\n    --hash=sha256:" + strings.Repeat("a", 64) + "\nbaz>=2\nqux==3.0 ; python_version < \"3.9\"\n-e ./local\n",
			want: "foo-bar==1.0 qux==3.0"},
		{name: "pylock pins", file: "pylock.toml", data: string(pylockData), pylock: true, want: "baz==2.0 foo-bar==1.2.0"},
		{name: "bad requirements", file: "requirements.txt", data: "foo==1.0\n-r missing-other.txt\n", wantErr: "existing lock: "},
		{name: "bad pylock", file: "pylock.toml", data: "lock-version = [", pylock: true, wantErr: "existing lock: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "absent.txt")
			if tt.file != "" {
				path = filepath.Join(t.TempDir(), tt.file)
				if err := os.WriteFile(path, []byte(tt.data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			prefs, digest, err := ExistingPins(path, tt.pylock)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err %v, want one containing %q and %s", err, tt.wantErr, path)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for name, v := range prefs {
				got = append(got, fmt.Sprintf("%s==%s", name, v))
			}
			sort.Strings(got)
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("pins %q, want %q", g, tt.want)
			}
			wantDigest := ""
			if tt.file != "" {
				wantDigest = DataSHA256([]byte(tt.data))
			}
			if digest != wantDigest {
				t.Errorf("digest %q, want %q", digest, wantDigest)
			}
		})
	}
	for _, path := range []string{"", "-"} {
		if prefs, digest, err := ExistingPins(path, false); prefs != nil || digest != "" || err != nil {
			t.Errorf("ExistingPins(%q) = %v, %q, %v; want nothing", path, prefs, digest, err)
		}
	}
}

// TestReadExisting reads each kind of lock once for everything a re-lock
// needs from it: pins, pins with their markers, and the lock model.
func TestReadExisting(t *testing.T) {
	pylockData, err := lockfile.MarshalPylock(&lockfile.Lock{Packages: []lockfile.Package{
		{Name: "numpy", Version: "1.26.4", Marker: `python_version < "3.10"`},
		{Name: "numpy", Version: "2.1.0", Marker: `python_version >= "3.10"`},
		{Name: "six", Version: "1.16.0"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, data string
		pylock           bool
		wantMarkerPins   string // name==version;marker, in file order
		wantLock         int    // packages of the lock model, -1 for none
	}{
		{name: "no file", wantLock: -1},
		{name: "pylock", file: "pylock.toml", data: string(pylockData), pylock: true, wantLock: 3,
			wantMarkerPins: `numpy==1.26.4;python_version < "3.10" numpy==2.1.0;python_version >= "3.10" six==1.16.0;`},
		{name: "requirements", file: "requirements.txt", wantLock: 2,
			data:           "numpy==1.26.4 ; python_version < \"3.10\"\nsix>=1\n",
			wantMarkerPins: `numpy==1.26.4;python_version < "3.10"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "absent.txt")
			if tt.file != "" {
				path = filepath.Join(t.TempDir(), tt.file)
				if err := os.WriteFile(path, []byte(tt.data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ex, err := ReadExisting(path, tt.pylock)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantLock < 0 && ex.Lock != nil:
				t.Errorf("lock %+v, want none", ex.Lock)
			case tt.wantLock >= 0 && (ex.Lock == nil || len(ex.Lock.Packages) != tt.wantLock):
				t.Errorf("lock %+v, want %d packages", ex.Lock, tt.wantLock)
			}
			mp, err := ex.MarkerPins()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, name := range slices.Sorted(maps.Keys(mp)) {
				for _, p := range mp[name] {
					m := ""
					if p.Marker != nil {
						m = p.Marker.String()
					}
					got = append(got, name+"=="+p.Version.String()+";"+m)
				}
			}
			if g := strings.Join(got, " "); g != tt.wantMarkerPins {
				t.Errorf("marker pins %q, want %q", g, tt.wantMarkerPins)
			}
			if (ex.Digest == "") != (tt.file == "") {
				t.Errorf("digest %q for file %q", ex.Digest, tt.file)
			}
		})
	}
}
