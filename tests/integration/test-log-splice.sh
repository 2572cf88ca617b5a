#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Step output spliced into its log (splice(2), never read by the daemon)
# whenever no client takes it live, and read as before when one does;
# daemon.status "output".spliced_bytes shows which path the bytes took.
# - nobody attached (run -d), with `loomctl wait` subscribed during the
#   output ("output": false): every byte spliced but the first chunk
#   (written: it creates the file), none sent as events;
#   the log holds exactly the step's stdout and stderr, interleaved in
#   the order written
# - attached `loomctl run` of the same step: every line of stdout and
#   stderr exactly once, in order, under its prefix; past the first live
#   bytes the output was spliced (loomctl follows the log file)
# - an editor-like subscriber (run.subscribe to all runs, JSON events)
#   during an attached run: it rebuilds every byte of the log from
#   run.output (and, should it fall 8 MiB behind, run.output_gap plus
#   log.read), and nothing it took live was spliced; loomctl's output is
#   complete as well
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq missing"
EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
go="$TEST_TMP/go"

# N numbered lines, odd ones on stdout and even ones on stderr, each its
# own write; with $GO set, the second half waits for that file.
cat >"$EXP/tasks/mix.py" <<'EOF'
import os, sys, time
n = int(sys.argv[2])  # "lines N"
gate = os.environ.get("GO")
for i in range(1, n + 1):
    if gate and i == n // 2 + 1:
        while not os.path.exists(gate):
            time.sleep(0.01)
    fd = 1 if i % 2 else 2
    os.write(fd, b"%s %d\n" % (b"out" if fd == 1 else b"err", i))
EOF
N=200000
printf 'pipeline:\n  - {name: mix, task: tasks/mix.py, args: {lines: %d}}\n' \
    "$N" >"$EXP/mix.yml"
"$PYTHON" - "$N" >"$TEST_TMP/expected" <<'EOF'
import sys
for i in range(1, int(sys.argv[1]) + 1):
    print("%s %d" % ("out" if i % 2 else "err", i))
EOF

output_count() { rpc call daemon.status | jq -r ".result.output.$1"; }
subscribes() { grep -c ': run.subscribe id' "$TEST_TMP"/loomd.0.err || true; }
more_subscribes() { [ "$(subscribes)" -gt "$1" ]; }
log_of() { ls "$EXP"/.loom/runs/"$1"/*-mix.log; }
has_lines() { [ -f "$(log_of "$1")" ] && [ "$(wc -l <"$(log_of "$1")")" -ge "$2" ]; }

# Steps find python3 on the client's PATH: the system one, not a shim.
export PATH="/usr/bin:$PATH"
start_loomd -v

note "nobody attached, loomctl wait subscribed: all of it spliced"
spliced=$(output_count spliced_bytes)
events=$(output_count event_bytes)
subs=$(subscribes)
rm -f "$go"
run=$(GO="$go" "$LOOMCTL" run --force -d "$EXP/mix.yml") || fail "run -d failed"
wait_for 60 has_lines "$run" $((N / 2))
"$LOOMCTL" wait -q "$run" &
waiter=$!
LIB_PIDS+=("$waiter")
wait_for 60 more_subscribes "$subs"
: >"$go"
st=0
wait "$waiter" || st=$?
[ "$st" = 0 ] || fail "loomctl wait: status $st"
log=$(log_of "$run")
cmp -s "$log" "$TEST_TMP/expected" || fail "the log is not what the step wrote"
size=$(stat -c %s "$log")
# All but the first chunk, which is written (it creates the file).
sp=$(($(output_count spliced_bytes) - spliced))
[ "$sp" -le "$size" ] && [ "$sp" -ge $((size - 262144)) ] ||
    fail "spliced $sp of $size bytes"
[ "$(output_count event_bytes)" = "$events" ] ||
    fail "output went out as run.output with nobody taking it live"

note "attached: stdout and stderr complete and in order, the bulk spliced"
spliced=$(output_count spliced_bytes)
events=$(output_count event_bytes)
"$LOOMCTL" run --force "$EXP/mix.yml" >"$TEST_TMP/run.out" ||
    fail "run failed: $(tail -5 "$TEST_TMP/run.out")"
sed -n 's/^\[mix\] //p' "$TEST_TMP/run.out" >"$TEST_TMP/got"
cmp -s "$TEST_TMP/got" "$TEST_TMP/expected" ||
    fail "attached output differs: $(diff "$TEST_TMP/got" "$TEST_TMP/expected" | head -5)"
sp=$(($(output_count spliced_bytes) - spliced))
ev=$(($(output_count event_bytes) - events))
# What was not spliced was read, and went out as events to loomctl
# (all but the one chunk read when a gap begins).
[ "$sp" -le "$size" ] && [ "$((sp + ev + 262144))" -ge "$size" ] ||
    fail "spliced $sp and sent $ev of $size bytes"
[ "$ev" -le $((1024 * 1024)) ] || fail "$ev bytes went out as run.output"

note "an editor subscribed meanwhile gets every byte as JSON events"
cat >"$TEST_TMP/editor.py" <<'EOF'
import base64, os, sys
sys.path.insert(0, os.path.join(os.environ["LOOM_SRC"], "tests/integration"))
from rpc import Client
step, outfile, ready = sys.argv[1:4]
c = Client(timeout=120)
assert "result" in c.call("run.subscribe", {})
open(ready, "w").write("ready\n")
data, gap, run, events = bytearray(), None, None, 0
while True:
    m = c.recv(120)
    if "id" in m:
        continue
    p = m["params"]
    if m["method"] == "run.output" and p["step"] == step:
        assert gap is None and p["offset"] == len(data), (p["offset"], len(data))
        data += base64.b64decode(p["data"])
        run, events = p["run"], events + 1
    elif m["method"] == "run.output_gap" and p["step"] == step:
        assert gap is None and p["offset"] == len(data), (p, len(data))
        gap = p["offset"]
    elif m["method"] == "run.finished":
        run = p["run"]
        break
live = len(data)
if gap is not None:
    data += c.read_log(run, step, len(data))
open(outfile, "wb").write(data)
print(run, events, live)
EOF
spliced=$(output_count spliced_bytes)
rm -f "$TEST_TMP/ready"
"$PYTHON" "$TEST_TMP/editor.py" mix "$TEST_TMP/editor.out" "$TEST_TMP/ready" \
    >"$TEST_TMP/editor.res" 2>"$TEST_TMP/editor.err" &
editor=$!
LIB_PIDS+=("$editor")
wait_for 30 test -s "$TEST_TMP/ready"
"$LOOMCTL" run --force "$EXP/mix.yml" >"$TEST_TMP/run.out" ||
    fail "run with an editor failed: $(tail -5 "$TEST_TMP/run.out")"
st=0
wait "$editor" || st=$?
[ "$st" = 0 ] || fail "editor: status $st: $(tail -5 "$TEST_TMP/editor.err")"
read -r erun evs live <"$TEST_TMP/editor.res"
sed -n 's/^\[mix\] //p' "$TEST_TMP/run.out" >"$TEST_TMP/got"
cmp -s "$TEST_TMP/got" "$TEST_TMP/expected" ||
    fail "attached output with an editor differs"
[ "$erun" = "$(sed -n 's/^Run: //p' "$TEST_TMP/run.out")" ] ||
    fail "the editor followed run $erun"
cmp -s "$TEST_TMP/editor.out" "$(log_of "$erun")" ||
    fail "the editor's bytes differ from the log"
[ "$evs" -gt 0 ] || fail "the editor got no run.output event"
sp=$(($(output_count spliced_bytes) - spliced))
# Whatever the editor took live was read, not spliced.
[ "$sp" -le $((size - live)) ] ||
    fail "spliced $sp bytes while the editor took $live of $size live"
note "editor: $evs events, $live of $size bytes live, $sp spliced"

stop_loomd
echo PASS
