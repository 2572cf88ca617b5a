#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The record of a run with nothing to run (issue 14):
#  - a run whose every step is up to date writes its record once (at its
#    end: daemon.status counts records_written), and that record is whole:
#    state succeeded, every step uptodate, run.status and run.list agree
#  - a run with something to run still has its record on disk while its
#    step runs (state running), written before the step started
export LOOMD_IDLE_TIMEOUT="${LOOMD_IDLE_TIMEOUT:-120}"
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks" "$EXP/data"
cat >"$EXP/tasks/copy.sh" <<'EOF'
while [ -e "$(dirname "$0")/../hold" ]; do sleep 0.05; done
cat "$1" >"$3"
EOF
echo raw >"$EXP/data/raw.txt"
cat >"$EXP/experiment.yml" <<'EOF'
pipeline:
  - name: one
    task: tasks/copy.sh
    inputs: {i: data/raw.txt}
    outputs: {-o: out/one.txt}
  - name: two
    task: tasks/copy.sh
    inputs: {i: out/one.txt}
    outputs: {-o: out/two.txt}
  - name: three
    task: tasks/copy.sh
    inputs: {i: out/two.txt}
    outputs: {-o: out/three.txt}
EOF
Y="$EXP/experiment.yml"
OUT="$TEST_TMP/out.txt"
written() { rpc call daemon.status | jq -er .result.records_written; }
newest() { rpc call run.list | jq -er '.result.runs[0].run'; }

note "a first run runs every step"
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "first run failed"; }
[ "$(cat "$EXP/out/three.txt")" = raw ] || fail "three.txt not made"
first=$(newest)

note "an up-to-date run writes its record once, whole"
before=$(written)
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "second run failed"; }
grep -qx 'Nothing to run: 3 step(s) up to date' "$OUT" ||
    fail "summary: $(tail -n 1 "$OUT")"
after=$(written)
[ "$after" = $((before + 1)) ] ||
    fail "records written by an up-to-date run: $((after - before)), expected 1"
id=$(newest)
[ "$id" != "$first" ] || fail "no new run listed"
REC="$EXP/.loom/runs/$id/run.json"
[ -f "$REC" ] || fail "no record $REC"
jq -e '.state == "succeeded" and .steps_total == 3 and .steps_done == 3
    and ([.steps[].state] == ["uptodate","uptodate","uptodate"])' \
    "$REC" >/dev/null || fail "record: $(cat "$REC")"
rpc call run.status "{\"run\":\"$id\"}" |
    jq -e '.result.state == "succeeded" and (.result.steps | length) == 3' \
    >/dev/null || fail "run.status: $(rpc call run.status "{\"run\":\"$id\"}")"

note "a run with a step to run has its record while the step runs"
touch "$EXP/hold"
"$LOOMCTL" run --force --detach "$Y" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "run --detach failed"; }
id=$(newest)
REC="$EXP/.loom/runs/$id/run.json"
running() { [ -f "$REC" ] && jq -e '.state == "running"' "$REC" >/dev/null; }
wait_for 20 running
rm "$EXP/hold"
"$LOOMCTL" wait "$id" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "wait $id failed"; }
jq -e '.state == "succeeded"' "$REC" >/dev/null || fail "record: $(cat "$REC")"
jq -e '[.steps[].state] == ["succeeded","succeeded","succeeded"]' "$REC" \
    >/dev/null || fail "forced run's record: $(cat "$REC")"
