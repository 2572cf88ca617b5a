#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Events held for Unix-socket clients (LOOMD_EVENT_DELAY_MS) never hold
# what a client waits for. The delay here is 60 s, longer than any wait
# below, so every event that arrives was sent by one of these rules:
# - run.finished: an attached `loomctl run` of a chain ends and prints
#   every [RUNNING] and [SUCCESS] line, in order;
# - a reply: a subscriber asking run.status while a step runs gets the
#   held run.step_started first, then the reply;
# - 64 KiB of held events: a subscriber sees a step's output (256 KiB,
#   in order) while the step still waits for it to have been seen;
# - the end of a stream read from the log file: `logs -f` of a running
#   step ends when the step does, while the run goes on.
# loomctl runs with --timeout 0: no daemon.ping (whose reply would send
# what is held) after 30 s without a byte. Each client here had a reply
# less than 60 s before each event, so none leaves at once as the first
# write in a delay (test-daemon-event-rate).
. "$(dirname "$0")/lib.sh"

WAIT=45		# every wait below; less than the delay
export LOOMD_EVENT_DELAY_MS=60000
P="$TEST_TMP/p"
mkdir -p "$P/tasks"
export PATH="/usr/bin:$PATH"

# hold.sh NAME BYTES: print BYTES numbered bytes, say so (P/NAME.started),
# then wait for P/NAME.go.
cat >"$P/tasks/hold.sh" <<'EOF'
#!/bin/sh
awk -v n="$2" 'BEGIN { for (i = 0; i < n; i += 8) printf "%07d\n", i }'
: >"$(dirname "$0")/../$1.started"
while [ ! -e "$(dirname "$0")/../$1.go" ]; do sleep 0.05; done
EOF
chmod +x "$P/tasks/hold.sh"
hold_yml() {
	printf 'pipeline:\n  - {name: %s, task: tasks/hold.sh, args: {%s: %s}}\n' \
	    "$1" "$1" "$2" >"$P/$1.yml"
}

start_loomd

note "run.finished: an attached run of a chain ends, every line in order"
bench_shell_chain "$P" 5
timeout "$WAIT" "$LOOMCTL" --timeout 0 run --force --no-progress "$P/chain.yml" \
    >"$TEST_TMP/chain.out" 2>"$TEST_TMP/chain.err" ||
	fail "attached run: status $?: $(cat "$TEST_TMP/chain.err")"
for i in 1 2 3 4 5; do
	printf '[RUNNING] s%s\n[SUCCESS] s%s\n' "$i" "$i"
done >"$TEST_TMP/chain.want"
grep -E '^\[(RUNNING|SUCCESS)\]' "$TEST_TMP/chain.out" |
	sed -E 's/^(\[[A-Z]+\] s[0-9]+).*/\1/' >"$TEST_TMP/chain.got"
diff "$TEST_TMP/chain.want" "$TEST_TMP/chain.got" ||
	fail "lines differ: $(cat "$TEST_TMP/chain.out")"

# A subscriber to every run: prints "ready", then gets commands on stdin.
cat >"$TEST_TMP/sub.py" <<'EOF'
import base64, os, sys, time
sys.path.insert(0, os.path.join(os.environ["LOOM_SRC"], "tests/integration"))
from rpc import Client
wait, P = float(sys.argv[1]), sys.argv[2]
c = Client(timeout=wait)
assert "result" in c.call("run.subscribe", {})
print("ready", flush=True)

def until(path):
    deadline = time.monotonic() + wait
    while not os.path.exists(path):
        assert time.monotonic() < deadline, "no " + path
        time.sleep(0.02)

def events(method):
    return [m for m in c.notifications if m["method"] == method]

def finished(run):
    while not any(m["params"]["run"] == run for m in events("run.finished")):
        c.notifications.append(c.recv(wait))

for line in sys.stdin:
    what, run = line.split()
    if what == "status":
        # The step runs: its run.step_started is queued, the reply after.
        until(P + "/hold.started")
        while True:
            res = c.call("run.status", {"run": run})["result"]
            if res["steps"][0]["state"] == "running":
                break
        assert [m["params"]["step"] for m in events("run.step_started")
                if m["params"]["run"] == run] == ["hold"], c.notifications
        open(P + "/hold.go", "w").close()
        finished(run)
    elif what == "flood":
        # 256 KiB of output: at least 128 KiB of it before the step ends.
        data = bytearray()
        while len(data) < 128 * 1024:
            m = c.recv(wait)
            c.notifications.append(m)
            if m["method"] == "run.output" and m["params"]["run"] == run:
                assert m["params"]["offset"] == len(data)
                data += base64.b64decode(m["params"]["data"])
        open(P + "/flood.go", "w").close()
        finished(run)
        for m in c.notifications:
            p = m["params"]
            if m["method"] == "run.output" and p["run"] == run and \
                    p["offset"] >= len(data):
                assert p["offset"] == len(data)
                data += base64.b64decode(p["data"])
        want = b"".join(b"%07d\n" % i for i in range(0, 262144, 8))
        assert data == want, "output differs (%d bytes)" % len(data)
    print("ok", what, flush=True)
EOF

coproc SUB { "$PYTHON" "$TEST_TMP/sub.py" "$WAIT" "$P" 2>"$TEST_TMP/sub.err"; }
LIB_PIDS+=("$SUB_PID")
read -r -t "$WAIT" got <&"${SUB[0]}" && [ "$got" = ready ] ||
	fail "subscriber: $got $(cat "$TEST_TMP/sub.err")"
# ask WHAT RUN: the subscriber's part, "ok WHAT" when it passed.
ask() {
	echo "$1 $2" >&"${SUB[1]}"
	read -r -t "$WAIT" got <&"${SUB[0]}" && [ "$got" = "ok $1" ] ||
		fail "subscriber ($1): $got $(cat "$TEST_TMP/sub.err")"
}

note "a reply: the held run.step_started comes before it"
hold_yml hold 8
run=$("$LOOMCTL" run --force -d "$P/hold.yml") || fail "run -d hold failed"
ask status "$run"

note "64 KiB of held events: output flows while the step waits for it"
hold_yml flood 262144
run=$("$LOOMCTL" run --force -d "$P/flood.yml") || fail "run -d flood failed"
ask flood "$run"
exec {SUB[1]}>&-

note "the end of a stream read from the log file: logs -f ends"
# A second step keeps the run going: no run.finished sends what is held.
hold_yml follow 16
printf '  - {name: next, task: tasks/hold.sh, args: {next: 8}}\n%s\n' \
    'execution: {parallel: false}' >>"$P/follow.yml"
run=$("$LOOMCTL" run --force -d "$P/follow.yml") || fail "run -d follow failed"
wait_for "$WAIT" test -e "$P/follow.started"
timeout "$WAIT" "$LOOMCTL" --timeout 0 logs -f "$run" follow >"$TEST_TMP/follow.out" \
    2>"$TEST_TMP/follow.err" &
logs=$!
LIB_PIDS+=("$logs")
# Its log file is open (the lines are out) before the step is let go.
wait_for "$WAIT" grep -qx 0000008 "$TEST_TMP/follow.out"
: >"$P/follow.go"
st=0
wait "$logs" || st=$?
[ "$st" = 0 ] || fail "logs -f: status $st: $(cat "$TEST_TMP/follow.err")"
printf '0000000\n0000008\n' | cmp -s - "$TEST_TMP/follow.out" ||
	fail "logs -f printed: $(cat "$TEST_TMP/follow.out")"
: >"$P/next.go"
"$LOOMCTL" wait "$run" || fail "run $run did not succeed"

stop_loomd
echo PASS
