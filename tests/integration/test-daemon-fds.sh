#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# No daemon descriptor leaks into a step (S13, first half): a step started
# by a daemon that has clients, a log file, a pid lock and a listening
# socket sees only its standard descriptors 0, 1 and 2 (plus the one `ls`
# opens itself to read the folder).
source "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
exp="$TEST_TMP/exp"
mkdir -p "$exp/tasks"
cat >"$exp/experiment.yml" <<'YML'
data:
  fds:
    type: txt
    path: out/fds.txt
pipeline:
  - name: fds
    task: tasks/fds.sh
    outputs:
      -o: $fds
YML
cat >"$exp/tasks/fds.sh" <<'SH'
#!/bin/sh
# List the descriptors this step inherited.
# ---
# outputs:
#   -o: {type: txt, description: ls -l /proc/self/fd}
# ---
mkdir -p "$(dirname "$2")"
exec ls -l /proc/self/fd >"$2"
SH
chmod +x "$exp/tasks/fds.sh"

"$LOOMCTL" daemon status >/dev/null || fail "cannot start the daemon"
# Extra idle clients, so the daemon holds more than its listener.
coproc HOLD { "$PYTHON" "$RPC_PY" hold 3 2>&1; }
read -r line <&"${HOLD[0]}"
[ "$line" = "open 3" ] || fail "holder: $line"

"$LOOMCTL" run "$exp/experiment.yml" >"$TEST_TMP/run.out" 2>&1 ||
    fail "run failed: $(cat "$TEST_TMP/run.out")"
[ -s "$exp/out/fds.txt" ] || fail "no fd listing"
fds=$(awk '$NF != "" && $(NF-2) ~ /^[0-9]+$/ {print $(NF-2)}' "$exp/out/fds.txt" | sort -n | tr '\n' ' ')
echo "step descriptors: $fds"
case $fds in
"0 1 2 " | "0 1 2 3 ") ;;
*) fail "step inherited descriptors: $fds
$(cat "$exp/out/fds.txt")" ;;
esac
eval "exec ${HOLD[1]}>&-"
wait "$HOLD_PID" 2>/dev/null
"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop"
wait_for 20 test ! -e "$LOOM_SOCKET"
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
