#!/usr/bin/env bash
# Nothing the network does can freeze the UI, and idle means idle (issue 9). Against the real
# sandbox: every request hanging 30 s (fault latency), a 429 storm, and the sandbox stopped
# (SIGSTOP) and then gone in the middle of a full sync; after each the TUI must still answer
# keys (help opens, q comes back) within a few seconds, polled with deadlines. Then, with
# nothing going on, loftdial's wakeups (context switches) and CPU time over a 5 s window are
# read from /proc and must stay under generous bounds (a busy loop or a per-frame timer is
# thousands of wakeups; a few timers a second are tens).
. "$(dirname "$0")/uilib.sh"
ui_init
export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 5000
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0

# counter NAME: a figure of GET /_sandbox/faults (seen) or /_sandbox/counters (rate_limited).
counter() { curl -s "$api/_sandbox/$1" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2; }
faults() { curl -s -o /dev/null -w '%{http_code}' -X "$1" "$api/_sandbox/faults" ${2:+-d "$2"}; }

# The TUI answers: help opens and q brings Home back, each within 5 s.
answers() {
	ui_keys '?' && ui_wait "Keys on Home" 5 && ui_keys q && ui_wait_gone "Keys on Home" 5 &&
		ui_wait "loftdial | Home" 5
}

ui_start 120 40 "$bin"
check "home drawn" ui_wait "call_sentiments" 20

# Every request waits 30 s before its answer (longer than nothing; shorter than the client's
# 30 s timeout would hide it).
check "latency window opened" test "$(faults POST '{"latency_ms":30000,"seconds":120}')" = 200
ui_keys s
check "a sync runs into the hanging requests" ui_wait "Progress" 10
check "keys answered while requests hang" answers
check "and again" answers
check "requests were held by the window" test "$(counter faults seen)" -gt 0
ui_keys x
check "x stops the hanging sync" ui_wait "sync stopped" 10
check "latency window closed" test "$(faults DELETE)" = 200

# A 429 storm: every request is refused with a rate limit.
check "429 window opened" test "$(faults POST '{"rate_limit_429":100,"seconds":120}')" = 200
ui_keys s
check "keys answered during a 429 storm" answers
check "and again" answers
check "requests were refused with 429" test "$(counter counters rate_limited)" -gt 0
ui_keys x
check "429 window closed" test "$(faults DELETE)" = 200

# The sandbox stopped mid-sync, then gone.
ui_keys S
check "a full sync runs" ui_wait "Progress" 10
kill -STOP "$sbx_pid"
check "keys answered while the sandbox is stopped" answers
check "and again" answers
kill -CONT "$sbx_pid"
kill "$sbx_pid"
wait "$sbx_pid" 2>/dev/null
sbx_pid=
check "keys answered once the sandbox is gone" answers
ui_keys x
ui_until 10 ui_lacks "Progress"

# Idle: nothing changes; count wakeups and CPU over a 5 s window.
pane=$(tmux -L "$sock" display -p '#{pane_pid}')
pid=$pane
for p in $(pgrep -P "$pane"); do
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = loftdial ] && pid=$p
done
check "found loftdial's pid" test "$(cat /proc/"$pid"/comm 2>/dev/null)" = loftdial
switches() { awk '/ctxt_switches/ { n += $2 } END { print n }' /proc/"$pid"/status; }
ticks() { awk '{ print $14 + $15 }' /proc/"$pid"/stat; }
ui_until 20 ui_lacks "Progress"
s0=$(switches)
t0=$(ticks)
sleep 5 # the measurement window itself, not a wait for a condition
s1=$(switches)
t1=$(ticks)
echo "# idle 5 s: $((s1 - s0)) context switches, $((t1 - t0)) CPU ticks ($(getconf CLK_TCK)/s)"
check "idle: at most 150 wakeups in 5 s" test $((s1 - s0)) -le 150
check "idle: at most 0.5 s of CPU in 5 s" test $((t1 - t0)) -le $(($(getconf CLK_TCK) / 2))
ui_keys q
check "q quits" ui_wait_gone "loftdial | Home" 10
ui_done
