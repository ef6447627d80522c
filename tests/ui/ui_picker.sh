#!/usr/bin/env bash
# The disposition picker against the real sandbox, opened with :picker on a connected call the
# store has no record of: goldens at 120x40 and 80x24 (a hostile disposition name among the
# team's, drawn clean), the team's required disposition (read from GET /v2/team) refused until
# one is chosen, notes typed in Japanese and Arabic laid out by display width, a bracketed
# paste carrying escape sequences kept as text, the discard question (n keeps the call, y
# discards it), C-n writing exactly one record with the disposition, sentiment and notes to
# the outbox, and :picker saying so when no call is left.
. "$(dirname "$0")/uilib.sh"
ui_init
export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
check "sandbox started" sbx_up --people 40
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>/dev/null 2>&1
check "connected" test $? -eq 0
"$bin" sync --quiet >/dev/null 2>&1
check "synced" test $? -eq 0
check "the team requires a disposition" test "$(curl -s -o /dev/null -w '%{http_code}' \
	-X POST "$api/_sandbox/team" -d '{"dispositions_required":true}')" = 200

db=$LOFTDIAL_HOME/loftdial.db
person=$(sqlite3 "$db" "SELECT id FROM sl_people WHERE is_deleted = 0 ORDER BY id LIMIT 1")
now=$(($(date +%s) * 1000))
# attempt ACTION [TASK]: a connected call of three minutes to the first person, ended 10 s ago,
# which has no record (as when a session closed before its wrap-up).
attempt() {
	sqlite3 "$db" "INSERT INTO dial_attempts (session_id, line, number, person_id, action_id,
		task_id, started_at_ms, answered_at_ms, ended_at_ms, outcome) VALUES ('ui-picker', 1,
		'+15550100', $person, $1, ${2:-NULL}, $((now - 200000)), $((now - 190000)),
		$((now - 10000)), 'connected')"
}
# A call of a cadence action that also had a task: the record names the action only.
check "a call without a record" attempt 424242 9001
# A disposition name with an OSC title, a colour and an RTL override, as a hostile org has.
check "a hostile disposition" sqlite3 "$db" "INSERT INTO sl_call_dispositions (id, synced_at,
	raw, name) VALUES (3110, 0, '{}', char(27) || ']0;pwned' || char(7) || 'Evil ' || char(27)
	|| '[31mRed' || char(8238) || 'lrt')"

open_picker() {
	ui_keys :
	ui_text picker
	ui_keys Enter
}

for size in 120x40 80x24; do
	ui_start "${size%x*}" "${size#*x}" "$bin"
	check "$size: home" ui_wait "loftdial | Home" 20
	title=$(tmux -L "$sock" display -p '#{pane_title}')
	open_picker
	check "$size: the picker opens on the call" ui_wait "ended without a record"
	check "$size: the team's rule is read" ui_wait "Disposition (required)"
	check "$size: the hostile name is drawn clean" ui_wait "Evil Red?lrt"
	check "$size: picker golden" ui_golden "picker_$size"
	[ "$size" = 120x40 ] && ui_stop
done

# Logging without the required disposition is refused, says why, and keeps the picker.
ui_keys Enter
check "a missing disposition is refused" ui_wait "The team requires a disposition: choose one"
check "the picker stays open" ui_wait "loftdial | Disposition"
ui_keys 2
check "2 picks the second disposition" ui_wait ">2"
ui_keys 4
check "4 then picks a sentiment" ui_wait ">4"
check "and the notes have the keys" ui_wait "C-n log   C-x discard"

# Notes in Japanese (two columns a character) wrap one column before the edge of the 76-column
# field; Arabic follows on its own line.
jp="お客様は来週また電話してほしいとのこと。お客様は来週また電話してほしいとのこと。お客様は来週また電話"
ar="اتصل بي غدا من فضلك"
ui_text "$jp"
ui_keys Enter
ui_text "$ar"
check "the Arabic line shows" ui_wait "$ar"
notes_by_width() {
	ui_screen | python3 -c '
import sys, unicodedata
def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = sys.stdin.read().split("\n")
rows = [l[3:] for l in lines if l.startswith(" | ") and len(l) > 3]
ok = (len(rows) == 3 and width(rows[0]) == 74 and len(rows[0]) == 37
      and rows[1] == "こと。お客様は来週また電話" and rows[2] == sys.argv[1]
      and all(width(l) <= 80 for l in lines))
if not ok:
    print(rows)
sys.exit(0 if ok else 1)' "$ar"
}
check "the notes are laid out by display width" notes_by_width
check "the byte count follows" ui_wait "Notes  185/4095 bytes"

# A bracketed paste: its escape sequences are dropped, its line break kept, and the Esc in it
# does not leave the notes.
ui_keys Enter
tmux -L "$sock" set-buffer -b ldp "$(printf 'pasted \033[2J\033]0;owned\007text\nsecond line')"
tmux -L "$sock" paste-buffer -p -b ldp
check "a paste lands as text" ui_wait "pasted text"
check "with its line break" ui_wait " | second line"
check "the notes keep the focus" ui_wait "C-n log   C-x discard"
check "the pane title never changed" test "$(tmux -L "$sock" display -p '#{pane_title}')" = "$title"

# Discarding asks first; n keeps the call and what was typed.
ui_keys C-x
check "C-x asks before discarding" ui_wait "Discard this call? Nothing is logged."
ui_keys n
check "n keeps the call" ui_wait_gone "Discard this call?"
check "the notes are kept" ui_wait " | second line"

ui_keys C-n
check "C-n logs and closes the picker" ui_wait "logged the call to"
check "one record in the outbox" test "$(sqlite3 "$db" \
	"SELECT count(*) FROM outbox WHERE dedupe_key = 'action:424242'")" = 1
body=$(sqlite3 "$db" "SELECT body FROM outbox WHERE dedupe_key = 'action:424242'")
check "the record has the disposition" grep -qF '"disposition":"No Answer"' <<<"$body"
check "the record has the sentiment" grep -qF '"sentiment":"Interested"' <<<"$body"
check "the record has the notes" grep -qF "\"notes\":\"$jp\\n$ar\\npasted text\\nsecond line\"" \
	<<<"$body"
check "the record has three minutes" grep -qF '"duration":180' <<<"$body"
check "the record names the action, not the task" test "$(grep -c task_id <<<"$body")" = 0
check "no escape reached the record" test "$(grep -c $'\033' <<<"$body")" = 0
open_picker
check "no call is left to log" ui_wait "no call to log"

# Esc on the lists asks too, and y discards: nothing is written. First a team that now also
# requires a sentiment, and the notes' cap.
check "the team requires a sentiment too" test "$(curl -s -o /dev/null -w '%{http_code}' \
	-X POST "$api/_sandbox/team" -d '{"sentiments_required":true}')" = 200
check "another call without a record" attempt 424243
open_picker
check "the picker opens on it" ui_wait "ended without a record"
check "the sentiment is marked required" ui_wait "Sentiment (required)"
ui_keys 1
ui_keys Enter
check "a missing sentiment is refused" ui_wait "The team requires a sentiment: choose one first."
ui_keys 1
check "the sentiment list takes the key" ui_wait ">1   Positive"
ui_keys Escape
check "Esc from the notes goes back to the lists" ui_wait "Enter log   C-x discard"
ui_keys BTab
# A paste whose end marker never comes ends at a pause: after it Esc is a key again and
# leaves the notes, and the pasted text stays.
check "BackTab from the dispositions reaches the notes" ui_wait "C-n log   C-x discard"
ui_text $'\e[200~abc'
esc_leaves() {
	ui_keys Escape
	sleep 1.5 # the paste ends after a second without keys: try again past it
	ui_shows "Enter log   C-x discard"
}
check "a paste without its end marker ends at a pause" ui_until 15 esc_leaves
check "its text is in the notes" ui_wait " | abc"
# A paste past the notes' cap keeps what fits and says so.
ui_keys Tab Tab
tmux -L "$sock" set-buffer -b big "$(head -c 5000 /dev/zero | tr '\0' x)"
tmux -L "$sock" paste-buffer -p -b big
check "an oversized paste says the notes are full" ui_wait "The notes are full (4095 bytes at most)"
check "and keeps what fits" ui_wait "Notes  4095/4095 bytes"
ui_keys Escape
check "Esc leaves the notes" ui_wait "Enter log   C-x discard"
ui_keys Escape
check "Esc asks before discarding" ui_wait "Discard this call?"
ui_keys y
check "y discards" ui_wait "nothing logged for the call"
check "nothing in the outbox for it" test "$(sqlite3 "$db" \
	"SELECT count(*) FROM outbox WHERE dedupe_key = 'action:424243'")" = 0
ui_keys Q
check "Q quits" ui_wait_gone "loftdial |"
ui_done
