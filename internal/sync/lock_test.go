package sync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadLock(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, file, text string
		entries          int
		errs             []string // substrings; nil = success
	}{
		{name: "ok", file: "requirements.txt", text: "a==1.0 --hash=sha256:" + h + "\nb===2.0 ; python_version >= '3' --hash=sha256:" + h + "\n", entries: 2},
		{name: "all problems at once", file: "requirements.txt", text: "a==1.0\nb>=2 --hash=sha256:" + h + "\n-e .\nc==1 --hash=sha512:" + h + h + "\n",
			errs: []string{"requirements.txt:1", "requirements.txt:2: b>=2", "requirements.txt:3", "requirements.txt:4", "not pinned", "editable"}},
		{name: "duplicate", file: "requirements.txt", text: "a==1.0 --hash=sha256:" + h + "\nA==2.0 --hash=sha256:" + h + "\n", errs: []string{"listed again"}},
		{name: "direct url", file: "requirements.txt", text: "a @ https://x/a-1.0-py3-none-any.whl --hash=sha256:" + h + "\n", entries: 1},
		{name: "bare url", file: "requirements.txt", text: "https://x/a-1.0-py3-none-any.whl --hash=sha256:" + h + "\n", errs: []string{"bare URL"}},
		{name: "pylock ok", file: "pylock.toml", text: `lock-version = "1.0"
created-by = "t"
[[packages]]
name = "a"
version = "1.0"
[[packages.wheels]]
name = "a-1.0-py3-none-any.whl"
url = "https://x/a-1.0-py3-none-any.whl"
hashes = { sha256 = "` + h + `" }
`, entries: 1},
		{name: "pylock no hash", file: "pylock.toml", text: `lock-version = "1.0"
created-by = "t"
[[packages]]
name = "a"
version = "1.0"
[[packages.wheels]]
name = "a-1.0-py3-none-any.whl"
url = "https://x/a-1.0-py3-none-any.whl"
hashes = { sha512 = "` + h + h + `" }
`, errs: []string{"no sha256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tc.file)
			os.WriteFile(p, []byte(tc.text), 0o644)
			l, err := LoadLock(context.Background(), p)
			if tc.errs == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(l.Entries) != tc.entries {
					t.Fatalf("%d entries, want %d", len(l.Entries), tc.entries)
				}
				return
			}
			if !errors.Is(err, ErrInvalidLock) {
				t.Fatalf("err = %v; want ErrInvalidLock", err)
			}
			for _, s := range tc.errs {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
		})
	}
}

func TestDefaultLock(t *testing.T) {
	dir := t.TempDir()
	if _, err := DefaultLock(dir); err == nil {
		t.Fatal("no error for an empty directory")
	}
	os.WriteFile(filepath.Join(dir, "requirements.txt"), nil, 0o644)
	if p, _ := DefaultLock(dir); filepath.Base(p) != "requirements.txt" {
		t.Fatal(p)
	}
	os.WriteFile(filepath.Join(dir, "pylock.toml"), nil, 0o644)
	if p, _ := DefaultLock(dir); filepath.Base(p) != "pylock.toml" {
		t.Fatal(p)
	}
}
