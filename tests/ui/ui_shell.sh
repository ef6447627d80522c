#!/usr/bin/env bash
# The TUI shell without a Salesloft connection: the first frame, moving between screens,
# help generated from the keymap (with a user binding), the : prompt with completion, a
# window too small and a resize back, `bind` mistakes as file:line warnings, and the log
# screen following the log.
. "$(dirname "$0")/uilib.sh"
ui_init
mkdir -p "$work/home"
export LOFTDIAL_HOME=$work/home
"$bin" config paths >/dev/null # writes the example config
printf 'bind home z refresh\nbind home Hyper-x sync\n' >>"$work/home/config"

ui_start 80 24 "$bin"
check "first frame" ui_wait "loftdial | Home" 20
check "not connected is said" ui_wait "not connected: run loftdial connect"
check "a bind mistake is a file:line warning" ui_wait "config:"
check "the warning names the key" ui_wait "unknown key 'Hyper-x'"

ui_keys '?'
check "help opens" ui_wait "Keys on Home"
check "help shows the user's binding" ui_wait "r z              refresh"
# Help gets the screen it describes as its argument (ui_push_arg); asked again from a screen
# opened over it, it opens anew on that screen's keys.
ui_keys 5
check "a screen opens over help" ui_wait "loftdial | Log"
ui_keys '?'
check "help asked again describes the new screen" ui_wait "The end of loftdial's own log file"
check "help reopened no longer shows Home's keys" ui_wait_gone "Keys on Home"
ui_keys q
check "q goes back to Home" ui_wait "loftdial | Home"
ui_keys :
ui_text "help"
ui_keys Enter
check ":help describes the screen it was typed on" ui_wait "Keys on Home"
ui_keys q
check "q goes back to Home again" ui_wait "loftdial | Home"

ui_keys 5
check "5 opens the log" ui_wait "loftdial | Log"
check "the log shows the TUI starting" ui_wait "TUI started (80x24"
"$bin" config paths >/dev/null # another process writes to the same log
check "the log follows" ui_wait "exit: config"
ui_keys 1
check "1 goes back to Home" ui_wait "loftdial | Home"

ui_keys :
ui_text "the"
ui_keys Tab
check ": completes a command" ui_wait ":theme"
ui_keys C-u
ui_text "theme mono"
ui_keys Enter
check ":theme mono switches" ui_wait "theme mono"
ui_keys :
ui_text "frobnicate"
ui_keys Enter
check "an unknown command says so" ui_wait "unknown command 'frobnicate'"

ui_resize 60 20
check "too small says how big it must be" ui_wait "loftdial needs at least 80x24"
check "too small says the size" ui_wait "this window is 60x20"
ui_resize 100 30
check "resize back draws the screen" ui_wait "loftdial | Home"
check "the new width is used" ui_until 5 bash -c \
	"tmux -L $sock capture-pane -p | head -1 | grep -qE '^.{95,}Help'"
ui_keys q
check "q on the first screen quits" ui_wait_gone "loftdial | Home"
ui_done
