#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every method of protocol/loom-protocol.json against the real daemon:
# sent with the params of its schema example (after a run, so run.status,
# log.read and run.cancel have a run to name; daemon.stop last), none is
# "method not found", each result matches the method's result schema and
# each error is one the method lists.
. "$(dirname "$0")/lib.sh"

exp="$TEST_TMP/exp"
mkdir -p "$exp/tasks"
cat >"$exp/experiment.yml" <<'YML'
data:
  out: {type: txt, path: out/a.txt}
pipeline:
  - name: a
    task: tasks/a.sh
    outputs: {-o: $out}
YML
cat >"$exp/tasks/a.sh" <<'SH'
#!/bin/sh
echo "step a writes $2"
mkdir -p "$(dirname "$2")" && echo a >"$2"
SH
chmod +x "$exp/tasks/a.sh"

start_loomd
"$PYTHON" "$LOOM_SRC/tests/integration/protocheck.py" daemon \
    "$LOOM_SRC/protocol/loom-protocol.json" "$LOOM_SOCKET" "$exp" ||
    fail "a method does not answer as protocol/loom-protocol.json says"
wait_loomd_exit "$LOOMD_PID"
