#!/usr/bin/env bash
# scripts/demo.sh runs end to end against this build (LOFTDIAL_DEMO_BIN): the contacts preview
# shows whole rows with no escape residue, the declined call is declined (not cancelled), the
# person wins and the other leg is dropped, and the last line names no deleted file as if it
# were there.
set -u
build=${LOFTDIAL_BUILD:?}
src=${LOFTDIAL_SRC:?}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fails=0
total=0
check() { # check NAME CONDITION...
	local name=$1; shift
	total=$((total + 1))
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}
absent() { ! grep -q "$1" "$2"; }
# Engine ports of their own (other tests run at the same time use the defaults' range),
# reserved for this test and free: three lines use SIP ports P, P+10, P+20 and control ports
# P+100.. (a port taken by another test made an engine exit at start).
. "$src/tests/lib/ports.sh"
port_engine_block 3 || exit 1
LOFTDIAL_DEMO_PORT=$port LOFTDIAL_DEMO_BIN=$build bash "$src/scripts/demo.sh" --people 200 >"$out" 2>&1
check "demo exits 0" test $? -eq 0
preview=$(sed -n '/a few contacts/,/== loftdial dial/p' "$out")
check "preview has a header row" grep -q '^id,' <<<"$preview"
check "preview has no escape residue" bash -c "! grep -q $'\\x1b\\|\\[1m\\|\\[0m' <<<\"\$1\"" _ "$(sed '1d;$d' <<<"$preview")"
check "declined call is declined" grep -q 'ended *+442079460105 *rejected' "$out"
check "the person connects" grep -q 'ended *+14155550101 *connected' "$out"
check "the ringing leg is dropped for the winner" grep -q 'ended *+14155550304 *cancelled' "$out"
check "last line names no deleted file as present" absent 'The store is a SQLite file' "$out"
check "last line says it was deleted" grep -q 'deleted now' "$out"
echo "$((total - fails)) passed, $fails failed"
# A failed check shows the whole run, so a failure in CI can be read without a rerun.
[ $fails -eq 0 ] || { echo "--- demo output"; cat "$out"; }
exit $((fails > 0))
