package install

import (
	"os"
	"path/filepath"
	"testing"
)

// writePlain behaves as os.WriteFile: it creates a file with the
// permissions asked for (less the umask) or replaces the content of an
// existing one, shorter or longer; readPlain reads it back.
func TestWritePlain(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, before, data string
		perm               uint32
	}{
		{"new", "", "#!/bin/sh\n", 0o755},
		{"shorter over longer", "a much longer content\n", "short\n", 0o644},
		{"longer over shorter", "x", "a longer content\n", 0o644},
		{"empty", "old\n", "", 0o644},
	} {
		p := filepath.Join(dir, tc.name)
		if tc.before != "" {
			if err := os.WriteFile(p, []byte(tc.before), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := writePlain(p, []byte(tc.data), tc.perm); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := readPlain(p)
		if err != nil || string(got) != tc.data {
			t.Errorf("%s: read %q, %v; want %q", tc.name, got, err, tc.data)
		}
		if tc.before == "" {
			if st, err := os.Stat(p); err != nil || st.Mode().Perm()&^0o022 != os.FileMode(tc.perm)&^0o022 {
				t.Errorf("%s: mode %v, %v; want %o", tc.name, st.Mode(), err, tc.perm)
			}
		}
	}
}
