#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Jobs that leave Slurm's queue without writing their exit status (their
# batch script killed with SIGKILL by the step itself) end "lost" after
# the minute Loom gives a late status file, never hang. The test cluster
# keeps no accounting: the daemon asks once (scontrol show config, one
# call for two such jobs) and then never calls sacct (counted by
# wrappers first on PATH). Through the private test cluster (SLURM_CONF;
# skipped without it unless LOOM_SLURM_REQUIRED=1). A minute and more
# of wall time (longer when the cluster is busy), nearly all waiting.
export LOOMD_IDLE_TIMEOUT=300
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/slurm-lib.sh"
slurm_need
export PATH="/usr/bin:$PATH"
slurm_wrap sbatch squeue scancel sacct scontrol

mkdir -p "$TEST_TMP/p"
cat >"$TEST_TMP/p/vanish.sh" <<'TASK'
# Kill the batch script running this step: no exit status is written.
echo vanishing
kill -KILL "$PPID"
TASK
cat >"$TEST_TMP/p/p.yml" <<'YML'
execution:
  executor: slurm
  slurm: {mem: 256M}
pipeline:
  - {name: one, task: vanish.sh}
  - {name: two, task: vanish.sh}
YML
start_loomd
st=0
"$LOOMCTL" run "$TEST_TMP/p/p.yml" --no-progress >"$TEST_TMP/out" 2>&1 || st=$?
[ "$st" = 1 ] || fail "exit $st, want 1: $(cat "$TEST_TMP/out")"
run=$(run_id "$TEST_TMP/out")
for i in 0 1; do
	[ "$(state_of "$run" ".steps[$i].state")" = lost ] ||
		fail "step $i: $(state_of "$run" ".steps[$i]")"
done
[ ! -e "$TEST_TMP/p/.loom/runs/$run/slurm/0-one.status" ] ||
	fail "a status file was written after all"
[ "$(calls scontrol)" = 1 ] || fail "scontrol calls: $(cat "$CALLS")"
[ "$(calls sacct)" = 0 ] || fail "sacct called without accounting: $(cat "$CALLS")"
stop_loomd
echo PASS
