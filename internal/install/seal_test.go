package install

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pyward/pyward/internal/testindex"
)

// UnpackSealed leaves the tree Unpack and Seal leave: the same files with
// the same content, read-only, and a seal whose fingerprints are those of
// the files on disk; a refused wheel leaves nothing.
func TestUnpackSealed(t *testing.T) {
	if !canFingerprint {
		t.Skip("no fingerprints on this system")
	}
	d := testindex.Dist{Name: "demo", Version: "1.0", Modules: map[string]string{
		"demo/m.py": "X = 1\n", "demo/sub/deep/n.py": "Y = 2\n", "demo/data.bin": string(make([]byte, 100<<10)),
	}, ConsoleScripts: map[string]string{"demo": "demo.m:main"}}
	name, data, err := testindex.BuildWheel(d, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tmp := t.TempDir()
	ref := filepath.Join(tmp, "ref")
	wRef, err := UnpackFrom(ctx, bytes.NewReader(data), int64(len(data)), name, ref, Options{AllowStartup: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := Seal(ref, wRef); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "sealed")
	w, err := UnpackSealed(ctx, bytes.NewReader(data), int64(len(data)), name, dir, Options{AllowStartup: true})
	if err != nil {
		t.Fatal(err)
	}
	if w.DistInfo != wRef.DistInfo || !slices.Equal(w.Entries, wRef.Entries) {
		t.Fatalf("entries differ: %+v, %+v", w.Entries, wRef.Entries)
	}
	fps, err := loadSeal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(fps) != len(w.Entries) {
		t.Fatalf("%d fingerprints for %d entries", len(fps), len(w.Entries))
	}
	refFps, err := loadSeal(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range w.Entries {
		p := filepath.Join(dir, filepath.FromSlash(e.Name))
		got, err := fingerprintOf(p)
		if err != nil {
			t.Fatal(err)
		}
		if got != fps[e.Name] {
			t.Errorf("%s: sealed as %+v, on disk %+v", e.Name, fps[e.Name], got)
		}
		if got.Mode != refFps[e.Name].Mode || got.Size != refFps[e.Name].Size {
			t.Errorf("%s: mode/size %+v, Seal gives %+v", e.Name, got, refFps[e.Name])
		}
		a, _ := os.ReadFile(p)
		b, _ := os.ReadFile(filepath.Join(ref, filepath.FromSlash(e.Name)))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: content differs", e.Name)
		}
	}
	if _, err := LoadUnpacked(dir); err != nil {
		t.Fatal(err)
	}

	bad := filepath.Join(tmp, "bad")
	_, err = UnpackSealed(ctx, bytes.NewReader(data), int64(len(data)), name, bad, Options{Name: "other", Version: "1.0"})
	var ce *CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a CheckError", err)
	}
	if _, err := os.Lstat(bad); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("refused wheel left %s: %v", bad, err)
	}
}

// The fingerprints UnpackSealed keeps in the Wheel speak for the tree it
// wrote only: the same wheel's Wheel installed from another tree (another
// process won the race to the cache path) links that tree's files, checked
// against that tree's own seal.
func TestInstallSealedFromAnotherTree(t *testing.T) {
	if !canFingerprint {
		t.Skip("no fingerprints on this system")
	}
	d := testindex.Dist{Name: "demo", Version: "1.0", Modules: map[string]string{"demo/m.py": "X = 1\n"}}
	name, data, err := testindex.BuildWheel(d, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tmp := t.TempDir()
	unpack := func(dir string) *Wheel {
		w, err := UnpackSealed(ctx, bytes.NewReader(data), int64(len(data)), name, filepath.Join(tmp, dir), Options{AllowStartup: true})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	mine, theirs := unpack("mine"), unpack("theirs")
	for _, tc := range []struct {
		name string
		w    *Wheel
		src  string
	}{{"own tree", mine, "mine"}, {"another tree", theirs, "mine"}, {"another tree, reversed", mine, "theirs"}} {
		tg := newTarget(t)
		if _, err := tg.Install(ctx, tc.w, filepath.Join(tmp, tc.src), InstallOptions{}); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
