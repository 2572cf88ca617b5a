#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# loomctl and a daemon that does not answer (stopped with SIGSTOP):
# - `loomctl --timeout 2 daemon status` fails within its timeout with a
#   message naming the socket, the timeout and the daemon's pid, instead
#   of hanging;
# - an attached `loomctl --timeout 2 run` whose daemon stops mid-run
#   fails the same way: while streaming, a silent daemon is pinged;
# - but an attached run longer than the timeout, with a daemon that
#   answers, finishes normally (the timeout is on replies, not on runs);
# - a listener whose backlog is full (a stopped daemon with many callers)
#   does not block connect for ever either.
export LOOMD_IDLE_TIMEOUT=120
source "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
exp="$TEST_TMP/exp"
mkdir -p "$exp/tasks"
printf '#!/bin/sh\nsleep 3\necho slept\n' >"$exp/tasks/slow.sh"
printf '#!/bin/sh\necho started >"$MARK"\nexec sleep 600\n' \
    >"$exp/tasks/long.sh"
chmod +x "$exp/tasks/"*.sh
printf 'pipeline:\n  - {name: slow, task: tasks/slow.sh}\n' >"$exp/slow.yml"
printf 'pipeline:\n  - {name: long, task: tasks/long.sh}\n' >"$exp/long.yml"
export MARK="$TEST_TMP/mark"
start_loomd
cont() { kill -CONT "$LOOMD_PID" 2>/dev/null; }

note "a run longer than --timeout with a live daemon"
out=$(timeout 60 "$LOOMCTL" --timeout 1 run "$exp/slow.yml" 2>&1) ||
    fail "the attached run failed: $out"
echo "$out" | grep -q slept || fail "no step output: $out"

note "a stopped daemon: daemon status fails fast"
kill -STOP "$LOOMD_PID"
st=0
out=$(timeout 30 "$LOOMCTL" --timeout 2 daemon status 2>&1) || st=$?
cont
[ "$st" != 0 ] && [ "$st" != 124 ] ||
    fail "daemon status with a stopped daemon: status $st: $out"
echo "$out" | grep -q "loomd at $LOOM_SOCKET did not answer within 2 s" ||
    fail "unclear message: $out"
echo "$out" | grep -q "pid $LOOMD_PID" || fail "the pid is not named: $out"

note "a daemon stopped during an attached run"
timeout 60 "$LOOMCTL" --timeout 2 run "$exp/long.yml" \
    >"$TEST_TMP/run.out" 2>&1 &
runner=$!
wait_for 30 test -s "$MARK"
kill -STOP "$LOOMD_PID"
st=0
wait "$runner" || st=$?
cont
[ "$st" != 0 ] && [ "$st" != 124 ] ||
    fail "attached run with a stopped daemon: status $st: $(cat "$TEST_TMP/run.out")"
grep -q "did not answer within 2 s" "$TEST_TMP/run.out" ||
    fail "unclear message: $(cat "$TEST_TMP/run.out")"
stop_loomd

note "a full backlog: connect gives up after --timeout"
mkdir -m 700 "$TEST_TMP/full"
"$PYTHON" - "$TEST_TMP/full/loomd.sock" <<'PY' &
import os, socket, sys, time
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
os.chmod(path, 0o600)
s.listen(0)
held = []
while True:  # fill the backlog; never accept
    c = socket.socket(socket.AF_UNIX)
    c.setblocking(False)
    try:
        c.connect(path)
    except BlockingIOError:
        break
    held.append(c)
open(path + ".full", "w").close()
time.sleep(600)
PY
LIB_PIDS+=($!)
wait_for 20 test -e "$TEST_TMP/full/loomd.sock.full"
st=0
out=$(LOOM_SOCKET="$TEST_TMP/full/loomd.sock" timeout 30 "$LOOMCTL" \
    --timeout 2 daemon status 2>&1) || st=$?
[ "$st" != 0 ] && [ "$st" != 124 ] ||
    fail "connect to a full backlog: status $st: $out"
echo "$out" | grep -q "did not accept the connection within 2 s" ||
    fail "unclear message: $out"
note "ok"
