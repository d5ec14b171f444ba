package install

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/testindex"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// unpackDist builds and unpacks d's wheel.
func unpackDist(t *testing.T, d testindex.Dist) (*Wheel, string) {
	t.Helper()
	name, data, err := testindex.BuildWheel(d, "")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	wp := filepath.Join(tmp, name)
	if err := os.WriteFile(wp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(tmp, "unpacked")
	w, err := Unpack(context.Background(), wp, src, Options{AllowStartup: true})
	if err != nil {
		t.Fatal(err)
	}
	return w, src
}

// Install alone refuses what needs no look at the environment, before
// writing anything.
func TestInstallRefusesReserved(t *testing.T) {
	for _, tc := range []struct {
		entries map[string]string
		rule    Rule
	}{
		{map[string]string{"demo-1.0.data/data/.pyward.lock": ""}, RuleReserved},
		{map[string]string{"demo-1.0.data/data/.pyward/records/x": ""}, RuleReserved},
		{map[string]string{"demo-1.0.data/purelib/other-1.0.dist-info/RECORD": ""}, RuleOwned},
		{map[string]string{"demo-1.0.data/data/lib/python3.11/site-packages/other-2.0.dist-info/METADATA": ""}, RuleOwned},
		{map[string]string{"demo-1.0.data/purelib/demo/__init__.py": "x"}, RuleDuplicate},
		{map[string]string{"demo-1.0.data/purelib/demo": "x"}, RuleReplace},
	} {
		// Install skips this check for a wheel CheckPlan passed, never
		// for one it refused.
		for _, planned := range []bool{false, true} {
			w, src := unpackDist(t, testindex.Dist{Name: "demo", Version: "1.0", RawEntries: tc.entries})
			tg := newTarget(t)
			before := snapshot(t, tg.Root)
			if planned {
				if errs := tg.CheckPlan([]*Wheel{w}, nil, nil); errs[0] == nil {
					t.Errorf("%v: CheckPlan passed", tc.entries)
				}
			}
			_, err := tg.Install(context.Background(), w, src, InstallOptions{})
			var ce *CheckError
			if !errors.As(err, &ce) || !ce.Has(tc.rule) {
				t.Errorf("%v (after CheckPlan: %v): err = %v, want rule %s", tc.entries, planned, err, tc.rule)
			}
			if after := snapshot(t, tg.Root); strings.Join(after, "\n") != strings.Join(before, "\n") {
				t.Errorf("%v (after CheckPlan: %v): wrote %v", tc.entries, planned, after)
			}
		}
	}
}

// Verify with full compares hashes: an edit that keeps the size is found.
func TestVerifyFull(t *testing.T) {
	w, src := unpackDist(t, testindex.Dist{Name: "demo", Version: "1.0", Modules: map[string]string{"demo/m.py": "X = 1\n"}})
	tg := newTarget(t)
	if _, err := tg.Install(context.Background(), w, src, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	inst, err := tg.Scan()
	if err != nil || len(inst) != 1 || inst[0].Incomplete {
		t.Fatalf("Scan: %+v %v", inst, err)
	}
	for _, full := range []bool{false, true} {
		if err := tg.Verify(inst[0], full); err != nil {
			t.Fatalf("Verify(full=%v) of an intact install: %v", full, err)
		}
	}
	if err := os.WriteFile(filepath.Join(tg.Purelib, "demo", "m.py"), []byte("X = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tg.Verify(inst[0], false); err != nil {
		t.Fatalf("sizes only: %v", err)
	}
	if err := tg.Verify(inst[0], true); err == nil {
		t.Fatal("full Verify missed an in-place edit")
	}
}

// A record that does not match its digest is not used.
func TestOwnRecordDigest(t *testing.T) {
	data := formatOwnRecord([]RecordEntry{{Path: "lib/x.py", Hash: hashOf(nil), Size: 0}})
	if _, err := parseOwnRecord(data); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(data, []byte("lib/x.py"), []byte("pyvenv.cfg"), 1)
	if _, err := parseOwnRecord(bad); !errors.Is(err, ErrRecordCorrupt) {
		t.Fatalf("err = %v", err)
	}
}

// moveTree never replaces a directory by a file (a recursive delete).
func TestMoveTreeRefusesReplacingDirectory(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	os.WriteFile(src, []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dst, "keep"), 0o755)
	if err := moveTree(src, dst); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, "keep")); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseOwnRecord(f *testing.F) {
	f.Add(formatOwnRecord([]RecordEntry{{Path: "a", Hash: hashOf(nil), Size: 0}}))
	f.Add([]byte(recordHeader + "00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		entries, err := parseOwnRecord(data)
		budgettest.Check(t, len(data), start)
		if err != nil {
			return
		}
		again, err := parseOwnRecord(formatOwnRecord(entries))
		if err != nil || len(again) != len(entries) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// A sealed tree is hard-linked read-only; an edit made through any link is
// caught when the tree is used again, before anything is moved into place.
// Both ways of sealing (Seal after Unpack, UnpackSealed) give such a tree.
func TestInstallSealedTree(t *testing.T) {
	d := testindex.Dist{Name: "demo", Version: "1.0", Modules: map[string]string{"demo/m.py": "X = 1\n"}}
	t.Run("Seal", func(t *testing.T) {
		w, src := unpackDist(t, d)
		if err := Seal(src, w); err != nil {
			t.Fatal(err)
		}
		testInstallSealedTree(t, w, src)
	})
	t.Run("UnpackSealed", func(t *testing.T) {
		if !canFingerprint {
			t.Skip("no fingerprints on this system")
		}
		name, data, err := testindex.BuildWheel(d, "")
		if err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(t.TempDir(), "unpacked")
		w, err := UnpackSealed(context.Background(), bytes.NewReader(data), int64(len(data)), name, src, Options{AllowStartup: true})
		if err != nil {
			t.Fatal(err)
		}
		testInstallSealedTree(t, w, src)
	})
}

func testInstallSealedTree(t *testing.T, w *Wheel, src string) {
	ctx := context.Background()
	a := newTarget(t)
	if _, err := a.Install(ctx, w, src, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	installed := filepath.Join(a.Purelib, "demo", "m.py")
	st, err := os.Stat(installed)
	if err != nil || st.Mode().Perm()&0o222 != 0 {
		t.Fatalf("installed file: %v %v", st, err)
	}
	if err := os.WriteFile(installed, []byte("X = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []InstallOptions{{}, {Copy: true}} {
		b := newTarget(t)
		before := snapshot(t, b.Root)
		if _, err := b.Install(ctx, w, src, opts); !errors.Is(err, ErrTreeChanged) {
			t.Fatalf("%+v: err = %v", opts, err)
		}
		if err := b.Cleanup(); err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, b.Root); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Fatalf("%+v: wrote %v", opts, after)
		}
	}
}

// CheckPlan finds a wheel's file where another wheel of the plan needs a
// directory, in either order, also where that directory does not exist
// yet: in a new environment (no site directory), and below a new package
// directory. Nothing below a missing directory is looked up, but every
// path is still claimed.
func TestCheckPlanFileOverDirectoryAcrossWheels(t *testing.T) {
	file, _ := unpackDist(t, testindex.Dist{Name: "one", Version: "1.0", RawEntries: map[string]string{"shared/x": "file\n"}})
	dir, _ := unpackDist(t, testindex.Dist{Name: "two", Version: "1.0", RawEntries: map[string]string{"shared/x/y.py": "Y = 1\n"}})
	for _, tc := range []struct {
		name  string
		setup func(tg *Target) error
	}{
		{"new environment", func(*Target) error { return nil }},
		{"site directory exists", func(tg *Target) error { return os.MkdirAll(tg.Purelib, 0o755) }},
		{"package directory exists", func(tg *Target) error { return os.MkdirAll(filepath.Join(tg.Purelib, "shared"), 0o755) }},
	} {
		for _, order := range [][]*Wheel{{file, dir}, {dir, file}} {
			tg := newTarget(t)
			if err := tc.setup(tg); err != nil {
				t.Fatal(err)
			}
			errs := tg.CheckPlan(order, nil, nil)
			var refused []string
			for i, err := range errs {
				var ce *CheckError
				if errors.As(err, &ce) && ce.Has(RuleReplace) {
					refused = append(refused, order[i].Name)
				}
			}
			if len(refused) == 0 {
				t.Errorf("%s, %s first: no RuleReplace problem: %v", tc.name, order[0].Name, errs)
			}
		}
	}
}
