#!/usr/bin/env bash
# The Lists screen against the real sandbox: the cadences with the rep's due phone actions and
# the call-task buckets, each count equal to what the sandbox says when paged through by hand
# (lists_expect.py); goldens at 80x24 and 120x40; the spinner turns while a slow reading runs;
# filtering as you type; a 429 shows its wait and then the lists; a reading that fails (5xx,
# the sandbox gone) says why and keeps the last good view; back from a dial session the
# counts are read again without r; not connected says so.
# LOFTDIAL_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
. "$(dirname "$0")/uilib.sh"
ui_init
key=ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

# Not connected: the screen says so instead of reading.
export LOFTDIAL_HOME=$work/fresh
mkdir -p "$LOFTDIAL_HOME"
ui_start 80 24 "$bin"
check "not connected: home" ui_wait "loftdial | Home" 20
ui_keys 6
check "not connected: said on the lists" ui_wait "not connected:"
check "not connected: no list drawn" ui_lacks "Call tasks"
ui_stop

export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 300
"$bin" connect --api-key "$key" >/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync --quiet >/dev/null 2>&1
check "synced" test $? -eq 0
# Failures are final at once (no retries) and a 429's window is short, but long enough that a
# loaded machine's pane polls still see the wait (CI missed a 4 s one once).
printf 'salesloft.retries 0\nsalesloft.rate_window 8\n' >>"$LOFTDIAL_HOME/config"

faults() { curl -sf -X "$1" ${2:+-d "$2"} "$api/_sandbox/faults" >/dev/null; }
counts_ok() { ui_screen | python3 "$src/tests/ui/lists_expect.py" "$api" "$key"; }

for size in 80x24 120x40; do
	ui_start "${size%x*}" "${size#*x}" "$bin"
	check "$size: home" ui_wait "loftdial | Home" 20
	ui_keys D
	check "$size: the lists are read" ui_wait "Due now, read at" 20
	check "$size: counts match the sandbox" counts_ok
	check "$size: lists golden" ui_golden "lists_$size"
	ui_keys '?'
	check "$size: help of the lists" ui_wait "Keys on Lists"
	check "$size: help golden (lists)" ui_golden "help_lists_$size"
	ui_stop
done

ui_start 80 24 "$bin"
ui_wait "loftdial | Home" 20
ui_keys 6
check "lists for the rest" ui_wait "Due now, read at" 20

# Back from a dial session the lists are read again by themselves: one of the first cadence's
# due calls goes away in Salesloft while the session is open, and q shows the new count.
drop_one_due() { # drop_one_due CADENCE-NAME: deletes one of its due phone actions
	python3 - "$api" "$key" "$1" <<'PY'
import json, sys, time, urllib.parse, urllib.request
api, key, name = sys.argv[1:4]
def call(method, path, **params):
    url = api + path + ("?" + urllib.parse.urlencode(params) if params else "")
    req = urllib.request.Request(url, method=method, headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r) if method == "GET" else None
me = call("GET", "/v2/me")["data"]
cad = [c for c in call("GET", "/v2/cadences", per_page=100)["data"] if c["name"] == name]
now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
acts = call("GET", "/v2/actions", cadence_id=cad[0]["id"], type="phone", user_guid=me["guid"],
            per_page=1, **{"due_on[lte]": now})["data"]
call("DELETE", "/_sandbox/records/actions/%d" % acts[0]["id"])
PY
}
ui_keys Down Down
cadence=$(ui_screen | sed -n 8p | sed -E 's/^ (.*[^ ]) +[0-9]+ +[0-9]+ *$/\1/')
check "a due call of '$cadence' dropped in Salesloft" drop_one_due "$cadence"
ui_keys Enter
check "Enter opens the dial session" ui_wait "loftdial | Session" 10
ui_keys q
check "q goes back to the lists" ui_wait "loftdial | Lists" 10
check "back on the lists, the counts are read again" ui_until 20 counts_ok
ui_keys Up Up

# The spinner turns while a slow reading runs: two different frames, keys still answered.
faults POST '{"latency_ms":700,"requests":20}'
ui_keys r
check "a reading shows the spinner" ui_wait "reading the lists from Salesloft" 5
first=$(ui_screen | sed -n 2p)
frame_moved() { [ "$(ui_screen | sed -n 2p)" != "$first" ]; }
check "the spinner turns" ui_until 5 frame_moved
check "the old view stays while reading" ui_wait "showing the lists read at"
ui_keys '?'
check "help opens while reading" ui_wait "Keys on Lists" 5
ui_keys q
check "the reading ends" ui_wait "Due now, read at" 30
faults DELETE

# Filter by typing: each keystroke narrows the rows.
name=$(ui_screen | sed -n 8p | sed -E 's/^ (.*[^ ]) +[0-9]+ +[0-9]+ *$/\1/')
word=${name%% *}
ui_keys /
ui_text "$word"
check "filter as you type" ui_wait "lists match '$word'" 5
check "the filtered row is shown" ui_wait "$name"
check "the task rows are filtered out" ui_wait_gone "Call tasks: overdue"
ui_keys Enter
ui_keys Enter
# Enter opens the session screen on the cadence (or, while there is none, names the command).
session_or_command() { ui_shows "dial --cadence" || ui_lacks "loftdial | Lists"; }
check "Enter on a cadence starts the session" ui_until 5 session_or_command
if ui_lacks "loftdial | Lists"; then
	ui_keys q
	check "back from the session to the lists" ui_wait "loftdial | Lists" 5
fi
ui_keys q
check "q clears the filter" ui_wait "Call tasks: overdue" 5
ui_keys /
ui_text "zzzz-nothing"
check "no match says so" ui_wait "No list matches" 5
ui_keys Escape q
check "back to every list" ui_wait "Call tasks: overdue" 5

# A 429: the wait shows, then the lists come.
faults POST '{"rate_limit_429":100,"requests":1}'
ui_keys r
check "a 429 shows the wait" ui_wait "rate limited by Salesloft (429): next try in" 15
check "the lists come after the wait" ui_wait "Due now, read at" 30
check "counts still match" counts_ok

# A failing reading says why and keeps the last good view.
faults POST '{"error_5xx":100}'
ui_keys r
check "a 5xx says why" ui_wait "Salesloft error:" 10
check "the last view stays" ui_wait "showing the lists read at"
ui_screen >"$work/failed.screen"
faults DELETE
check "its rows stay, counts and all" \
	python3 "$src/tests/ui/lists_expect.py" "$api" "$key" <"$work/failed.screen"
ui_keys r
check "a good reading clears the error" ui_wait "Due now, read at" 10
check "no error left" ui_wait_gone "Salesloft error"

# The sandbox gone: the network.
kill "$sbx_pid" && wait "$sbx_pid" 2>/dev/null
sbx_pid=
ui_keys r
check "the sandbox gone says network" ui_wait "network:" 10
check "the rows stay" ui_wait "Call tasks: overdue"
ui_keys q
check "q leaves the screen" ui_wait "loftdial | Home" 5
ui_stop
ui_done
