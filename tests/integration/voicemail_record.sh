#!/usr/bin/env bash
# `loftdial voicemail record` from the outside: --from converts any audio sox reads to the
# engine's format (8 kHz mono 16-bit WAV); mistakes are refused with a clear message and
# nothing written; without --from the "headset" (audio.source, here baresip's aufile playing a
# tone signature) is recorded through real baresip engines, and what was recorded holds the
# signature; --seconds caps it and Enter ends it; no engine is left running.
set -u
bin=${LOFTDIAL_BIN:?}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export LOFTDIAL_HOME=$home
fails=0
total=0
check() { # check NAME CONDITION...
	local name=$1; shift
	total=$((total + 1))
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}
# soxi field of a file ("r" rate, "c" channels, "b" bits, "D" seconds).
info() { soxi -"$1" "$2" 2>/dev/null; }
# The share of a segment's energy at a frequency (Goertzel), printed with two decimals.
share() { # share FILE FROM_S LEN_S HZ
	python3 - "$@" <<'EOF'
import math, struct, sys, wave
w = wave.open(sys.argv[1]); rate = w.getframerate()
w.setpos(int(float(sys.argv[2]) * rate)); n = int(float(sys.argv[3]) * rate)
x = struct.unpack('<%dh' % n, w.readframes(n))
c = 2 * math.cos(2 * math.pi * float(sys.argv[4]) / rate); q1 = q2 = 0.0
for s in x:
    q0 = c * q1 - q2 + s; q2 = q1; q1 = q0
e = sum(s * s for s in x)
print('%.2f' % (2 * (q1 * q1 + q2 * q2 - c * q1 * q2) / (e * n) if e else 0))
EOF
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# ---- --from ----
sox -n -r 44100 -c 2 -b 24 "$home/in.flac" synth 1.5 sine 440 vol 0.5
"$bin" voicemail record "$home/vm.wav" --from "$home/in.flac" >"$home/out" 2>"$home/err"; rc=$?
check "--from exits 0" test $rc -eq 0
check "--from: 8 kHz" test "$(info r "$home/vm.wav")" = 8000
check "--from: mono" test "$(info c "$home/vm.wav")" = 1
check "--from: 16-bit" test "$(info b "$home/vm.wav")" = 16
check "--from: the whole length" ge "$(info D "$home/vm.wav")" 1.49
check "--from: the tone kept" ge "$(share "$home/vm.wav" 0.2 1 440)" 0.9
check "says which key plays it" grep -q "loftdial config set dial.voicemail_file $home/vm.wav" "$home/out"
"$bin" voicemail record "$home/id.wav" --from "$home/in.flac" --ident >"$home/out" 2>&1
check "--ident names dial.ident_file" grep -q "config set dial.ident_file" "$home/out"

cp "$home/vm.wav" "$home/keep.wav"
"$bin" voicemail record "$home/vm.wav" --from "$home/id.wav" 2>"$home/err"; rc=$?
check "an existing file is refused" test $rc -eq 1
check "... saying --force" grep -q "exists; --force replaces it" "$home/err"
check "... and left as it was" cmp -s "$home/vm.wav" "$home/keep.wav"
"$bin" voicemail record "$home/vm.wav" --from "$home/in.flac" --force >/dev/null 2>&1; rc=$?
check "--force replaces it" test $rc -eq 0
printf 'not audio\n' >"$home/text.wav"
"$bin" voicemail record "$home/bad.wav" --from "$home/text.wav" 2>"$home/err"; rc=$?
check "not audio: exit 1" test $rc -eq 1
check "not audio: sox's reason" grep -q "sox could not convert" "$home/err"
check "not audio: nothing written" test ! -e "$home/bad.wav" -a ! -e "$home/bad.wav.part"
"$bin" voicemail record "$home/bad.wav" --from "$home/none.wav" 2>"$home/err"; rc=$?
check "missing input: exit 1" test $rc -eq 1
check "missing input: says so" grep -q "cannot read .*none.wav: No such file" "$home/err"
env PATH=/nonexistent "$bin" voicemail record "$home/bad.wav" --from "$home/in.flac" 2>"$home/err"
rc=$?
check "no sox: exit 1" test $rc -eq 1
check "no sox: how to install it" grep -q "sox is not installed (Debian: apt-get install sox)" "$home/err"
esc=$(printf '%s/x\033]0;pwned\007.wav' "$home")
"$bin" voicemail record "$home/bad.wav" --from "$esc" 2>"$home/err"
check "hostile path: no escape on the terminal" test "$(grep -c $'\033' "$home/err")" = 0
"$bin" voicemail record 2>/dev/null; rc=$?
check "no FILE: exit 2" test $rc -eq 2
"$bin" voicemail play x 2>/dev/null; rc=$?
check "unknown subcommand: exit 2" test $rc -eq 2
"$bin" voicemail record "$home/x.wav" --seconds 0 2>/dev/null; rc=$?
check "--seconds 0: exit 2" test $rc -eq 2
check "help" grep -q "usage: loftdial voicemail record FILE" <<<"$("$bin" voicemail --help 2>&1)"

# ---- recorded through baresip ----
# Engine ports reserved for this test (tests/lib/ports.sh) and free.
. "${LOFTDIAL_SRC:?}/tests/lib/ports.sh"
for _ in $(seq 200); do
	port=$((23000 + (RANDOM % 90) * 100))
	ports=($((port + 10)) $((port + 11)) $((port + 20)) $((port + 21)) $((port + 51)) $((port + 52)))
	port_reserve "${ports[@]}" || continue
	ok=1
	for p in "${ports[@]}"; do
		port_taken "$p" && ok=0
	done
	[ $ok = 1 ] && break
done
# The "headset": 523 Hz, 784 Hz, 659 Hz for a second each.
sox -n -r 8000 -c 1 -b 16 -e signed-integer "$home/mic.wav" synth 1 sine 523 vol 0.5 : \
	synth 1 sine 784 vol 0.5 : synth 1 sine 659 vol 0.5
sox "$home/mic.wav" "$home/mic10.wav" repeat 3
"$bin" config set engine.local_ip 127.0.0.1 >/dev/null
"$bin" config set engine.sip_port "$port" >/dev/null
"$bin" config set engine.ctrl_port "$((port + 50))" >/dev/null
"$bin" config set audio.source "aufile,$home/mic.wav" >/dev/null

timeout 60 "$bin" voicemail record "$home/rec.wav" </dev/null >"$home/out" 2>&1; rc=$?
check "recorded: exit 0" test $rc -eq 0
[ $rc -eq 0 ] || cat "$home/out"
check "recorded: says when to speak" grep -q "^recording: speak now" "$home/out"
check "recorded: 8 kHz mono 16-bit" test "$(info r "$home/rec.wav")/$(info c "$home/rec.wav")/$(info b "$home/rec.wav")" = 8000/1/16
len=$(info D "$home/rec.wav")
echo "# recorded ${len}s of a 3 s source"
check "recorded: about the source's length" ge "$len" 2.8
# Ended by the source's end, not by the 60 s cap: a loaded machine notices the end late
# (3.7 s recorded once), so the bound is loose.
check "recorded: not much more" ge 6 "$len"
# Where the first tone starts in the recording (the call's set-up time comes first).
on=$(python3 - "$home/rec.wav" <<'EOF'
import struct, sys, wave
w = wave.open(sys.argv[1]); n = w.getnframes(); x = struct.unpack('<%dh' % n, w.readframes(n))
print('%.2f' % (next((i for i in range(n) if abs(x[i]) > 4000), n) / 8000.0))
EOF
)
check "recorded: the first tone" ge "$(share "$home/rec.wav" "$(awk -v o="$on" 'BEGIN{print o+0.2}')" 0.6 523)" 0.8
check "recorded: the second tone" ge "$(share "$home/rec.wav" "$(awk -v o="$on" 'BEGIN{print o+1.2}')" 0.6 784)" 0.8
check "recorded: the third tone" ge "$(share "$home/rec.wav" "$(awk -v o="$on" 'BEGIN{print o+2.2}')" 0.6 659)" 0.8

"$bin" config set audio.source "aufile,$home/mic10.wav" >/dev/null
timeout 60 "$bin" voicemail record "$home/cap.wav" --seconds 1 </dev/null >"$home/out" 2>&1; rc=$?
check "--seconds 1: exit 0" test $rc -eq 0
check "--seconds 1: one second" ge 1.05 "$(info D "$home/cap.wav")"

# Enter ends it: the newline goes in once the command says "recording".
mkfifo "$home/in"
timeout 60 "$bin" voicemail record "$home/enter.wav" <"$home/in" >"$home/out" 2>&1 &
pid=$!
exec 7>"$home/in"
for _ in $(seq 300); do grep -q '^recording' "$home/out" && break; sleep 0.1; done
sleep 1
echo >&7
wait $pid; rc=$?
exec 7>&-
check "Enter: exit 0" test $rc -eq 0
len=$(info D "$home/enter.wav")
echo "# Enter after about 1 s: ${len}s recorded of a 9 s source"
check "Enter: stopped early" ge 5 "$len"
check "no engine left running" test -z "$(pgrep -f "$home/engine" || true)"

echo "$((total - fails))/$total passed"
[ $fails -eq 0 ]
