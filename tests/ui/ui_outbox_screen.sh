#!/usr/bin/env bash
# The Outbox screen against the real sandbox: with the team requiring a disposition (the
# sandbox's team rules), two call records without one, queued by another process, are sent by
# the TUI and refused (422) and wait as failed with their errors map, shown field by field;
# goldens at 120x40 and 80x24 with a hostile failed record (escape sequences in its error and
# its notes: drawn clean, the pane's title unchanged); r sends one again once the rule is
# lifted (it reaches the sandbox once); e corrects the other in the disposition picker (the
# team's names) and it is sent exactly once with that disposition; d asks, n keeps, y drops
# (gone from the store); a record another process queues for later appears without a key and
# r sends it now; a shows the sent records; the keys are the keymap's.
# LOFTDIAL_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
. "$(dirname "$0")/uilib.sh"
ui_init
# Clock times (HH:MM) in the When column.
eval "$(declare -f ui_normalise | sed '1s/ui_normalise/ui_normalise_base/')"
ui_normalise() { ui_normalise_base | sed -E 's/\b[0-9]{2}:[0-9]{2}\b/<hm>/g'; }

export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 300
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync --quiet >/dev/null 2>&1
check "synced" test $? -eq 0
db=$LOFTDIAL_HOME/loftdial.db
team() { # team JSON: the sandbox's team rules
	test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$api/_sandbox/team" -d "$1")" = 200
}
check "the team requires a disposition" team '{"dispositions_required":true}'

"$bin" api GET '/v2/tasks?task_type=call&current_state=scheduled&per_page=3' --compact \
	>"$work/tasks.json"
python3 -c '
import json, sys
for t in json.load(open(sys.argv[1]))["data"][:3]:
    print(t["id"], t["person"]["id"])' "$work/tasks.json" >"$work/tasks.txt"
check "three call tasks" test "$(wc -l <"$work/tasks.txt")" -eq 3
read -r task1 person1 < <(sed -n 1p "$work/tasks.txt")
read -r task2 person2 < <(sed -n 2p "$work/tasks.txt")
read -r task3 person3 < <(sed -n 3p "$work/tasks.txt")

# queue KEY BODY [STATE [LAST_ERROR [DELAY]]]: an outbox record written by another process.
queue() {
	python3 - "$db" "$1" "$2" "${3:-queued}" "${4:-}" "${5:-0}" <<'PY'
import sqlite3, sys, time
path, key, body, state, err, delay = sys.argv[1:7]
db = sqlite3.connect(path)
now = int(time.time())
db.execute("INSERT INTO outbox (kind, dedupe_key, body, state, attempts, next_at, last_error,"
           " created_at, updated_at) VALUES ('call', ?, ?, ?, ?, ?, ?, ?, ?)",
           (key, body, state, 1 if state == 'failed' else 0, now + int(delay), err or None,
            now, now))
db.commit()
PY
}
field() { # field KEY COLUMN
	python3 -c '
import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute(
    "SELECT " + sys.argv[3] + " FROM outbox WHERE dedupe_key = ?", (sys.argv[2],)).fetchone()
print(r[0] if r else "none")' "$db" "$1" "$2"
}
is_state() { [ "$(field "$1" state)" = "$2" ]; }
calls_of() { # calls_of PERSON: the sandbox's calls of a person
	"$bin" api GET "/v2/activities/calls?person_id=$1&per_page=100" --compact |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))'
}

before1=$(calls_of "$person1")
before2=$(calls_of "$person2")
queue "task:$task1" "{\"person_id\":$person1,\"task_id\":$task1,\"to\":\"+15550100001\",\"notes\":\"asked for a demo\"}"
queue "task:$task2" "{\"person_id\":$person2,\"task_id\":$task2,\"to\":\"+15550100002\"}"
# A refused record with escape sequences in its error and its notes (an OSC that would
# retitle the terminal, a screen clear, colours).
queue "task:999999" "{\"person_id\":$person3,\"to\":\"+15550100003\",\"notes\":\"\\u001b]2;pwned\\u0007note \\u001b[31mred\"}" \
	failed $'HTTP 422: {"disposition":["\e]2;pwned\a is \e[2Jhostile"]}'

for size in 120x40 80x24; do
	ui_start "${size%x*}" "${size#*x}" "$bin"
	check "$size: home drawn" ui_wait "call_sentiments" 20
	ui_keys 4
	check "$size: the outbox screen" ui_wait "pending"
	check "$size: both records refused" ui_until 20 is_state "task:$task2" failed
	check "$size: refused in the store" is_state "task:$task1" failed
	check "$size: the errors map, field by field" ui_wait "disposition: can't be blank" 10
	check "$size: the counts" ui_wait "0 pending  0 sending  3 failed"
	check "$size: outbox golden" ui_golden "outbox_$size"
	ui_stop
done
check "the title bar fits at 80 columns" grep -q "1 Home 2 Contacts 3 Calls 4 Outbox 5 Log 6 Lists ? Help" \
	"$work/outbox_80x24.screen"

ui_start 120 40 "$bin"
check "home again" ui_wait "call_sentiments" 20
ui_keys 4
check "outbox again" ui_wait "3 failed"
# A resize below 80x24 says how big the window must be; back to a usable size, the Outbox comes
# back with its records at the new width.
ui_resize 60 20
check "resize: too small says so" ui_wait "loftdial needs at least 80x24"
ui_resize 100 30
check "resize: the outbox drawn again" ui_wait "3 failed"
check "resize: the new width is used" ui_until 5 bash -c \
	"tmux -L $sock capture-pane -p | head -1 | grep -qE '^.{95,}'"
ui_resize 120 40
check "resize: back to 120x40" ui_wait "3 failed"
check "hostile: drawn clean" ui_shows "is hostile"
check "hostile: the title is not set" test "$(tmux -L "$sock" display -p '#{pane_title}')" != pwned
tmux -L "$sock" capture-pane -p -e >"$work/escapes.txt"
check "hostile: no OSC reached the pane" bash -c "! grep -q pwned '$work/escapes.txt'"

# r: the second record, once the rule is lifted, is sent (once).
check "the rule lifted" team '{"dispositions_required":false}'
ui_keys g j
check "the second record selected" ui_wait "Record 2  call  task:$task2"
ui_keys r
check "r: due now" ui_wait "record 2 is due now"
check "r: sent" ui_until 20 is_state "task:$task2" sent
check "r: in the sandbox once" test "$(calls_of "$person2")" -eq $((before2 + 1))
check "r: gone from the table" ui_wait "2 failed  0 conflict  1 sent (hidden)"

# e: the first record, with the rule back, corrected in the picker and sent once.
check "the rule back" team '{"dispositions_required":true}'
ui_keys g
check "the first record selected" ui_wait "Record 1  call  task:$task1"
ui_keys e
check "e: the picker opens" ui_wait "Record 1 was refused: disposition: can't be blank"
check "e: it saves, not logs" ui_shows "Enter save"
check "e: the disposition is required" ui_shows "Disposition (required)"
dispo=$(python3 -c '
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT name FROM sl_call_dispositions WHERE is_deleted = 0 AND name IS NOT NULL "
    "ORDER BY id LIMIT 1").fetchone()[0])' "$db")
ui_keys 1
ui_keys Enter
check "e: saved" ui_wait "record 1 corrected, due now"
check "e: sent" ui_until 20 is_state "task:$task1" sent
check "e: with the disposition chosen" grep -qF "\"disposition\":\"$dispo\"" <<<"$(field "task:$task1" body)"
check "e: the notes kept" grep -qF "asked for a demo" <<<"$(field "task:$task1" body)"
check "e: in the sandbox once" test "$(calls_of "$person1")" -eq $((before1 + 1))
"$bin" api GET "/v2/activities/calls?person_id=$person1&per_page=100" --compact >"$work/calls1.json"
check "e: the sandbox has the disposition" grep -qF "\"disposition\":\"$dispo\"" "$work/calls1.json"

# d: n keeps, y drops.
check "one failed left" ui_wait "1 failed"
ui_keys g
check "the hostile record selected" ui_wait "Record 3  call  task:999999"
ui_keys d
check "d asks" ui_wait "Drop record 3"
ui_keys n
check "n keeps" ui_wait "record 3 kept"
check "n: still in the store" is_state "task:999999" failed
ui_keys d
check "d asks again" ui_wait "Drop record 3"
ui_keys y
check "y drops" ui_wait "record 3 dropped"
check "y: gone from the store" test "$(field "task:999999" state)" = none
check "y: nothing waits" ui_wait "Nothing waits"

# Live: a record another process queues for an hour from now shows up; r sends it now.
before3=$(calls_of "$person3")
queue "task:$task3" "{\"person_id\":$person3,\"task_id\":$task3,\"to\":\"+15550100003\",\"disposition\":\"$dispo\"}" \
	queued "" 3600
check "a record queued elsewhere appears" ui_wait "1 pending" 20
ui_keys g r
check "r on a waiting record: sent" ui_until 20 is_state "task:$task3" sent
check "r: in the sandbox once" test "$(calls_of "$person3")" -eq $((before3 + 1))
ui_keys a
check "a shows the sent records" ui_wait "a hide sent" 5
check "a: three sent rows" ui_until 5 bash -c "[ \$(tmux -L $sock capture-pane -p | grep -cE '^ +[0-9]+ +sent ') -eq 3 ]"
# The keys come from the keymap.
ui_keys '?'
check "help of Outbox" ui_wait "Keys on Outbox"
check "help lists retry, edit, drop" bash -c "tmux -L $sock capture-pane -p | grep -qE 'r +retry' && tmux -L $sock capture-pane -p | grep -qE 'e +edit' && tmux -L $sock capture-pane -p | grep -qE 'd +drop'"
ui_stop
ui_done
