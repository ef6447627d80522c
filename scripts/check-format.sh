#!/usr/bin/env bash
# Fails if any C source or header differs from what clang-format makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r -d '' f; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "format: $f needs clang-format -i"
		bad=1
	fi
done < <(find src include tests -name '*.[ch]' -print0)
[ $bad -eq 0 ] && echo "format: ok"
exit $bad
