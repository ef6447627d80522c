#!/usr/bin/env bash
# `loftdial voicemail ident` from the outside: with dial.ident_name and dial.ident_callback set
# it speaks the identification message with espeak-ng into the data folder (8 kHz mono 16-bit,
# a plausible length) and prints its text, path and length; the same text reuses the file, a
# changed one makes a new file; not configured, half configured or hostile text is refused with
# a clear message, nothing made and nothing raw on the terminal.
set -u
bin=${LOFTDIAL_BIN:?}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export LOFTDIAL_HOME=$home
fails=0
total=0
check() { # check NAME CONDITION...
	local name=$1; shift
	total=$((total + 1))
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
# The path printed on the line after "text: ".
path_of() { sed -n 's/^\(\/.*\.wav\) (.*$/\1/p' "$1"; }
no_ctl() { ! LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$1"; }
set_key() { "$bin" config set "$1" "$2" >/dev/null 2>&1; }

"$bin" voicemail ident >"$home/out" 2>"$home/err"; rc=$?
check "not configured: exit 1" test $rc -eq 1
check "not configured: names both keys" grep -q "dial.ident_name and dial.ident_callback are empty" "$home/err"

set_key dial.ident_name "Dana Reyes"
"$bin" voicemail ident >"$home/out" 2>"$home/err"; rc=$?
check "name only: exit 1" test $rc -eq 1
check "name only: says the callback is missing" grep -q "dial.ident_callback is empty" "$home/err"

set_key dial.ident_callback "415 555 0123"
"$bin" voicemail ident >"$home/out" 2>"$home/err"; rc=$?
check "configured: exit 0" test $rc -eq 0
check "prints the text" grep -qx "text: This is Dana Reyes. Sorry we missed you. Please call us back at 4 1 5, 5 5 5, 0 1 2 3." "$home/out"
p1=$(path_of "$home/out")
check "the file is under the data folder" test -n "$p1" -a -f "$p1"
case $p1 in "$home"/*) inside=0 ;; *) inside=1 ;; esac
check "... inside LOFTDIAL_HOME" test $inside -eq 0
check "made now" grep -q "made now)" "$home/out"
check "8000 Hz" test "$(soxi -r "$p1" 2>/dev/null)" = 8000
check "mono" test "$(soxi -c "$p1" 2>/dev/null)" = 1
check "16-bit" test "$(soxi -b "$p1" 2>/dev/null)" = 16
d=$(soxi -D "$p1" 2>/dev/null)
echo "FIGURE the spoken identification message lasts $d s"
check "1 to 10 s long" eval 'ge "$d" 1 && ge 10 "$d"'
check "the printed length is the file's" grep -q "($(printf '%.1f' "$(awk -v d="$d" 'BEGIN { printf "%d.%d", int(d), int(d * 10) % 10 }')") s," "$home/out"
m1=$(stat -c %Y.%i "$p1")

"$bin" voicemail ident >"$home/out2" 2>&1; rc=$?
check "again: exit 0" test $rc -eq 0
check "again: already made" grep -q "already made)" "$home/out2"
check "again: same path" test "$(path_of "$home/out2")" = "$p1"
check "again: not rendered again" test "$(stat -c %Y.%i "$p1")" = "$m1"

set_key dial.ident_callback "+1 (415) 555-0199"
"$bin" voicemail ident >"$home/out3" 2>&1; rc=$?
p3=$(path_of "$home/out3")
check "changed number: exit 0" test $rc -eq 0
check "changed number: a new file" test -n "$p3" -a "$p3" != "$p1" -a -f "$p3"
check "changed number: made now" grep -q "made now)" "$home/out3"

# Hostile text: refused before espeak-ng, with the character's position, never echoed raw.
# Written into the file itself: `config set` would read --help as its own option.
set_name() {
	sed -i '/^dial\.ident_name /d' "$home/config"
	printf 'dial.ident_name %s\n' "$1" >>"$home/config"
}
n_before=$(ls "$home"/ident | wc -l)
for bad in "Dana <speak>x</speak>" "Dana [[h@l'oU]]" "Dana & Co"; do
	set_name "$bad"
	"$bin" voicemail ident >"$home/out4" 2>"$home/err4"; rc=$?
	check "hostile name '$bad' refused (exit 1)" test $rc -eq 1
	check "... the key and the character named" grep -q "dial.ident_name: character [0-9]* ('.', U+00" "$home/err4"
done
set_name "--help"
"$bin" voicemail ident >"$home/out4" 2>"$home/err4"; rc=$?
check "name '--help' refused (exit 1)" test $rc -eq 1
check "name '--help': must start with a letter" grep -q "dial.ident_name must start with a letter or a digit" "$home/err4"
# An escape sequence is already refused by the config reader (a file:line warning); the name
# is then empty, which is refused too; the terminal gets nothing raw either way.
set_name "$(printf 'Dana\033[31m')"
"$bin" voicemail ident >"$home/out4" 2>"$home/err4"; rc=$?
check "escape in the name refused (exit 1)" test $rc -eq 1
check "escape in the name: nothing raw on the terminal" no_ctl "$home/err4"
check "escape in the name: nothing raw on stdout" no_ctl "$home/out4"
check "hostile names made no file" test "$(ls "$home"/ident | wc -l)" -eq "$n_before"
set_key dial.ident_name "Dana Reyes"
set_key dial.ident_callback "415 555 0123 ext 9"
"$bin" voicemail ident >"$home/out5" 2>"$home/err5"; rc=$?
check "bad number refused" test $rc -eq 1
check "bad number: the key named" grep -q "dial.ident_callback: character 14 ('e', U+0065)" "$home/err5"

# A recorded message wins: the command says so.
set_key dial.ident_callback "415 555 0123"
set_key dial.ident_file "$home/mine.wav"
"$bin" voicemail ident >"$home/out6" 2>&1; rc=$?
check "with dial.ident_file: exit 0" test $rc -eq 0
check "with dial.ident_file: says lines play that file" grep -q "note: dial.ident_file is set ($home/mine.wav): lines play that file" "$home/out6"

"$bin" voicemail ident --loud >/dev/null 2>"$home/err7"; rc=$?
check "unknown option: exit 2" test $rc -eq 2
check "unknown option: usage shown" grep -q "usage: loftdial voicemail ident \[--play\]" "$home/err7"

echo "$((total - fails))/$total passed"
exit $((fails > 0))
