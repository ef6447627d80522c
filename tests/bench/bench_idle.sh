#!/usr/bin/env bash
# bench_idle: what the real TUI costs while nothing changes (issue 9: "idle means idle", measured
# over a minute). Against the sandbox with 5,000 people synced, the TUI sits on each of Home,
# Contacts and Calls for SECONDS (default 60) with no key pressed and no data changing; its CPU
# time and wakeups (voluntary and involuntary context switches of every thread) over that window
# are read from /proc and printed. It prints figures and asserts nothing about them: a busy loop
# or a per-frame timer would show as thousands of wakeups a minute, a few timers a second as a
# few hundred.
#   tests/bench/bench_idle.sh [SECONDS]   (the release build's programs unless LOFTDIAL_BIN and
#                                          LOFTDIAL_SANDBOX_BIN say otherwise)
export LOFTDIAL_SRC=${LOFTDIAL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export LOFTDIAL_BIN=${LOFTDIAL_BIN:-$LOFTDIAL_SRC/build/release/loftdial}
export LOFTDIAL_SANDBOX_BIN=${LOFTDIAL_SANDBOX_BIN:-$LOFTDIAL_SRC/build/release/loftdial-sandbox}
export LOFTDIAL_RTP_PORTS=${LOFTDIAL_RTP_PORTS:-61000-65534}
. "$(dirname "$0")/../ui/uilib.sh"
secs=${1:-60}
ui_init
export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 5000
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
check "synced" "$bin" sync >/dev/null 2>&1

ui_start 120 40 "$bin"
check "home drawn" ui_wait "call_sentiments" 20
pane=$(tmux -L "$sock" display -p '#{pane_pid}')
pid=$pane
for p in $(pgrep -P "$pane"); do
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = loftdial ] && pid=$p
done
check "found loftdial's pid" test "$(cat /proc/"$pid"/comm 2>/dev/null)" = loftdial

# Sums over every thread of the process, so a helper thread's timer is counted too.
switches() { cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'; }
threads() { ls /proc/"$pid"/task | wc -l; }
ticks() { awk '{ print $14 + $15 }' /proc/"$pid"/stat; }
hz=$(getconf CLK_TCK)

# idle NAME: the window on the screen shown now.
idle() {
	local s0 t0 s1 t1
	sleep 2 # let the screen's own first reads finish; the window below is the measurement
	s0=$(switches)
	t0=$(ticks)
	sleep "$secs"
	s1=$(switches)
	t1=$(ticks)
	awk -v n="$1" -v s="$secs" -v w=$((s1 - s0)) -v t=$((t1 - t0)) -v hz="$hz" -v th="$(threads)" \
		'BEGIN { printf "# idle on %-8s %3d s: %5d wakeups (%.1f/s), CPU %5d ms (%.3f%%), %d threads\n",
		         n, s, w, w / s, t * 1000 / hz, t * 100 / hz / s, th }'
}
idle Home
ui_keys 2
check "contacts drawn" ui_wait "loftdial | Contacts" 10
idle Contacts
ui_keys 3
check "calls drawn" ui_wait "loftdial | Calls" 10
idle Calls
ui_keys Q
check "Q quits" ui_wait_gone "loftdial | Calls" 10
ui_done
