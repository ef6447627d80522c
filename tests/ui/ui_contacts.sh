#!/usr/bin/env bash
# The Contacts screen against the real sandbox's people, hostile ones included (escape
# sequences, an OSC title, controls, an RTL override, combining marks, CJK, Arabic and Hebrew,
# 5 kB names and titles): search as you type, every row keeps its columns at 80x24 and
# 120x40 (tests/ui/colcheck.py measures display cells), nothing reaches the terminal raw (the
# pane's title stays), the card opens and closes, the empty screen matches its golden, and a
# person's card shows their cadence with its current step and their recent calls with a note
# (a call loftdial logged and sent earlier, as the outbox keeps it) against goldens.
. "$(dirname "$0")/uilib.sh"
ui_init
export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 300
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync --quiet people accounts cadences cadence_memberships steps calls emails \
	>/dev/null 2>&1
check "synced" test $? -eq 0
db=$LOFTDIAL_HOME/loftdial.db

# A plain-named person on a cadence, the first of their name (search lists people of the same
# name in id order, so the first row is theirs): "ID FIRST LAST CADENCE".
python3 - "$db" >"$work/member.txt" <<'PY'
import re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for pid, first, last, cad in db.execute(
        "SELECT p.id, p.first_name, p.last_name, c.name FROM sl_people p "
        "JOIN sl_cadence_memberships m ON m.person_id = p.id AND m.currently_on_cadence "
        "JOIN sl_cadences c ON c.id = m.cadence_id "
        "WHERE p.is_deleted = 0 AND p.display_name = p.first_name || ' ' || p.last_name "
        "ORDER BY p.id"):
    if not re.fullmatch(r"[A-Za-z]+", first or "") or not re.fullmatch(r"[A-Za-z]+", last or ""):
        continue
    if not cad or len(cad) > 24 or not cad.isprintable():
        continue
    n = db.execute("SELECT count(*) FROM sl_people WHERE first_name = ? AND last_name = ? "
                   "AND id < ?", (first, last, pid)).fetchone()[0]
    if n == 0:
        print(pid, first, last, cad)
        break
PY
read -r member first last cadence <"$work/member.txt"
echo "# the person: $member $first $last on $cadence"
check "a person on a cadence" test -n "${member:-}"
# A call loftdial logged and sent for them, with a note (the way the outbox keeps it).
python3 - "$db" "$member" <<'PY'
import json, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
now = int(time.time())
body = json.dumps({"person_id": int(sys.argv[2]), "to": "+14155550123", "duration": 95,
                   "disposition": "Connected", "sentiment": "Positive",
                   "notes": "Wants the pricing deck \u001b[31mbefore Friday"})
db.execute("INSERT INTO outbox (kind, dedupe_key, body, state, attempts, next_at, remote_id,"
           " created_at, updated_at) VALUES ('call', 'card:1', ?, 'sent', 1, ?, 999999999, ?, ?)",
           (body, now, now, now))
db.commit()
PY
check "a call queued for them" test $? -eq 0

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

# The cadence row names a step: "Day N: Step M - ..." (the sandbox's display names).
ui_screen_has_step() { ui_screen | grep -F -- "$cadence" | grep -qE "Day [0-9]+: Step [0-9]+"; }

# card_golden NAME: ui_golden with the person's local time ("local time HH:MM") masked too.
card_golden() {
	local name=$1 file="$src/tests/ui/golden/$1.screen"
	ui_screen | ui_normalise | sed -E 's/local time [0-9]{2}:[0-9]{2}/local time <hm>/' \
		>"$work/$name.screen"
	if [ "${LOFTDIAL_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$work/$name.screen" "$file"
		return 0
	fi
	diff -u "$file" "$work/$name.screen"
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
	check "$size: the zalgo row" ui_wait "Zalgo"
	ui_keys Enter
	search a
	check "$size: many rows keep their columns" columns_ok "$w"
	for q in title clear tables control format break override colour html csi zalgo; do
		search "$q"
		check "$size: '$q' found" ui_wait "1 contacts match '$q'"
		check "$size: '$q' keeps the columns" columns_ok "$w"
	done
	check "$size: no escape changed the pane title" \
		test "$(tmux -L "$sock" display -p '#{pane_title}')" = "$title"
	search override
	check "$size: the RTL override is neutralised" ui_wait "?gnp.exe"
	ui_keys Enter
	check "$size: the card opens" ui_wait "Salesloft id"
	check "$size: the card lists the cadences" ui_wait "Cadences"
	ui_keys d
	check "$size: d on the card opens the dial session on the person" \
		ui_wait "loftdial | Session"
	ui_keys q
	check "$size: q goes back to the card" ui_wait "Salesloft id"
	ui_keys q
	check "$size: q closes the card" ui_wait "1 contacts match 'override'"
	# The card of a person on a cadence: the cadence, its current step, the call and its note.
	search "$first $last"
	ui_keys Enter
	check "$size: $first's card" ui_wait "Salesloft id"
	check "$size: the cadence" ui_wait "$cadence"
	check "$size: its current step" ui_screen_has_step
	check "$size: the recent call" ui_wait "Connected"
	check "$size: its note, sanitized" ui_wait "Wants the pricing"
	check "$size: no escape in the note" ui_lacks $'\e[31m'
	check "$size: card golden" card_golden "contacts_card_$size"
	ui_keys q
	check "$size: back to the list" ui_wait "match '$first $last'"
	ui_keys Escape
	check "$size: Esc goes back home" ui_wait "loftdial | Home"
	ui_stop
done
ui_done
