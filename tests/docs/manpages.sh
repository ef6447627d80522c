#!/usr/bin/env bash
# The man pages in docs/*.1 (installed to share/man/man1): each formats with groff without a
# single warning, and loftdial.1 describes every command `loftdial --help` lists, so a new
# command cannot ship without its entry.
set -u
bin=${LOFTDIAL_BIN:?}
src=${LOFTDIAL_SRC:?}
fails=0
total=0
check() { # check NAME CONDITION...
	local name=$1; shift
	total=$((total + 1))
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}

pages=("$src"/docs/*.1)
check "docs/loftdial.1 exists" test -f "$src/docs/loftdial.1"
for page in "${pages[@]}"; do
	[ -f "$page" ] || continue
	warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
	check "$(basename "$page") formats without warnings" test -z "$warn"
	[ -z "$warn" ] || printf '%s\n' "$warn"
done

# Commands are the two-blank-indented words under "commands:" in --help.
commands=$("$bin" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
check "--help lists commands" test -n "$commands"
for c in $commands; do
	# An entry is a .TP tag line starting with the command, in bold.
	check "loftdial.1 describes '$c'" grep -qE "^\.B[R]? $c( |$)" "$src/docs/loftdial.1"
done
if [ -f "$src/docs/loftdial-sandbox.1" ] && [ -n "${LOFTDIAL_SANDBOX_BIN:-}" ]; then
	for o in $("$LOFTDIAL_SANDBOX_BIN" --help 2>&1 | sed -n 's/^  \(--[a-z-]*\).*/\1/p'); do
		esc=${o//-/\\\\-}
		check "loftdial-sandbox.1 describes $o" grep -qE "^\.BI? $esc( |$)" \
			"$src/docs/loftdial-sandbox.1"
	done
fi

echo "$((total - fails))/$total passed"
[ $fails -eq 0 ]
