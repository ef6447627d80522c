#!/usr/bin/env bash
# The first hour, from the outside, on a real terminal (script(1) gives a pty, 80x24):
# libre's own diagnostics go to the log, never to the terminal (connect with the OAuth port
# taken prints loftdial's one line, no colour codes); errors say what is wrong and what to do.
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
mkdir -p "$LOFTDIAL_HOME"
unset LOFTDIAL_API_KEY LOFTDIAL_API_URL LOFTDIAL_ACCOUNTS_URL
fails=0
total=0
check() { # check NAME CONDITION...
	local name=$1; shift
	total=$((total + 1))
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}

"$sbx" --listen 127.0.0.1:0 --people 20 >"$work/sbx.out" 2>"$work/sbx.err" &
pid=$!
for _ in $(seq 1 300); do
	grep -q '^sandbox ready api=' "$work/sbx.out" 2>/dev/null && break
	sleep 0.1
done
api=$(sed -n 's/^sandbox ready api=//p' "$work/sbx.out")
check "sandbox started" test -n "$api"

# The redirect URI's port is taken (by the sandbox): libre fails to bind and says so in the
# log; the terminal gets loftdial's own line only.
printf 'salesloft.client_id x\nsalesloft.client_secret y\nsalesloft.redirect_uri %s/callback\n' \
	"$api" >"$LOFTDIAL_HOME/config"
script -qec "stty cols 80 rows 24; LOFTDIAL_API_URL=$api LOFTDIAL_ACCOUNTS_URL=$api '$bin' connect --no-browser" \
	/dev/null >"$work/tty" 2>&1
check "connect with the port taken says what to do" grep -q "use loftdial connect --paste" "$work/tty"
check "no libre line on the terminal" bash -c "! grep -q 'sock_bind' '$work/tty'"
check "no escape sequence on the terminal" bash -c "! grep -q $'\x1b' '$work/tty'"
check "libre's line is in the log" grep -q "libre: tcp: sock_bind" "$LOFTDIAL_HOME/loftdial.log"
echo "$((total - fails)) passed, $fails failed"
exit $((fails > 0))
