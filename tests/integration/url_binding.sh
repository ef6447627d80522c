#!/usr/bin/env bash
# A saved connection is bound to the API and accounts URLs it was made with. Connected to one
# sandbox, loftdial pointed at another refuses to send the token there (exit 3, naming the
# URL the connection belongs to and how to reconnect), and the other host sees no API request.
# Reconnecting there moves the binding; pointing back at the first then refuses in turn.
set -u
bin=${LOFTDIAL_BIN:?}
sbx=${LOFTDIAL_SANDBOX_BIN:?}
work=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
export LOFTDIAL_HOME=$work/home
unset LOFTDIAL_API_KEY
fails=0
total=0
check() { # check NAME CONDITION...
	local name=$1; shift
	total=$((total + 1))
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}
start_sandbox() { # start_sandbox NAME: sets $api_NAME
	"$sbx" --listen 127.0.0.1:0 --people 20 >"$work/$1.out" 2>"$work/$1.err" &
	pids+=($!)
	for _ in $(seq 1 300); do
		grep -q '^sandbox ready api=' "$work/$1.out" 2>/dev/null && break
		sleep 0.1
	done
	printf -v "api_$1" '%s' "$(sed -n 's/^sandbox ready api=//p' "$work/$1.out")"
}
v2_requests() { # v2_requests URL: the sandbox's count of /v2 requests
	curl -s "$1/_sandbox/counters" | grep -o '"v2_requests":[0-9]*' | cut -d: -f2
}
key=ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

start_sandbox a
start_sandbox b
check "sandboxes started" test -n "$api_a" -a -n "$api_b"

LOFTDIAL_API_URL=$api_a LOFTDIAL_ACCOUNTS_URL=$api_a "$bin" connect --api-key "$key" \
	>/dev/null 2>"$work/err"
check "connected to a" test $? -eq 0
before=$(v2_requests "$api_b")

for cmd in "sync users" "api GET /v2/me" "webhooks list"; do
	# shellcheck disable=SC2086
	LOFTDIAL_API_URL=$api_b LOFTDIAL_ACCOUNTS_URL=$api_b "$bin" $cmd >/dev/null 2>"$work/err"
	rc=$?
	check "$cmd against b exits 3" test $rc -eq 3
	check "$cmd names the URL the connection belongs to" grep -qF "belongs to $api_a" "$work/err"
	check "$cmd says how to reconnect" grep -q "loftdial connect" "$work/err"
	check "$cmd says it in one line" test "$(wc -l <"$work/err")" -eq 1
done
# Without any override loftdial is set to the real Salesloft: the sandbox key stays home.
"$bin" api GET /v2/me >/dev/null 2>"$work/err"
check "default URL refused too (exit 3)" test $? -eq 3
check "default URL refusal names the real API" grep -qF "set to https://api.salesloft.com" "$work/err"
check "b saw no API request" test "$(v2_requests "$api_b")" = "$before"
# status reads only the store, but must not call a connection made elsewhere "connected".
LOFTDIAL_API_URL=$api_b LOFTDIAL_ACCOUNTS_URL=$api_b "$bin" status >"$work/st" 2>&1
check "status against b exits 0" test $? -eq 0
check "status against b names the URL the connection belongs to" \
	grep -qE "^connection +not connected here: .*belongs to $api_a" "$work/st"
check "status against b says how to reconnect" grep -q "^connection .*loftdial connect" "$work/st"
LOFTDIAL_API_URL=$api_b LOFTDIAL_ACCOUNTS_URL=$api_b "$bin" status --json >"$work/st" 2>&1
check "status --json against b: not connected, saved elsewhere" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["connection"]
sys.exit(not (c["connected"] is False and c["saved_elsewhere"] is True and
              c["api_url"] == sys.argv[2] and "loftdial connect" in c["error"]))' "$work/st" "$api_a"
LOFTDIAL_API_URL=$api_a/ LOFTDIAL_ACCOUNTS_URL=$api_a "$bin" status --json >"$work/st" 2>&1
check "status --json at a (trailing /): connected" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["connection"]
sys.exit(not (c["connected"] is True and "saved_elsewhere" not in c))' "$work/st"
check "config show says where the connection belongs" \
	grep -qE "^saved connection +an API key for .* at $api_a," <<<"$("$bin" config show 2>/dev/null)"
check "the log never has the key" bash -c "! grep -q '$key' '$LOFTDIAL_HOME/loftdial.log'"
# The TUI's Home says the same as status: not connected here (a private tmux server, polled).
sock=urlbind$$
tmux -L "$sock" new-session -d -x 100 -y 30 "env LOFTDIAL_HOME='$LOFTDIAL_HOME' \
	LOFTDIAL_API_URL='$api_b' LOFTDIAL_ACCOUNTS_URL='$api_b' TERM=xterm LANG=C.UTF-8 '$bin'"
home_says=1
for _ in $(seq 1 100); do
	if tmux -L "$sock" capture-pane -p 2>/dev/null | grep -q "not connected here: saved for"; then
		home_says=0
		break
	fi
	sleep 0.1
done
tmux -L "$sock" kill-server 2>/dev/null
check "TUI Home: not connected here" test $home_says -eq 0

# Still usable where it was made.
LOFTDIAL_API_URL=$api_a LOFTDIAL_ACCOUNTS_URL=$api_a "$bin" api GET /v2/me >/dev/null 2>&1
check "a still works" test $? -eq 0
# A different accounts URL alone is a different Salesloft too.
LOFTDIAL_API_URL=$api_a LOFTDIAL_ACCOUNTS_URL=$api_b "$bin" api GET /v2/me >/dev/null 2>&1
check "same API, other accounts URL: exit 3" test $? -eq 3

# Reconnecting at b moves the binding.
LOFTDIAL_API_URL=$api_b LOFTDIAL_ACCOUNTS_URL=$api_b "$bin" connect --api-key "$key" \
	>/dev/null 2>&1
check "reconnected at b" test $? -eq 0
LOFTDIAL_API_URL=$api_b LOFTDIAL_ACCOUNTS_URL=$api_b "$bin" api GET /v2/me >/dev/null 2>&1
check "b works now" test $? -eq 0
LOFTDIAL_API_URL=$api_a LOFTDIAL_ACCOUNTS_URL=$api_a "$bin" sync users >/dev/null 2>"$work/err"
check "a refused now (exit 3)" test $? -eq 3
check "a's refusal names b" grep -qF "belongs to $api_b" "$work/err"
echo "$((total - fails)) passed, $fails failed"
exit $((fails > 0))
