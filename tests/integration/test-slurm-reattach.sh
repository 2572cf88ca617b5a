#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A daemon killed (SIGKILL) while a run's step runs as a Slurm job, and a
# new daemon started: the new one re-attaches to the job instead of
# killing it (docs/slurm.md, "A daemon restart"). The step waits for a
# file; once it is created after the restart, the job ends, the run ends
# "succeeded" in its record with the step's exit code and job id, the
# job is gone from squeue, and the step's log holds what it printed
# before the crash (once) and after it. Through the private test cluster
# (SLURM_CONF; skipped without it unless LOOM_SLURM_REQUIRED=1).
export LOOMD_IDLE_TIMEOUT=300
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/slurm-lib.sh"
slurm_need
export PATH="/usr/bin:$PATH"

GO="$TEST_TMP/p/go"
mkdir -p "$TEST_TMP/p"
cat >"$TEST_TMP/p/p.yml" <<YML
execution:
  executor: slurm
  slurm: {mem: 256M}
pipeline:
  - name: hold
    task: $FAKE_TASK
    args: {lines: 2, wait-file: $GO, env: LOOM_RUN_ID}
YML
start_loomd
run=$("$LOOMCTL" run -d "$TEST_TMP/p/p.yml") || fail "run -d: $run"
# The step has printed its first lines: its job runs.
printed() { "$LOOMCTL" logs "$run" hold 2>/dev/null | grep -q .; }
wait_for 60 printed
job=$(state_of "$run" '.steps[0].job')
[ -n "$job" ] && [ "$job" != null ] || fail "no job id: $(state_of "$run" .)"
before=$("$LOOMCTL" logs "$run" hold)

note "kill -9 the daemon while job $job runs"
pid=$LOOMD_PID
kill -9 "$pid"
wait_gone 30 "$pid"
wait "$pid" 2>/dev/null || true
start_loomd
[ "$(state_of "$run" .state)" = running ] ||
	fail "after the restart: $(state_of "$run" .)"
[ -n "$(squeue --noheader --jobs="$job" --states=PENDING,RUNNING)" ] ||
	fail "job $job is no longer queued or running after the restart"

note "the job ends after the restart; the run succeeds"
touch "$GO"
ended() { [ "$(state_of "$run" .state)" != running ]; }
wait_for 60 ended
[ "$(state_of "$run" .state)" = succeeded ] || fail "run: $(state_of "$run" .)"
[ "$(state_of "$run" '.steps[0].state')" = succeeded ] ||
	fail "step: $(state_of "$run" '.steps[0]')"
[ "$(state_of "$run" '.steps[0].exit_code')" = 0 ] ||
	fail "exit code: $(state_of "$run" '.steps[0]')"
[ "$(state_of "$run" '.steps[0].job')" = "$job" ] ||
	fail "job id: $(state_of "$run" '.steps[0]')"
[ -z "$(squeue --noheader --jobs="$job" --states=PENDING,RUNNING 2>/dev/null)" ] ||
	fail "job $job still in squeue: $(squeue --jobs="$job")"
"$LOOMCTL" logs "$run" hold >"$TEST_TMP/log"
grep -qx "$run" "$TEST_TMP/log" || fail "output after the restart not in the log: $(cat "$TEST_TMP/log")"
[ "$(head -c "${#before}" "$TEST_TMP/log")" = "$before" ] &&
	[ "$(grep -cxF "$(printf '%s\n' "$before" | head -n 1)" "$TEST_TMP/log")" = 1 ] ||
	fail "output before the crash not kept once: $(cat "$TEST_TMP/log")"
stop_loomd
echo PASS
