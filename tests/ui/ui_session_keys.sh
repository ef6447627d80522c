#!/usr/bin/env bash
# The dial session's keys, each checked on the screen and on what really happened, against
# the real sandbox, its simulated phones and real baresip engines (every number held ringing,
# ring=held, so a call is answered when the test says): the line count (- and + within 1 to
# dial.lines, the header follows, the bound says so); preview mode (p: the header says
# preview, the card shows the next prospect, s skips that one, d dials it and only it, the
# Dials figure counts the INVITE as it goes out); on the connected call: mute (the lane says
# "connected, muted", the phone hears silence instead of the rep's sine, then the sine again),
# hold (the lane says "on hold", the phone saw the hold re-INVITE, then the resume) and DTMF
# (the digits typed reach the phone as RFC 4733 events); redial (r dials the
# same number again, a second call in the sandbox, counted once more; d then goes on with the
# next prospect, not that number); voicemail drop (a machine answers, v leaves the recorded
# message after its beep: the phone heard it, no picker, the attempt is a voicemail logged with
# the voicemail disposition); back to parallel (p: three lanes ring; - leaves a ringing
# lane ringing); q q ends the session with every attempt closed.
. "$(dirname "$0")/uilib.sh"
ui_init

now_iso=2026-01-15T17:00:00Z
now_s=$(date -u -d "$now_iso" +%s)

# The rep's "microphone": a 440 Hz sine long enough for the whole test (8 kHz, as G.711 needs;
# baresip's ausine runs at 48 kHz only).
python3 - "$work/sine.wav" "$work/vm.wav" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1)
w.setsampwidth(2)
w.setframerate(8000)
one = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
              for i in range(8000))
w.writeframes(one * 240)
w.close()
# The recorded voicemail: 2 s of 660 Hz, told apart from the rep's 440 Hz in what the phone got.
w = wave.open(sys.argv[2], "wb")
w.setnchannels(1)
w.setsampwidth(2)
w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 660 * i / 8000)))
                       for i in range(16000)))
w.close()
PY
# Engine ports reserved while the test runs, the sandbox, a home connected and synced, every
# number held ringing (uilib.sh).
ui_session_setup check "aufile,$work/sine.wav" "dial.voicemail_file $work/vm.wav" \
	"log.level debug"

# behave DIGITS SPEC: the number's simulated phone answers the next calls so.
behave() {
	curl -s -o /dev/null -w '%{http_code}' -X PUT "$api/_sandbox/phones/+${1#+}" \
		-d "{\"behaviour\":\"$2\"}"
}

held() { curl -s "$api/_sandbox/phones" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["held"])'; }
held_is() { [ "$(held)" = "$1" ]; }
release() { curl -s -o /dev/null -w '%{http_code}' -X POST "$api/_sandbox/phones/release" \
	-d "{\"numbers\":[\"$1\"],\"gap_ms\":0}"; }
# The answered calls the sandbox kept for a number.
calls_to() {
	curl -s "$api/_sandbox/phones/calls?number=$1" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["calls"]))'
}
calls_to_is() { [ "$(calls_to "$1")" = "$2" ]; }
# The number on a lane (L1, L2...) and the one the card dials (preview: the next).
lane_number() { ui_screen | grep -E "^ $1 " | grep -oE '\+[0-9]{6,}' | head -1; }
card_number() { ui_screen | sed -n 's/^ Dialling   \(+[0-9]*\) .*/\1/p' | head -1; }
card_is() { [ "$(card_number)" = "$1" ]; }
card_not() { local n; n=$(card_number); [ -n "$n" ] && [ "$n" != "$1" ]; }
lane_is() { ui_screen | grep -qE "^ $1 $2 .*\\$3"; }
lanes_ringing() { [ "$(ui_screen | grep -cE '^ L[1-9] ringing ')" = "$1" ]; }
dials_are() { ui_screen | grep -qE "^ Dials $1 "; }
# The queue row of a number: its status column.
row_of() { ui_screen | grep -F -- "$1" | grep -vE '^ (L[1-9]|Dialling|Phones) ' | head -1; }
row_says() { row_of "$1" | grep -qF -- "$2"; }
# phone_call DIGITS KEY: a field of the newest call the sandbox kept for a number.
phone_call() {
	curl -s "$api/_sandbox/phones/calls?number=$1" |
		python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(json.dumps(c[-1][sys.argv[1]]) if c else "")' "$2"
}
phone_call_is() { [ "$(phone_call "$1" "$2")" = "$3" ]; }
# level DIGITS: the RMS of the last 300 ms the number's newest call heard from loftdial (the
# rep's source is a 440 Hz sine: loud unless muted).
level() {
	local id
	id=$(phone_call "$1" id)
	[ -n "$id" ] || return 1
	curl -s "$api/_sandbox/phones/calls/$id/audio" | python3 -c '
import io, math, struct, sys, wave
w = wave.open(io.BytesIO(sys.stdin.buffer.read()))
n = w.getnframes()
k = min(n, 2400)
w.setpos(n - k)
s = struct.unpack("<%dh" % k, w.readframes(k))
print(int(math.sqrt(sum(x * x for x in s) / k)) if k else 0)'
}
loud() { local l; l=$(level "$1") && [ "$l" -gt 1000 ]; }
quiet() { local l; l=$(level "$1") && [ "$l" -lt 100 ]; }
# message_heard DIGITS: the newest call to the number heard the recorded message (660 Hz) after
# its greeting and beep were over and none of it before (whenever v was pressed; the rep's 440 Hz
# may come before), at least 1.5 s of its 2 s, and nothing but silence after it. Judged in 100 ms
# frames so that a late hang-up (silence at the end) or one lost packet on a loaded machine is
# not mistaken for a message cut short.
message_heard() {
	local id g
	id=$(phone_call "$1" id)
	g=$(phone_call "$1" greeting_ms)
	[ -n "$id" ] && [ -n "$g" ] || return 1
	curl -s "$api/_sandbox/phones/calls/$id/audio" | python3 -c '
import io, math, struct, sys, wave
w = wave.open(io.BytesIO(sys.stdin.buffer.read()))
n = w.getnframes()
s = struct.unpack("<%dh" % n, w.readframes(n))
g = int(sys.argv[1]) * 8
F = 800
def share(x, hz):
    c = 2 * math.cos(2 * math.pi * hz / 8000)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + c * s1 - s2, s1
    total = sum(float(v) * v for v in x)
    return 2 * (s1 * s1 + s2 * s2 - c * s1 * s2) / (total * len(x)) if total else 0
def kind(x):
    if math.sqrt(sum(float(v) * v for v in x) / len(x)) < 100:
        return "."
    return "m" if share(x, 660) > 0.5 else "r" if share(x, 440) > 0.5 else "?"
if n < g + 16000:
    sys.exit(1)
before = "".join(kind(s[i:i + F]) for i in range(max(0, g - 16000), g - F + 1, F))
after = "".join(kind(s[i:i + F]) for i in range(g, n - F + 1, F))
first = after.find("m")
tail = after[first:].rstrip(".") if first >= 0 else ""
print("# 100 ms frames (m message, r rep, . silence): before the beep ended %s | after %s"
      % (before, after))
# The message may end mid-frame: one mixed frame may close it.
end = tail[:-1] if tail.endswith("?") else tail
ok = (first >= 0 and "m" not in before and after.count("m") >= 15 and "r" not in tail
      and end.endswith("m"))
sys.exit(0 if ok else 1)' "$g"
}
# outcome_of DIGITS: the outcome and reason of the store's last attempt to a number.
outcome_of() {
	python3 - "$LOFTDIAL_HOME/loftdial.db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
r = c.execute("SELECT outcome, reason FROM dial_attempts WHERE number = ? ORDER BY id DESC LIMIT 1",
              (sys.argv[2],)).fetchone()
print("%s: %s" % r if r else "")
PY
}
# vm_logged DIGITS: one call record for the number in the outbox, with the voicemail disposition.
vm_logged() {
	python3 - "$LOFTDIAL_HOME/loftdial.db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = c.execute("SELECT json_extract(body, '$.disposition') FROM outbox WHERE kind = 'call' AND "
                 "json_extract(body, '$.to') = ?", (sys.argv[2],)).fetchall()
print("# outbox records to %s: %s" % (sys.argv[2], rows))
sys.exit(0 if rows == [("Left Voicemail",)] else 1)
PY
}
# The store's attempts to a number.
attempts_to() {
	python3 - "$LOFTDIAL_HOME/loftdial.db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM dial_attempts WHERE number = ?", (sys.argv[2],)).fetchone()[0])
PY
}
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
engine_pids() { sed -n 's/.*started baresip, pid \([0-9]*\),.*/\1/p' "$LOFTDIAL_HOME/loftdial.log"; }
engines_gone() {
	local p
	for p in $(engine_pids); do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}
# hang_up_and_log: x on the connected call, the picker opens by itself, C-n logs it.
hang_up_and_log() {
	ui_keys x
	ui_wait "loftdial | Disposition" 20 || return 1
	ui_keys C-n
	ui_wait "loftdial | Session" 10
}

ui_start 120 40 LOFTDIAL_TEST_NOW=$now_s "$bin"
check "the TUI starts" ui_wait "loftdial | Home" 20
ui_keys :
ui_text session
ui_keys Enter
check "the session screen opens" ui_wait "No list to dial"
ui_keys /
ui_text "cadence 1200"
ui_keys Enter
check "the list is read" ui_wait "Space starts" 30

# --- the line count: 1 to dial.lines, the header follows.
check "the header: 3 lines, ready" ui_wait "  3 lines  ready"
ui_keys -
check "- : 2 lines" ui_wait "  2 lines  ready"
ui_keys -
check "- : 1 line" ui_wait "  1 line  ready"
ui_keys -
check "- at 1: still 1 line" ui_wait "  1 line  ready"
ui_keys + =
check "+ = : 3 lines" ui_wait "  3 lines  ready"
ui_keys +
check "+ at dial.lines: the bound is said" ui_wait "lines: 1 to 3"
check "+ at dial.lines: still 3 lines" ui_wait "  3 lines  ready"

# --- preview: one at a time, the next prospect's card first.
ui_keys p
check "p: the header says preview" ui_wait "  preview  ready"
ui_keys Space
check "Space: dialling in preview" ui_wait "  preview  dialing"
check "the card shows the next prospect" ui_until 10 card_not ""
first=$(card_number)
echo "# preview shows $first"
check "nothing is dialled before d" test "$(held)" = 0
ui_keys s
check "s skips the prospect shown" ui_until 10 row_says "$first" "skipped: skipped by rep"
check "the card moves to the next prospect" ui_until 10 card_not "$first"
second=$(card_number)
echo "# preview shows $second"
ui_keys d
check "d: L1 rings the number shown" ui_until 20 lane_is L1 ringing "$second"
check "d: one call in the sandbox, held" ui_until 10 held_is 1
check "Dials counts the INVITE at once (1)" ui_until 10 dials_are 1
check "the skipped prospect was not dialled" test "$(attempts_to "$first")" = 0
check "released: L1 connected" test "$(release "$second")" = 200
check "L1 connected" ui_wait " L1 connected " 20
check "the card is the person on the line" ui_until 10 card_is "$second"

# --- mute, hold and DTMF on the connected call: the lane says so and the phone hears it.
check "the phone hears the rep (the sine)" ui_until 20 loud "$second"
ui_keys m

check "m: the lane says muted" ui_wait " L1 connected, muted " 10
check "m: the phone hears silence" ui_until 20 quiet "$second"
ui_keys m
check "m again: the lane says connected" ui_wait " L1 connected " 10
check "m again: the phone hears the rep again" ui_until 20 loud "$second"
ui_keys h
check "h: the lane says on hold" ui_wait " L1 on hold " 10
check "h: the phone was put on hold (re-INVITE)" ui_until 20 phone_call_is "$second" on_hold true
ui_keys h
check "h again: the lane says connected" ui_wait " L1 connected " 10
check "h again: the phone is off hold" ui_until 20 phone_call_is "$second" on_hold false
check "h: one hold in all" phone_call_is "$second" holds 1
ui_text "12#"
check "digits: the phone got the DTMF 1 2 #" ui_until 20 phone_call_is "$second" dtmf '"12#"'

check "x, the picker, C-n: back to the session" hang_up_and_log
check "the call ended in the sandbox" ui_until 20 calls_to_is "$second" 1

# --- redial: the same number again, once more in the figures and the sandbox.
ui_keys r
check "r: L1 rings the same number" ui_until 20 lane_is L1 ringing "$second"
check "r: one call held in the sandbox" ui_until 10 held_is 1
check "Dials 2" ui_until 10 dials_are 2
check "released: L1 connected again" test "$(release "$second")" = 200
check "L1 connected again" ui_wait " L1 connected " 20
check "x, the picker, C-n: logged" hang_up_and_log
check "the sandbox had two calls to it" ui_until 20 calls_to_is "$second" 2
check "the store has two attempts to it" ui_until 10 test "$(attempts_to "$second")" = 2
check "the preview goes on to the next prospect" ui_until 10 card_not "$second"
third=$(card_number)
echo "# preview shows $third"

# --- voicemail drop: a machine answers (AMD off: the rep gets it), v leaves the recording after
# the beep and frees the rep (no picker); logged as a voicemail.
check "the next number answers as a machine" test "$(behave "$third" "voicemail ring=held greet=4s")" = 200
ui_keys d
check "d: L1 rings the next number, not the redialled one" ui_until 20 lane_is L1 ringing "$third"
check "Dials 3" ui_until 10 dials_are 3
check "no third call to the redialled number" test "$(attempts_to "$second")" = 2
check "released: L1 connected" test "$(release "$third")" = 200
check "L1 connected to the machine" ui_wait " L1 connected " 20
ui_keys v
check "v: the lane says voicemail drop" ui_wait " L1 voicemail drop " 10
check "the message played to its end: voicemail left" ui_wait "voicemail: voicemail left" 60
check "no picker: the rep stays on the session" ui_wait "loftdial | Session"
check "the phone heard the message after its greeting and beep" ui_until 10 message_heard "$third"
check "the attempt is a voicemail in the store" \
	test "$(outcome_of "$third")" = "voicemail: voicemail left"
check "the call is logged with the voicemail disposition, once" ui_until 10 vm_logged "$third"

# --- back to parallel: three lanes ring; fewer lines never end a live call.
ui_keys p
check "p: the header says 3 lines" ui_wait "  3 lines  dialing"
check "three lanes ring" ui_until 30 lanes_ringing 3
check "three calls held in the sandbox" ui_until 10 held_is 3
check "Dials 6" ui_until 10 dials_are 6
ui_keys -
check "- while three ring: 2 lines in the header" ui_wait "  2 lines  dialing"
check "- while three ring: L3 still rings" lanes_ringing 3
check "- while three ring: the sandbox still holds three" held_is 3

ui_keys q
check "q with calls live asks first" ui_wait "q again hangs up"
ui_keys q
check "the second q ends the session" ui_wait "loftdial | Home" 20
check "every attempt closed" ui_until 20 attempts_closed
check "the engines' baresip processes are gone" ui_until 20 engines_gone
ui_stop
ui_done
