#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Incremental runs with the real binaries (issue 5, B8-B10):
#  - a second run of an example runs nothing and says [UP-TO-DATE] for
#    every step; the dry run says "up to date, not run"
#  - touching a source input re-runs exactly the steps that depend on it
#  - --set on a parameter re-runs exactly its user and its dependents,
#    and status/dry run name the parameter with old and new values
#  - editing a task script re-runs its step (and what depends on it)
#  - --force runs every selected step; --step runs a fresh step anyway
#  - B8: a failed step stays stale even when its output is newer than its
#    inputs, its output is left in place, and the next run re-runs it
#  - B9: a cancelled step is stale ("last run was cancelled")
#  - B10: a step running when loomd is killed reads as interrupted, and
#    the next plain run re-executes it although its output looks new
#  - a loop with one changed item re-runs that item only
#  - loomctl status FILE (text and --json) and the daemon's
#    pipeline.freshness give the same answer
# The daemon must outlive the pauses between commands (pipeline.freshness
# below talks to it directly).
export LOOMD_IDLE_TIMEOUT="${LOOMD_IDLE_TIMEOUT:-120}"
. "$(dirname "$0")/lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
rpc() { "$PY" "$RPC_PY" -s "$LOOM_SOCKET" "$@"; }

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks" "$EXP/data" "$EXP/in"
# A generic step: reads its positional inputs, writes -o, notes its tag
# in ran.log (relative: steps run in the pipeline's folder).
cat >"$EXP/tasks/step.sh" <<'EOF'
out= tag= lr= ins=()
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	--tag) tag=$2; shift 2 ;;
	--lr) lr=$2; shift 2 ;;
	*) ins+=("$1"); shift ;;
	esac
done
echo "$tag" >>ran.log
if [ -e "fail-$tag" ]; then
	echo "half" >"$out"
	exit 1
fi
while [ -e "hold-$tag" ]; do sleep 0.05; done
{ cat "${ins[@]}"; echo "$tag ${lr}"; } >"$out"
EOF
cp "$EXP/tasks/step.sh" "$EXP/tasks/other.sh"
cat >"$EXP/tasks/item.sh" <<'EOF'
echo "item $(basename "$1")" >>ran.log
tr a-z A-Z <"$1" >"$3"
EOF
echo raw >"$EXP/data/raw.txt"
echo side >"$EXP/data/side.txt"
for i in a b c; do echo "sound $i" >"$EXP/in/$i.wav"; done
cat >"$EXP/experiment.yml" <<'EOF'
data:
  raw: {path: data/raw.txt}
  side_in: {path: data/side.txt}
  feat: {path: out/feat.txt}
  model: {path: out/model.txt}
  report: {path: out/report.txt}
  side: {path: out/side.txt}
  waves: {path: in}
  loud: {path: out/loud}
parameters:
  lr: 0.001
pipeline:
  - name: extract
    task: tasks/step.sh
    inputs: {src: $raw}
    outputs: {-o: $feat}
    args: {--tag: extract}
  - name: train
    task: tasks/step.sh
    inputs: {data: $feat}
    outputs: {-o: $model}
    args: {--tag: train, --lr: $lr}
  - name: report
    task: tasks/step.sh
    inputs: {m: $model}
    outputs: {-o: $report}
    args: {--tag: report}
  - name: side
    task: tasks/other.sh
    inputs: {src: $side_in}
    outputs: {-o: $side}
    args: {--tag: side}
  - name: loud
    task: tasks/item.sh
    loop: {over: $waves, into: $loud, filter: "*.wav"}
    inputs: {src: $loop_item}
    outputs: {-o: $loop_output}
EOF
Y="$EXP/experiment.yml"
OUT="$TEST_TMP/out.txt"

# run_ok ARGS...: loomctl run, output in $OUT, must exit 0.
run_ok() {
	: >"$EXP/ran.log"
	"$LOOMCTL" run "$Y" "$@" >"$OUT" 2>&1 || {
		cat "$OUT" >&2
		fail "run $* exited non-zero"
	}
}
# ran: the tags that ran, sorted, on one line.
ran() { sort "$EXP/ran.log" | tr '\n' ' ' | sed 's/ $//'; }
expect_ran() {
	[ "$(ran)" = "$1" ] || { cat "$OUT" >&2; fail "ran '$(ran)', expected '$1'"; }
}
uptodate() { grep -q "^\[UP-TO-DATE\] $1\$" "$OUT" || { cat "$OUT" >&2; fail "$1 not reported up to date"; }; }
state_of() { "$LOOMCTL" status "$Y" --json | jq -r ".steps[] | select(.name == \"$1\") | .state"; }
reason_of() { "$LOOMCTL" status "$Y" --json | jq -r ".steps[] | select(.name == \"$1\") | .reason"; }

note "first run runs everything"
run_ok
expect_ran "extract item a.wav item b.wav item c.wav report side train"
[ "$(state_of train)" = fresh ] || fail "train not fresh after the run"

note "second run runs nothing and says so"
run_ok
expect_ran ""
for s in extract train report side loud; do uptodate "$s"; done
grep -qx 'Nothing to run: 5 step(s) up to date' "$OUT" || fail "summary: $(tail -n 1 "$OUT")"
"$LOOMCTL" run --dry-run "$Y" >"$OUT"
grep -q '^# Pipeline: 0 step(s) to run, 5 up to date' "$OUT" || fail "dry run: $(head -n 1 "$OUT")"
[ "$(grep -c '^#   up to date, not run' "$OUT")" = 5 ] || fail "dry run marks"

note "touching a source input re-runs exactly its dependents"
sleep 0.01
touch "$EXP/data/raw.txt"
[ "$(state_of extract)" = stale ] || fail "extract not stale"
[ "$(reason_of extract)" = "input data/raw.txt changed" ] || fail "reason: $(reason_of extract)"
[ "$(reason_of train)" = "upstream step extract is stale" ] || fail "reason: $(reason_of train)"
[ "$(state_of side)" = fresh ] || fail "side should be fresh"
run_ok
expect_ran "extract report train"
uptodate side
uptodate loud

note "--set re-runs exactly the parameter's user and its dependents"
"$LOOMCTL" status "$Y" --set lr=0.01 --json >"$OUT"
[ "$(jq -r '.steps[] | select(.name == "train") | .reason' "$OUT")" = \
    "parameter lr changed (0.001 -> 0.01)" ] || fail "set reason: $(cat "$OUT")"
"$LOOMCTL" run --dry-run "$Y" --set lr=0.01 >"$OUT"
grep -qx '#   runs: parameter lr changed (0.001 -> 0.01)' "$OUT" || fail "dry run reason: $(cat "$OUT")"
grep -qx '#   runs: upstream step train will run' "$OUT" || fail "dry run reason"
run_ok --set lr=0.01
expect_ran "report train"
uptodate extract
uptodate side
# The YAML value again: back to the old command, which ran before.
run_ok
expect_ran "report train"
run_ok
expect_ran ""

note "editing a task script re-runs its step"
echo "# edited" >>"$EXP/tasks/other.sh"
[ "$(reason_of side)" = "task script tasks/other.sh changed" ] || fail "reason: $(reason_of side)"
run_ok
expect_ran "side"

note "--force and --step"
run_ok --force --step side report
expect_ran "report side"
run_ok --step report
expect_ran "report"
grep -q '^\[RUNNING\] report' "$OUT" || fail "--step report did not run"
run_ok --force
expect_ran "extract item a.wav item b.wav item c.wav report side train"

note "B8: a failed step stays stale although its output is newer"
touch "$EXP/fail-train" "$EXP/data/raw.txt"
: >"$EXP/ran.log"
st=0
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || st=$?
[ "$st" = 1 ] || fail "failing run exited $st"
rm "$EXP/fail-train"
[ "$(cat "$EXP/out/model.txt")" = half ] || fail "the failed step's output was not left for inspection"
sleep 0.01
touch "$EXP/out/model.txt"
[ "$(state_of train)" = stale ] || fail "failed train looks $(state_of train)"
[ "$(reason_of train)" = "last run failed (exit code 1)" ] || fail "reason: $(reason_of train)"
run_ok
expect_ran "report train"

note "B9: a cancelled step is stale"
touch "$EXP/hold-side" "$EXP/data/side.txt"
: >"$EXP/ran.log"
run=$("$LOOMCTL" run -d "$Y" --step side)
step_running() { [ "$("$LOOMCTL" status "$run" --json | jq -r '.steps[0].state')" = running ]; }
wait_for 30 step_running
wait_for 30 grep -q side "$EXP/ran.log"
"$LOOMCTL" cancel "$run" >/dev/null || fail "cancel"
run_over() { [ "$("$LOOMCTL" status "$run" --json | jq -r '.state')" != running ]; }
wait_for 30 run_over
rm -f "$EXP/hold-side"
[ "$(reason_of side)" = "last run was cancelled" ] || fail "reason: $(reason_of side)"
run_ok
expect_ran "side"

note "B10: a step running when loomd dies is interrupted"
touch "$EXP/hold-report"
: >"$EXP/ran.log"
run=$("$LOOMCTL" run -d "$Y" --step report)
wait_for 30 step_running
wait_for 30 grep -q report "$EXP/ran.log"
pid=$(daemon_pid)
task=$("$LOOMCTL" status "$run" --json | jq -r '.steps[0].pid')
[ -n "$pid" ] || fail "no daemon pid"
kill -KILL "$pid"
wait_gone 10 "$pid"
rm -f "$EXP/hold-report"
[ "$task" != null ] && wait_gone 10 "$task"
# Its output now looks newer than its inputs: only the marker tells.
sleep 0.01
echo "stale content" >"$EXP/out/report.txt"
[ "$(state_of report)" = stale ] || fail "interrupted report looks $(state_of report)"
case "$(reason_of report)" in
interrupted*) ;;
*) fail "reason: $(reason_of report)" ;;
esac
"$LOOMCTL" run --dry-run "$Y" >"$OUT"
grep -q '^#   runs: interrupted' "$OUT" || fail "dry run does not say why: $(cat "$OUT")"
run_ok
expect_ran "report"

note "a loop with one changed item re-runs that item"
echo "louder" >"$EXP/in/b.wav"
[ "$("$LOOMCTL" status "$Y" --json | jq -c '.steps[] | select(.name == "loud") | .stale_items')" = '["b.wav"]' ] ||
    fail "stale items: $("$LOOMCTL" status "$Y" --json)"
run_ok
expect_ran "item b.wav"
[ "$(cat "$EXP/out/loud/b.wav")" = LOUDER ] || fail "b.wav not converted"
echo "new" >"$EXP/in/d.wav"
run_ok
expect_ran "item d.wav"

note "status FILE and pipeline.freshness agree"
touch "$EXP/data/side.txt"
"$LOOMCTL" status "$Y" >"$OUT"
grep -Eq '^side +stale +input data/side.txt changed$' "$OUT" || fail "status text: $(cat "$OUT")"
grep -Eq '^extract +fresh$' "$OUT" || fail "status text: $(cat "$OUT")"
grep -q '^5 step(s): 4 fresh, 1 stale, 0 missing$' "$OUT" || fail "status summary: $(cat "$OUT")"
"$LOOMCTL" status "$Y" --json | jq -S '.steps' >"$TEST_TMP/cli.json"
rpc call pipeline.freshness "$(jq -nc --arg f "$Y" '{file: $f}')" |
    jq -S '.result.steps' >"$TEST_TMP/rpc.json"
diff "$TEST_TMP/cli.json" "$TEST_TMP/rpc.json" >&2 || fail "status and pipeline.freshness differ"
rpc call pipeline.freshness "$(jq -nc --arg f "$Y" '{file: $f, set: ["lr=5"]}')" >"$OUT"
[ "$(jq -r '.result.steps[] | select(.name == "train") | .reason' "$OUT")" = \
    "parameter lr changed (0.001 -> 5)" ] || fail "rpc set: $(cat "$OUT")"
rpc call pipeline.freshness '{"file": "/nonexistent/x.yml"}' >"$OUT"
[ "$(jq -r '.error.code' "$OUT")" = -32005 ] || fail "rpc missing file: $(cat "$OUT")"

lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
