package install

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

// Verify without full answers from pyward's record through verifyOwnSizes
// where it can; for every change to an installed file it must answer as
// the general path (verifyFiles) does, and leave to it a record it does not
// read plainly.
func TestVerifySizes(t *testing.T) {
	tests := []struct {
		name     string
		change   func(t *testing.T, tg *Target, file string)
		wantErr  string // "" for an intact install
		fallback bool   // verifyOwnSizes leaves it to verifyFiles
	}{
		{name: "intact", change: func(*testing.T, *Target, string) {}},
		{name: "size changed", wantErr: "the record says", change: func(t *testing.T, _ *Target, file string) {
			write(t, file, "X = 12\n")
		}},
		{name: "removed", wantErr: "no such file", change: func(t *testing.T, _ *Target, file string) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "link of the same size", wantErr: "not a regular file", change: func(t *testing.T, _ *Target, file string) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			// The link's own size is its target's length: 6, as the file's.
			if err := os.Symlink("n.py.x", file); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "directory", wantErr: "not a regular file", change: func(t *testing.T, _ *Target, file string) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(file, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "record names a path outside", wantErr: ErrOutside.Error(), fallback: true, change: func(t *testing.T, tg *Target, _ string) {
			rewriteOwnRecord(t, tg, func(e RecordEntry) RecordEntry {
				if strings.HasSuffix(e.Path, "/m.py") {
					e.Path = "../outside.py"
				}
				return e
			})
		}},
		{name: "record path not clean", fallback: true, change: func(t *testing.T, tg *Target, _ string) {
			rewriteOwnRecord(t, tg, func(e RecordEntry) RecordEntry {
				e.Path = strings.Replace(e.Path, "lib/", "lib/./", 1)
				return e
			})
		}},
		{name: "record corrupt", fallback: true, change: func(t *testing.T, tg *Target, _ string) {
			p := tg.recordPath(filepath.Join(tg.Purelib, "demo-1.0.dist-info"))
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, append(data, "x.py,,\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, src := unpackDist(t, testindex.Dist{Name: "demo", Version: "1.0", Modules: map[string]string{"demo/m.py": "X = 1\n"}})
			tg := newTarget(t)
			if _, err := tg.Install(context.Background(), w, src, InstallOptions{}); err != nil {
				t.Fatal(err)
			}
			inst, err := tg.Scan()
			if err != nil || len(inst) != 1 {
				t.Fatalf("Scan: %+v %v", inst, err)
			}
			tc.change(t, tg, filepath.Join(tg.Purelib, "demo", "m.py"))
			general := tg.verifyFiles(inst[0].DistInfo, false)
			ok, own := tg.verifyOwnSizes(inst[0].DistInfo)
			if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
				tc.fallback = true
			}
			if ok == tc.fallback {
				t.Fatalf("verifyOwnSizes answered: %v, want %v", ok, !tc.fallback)
			}
			got := tg.Verify(inst[0], false)
			for what, err := range map[string]error{"Verify": got, "verifyFiles": general} {
				if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
					t.Errorf("%s: err = %v, want %q", what, err, tc.wantErr)
				}
			}
			if ok && fmt.Sprint(own) != fmt.Sprint(general) {
				t.Errorf("verifyOwnSizes: %v; verifyFiles: %v", own, general)
			}
		})
	}
}

func write(t *testing.T, file, content string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rewriteOwnRecord rewrites the only record of tg through fn, with a valid
// digest.
func rewriteOwnRecord(t *testing.T, tg *Target, fn func(RecordEntry) RecordEntry) {
	t.Helper()
	p := tg.recordPath(filepath.Join(tg.Purelib, "demo-1.0.dist-info"))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := parseOwnRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range entries {
		entries[i] = fn(entries[i])
	}
	if err := os.WriteFile(p, formatOwnRecord(entries), 0o644); err != nil {
		t.Fatal(err)
	}
}
