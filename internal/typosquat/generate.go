package typosquat

// reference.idx is the compiled index (see compiled.go) of the team's
// shared snapshot of the most downloaded PyPI projects,
// /work/shared/data/top-pypi-15000.tsv (columns name, rank, latest_version,
// latest_month; 14,985 projects ranked 1..15,000 by downloads). Regenerate
// with `go generate` in a checkout where ../shared exists and commit the
// result: the binary embeds the file and never reads ../shared at run time.
// TestEmbeddedIndexUpToDate fails when the file is stale or the format or
// matching rules changed without regenerating it.

//go:generate go run ./gen -in ../../../shared/data/top-pypi-15000.tsv -out reference.idx
