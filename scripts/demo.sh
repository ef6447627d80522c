#!/usr/bin/env bash
# The demo, from a fresh clone: installs what is missing (scripts/deps.sh) and builds a
# release. On a terminal it then runs `loftdial demo`: the TUI against loftdial-sandbox (a
# Salesloft stand-in with a generated org, plus simulated phones on loopback), syncing on Home
# and then on the Lists screen, where a cadence or the call tasks can be picked; q quits and
# stops everything it started.
# With --script, or when stdin or stdout is not a terminal (CI), it walks through without the
# TUI instead: connects loftdial to the sandbox, syncs the org into SQLite, shows the sync
# state and a few contacts, then dials a handful of prospects on three parallel lines through
# baresip. Everything runs on 127.0.0.1 in a throw-away folder; nothing reaches the internet.
# Usage: scripts/demo.sh [--script] [--people N] [--lines N] [--keep]
# LOFTDIAL_DEMO_BIN=DIR runs the programs already built in DIR (no install, no build): the
# test suite runs the demo that way against its own build (LOFTDIAL_DEMO_PORT=P puts the
# engines' SIP ports at P.. and their control ports at P+100..).
set -euo pipefail
cd "$(dirname "$0")/.."

people=2000
lines=3
keep=0
script=0
while [ $# -gt 0 ]; do
	case $1 in
	--script) script=1; shift ;;
	--people) people=$2; shift 2 ;;
	--lines) lines=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) echo "usage: scripts/demo.sh [--script] [--people N] [--lines N] [--keep]" >&2; exit 2 ;;
	esac
done
[ -t 0 ] && [ -t 1 ] || script=1

if [ -n "${LOFTDIAL_DEMO_BIN:-}" ]; then
	bin=$LOFTDIAL_DEMO_BIN
else
	scripts/deps.sh
	cmake --preset release >/dev/null
	# Only the programs and the recordings the phones play; the tests are not needed here.
	cmake --build --preset release --target loftdial loftdial-sandbox recordings
	bin=$PWD/build/release
fi

# On a terminal: the TUI. loftdial demo makes its own folder and sandbox and removes them.
if [ $script -eq 0 ]; then
	args=(--people "$people")
	[ $keep -eq 1 ] && args+=(--keep)
	exec "$bin/loftdial" demo "${args[@]}"
fi

demo=$(mktemp -d /tmp/loftdial-demo.XXXXXX)
export LOFTDIAL_HOME=$demo/home
sandbox_pid=
cleanup() {
	if [ -n "$sandbox_pid" ]; then
		kill "$sandbox_pid" 2>/dev/null || true
		wait "$sandbox_pid" 2>/dev/null || true
	fi
	if [ $keep -eq 0 ]; then rm -rf "$demo"; else echo "demo folder kept: $demo"; fi
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "starting loftdial-sandbox ($people people, simulated phones)"
"$bin/loftdial-sandbox" --listen 127.0.0.1:0 --sip 127.0.0.1:0 --people "$people" \
	>"$demo/sandbox.out" 2>"$demo/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 1 600); do
	grep -q '^sandbox ready api=' "$demo/sandbox.out" 2>/dev/null && break
	kill -0 "$sandbox_pid" 2>/dev/null || { cat "$demo/sandbox.err" >&2; exit 1; }
	sleep 0.1
done
api=$(sed -n 's/^sandbox ready api=//p' "$demo/sandbox.out")
sip=$(sed -n 's/^phones ready sip=\([^ ]*\).*/\1/p' "$demo/sandbox.out")
[ -n "$api" ] && [ -n "$sip" ] || { echo "sandbox did not start" >&2; exit 1; }
echo "api $api, phones sip:<number>@$sip"

# The sandbox stands in for both Salesloft hosts; the dial plan sends calls to its phones.
# No sound card is assumed: the connected line keeps baresip's silent device. The engines
# bind loopback, where the phones are (on a host, or in a network namespace, with no other
# address baresip would otherwise find no address to call from).
mkdir -p "$LOFTDIAL_HOME"
cat >"$LOFTDIAL_HOME/config" <<CONF
salesloft.api_url $api
salesloft.accounts_url $api
sip.dialplan sip:{e164}@$sip
engine.local_ip 127.0.0.1
audio.source aubridge,nosrc
audio.player aubridge,noplay
CONF
# The test suite runs the demo next to other tests: it moves the engines' ports out of the way.
if [ -n "${LOFTDIAL_DEMO_PORT:-}" ]; then
	printf 'engine.sip_port %s\nengine.ctrl_port %s\n' "$LOFTDIAL_DEMO_PORT" \
		"$((LOFTDIAL_DEMO_PORT + 100))" >>"$LOFTDIAL_HOME/config"
fi

say "loftdial connect --api-key ..."
"$bin/loftdial" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

say "loftdial sync (full first sync)"
"$bin/loftdial" sync

say "loftdial status"
"$bin/loftdial" status

say "a few contacts from the local store (the contacts view in SQLite)"
# The org's names are hostile on purpose (escape sequences, controls): loftdial export strips
# them when its output is a terminal, so it runs on one (script(1)); whole rows, nothing cut.
# head closes the pipe early; that is not a failure of the demo.
script -qec "'$bin/loftdial' export people --format csv" /dev/null | head -n 6 || true

# Every number goes through the dialing gates (calling hours in its own zone, docs/dialing.md).
# The phones here are simulated, so the gates' clock is pinned (LOFTDIAL_TEST_NOW, test-only) to
# 17:00 UTC today, inside calling hours from Los Angeles to Berlin: the demo dials the same
# numbers whatever the hour it runs at.
now=$(date +%s)
export LOFTDIAL_TEST_NOW=$((now - now % 86400 + 17 * 3600))
# Numbers ending 01 answer as a person, 02 voicemail, 03 busy, 04 ring out, 05 decline,
# 06 do not exist (docs/simphones.md).
say "loftdial dial: calls nobody answers, $lines lines: busy, declined, no such number"
# Nobody answers here, so no call is dropped for another: each one ends as the far end says.
printf '%s\n' '# demo dial list: no answers' '+14155550203' '+44 20 7946 0105' \
	'+4930123450206' >"$demo/numbers1"
"$bin/loftdial" dial --numbers "$demo/numbers1" --lines "$lines" || echo "(dial exited $?)"

say "loftdial dial: 2 lines; the first who answers wins, the other leg is dropped"
# The person answers while the other number rings: that leg is hung up at once. After the
# 4-second call, the voicemail number is dialled and answering-machine detection hangs up.
printf '%s\n' '# demo dial list: answers' '+1 (415) 555-0304' '+14155550101' \
	'+14155550402' >"$demo/numbers2"
"$bin/loftdial" dial --numbers "$demo/numbers2" --lines 2 --talk 4 || echo "(dial exited $?)"

say "done"
if [ $keep -eq 1 ]; then
	echo "The store is a SQLite file: $LOFTDIAL_HOME/loftdial.db (views: contacts, accounts," \
		"users, ...); it is kept."
else
	echo "The store was a SQLite file in $demo, deleted now; scripts/demo.sh --keep keeps it."
fi
