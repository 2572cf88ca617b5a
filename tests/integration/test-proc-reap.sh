#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Processes come and go cleanly (RELIABILITY P6, P15):
# - P6: exit 0, exit 1, exit 137, death by SIGSEGV, a missing
#   interpreter and a task that is not executable end in distinct,
#   documented states (exit code or signal name; start failures carry an
#   error naming the task)
# - P15: max_workers 3 with six plain steps and a parallel loop of six
#   items: the tasks' own start and end times never overlap more than 3
#   deep, and loomd never has more than 3 step processes (sampled); loop
#   items get their own logs (<step>.<n>.log) and states
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
run_done() { case "$(run_field "$1" .state)" in running | "") return 1 ;; esac; }
step_field() { run_field "$1" ".steps[] | select(.name == \"$2\") | $3"; }

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks" "$EXP/items"
printf 'exit 0\n' >"$EXP/tasks/exit0.sh"
printf 'exit 1\n' >"$EXP/tasks/exit1.sh"
printf 'exit 137\n' >"$EXP/tasks/exit137.sh"
printf 'kill -SEGV $$\n' >"$EXP/tasks/segv.sh"
printf 'print("never")\n' >"$EXP/tasks/nointerp.py"
printf '#!/bin/sh\necho never\n' >"$EXP/tasks/noexec"
chmod 644 "$EXP/tasks/noexec"
cat >"$EXP/p6.yml" <<'EOF'
pipeline:
  - {name: ok, task: tasks/exit0.sh}
  - {name: one, task: tasks/exit1.sh}
  - {name: k137, task: tasks/exit137.sh}
  - {name: segv, task: tasks/segv.sh}
  - {name: nointerp, task: tasks/nointerp.py, interpreter: loom-no-such-interpreter}
  - {name: noexec, task: tasks/noexec}
  - {name: noexec2, task: tasks/noexec, interpreter: ./tasks/noexec}
EOF

note "P6 exit reporting"
start_loomd
id=$(start_run "$EXP/p6.yml" '{"parallel": true}')
wait_for 60 run_done "$id"
st() { step_field "$id" "$1" '[.state, (.exit_code|tostring), (.signal|tostring)] | join(" ")'; }
[ "$(st ok)" = "succeeded 0 null" ] || fail "exit 0: $(st ok)"
[ "$(st one)" = "failed 1 null" ] || fail "exit 1: $(st one)"
[ "$(st k137)" = "failed 137 null" ] || fail "exit 137: $(st k137)"
[ "$(st segv)" = "failed null SIGSEGV" ] || fail "SIGSEGV: $(st segv)"
[ "$(st nointerp)" = "failed null null" ] || fail "missing interpreter: $(st nointerp)"
step_field "$id" nointerp .error | grep -q "loom-no-such-interpreter" ||
    fail "missing interpreter not named: $(step_field "$id" nointerp .error)"
step_field "$id" nointerp .error | grep -q "tasks/nointerp.py" ||
    fail "task path not named: $(step_field "$id" nointerp .error)"
[ "$(st noexec)" = "failed null null" ] || fail "not executable: $(st noexec)"
step_field "$id" noexec .error | grep -q "$EXP/tasks/noexec" ||
    fail "not executable: $(step_field "$id" noexec .error)"
[ "$(st noexec2)" = "failed null null" ] || fail "not executable: $(st noexec2)"
step_field "$id" noexec2 .error | grep -q "$EXP/tasks/noexec: Permission denied" ||
    fail "not executable: $(step_field "$id" noexec2 .error)"
grep -q "loom-no-such-interpreter" "$EXP/.loom/runs/$id/$(step_field "$id" nointerp .log)" ||
    fail "start failure not in the step log"
[ "$(run_field "$id" .state)" = failed ] || fail "P6 run state"

note "P15 worker cap with plain steps and a loop"
for i in 1 2 3 4 5 6; do echo "$i" >"$EXP/items/f$i.txt"; done
cat >"$EXP/tasks/busy.sh" <<'EOF'
echo "start $(date +%s%N)" >>"$TIMES"
echo "args: $*"
sleep 0.3
echo "end $(date +%s%N)" >>"$TIMES"
EOF
{
	echo "variables: {items: items, outs: outs}"
	echo "execution: {parallel: true, max_workers: 3}"
	echo "pipeline:"
	for i in 1 2 3 4 5 6; do echo "  - {name: s$i, task: tasks/busy.sh}"; done
	echo "  - name: each"
	echo "    task: tasks/busy.sh"
	echo "    loop: {over: \$items, into: \$outs}"
	echo "    inputs: {in: \$loop_item}"
	echo "    outputs: {-o: \$loop_output}"
} >"$EXP/p15.yml"
export TIMES="$TEST_TMP/times"
: >"$TIMES"
id=$(start_run "$EXP/p15.yml")
max=0
while ! run_done "$id"; do
	n=$(ps -o pid= --ppid "$LOOMD_PID" | wc -l)
	[ "$n" -gt "$max" ] && max=$n
	sleep 0.01
done
[ "$max" -le 3 ] || fail "loomd had $max step processes at once"
depth=$(sort -k2,2n "$TIMES" | awk '$1 == "start" {d++; if (d > m) m = d} $1 == "end" {d--} END {print m}')
[ "$depth" -le 3 ] || fail "tasks overlapped $depth deep with max_workers 3"
[ "$(grep -c start "$TIMES")" = 12 ] || fail "expected 12 task runs, got $(grep -c start "$TIMES")"
[ "$(run_field "$id" .state)" = succeeded ] || fail "P15 run $(run_field "$id" .state)"
[ "$(run_field "$id" .steps_total)" = 7 ] || fail "a loop counts as one step"
[ "$(step_field "$id" each '.items | length')" = 6 ] || fail "loop items"
[ "$(step_field "$id" each '[.items[].state] | unique | join(",")')" = succeeded ] ||
    fail "loop item states"
for n in 0 1 2 3 4 5; do
	log=$(step_field "$id" each ".items[$n].log")
	grep -qx "args: .*items/f$((n + 1)).txt -o .*" "$EXP/.loom/runs/$id/$log" ||
	    fail "no log of its own for item $n"
done
step_field "$id" each '.items[0].argv | join(" ")' | grep -q "items/f1.txt -o $EXP/outs/f1.txt" ||
    fail "loop item argv: $(step_field "$id" each '.items[0].argv')"

stop_loomd
echo PASS
