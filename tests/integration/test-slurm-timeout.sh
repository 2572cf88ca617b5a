#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A step that outlives its Slurm time limit (resources: {time: 1}) ends
# as "timeout", not just "failed", with the exit status its batch script
# wrote (143: the SIGTERM Slurm sent at the limit), and its dependant is
# skipped. Slurm's limits count in minutes, so this takes over a minute:
# it runs only with LOOM_SLURM_SLOW=1 (and the test cluster, SLURM_CONF);
# the state table it relies on is also checked on squeue's answers in
# tests/unit/test-slurm.c.
export LOOMD_IDLE_TIMEOUT=300
. "$(dirname "$0")/lib.sh"

[ "${LOOM_SLURM_SLOW:-0}" = 1 ] || skip "slow (over a minute): LOOM_SLURM_SLOW=1 runs it"
. "$(dirname "$0")/slurm-lib.sh"
slurm_need
export PATH="/usr/bin:$PATH"

mkdir -p "$TEST_TMP/p"
printf 'echo napping\nexec sleep 600\n' >"$TEST_TMP/p/nap.sh"
printf 'echo never\n' >"$TEST_TMP/p/then.sh"
cat >"$TEST_TMP/p/p.yml" <<'YML'
execution:
  executor: slurm
  slurm: {mem: 256M}
data:
  o: {type: txt, path: out/o.txt}
pipeline:
  - name: nap
    task: nap.sh
    outputs: {-o: $o}
    resources: {time: "1"}
  - name: then
    task: then.sh
    inputs: {i: $o}
YML
start_loomd
st=0
"$LOOMCTL" run "$TEST_TMP/p/p.yml" --no-progress >"$TEST_TMP/out" 2>&1 || st=$?
[ "$st" = 1 ] || fail "exit $st: $(cat "$TEST_TMP/out")"
run=$(run_id "$TEST_TMP/out")
[ "$(state_of "$run" '.steps[0].state')" = timeout ] ||
	fail "nap: $(state_of "$run" '.steps[0]')"
[ "$(state_of "$run" '.steps[0].exit_code')" = 143 ] ||
	fail "nap's exit code: $(state_of "$run" '.steps[0]')"
[ "$(state_of "$run" '.steps[1].state')" = skipped ] ||
	fail "then: $(state_of "$run" '.steps[1]')"
[ "$(state_of "$run" .state)" = failed ] || fail "run: $(state_of "$run" .state)"
"$LOOMCTL" status "$run" | grep -q "^nap  *timeout" ||
	fail "loomctl status: $("$LOOMCTL" status "$run")"
stop_loomd
echo PASS
