#!/usr/bin/env bash
# Salesloft down while the rep logs a call: in a dial session against the real sandbox, its
# simulated phones and real baresip, a person answers and is hung up on; while the picker is
# open the sandbox's API goes down (a fault window that closes every /v2/ connection without
# a reply, as an unreachable host does; the phones stay up, as a carrier would), and C-n logs
# and dials on: the session goes on, the status line says the log waits in the outbox, the
# record is held there (tried, not sent) and Home counts it pending; nothing reaches
# the sandbox (the sender keeps trying). When the API is back the record lands exactly once: one call for the person
# with the note intact, the action completed, the record sent, the outbox empty on Home.
. "$(dirname "$0")/uilib.sh"
ui_init

now_iso=2026-01-15T17:00:00Z
now_s=$(date -u -d "$now_iso" +%s)

# must NAME CMD...: a check the rest depends on; when it fails the screen is shown and the test
# ends there instead of waiting out every later deadline.
must() {
	local before=$fails
	check "$@"
	[ "$fails" = "$before" ] && return 0
	ui_screen | sed 's/^/# /'
	ui_done
}

# Engine ports reserved while the test runs, the sandbox, a home connected and synced, every
# number held ringing (uilib.sh).
ui_session_setup must aubridge,nosrc "salesloft.retries 0"

faults() { curl -s -o /dev/null -w '%{http_code}' -X "$1" ${2:+-d "$2"} "$api/_sandbox/faults"; }
release() { curl -s -o /dev/null -w '%{http_code}' -X POST "$api/_sandbox/phones/release" \
	-d "{\"numbers\":[\"$1\"],\"gap_ms\":0}"; }
auth=(-H "Authorization: Bearer $key")
calls_of() {
	curl -s "${auth[@]}" "$api/v2/activities/calls?person_id=$1&per_page=100" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))'
}
calls_are() { [ "$(calls_of "$1")" = "$2" ]; }
notes_of() { # notes_of PERSON TEXT: the person's calls whose note is TEXT
	python3 - "$api" "$key" "$1" "$2" <<'PY'
import json, sys, urllib.request
api, key, person, text = sys.argv[1:]
def get(path):
    req = urllib.request.Request(api + path, headers={"Authorization": "Bearer " + key})
    return json.load(urllib.request.urlopen(req))
n = 0
for c in get("/v2/activities/calls?person_id=%s&per_page=100" % person)["data"]:
    if c.get("note") and get("/v2/notes/%d" % c["note"]["id"])["data"]["content"] == text:
        n += 1
print(n)
PY
}
lane_number() { ui_screen | grep -E "^ $1 " | grep -oE '\+[0-9]{6,}' | head -1; }
lanes_ringing() { [ "$(ui_screen | grep -cE '^ L[1-3] ringing ')" = 3 ]; }
attempt_of() { # attempt_of NUMBER COLUMN: a column of the number's last attempt
	sqlite3 "$db" "SELECT $2 FROM dial_attempts WHERE number = '$1' ORDER BY id DESC LIMIT 1"
}
record() { # record KEY: "state attempts" of the outbox record KEY
	sqlite3 "$db" "SELECT state || ' ' || attempts FROM outbox WHERE dedupe_key = '$1'"
}
# The record was tried and did not land: queued again, or `sending` while the sender looks
# whether the POST it lost the answer to landed (it cannot know while the API is down).
held_back() {
	local r
	r=$(record "$1")
	case ${r%% *} in queued | sending) ;; *) return 1 ;; esac
	[ "${r##* }" -ge 1 ]
}
is_sent() { [ "$(record "$1" | cut -d' ' -f1)" = sent ]; }

# The sender tries again every 0.2 to 1 s, so the record lands soon after the API is back.
ui_start 100 30 LOFTDIAL_TEST_NOW=$now_s LOFTDIAL_TEST_OUTBOX_BACKOFF_MS=200,1000 "$bin"
must "home" ui_wait "loftdial | Home" 20
ui_keys :
ui_text session
ui_keys Enter
must "the session screen opens" ui_wait "No list to dial"
ui_keys /
ui_text "cadence 1200"
ui_keys Enter
must "ready to dial" ui_wait "Space starts" 30
ui_keys Space
must "three lanes ringing" ui_until 30 lanes_ringing
number=$(lane_number L1)
must "L1's number answers" test "$(release "$number")" = 200
must "L1 connected" ui_wait " L1 connected " 20
ui_keys x
must "hung up: the picker opens" ui_wait "loftdial | Disposition" 20
person=$(attempt_of "$number" person_id)
action=$(attempt_of "$number" action_id)
before=$(calls_of "$person")
must "the call's person and action are known ($person, $action, $before calls)" \
	test -n "$person" -a -n "$action" -a -n "$before"
ui_keys 1
check "a disposition picked" ui_wait ">1" 5
ui_keys 2
check "a sentiment picked" ui_wait ">2" 5
note="Сеть упала, перезвонить; ネットワーク障害"
ui_text "$note"
check "the note is typed" ui_wait "$note" 5

# The API goes down right before C-n.
must "the API is down" test "$(faults POST '{"drop":100}')" = 200
ui_keys C-n
check "C-n goes back to the session" ui_wait "loftdial | Session" 10
check "the session goes on: three lanes ring again" ui_until 30 lanes_ringing
check "the record is held in the outbox, tried" ui_until 20 held_back "action:$action"
check "the status line says the log waits in the outbox" ui_wait "waits in the outbox" 10
ui_keys '?'
check "help opens while the API is down" ui_wait "Keys on Session" 5
ui_keys q
check "help closes" ui_wait "loftdial | Session" 5
ui_keys H
check "Home opens beside the session" ui_wait "loftdial | Home" 5
# Pending or sending: a record whose POST lost its answer is `sending` while it is looked at.
pending() { ui_screen | grep -qE '^ Outbox +([1-9][0-9]* pending|[0-9]+ pending, [1-9][0-9]* sending)'; }
check "Home counts the record not sent" ui_until 10 pending
ui_screen | grep -E '^ Outbox ' | sed 's/^/# /'
check "the record is still held" held_back "action:$action"
echo "# record while down: $(record "action:$action")"

# The API is back: the record lands, once.
check "the API is back" test "$(faults DELETE)" = 200
check "the record is sent" ui_until 30 is_sent "action:$action"
check "the status line says it landed" ui_wait "held back reached Salesloft" 10
check "one new call for the person in the sandbox" calls_are "$person" $((before + 1))
check "the note is intact, once" test "$(notes_of "$person" "$note")" = 1
check "the action is completed (404)" test "$(curl -s -o /dev/null -w '%{http_code}' \
	"${auth[@]}" "$api/v2/actions/$action")" = 404
check "one record for the call" test "$(sqlite3 "$db" \
	"SELECT count(*) FROM outbox WHERE dedupe_key = 'action:$action'")" = 1
ui_keys Q
ui_wait_gone "loftdial | " 20
check "after the TUI quit: still one call for the person" calls_are "$person" $((before + 1))
ui_stop
ui_done
