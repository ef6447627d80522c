#!/usr/bin/env bash
# What the dial session screen tells the rep before the first dial, against the real sandbox,
# its simulated phones and a real baresip engine: the voicemail message in force in the
# header (dial.voicemail_file from config, then the cadence's own recording once there is one),
# its path drawn clean and cut from the left to fit 80 columns with the file name and where it
# comes from in sight; the call instructions of the prospect's cadence action (set in the
# sandbox: escape sequences, a bidi override, several lines, longer than the card) in the card
# at 80x24 (c) and in the card band at 120x40, drawn clean, wrapped and cut to the card.
. "$(dirname "$0")/uilib.sh"
ui_init

now_iso=2026-01-15T17:00:00Z
now_s=$(date -u -d "$now_iso" +%s)

check "a free engine port block" ui_engine_ports 1

export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
# A default message in a folder whose name is far wider than the screen (not ASCII either).
vmdir="$work/recordings for the spring campaign — Überweisung, 日本語の録音, and a long tail"
mkdir -p "$vmdir"
python3 - "$vmdir/vm-default.wav" <<'PY'
import sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1)
w.setsampwidth(2)
w.setframerate(8000)
w.writeframes(b"\0\0" * 8000)
w.close()
PY
check "sandbox started" sbx_up --people 300 --rate-limit 0 --sip 127.0.0.1:0 --now "$now_iso"
sip=$(sed -n 's/^phones ready sip=\([^ ]*\).*/\1/p' "$work/sbx.out")
cat >"$LOFTDIAL_HOME/config" <<CONF
sip.dialplan sip:{e164}@$sip
audio.source aubridge,nosrc
audio.player aubridge,noplay
engine.local_ip 127.0.0.1
engine.sip_port $port
engine.ctrl_port $((port + 100))
dial.lines 1
dial.amd off
dial.no_zone rep
dial.voicemail_file $vmdir/vm-default.wav
CONF
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync --quiet >/dev/null 2>&1
check "synced" test $? -eq 0

# Every due phone action of cadence 1200 gets the same hostile instructions, through its
# action_details reference (the sandbox's admin route), so whoever the card shows has them.
python3 - "$api" <<'PY'
import json, sys, urllib.request
api = sys.argv[1]
key = "ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
text = ("Ask for Jo\x1b]0;pwn\x07\x1b[2J first.\r\nThen the budget \u202e owner \x9b31m and "
        + " ".join("step%02d" % i for i in range(60)) + " END")
req = urllib.request.Request(api + "/v2/actions?cadence_id=1200&type=phone&per_page=100",
                             headers={"Authorization": "Bearer " + key})
for a in json.load(urllib.request.urlopen(req))["data"]:
    ref = a.get("action_details") or {}
    if ref.get("id"):
        put = urllib.request.Request(api + "/_sandbox/call_instructions/%d" % ref["id"],
                                     method="PUT",
                                     data=json.dumps({"instructions": text}).encode())
        urllib.request.urlopen(put).read()
PY
check "instructions set in the sandbox" test $? -eq 0
# instr_shown: the instructions' words, the bidi override and the C1 CSI shown as '?', the
# lines joined; instr_clean: none of their escape sequences (no "[2J", no "pwn" from the OSC
# title sequence, which would also have set the pane title).
instr_shown() { ui_screen | grep -qF "Ask for Jo first. Then the budget ? owner ?31m and step00"; }
instr_clean() {
	! ui_screen | grep -qE '\[2J|pwn' &&
		[ "$(tmux -L "$sock" display -p '#{pane_title}')" != pwn ]
}

# open_session W H: the TUI in a pane of W x H, the session screen on cadence 1200, ready.
open_session() {
	ui_start "$1" "$2" LOFTDIAL_TEST_NOW=$now_s "$bin"
	ui_wait "loftdial | Home" 20 || return 1
	ui_keys :
	ui_text session
	ui_keys Enter
	ui_wait "No list to dial" || return 1
	ui_keys /
	ui_text "cadence 1200"
	ui_keys Enter
	ui_wait "Space starts" 30
}
vm_row() { ui_screen | grep -E '^ Voicemail ' | head -1; }
# vm_row_is TEXT: the row, trailing blanks dropped, ends with TEXT and is one screen row.
vm_row_ends() { vm_row | sed -E 's/ +$//' | grep -qF -- "$1"; }
vm_row_fits() {
	local r
	r=$(vm_row | sed -E 's/ +$//')
	[ -n "$r" ] && [ "$(printf '%s' "$r" | wc -m)" -le "$1" ]
}

# --- 80x24: dial.voicemail_file, cut from the left.
check "80x24: the session opens on cadence 1200" open_session 80 24
check "80x24: the header names the voicemail file in force" \
	ui_until 5 vm_row_ends "vm-default.wav  (dial.voicemail_file)"
check "80x24: its long folder is cut from the left" ui_until 5 vm_row_ends " Voicemail ..."
check "80x24: the row fits in 80 columns" vm_row_fits 80
check "80x24: the row holds no raw bytes of the cut" sh -c '! tmux -L "$0" capture-pane -p |
	grep -E "^ Voicemail " | grep -q "$(printf "\357\277\275")"' "$sock"
ui_keys c
check "80x24: c opens the card with the call instructions" ui_wait "Instructions" 10
check "80x24: the instructions drawn clean" ui_until 5 instr_shown
check "80x24: none of their escapes reached the terminal" instr_clean
check "80x24: the long text is cut to the card (its end not shown)" \
	sh -c '! tmux -L "$0" capture-pane -p | grep -q END' "$sock"
check "80x24: q closes the card" sh -c 'tmux -L "$0" send-keys q' "$sock"
check "80x24: the session again" ui_wait "Space start" 5
ui_stop

# --- 120x40 after the cadence got its own recording: that one, said so.
mkdir -p "$LOFTDIAL_HOME/voicemail"
cp "$vmdir/vm-default.wav" "$LOFTDIAL_HOME/voicemail/cadence-1200.wav"
check "120x40: the session opens on cadence 1200" open_session 120 40
check "120x40: the header names the cadence's own recording" \
	ui_until 5 vm_row_ends " Voicemail $LOFTDIAL_HOME/voicemail/cadence-1200.wav  (the cadence's own)"
check "120x40: the card band shows the selected prospect's instructions" ui_until 5 instr_shown
check "120x40: drawn clean" instr_clean
ui_stop

# --- Without any message the row stays blank.
rm "$LOFTDIAL_HOME/voicemail/cadence-1200.wav"
sed -i '/^dial.voicemail_file /d' "$LOFTDIAL_HOME/config"
check "80x24 without a message: the session opens" open_session 80 24
check "80x24 without a message: no voicemail row" sh -c '! tmux -L "$0" capture-pane -p |
	grep -q "^ Voicemail "' "$sock"
ui_stop
ui_done
