package main

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commandPaths lists every command of the full tree below root with the
// names of its own and inherited flags (cobra's help flag left out).
func commandPaths(t *testing.T) map[string][]string {
	t.Helper()
	paths := map[string][]string{}
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			p := append(append([]string(nil), path...), sub.Name())
			var names []string
			add := func(f *pflag.Flag) { names = append(names, f.Name) }
			sub.LocalFlags().VisitAll(add)
			sub.InheritedFlags().VisitAll(add)
			paths[strings.Join(p, " ")] = names
			walk(sub, p)
		}
	}
	walk(newApp(strings.NewReader(""), io.Discard, io.Discard).fullCommandTree(), nil)
	if len(paths) < 8 {
		t.Fatalf("only %d commands in the tree: %v", len(paths), paths)
	}
	return paths
}

// TestFlagsRegisteredForNamedCommands checks the rule of registerFlags:
// the commands a command line names get their flags, the others do not.
func TestFlagsRegisteredForNamedCommands(t *testing.T) {
	tests := []struct {
		args       []string
		registered []string // commands whose flags exist
		absent     []string // commands whose flags are never registered
	}{
		{[]string{"version"}, nil, []string{"lock", "sync", "audit", "fix", "db", "inspect"}},
		{[]string{"--help"}, nil, []string{"lock", "sync", "audit", "fix", "db", "inspect"}},
		{[]string{"-v", "lock", "-o", "r.txt", "r.in"}, []string{"lock"}, []string{"sync", "audit", "fix", "db", "inspect"}},
		{[]string{"help", "sync"}, []string{"sync"}, []string{"lock", "audit"}},
		{[]string{"__complete", "audit", "--fo"}, []string{"audit"}, []string{"lock", "sync"}},
		{[]string{"db", "update", "--offline"}, []string{"db"}, []string{"lock", "audit"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			root := newApp(strings.NewReader(""), io.Discard, io.Discard).rootCommand(tt.args)
			flagCount := func(name string) int {
				c, _, err := root.Find([]string{name})
				if err != nil || c == root {
					t.Fatalf("no command %q", name)
				}
				return len(c.LocalNonPersistentFlags().FlagUsages()) + len(c.PersistentFlags().FlagUsages())
			}
			for _, name := range tt.registered {
				if flagCount(name) == 0 {
					t.Errorf("%s: no flags registered although the command line names it", name)
				}
			}
			for _, name := range tt.absent {
				if n := flagCount(name); n != 0 {
					t.Errorf("%s: flags registered although the command line does not name it", name)
				}
			}
		})
	}
}

// TestHelpAndCompletionShowEveryFlag runs 'pyward CMD --help' and 'pyward
// __complete CMD --' for every command and checks that each flag of the
// full tree is there: deferring the registration must not hide a flag.
func TestHelpAndCompletionShowEveryFlag(t *testing.T) {
	for path, flags := range commandPaths(t) {
		t.Run(path, func(t *testing.T) {
			args := strings.Fields(path)
			code, help, stderr := runPyward(t, append(args, "--help")...)
			if code != exitOK {
				t.Fatalf("--help: exit %d: %s", code, stderr)
			}
			code, completions, stderr := runPyward(t, append(append([]string{"__complete"}, args...), "--")...)
			if code != exitOK {
				t.Fatalf("__complete: exit %d: %s", code, stderr)
			}
			for _, f := range flags {
				if !strings.Contains(help, "--"+f+" ") && !strings.Contains(help, "--"+f+"[") {
					t.Errorf("--help does not show --%s", f)
				}
				if !strings.Contains(completions, "--"+f+"\t") && !strings.Contains(completions, "--"+f+"\n") {
					t.Errorf("__complete does not offer --%s", f)
				}
			}
		})
	}
}
