#!/usr/bin/env bash
# Every screen at 80x24 and 120x40 against golden captures (tests/ui/golden/*.screen, with
# times and the rate figures normalised), the Home screen connected to the real sandbox and
# synced, a sync started from the TUI, and the themes: each one loads without a warning,
# NO_COLOR draws no colour at all, a terminal without colours gets the mono theme, and a
# broken theme line is a file:line warning.
# LOFTDIAL_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
. "$(dirname "$0")/uilib.sh"
ui_init

# The Log screen of a fresh home: only the TUI's own lines are in the log.
for size in 80x24 120x40; do
	export LOFTDIAL_HOME=$work/fresh$size
	mkdir -p "$LOFTDIAL_HOME"
	# The database made (its migrations logged) and the log emptied before the TUI starts.
	"$bin" status >/dev/null 2>&1
	: >"$LOFTDIAL_HOME/loftdial.log"
	ui_start "${size%x*}" "${size#*x}" "$bin"
	check "$size: first frame" ui_wait "loftdial | Home" 20
	ui_keys 5
	check "$size: log shows the start" ui_wait "TUI started ($size"
	check "$size: log golden" ui_golden "log_$size"
	ui_keys '?'
	check "$size: help of the log" ui_wait "Log screen"
	check "$size: help golden (log)" ui_golden "help_log_$size"
	ui_stop
done

# Home, connected to the sandbox and synced by the command line.
export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 300
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync --quiet >/dev/null 2>&1
check "synced" test $? -eq 0
for size in 80x24 120x40; do
	ui_start "${size%x*}" "${size#*x}" "$bin"
	check "$size: home drawn" ui_wait "call_sentiments" 20
	check "$size: home golden" ui_golden "home_$size"
	ui_keys '?'
	check "$size: help opens" ui_wait "Keys on Home"
	check "$size: help golden (home)" ui_golden "help_home_$size"
	ui_keys q
	check "$size: back home" ui_wait "Calls as"
	ui_stop
done

# A sync from the TUI: s starts it on the loop and it ends with a message on the status line.
ui_start 80 24 "$bin"
check "home for a sync" ui_wait "call_sentiments" 20
ui_keys s
check "s runs a sync to its end" ui_wait "sync done" 60
check "the log has the TUI's sync" grep -q "sync started from the TUI (incremental)" \
	"$LOFTDIAL_HOME/loftdial.log"
ui_keys '?'
check "keys are answered after it" ui_wait "Keys on Home"
ui_stop

# The sync service polls while the TUI runs (every sync.poll_interval seconds).
printf 'sync.poll_interval 5\n' >>"$LOFTDIAL_HOME/config"
ui_start 80 24 "$bin"
check "polls every 5 s" ui_wait "every 5 s, next poll" 20
check "a poll runs by itself" ui_wait "sync done" 30
ui_stop
sed -i '/^sync.poll_interval 5$/d' "$LOFTDIAL_HOME/config"

# Themes: each shipped one loads clean and draws colour; NO_COLOR draws none.
ui_start 80 24 "$bin"
ui_wait "call_sentiments" 20
for t in default light high-contrast mono; do
	ui_keys :
	ui_text "theme $t"
	ui_keys Enter
	check "theme $t loads without a warning" ui_wait "theme $t"
	check "theme $t: no warning" ui_lacks "warning"
done
ui_keys :
ui_text "theme default"
ui_keys Enter
ui_wait "theme default"
tmux -L "$sock" capture-pane -p -e >"$work/colour.txt"
check "the default theme draws colour" grep -qE $'\e\\[(3[0-7]|4[0-7]|38;5|48;5)' "$work/colour.txt"
ui_keys T
check "T cycles to the next theme" ui_wait "theme light"
ui_stop
ui_start 80 24 NO_COLOR=1 "$bin"
check "NO_COLOR: drawn" ui_wait "call_sentiments" 20
check "NO_COLOR: the mono theme" ui_wait "theme mono"
tmux -L "$sock" capture-pane -p -e >"$work/nocolour.txt"
check "NO_COLOR: no colour escape at all" \
	bash -c "! grep -qE $'\e\\\\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;|m)' '$work/nocolour.txt'"
check "NO_COLOR: attributes still used" grep -qE $'\e\\[[0-9;]*7' "$work/nocolour.txt"
ui_stop
ui_start 80 24 TERM=xterm-mono "$bin"
check "a terminal without colours: drawn" ui_wait "call_sentiments" 20
check "a terminal without colours: the mono theme" ui_wait "theme mono"
ui_stop
printf 'color title dark blue\ncolor ok green default\n' >"$work/broken.theme"
printf 'ui.theme %s\n' "$work/broken.theme" >>"$LOFTDIAL_HOME/config"
ui_start 80 24 "$bin"
check "broken theme: still drawn" ui_wait "call_sentiments" 20
check "broken theme: file:line warning" ui_wait "broken.theme:1: unknown color 'dark'"
ui_stop
ui_done
