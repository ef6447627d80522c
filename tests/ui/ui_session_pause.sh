#!/usr/bin/env bash
# The dial session's pause, the person's card and log-and-pause, and the figures when automatic
# line control lowered the line count, against the real sandbox, its simulated phones and real
# baresip (every number held ringing, ring=held). The store holds 20 answered calls of the
# cadence from yesterday, 4 of them live answers dropped (a 20% share against the 3% ceiling):
# the session opens on 1 line of the rep's 3 and says why in its figures, the other lanes are
# off. Space dials, Space pauses (the status says calls live go on) and the ringing call is
# still answered and connected; c opens the whole card of the person on the line, Esc closes
# it; the call hung up, C-p in the picker logs it and leaves the session paused with nothing
# ringing; Space dials again.
. "$(dirname "$0")/uilib.sh"
ui_init

now_iso=2026-01-15T17:00:00Z
now_s=$(date -u -d "$now_iso" +%s)

ui_session_setup check aubridge,nosrc

# Yesterday's calls of the cadence (the abandonment window reads the real clock).
python3 - "$db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
t = int(time.time() * 1000) - 86400000
for i in range(20):
    c.execute("INSERT INTO dial_attempts (session_id, line, number, started_at_ms, "
              "answered_at_ms, ended_at_ms, outcome, live_answer_dropped, campaign) "
              "VALUES ('earlier', 1, ?, ?, ?, ?, ?, ?, 'cadence:1200')",
              ("+1415555%04d" % i, t, t + 5000, t + 9000,
               "cancelled" if i < 4 else "connected", 1 if i < 4 else 0))
c.commit()
PY
check "yesterday's calls in the store" test $? -eq 0

held() { curl -s "$api/_sandbox/phones" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["held"])'; }
held_is() { [ "$(held)" = "$1" ]; }
invites() { curl -s "$api/_sandbox/phones" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["invites"])'; }
invites_above() { [ "$(invites)" -gt "$1" ]; }
release() { curl -s -o /dev/null -w '%{http_code}' -X POST "$api/_sandbox/phones/release" \
	-d "{\"numbers\":[\"$1\"],\"gap_ms\":0}"; }
lane_number() { ui_screen | grep -E "^ $1 " | grep -oE '\+[0-9]{6,}' | head -1; }

ui_start 120 40 LOFTDIAL_TEST_NOW=$now_s "$bin"
check "Home" ui_wait "loftdial | Home" 20
ui_keys :
ui_text session
ui_keys Enter
check "the session screen" ui_wait "No list to dial"
ui_keys /
ui_text "cadence 1200"
ui_keys Enter
check "ready to dial" ui_wait "Space starts" 30
check "the figures: 1 line, lowered from 3 by abandonment" \
	ui_wait "Lines 1 (lowered from 3: abandonment)" 10
check "the figures: the share against its ceiling" ui_wait "Abandon 20.0% of 3%" 5
check "the lanes above the count in force are off" ui_wait " L3 off (fewer lines in force)" 5
ui_keys Space
check "Space dials: L1 rings" ui_wait " L1 ringing " 30
check "the sandbox holds one call" ui_until 10 held_is 1
ui_keys Space
check "Space pauses: calls live go on" ui_wait "paused: calls live go on" 10
check "the header says paused" ui_wait "1 line  paused" 5
num=$(lane_number L1)
check "L1's number released while paused" test "$(release "$num")" = 200
check "the call live at the pause is connected" ui_wait " L1 connected " 20
ui_keys c
check "c: the whole card of the person on the line" ui_wait "q or Esc goes back to the session" 10
check "the card shows the number dialled" ui_wait "Dialling   $num" 5
ui_keys Escape
check "Esc: back to the lanes" ui_wait " L1 connected " 10
calls=$(invites)
ui_keys x
check "hung up: the picker opens" ui_wait "loftdial | Disposition" 20
ui_keys C-p
check "C-p logs and goes back to the session" ui_wait "loftdial | Session" 10
check "C-p: the session stays paused" ui_wait "1 line  paused" 10
check "C-p: nothing rings" held_is 0
check "C-p: no INVITE since the hang-up" test "$(invites)" = "$calls"
ui_keys Space
check "Space dials again" ui_wait "1 line  dialing" 10
check "a new call goes out" ui_until 20 invites_above "$calls"
ui_keys q
ui_wait "q again" 5 && ui_keys q
check "the session ends" ui_wait "loftdial | Home" 20
ui_keys Q
ui_stop
ui_done
