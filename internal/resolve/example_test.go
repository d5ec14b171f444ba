package resolve_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/resolve"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func Example() {
	p := resolve.NewMemoryProvider()
	for _, r := range []resolve.MemoryRelease{
		{Name: "web", Version: "1.0", Requires: []string{"http>=2"}},
		{Name: "web", Version: "2.0", Requires: []string{"http>=3"}, Extras: map[string][]string{"fast": {"speedups"}}},
		{Name: "http", Version: "2.5"},
		{Name: "http", Version: "3.1", Requires: []string{"certs; sys_platform == 'win32'"}},
		{Name: "speedups", Version: "0.9"},
	} {
		if err := p.Add(r); err != nil {
			panic(err)
		}
	}
	env := must(pep508.TargetEnvironment("3.12", pep508.PlatformLinux))
	res, err := resolve.Resolve(context.Background(), p, resolve.Options{
		Requirements: []*pep508.Requirement{must(pep508.ParseRequirement("web[fast]"))},
		Python:       pep440.MustParse("3.12"),
		Environment:  env,
	})
	if err != nil {
		panic(err)
	}
	for _, r := range res.Packages {
		fmt.Println(r.Name, r.Version, r.Extras, "via", r.RequiredBy)
	}

	// An impossible request is explained.
	_, err = resolve.Resolve(context.Background(), p, resolve.Options{
		Requirements: []*pep508.Requirement{must(pep508.ParseRequirement("web>=2")), must(pep508.ParseRequirement("http<3"))},
		Environment:  env,
	})
	var nse *resolve.NoSolutionError
	if errors.As(err, &nse) {
		fmt.Println(nse.Explanation())
	}
	// Output:
	// http 3.1 [] via [web]
	// speedups 0.9 [] via [web]
	// web 2.0 [fast] via []
	// Because web==2.0 depends on http>=3 and you require web>=2, http>=3 is required.
	// And because you require http<3, we can conclude that your requirements are unsatisfiable.
}
