#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install what is missing, then build and run every
# test twice (a normal build and an ASan+UBSan build) under ctest, then check the formatting.
# Usage: scripts/test.sh [ctest args...]   e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
start=$(date +%s)
status=0
for preset in debug asan; do
	echo "== $preset: configure and build"
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset"
	echo "== $preset: ctest"
	ctest --preset "$preset" "$@" || status=1
done
echo "== format check"
scripts/check-format.sh || status=1
echo "== suite took $(( $(date +%s) - start )) s, status $status"
exit $status
