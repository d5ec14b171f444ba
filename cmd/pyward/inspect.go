package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pyward/pyward/internal/lock"
	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/reqfile"
)

func (a *app) inspectCommand() *cobra.Command {
	var extras, groups []string
	var allExtras bool
	cmd := &cobra.Command{
		Use:   "inspect FILE...",
		Short: "Parse requirement files and print what pyward understood",
		Long: `Parse requirements files (following -r and -c) or pyproject.toml and print
each requirement in normalized PEP 508 form with the file and line it came
from, plus the index options. Useful to see exactly what pyward will lock.`,
		Example: `  pyward inspect requirements.in
  pyward inspect pyproject.toml --group dev`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var errs []error
			for _, path := range args {
				if err := a.inspectFile(cmd.Context(), path, extras, groups, allExtras); err != nil {
					errs = append(errs, err)
				}
			}
			if len(errs) > 0 {
				return usageError(errors.Join(errs...))
			}
			return nil
		},
	}
	a.deferFlags(cmd, func() {
		cmd.Flags().StringArrayVar(&extras, "extra", nil, "pyproject.toml: include this optional-dependency group")
		cmd.Flags().BoolVar(&allExtras, "all-extras", false, "pyproject.toml: include every optional-dependency group")
		cmd.Flags().StringArrayVar(&groups, "group", nil, "pyproject.toml: include this dependency group")
	})
	return cmd
}

func (a *app) inspectFile(ctx context.Context, path string, extras, groups []string, allExtras bool) error {
	if strings.EqualFold(filepath.Base(path), "pyproject.toml") {
		// What pyward lock reads of it, read by the same function.
		in, err := lock.ReadInputs(ctx, []string{path}, lock.InputOptions{Extras: extras, Groups: groups, AllExtras: allExtras})
		if err != nil {
			return err
		}
		if in.RequiresPython != "" {
			fmt.Fprintf(a.stdout, "# %s: requires-python %s\n", path, in.RequiresPython)
		}
		for _, src := range in.Sources {
			if src.IndexURL != "" {
				fmt.Fprintf(a.stdout, "# %s: [tool.pyward] index %s\n", path, src.IndexURL)
			}
			for _, u := range src.ExtraIndexURLs {
				fmt.Fprintf(a.stdout, "# %s: [tool.pyward] extra-index %s\n", path, u)
			}
			for _, name := range slices.Sorted(maps.Keys(src.IndexFor)) {
				fmt.Fprintf(a.stdout, "# %s: [tool.pyward] index-for %s = %s\n", path, name, src.IndexFor[name])
			}
		}
		for _, g := range in.RequireProvenance {
			fmt.Fprintf(a.stdout, "# %s: [tool.pyward] require-provenance %s\n", path, g)
		}
		for _, r := range in.Requirements {
			fmt.Fprintf(a.stdout, "%-40s # %s\n", r.Req.String(), r.Origin)
		}
		return nil
	}
	if pylockName().MatchString(filepath.Base(path)) {
		return a.inspectLock(path, true)
	}
	f, err := reqfile.ParseFile(ctx, path, reqfile.Options{})
	if err != nil {
		return err
	}
	for _, o := range f.Options {
		fmt.Fprintf(a.stdout, "--%s %s # %s\n", o.Name, o.Value, o.Origin)
	}
	print := func(prefix string, rs []reqfile.Requirement) {
		for _, r := range rs {
			text := r.Raw
			if r.Req != nil {
				text = r.Req.String()
			}
			if r.Editable {
				text = "-e " + text
			}
			for _, h := range r.Hashes {
				text += " --hash=" + h
			}
			fmt.Fprintf(a.stdout, "%s%-40s # %s\n", prefix, text, r.Origin)
		}
	}
	print("", f.Requirements)
	print("-c ", f.Constraints)
	if !strings.HasSuffix(path, ".in") {
		l, _, err := lock.ReadLock(path, false)
		if err == nil && l != nil {
			a.printForks(l)
		}
	}
	return nil
}

// inspectLock prints a lock's environments and entries, then its forks.
func (a *app) inspectLock(path string, pylock bool) error {
	l, _, err := lock.ReadLock(path, pylock)
	if err != nil {
		return err
	}
	if l == nil {
		return fmt.Errorf("%s: no such file", path)
	}
	if l.RequiresPython != "" {
		fmt.Fprintf(a.stdout, "# %s: requires-python %s\n", path, l.RequiresPython)
	}
	for _, e := range l.Environments {
		fmt.Fprintf(a.stdout, "# %s: environment %s\n", path, e)
	}
	for _, p := range l.Packages {
		text := p.Name + "==" + p.Version
		if p.Marker != "" {
			text += " ; " + p.Marker
		}
		fmt.Fprintf(a.stdout, "%-40s # %s:%d\n", text, path, p.Line)
	}
	a.printForks(l)
	return nil
}

// printForks lists the projects a universal lock pins at several
// versions, with the marker of each.
func (a *app) printForks(l *lockfile.Lock) {
	forked := l.Forked()
	names := make([]string, 0, len(forked))
	for n := range forked {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		var parts []string
		for _, p := range forked[n] {
			marker := p.Marker
			if marker == "" {
				marker = "everywhere"
			}
			parts = append(parts, p.Version+" on "+marker)
		}
		fmt.Fprintf(a.stdout, "# fork: %s %s\n", n, strings.Join(parts, "; "))
	}
}
