#!/usr/bin/env bash
# The due counts leave out the people dialling skips: with call records waiting in the outbox
# (failed, queued) for people due in cadence 1200, `loftdial lists` (text and --json) and the
# Lists screen (80x24 and 120x40) count those people's work as waiting, not due, with the same
# figures (the sandbox's own count, paged with a person filter, says how much); a record
# already sent counts for nothing; once the waiting records are gone the Waiting column goes
# too.
. "$(dirname "$0")/uilib.sh"
ui_init
key=ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 300 --rate-limit 0
"$bin" connect --api-key "$key" >/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync --quiet >/dev/null 2>&1
check "synced" test $? -eq 0

# Two people due in cadence 1200 get a call record waiting in the outbox (one failed, one
# queued far in the future, so no sender takes it meanwhile); a third, sent, changes nothing.
# Prints the total due in the cadence and how much of it is those two people's.
python3 - "$LOFTDIAL_HOME/loftdial.db" "$api" "$key" >"$work/expect" <<'PY'
import datetime, json, sqlite3, sys, urllib.parse, urllib.request
db, api, key = sys.argv[1:4]
def get(path):
    req = urllib.request.Request(api + path, headers={"Authorization": "Bearer " + key})
    return json.load(urllib.request.urlopen(req))
guid = get("/v2/me")["data"]["guid"]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
base = ("/v2/actions?cadence_id=1200&type=phone&user_guid=%s&due_on%%5Blte%%5D=%s&per_page=100"
        % (guid, urllib.parse.quote(now)))
acts = get(base)["data"]
people = [a["person"]["id"] for a in acts[:3]]
c = sqlite3.connect(db)
for i, (a, state, nxt) in enumerate(zip(acts[:3], ["failed", "queued", "sent"],
                                       [0, 4102444800000, 0])):
    body = json.dumps({"person_id": a["person"]["id"], "action_id": a["id"], "to": "+15550100"})
    c.execute("INSERT INTO outbox (kind, dedupe_key, body, state, attempts, next_at, created_at, "
              "updated_at) VALUES ('call', ?, ?, ?, 1, ?, 0, 0)",
              ("action:%d" % a["id"], body, state, nxt))
c.commit()
waiting = len(get(base + "".join("&person_id%%5B%%5D=%d" % p for p in people[:2]))["data"])
print(len(acts), waiting)
PY
check "records put in the outbox" test $? -eq 0
read -r sl_total waiting <"$work/expect"
due=$((sl_total - waiting))
echo "# cadence 1200: $sl_total due in Salesloft, $waiting of them waiting in the outbox"
check "two people wait" test "$waiting" = 2

"$bin" lists >"$work/lists.txt" 2>"$work/lists.err"
check "loftdial lists: exit 0" test $? -eq 0
check "loftdial lists: the cadence's due and waiting" \
	grep -qE "^cadence 1200 .*: $due due, $waiting waiting in the outbox \(" "$work/lists.txt"
check "loftdial lists: the total says why" grep -q "^total: .* waiting in the outbox (not dialled" \
	"$work/lists.txt"
"$bin" lists --json >"$work/lists.json" 2>>"$work/lists.err"
check "loftdial lists --json: exit 0" test $? -eq 0
json_ok() {
	python3 - "$work/lists.json" "$due" "$waiting" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
c = [c for c in o["cadences"] if c["id"] == 1200][0]
sys.exit(0 if (c["due"], c["waiting"]) == (int(sys.argv[2]), int(sys.argv[3])) else 1)
PY
}
check "loftdial lists --json: the same figures" json_ok

# The Lists screen: the cadence's row with the same figures.
row_ok() { ui_screen | grep -E "^ +Inbound Demo Requests +$due +$waiting +[0-9]+ *$" >/dev/null; }
for size in 80x24 120x40; do
	ui_start "${size%x*}" "${size#*x}" "$bin"
	check "$size: home" ui_wait "loftdial | Home" 20
	ui_keys D
	check "$size: the lists are read" ui_wait "Due now, read at" 20
	check "$size: the head line says how much waits" \
		ui_wait "more waiting in the outbox (not dialled)" 5
	check "$size: a Waiting column" ui_wait "Waiting" 5
	check "$size: the cadence's row: due and waiting as loftdial lists says" row_ok
	ui_stop
done

# Sent (or dropped) records wait no more: the figures are the whole again.
sqlite3_py() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$@"; }
sqlite3_py "$LOFTDIAL_HOME/loftdial.db" "DELETE FROM outbox WHERE state != 'sent'"
"$bin" lists >"$work/lists2.txt" 2>&1
check "after the outbox: the cadence's whole count is due" \
	grep -qE "^cadence 1200 .*: $sl_total due \(" "$work/lists2.txt"
ui_start 80 24 "$bin"
check "after the outbox: home" ui_wait "loftdial | Home" 20
ui_keys D
check "after the outbox: the lists are read" ui_wait "Due now, read at" 20
check "after the outbox: no Waiting column" sh -c '! tmux -L "$0" capture-pane -p | grep -q Waiting' "$sock"
ui_stop
ui_done
