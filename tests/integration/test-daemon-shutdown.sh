#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Stopping a daemon that has work (loomd_stop with the run module's
# shutdown hook):
#   SIGTERM with a step running: the step's process is gone, the run's
#     record says cancelled, the daemon exits and removes its socket and
#     pid file, all within the kill grace plus a margin
#   a subscribed client is closed cleanly by the stop
#   `loomctl daemon stop` the same way, for a step that ignores SIGTERM
#     (the kill grace's SIGKILL path)
#   a daemon with an active run does not exit for being idle
source "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
export LOOMD_KILL_GRACE=1
export LOOMD_IDLE_TIMEOUT=1
exp="$TEST_TMP/exp"
mkdir -p "$exp/tasks" "$exp/out"
cat >"$exp/experiment.yml" <<'YML'
data:
  done:
    type: txt
    path: out/done.txt
pipeline:
  - name: wait
    task: tasks/wait.sh
    outputs:
      -o: $done
YML
cat >"$exp/tasks/wait.sh" <<'SH'
#!/bin/bash
# Record our pid, then wait; with IGNORE_TERM set, ignore SIGTERM.
# ---
# outputs:
#   -o: {type: txt, description: never written}
# ---
[ -f "$(dirname "$0")/../ignore-term" ] && trap '' TERM
echo $$ >"$(dirname "$0")/../out/pid"
while :; do sleep 0.2; done
SH
chmod +x "$exp/tasks/wait.sh"

record_state() {
	"$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["state"])' \
	    "$exp/.loom/runs/$1/run.json"
}
step_started() { [ -s "$exp/out/pid" ]; }

for how in sigterm stop; do
	note "$how with a running step"
	rm -f "$exp/out/pid"
	[ "$how" = stop ] && touch "$exp/ignore-term"
	id=$("$LOOMCTL" run -d "$exp/experiment.yml" 2>"$TEST_TMP/run.err" | tail -n 1) ||
	    fail "run -d failed: $(cat "$TEST_TMP/run.err")"
	[ -n "$id" ] || fail "no run id"
	wait_for 20 step_started
	step=$(cat "$exp/out/pid")
	daemon=$(daemon_pid)
	# Three idle timeouts: an active run keeps the daemon up.
	sleep 3
	kill -0 "$daemon" || fail "daemon exited with a run active"
	coproc SUB { "$PYTHON" - "$RPC_PY" "$LOOM_SOCKET" "$id" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("rpc", sys.argv[1])
rpc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rpc)
c = rpc.Client(sys.argv[2])
r = c.call("run.subscribe", {"run": sys.argv[3]})
print("subscribed" if "result" in r else r, flush=True)
try:
    c.read_until_closed(30)
    print("closed", flush=True)
except Exception as e:
    print("not closed: %r" % e, flush=True)
PY
	}
	# Keep our own copy: bash forgets SUB once the coprocess ends.
	exec {subfd}<&"${SUB[0]}"
	sub_pid=$SUB_PID
	read -r line <&"$subfd"
	[ "$line" = subscribed ] || fail "subscribe: $line"
	if [ "$how" = sigterm ]; then
		kill -TERM "$daemon"
	else
		"$LOOMCTL" daemon stop >/dev/null || fail "loomctl daemon stop"
	fi
	wait_gone 15 "$daemon"
	read -r line <&"$subfd"
	[ "$line" = closed ] || fail "subscriber: $line"
	exec {subfd}<&-
	wait "$sub_pid" 2>/dev/null
	lib_pid_gone "$step" || fail "step process $step survived the stop"
	[ ! -e "$LOOM_SOCKET" ] || fail "socket left after $how"
	[ ! -e "$LOOM_SOCKET.pid" ] || fail "pid file left after $how"
	st=$(record_state "$id")
	[ "$st" = cancelled ] || fail "record state after $how: $st"
done
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
