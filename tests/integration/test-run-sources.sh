#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Missing source inputs (data consumed by a step and produced by none)
# are found before anything runs, with the real loomctl and loomd:
#  - validate warns (exit 0) at the entry's file:line:col, naming the
#    path and the step that needs it; --json carries the warning
#  - run --dry-run and run refuse (exit 2) with the same place as an
#    error, start no daemon, run nothing
#  - --var raw=nonexist.csv: "set by --var raw", the path resolved against
#    the pipeline's folder wherever loomctl runs
#  - run.start itself refuses (-32001 with the diagnostic): no run
#    folder, no step log, no process
#  - a selection whose steps need no missing source runs; once the source
#    exists the whole pipeline runs
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

OUT="$TEST_TMP/out.txt"
ERR="$TEST_TMP/err.txt"
EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks" "$EXP/data"
cat >"$EXP/tasks/copy.sh" <<'SH'
echo "copy ran" >>ran.txt
cat "$1" >"$3"
SH
printf 'echo "other ran" >>ran.txt\n' >"$EXP/tasks/other.sh"
cat >"$EXP/p.yml" <<'YML'
variables:
  raw: data/raw.csv
  clean: out/clean.csv
pipeline:
  - name: clean
    task: tasks/copy.sh
    inputs: {src: $raw}
    outputs: {-o: $clean}
  - name: other
    task: tasks/other.sh
YML

note "validate warns"
"$LOOMCTL" validate "$EXP/p.yml" >"$OUT" 2>"$ERR" || fail "validate refused: $(cat "$ERR")"
grep -qF "$EXP/p.yml:2:8: warning: source input 'raw' does not exist: $EXP/data/raw.csv (needed by step 'clean')" \
    "$ERR" || fail "validate said: $(cat "$ERR")"
"$LOOMCTL" validate --json "$EXP/p.yml" >"$OUT" || fail "validate --json"
jq -e '.ok and (.diagnostics[] | select(.severity == "warning" and .line == 2 and .column == 8))' \
    "$OUT" >/dev/null || fail "validate --json: $(cat "$OUT")"

note "--dry-run and run refuse before anything runs"
for mode in --dry-run -d; do
	rc=0
	"$LOOMCTL" run $mode "$EXP/p.yml" >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" = 2 ] || fail "run $mode exit $rc: $(cat "$OUT" "$ERR")"
	grep -qF "$EXP/p.yml:2:8: error: source input 'raw' does not exist" "$ERR" ||
	    fail "run $mode said: $(cat "$ERR")"
	grep -q "nothing was run" "$ERR" || fail "run $mode said: $(cat "$ERR")"
done
no_loomd || fail "a daemon was started for a run that cannot start"
(cd / && "$LOOMCTL" run --dry-run --var raw=nonexist.csv "$EXP/p.yml") >"$OUT" 2>"$ERR" &&
    fail "--var to a missing file was accepted"
grep -qF "source input 'raw' (set by --var raw) does not exist: $EXP/nonexist.csv" "$ERR" ||
    fail "--var: $(cat "$ERR")"
[ ! -e "$EXP/ran.txt" ] && [ ! -d "$EXP/.loom/runs" ] || fail "something ran"

note "run.start refuses too"
start_loomd
r=$(rpc call run.start "$(jq -nc --arg f "$EXP/p.yml" '{file: $f, env: {PATH: env.PATH}}')")
[ "$(jq -r .error.code <<<"$r")" = -32001 ] || fail "run.start: $r"
jq -e '.error.data.diagnostics[] | select(.line == 2 and .column == 8 and
    (.message | contains("source input")))' <<<"$r" >/dev/null || fail "run.start: $r"
[ ! -e "$EXP/ran.txt" ] && [ ! -d "$EXP/.loom/runs" ] || fail "run.start ran something"

note "steps that need no missing source run; with the source, all run"
"$LOOMCTL" run --step other "$EXP/p.yml" >"$OUT" 2>&1 || fail "run --step other: $(cat "$OUT")"
[ "$(cat "$EXP/ran.txt")" = "other ran" ] || fail "ran: $(cat "$EXP/ran.txt")"
echo "a,b" >"$EXP/data/raw.csv"
"$LOOMCTL" validate "$EXP/p.yml" 2>"$ERR" >/dev/null || fail "validate"
[ ! -s "$ERR" ] || fail "a warning with the source there: $(cat "$ERR")"
"$LOOMCTL" run "$EXP/p.yml" >"$OUT" 2>&1 || fail "run: $(cat "$OUT")"
[ "$(cat "$EXP/out/clean.csv")" = "a,b" ] || fail "clean did not run"

stop_loomd
echo PASS
