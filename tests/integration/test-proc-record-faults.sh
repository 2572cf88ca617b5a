#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# RELIABILITY P13, crash while writing the record, with the debug-build
# fault hooks (LOOM_FAULT, docs/daemon.md) instead of kill -9 timing:
# - at 100 seeded random points loomd aborts between an atomic write's
#   temporary file and its rename (two thirds of the points among run
#   record writes, the rest among all: records, stamps, the run index)
#   while small runs go on; every file then holds a whole previous
#   version and the temporary file a whole new one;
# - a fresh loomd answers `loomctl status --json` naming the runs, reports
#   the run that was active as interrupted (on disk too) and leaves
#   finished runs alone;
# - no temporary file survives the next successful write into its folder
#   (checked exactly: every write is traced), nor a restart for run
#   folders whose first record never reached the disk;
# - a failing write (fail-write:N, ENOSPC) is logged and leaves a whole
#   file and no temporary file; the daemon and later runs carry on.
# The seed is printed; LOOM_P13_SEED repeats a sequence, LOOM_P13_POINTS
# and LOOM_P13_WPOINTS change the number of points. Builds without the
# hooks (release) skip.
. "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
# Daemons started by loomctl have stderr on /dev/null: sanitizer reports
# must go to files that lib_check_sanitizers reads.
case ${ASAN_OPTIONS:-} in
*log_path=*) ;;
*) export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$TEST_TMP/asan" ;;
esac
case ${UBSAN_OPTIONS:-} in
*log_path=*) ;;
*) export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$TEST_TMP/ubsan" ;;
esac
: "${LOOM_BUILD:=$(cd "$LOOM_BIN/.." && pwd)}"
grep -q '^LOOM_FAULT_HOOKS:BOOL=ON' "$LOOM_BUILD/CMakeCache.txt" 2>/dev/null ||
    skip "built without fault hooks (configure with -DLOOM_FAULT_HOOKS=ON)"
SEED=${LOOM_P13_SEED:-$((RANDOM * 32768 + RANDOM))}
POINTS=${LOOM_P13_POINTS:-100}
WPOINTS=${LOOM_P13_WPOINTS:-10}
note "seed $SEED (LOOM_P13_SEED=$SEED repeats it), $POINTS crash points, $WPOINTS write failures"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks" "$EXP/data"
echo one >"$EXP/data/1.txt"
echo two >"$EXP/data/2.txt"
cat >"$EXP/tasks/t.sh" <<'EOF'
echo "step $LOOM_STEP_ID $*"
while [ $# -gt 0 ]; do
	if [ "$1" = -o ]; then mkdir -p "$(dirname "$2")"; echo x >"$2"; fi
	shift
done
EOF
cat >"$EXP/exp.yml" <<'EOF'
execution: {parallel: true, max_workers: 2}
pipeline:
  - {name: a, task: tasks/t.sh, outputs: {-o: out/a.txt}}
  - {name: b, task: tasks/t.sh, inputs: {x: out/a.txt}}
  - name: c
    task: tasks/t.sh
    loop: {over: data, into: out/c, filter: "*.txt"}
    inputs: {src: $loop_item}
    outputs: {-o: $loop_output}
  - {name: d, task: tasks/t.sh}
EOF

"$PYTHON" "$LOOM_SRC/tests/integration/recordfaults.py" "$RPC_PY" "$LOOMD" \
    "$LOOMCTL" "$EXP" "$TEST_TMP" "$SEED" "$POINTS" "$WPOINTS" ||
    fail "P13 failed (seed $SEED)"

note "a last run through loomctl after all the crashes"
LOOMD_IDLE_TIMEOUT=30 "$LOOMCTL" run "$EXP/exp.yml" --force >"$TEST_TMP/last.out" 2>&1 ||
    fail "run after the crashes: $(cat "$TEST_TMP/last.out")"
left=$(find "$EXP/.loom" "$XDG_STATE_HOME" -name '.*.tmp-??????')
[ -z "$left" ] || fail "temporary files left after a full run: $left"
"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop"
lib_check_sanitizers || fail "sanitizer errors in loomd"
echo PASS
