#!/usr/bin/env bash
# sync's progress lines on a terminal follow SIGWINCH: a sync held back by a tight rate limit
# runs in tmux at 120 columns, the window shrinks to 80 mid-sync, and from the next frame on
# no line on screen is wider than the pane and nothing wraps. Ctrl-C then leaves its message
# on one line, at 80 and (in a second run) at 120 columns.
set -u
bin=${LOFTDIAL_BIN:?}
sbx=${LOFTDIAL_SANDBOX_BIN:?}
work=$(mktemp -d)
sock=rs$$
runs=0
pid=
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
unset LOFTDIAL_API_KEY
fails=0
total=0
check() { # check NAME CONDITION...
	local name=$1; shift
	total=$((total + 1))
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}
# The widest line of the pane with wrapped lines joined back (-J): wider than the pane means
# a line wrapped.
widest() {
	tmux -L "$sock" capture-pane -pJ 2>/dev/null |
		python3 -c 'import sys; print(max([len(l.rstrip()) for l in sys.stdin] or [0]))'
}
screen() { tmux -L "$sock" capture-pane -pJ 2>/dev/null; }

"$sbx" --listen 127.0.0.1:0 --people 3000 --rate-limit 15 >"$work/sbx.out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
	grep -q '^sandbox ready api=' "$work/sbx.out" 2>/dev/null && break
	sleep 0.1
done
api=$(sed -n 's/^sandbox ready api=//p' "$work/sbx.out")
check "sandbox started" test -n "$api"
LOFTDIAL_API_URL=$api LOFTDIAL_ACCOUNTS_URL=$api "$bin" connect \
	--api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef >/dev/null 2>&1
check "connected" test $? -eq 0

run() { # run COLS: a sync in a fresh tmux server COLS wide, progress on screen
	tmux -L "$sock" kill-server 2>/dev/null
	runs=$((runs + 1))
	sock=rs$$_$runs # a new server each run: no race with the one just killed
	tmux -L "$sock" -f /dev/null new-session -d -x "$1" -y 24 \
		"env LOFTDIAL_HOME='$LOFTDIAL_HOME' LOFTDIAL_API_URL='$api' LOFTDIAL_ACCOUNTS_URL='$api' TERM=xterm '$bin' sync people; echo EXIT=\$?; sleep 60"
	for _ in $(seq 1 200); do
		grep -q 'people' <<<"$(screen)" && return 0
		sleep 0.1
	done
	return 1
}
interrupt() { # interrupt COLS: Ctrl-C, then the exit and the message on one line
	local s=
	tmux -L "$sock" send-keys C-c
	for _ in $(seq 1 100); do
		s=$(screen)
		grep -q '^EXIT=' <<<"$s" && break
		sleep 0.1
	done
	check "$1 cols: Ctrl-C exits 130" grep -q '^EXIT=130$' <<<"$s"
	check "$1 cols: the interrupted message is there" grep -q 'interrupted' <<<"$s"
	w=$(widest)
	check "$1 cols: nothing wraps after Ctrl-C (widest $w)" test "$w" -le "$1"
	[ "$w" -le "$1" ] || printf '%s\n' "$s"
}

check "120 cols: progress shown" run 120
w=$(widest)
check "120 cols: progress fits (widest $w)" test "$w" -le 120
tmux -L "$sock" resize-window -x 80 -y 24
# The next frames are laid out at 80: poll until one fits, then watch a few more.
ok=
for _ in $(seq 1 50); do
	[ "$(widest)" -le 80 ] && grep -q 'people' <<<"$(screen)" && ok=1 && break
	sleep 0.1
done
check "80 cols after resize: a frame fits" test -n "$ok"
worst=0
for _ in $(seq 1 20); do
	w=$(widest)
	[ "$w" -gt "$worst" ] && worst=$w
	sleep 0.1
done
check "80 cols after resize: frames keep fitting (widest $worst)" test "$worst" -le 80
[ "$worst" -le 80 ] || screen
interrupt 80
check "120 cols again: progress shown" run 120
interrupt 120
echo "$((total - fails)) passed, $fails failed"
exit $((fails > 0))
