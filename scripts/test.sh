#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install what is missing, then build and run every
# test twice (a normal build and an ASan+UBSan build) under ctest; build the release preset
# (-O2, -Werror), package it as a .deb and test the unpacked package with no build tree on
# PATH (tests/install/deb.sh); check the formatting; print the ten slowest tests.
# Usage: scripts/test.sh [ctest args...]   e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
start=$(date +%s)
status=0
phase() { echo "== $* (at $(( $(date +%s) - start )) s)"; }
for preset in debug asan; do
	phase "$preset: configure and build"
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset"
	phase "$preset: ctest"
	ctest --preset "$preset" "$@" 2>&1 | tee "build/$preset/ctest.out" || status=1
done
phase "release: configure, build (-O2, -Werror), package"
cmake --preset release >/dev/null
cmake --build --preset release
rm -f build/release/loftdial_*.deb
(cd build/release && cpack -G DEB)
phase "the installed package"
bash tests/install/deb.sh build/release || status=1
phase "format check"
scripts/check-format.sh || status=1
phase "slowest ten tests"
# awk reads to the end: head would close the pipe early, and under pipefail sort's SIGPIPE (141)
# failed a green suite.
for preset in debug asan; do
	sed -n "s|^ *[0-9]*/[0-9]* *Test *#[0-9]*: \([^ ]*\) .* \([0-9.]*\) sec\$|\2 $preset \1|p" \
		"build/$preset/ctest.out"
done | sort -rn | awk 'NR <= 10 { printf "%8.2f s  %-5s %s\n", $1, $2, $3 }'
echo "== suite took $(( $(date +%s) - start )) s, status $status"
exit $status
