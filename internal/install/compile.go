package install

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// CompileTimeout bounds bytecode compilation.
const CompileTimeout = 10 * time.Minute

// compileScript compiles the NUL-separated paths on standard input, as
// "compileall -q -i -" does with a list of lines, in which a name holding a
// newline would become two names. It exits with 1 when a file did not
// compile.
const compileScript = `import compileall, os, sys
ok = True
for name in sys.stdin.buffer.read().split(b"\0"):
    if name:
        ok = compileall.compile_file(os.fsdecode(name), quiet=1) and ok
sys.exit(0 if ok else 1)
`

// Compile byte-compiles files, installed .py files in t's purelib or
// platlib, with t.Python's compileall (standard library only: "-I -S" keeps
// site-packages and .pth files out of the process, so no package code
// runs). The .pyc files are written next to the sources, so a path outside
// those directories is refused and nothing is compiled.
func (t *Target) Compile(ctx context.Context, files []string) error {
	if len(files) == 0 {
		return nil
	}
	var list bytes.Buffer
	for _, f := range files {
		if !filepath.IsAbs(f) || filepath.Clean(f) != f || strings.ContainsRune(f, 0) || !within(t.Purelib, f) && !within(t.Platlib, f) {
			return fmt.Errorf("compile bytecode: %q is not a file in the environment's site directories", f)
		}
		list.WriteString(f)
		list.WriteByte(0)
	}
	ctx, cancel := context.WithTimeout(ctx, CompileTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.Python, "-I", "-S", "-c", compileScript)
	cmd.Stdin = &list
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("compile bytecode: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
