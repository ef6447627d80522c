#!/usr/bin/env bash
# Hostile contact names from the store never reach a terminal: `loftdial export` writes data
# as stored when piped (other programs get the exact bytes), but strips escape sequences and
# control characters when its output is a terminal (run here under script(1), a real pty).
set -u
bin=${LOFTDIAL_BIN:?}
sbx=${LOFTDIAL_SANDBOX_BIN:?}
work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export LOFTDIAL_HOME=$work/home
fails=0
total=0
check() { # check NAME CONDITION...
	local name=$1; shift
	total=$((total + 1))
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}

"$sbx" --listen 127.0.0.1:0 --people 300 >"$work/sbx.out" 2>"$work/sbx.err" &
pid=$!
for _ in $(seq 1 300); do
	grep -q '^sandbox ready api=' "$work/sbx.out" 2>/dev/null && break
	sleep 0.1
done
api=$(sed -n 's/^sandbox ready api=//p' "$work/sbx.out")
check "sandbox started" test -n "$api"
export LOFTDIAL_API_URL=$api LOFTDIAL_ACCOUNTS_URL=$api
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync people accounts >/dev/null 2>&1
check "synced" test $? -eq 0

"$bin" export people --format csv >"$work/piped.csv"
check "piped export keeps the stored bytes (hostile names included)" grep -q $'\x1b' "$work/piped.csv"
script -qec "'$bin' export people --format csv" /dev/null >"$work/tty.csv"
check "terminal export ran" test -s "$work/tty.csv"
check "terminal export has the same rows" \
	test "$(grep -c '^[0-9]' "$work/tty.csv")" -ge 300
check "no ESC on the terminal" bash -c "! grep -q $'\x1b' '$work/tty.csv'"
check "no BEL or C1 CSI on the terminal" bash -c "! grep -qP '\x07|\xc2\x9b' '$work/tty.csv'"
script -qec "'$bin' export people --format jsonl" /dev/null >"$work/tty.jsonl"
check "terminal jsonl has no C1 CSI" bash -c "! grep -qP '\xc2\x9b' '$work/tty.jsonl'"
echo "$((total - fails)) passed, $fails failed"
exit $((fails > 0))
