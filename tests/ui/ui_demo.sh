#!/usr/bin/env bash
# `loftdial demo` in tmux: it starts its own sandbox, connects, syncs on Home and lands on the
# Lists screen with the sandbox's lists; q leaves no process it started (the sandbox's PID,
# and any child of loftdial) and no temporary folder; --keep keeps the folder; SIGTERM to
# loftdial cleans up the same way; a sandbox that does not start, no terminal and a bad option
# are clear errors.
. "$(dirname "$0")/uilib.sh"
ui_init
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
unset LOFTDIAL_API_URL LOFTDIAL_ACCOUNTS_URL

# The pids under the pane's shell: loftdial, then its children (the sandbox, engines).
pane_pid() { tmux -L "$sock" display -p '#{pane_pid}'; }
ld_pid() { pgrep -P "$(pane_pid)" -x loftdial | head -n1; }
children() { pgrep -P "$1" | tr '\n' ' '; }
all_gone() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
no_folder() { [ -z "$(ls -A "$TMPDIR")" ]; }
rc_is() { [ "$(cat "$work/rc" 2>/dev/null)" = "$1" ]; }

# demo ARGS: loftdial demo in a 100x30 pane; its exit status lands in $work/rc.
demo() {
	rm -f "$work/rc"
	ui_start 100 30 sh -c "'$bin demo $* ; echo \$? >$work/rc; sleep 600'"
}

demo --people 300
check "home first, syncing" ui_wait "loftdial | " 30
check "lands on the lists" ui_wait "loftdial | Lists" 60
check "the lists are read" ui_wait "Due now, read at" 30
check "the sandbox's cadences are listed" ui_wait "Inbound Demo Requests"
check "the task lists are there" ui_wait "Call tasks: overdue"
lpid=$(ld_pid)
kids=$(children "$lpid")
sbx=$(pgrep -P "$lpid" -f loftdial-sandbox)
check "loftdial runs in the pane" test -n "$lpid"
check "the sandbox is loftdial's child" test -n "$sbx"
check "the demo folder exists while it runs" bash -c "ls -d '$TMPDIR'/loftdial-demo.* >/dev/null"
check "the sandbox writes in the demo folder" \
	bash -c "readlink /proc/$sbx/fd/1 | grep -q '^$TMPDIR/loftdial-demo\.'"
ui_keys q
check "q goes back to Home" ui_wait "loftdial | Home" 5
ui_keys q
check "q quits with status 0" ui_until 20 rc_is 0
# shellcheck disable=SC2086
check "no process it started is left" ui_until 10 all_gone $lpid $kids
check "no temporary folder is left" no_folder
check "it says what it stopped" ui_wait "the sandbox (pid $sbx) is stopped" 5
ui_stop

# --keep keeps the folder with the database and the log.
demo --people 100 --keep
check "keep: lands on the lists" ui_wait "Due now, read at" 60
ui_keys Q
check "keep: quits" ui_until 20 rc_is 0
check "keep: the folder is kept" bash -c "ls '$TMPDIR'/loftdial-demo.*/home/loftdial.db >/dev/null"
check "keep: says where" ui_wait "Its folder is kept" 5
rm -rf "${TMPDIR:?}"/loftdial-demo.*
ui_stop

# SIGTERM to loftdial in the TUI: the same clean-up.
demo --people 100
check "term: lands on the lists" ui_wait "Due now, read at" 60
lpid=$(ld_pid)
kids=$(children "$lpid")
check "term: loftdial and the sandbox found" test -n "$lpid" -a -n "$kids"
kill -TERM "$lpid"
check "term: loftdial ends" ui_until 20 bash -c "test -s '$work/rc'"
# shellcheck disable=SC2086
check "term: no process left" ui_until 10 all_gone $lpid $kids
check "term: no folder left" no_folder
ui_stop

# A sandbox that does not start: said, nothing left behind.
rm -f "$work/rc"
ui_start 100 30 sh -c "'LOFTDIAL_SANDBOX_BIN=/bin/false $bin demo; echo \$? >$work/rc; sleep 600'"
check "no sandbox: exit 1" ui_until 20 rc_is 1
check "no sandbox: says so" ui_wait "loftdial-sandbox did not start (exit 1)" 5
check "no sandbox: no folder left" no_folder
ui_stop

# No terminal, a bad option.
"$bin" demo </dev/null >"$work/out" 2>&1
check "no terminal: exit 1" test $? -eq 1
check "no terminal: says so" grep -q "is not a terminal; scripts/demo.sh --script" "$work/out"
"$bin" demo --people x >"$work/out" 2>&1
check "bad option: exit 2" test $? -eq 2
check "bad option: names it" grep -q "people takes 10 to 1000000, not 'x'" "$work/out"
check "no folder made by the errors" no_folder
ui_done
