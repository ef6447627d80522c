# uilib.sh: what the TUI tests share (sourced). Each test drives the real loftdial in a tmux
# server on its own socket (tmux -L), in a window of a fixed size, with TZ, LANG, HOME and
# TERM pinned, and waits for screen contents by polling capture-pane against a deadline,
# never by sleeping a fixed time.
#
#   ui_init                   work dir, private socket, cleanup trap, check() counters
#   ui_start W H CMD          a new server and session W x H running CMD (a shell command)
#   ui_keys KEY...            tmux send-keys (named keys as tmux spells them: Escape, C-f)
#   ui_text STRING            send-keys -l (literal text)
#   ui_wait TEXT [SECS]       until the pane shows TEXT (fixed string); 1 on timeout
#   ui_wait_gone TEXT [SECS]  until the pane no longer shows TEXT
#   ui_wait_file PATH [SECS]  until PATH exists and is not empty
#   ui_screen                 the pane's text now
#   ui_resize W H             resize the window
#   ui_stop                   kill the session's server, wait for its processes to end
#   check NAME CMD...         one TAP-like result line; ui_done prints the total and exits
#   ui_engine_ports LINES     a free block of engine ports, reserved for the test (sets port)
#   ui_hold_all DB            every phone of the store's people rings until released
#   ui_session_setup STEP SRC [LINE...]  a synced home dialling the sandbox's held phones
set -u

bin=${LOFTDIAL_BIN:?}
src=${LOFTDIAL_SRC:?}
# port_engine_block and port_reserve: ports no other test gets meanwhile.
. "$src/tests/lib/ports.sh"
fails=0
total=0

check() { # check NAME CONDITION...
	local name=$1
	shift
	total=$((total + 1))
	if "$@"; then
		echo "ok - $name"
	else
		echo "not ok - $name"
		fails=$((fails + 1))
	fi
}

ui_done() {
	echo "$((total - fails)) passed, $fails failed"
	exit $((fails > 0))
}

ui_init() {
	# A fixed-length path, so a path cut to the screen width cuts at the same place.
	work=$(mktemp -d /tmp/ldui.XXXXXXXX)
	ui_n=0
	sock=ldui$$x0
	export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8
	unset NO_COLOR
	trap ui_cleanup EXIT
}

ui_cleanup() {
	local i
	for i in $(seq 0 "$ui_n"); do
		tmux -L "ldui$$x$i" kill-server 2>/dev/null
	done
	[ -n "${sbx_pid:-}" ] && kill "$sbx_pid" 2>/dev/null && wait "$sbx_pid" 2>/dev/null
	rm -rf "$work"
}

# ui_start W H CMD: the command runs under a pinned environment (HOME and LOFTDIAL_HOME are
# the test's own; extra variables can be put in front of CMD).
ui_start() {
	local w=$1 h=$2
	shift 2
	# Each session gets a server of its own: a new session never races a server that is
	# still shutting down.
	ui_stop
	ui_n=$((ui_n + 1))
	sock=ldui$$x$ui_n
	tmux -L "$sock" -f "$src/tests/ui/tmux.conf" new-session -d -x "$w" -y "$h" \
		"env HOME=$work/home LOFTDIAL_HOME=${LOFTDIAL_HOME:-$work/home} TZ=UTC \
		LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color ASAN_OPTIONS=detect_leaks=0 $*"
}

ui_keys() { tmux -L "$sock" send-keys "$@"; }
ui_text() { tmux -L "$sock" send-keys -l "$1"; }
ui_screen() { tmux -L "$sock" capture-pane -p 2>/dev/null; }
ui_resize() { tmux -L "$sock" resize-window -x "$1" -y "$2"; }
# A process and its descendants, parents first.
ui_tree() {
	local c
	echo "$1"
	for c in $(pgrep -P "$1"); do ui_tree "$c"; done
}

# Alive and not a zombie waiting to be reaped.
ui_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*) return 1 ;; esac
	[ -n "$st" ]
}

# Kills the server, then waits (up to 30 s) until the program and everything it started are
# gone: a TUI still shutting down (stopping engines, finishing a send) would otherwise still
# hold its ports, locks and files while the test goes on or starts the next one.
ui_stop() {
	local pane p pids end
	pane=$(tmux -L "$sock" display -p '#{pane_pid}' 2>/dev/null)
	pids=$([ -n "$pane" ] && ui_tree "$pane")
	tmux -L "$sock" kill-server 2>/dev/null
	end=$((SECONDS + 30))
	for p in $pids; do
		while ui_alive "$p" && [ $SECONDS -lt $end ]; do sleep 0.05; done
	done
}

# Polls until the condition holds or the deadline passes (default 10 s). Every deadline is
# stretched by UI_DEADLINE_SCALE (3 unless set): a deadline only bounds the wait for something
# that must come, it costs nothing when it comes, and an ASan build on a loaded 2-core machine
# can take several times as long as a quiet debug run. No test asserts that something does
# not happen within a deadline.
ui_until() { # ui_until SECS CMD...
	local secs=$1
	shift
	local end=$((SECONDS + secs * ${UI_DEADLINE_SCALE:-3}))
	while ! "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
	return 0
}

ui_shows() { ui_screen | grep -qF -- "$1"; }
ui_lacks() { ! ui_shows "$1"; }
ui_wait() { ui_until "${2:-10}" ui_shows "$1"; }
ui_wait_gone() { ui_until "${2:-10}" ui_lacks "$1"; }
ui_wait_file() { ui_until "${2:-10}" test -s "$1"; }

# The screen with its volatile parts replaced: dates and times, the rate line's figures.
ui_normalise() {
	sed -E -e "s|$work|<work>|g" -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?Z?)?/<time>/g' \
		-e 's/^( Rate {8}).*/\1<rate>/' \
		-e 's/\b[0-9]{2}:[0-9]{2}:[0-9]{2}\b/<hms>/g' \
		-e 's/ +$//'
}

# ui_golden NAME [FILTER...]: compares the normalised screen (further filtered through FILTER,
# a command reading stdin, when given) with tests/ui/golden/NAME.screen; with
# LOFTDIAL_UPDATE_GOLDEN=1 it writes the file instead. The waits before a golden look for one
# piece of text, and the rest of the frame can still be on its way (tmux takes a frame in
# several reads, a status message may be replaced): so the capture is compared again until it
# matches or the deadline passes, and only the last capture's difference is printed.
ui_golden() {
	local name=$1 file="$src/tests/ui/golden/$1.screen"
	local end=$((SECONDS + 10 * ${UI_DEADLINE_SCALE:-3}))
	shift
	[ $# -gt 0 ] || set -- cat
	while :; do
		ui_screen | ui_normalise | "$@" >"$work/$name.screen"
		if [ "${LOFTDIAL_UPDATE_GOLDEN:-0}" = 1 ]; then
			cp "$work/$name.screen" "$file"
			return 0
		fi
		cmp -s "$file" "$work/$name.screen" && return 0
		[ $SECONDS -ge $end ] && break
		sleep 0.1
	done
	diff -u "$file" "$work/$name.screen"
	return 1
}

# sbx_up [ARGS...]: starts loftdial-sandbox on a free port; sets api. Then connect and sync
# run the real loftdial against it with the test's LOFTDIAL_HOME.
sbx_up() {
	local sbx=${LOFTDIAL_SANDBOX_BIN:?}
	"$sbx" --listen 127.0.0.1:0 "$@" >"$work/sbx.out" 2>"$work/sbx.err" &
	sbx_pid=$!
	ui_until 30 grep -q '^sandbox ready api=' "$work/sbx.out" || return 1
	api=$(sed -n 's/^sandbox ready api=//p' "$work/sbx.out")
	export LOFTDIAL_API_URL=$api LOFTDIAL_ACCOUNTS_URL=$api
}

# ui_engine_ports LINES: sets port to a base P below the ephemeral range such that the engines'
# SIP ports P, P+10, ... and control ports P+100, P+101, ... are free, each reserved for this
# test's life the way the C tests reserve theirs (port_engine_block, tests/lib/ports.sh), so no
# two tests running together, shell or C, pick the same port. 1 when none is found.
ui_engine_ports() { port_engine_block "$1"; }

# ui_hold_all DB: every phone of every person in the store file DB rings at the sandbox ($api)
# until the test releases it (POST /_sandbox/phones/release).
ui_hold_all() {
	python3 - "$1" "$api" <<'PY'
import json, sqlite3, sys, urllib.request
db, api = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
nums = set()
for row in c.execute("SELECT phone, mobile_phone, home_phone FROM sl_people"):
    for n in row:
        d = "".join(ch for ch in (n or "") if ch in "0123456789")
        if len(d) >= 3:
            nums.add(d)
c.close()
for d in sorted(nums):
    req = urllib.request.Request(api + "/_sandbox/phones/+" + d, method="PUT",
                                 data=json.dumps({"behaviour": "human ring=held"}).encode())
    urllib.request.urlopen(req).read()
PY
}

# ui_session_setup STEP SOURCE [LINE...]: what the dial session tests do before their first
# screen. Engine ports reserved for 3 lines (port); a home (LOFTDIAL_HOME, db) whose config
# dials the sandbox's simulated phones on 3 lines with AMD off, audio.source SOURCE and each
# LINE added; the sandbox (sbx_up, 300 people, its clock at $now_iso); connected with the
# sandbox's API key (key) and synced; every person's phone held ringing. STEP records each
# step: check (go on after a failure) or the test's must (stop there).
ui_session_setup() {
	local step=$1 source=$2 line
	shift 2
	key=ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	"$step" "a free engine port block" ui_engine_ports 3
	export LOFTDIAL_HOME=$work/home
	db=$LOFTDIAL_HOME/loftdial.db
	mkdir -p "$LOFTDIAL_HOME"
	"$step" "sandbox started" sbx_up --people 300 --rate-limit 0 --sip 127.0.0.1:0 \
		--now "${now_iso:?}"
	sip=$(sed -n 's/^phones ready sip=\([^ ]*\).*/\1/p' "$work/sbx.out")
	{
		cat <<CONF
sip.dialplan sip:{e164}@$sip
audio.source $source
audio.player aubridge,noplay
engine.local_ip 127.0.0.1
engine.sip_port $port
engine.ctrl_port $((port + 100))
dial.lines 3
dial.amd off
dial.no_zone rep
dial.stagger_ms 50
CONF
		for line in "$@"; do echo "$line"; done
	} >"$LOFTDIAL_HOME/config"
	"$bin" connect --api-key "$key" >/dev/null 2>&1
	"$step" "connected" test $? -eq 0
	"$bin" sync --quiet >/dev/null 2>&1
	"$step" "synced" test $? -eq 0
	"$step" "every number held" ui_hold_all "$db"
}
