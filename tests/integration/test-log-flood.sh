#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What a flood of step output costs the daemon (daemon.status "output"):
# - a subscriber with "live_max" gets that much of a stream live, then one
#   run.output_gap at the offset where live output stopped, and no more
#   run.output of it; log.read from there gives the rest, and the bytes
#   it put together are the log, byte for byte
# - an attached `loomctl run` (which sends live_max 262144) of a flood
#   gets at most that plus one chunk as run.output events, however fast
#   the step writes, and shows every byte
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq missing"
EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"

# Numbered lines, about 4 KiB per write.
cat >"$EXP/tasks/lines.py" <<'EOF'
import os, sys
n = int(sys.argv[2])  # "lines N"
for i in range(0, n, 256):
    os.write(1, b"".join(b"line %08d\n" % j for j in range(i, min(n, i + 256))))
EOF
printf '#!/bin/sh\nexec head -c 33554432 /dev/zero\n' >"$EXP/tasks/zeros"
chmod +x "$EXP/tasks/zeros"
N=200000
cat >"$EXP/flood.yml" <<EOF
pipeline:
  - {name: lines, task: tasks/lines.py, args: {lines: $N}}
EOF
printf 'pipeline:\n  - {name: zeros, task: tasks/zeros}\n' >"$EXP/zeros.yml"

output_count() { rpc call daemon.status | jq -r ".result.output.$1"; }
log_of() { ls "$EXP"/.loom/runs/"$1"/*-"$2".log; }

export PATH="/usr/bin:$PATH"
start_loomd

note "live_max: that much live, then a gap, the rest from log.read"
cat >"$TEST_TMP/sub.py" <<'EOF'
import base64, os, sys
sys.path.insert(0, os.path.join(os.environ["LOOM_SRC"], "tests/integration"))
from rpc import Client
live_max, outfile, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = Client(timeout=120)
assert "result" in c.call("run.subscribe", {"live_max": live_max})
open(ready, "w").write("ready\n")
data, gap, run = bytearray(), None, None
while True:
    m = c.recv(120)
    if "id" in m:
        continue
    p = m["params"]
    if m["method"] == "run.output":
        assert gap is None, "run.output after the gap"
        assert p["offset"] == len(data), (p["offset"], len(data))
        data += base64.b64decode(p["data"])
    elif m["method"] == "run.output_gap":
        assert gap is None and p["offset"] == len(data), (p, len(data))
        gap = p["offset"]
    elif m["method"] == "run.finished":
        run = p["run"]
        break
live = len(data)
assert gap is not None, "no run.output_gap after %d live bytes" % live
data += c.read_log(run, "lines", len(data))
open(outfile, "wb").write(data)
print(run, live, gap)
EOF
rm -f "$TEST_TMP/ready"
"$PYTHON" "$TEST_TMP/sub.py" 65536 "$TEST_TMP/sub.out" "$TEST_TMP/ready" \
    >"$TEST_TMP/sub.res" 2>"$TEST_TMP/sub.err" &
sub=$!
LIB_PIDS+=("$sub")
wait_for 30 test -s "$TEST_TMP/ready"
run=$("$LOOMCTL" run --force -d "$EXP/flood.yml") || fail "run -d failed"
st=0
wait "$sub" || st=$?
[ "$st" = 0 ] || fail "subscriber: status $st: $(tail -5 "$TEST_TMP/sub.err")"
read -r srun live gap <"$TEST_TMP/sub.res"
[ "$srun" = "$run" ] || fail "the subscriber followed run $srun, not $run"
log=$(log_of "$run" lines)
size=$(stat -c %s "$log")
[ "$size" = $((N * 14)) ] || fail "the log holds $size bytes"
cmp -s "$TEST_TMP/sub.out" "$log" || fail "live bytes and log.read differ from the log"
# Events are sent whole: the last one may reach past live_max by a chunk.
[ "$live" -ge 65536 ] && [ "$live" -le $((65536 + 262144)) ] ||
    fail "$live bytes came live with live_max 65536"
note "live_max 65536: $live bytes live, gap at $gap, $size in all"

note "attached: at most live_max and a chunk as events, every byte shown"
events=$(output_count event_bytes)
"$LOOMCTL" run --force --no-progress "$EXP/zeros.yml" >"$TEST_TMP/run.out" ||
    fail "attached run failed"
ev=$(($(output_count event_bytes) - events))
# "[zeros] " and the run's own lines around 32 MiB of zeros.
zeros=$(tr -cd '\0' <"$TEST_TMP/run.out" | wc -c)
[ "$zeros" = 33554432 ] || fail "attached run showed $zeros of 33554432 bytes"
[ "$ev" -le $((262144 + 262144)) ] || fail "$ev bytes went out as run.output"
note "attached: $ev bytes as events"

stop_loomd
echo PASS
