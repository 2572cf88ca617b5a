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
# The steps wait for a file, so no run.finished (sent at once) ends a run
# inside the windows.
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
echo PASS
