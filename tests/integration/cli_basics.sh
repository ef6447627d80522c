#!/usr/bin/env bash
# The loftdial command line from the outside: help and version, unknown commands, the example
# config written 0600 on first run, and config mistakes reported as file:line warnings that
# never stop the program.
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

out=$("$bin" --help); rc=$?
check "help exits 0" test $rc -eq 0
check "help lists config" grep -q '^  config ' <<<"$out"
check "version" grep -qE '^loftdial [0-9]+\.[0-9]+\.[0-9]+$' <<<"$("$bin" --version)"
"$bin" frobnicate >/dev/null 2>"$home/err"; rc=$?
check "unknown command exits 2" test $rc -eq 2
check "unknown command says so" grep -q "no command 'frobnicate'" "$home/err"
"$bin" >/dev/null 2>&1; rc=$?
check "no command exits 2" test $rc -eq 2
check "command --help" grep -q 'usage: loftdial config' <<<"$("$bin" config --help)"

"$bin" config paths >"$home/paths"; rc=$?
check "config paths exits 0" test $rc -eq 0
check "example config written" test -f "$home/config"
check "example config is 0600" test "$(stat -c %a "$home/config")" = 600
check "log file is 0600" test "$(stat -c %a "$home/loftdial.log")" = 600
check "paths shows the db" grep -q "db      $home/loftdial.db" "$home/paths"

printf 'dial.lines 12\nbogus.key 1\ndial.lines 3\nsip.caller_id \033]0;pwned\007\n' >>"$home/config"
"$bin" config show >"$home/show" 2>"$home/warn"; rc=$?
check "bad config still runs" test $rc -eq 0
check "range warning with file:line" grep -q "^$home/config:[0-9]*: dial.lines: 12 is outside 1..9" "$home/warn"
check "unknown key warning" grep -q "unknown key 'bogus.key'" "$home/warn"
check "good line after bad ones applies" grep -qE '^dial.lines +3$' "$home/show"
check "no escape reaches the terminal" bash -c "! grep -q $'\033' '$home/warn' '$home/show'"
LOFTDIAL_API_URL=http://127.0.0.1:1 "$bin" config show >"$home/show" 2>/dev/null
check "env overrides api url" grep -qE '^salesloft.api_url +http://127.0.0.1:1$' "$home/show"
echo "$((total - fails)) passed, $fails failed"
exit $((fails > 0))
