#!/usr/bin/env bash
# The outbox while the TUI runs, against the real sandbox: records another process queued in
# the store file (the way a dial queues them) are sent by the TUI on its own (the same sender
# as `loftdial outbox flush`), each call in Salesloft once; one Salesloft refuses (a
# disposition the team does not have) is kept failed with its errors map; while the TUI sends
# the outbox, `loftdial outbox flush` says so instead of sending beside it; a write lock held
# by another process while an answer arrives delays the record's outcome, never loses it.
. "$(dirname "$0")/uilib.sh"
ui_init
export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 300
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync --quiet >/dev/null 2>&1
check "synced" test $? -eq 0
db=$LOFTDIAL_HOME/loftdial.db

# Two scheduled call tasks of the sandbox: "TASK PERSON" per line.
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

# queue KEY BODY: an outbox record made by another process, committed to the file.
queue() {
	python3 - "$db" "$1" "$2" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
now = int(time.time())
db.execute("INSERT INTO outbox (kind, dedupe_key, body, state, attempts, next_at, created_at,"
           " updated_at) VALUES ('call', ?, ?, 'queued', 0, ?, ?, ?)",
           (sys.argv[2], sys.argv[3], now, now, now))
db.commit()
PY
}
# calls_of PERSON: how many calls the sandbox holds for a person.
calls_of() {
	"$bin" api GET "/v2/activities/calls?person_id=$1&per_page=100" --compact |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))'
}
state_of() { # state_of KEY
	python3 -c '
import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT state FROM outbox WHERE dedupe_key = ?",
                                         (sys.argv[2],)).fetchone()
print(r[0] if r else "none")' "$db" "$1"
}
is_state() { [ "$(state_of "$1")" = "$2" ]; }

before1=$(calls_of "$person1")
ui_start 80 24 "$bin"
check "home drawn" ui_wait "call_sentiments" 20
check "the outbox is empty" ui_wait "0 pending, 0 sending, 0 failed"
# Queued by another process while the TUI runs: the poll sees it and the TUI sends it.
queue "task:$task1" "{\"person_id\":$person1,\"task_id\":$task1,\"disposition\":\"Connected\",\"to\":\"+15550100001\"}"
check "the TUI sends a record queued elsewhere" ui_wait "0 failed, 0 conflict, 1 sent" 20
check "sent state in the file" is_state "task:$task1" sent || tail -n 30 "$LOFTDIAL_HOME/loftdial.log"
:  test "$(state_of "task:$task1")" = sent
check "one call in Salesloft" test "$(calls_of "$person1")" -eq $((before1 + 1))
queue "task:$task2" "{\"person_id\":$person2,\"task_id\":$task2,\"disposition\":\"No Such Disposition\"}"
check "a refused record is kept failed" ui_wait "1 failed, 0 conflict, 1 sent" 20
check "with its errors map" grep -q '"disposition":\[' < <(python3 -c '
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT last_error FROM outbox WHERE dedupe_key = ?", (sys.argv[2],)).fetchone()[0])' \
	"$db" "task:$task2")
# One sender per data folder: flush says who sends.
"$bin" outbox flush >"$work/flush.out" 2>&1
check "flush while the TUI sends: exit 4" test $? -eq 4
check "flush names the TUI" grep -q "the TUI" "$work/flush.out"

# A write lock held by another process while the answer arrives: the record's outcome waits
# for the lock (the TUI's store calls give up after 20 ms, the sender tries again from a
# timer) and lands once it is released. The sandbox answers 1.5 s late so the lock is taken
# while the POST is in flight.
check "latency window opened" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
	"$api/_sandbox/faults" -d '{"latency_ms":1500,"seconds":120,"path_prefix":"/v2/activities/calls"}')" = 200
before3=$(calls_of "$person3")
queue "task:$task3" "{\"person_id\":$person3,\"task_id\":$task3,\"disposition\":\"Connected\",\"to\":\"+15550100003\"}"
check "the record is being sent" ui_until 10 is_state "task:$task3" sending
python3 - "$db" "$work/locked" <<'PY' &
import sqlite3, sys, time, pathlib
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
pathlib.Path(sys.argv[2]).write_text("1")
time.sleep(3)
db.execute("COMMIT")
PY
lock_pid=$!
ui_wait_file "$work/locked"
check "the outcome lands after the lock is released" ui_wait "2 sent" 30
wait "$lock_pid"
curl -s -o /dev/null -X DELETE "$api/_sandbox/faults"
check "sent once" test "$(calls_of "$person3")" -eq $((before3 + 1))
ui_keys '?'
check "help opens" ui_wait "Keys on Home"
ui_stop
check "no record left in sending" test "$(state_of "task:$task3")" = sent

# ui.webhooks: the TUI serves webhook deliveries on webhooks.listen; a taken address leaves
# it syncing by polls, with a warning.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'ui.webhooks true\nwebhooks.listen 127.0.0.1:%s\n' "$port" >>"$LOFTDIAL_HOME/config"
ui_start 80 24 "$bin"
check "webhooks: home drawn" ui_wait "call_sentiments" 20
check "webhooks: served while the TUI runs" grep -q "serving webhooks on 127.0.0.1:$port" \
	"$LOFTDIAL_HOME/loftdial.log"
check "webhooks: the port answers HTTP" test "$(curl -s -o /dev/null -w '%{http_code}' \
	-X POST "http://127.0.0.1:$port/" -d '{}')" != 000
ui_stop
# The TUI just closed a connection on this port, so it may sit in TIME_WAIT: SO_REUSEADDR lets the
# holder take it anyway (it cannot take a port with a live listener, so the check stays real).
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$port" &
holder=$!
listening() { ss -ltn "sport = :$port" | grep -q LISTEN; }
check "webhooks: the address is taken" ui_until 10 listening
ui_start 80 24 "$bin"
check "webhooks: taken address: drawn" ui_wait "call_sentiments" 20
# The warning goes to the status line and the log (a later message may replace the first).
warned() { grep -q "webhooks: cannot listen on 127.0.0.1:$port" "$LOFTDIAL_HOME/loftdial.log"; }
check "webhooks: a taken address is a warning" ui_until 20 warned
check "webhooks: still syncing by polls" ui_wait "every 60 s"
ui_stop
kill "$holder"
wait "$holder" 2>/dev/null
ui_done
