#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# RELIABILITY P5: many trivial steps run to success; afterwards loomd has
# no zombie children and its descriptor count is back to the baseline
# taken after a warm-up run. The catalogue asks for 2,000 steps:
#   LOOM_P5_STEPS=2000 LOOM_P5_DEADLINE=900 bash test-proc-many.sh
# CTest runs 500 by default, so that the sanitizer build fits its 300 s
# timeout on a busy 2-core machine (each step costs a fork of an
# instrumented daemon plus fsyncs of its stamps).
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
fd_count() { ls "/proc/$LOOMD_PID/fd" | wc -l; }
zombies() { ps -o stat= --ppid "$LOOMD_PID" | grep -c '^Z' || true; }
n=${LOOM_P5_STEPS:-500}
deadline=${LOOM_P5_DEADLINE:-240}

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
# /bin/true: a trivial step that starts fast even on a loaded machine.
ln -s /bin/true "$EXP/tasks/noop"
for count in 3 "$n"; do
	{
		echo "execution: {parallel: true, max_workers: 4}"
		echo "pipeline:"
		for i in $(seq "$count"); do echo "  - {name: t$i, task: tasks/noop}"; done
	} >"$EXP/p$count.yml"
done

start_loomd
note "warm-up"
id=$(start_run "$EXP/p3.yml")
wait_for 60 run_done "$id"
base=$(fd_count)

note "P5 $n trivial steps"
id=$(start_run "$EXP/p$n.yml")
wait_for "$deadline" run_done "$id"
[ "$(run_field "$id" .state)" = succeeded ] || fail "P5 run $(run_field "$id" .state)"
[ "$(run_field "$id" .steps_succeeded)" = "$n" ] ||
    fail "P5: $(run_field "$id" .steps_succeeded) of $n succeeded"
wait_for 10 test "$(zombies)" = 0
now=$(fd_count)
[ "$now" -le $((base + 2)) ] && [ "$now" -ge $((base - 2)) ] ||
    fail "loomd has $now descriptors, $base before"

stop_loomd
echo PASS
