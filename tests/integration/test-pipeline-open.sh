#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pipeline.open on pipelines the loader rejects, with the real daemon:
#  - a step without a task (the editor shows files while they are being
#    written) is answered with ok false, the loader's "has no task"
#    diagnostic and a null command for that step; the daemon stays up
#    and no sanitizer report appears
#  - a step with an interpreter but no task is answered the same way
#  - pipeline.freshness on the same file is an invalid-pipeline error
#    (-32001) carrying the diagnostics
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
printf 'echo hi\n' >"$EXP/tasks/run.sh"
cat >"$EXP/notask.yml" <<'YML'
pipeline:
  - name: good
    task: tasks/run.sh
  - name: empty
  - name: interp
    interpreter: bash
YML
OUT="$TEST_TMP/out.json"

start_loomd --idle-timeout 30

note "a step without a task"
rpc call pipeline.open "$(jq -nc --arg f "$EXP/notask.yml" '{file: $f}')" \
    >"$OUT" || fail "pipeline.open failed: $(cat "$OUT")"
[ "$(jq -r '.result.ok' "$OUT")" = false ] || fail "ok: $(cat "$OUT")"
[ "$(jq '[.result.diagnostics[] | select(.message | test("has no task"))] |
    length' "$OUT")" = 2 ] || fail "diagnostics: $(cat "$OUT")"
[ "$(jq -c '[.result.steps[] | .command == null]' "$OUT")" = \
    '[false,true,true]' ] || fail "commands: $(cat "$OUT")"
rpc call daemon.ping >/dev/null || fail "the daemon did not survive"

note "pipeline.freshness on it"
rpc call pipeline.freshness \
    "$(jq -nc --arg f "$EXP/notask.yml" '{file: $f}')" >"$OUT" && \
    fail "pipeline.freshness accepted it: $(cat "$OUT")"
[ "$(jq -r '.error.code' "$OUT")" = -32001 ] || fail "code: $(cat "$OUT")"
[ "$(jq '.error.data.diagnostics | length' "$OUT")" -ge 2 ] ||
    fail "freshness diagnostics: $(cat "$OUT")"

stop_loomd
echo "PASS"
