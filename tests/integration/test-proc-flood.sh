#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Step output under pressure (RELIABILITY P7-P10):
# - P7: a step writes 128 MiB of random bytes with nobody watching and
#   records their sha256 itself: the log is exactly those bytes; the
#   daemon answers run.status and daemon.ping during the flood
# - P8: \r progress bars, ANSI colours, NUL, \xff\xfe, a 10 MiB line
#   without a newline and stderr interleaved with stdout: the log holds
#   exactly what was written, in order; a subscriber that keeps reading
#   rebuilds the same bytes from run.output (base64) and, where it was
#   too slow, run.output_gap plus log.read
# - P9: a subscriber that stops reading while a step writes 32 MiB gets
#   an output gap notice with the offset to resume from, catches up with
#   log.read and ends with every byte in order; the step is not held up
# - P10: a subscriber killed with SIGKILL mid-stream: the step goes on
#   and succeeds, the daemon is alive
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
rpc() { "$PY" "$RPC_PY" -s "$LOOM_SOCKET" "$@"; }
# Steps find python3 on the client's PATH: the system one, not a shim.
export PATH="/usr/bin:$PATH"
start_run() {
	rpc call run.start "$(jq -nc --arg f "$1" --argjson x "${2:-{\}}" \
	    '{file: $f, env: env, force: true} + $x')" | jq -r '.result.run // .'
}
run_field() { rpc call run.status "{\"run\":\"$1\"}" | jq -r ".result$2"; }
run_done() { case "$(run_field "$1" .state)" in running | "") return 1 ;; esac; }
step_field() { run_field "$1" ".steps[] | select(.name == \"$2\") | $3"; }
step_running() { [ "$(step_field "$1" "$2" .state)" = running ]; }

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/random.py" <<'EOF'
"""Write $FLOOD_BYTES random bytes to stdout; their sha256 to $FLOOD_HASH."""
import hashlib, os, sys
n = int(os.environ["FLOOD_BYTES"])
h = hashlib.sha256()
out = sys.stdout.buffer
while n > 0:
    chunk = os.urandom(min(n, 1 << 20))
    h.update(chunk)
    out.write(chunk)
    n -= len(chunk)
out.flush()
open(os.environ["FLOOD_HASH"], "w").write(h.hexdigest() + "\n")
EOF
cat >"$EXP/tasks/bytes.py" <<'EOF'
"""Write awkward bytes to stdout and stderr, and the same to $BYTES_COPY."""
import os, sys, time
parts = [
    (1, b"\rprogress  10%\rprogress  50%\rprogress 100%\n"),
    (2, b"\x1b[31mred on stderr\x1b[0m\n"),
    (1, b"\x1b[1;32mbold green\x1b[0m and a NUL \x00 here\n"),
    (2, b"\xff\xfe not utf-8 \xc3\n"),
    (1, b"x" * (10 << 20)),
    (2, b"\nafter the long line, on stderr\n"),
    (1, b"partial utf-8 \xe2\x82"),
    (1, b"\xac done"),
]
copy = open(os.environ["BYTES_COPY"], "wb")
for fd, data in parts:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    copy.write(data)
copy.close()
EOF
cat >"$EXP/tasks/slowflood.py" <<'EOF'
"""Write $FLOOD_BYTES bytes of a counter pattern, then wait for $GO."""
import os, sys, time
n = int(os.environ["FLOOD_BYTES"])
i = 0
out = sys.stdout.buffer
while n > 0:
    line = b"%012d " % i + b"y" * 50 + b"\n"
    line = line[:n]
    out.write(line)
    n -= len(line)
    i += 1
out.flush()
EOF
for t in random bytes slowflood; do
	printf 'pipeline:\n  - name: %s\n    task: tasks/%s.py\n' "$t" "$t" \
	    >"$EXP/$t.yml"
done
# A follower: subscribes to a run, rebuilds the output of one step from
# run.output and (after a gap) log.read, and prints what it saw. With
# --stall N it stops reading for N seconds after the first output.
cat >"$TEST_TMP/follow.py" <<'EOF'
import base64, json, os, sys, time
sys.path.insert(0, os.path.join(os.environ["LOOM_SRC"], "tests/integration"))
from rpc import Client
pipeline, step, outfile = sys.argv[1:4]
stall = float(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--stall" else 0
c = Client(timeout=120)
r = c.call("run.start", {"file": pipeline, "env": dict(os.environ),
                         "subscribe": True, "force": True})
run = r["result"]["run"]
print("run", run, flush=True)
data = bytearray()
gap = None
gaps = 0
while True:
    m = c.recv(120)
    if "id" in m:
        continue
    p = m["params"]
    if m["method"] == "run.output" and p["step"] == step and gap is None:
        assert p["offset"] == len(data), (p["offset"], len(data))
        data += base64.b64decode(p["data"])
        if stall:
            print("stalling", flush=True)
            time.sleep(stall)
            stall = 0
    elif m["method"] == "run.output_gap" and p["step"] == step:
        assert gap is None and p["offset"] == len(data), (p, len(data))
        gap = p["offset"]
        gaps += 1
    elif m["method"] == "run.finished":
        break
if gap is not None:
    off = gap
    while True:
        r = c.call("log.read", {"run": run, "step": step, "offset": off,
                                "max": 4 << 20})["result"]
        assert r["offset"] == off
        data += base64.b64decode(r["data"])
        off = r["next"]
        if r["eof"]:
            break
open(outfile, "wb").write(data)
print("gaps", gaps, flush=True)
EOF

start_loomd

note "P7 128 MiB of random bytes, nobody watching"
export FLOOD_BYTES=$((128 << 20)) FLOOD_HASH="$TEST_TMP/flood.sha256"
id=$(start_run "$EXP/random.yml")
wait_for 30 step_running "$id" random
# The daemon keeps answering while the step floods it.
rpc call daemon.ping >/dev/null || fail "daemon.ping during the flood"
[ "$(run_field "$id" .state)" != "" ] || fail "run.status during the flood"
wait_for 240 run_done "$id"
[ "$(run_field "$id" .state)" = succeeded ] || fail "flood run $(run_field "$id" .state)"
log="$EXP/.loom/runs/$id/$(step_field "$id" random .log)"
[ "$(stat -c %s "$log")" = "$FLOOD_BYTES" ] || fail "log has $(stat -c %s "$log") bytes"
[ "$(sha256sum <"$log" | cut -d' ' -f1)" = "$(cat "$FLOOD_HASH")" ] ||
    fail "log sha256 differs from the task's own"
[ "$(step_field "$id" random .log_bytes)" = "$FLOOD_BYTES" ] || fail "log_bytes in the record"
rm -f "$log"

note "P8 verbatim bytes, to the log and to a subscriber"
export BYTES_COPY="$TEST_TMP/bytes.copy"
"$PY" "$TEST_TMP/follow.py" "$EXP/bytes.yml" bytes "$TEST_TMP/bytes.seen" \
    >"$TEST_TMP/follow.out" || fail "follower failed"
id=$(awk '/^run /{print $2}' "$TEST_TMP/follow.out")
cmp "$BYTES_COPY" "$EXP/.loom/runs/$id/$(step_field "$id" bytes .log)" || fail "log differs from what was written"
cmp "$BYTES_COPY" "$TEST_TMP/bytes.seen" || fail "subscriber saw other bytes"

note "P9 a subscriber that stops reading catches up from the log"
export FLOOD_BYTES=$((32 << 20))
"$PY" "$TEST_TMP/follow.py" "$EXP/slowflood.yml" slowflood \
    "$TEST_TMP/slow.seen" --stall 4 >"$TEST_TMP/slow.out" || fail "slow follower failed"
id=$(awk '/^run /{print $2}' "$TEST_TMP/slow.out")
grep -qx "gaps 1" "$TEST_TMP/slow.out" || fail "no gap notice: $(cat "$TEST_TMP/slow.out")"
cmp "$EXP/.loom/runs/$id/$(step_field "$id" slowflood .log)" "$TEST_TMP/slow.seen" || fail "slow subscriber lost bytes"
[ "$(stat -c %s "$TEST_TMP/slow.seen")" = "$FLOOD_BYTES" ] || fail "slow subscriber got a short stream"

note "P10 a subscriber killed mid-stream"
export FLOOD_BYTES=$((64 << 20))
"$PY" "$TEST_TMP/follow.py" "$EXP/slowflood.yml" slowflood \
    "$TEST_TMP/killed.seen" --stall 600 >"$TEST_TMP/killed.out" &
fpid=$!
wait_for 30 grep -q stalling "$TEST_TMP/killed.out"
id=$(awk '/^run /{print $2}' "$TEST_TMP/killed.out")
kill -KILL "$fpid"
wait "$fpid" 2>/dev/null
wait_for 120 run_done "$id"
[ "$(run_field "$id" .state)" = succeeded ] || fail "step hurt by a vanished client"
[ "$(stat -c %s "$EXP/.loom/runs/$id/$(step_field "$id" slowflood .log)")" = "$FLOOD_BYTES" ] || fail "log incomplete"
rpc call daemon.ping >/dev/null || fail "daemon not alive"

stop_loomd
echo PASS
