#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Cancelling runs and what steps leave behind (RELIABILITY P1-P4):
# - P1: a step whose shell ignores SIGTERM, with two background sleeps
#   in its process group: cancel sends SIGTERM first, then SIGKILL after
#   the grace period; the whole group is gone; the record says cancelled,
#   ended by SIGKILL
# - P2: a step that exits on SIGTERM (writing a marker) never gets
#   SIGKILL
# - P3: a stopped step (SIGSTOP) ends through SIGTERM (SIGCONT sent with
#   it), not SIGKILL
# - P4: a step that leaves a setsid grandchild behind and exits 0: no
#   process carrying the run's LOOM_RUN_ID remains, loomd has no zombie
#   children; the same when the run is cancelled, for a setsid
#   grandchild and a plain background one
# Long enough that the daemon never idles out between two checks.
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

# The pyenv shim in front of python3 costs seconds per call.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
rpc() { "$PY" "$RPC_PY" -s "$LOOM_SOCKET" "$@"; }
start_run() {
	rpc call run.start "$(jq -nc --arg f "$1" --argjson x "${2:-{\}}" \
	    '{file: $f, env: env} + $x')" | jq -r '.result.run // .'
}
run_field() { rpc call run.status "{\"run\":\"$1\"}" | jq -r ".result$2"; }
run_done() { case "$(run_field "$1" .state)" in running | "") return 1 ;; esac; }
step_field() { run_field "$1" ".steps[] | select(.name == \"$2\") | $3"; }
# log_has TEXT RUN STEP: the step's log (named in the record) holds TEXT
log_has() {
	local l
	l=$(step_field "$2" "$3" .log) && [ -n "$l" ] && [ "$l" != null ] &&
	    grep -q "$1" "$EXP/.loom/runs/$2/$l"
}
step_running() { [ "$(step_field "$1" "$2" .state)" = running ]; }
has_line() { grep -q "$1" "$2"; }
# Live processes (zombies aside) whose environment holds $1 exactly.
marked() {
	local f n=0
	for f in $(grep -lsxzF "$1" /proc/[0-9]*/environ); do
		grep -qs 'State:.*Z' "${f%/environ}/status" || n=$((n + 1))
	done
	echo "$n"
}
no_marked() { [ "$(marked "$1")" = 0 ]; }
zombies() { ps -o stat= --ppid "$LOOMD_PID" | grep -c '^Z' || true; }
# A count of 0 zombies, allowing for one being reaped right now.
no_zombies() { [ "$(zombies)" = 0 ]; }

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/p1.sh" <<'EOF'
trap "" TERM
sleep 600 &
sleep 600 &
echo started
wait
EOF
cat >"$EXP/tasks/p2.sh" <<'EOF'
exec "$FAKE_TASK" term-marker "$P2_MARKER" lines 1 sleep 600000
EOF
cat >"$EXP/tasks/p3.sh" <<'EOF'
exec "$FAKE_TASK" lines 1 sleep 600000
EOF
cat >"$EXP/tasks/escape.sh" <<'EOF'
setsid sh -c 'sleep 600' &
echo escaped
EOF
cat >"$EXP/tasks/escape-wait.sh" <<'EOF'
setsid sh -c 'sleep 600' </dev/null >/dev/null 2>&1 &
sleep 600 &
echo escaped
sleep 600
EOF
for t in p1 p2 p3 escape escape-wait; do
	printf 'pipeline:\n  - name: %s\n    task: tasks/%s.sh\n' "$t" "$t" \
	    >"$EXP/$t.yml"
done

start_loomd -v
ERR="$TEST_TMP/loomd.0.err"

note "P1 group kill: TERM ignored, KILL after the grace period"
id=$(start_run "$EXP/p1.yml")
wait_for 20 step_running "$id" p1
wait_for 20 log_has started "$id" p1
pid=$(step_field "$id" p1 .pid)
[ "$(pgrep -g "$pid" | wc -l)" = 3 ] || fail "group of $pid: $(pgrep -g "$pid" | tr '\n' ' ')"
rpc call run.cancel "{\"run\":\"$id\"}" >/dev/null || fail "run.cancel"
wait_for 10 run_done "$id"
[ -z "$(pgrep -g "$pid")" ] || fail "group $pid still has $(pgrep -g "$pid")"
[ "$(run_field "$id" .state)" = cancelled ] || fail "run state $(run_field "$id" .state)"
[ "$(step_field "$id" p1 .state)" = cancelled ] || fail "step state $(step_field "$id" p1 .state)"
[ "$(step_field "$id" p1 .signal)" = SIGKILL ] || fail "not ended by SIGKILL"
term=$(grep -n "run $id: p1: sending SIGTERM" "$ERR" | cut -d: -f1)
kill=$(grep -n "run $id: p1: sending SIGKILL" "$ERR" | cut -d: -f1)
[ -n "$term" ] && [ -n "$kill" ] && [ "$term" -lt "$kill" ] ||
    fail "SIGTERM not sent before SIGKILL"

note "P2 graceful: exits on TERM, never killed"
export P2_MARKER="$TEST_TMP/p2.marker"
id=$(start_run "$EXP/p2.yml")
wait_for 20 log_has "line 1" "$id" p2
rpc call run.cancel "{\"run\":\"$id\"}" >/dev/null || fail "run.cancel"
wait_for 10 run_done "$id"
[ -s "$P2_MARKER" ] || fail "the TERM handler did not run"
! grep -q "run $id: p2: sending SIGKILL" "$ERR" || fail "P2 step got SIGKILL"
[ "$(step_field "$id" p2 .exit_code)" = 0 ] || fail "P2 exit code"
[ "$(run_field "$id" .state)" = cancelled ] || fail "P2 run state"

note "P3 a stopped step ends through SIGTERM"
id=$(start_run "$EXP/p3.yml")
wait_for 20 log_has "line 1" "$id" p3
pid=$(step_field "$id" p3 .pid)
kill -STOP -- "-$pid"
wait_for 5 grep -q 'State:.*T' "/proc/$pid/status"
rpc call run.cancel "{\"run\":\"$id\"}" >/dev/null || fail "run.cancel"
wait_for 10 run_done "$id"
[ "$(step_field "$id" p3 .signal)" = SIGTERM ] || fail "P3 signal $(step_field "$id" p3 .signal)"
! grep -q "run $id: p3: sending SIGKILL" "$ERR" || fail "P3 step got SIGKILL"

note "P4 escaped grandchild of a step that exits 0"
id=$(start_run "$EXP/escape.yml")
wait_for 20 run_done "$id"
[ "$(run_field "$id" .state)" = succeeded ] || fail "escape run $(run_field "$id" .state)"
wait_for 5 no_marked "LOOM_RUN_ID=$id"
wait_for 5 no_zombies

note "P4 cancel with a setsid grandchild and a background one"
id=$(start_run "$EXP/escape-wait.yml")
wait_for 20 log_has escaped "$id" escape-wait
[ "$(marked "LOOM_RUN_ID=$id")" -ge 4 ] || fail "expected 4 marked processes, got $(marked "LOOM_RUN_ID=$id")"
rpc call run.cancel "{\"run\":\"$id\"}" >/dev/null || fail "run.cancel"
wait_for 10 run_done "$id"
wait_for 5 no_marked "LOOM_RUN_ID=$id"
wait_for 5 no_zombies
[ "$(run_field "$id" .state)" = cancelled ] || fail "run state"

stop_loomd
echo PASS
