#!/usr/bin/env bash
# Fuzzes for real with clang's libFuzzer (ASan+UBSan): builds the fuzz preset's targets and runs
# each for SECONDS (default 60) on one core, starting from a copy of its corpus
# (tests/fuzz/corpus/NAME, which this never changes). A crash stops that target and leaves its
# input in build/fuzz/artifacts/NAME/; new interesting inputs stay in build/fuzz/work/NAME/
# (copy the small ones worth keeping into the corpus by hand).
# Usage: scripts/fuzz.sh [-t SECONDS] [NAME...]   (no NAME: every tests/fuzz/fuzz_*.c)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=60
if [ "${1:-}" = "-t" ]; then
	secs=$2
	shift 2
fi
if [ $# -eq 0 ]; then
	set -- $(ls tests/fuzz/fuzz_*.c | xargs -n1 basename | sed 's/\.c$//')
fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "$@"
status=0
for name in "$@"; do
	bin=$(find build/fuzz -name "$name" -type f -perm -u+x | head -n1)
	work=build/fuzz/work/$name
	art=build/fuzz/artifacts/$name
	mkdir -p "$work" "$art"
	cp -n tests/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true
	echo "fuzz: $name for $secs s"
	# Leaks are reported (detect_leaks), a crash keeps its input; -max_len as the ctest
	# driver's inputs (256 KiB).
	if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" -max_total_time="$secs" -max_len=262144 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" "$work" 2>"build/fuzz/$name.log"; then
		echo "fuzz: $name FAILED (build/fuzz/$name.log, input in $art/)"
		status=1
	fi
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|cov:' "build/fuzz/$name.log" |
		tail -n 3
done
exit $status
