#!/usr/bin/env bash
# Q ends loftdial at once whatever the network is doing, and loses nothing (issue 9: a soak
# run once waited past 5 s at Q). The hard case is a host name being resolved: libcurl
# resolves in a thread of its own and, when a transfer ends before the answer (cancelled at Q,
# by x, or timed out), used to wait for getaddrinfo() to give up, with the loop stopped: 20 s
# and more when DNS does not answer. Here the Salesloft host is a name served by a small DNS
# server of the test's own (resolv.conf replaced in a private mount namespace, so it needs
# root and unshare; without them the test is skipped, exit 77). It answers while the test
# connects, then goes silent; the TUI then syncs and sends a call record, both stuck in name
# resolution, and must answer x and Q within a deadline generous to a loaded machine (before
# the fix: a minute, resolv.conf's timeout times its attempts). The record being sent stays in
# the outbox and reaches Salesloft exactly once when DNS answers again.
if [ -z "${LD_QUIT_NS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
		echo "skipped: needs root and unshare -m to give loftdial a DNS server of its own"
		exit 77
	fi
	LD_QUIT_NS=1 exec unshare -m bash "$0" "$@"
fi
. "$(dirname "$0")/uilib.sh"
ui_init
export LOFTDIAL_HOME=$work/home
mkdir -p "$LOFTDIAL_HOME"

# The DNS server: A records of *.loftdial.test are 127.0.0.1 (no AAAA) while $work/dns-on
# exists; without it every query is dropped, as by a server that is down.
dns_ip=127.83.77.53
printf 'nameserver %s\noptions timeout:30 attempts:2\n' "$dns_ip" >"$work/resolv.conf"
check "resolv.conf replaced in the namespace" mount --bind "$work/resolv.conf" /etc/resolv.conf
touch "$work/dns-on"
python3 - "$dns_ip" "$work/dns-on" "$work/dns-ready" <<'PY' &
import os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
open(sys.argv[3], "w").write("1")
while True:
    q, peer = s.recvfrom(4096)
    if len(q) < 17 or not os.path.exists(sys.argv[2]):
        continue
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace").lower())
        i += 1 + q[i]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    ours = ".".join(labels).endswith("loftdial.test")
    answer = b""
    if ours and qtype == 1:
        answer = struct.pack(">HHHIH4s", 0xC00C, 1, 1, 0, 4, socket.inet_aton("127.0.0.1"))
    rcode = 0 if ours else 3
    head = struct.pack(">HHHHHH", struct.unpack(">H", q[:2])[0], 0x8180 | rcode, 1,
                       1 if answer else 0, 0, 0)
    s.sendto(head + question + answer, peer)
PY
dns_pid=$!
trap 'kill $dns_pid 2>/dev/null; ui_cleanup' EXIT
check "DNS server up" ui_wait_file "$work/dns-ready" 10
check "sandbox started" sbx_up --people 300
export LOFTDIAL_API_URL=http://sbx.loftdial.test:${api##*:} LOFTDIAL_ACCOUNTS_URL=$LOFTDIAL_API_URL
"$bin" connect --api-key ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>"$work/connect.out" 2>&1
check "connected through the name" test $? -eq 0 || cat "$work/connect.out"
"$bin" sync --quiet >/dev/null 2>&1
check "synced" test $? -eq 0
db=$LOFTDIAL_HOME/loftdial.db
"$bin" api GET '/v2/tasks?task_type=call&current_state=scheduled&per_page=1' --compact \
	>"$work/tasks.json"
read -r task person < <(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["data"][0]
print(t["id"], t["person"]["id"])' "$work/tasks.json")
check "a call task" test -n "${person:-}"
calls_of() {
	"$bin" api GET "/v2/activities/calls?person_id=$person&per_page=100" --compact 2>/dev/null |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))'
}
before=$(calls_of)
state() {
	python3 -c '
import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT state FROM outbox WHERE dedupe_key = ?",
                                         (sys.argv[2],)).fetchone()
print(r[0] if r else "none")' "$db" "task:$task"
}
is_state() { [ "$(state)" = "$1" ]; }
rm "$work/dns-on"

# run.sh: the pane's program; loftdial keeps the pid it wrote, its end is written down.
cat >"$work/run.sh" <<'RUN'
w=$1; shift
sh -c 'echo $$ >"$0"; exec "$@"' "$w/pid" "$@"
echo $? >"$w/rc"
date +%s.%N >"$w/ended"
exec sleep 600
RUN
# Threads of loftdial: more than one while a name is being resolved.
threads() { ls "/proc/$(cat "$work/pid")/task" 2>/dev/null | wc -l; }
resolving() { [ "$(threads)" -gt 1 ]; }

ui_start 120 40 bash "$work/run.sh" "$work" "$bin"
check "home drawn" ui_wait "call_sentiments" 20
ui_keys s
check "the sync waits for the name" ui_until 10 resolving
ui_keys x
ui_keys '?'
check "x stops it and keys are answered while names resolve" ui_wait "Keys on Home" 5
ui_keys q
ui_keys s
python3 - "$db" "task:$task" "{\"person_id\":$person,\"task_id\":$task,\"disposition\":\"Connected\",\"to\":\"+15550100001\"}" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10)
now = int(time.time())
db.execute("INSERT INTO outbox (kind, dedupe_key, body, state, attempts, next_at, created_at,"
           " updated_at) VALUES ('call', ?, ?, 'queued', 0, ?, ?, ?)",
           (sys.argv[2], sys.argv[3], now, now, now))
db.commit()
PY
check "the call record is being sent" ui_until 10 is_state sending
check "names are being resolved" ui_until 10 resolving
t0=$(date +%s.%N)
ui_keys Q
# Generous for a loaded machine (a quiet one takes well under a second); before the fix
# loftdial stayed until getaddrinfo() gave up, a minute here.
check "Q: loftdial ends while names resolve" ui_wait_file "$work/ended" 5
[ -s "$work/ended" ] && echo "# Q to exit: $(python3 -c 'import sys; print("%.2f s" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$(cat "$work/ended")")"
check "exit status 0" test "$(cat "$work/rc" 2>/dev/null)" = 0
check "the record stays in the outbox" is_state sending

# DNS answers again: the next TUI finds the record and it lands once.
touch "$work/dns-on"
check "not in Salesloft yet" test "$(calls_of)" -eq "$before"
rm -f "$work/ended" "$work/rc"
ui_start 120 40 bash "$work/run.sh" "$work" "$bin"
check "again: home drawn" ui_wait "call_sentiments" 20
check "the record reaches Salesloft" ui_until 20 is_state sent
check "exactly once" test "$(calls_of)" -eq $((before + 1))
ui_keys Q
check "Q: ends" ui_wait_file "$work/ended" 5
ui_done
