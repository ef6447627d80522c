#!/usr/bin/env bash
# The terminal is given back as it was found: `stty -g` in the pane is the same before
# loftdial starts and after it ends by q, SIGTERM, SIGHUP, SIGINT, SIGSEGV and SIGABRT, the
# alternate screen is left, and a start-up failure (an unknown TERM) leaves it untouched too.
. "$(dirname "$0")/uilib.sh"
ui_init
mkdir -p "$work/home"

# run.sh: the pane's program. It records the modes, runs loftdial as itself (exec keeps the
# pid it wrote), records the exit status and the modes after.
cat >"$work/run.sh" <<'RUN'
ulimit -c 0
w=$1; shift
stty -g >"$w/before"
sh -c 'echo $$ >"$0"; exec "$@"' "$w/pid" "$@"
echo $? >"$w/rc"
stty -g >"$w/after"
echo RESTORED
exec sleep 600
RUN

alt_off() { test "$(tmux -L "$sock" display -p '#{alternate_on}')" = 0; }

# one NAME HOW: starts loftdial, waits for its first frame, ends it by HOW, checks.
one() {
	local name=$1 how=$2 w="$work/$1"
	mkdir -p "$w"
	ui_start 80 24 bash "$work/run.sh" "$w" "$bin"
	if ! ui_wait "loftdial | Home" 20; then
		check "$name: first frame" false
		return
	fi
	case $how in
	q) ui_keys q ;;
	*) kill -s "$how" "$(cat "$w/pid")" ;;
	esac
	ui_until 20 test -s "$w/after"
	check "$name: stty -g equal before and after" cmp -s "$w/before" "$w/after"
	# tmux reads the pane's last output after the program has ended: wait for it.
	check "$name: alternate screen left" ui_until 10 alt_off
	check "$name: the shell's screen is back" ui_wait RESTORED
	echo "# $name: exit status $(cat "$w/rc" 2>/dev/null)"
	ui_stop
}

one q q
one sigterm TERM
one sighup HUP
one sigint INT
one sigsegv SEGV
one sigabrt ABRT
check "q exits 0" test "$(cat "$work/q/rc")" = 0
check "SIGTERM exits 143" test "$(cat "$work/sigterm/rc")" = 143
check "SIGSEGV still dies of SIGSEGV" test "$(cat "$work/sigsegv/rc")" = 139
check "SIGABRT still dies of SIGABRT" test "$(cat "$work/sigabrt/rc")" = 134

# A start-up failure: a terminal type this system does not know.
mkdir -p "$work/badterm"
ui_start 80 24 env TERM=no-such-terminal bash "$work/run.sh" "$work/badterm" "$bin"
ui_until 20 test -s "$work/badterm/after"
check "unknown TERM: exits 1" test "$(cat "$work/badterm/rc")" = 1
check "unknown TERM: stty -g equal" cmp -s "$work/badterm/before" "$work/badterm/after"
check "unknown TERM: says why" ui_wait "cannot start the terminal UI"
ui_done
