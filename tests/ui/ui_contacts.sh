#!/usr/bin/env bash
# The Contacts screen against the real sandbox's people, hostile ones included (escape
# sequences, an OSC title, controls, an RTL override, combining marks, CJK, Arabic and Hebrew,
# 5 kB names and titles): search as you type, every row keeps its columns at 80x24 and
# 120x40 (tests/ui/colcheck.py measures display cells), nothing reaches the terminal raw (the
# pane's title stays), the card opens and closes, and the empty screen matches its golden.
. "$(dirname "$0")/uilib.sh"
ui_init
export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 300
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync --quiet people accounts >/dev/null 2>&1
check "synced" test $? -eq 0

columns_ok() { # columns_ok WIDTH
	ui_screen | python3 "$src/tests/ui/colcheck.py" "$1" Name Title Company Phone Local
}

# search WORDS: a new search through the / prompt, Enter, then the count line.
search() {
	ui_keys /
	ui_keys C-u
	ui_text "$1"
	ui_keys Enter
	ui_wait "match '$1'" 5
}

for size in 80x24 120x40; do
	w=${size%x*}
	ui_start "$w" "${size#*x}" "$bin"
	check "$size: home" ui_wait "loftdial | Home" 20
	title=$(tmux -L "$sock" display -p '#{pane_title}')
	ui_keys 2
	check "$size: contacts open" ui_wait "Type / and a name"
	check "$size: contacts golden (empty)" ui_golden "contacts_$size"
	# Search as you type: the table follows each keystroke before Enter.
	ui_keys /
	ui_text "zal"
	check "$size: as you type" ui_wait "match 'zal'" 5
	check "$size: the zalgo row" ui_shows "Zalgo"
	ui_keys Enter
	search a
	check "$size: many rows keep their columns" columns_ok "$w"
	for q in title clear tables control format break override colour html csi zalgo; do
		search "$q"
		check "$size: '$q' found" ui_shows "1 contacts match '$q'"
		check "$size: '$q' keeps the columns" columns_ok "$w"
	done
	check "$size: no escape changed the pane title" \
		test "$(tmux -L "$sock" display -p '#{pane_title}')" = "$title"
	search override
	check "$size: the RTL override is neutralised" ui_shows "?gnp.exe"
	ui_keys Enter
	check "$size: the card opens" ui_wait "Salesloft id"
	check "$size: the card says what comes later" ui_shows "come with the dial session"
	ui_keys d
	check "$size: d on the card opens the dial session on the person" \
		ui_wait "loftdial | Session"
	ui_keys q
	check "$size: q goes back to the card" ui_wait "Salesloft id"
	ui_keys q
	check "$size: q closes the card" ui_wait "1 contacts match 'override'"
	ui_keys Escape
	check "$size: Esc goes back home" ui_wait "loftdial | Home"
	ui_stop
done
ui_done
