#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Freshness per output set (issue 12 item 3), with the real binaries:
#  - a parameter sweep A -> B -> A, with outputs named after the
#    parameter, re-runs nothing the third time: the run's steps are
#    "uptodate" in its record, no task ran; loop items whose `into`
#    folder is named after the parameter are reused the same way
#  - status FILE, --dry-run and pipeline.freshness agree for both values
#  - an edited task script after the sweep re-runs the step under each
#    value (the stamps of both sets record the old script)
#  - a step whose outputs do not change with the parameter keeps one set:
#    it re-runs when the value changes, as before
#  - clean --all --dry-run lists the outputs of both values (recorded by
#    stamps), removes nothing; clean --all removes them all, while a
#    recorded output that changed since Loom wrote it is kept
export LOOMD_IDLE_TIMEOUT="${LOOMD_IDLE_TIMEOUT:-120}"
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks" "$EXP/data" "$EXP/in"
cat >"$EXP/tasks/step.sh" <<'EOF2'
out= tag= lr= ins=()
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	--tag) tag=$2; shift 2 ;;
	--lr) lr=$2; shift 2 ;;
	*) ins+=("$1"); shift ;;
	esac
done
echo "$tag${lr:+ $lr}" >>ran.log
{ cat "${ins[@]}"; echo "$tag $lr"; } >"$out"
EOF2
cp "$EXP/tasks/step.sh" "$EXP/tasks/train.sh"
cat >"$EXP/tasks/item.sh" <<'EOF2'
echo "item $(basename "$1")" >>ran.log
tr a-z A-Z <"$1" >"$3"
EOF2
echo raw >"$EXP/data/raw.txt"
for i in a b; do echo "sound $i" >"$EXP/in/$i.wav"; done
cat >"$EXP/sweep.yml" <<'EOF2'
data:
  raw: {path: data/raw.txt}
  clean: {path: work/clean.txt}
  model: {path: "work/model_lr${lr}.json"}
  eval: {path: "work/eval_lr${lr}.json"}
  summary: {path: work/summary.txt}
  waves: {path: in}
  loud: {path: "work/loud_lr${lr}"}
parameters:
  lr: 0.1
pipeline:
  - name: prep
    task: tasks/step.sh
    inputs: {src: $raw}
    outputs: {-o: $clean}
    args: {--tag: prep}
  - name: train
    task: tasks/train.sh
    inputs: {data: $clean}
    outputs: {-o: $model}
    args: {--tag: train, --lr: $lr}
  - name: evaluate
    task: tasks/step.sh
    inputs: {m: $model}
    outputs: {-o: $eval}
    args: {--tag: evaluate, --lr: $lr}
  - name: summary
    task: tasks/step.sh
    inputs: {e: $eval}
    outputs: {-o: $summary}
    args: {--tag: summary}
  - name: loud
    task: tasks/item.sh
    loop: {over: $waves, into: $loud, filter: "*.wav"}
    inputs: {src: $loop_item}
    outputs: {-o: $loop_output}
EOF2
Y="$EXP/sweep.yml"
OUT="$TEST_TMP/out.txt"

# run_ok ARGS...: an attached run, output in $OUT; its id in $RUN.
run_ok() {
	: >"$EXP/ran.log"
	"$LOOMCTL" run "$Y" "$@" >"$OUT" 2>&1 || {
		cat "$OUT" >&2
		fail "run $* exited non-zero"
	}
	RUN=$(sed -n 's/^Run: //p' "$OUT" | head -n 1)
}
ran() { sort "$EXP/ran.log" | tr '\n' ' ' | sed 's/ $//'; }
expect_ran() {
	[ "$(ran)" = "$1" ] || { cat "$OUT" >&2; fail "ran '$(ran)', expected '$1'"; }
}
# The states of the last run's steps, as its record has them.
run_states() {
	"$LOOMCTL" status "$RUN" --json |
	    jq -r '[.steps[] | "\(.name)=\(.state)"] | join(" ")'
}
state_of() { "$LOOMCTL" status "$Y" --json "${@:2}" | jq -r ".steps[] | select(.name == \"$1\") | .state"; }

note "A: lr=0.1 runs everything"
run_ok
expect_ran "evaluate 0.1 item a.wav item b.wav prep summary train 0.1"
note "B: lr=0.5 runs what depends on lr"
run_ok --set lr=0.5
expect_ran "evaluate 0.5 item a.wav item b.wav summary train 0.5"
[ -e "$EXP/work/model_lr0.1.json" ] && [ -e "$EXP/work/model_lr0.5.json" ] ||
    fail "the outputs of both values should exist"

note "status, dry run and pipeline.freshness: lr=0.1 is fresh again"
[ "$(state_of train)" = fresh ] || fail "train lr=0.1 is $(state_of train)"
[ "$(state_of loud)" = fresh ] || fail "loud lr=0.1 is $(state_of loud)"
[ "$(state_of train --set lr=0.5)" = fresh ] || fail "train lr=0.5 is not fresh"
[ "$(state_of summary)" = stale ] || fail "summary (one output set) should be stale"
"$LOOMCTL" status "$Y" --json | jq -S '.steps' >"$TEST_TMP/cli.json"
rpc call pipeline.freshness "$(jq -nc --arg f "$Y" '{file: $f}')" |
    jq -S '.result.steps' >"$TEST_TMP/rpc.json"
diff "$TEST_TMP/cli.json" "$TEST_TMP/rpc.json" >&2 || fail "status and pipeline.freshness differ"
jq -r '.[] | select(.name == "summary") | .reason' "$TEST_TMP/rpc.json" |
    grep -q 'eval_lr0.1.json' || fail "summary reason: $(cat "$TEST_TMP/rpc.json")"
"$LOOMCTL" run --dry-run "$Y" >"$OUT"
grep -q '^# Pipeline: 1 step(s) to run, 4 up to date' "$OUT" || fail "dry run: $(cat "$OUT")"

note "A again: only the step with one output set re-runs"
run_ok
expect_ran "summary"
[ "$(run_states)" = "prep=uptodate train=uptodate evaluate=uptodate summary=succeeded loud=uptodate" ] ||
    fail "run states: $(run_states)"
note "B again: nothing but summary either"
run_ok --set lr=0.5
expect_ran "summary"
[ "$(run_states)" = "prep=uptodate train=uptodate evaluate=uptodate summary=succeeded loud=uptodate" ] ||
    fail "run states: $(run_states)"

note "an edited task script re-runs train under each value"
echo "# edited" >>"$EXP/tasks/train.sh"
[ "$(state_of train)" = stale ] || fail "train not stale after the edit"
run_ok
expect_ran "evaluate 0.1 summary train 0.1"
run_ok --set lr=0.5
expect_ran "evaluate 0.5 summary train 0.5"
run_ok --set lr=0.5
expect_ran ""

note "clean --all --dry-run lists the outputs of both values"
"$LOOMCTL" clean "$Y" --all --dry-run >"$OUT" || fail "clean --all --dry-run: $(cat "$OUT")"
for f in work/model_lr0.1.json work/model_lr0.5.json work/eval_lr0.1.json \
    work/eval_lr0.5.json work/loud_lr0.1 work/loud_lr0.5/a.wav work/clean.txt; do
	grep -q " $f " "$OUT" || fail "clean --all --dry-run does not list $f: $(cat "$OUT")"
done
grep -q ' work/loud_lr0.1/a.wav ' "$OUT" && fail "an item inside a listed folder is listed apart"
[ -e "$EXP/work/model_lr0.5.json" ] || fail "--dry-run removed something"
"$LOOMCTL" clean "$Y" --dry-run >"$OUT" || fail "clean --dry-run"
grep -q ' work/model_lr0.5.json ' "$OUT" && fail "clean without --all lists another value's output"

note "clean --all removes them, but not a file changed since Loom wrote it"
echo "mine" >"$EXP/work/eval_lr0.5.json"
"$LOOMCTL" clean "$Y" --all --permanent -y >"$OUT" || fail "clean --all: $(cat "$OUT")"
for f in work/model_lr0.1.json work/model_lr0.5.json work/eval_lr0.1.json \
    work/loud_lr0.1 work/loud_lr0.5/a.wav work/loud_lr0.5/b.wav work/clean.txt \
    work/summary.txt; do
	[ -e "$EXP/$f" ] && fail "clean --all left $f: $(cat "$OUT")"
done
[ "$(cat "$EXP/work/eval_lr0.5.json")" = mine ] || fail "clean --all removed a file Loom did not write"
grep -q 'kept .*work/eval_lr0.5.json.*changed since' "$OUT" || fail "kept file not said: $(cat "$OUT")"
[ -e "$EXP/data/raw.txt" ] && [ -e "$EXP/tasks/train.sh" ] && [ -e "$Y" ] ||
    fail "clean --all removed a source, a task or the pipeline"
[ -e "$EXP/.loom/stamps" ] && fail "clean --all left the stamps"

lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
