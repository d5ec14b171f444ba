package cachedir

import (
	"path/filepath"
	"testing"
)

func TestDefault(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if d, _ := Default(env(map[string]string{"PYWARD_CACHE_DIR": "/x", "XDG_CACHE_HOME": "/y"})); d != "/x" {
		t.Errorf("PYWARD_CACHE_DIR ignored: %s", d)
	}
	if d, _ := Default(env(map[string]string{"XDG_CACHE_HOME": "/y"})); d != filepath.Join("/y", "pyward") {
		t.Errorf("XDG_CACHE_HOME ignored: %s", d)
	}
	if d, err := Default(env(nil)); err == nil && filepath.Base(d) != "pyward" {
		t.Errorf("default = %s", d)
	}
}
