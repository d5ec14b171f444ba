#!/usr/bin/env bash
# The demo: lock the bundled example project from its local wheels (no
# network), install the lock into a fresh virtual environment (every hash
# verified, no package code run), then audit the lock. Run from the repository root:
#
#   bash examples/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export PYWARD_CACHE_DIR="$out/cache"
go build -o "$out/pyward" ./cmd/pyward
run() { echo "+ pyward $*" | sed "s|$out|\$OUT|g"; "$out/pyward" "$@"; }

run lock examples/demo/requirements.in --no-index --find-links examples/demo/wheels \
  --python-version 3.12 --platform manylinux_x86_64 -o "$out/requirements.txt"
cat "$out/requirements.txt"
echo
run sync "$out/requirements.txt" --venv "$out/venv"
"$out/venv/bin/python" -c 'import webapp_toolkit, requests, acme_billing; print("imports ok")'
echo
set +e
run audit "$out/requirements.txt" examples/demo/requirements-dev.txt \
  --db examples/demo/osv --public-names examples/demo/public-names.txt --offline --no-index-config
code=$?
set -e
echo
echo "pyward audit exited $code (1 = findings at or above --fail-on high)"
[ "$code" -eq 1 ]
