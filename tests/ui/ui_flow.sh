#!/usr/bin/env bash
# The whole flow from `loftdial demo`, as a newcomer walks it, against the demo's own sandbox,
# its simulated phones and real baresip: the sync on Home, the Lists screen, a cadence started
# on 3 lines, a person answering (the other two legs cancelled, the lanes say so), hang up,
# the disposition picker opening by itself, a disposition, a sentiment and a note in Cyrillic
# and CJK, C-n (log and next); then the demo's sandbox, over HTTP, holds exactly one new call
# for that person, with the note intact, and the cadence moved on (the action completed, the
# membership on its next action). The same for the call-task list: the task completed, once.
# The demo's folder is found in TMPDIR; its config names the sandbox, and `loftdial api` with
# the demo's LOFTDIAL_HOME reads it with the demo's own key.
. "$(dirname "$0")/uilib.sh"
ui_init
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
unset LOFTDIAL_API_URL LOFTDIAL_ACCOUNTS_URL LOFTDIAL_API_KEY

# must NAME CMD...: a check the rest depends on; when it fails the screen is shown and the test
# ends there instead of waiting out every later deadline.
must() {
	local before=$fails
	check "$@"
	[ "$fails" = "$before" ] && return 0
	ui_screen | sed 's/^/# /'
	ui_done
}

# The gates' clock is pinned to 17:00 UTC today, when the org's people in the Americas and
# Europe are within their calling hours, so the lists have people to dial at any hour a test
# runs (the sandbox's own clock, which says what is due, runs free).
now_s=$(date -u -d "$(date -u +%Y-%m-%d)T17:00:00Z" +%s)

rm -f "$work/rc"
t0=$(date +%s)
ui_start 100 30 sh -c "'LOFTDIAL_TEST_NOW=$now_s $bin demo --people 300; echo \$? >$work/rc; sleep 600'"
must "the demo opens Home with the sync running" ui_wait "loftdial | Home" 30
must "the sync ends and the Lists screen opens" ui_wait "Due now, read at" 60
demo_dir() { ls -d "$TMPDIR"/loftdial-demo.* 2>/dev/null | head -n1; }
home=$(demo_dir)/home
api=$(sed -n 's/^salesloft\.api_url //p' "$home/config")
db=$home/loftdial.db
must "the demo's sandbox is found" test -n "$api"

# get PATH: a GET against the demo's sandbox with the demo's key (JSON on stdout).
get() { LOFTDIAL_HOME=$home "$bin" api GET "$1" --compact 2>/dev/null; }
# calls_of PERSON: how many calls the sandbox holds for a person.
calls_of() {
	get "/v2/activities/calls?person_id=$1&per_page=100" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))'
}
calls_are() { [ "$(calls_of "$1")" = "$2" ]; }
# notes_of PERSON TEXT: how many of the person's calls carry a note whose text is TEXT.
notes_of() {
	python3 - "$bin" "$home" "$1" "$2" <<'PY'
import json, os, subprocess, sys
bin_, home, person, text = sys.argv[1:]
env = dict(os.environ, LOFTDIAL_HOME=home)
def get(path):
    out = subprocess.run([bin_, "api", "GET", path, "--compact"], env=env,
                         capture_output=True, check=True).stdout
    return json.loads(out)
n = 0
for c in get("/v2/activities/calls?person_id=%s&per_page=100" % person)["data"]:
    if c.get("note") and get("/v2/notes/%d" % c["note"]["id"])["data"]["content"] == text:
        n += 1
print(n)
PY
}
echo "# demo on the lists after $(($(date +%s) - t0)) s"
must "every number of the demo held" ui_hold_all "$db"
echo "# numbers held after $(($(date +%s) - t0)) s"
release() { curl -s -o /dev/null -w '%{http_code}' -X POST "$api/_sandbox/phones/release" \
	-d "{\"numbers\":[\"$1\"],\"gap_ms\":0}"; }
lane_number() { ui_screen | grep -E "^ $1 " | grep -oE '\+[0-9]{6,}' | head -1; }
lanes_ringing() { [ "$(ui_screen | grep -cE '^ L[1-3] ringing ')" = 3 ]; }
cancelled_lanes() {
	[ "$(ui_screen | grep -cE '^ L[1-3] idle .*cancelled: another line')" = 2 ]
}
# attempt_of NUMBER COLUMN: a column of the number's last attempt in the demo's store.
attempt_of() {
	sqlite3 "$db" "SELECT $2 FROM dial_attempts WHERE number = '$1' ORDER BY id DESC LIMIT 1"
}
# open_list FILTER: the Lists screen filtered to one row, Enter starts a session on it.
open_list() {
	ui_keys /
	ui_text "$1"
	ui_wait "lists match '$1'" 5 || return 1
	ui_keys Enter Enter
	ui_wait "loftdial | Session" 10 && ui_wait "Space starts" 30
}
# answer_and_log LANE DISP SENT NOTE: LANE's number answers, the other legs are cancelled,
# x hangs up, the picker opens by itself, DISP and SENT are picked, NOTE typed, C-n logs.
# Sets number, person.
answer_and_log() {
	local lane=$1
	ui_keys Space
	must "$tag: three lanes ringing" ui_until 30 lanes_ringing
	number=$(lane_number "$lane")
	check "$tag: $lane's number answers" test "$(release "$number")" = 200
	must "$tag: $lane connected" ui_wait " $lane connected " 20
	f=$fails
	check "$tag: the other legs cancelled, the lanes say so" ui_until 20 cancelled_lanes
	if [ "$fails" != "$f" ]; then
		ui_screen | sed 's/^/# /'
		sqlite3 "$db" "SELECT line, number, outcome, reason FROM dial_attempts" | sed 's/^/# /'
	fi
	ui_keys x
	must "$tag: hung up: the picker opens" ui_wait "loftdial | Disposition" 20
	check "$tag: on the call just ended" ui_wait "$number" 5
	# The attempt is in the store once it ended; the call is not logged before C-n.
	person=$(attempt_of "$number" person_id)
	before=$(calls_of "$person")
	check "$tag: the person called is known ($person, $before calls)" \
		test -n "$person" -a -n "$before"
	ui_keys "$2"
	check "$tag: a disposition picked" ui_wait ">$2" 5
	ui_keys "$3"
	check "$tag: a sentiment picked" ui_wait ">$3" 5
	check "$tag: the notes have the keys" ui_wait "C-n log" 5
	ui_text "$4"
	check "$tag: the note is typed" ui_wait "$4" 5
	ui_keys C-n
	check "$tag: C-n logs and goes back to the session" ui_wait "loftdial | Session" 10
	check "$tag: dialling goes on" ui_until 30 lanes_ringing
}
# end_session: q, q again (calls are live), back on the Lists screen, read again.
end_session() {
	ui_keys q
	ui_wait "q again hangs up" 10 && ui_keys q
	ui_wait "loftdial | Lists" 20 || return 1
	ui_keys r
	ui_wait "Due now, read at" 20
}

# --- A cadence.
tag=cadence
must "$tag: opens" open_list "Inbound Demo"
note1="Перезвонить в четверг; 会議は木曜日に"
answer_and_log L2 7 4 "$note1"
action=$(attempt_of "$number" action_id)
check "$tag: the call was on a cadence action" test -n "$action"
check "$tag: one new call for the person in the sandbox" ui_until 30 calls_are "$person" $((before + 1))
check "$tag: the note is intact, once" test "$(notes_of "$person" "$note1")" = 1
check "$tag: the action is completed (404)" \
	test "$(LOFTDIAL_HOME=$home "$bin" api GET "/v2/actions/$action" >/dev/null 2>&1; echo $?)" != 0
membership() {
	get "/v2/cadence_memberships?person_id=$person&per_page=100" | python3 -c '
import json, sys
for m in json.load(sys.stdin)["data"]:
    if m["latest_action"] and m["counts"]["calls"] >= 1 and m["latest_action"]["id"] != int(sys.argv[1]):
        print("moved on to action", m["latest_action"]["id"], "calls", m["counts"]["calls"])
        break' "$action"
}
moved=$(membership)
echo "# cadence: person $person, action $action: $moved"
check "$tag: the membership moved on to its next action" test -n "$moved"
check "$tag: one record in the outbox, sent" test "$(sqlite3 "$db" \
	"SELECT count(*) || ' ' || min(state) FROM outbox WHERE dedupe_key = 'action:$action'")" = "1 sent"
check "$tag: the session ends" end_session

echo "# cadence done after $(($(date +%s) - t0)) s"

# --- The call tasks: overdue.
tag=tasks
must "$tag: opens" open_list "overdue"
note2="Задача выполнена, 任务完成"
answer_and_log L1 1 1 "$note2"
task=$(attempt_of "$number" task_id)
check "$tag: the call was on a task" test -n "$task"
check "$tag: one new call for the person in the sandbox" ui_until 30 calls_are "$person" $((before + 1))
check "$tag: the note is intact, once" test "$(notes_of "$person" "$note2")" = 1
state=$(get "/v2/tasks/$task" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["current_state"])')
check "$tag: the task is completed in the sandbox" test "$state" = completed
check "$tag: one record in the outbox, sent" test "$(sqlite3 "$db" \
	"SELECT count(*) || ' ' || min(state) FROM outbox WHERE dedupe_key = 'task:$task'")" = "1 sent"
check "$tag: the session ends" end_session
check "$tag: still one call for the person" calls_are "$person" $((before + 1))

# Home's sync console: the sync that ran at start-up is over, every object synced.
ui_keys 1
check "Home: the people synced" ui_wait "people                     300        0" 10
synced_ok() { [ "$(ui_screen | grep -cE '^ [a-z_]+ +[0-9]+ +[0-9]+ +[0-9-]+ [0-9:]+ +ok$')" -ge 8 ]; }
check "Home: every object's last run ok" ui_until 10 synced_ok
check "Home: nothing left in the outbox" ui_wait "Outbox      0 pending, 0 sending, 0 failed" 10
rc_is() { [ "$(cat "$work/rc" 2>/dev/null)" = "$1" ]; }
ui_keys Q
check "Q quits the demo with status 0" ui_until 30 rc_is 0
check "the demo's folder is removed" test -z "$(demo_dir)"
ui_stop
ui_done
