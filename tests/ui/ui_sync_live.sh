#!/usr/bin/env bash
# Browsing while a large sync runs: against the real sandbox with 20,000 people (paced by its
# rate limit, so the sync takes about a minute), S starts a full sync from the TUI; the people
# row shows a progress bar whose figures move, keys keep being answered (help opens and
# closes) while it runs, x stops it, and the rows say so.
. "$(dirname "$0")/uilib.sh"
ui_init
export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 20000
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0

people_row() { ui_screen | grep -E '^ people ' | head -1; }
row_moved() { [ "$(people_row)" != "$1" ]; }

ui_start 120 40 "$bin"
check "home drawn" ui_wait "call_sentiments" 20
ui_keys S
check "S starts a full sync" ui_wait "Progress" 10
check "people are listed with a bar" ui_until 30 bash -c \
	"tmux -L $sock capture-pane -p | grep -qE '^ people .*\\[#*-*\\] [0-9]+/[0-9]+ .*listing'"
first=$(people_row)
check "the people figures move" ui_until 30 row_moved "$first"
ui_keys '?'
check "help opens while it runs" ui_wait "Keys on Home" 5
ui_keys q
check "back on Home while it runs" ui_wait "Progress" 5
second=$(people_row)
check "and they keep moving" ui_until 30 row_moved "$second"
ui_keys x
check "x stops the sync" ui_wait "sync stopped" 10
check "the rows show the last result again" ui_wait "Last run (UTC)" 10
check "people were stored" ui_until 10 bash -c \
	"tmux -L $sock capture-pane -p | grep -qE '^ people +[1-9][0-9]* '"
ui_keys q
check "q quits after a stopped sync" ui_wait_gone "loftdial | Home" 10
ui_done
