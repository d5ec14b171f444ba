//go:build ignore

// gen writes the demo project's --find-links directory of wheels, built by
// pyward's test-index builder. Run from the repository root:
//
//	go run examples/gen.go
//
// The output is deterministic; the wheels are committed so the demo needs no
// network and no build step.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pyward/pyward/internal/testindex"
)

func main() {
	uploaded := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	dists := []testindex.Dist{
		// The project's own framework: pulls in a vulnerable requests and a
		// typo-squat of python-dateutil.
		{Name: "webapp-toolkit", Version: "1.4.0", Requires: []string{"requests>=2.19", "python3-dateutil>=2.8", "acme-utils>=1.0"}, UploadTime: uploaded,
			ConsoleScripts: map[string]string{"webapp": "webapp_toolkit:main"}},
		{Name: "webapp-toolkit", Version: "1.3.0", Requires: []string{"requests>=2.0"}, UploadTime: uploaded},
		{Name: "requests", Version: "2.19.1", Requires: []string{"certifi>=2017.4.17", "idna>=2.5,<2.8"}, UploadTime: uploaded},
		{Name: "certifi", Version: "2024.8.30", UploadTime: uploaded},
		{Name: "idna", Version: "2.7", UploadTime: uploaded},
		{Name: "python3-dateutil", Version: "2.8.2", UploadTime: uploaded},
		// Internal packages: acme-billing's name is free on the public index,
		// acme-utils's is taken there by someone else (see public-names.txt).
		{Name: "acme-billing", Version: "1.0.0", Requires: []string{"acme-utils>=1.2"}, UploadTime: uploaded},
		{Name: "acme-utils", Version: "1.2.0", UploadTime: uploaded},
	}
	dir := filepath.Join("examples", "demo", "wheels")
	if err := os.RemoveAll(dir); err != nil {
		fail(err)
	}
	for _, d := range dists {
		name, data, err := testindex.BuildWheel(d, "py3-none-any")
		if err != nil {
			fail(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fail(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			fail(err)
		}
	}
	fmt.Println("wrote", dir)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
