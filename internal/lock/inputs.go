package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/pyproject"
	"github.com/pyward/pyward/internal/reqfile"
	"github.com/pyward/pyward/internal/sources"
)

// Inputs are what the command line and input files ask to lock.
type Inputs struct {
	Requirements   []Requirement
	Constraints    []*pep508.Requirement
	Sources        []sources.FileOptions // each input file's source options
	Pre            bool                  // a requirements file says --pre
	RequiresPython string                // pyproject.toml's requires-python
	DefaultOutput  string                // X.txt for the first X.in, else ""
	// RequireProvenance is pyproject.toml's [tool.pyward] require-provenance.
	RequireProvenance []string
}

// InputOptions select what of the inputs is locked.
type InputOptions struct {
	Extras          []string // pyproject.toml optional-dependencies to include
	Groups          []string // pyproject.toml dependency groups to include
	AllExtras       bool
	ConstraintFiles []string // -c files: their requirements only constrain
}

// ReadInputs reads each argument as a pyproject.toml, a requirements file
// or a requirement string, in that order of preference, and the
// constraint files. It reports every bad argument at once.
func ReadInputs(ctx context.Context, args []string, opts InputOptions) (*Inputs, error) {
	in := &Inputs{}
	var errs []error
	for _, arg := range args {
		st, statErr := os.Stat(arg)
		switch {
		case statErr == nil && !st.IsDir() && strings.EqualFold(filepath.Base(arg), "pyproject.toml"):
			if err := in.addPyproject(arg, opts); err != nil {
				errs = append(errs, err)
			}
		case statErr == nil && !st.IsDir():
			if err := in.addRequirementsFile(ctx, arg); err != nil {
				errs = append(errs, err)
			}
		default:
			r, err := pep508.ParseRequirement(arg)
			if err != nil {
				if looksLikePath(arg) {
					errs = append(errs, fmt.Errorf("%s: no such file", arg))
				} else {
					errs = append(errs, fmt.Errorf("%q is neither a file nor a requirement: %s", reqfile.Quote(arg), reqfile.Quote(err.Error())))
				}
				continue
			}
			in.Requirements = append(in.Requirements, Requirement{Req: r, Origin: "command line"})
		}
	}
	for _, c := range opts.ConstraintFiles {
		rf, err := reqfile.ParseFile(ctx, c, reqfile.Options{})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range append(rf.Requirements, rf.Constraints...) {
			if r.Req != nil {
				in.Constraints = append(in.Constraints, r.Req)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(in.Requirements) == 0 {
		return nil, errors.New("lock: no requirements to lock")
	}
	return in, nil
}

func looksLikePath(s string) bool {
	return strings.ContainsAny(s, `/\`) || strings.HasSuffix(s, ".txt") || strings.HasSuffix(s, ".in") || strings.HasSuffix(s, ".toml")
}

func (in *Inputs) addRequirementsFile(ctx context.Context, path string) error {
	rf, err := reqfile.ParseFile(ctx, path, reqfile.Options{})
	if err != nil {
		return err
	}
	for _, r := range rf.Requirements {
		if r.Req == nil {
			return fmt.Errorf("%s: cannot lock %q: a bare URL or path has no project name; write it as 'name @ url'", r.Origin, reqfile.Quote(r.Raw))
		}
		if r.Editable {
			return fmt.Errorf("%s: cannot lock editable requirement %q: editable installs are not reproducible", r.Origin, reqfile.Quote(r.Raw))
		}
		in.Requirements = append(in.Requirements, Requirement{Req: r.Req, Origin: "-r " + r.Origin.File})
	}
	for _, r := range rf.Constraints {
		if r.Req != nil {
			in.Constraints = append(in.Constraints, r.Req)
		}
	}
	in.Sources = append(in.Sources, sources.FileOptions{Origin: path, IndexURL: rf.IndexURL, ExtraIndexURLs: rf.ExtraIndexURLs,
		FindLinks: rf.FindLinks, TrustedHosts: rf.TrustedHosts, NoIndex: rf.NoIndex})
	in.Pre = in.Pre || rf.Pre
	if strings.HasSuffix(path, ".in") && in.DefaultOutput == "" {
		in.DefaultOutput = strings.TrimSuffix(path, ".in") + ".txt"
	}
	return nil
}

func (in *Inputs) addPyproject(path string, opts InputOptions) error {
	proj, err := pyproject.ReadFile(path)
	if err != nil {
		return err
	}
	reqs, err := proj.Requirements(opts.Extras, opts.Groups, opts.AllExtras)
	if err != nil {
		return err
	}
	for _, r := range reqs {
		in.Requirements = append(in.Requirements, Requirement{Req: r, Origin: path})
	}
	if !proj.RequiresPython.IsEmpty() {
		in.RequiresPython = proj.RequiresPython.String()
	}
	in.RequireProvenance = append(in.RequireProvenance, proj.Config.RequireProvenance...)
	in.Sources = append(in.Sources, sources.FileOptions{Origin: path, IndexURL: proj.Config.Index,
		ExtraIndexURLs: proj.Config.ExtraIndex, IndexFor: proj.Config.IndexFor})
	return nil
}
