#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# RELIABILITY P12, crash between two record writes: the record is written
# at most every 5 s during a run, so steps that ended since the last write
# are known only from the step journal (kept open by the daemon between
# its lines). loomd is killed with SIGKILL while the third step of a
# chain runs, before the record has been written again. The next daemon
# must still report the two finished steps as succeeded (with their exit
# codes), the running one as interrupted, and kill that step's process,
# recognised by the pid and start time the journal holds (s2's end,
# held back, went to the journal in one write with s3's start). Their output
# stamps are read back: the two finished steps are up to date.
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
rpc() { "$PY" "$RPC_PY" -s "$LOOM_SOCKET" "$@"; }
run_field() { rpc call run.status "{\"run\":\"$1\"}" | jq -r ".result$2"; }
step_state() { run_field "$1" ".steps[] | select(.name == \"$2\") | .state"; }
is_running() { [ "$(step_state "$1" "$2")" = running ]; }

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/quick.sh" <<'EOF2'
for a; do o=$a; done
echo done >"$o"
EOF2
cat >"$EXP/tasks/long.sh" <<'EOF2'
echo "long step $LOOM_STEP_ID"
exec sleep 600
EOF2
cat >"$EXP/chain.yml" <<'EOF2'
data:
  a: {path: a.txt}
  b: {path: b.txt}
pipeline:
  - {name: s1, task: tasks/quick.sh, outputs: {o: $a}}
  - {name: s2, task: tasks/quick.sh, inputs: {i: $a}, outputs: {o: $b}}
  - {name: s3, task: tasks/long.sh, inputs: {i: $b}}
EOF2

start_loomd
old=$LOOMD_PID
id=$(rpc call run.start "$(jq -nc --arg f "$EXP/chain.yml" \
    '{file: $f, env: env, force: true}')" | jq -r '.result.run // .')
rec="$EXP/.loom/runs/$id/run.json"
wait_for 30 is_running "$id" s3
pid=$(run_field "$id" '.steps[] | select(.name == "s3") | .pid')
kill -0 "$pid" || fail "s3's process $pid is not running"
# Normally the record on disk is still the one written when the run
# started, and only the journal knows that s1 and s2 ended. On a machine
# so slow that the chain took over 5 s, a record was written meanwhile:
# the test then checks less, and says so.
on_disk=$(jq -r '[.steps[] | select(.state == "succeeded")] | length' "$rec")

# s2's end line is held back and written with s3's start (one write):
# both are there, in that order, before the crash (unless a record
# written since s3 started has taken the journal's place).
if [ -e "$EXP/.loom/runs/$id/steps.journal" ]; then
	jl=$(awk '{ print $1, $NF }' "$EXP/.loom/runs/$id/steps.journal")
	[ "$(tail -n1 <<<"$jl")" = "S s3" ] || fail "journal ends with: $jl"
	[ "$(wc -l <<<"$jl")" -lt 2 ] ||
	    [ "$(tail -n2 <<<"$jl" | head -n1)" = "E s2" ] ||
	    fail "s2's end not before s3's start: $jl"
fi

note "kill -9 loomd with s1, s2 done and s3 running (record on disk: $on_disk succeeded)"
kill -KILL "$old"
wait "$old" 2>/dev/null

start_loomd
[ "$(run_field "$id" .state)" = interrupted ] || fail "run state $(run_field "$id" .state)"
for s in s1 s2; do
	[ "$(step_state "$id" "$s")" = succeeded ] || fail "$s is $(step_state "$id" "$s")"
	[ "$(run_field "$id" ".steps[] | select(.name == \"$s\") | .exit_code")" = 0 ] ||
	    fail "$s: exit code lost"
done
[ "$(step_state "$id" s3)" = interrupted ] || fail "s3 is $(step_state "$id" s3)"
wait_gone 10 "$pid"
jq -e '.state == "interrupted"' "$rec" >/dev/null || fail "record on disk not updated"
[ ! -e "$EXP/.loom/runs/$id/steps.journal" ] || fail "journal left after recovery"

note "the finished steps' stamps are read back by the new daemon"
plan=$("$LOOMCTL" run --dry-run "$EXP/chain.yml")
grep -q '^# Pipeline: 1 step(s) to run, 2 up to date' <<<"$plan" ||
    fail "s1 and s2 not up to date: $plan"
grep -A1 '^# s3$' <<<"$plan" | grep -q 'runs: interrupted' || fail "s3: $plan"
echo PASS
