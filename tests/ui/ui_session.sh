#!/usr/bin/env bash
# The dial session screen against the real sandbox, its simulated phones and real baresip
# engines: a cadence opened on 3 lines, every number held ringing (ring=held) so the frames
# are the same on every run, golden captures while the three lanes ring (80x24, 120x40), one
# person released: the lane shows the call connected and the other two lanes cancelled, the
# call hung up, the disposition picker opening by itself, the call logged from it; the rep ending the session with calls live (q asks
# first), SIGTERM mid-call and the rep quitting the program (Q, twice) with a call connected:
# every attempt closed, the engines' baresip processes gone, the terminal's modes the same as
# before; the logged call in the sandbox exactly once.
# The clocks are pinned (sandbox --now, LOFTDIAL_TEST_NOW) so local times hold.
# LOFTDIAL_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
. "$(dirname "$0")/uilib.sh"
ui_init

now_iso=2026-01-15T17:00:00Z
now_s=$(date -u -d "$now_iso" +%s)

# Engine ports reserved while the test runs, the sandbox, a home connected and synced, every
# number held ringing (uilib.sh).
ui_session_setup check aubridge,nosrc "log.level debug"

held() { curl -s "$api/_sandbox/phones" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["held"])'; }
held_is() { [ "$(held)" = "$1" ]; }
release() { curl -s -o /dev/null -w '%{http_code}' -X POST "$api/_sandbox/phones/release" \
	-d "{\"numbers\":[\"$1\"],\"gap_ms\":0}"; }
# The number on a lane (L1, L2...) as the screen shows it.
lane_number() { ui_screen | grep -E "^ $1 " | grep -oE '\+[0-9]{6,}' | head -1; }
lanes_ringing() { [ "$(ui_screen | grep -cE '^ L[1-3] ringing ')" = 3 ]; }
cancelled_lanes() { [ "$(ui_screen | grep -cE '^ L[1-3] idle .*cancelled')" -ge "$1" ]; }
# The lanes' elapsed times and the figures that follow the clock are normalised.
session_golden() {
	local name=$1 file="$src/tests/ui/golden/$1.screen"
	ui_screen | ui_normalise | sed -E -e '/^ L[1-9] /s/ [0-9]+:[0-9]{2} / <t> /' \
		>"$work/$name.screen"
	if [ "${LOFTDIAL_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$work/$name.screen" "$file"
		return 0
	fi
	diff -u "$file" "$work/$name.screen"
}
# The baresip pids this home's engines were started with (from the log).
engine_pids() { sed -n 's/.*started baresip, pid \([0-9]*\),.*/\1/p' "$LOFTDIAL_HOME/loftdial.log"; }
engines_gone() {
	local p
	for p in $(engine_pids); do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}
# Every attempt of the store's dial sessions ended, with an outcome.
attempts_closed() {
	python3 - "$LOFTDIAL_HOME/loftdial.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n, open_ = c.execute("SELECT count(*), sum(ended_at_ms IS NULL OR coalesce(outcome, '') = '') "
                     "FROM dial_attempts").fetchone()
print("# attempts %d, still open %d" % (n, open_ or 0))
sys.exit(0 if n > 0 and not open_ else 1)
PY
}

# run.sh: the pane's program; records the modes before and after and the exit status.
cat >"$work/run.sh" <<'RUN'
w=$1; shift
stty -g >"$w/before"
sh -c 'echo $$ >"$0"; exec "$@"' "$w/pid" "$@"
echo $? >"$w/rc"
stty -g >"$w/after"
echo RESTORED
exec sleep 600
RUN

# open_session W H DIR: the TUI in a pane of W x H, the session screen on cadence 1200.
open_session() {
	mkdir -p "$3"
	ui_start "$1" "$2" LOFTDIAL_TEST_NOW=$now_s bash "$work/run.sh" "$3" "$bin"
	ui_wait "loftdial | Home" 20 || return 1
	ui_keys :
	ui_text session
	ui_keys Enter
	ui_wait "No list to dial" || return 1
	ui_keys /
	ui_text "cadence 1200"
	ui_keys Enter
	ui_wait "waiting" 30
}

# --- 80x24: the golden, a person answers on L2, hang up, log; then the rep ends the session
# with calls live (q asks first) and quits.
check "80x24: the session opens on the cadence" open_session 80 24 "$work/t80"
check "80x24: ready to dial" ui_wait "Space starts"
ui_keys Space
check "80x24: three lanes ringing" ui_until 30 lanes_ringing
check "80x24: the sandbox holds three calls" ui_until 10 held_is 3
check "80x24: golden" session_golden session_ringing_80x24
logged=$(lane_number L2)
check "80x24: L2's number released" test "$(release "$logged")" = 200
check "80x24: L2 connected" ui_wait " L2 connected " 20
check "80x24: the other legs cancelled" ui_until 20 cancelled_lanes 2
check "80x24: the card of the person on the line" ui_wait "Dialling   $logged"
ui_keys x
# The picker opens by itself when the connected call ends: no key is pressed.
check "80x24: hung up: the disposition picker opens at once" \
	ui_wait "loftdial | Disposition" 20
check "80x24: the picker is on the call just ended" ui_wait "$logged" 5
ui_keys Tab Tab
ui_text "перезвонить во вторник"
check "80x24: the note in Cyrillic is typed" ui_wait "перезвонить во вторник" 5
ui_keys C-n
check "80x24: C-n logs it and goes back to the session" ui_wait "loftdial | Session" 10
check "80x24: dialling goes on" ui_until 30 lanes_ringing
ui_keys q
check "80x24: q with calls live asks first" ui_wait "q again hangs up"
ui_keys q
check "80x24: the second q ends the session" ui_wait "loftdial | Home" 20
check "80x24: every attempt closed" ui_until 20 attempts_closed
check "80x24: the engines' baresip processes are gone" ui_until 20 engines_gone
ui_keys Q
check "80x24: quits" ui_until 20 test -s "$work/t80/after"
check "80x24: exit status 0" test "$(cat "$work/t80/rc")" = 0
check "80x24: stty -g equal before and after" cmp -s "$work/t80/before" "$work/t80/after"
ui_stop

note_logged() {
	python3 - "$LOFTDIAL_HOME/loftdial.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n = c.execute("SELECT count(*) FROM outbox WHERE kind = 'call' AND "
              "json_extract(body, '$.notes') = 'перезвонить во вторник'").fetchone()[0]
sys.exit(0 if n == 1 else 1)
PY
}
check "the call's record has the note, once" note_logged

# The TUI sends the outbox itself; what it had no time for before Q is sent now, so the next
# list is the same on every run (without the call logged above, its action completed).
"$bin" outbox flush >/dev/null 2>&1
check "outbox flushed" test $? -eq 0

# --- 120x40 (the list without the call logged above): the golden while
# three lines ring, then SIGTERM with a call connected.
check "120x40: the session opens on the cadence" open_session 120 40 "$work/t120"
check "120x40: ready to dial" ui_wait "Space starts"
ui_keys Space
check "120x40: three lanes ringing" ui_until 30 lanes_ringing
check "120x40: the sandbox holds three calls" ui_until 10 held_is 3
check "120x40: golden" session_golden session_ringing_120x40
num=$(lane_number L1)
check "120x40: L1's number released" test "$(release "$num")" = 200
check "120x40: L1 connected" ui_wait " L1 connected " 20
check "120x40: the other legs cancelled" ui_until 20 cancelled_lanes 2
kill -TERM "$(cat "$work/t120/pid")"
check "120x40: SIGTERM mid-call ends loftdial" ui_until 20 test -s "$work/t120/after"
check "120x40: exit status 143" test "$(cat "$work/t120/rc")" = 143
check "120x40: stty -g equal before and after" cmp -s "$work/t120/before" "$work/t120/after"
check "120x40: every attempt closed" attempts_closed
check "120x40: the engines' baresip processes are gone" ui_until 10 engines_gone
check "120x40: the log says the lines were hung up" \
	grep -q "dial session ending: hanging up" "$LOFTDIAL_HOME/loftdial.log"
ui_stop

# --- 80x24, the rep quits the program (Q) with a call connected: Q asks first, the second Q
# hangs up every line and quits.
check "quit mid-call: the session opens" open_session 80 24 "$work/tq"
check "quit mid-call: ready to dial" ui_wait "Space starts"
ui_keys Space
check "quit mid-call: three lanes ringing" ui_until 30 lanes_ringing
num=$(lane_number L3)
check "quit mid-call: L3's number released" test "$(release "$num")" = 200
check "quit mid-call: L3 connected" ui_wait " L3 connected " 20
ui_keys Q
check "quit mid-call: Q with a call connected asks first" ui_wait "Q again hangs up and quits"
check "quit mid-call: still running, the call still up" ui_wait " L3 connected " 5
ui_keys Q
check "quit mid-call: the second Q quits" ui_until 20 test -s "$work/tq/after"
check "quit mid-call: exit status 0" test "$(cat "$work/tq/rc")" = 0
check "quit mid-call: stty -g equal before and after" cmp -s "$work/tq/before" "$work/tq/after"
check "quit mid-call: every attempt closed" attempts_closed
check "quit mid-call: the engines' baresip processes are gone" ui_until 10 engines_gone
ui_stop

# The logged call reaches the sandbox once.
person=$(python3 - "$LOFTDIAL_HOME/loftdial.db" "$logged" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
r = c.execute("SELECT person_id FROM dial_attempts WHERE number = ? AND outcome = 'connected' "
              "ORDER BY id DESC LIMIT 1", (sys.argv[2],)).fetchone()
print(r[0] if r else "")
PY
)
calls=$(curl -s -H "Authorization: Bearer ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"$api/v2/activities/calls?person_id=$person&per_page=100" | python3 -c 'import json,sys
print(len(json.load(sys.stdin)["data"]))')
echo "# person $person ($logged): $calls call(s) in the sandbox"
check "the call is in the sandbox exactly once" test "$calls" = 1
ui_done
