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

# A refused API key: what was refused, by whom, and where keys are made.
LOFTDIAL_API_URL=$api LOFTDIAL_ACCOUNTS_URL=$api "$bin" connect --api-key ak_not_a_key \
	>/dev/null 2>"$work/err"
check "refused key: exit 3" test $? -eq 3
check "refused key: says the key was refused, and by whom" \
	grep -qF "$api refused the API key (401)" "$work/err"
check "refused key: says where keys are made" grep -q "Your Applications > API Keys" "$work/err"
check "refused key: one line" test "$(wc -l <"$work/err")" -eq 1

# sync's progress on an 80x24 terminal: every line fits, so each redraw lands where the last
# one was: when it is over, each object is on the screen once and no count is past its total.
rm -f "$LOFTDIAL_HOME/config"
LOFTDIAL_API_URL=$api LOFTDIAL_ACCOUNTS_URL=$api "$bin" connect \
	--api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef >/dev/null 2>&1
sock=fhp$$
tmux -L "$sock" -f /dev/null new-session -d -x 80 -y 24 \
	"env LOFTDIAL_HOME='$LOFTDIAL_HOME' LOFTDIAL_API_URL='$api' LOFTDIAL_ACCOUNTS_URL='$api' TERM=xterm '$bin' sync users accounts people; echo EXIT=\$?; sleep 60"
screen=
for _ in $(seq 1 300); do
	screen=$(tmux -L "$sock" capture-pane -p 2>/dev/null)
	grep -q '^EXIT=' <<<"$screen" && break
	sleep 0.1
done
tmux -L "$sock" kill-server 2>/dev/null
check "sync at 80x24: exit 0" grep -q '^EXIT=0$' <<<"$screen"
for o in users accounts people; do
	check "sync at 80x24: $o drawn once" test "$(grep -c "^$o " <<<"$screen")" -eq 1
done
over=$(grep -oE '[0-9]+/[0-9]+ ' <<<"$screen" | awk -F/ '$1 + 0 > $2 + 0' | head -1)
check "sync at 80x24: no count past its total" test -z "$over"

# The API stops answering (the sandbox is stopped): one line, at once, exit 1.
rm -f "$LOFTDIAL_HOME/config"
export LOFTDIAL_API_URL=$api LOFTDIAL_ACCOUNTS_URL=$api
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
kill "$pid" && wait "$pid" 2>/dev/null
pid=
: >"$LOFTDIAL_HOME/loftdial.log"
for cmd in "api GET /v2/me" "sync" "sync people"; do
	# shellcheck disable=SC2086
	"$bin" $cmd >"$work/out" 2>"$work/err"
	rc=$?
	check "$cmd, API down: exit 1" test $rc -eq 1
	check "$cmd, API down: one line" test "$(wc -l <"$work/err")" -eq 1
	check "$cmd, API down: says where it looked" grep -qF "cannot reach Salesloft at $api: " "$work/err"
	check "$cmd, API down: nothing on stdout" test ! -s "$work/out"
done
check "API down: no retries (no backoff wait)" bash -c "! grep -q 'retry' '$LOFTDIAL_HOME/loftdial.log'"
# On a terminal (tmux, 80x24): when it is over, the screen holds that line and nothing else.
sock=fh$$
tmux -L "$sock" -f /dev/null new-session -d -x 80 -y 24 \
	"env LOFTDIAL_HOME='$LOFTDIAL_HOME' LOFTDIAL_API_URL='$api' LOFTDIAL_ACCOUNTS_URL='$api' TERM=xterm '$bin' sync; echo EXIT=\$?; sleep 60"
screen=
for _ in $(seq 1 100); do
	screen=$(tmux -L "$sock" capture-pane -p 2>/dev/null)
	grep -q '^EXIT=' <<<"$screen" && break
	sleep 0.1
done
tmux -L "$sock" kill-server 2>/dev/null
check "sync on a terminal, API down: exit 1" grep -q '^EXIT=1$' <<<"$screen"
check "sync on a terminal, API down: the one line" \
	test "$(grep -c 'cannot reach Salesloft at' <<<"$screen")" -eq 1
absent() { ! grep -q "$1" <<<"$2"; }
check "sync on a terminal, API down: no progress left on screen" absent 'listing\|FAILED' "$screen"

# A sync held back by the rate limit says so and counts down (a tight limit: 15 a minute).
"$sbx" --listen 127.0.0.1:0 --people 3000 --rate-limit 15 >"$work/sbx2.out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
	grep -q '^sandbox ready api=' "$work/sbx2.out" 2>/dev/null && break
	sleep 0.1
done
api2=$(sed -n 's/^sandbox ready api=//p' "$work/sbx2.out")
export LOFTDIAL_HOME=$work/home2
mkdir -p "$LOFTDIAL_HOME"
LOFTDIAL_API_URL=$api2 LOFTDIAL_ACCOUNTS_URL=$api2 "$bin" connect \
	--api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef >/dev/null 2>&1
sock=fhw$$
tmux -L "$sock" -f /dev/null new-session -d -x 80 -y 24 \
	"env LOFTDIAL_HOME='$LOFTDIAL_HOME' LOFTDIAL_API_URL='$api2' LOFTDIAL_ACCOUNTS_URL='$api2' TERM=xterm '$bin' sync people; sleep 60"
first= later=
for _ in $(seq 1 200); do
	n=$(tmux -L "$sock" capture-pane -p 2>/dev/null | sed -n 's/^waiting for rate limit, \([0-9]*\)s;.*/\1/p')
	if [ -n "$n" ]; then
		if [ -z "$first" ]; then first=$n; elif [ "$n" -lt "$first" ]; then later=$n; break; fi
	fi
	sleep 0.1
done
tmux -L "$sock" kill-server 2>/dev/null
check "rate-limit wait shown on the first line" test -n "$first"
check "rate-limit wait counts down ($first -> $later)" test -n "$later"
echo "$((total - fails)) passed, $fails failed"
exit $((fails > 0))
