#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The output of a Slurm job reaches `loomctl logs -f` while the job
# runs, whole and in order: the step prints about 2 MB (more than the
# daemon reads of one job's output file in a tick), then "first", then
# waits for a file. Before the file exists, logs -f has printed all of
# it and the run still runs; once the file is created the step prints
# "second" and ends, and logs -f ends with exactly what the step printed.
# Through the private test cluster (SLURM_CONF; skipped without it
# unless LOOM_SLURM_REQUIRED=1).
export LOOMD_IDLE_TIMEOUT=300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/slurm-lib.sh"
slurm_need
export PATH="/usr/bin:$PATH"

GO="$TEST_TMP/p/go"
OUT="$TEST_TMP/follow"
mkdir -p "$TEST_TMP/p"
cat >"$TEST_TMP/p/talk.sh" <<TASK
seq 1 300000
echo first
while [ ! -e '$GO' ]; do sleep 0.1; done
echo second
TASK
cat >"$TEST_TMP/p/p.yml" <<'YML'
execution:
  executor: slurm
  slurm: {mem: 256M}
pipeline:
  - {name: talk, task: talk.sh}
YML
{ seq 1 300000; echo first; } >"$TEST_TMP/want1"
{ cat "$TEST_TMP/want1"; echo second; } >"$TEST_TMP/want2"

start_loomd
run=$("$LOOMCTL" run -d "$TEST_TMP/p/p.yml") || fail "run -d: $run"
"$LOOMCTL" logs -f "$run" talk >"$OUT" 2>"$TEST_TMP/follow.err" &
follow=$!
got_first() { grep -qx first "$OUT"; }
wait_for 120 got_first
[ "$(state_of "$run" .state)" = running ] ||
	fail "the run is no longer running: $(state_of "$run" .)"
cmp -s "$TEST_TMP/want1" "$OUT" ||
	fail "logs -f while the job runs: $(cmp "$TEST_TMP/want1" "$OUT" 2>&1)"

touch "$GO"
wait "$follow" || fail "logs -f: $(cat "$TEST_TMP/follow.err")"
cmp -s "$TEST_TMP/want2" "$OUT" ||
	fail "logs -f to the end: $(cmp "$TEST_TMP/want2" "$OUT" 2>&1); $(tail -n 3 "$OUT")"
[ "$(state_of "$run" .state)" = succeeded ] || fail "run: $(state_of "$run" .)"
stop_loomd
echo PASS
