#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# RELIABILITY P12, crash mid-run: loomd is killed with SIGKILL while a
# run has 3 steps running and 2 queued (max_workers 3). Then:
# - the run record on disk is valid JSON;
# - the next daemon reports the run as interrupted: the running steps
#   read "interrupted", the queued ones stay "pending" and never start
#   on their own;
# - the old step processes (identified by pid and start time) are
#   killed by the new daemon; their logs are kept.
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
rpc() { "$PY" "$RPC_PY" -s "$LOOM_SOCKET" "$@"; }
start_run() {
	rpc call run.start "$(jq -nc --arg f "$1" --argjson x "${2:-{\}}" \
	    '{file: $f, env: env, force: true} + $x')" | jq -r '.result.run // .'
}
run_field() { rpc call run.status "{\"run\":\"$1\"}" | jq -r ".result$2"; }
# The record on disk shows three running steps.
three_running() {
	[ "$(jq '[.steps[] | select(.state == "running")] | length' "$1")" = 3 ]
}

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/long.sh" <<'EOF2'
echo "long step $LOOM_STEP_ID"
exec sleep 600
EOF2
cat >"$EXP/tasks/after.sh" <<'EOF2'
echo ran >>"$AFTER_MARK"
EOF2
cat >"$EXP/crash.yml" <<'EOF2'
execution: {parallel: true, max_workers: 3}
pipeline:
  - {name: l1, task: tasks/long.sh}
  - {name: l2, task: tasks/long.sh}
  - {name: l3, task: tasks/long.sh}
  - {name: q1, task: tasks/after.sh}
  - {name: q2, task: tasks/after.sh}
EOF2
export AFTER_MARK="$TEST_TMP/after"

start_loomd
old=$LOOMD_PID
id=$(start_run "$EXP/crash.yml")
rec="$EXP/.loom/runs/$id/run.json"
wait_for 30 three_running "$rec"
pids=$(jq -r '.steps[] | select(.state == "running") | .pid' "$rec")
for p in $pids; do kill -0 "$p" || fail "step process $p not running"; done

note "kill -9 loomd with 3 steps running and 2 queued"
kill -KILL "$old"
wait "$old" 2>/dev/null
jq -e . "$rec" >/dev/null || fail "record is not valid JSON after the crash"

note "a new daemon reports the run interrupted"
start_loomd
[ "$(run_field "$id" .state)" = interrupted ] || fail "run state $(run_field "$id" .state)"
for s in l1 l2 l3; do
	st=$(run_field "$id" ".steps[] | select(.name == \"$s\") | .state")
	[ "$st" = interrupted ] || fail "$s is $st"
	log=$(run_field "$id" ".steps[] | select(.name == \"$s\") | .log")
	grep -q "long step" "$EXP/.loom/runs/$id/$log" || fail "log of $s lost"
done
for s in q1 q2; do
	st=$(run_field "$id" ".steps[] | select(.name == \"$s\") | .state")
	[ "$st" = pending ] || fail "$s is $st"
done
jq -e '.state == "interrupted"' "$rec" >/dev/null || fail "record on disk not updated"
for p in $pids; do wait_gone 10 "$p"; done
r=$(rpc call run.cancel "{\"run\":\"$id\"}")
[ "$(jq -r .error.code <<<"$r")" = -32002 ] || fail "cancel of an interrupted run: $r"
r=$(rpc call run.list '{}')
[ "$(jq -r '.result.runs[0].state' <<<"$r")" = interrupted ] || fail "run.list: $r"
[ ! -e "$AFTER_MARK" ] || fail "a queued step started on its own"

note "SIGTERM to the daemon cancels its runs and records them"
id=$(start_run "$EXP/crash.yml")
rec="$EXP/.loom/runs/$id/run.json"
wait_for 30 three_running "$rec"
pids=$(jq -r '.steps[] | select(.state == "running") | .pid' "$rec")
kill -TERM "$LOOMD_PID"
wait_loomd_exit "$LOOMD_PID" 0
for p in $pids; do wait_gone 10 "$p"; done
jq -e '.state == "cancelled"' "$rec" >/dev/null || fail "record after SIGTERM: $(jq -c .state "$rec")"
[ "$(jq '[.steps[] | select(.state == "cancelled")] | length' "$rec")" = 5 ] ||
    fail "steps after SIGTERM: $(jq -c '[.steps[].state]' "$rec")"
[ ! -e "$AFTER_MARK" ] || fail "a queued step started during the shutdown"
echo PASS
