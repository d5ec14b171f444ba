package build_test

import (
	"github.com/pyward/pyward/internal/build"
	"github.com/pyward/pyward/internal/index"
	"github.com/pyward/pyward/internal/resolve"
)

// ExampleProvider shows the --allow-build wiring: the index provider is
// wrapped so that releases whose sdist metadata is dynamic are built
// instead of skipped. The result is what resolve.Resolve or lock.Lock
// take as their Provider.
func ExampleProvider() {
	client, err := index.New(index.Options{Sources: []index.Source{{Name: "pypi", URL: "https://pypi.org/simple/"}}})
	if err != nil {
		return
	}
	var provider resolve.Provider = resolve.NewIndexProvider(client)
	if allowBuild := true; allowBuild {
		provider = &build.Provider{
			Inner:   provider,
			Builder: build.New(client, build.Options{Python: "python3", CacheDir: "/path/to/pyward/cache"}),
		}
	}
	_ = provider
}
