#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A step that uses more memory than it asked for (resources: {mem: 40M})
# ends as "out_of_memory", not "lost" a minute later, and its dependant
# is skipped. The test cluster (tests/slurm/start.sh) gathers each job's
# memory every second and kills a job over its limit
# (JobAcctGatherParams=OverMemoryKill); Slurm then lists the job FAILED
# and slurmstepd says why in the job's output, which is what Loom reads.
# A cluster that confines jobs with cgroups lists them OUT_OF_MEMORY
# instead (tests/unit/test-slurm.c checks that state).
export LOOMD_IDLE_TIMEOUT=300
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/slurm-lib.sh"
slurm_need
scontrol show config 2>/dev/null | grep -q 'JobAcctGatherParams *= *.*OverMemoryKill' ||
	skip "the cluster does not kill jobs over their memory (JobAcctGatherParams=OverMemoryKill)"
export PATH="/usr/bin:$PATH"

mkdir -p "$TEST_TMP/p"
# 300 MiB touched page by page, then a long sleep: only the kill ends it.
cat >"$TEST_TMP/p/hog.py" <<'PY'
import time
x = bytearray(300 * 1024 * 1024)
for i in range(0, len(x), 4096):
    x[i] = 1
print("allocated", flush=True)
time.sleep(600)
PY
printf 'echo never\n' >"$TEST_TMP/p/then.sh"
cat >"$TEST_TMP/p/p.yml" <<'YML'
execution:
  executor: slurm
data:
  o: {type: txt, path: out/o.txt}
pipeline:
  - name: hog
    task: hog.py
    outputs: {-o: $o}
    resources: {mem: 40M}
  - name: then
    task: then.sh
    inputs: {i: $o}
YML
start_loomd
st=0
begin=$(date +%s)
"$LOOMCTL" run "$TEST_TMP/p/p.yml" --no-progress >"$TEST_TMP/out" 2>&1 || st=$?
took=$(($(date +%s) - begin))
[ "$st" = 1 ] || fail "exit $st: $(cat "$TEST_TMP/out")"
run=$(run_id "$TEST_TMP/out")
[ "$(state_of "$run" '.steps[0].state')" = out_of_memory ] ||
	fail "hog: $(state_of "$run" '.steps[0]') (after ${took}s)"
[ "$(state_of "$run" '.steps[1].state')" = skipped ] ||
	fail "then: $(state_of "$run" '.steps[1]')"
[ "$(state_of "$run" .state)" = failed ] || fail "run: $(state_of "$run" .state)"
"$LOOMCTL" status "$run" | grep -q "^hog  *out_of_memory" ||
	fail "loomctl status: $("$LOOMCTL" status "$run")"
"$LOOMCTL" logs "$run" hog | grep -q "xceeded job memory limit" ||
	fail "the step log lacks slurmstepd's word: $("$LOOMCTL" logs "$run" hog)"
stop_loomd
echo PASS
