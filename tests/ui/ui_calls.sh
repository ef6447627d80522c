#!/usr/bin/env bash
# The Calls screen against a store synced from the real sandbox, with dial attempts and
# logged records written by another process (the way a dial writes them): goldens at 120x40
# and 80x24 (the title bar fits at 80 columns), hostile text in a record sanitized (its
# escape sequences never reach the terminal), the outcome and period filters, the typed
# filter (a name, a date), Enter opens the person's card and q comes back, an attempt another
# process adds while the screen is open appears without a key, and the keys come from the
# keymap (help lists them; bind moves one).
# LOFTDIAL_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
. "$(dirname "$0")/uilib.sh"
ui_init
# Narrow screens show dates as MM-DD HH:MM.
eval "$(declare -f ui_normalise | sed '1s/ui_normalise/ui_normalise_base/')"
ui_normalise() { ui_normalise_base | sed -E 's/\b[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}\b/<mdhm>/g'; }

export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 300
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync --quiet >/dev/null 2>&1
check "synced" test $? -eq 0
db=$LOFTDIAL_HOME/loftdial.db

# Two people with plain names: "ID NAME" per line.
python3 - "$db" >"$work/people.txt" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for pid, first, last in db.execute(
        "SELECT id, first_name, last_name FROM sl_people WHERE is_deleted = 0 AND "
        "first_name GLOB '[A-Z][a-z]*' AND last_name GLOB '[A-Z][a-z]*' AND "
        "first_name NOT GLOB '*[^A-Za-z]*' AND last_name NOT GLOB '*[^A-Za-z]*' "
        "ORDER BY id LIMIT 2"):
    print(pid, first, last)
PY
check "two plain people" test "$(wc -l <"$work/people.txt")" -eq 2
read -r p1 first1 last1 < <(sed -n 1p "$work/people.txt")
read -r p2 first2 last2 < <(sed -n 2p "$work/people.txt")

# attempt PERSON NUMBER OUTCOME AGO TALK: an ended dial attempt that started AGO seconds
# before the base time (today, never before today's midnight), TALK seconds of talk.
base=$(python3 -c 'import time; now = int(time.time()); mid = now - now % 86400
print(max(now - 30, mid + 40))')
attempt() {
	python3 - "$db" "$base" "$@" <<'PY'
import sqlite3, sys
db_path, base, person, number, outcome, ago, talk = sys.argv[1:8]
db = sqlite3.connect(db_path)
start = (int(base) - int(ago)) * 1000
ans = start + 5000 if int(talk) else None
end = (ans + int(talk) * 1000) if ans else start + 20000
db.execute("INSERT INTO dial_attempts (session_id, line, number, person_id, started_at_ms, "
           "answered_at_ms, ended_at_ms, outcome) VALUES ('t', 1, ?, ?, ?, ?, ?, ?)",
           (number, int(person) or None, start, ans, end, outcome))
db.commit()
PY
}
# record STATE BODY AGO: a logged call record made AGO seconds before the base time.
record() {
	python3 - "$db" "$base" "$@" <<'PY'
import sqlite3, sys
db_path, base, state, body, ago = sys.argv[1:6]
db = sqlite3.connect(db_path)
t = int(base) - int(ago)
db.execute("INSERT INTO outbox (kind, dedupe_key, body, state, attempts, next_at, last_error, "
           "created_at, updated_at) VALUES ('call', 'k' || ?, ?, ?, 1, ?, ?, ?, ?)",
           (t, body, state, t, 'HTTP 422: {"disposition":["is not included in the list"]}'
            if state == 'failed' else None, t, t))
db.commit()
PY
}
attempt "$p1" +15550100001 connected 20 95
record sent "{\"person_id\":$p1,\"to\":\"+15550100001\",\"duration\":95,\"disposition\":\"Connected\",\"sentiment\":\"Positive\",\"notes\":\"budget in Q3\"}" 10
attempt "$p2" +15550100002 busy 15 0
# A refused record with escape sequences in its disposition (an OSC that would retitle the
# terminal, a colour) and a note with a bidi override.
record failed "{\"person_id\":$p2,\"to\":\"+15550100002\",\"disposition\":\"\\u001b]2;pwned\\u0007\\u001b[31mBusy\",\"notes\":\"\\u202eevil\"}" 12
attempt 0 +15550100003 no_answer 8 0
attempt "$p1" +15550100001 cancelled 5 0

for size in 120x40 80x24; do
	ui_start "${size%x*}" "${size#*x}" "$bin"
	check "$size: home drawn" ui_wait "call_sentiments" 20
	ui_keys 3
	check "$size: calls shown" ui_wait "$first1 $last1" 10
	check "$size: synced calls too" ui_wait "synced"
	check "$size: calls golden" ui_golden "calls_$size"
	check "$size: the title never wraps" test "$(ui_screen | sed -n 2p | grep -c 'loftdial |')" -eq 0
	ui_stop
done
check "80x24: the title bar has every screen" grep -qE "1 Home +2 Contacts +3 Calls" \
	"$work/calls_80x24.screen"

ui_start 120 40 "$bin"
check "home for the filters" ui_wait "call_sentiments" 20
ui_keys 3
check "calls for the filters" ui_wait "$first1 $last1" 10
check "hostile: sanitized" ui_wait "Busy" 5
check "hostile: the title is not set" test "$(tmux -L "$sock" display -p '#{pane_title}')" != pwned
tmux -L "$sock" capture-pane -p -e >"$work/escapes.txt"
check "hostile: no OSC reached the pane" bash -c "! grep -q pwned '$work/escapes.txt'"
rows() { ui_screen | sed -n '4,$p' | grep -cE '^ [0-9]{4}-'; }
rows_are() { [ "$(rows)" "$1" "$2" ]; } # rows_are -eq N (read again at each poll)
all=$(rows)
ui_keys o
check "o: connected only" ui_wait "outcome: connected"
check "o: one connected call" ui_until 5 rows_are -eq 1
check "o: the logged fields on it" ui_wait "Positive" 5
ui_keys o o o
check "o o o: busy only" ui_wait "outcome: busy"
check "o o o: one busy call" ui_until 5 rows_are -eq 1
ui_keys x
check "x clears" ui_wait "outcome: all"
check "x: every row back" ui_until 5 rows_are -eq "$all"
# A resize below 80x24 says how big the window must be; back to a usable size, Calls comes back
# with the same rows at the new width.
ui_resize 60 20
check "resize: too small says so" ui_wait "loftdial needs at least 80x24"
ui_resize 100 30
check "resize: Calls drawn again" ui_wait "outcome: all"
check "resize: the new width is used" ui_until 5 bash -c \
	"tmux -L $sock capture-pane -p | head -1 | grep -qE '^.{95,}'"
ui_resize 120 40
check "resize: back to 120x40" ui_wait "outcome: all"
check "resize: every row still there" ui_until 5 rows_are -eq "$all"
ui_keys t
check "t: today" ui_wait "period: today"
check "t: the synced calls of other days go" ui_until 5 rows_are -lt "$all"
ui_keys x
ui_keys /
ui_text "$last2"
check "/ name: one call of that person" ui_until 5 rows_are -eq 1
ui_keys Enter
ui_keys Escape
check "Esc clears the typed filter" ui_until 5 rows_are -eq "$all"
today=$(date -u -d "@$base" +%Y-%m-%d)
ui_keys /
ui_text "$today"
ui_keys Enter
check "/ date: today's calls only" ui_until 5 rows_are -eq 4
check "/ date: the filter shown" ui_wait "filter: '$today'" 5
ui_keys x
ui_keys g Enter
check "Enter opens the card" ui_wait "Salesloft id" 10
check "the card is the person's" ui_wait "$p1" 5
ui_keys q
check "q comes back to Calls" ui_wait "outcome: all"
# Live: an attempt another process adds shows without a key.
attempt "$p2" +15550100002 voicemail -5 0
check "a new attempt appears" ui_wait "voicemail" 10
# The keys come from the keymap: help lists them, bind moves one.
ui_keys '?'
check "help of Calls" ui_wait "Keys on Calls"
check "help lists the outcome key" ui_wait "outcome" 5
ui_keys q
ui_keys :
ui_text "bind calls O outcome"
ui_keys Enter
check "bind answered" ui_wait "bound O on calls"
ui_keys O
check "the bound key filters" ui_wait "outcome: connected"
ui_keys '?'
check "help names the bound key" ui_until 5 bash -c "tmux -L $sock capture-pane -p | grep -qE 'o O +outcome'"
ui_stop
ui_done
