// Package cachedir chooses pyward's cache directory: $PYWARD_CACHE_DIR,
// else $XDG_CACHE_HOME/pyward, else the platform's user cache directory
// (~/.cache/pyward on Linux, ~/Library/Caches/pyward on macOS,
// %LocalAppData%\pyward on Windows).
package cachedir

import (
	"fmt"
	"os"
	"path/filepath"
)

// Default returns the cache directory for the environment given by getenv.
func Default(getenv func(string) string) (string, error) {
	if d := getenv("PYWARD_CACHE_DIR"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "pyward"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set PYWARD_CACHE_DIR or pass --cache-dir): %w", err)
	}
	return filepath.Join(d, "pyward"), nil
}
