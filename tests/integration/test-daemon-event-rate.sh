#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# LOOMD_EVENT_DELAY_MS is a rate, not a delay: a Unix-socket client is
# written to at most once per delay. An event that comes when the last
# write to its client is older than that leaves at once; events that come
# sooner wait for the rest of the delay, together.
# - at once: a subscriber silent for longer than the delay (8 s here)
#   gets run.started of a new run within 4 s of run.start's reply to
#   another client. Held for the delay instead, it came after 8 s at the
#   earliest.
# - together: the events of a second run, started right after, do not
#   come for 3 s, then come with those held before them.
# - a client's own rate: one that said event_rate_ms 0 in daemon.hello
#   gets that second run.started at once, while the subscriber waits;
#   a rate over 60000 is refused.
# The steps wait for a file, so no run.finished (sent at once) ends a run
# inside the windows.
# - loomctl with stdout not a terminal asks for 250 ms: with the daemon's
#   own rate at 60 s, an attached `loomctl run > file` still writes
#   [SUCCESS] of a first step while the second one waits for a file.
. "$(dirname "$0")/lib.sh"

WAIT=30
export LOOMD_EVENT_DELAY_MS=8000
export LOOMD_IDLE_TIMEOUT=120
P="$TEST_TMP/p"
mkdir -p "$P/tasks"
export PATH="/usr/bin:$PATH"

cat >"$P/tasks/hold.sh" <<'EOF'
#!/bin/sh
while [ ! -e "$(dirname "$0")/../$1.go" ]; do sleep 0.05; done
EOF
chmod +x "$P/tasks/hold.sh"
for n in one two; do
	printf 'pipeline:\n  - {name: %s, task: tasks/hold.sh, args: {%s: 1}}\n' \
	    "$n" "$n" >"$P/$n.yml"
done

start_loomd

cat >"$TEST_TMP/rate.py" <<'EOF'
import os, sys, time
sys.path.insert(0, os.path.join(os.environ["LOOM_SRC"], "tests/integration"))
from rpc import Client
P = sys.argv[1]
delay = int(os.environ["LOOMD_EVENT_DELAY_MS"]) / 1000.0

sub = Client(timeout=30)
assert "result" in sub.call("run.subscribe", {})
other = Client(timeout=30)
# A client that asked for no holding at all.
fast = Client(timeout=30)
v = fast.call("daemon.hello", {"protocol": 0})["error"]["data"]["daemon"]
r = fast.call("daemon.hello", {"protocol": v, "event_rate_ms": 60001})
assert r.get("error", {}).get("code") == -32602, r
assert "result" in fast.call("daemon.hello", {"protocol": v,
                                              "event_rate_ms": 0})
assert "result" in fast.call("run.subscribe", {})

def start(name):
    r = other.call("run.start", {"file": P + "/" + name + ".yml",
                                 "env": dict(os.environ), "force": True})
    assert "result" in r, r
    return r["result"]["run"]

# Nothing has been written to the subscriber for longer than the delay.
time.sleep(delay + 0.5)
one = start("one")
m = sub.recv(delay / 2)
assert m["method"] == "run.started" and m["params"]["run"] == one, m
print("at once: run.started of", one, flush=True)

# What is already here was written with it; later events are held.
got = []
while sub.buf:
    got.append(sub.recv(0.1))
two = start("two")
deadline = time.monotonic() + delay / 2
while True:
    m = fast.recv(max(0.01, deadline - time.monotonic()))
    if m["method"] == "run.started" and m["params"]["run"] == two:
        break
print("event_rate_ms 0: run.started of", two, "at once", flush=True)
assert sub.expect_silence(3.0), "an event came within the delay"
deadline = time.monotonic() + 2 * delay
while not any(m["method"] == "run.started" and m["params"]["run"] == two
              for m in got):
    got.append(sub.recv(max(0.01, deadline - time.monotonic())))
print("together: run.started of", two, "after", len(got) - 1,
      "held events", flush=True)
for n in ("one", "two"):
    open(P + "/" + n + ".go", "w").close()
print("runs", one, two, flush=True)
EOF

"$PYTHON" "$TEST_TMP/rate.py" "$P" >"$TEST_TMP/rate.out" 2>&1 ||
	fail "$(cat "$TEST_TMP/rate.out")"
cat "$TEST_TMP/rate.out"
for id in $(sed -n 's/^runs //p' "$TEST_TMP/rate.out"); do
	"$LOOMCTL" wait "$id" >/dev/null || fail "run $id did not succeed"
done
stop_loomd

note "loomctl > file asks for 250 ms: lines come while the daemon's rate is 60 s"
export LOOMD_EVENT_DELAY_MS=60000
start_loomd
printf 'pipeline:\n  - {name: first, task: tasks/hold.sh, args: {first: 1}}\n  - {name: then, task: tasks/hold.sh, args: {then: 1}}\nexecution: {parallel: false}\n' \
    >"$P/pair.yml"
: >"$P/first.go"
"$LOOMCTL" --timeout 0 run --no-progress "$P/pair.yml" >"$TEST_TMP/pair.out" \
    2>"$TEST_TMP/pair.err" &
ctl=$!
LIB_PIDS+=("$ctl")
wait_for 20 grep -q '^\[RUNNING\] then' "$TEST_TMP/pair.out"
grep -q '^\[SUCCESS\] first' "$TEST_TMP/pair.out" ||
	fail "no [SUCCESS] first: $(cat "$TEST_TMP/pair.out")"
: >"$P/then.go"
st=0
wait "$ctl" || st=$?
[ "$st" = 0 ] || fail "loomctl run: status $st: $(cat "$TEST_TMP/pair.err")"
stop_loomd
echo PASS
