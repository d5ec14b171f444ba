package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestIntegrationExamplesUseKnownFlags checks that every option the
// copy-paste examples pass to pyward (the README, action.yml, the
// pre-commit hooks and the GitLab template) is a flag of that command, so
// that renaming a flag cannot leave an integration broken.
func TestIntegrationExamplesUseKnownFlags(t *testing.T) {
	root := newApp(strings.NewReader(""), io.Discard, io.Discard).fullCommandTree()
	command := func(name string) *cobra.Command {
		c, _, err := root.Find(strings.Fields(name))
		if err != nil || c == root {
			t.Fatalf("no command %q", name)
		}
		return c
	}
	// Lines that run pyward, and lines that hand it arguments.
	run := regexp.MustCompile(`\bpyward (audit|fix|lock|sync|inspect|db update)\b(.*)`)
	argsOf := map[*regexp.Regexp]string{
		regexp.MustCompile(`^\s*(?:audit-args|PYWARD_AUDIT_ARGS):(.*)`): "audit",
		regexp.MustCompile(`^\s*(?:fix-args|PYWARD_FIX_ARGS):(.*)`):     "fix",
	}
	hookArgs := regexp.MustCompile(`^\s*args: \[(.*)\]`)
	hookID := regexp.MustCompile(`^\s*-?\s*id: (pyward-[a-z-]+)`)
	hooks := map[string]string{"pyward-lock-check": "lock", "pyward-audit": "audit"}
	checked := 0
	check := func(where, cmdName, args string) {
		t.Helper()
		c := command(cmdName)
		for _, w := range strings.Fields(args) {
			w = strings.Trim(w, "\"'`,:;.()")
			if w == "#" || w == "||" || w == "|" || w == "&&" || w == ";" {
				break
			}
			if !strings.HasPrefix(w, "--") || w == "--" {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
			if c.Flags().Lookup(name) == nil && c.InheritedFlags().Lookup(name) == nil {
				t.Errorf("%s: pyward %s has no flag --%s", where, cmdName, name)
			}
			checked++
		}
	}
	for _, file := range []string{"README.md", "action.yml", ".pre-commit-hooks.yaml", filepath.Join("ci", "gitlab", "pyward.gitlab-ci.yml")} {
		data, err := os.ReadFile(filepath.Join("..", "..", file))
		if err != nil {
			t.Fatal(err)
		}
		hook := ""
		for i, line := range strings.Split(string(data), "\n") {
			where := file + ":" + strconv.Itoa(i+1)
			if m := run.FindStringSubmatch(line); m != nil {
				check(where, m[1], m[2])
			}
			for re, cmdName := range argsOf {
				if m := re.FindStringSubmatch(line); m != nil {
					check(where, cmdName, m[1])
				}
			}
			if m := hookID.FindStringSubmatch(line); m != nil {
				hook = hooks[m[1]]
			}
			if m := hookArgs.FindStringSubmatch(line); m != nil && hook != "" {
				check(where, hook, strings.ReplaceAll(m[1], ",", " "))
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d flags found in the examples: the patterns no longer match them", checked)
	}
}
