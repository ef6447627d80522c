#!/usr/bin/env bash
# The Log screen opened again reads only what was appended since it last read (the lines and
# the offset are kept across openings): the debug line the screen logs after each reading says
# how many bytes it read, and a second opening over a 100 kB log reads a few hundred. A log
# truncated, or rotated (another file at the path), while the screen is closed is read afresh:
# the old lines are gone and the new ones shown.
. "$(dirname "$0")/uilib.sh"
ui_init

export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"
log=$LOFTDIAL_HOME/loftdial.log
"$bin" status >/dev/null 2>&1
printf 'log.level debug\n' >>"$LOFTDIAL_HOME/config"
# About 100 kB of earlier lines.
for i in $(seq -w 1 800); do
	printf '2026-01-01T00:00:00.000Z INFO  test FILLER-%s %0100d\n' "$i" 0
done >"$log"

reads() { grep -c 'log screen: read ' "$log"; }
reads_are() { [ "$(reads)" -ge "$1" ]; }
last_read() { grep -o 'log screen: read [0-9]* bytes' "$log" | tail -1 | grep -o '[0-9][0-9]*'; }

ui_start 100 30 "$bin"
check "home" ui_wait "loftdial | Home" 20
ui_keys 5
check "the log screen" ui_wait "loftdial | Log" 10
check "the first opening reads the file" ui_until 10 reads_are 1
first=$(last_read)
echo "# first opening: $first bytes"
check "the first opening read the 100 kB" test "$first" -ge 100000
ui_keys g
check "from the first line" ui_wait "FILLER-001 " 5
ui_keys q
check "back home" ui_wait "loftdial | Home" 5
ui_keys 5
check "the log screen again" ui_wait "loftdial | Log" 10
check "the second opening read" ui_until 10 reads_are 2
second=$(last_read)
echo "# second opening: $second bytes"
check "the second opening read only what was appended" test "$second" -lt 20000
ui_keys g
check "the earlier lines are still there" ui_wait "FILLER-001 " 5

# Truncated while the screen is closed: read afresh.
ui_keys q
ui_wait "loftdial | Home" 5
: >"$log"
printf '2026-01-01T00:00:01.000Z INFO  test TRUNCATED-MARK\n' >>"$log"
ui_keys 5
check "after truncation the new line shows" ui_wait "TRUNCATED-MARK" 10
ui_keys g
check "after truncation the old lines are gone" ui_wait_gone "FILLER-" 5

# Rotated (the file moved away, a new one at the path): read afresh from the new file.
ui_keys q
ui_wait "loftdial | Home" 5
mv "$log" "$log.1"
printf '2026-01-01T00:00:02.000Z INFO  test ROTATED-MARK\n' >"$log"
ui_keys 5
check "after rotation the new file shows" ui_wait "ROTATED-MARK" 10
ui_keys g
check "after rotation the old file's lines are gone" ui_wait_gone "TRUNCATED-MARK" 5
ui_stop
ui_done
