#!/usr/bin/env python3
"""lists_expect.py API KEY < SCREEN: checks the Lists screen against the sandbox.

Works the figures out the long way, independently of loftdial: every cadence, the rep's due
phone actions in it paged through 100 at a time (no paging counts), and the call-task buckets;
then every cadence with calls due must be one row of the captured screen with its count, the
task rows must carry theirs, and no other cadence may be listed. Prints what differs; exit 1
when anything does.
"""
import json
import re
import sys
import time
import urllib.parse
import urllib.request

api, key = sys.argv[1], sys.argv[2]
screen = sys.stdin.read().splitlines()


def get(path, **params):
    url = api + path + "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def count(path, **params):
    n, page = 0, 1
    while True:
        data = get(path, per_page=100, page=page, **params)["data"]
        n += len(data)
        if len(data) < 100:
            return n
        page += 1


me = get("/v2/me")["data"]
now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
expect = {}
for c in get("/v2/cadences", per_page=100)["data"]:
    n = count("/v2/actions", cadence_id=c["id"], type="phone", **{"due_on[lte]": now},
              user_guid=me["guid"])
    if n:
        expect[c["name"]] = n
tasks = {b: count("/v2/tasks", task_type="call", current_state="scheduled", user_id=me["id"],
                  time_interval_filter=b) for b in ("overdue", "today")}

bad = 0
rows = {}
for line in screen:
    m = re.match(r"^ (.*?) +(\d+)(?: +(\d+))? *$", line)
    if m:
        rows[m.group(1)] = int(m.group(2))
for name, n in list(expect.items()) + [("Call tasks: overdue", tasks["overdue"]),
                                        ("Call tasks: due today", tasks["today"])]:
    if rows.get(name) != n:
        print(f"{name!r}: the screen shows {rows.get(name)}, the sandbox has {n}")
        bad = 1
for name in rows:
    if name not in expect and not name.startswith("Call tasks: "):
        print(f"{name!r} is listed but has no calls due in the sandbox")
        bad = 1
print(f"{len(expect)} cadences, {sum(expect.values())} calls due, tasks {tasks}")
sys.exit(bad)
