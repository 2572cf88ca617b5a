#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs kept beside an experiment (.loom/runs) are found when the daemon's
# index does not list them: after the folder was moved (the index names
# the old place), and with a new state folder (the index is empty, as on
# another machine). `run.list` with `file` lists them under the file's
# new path, newest first; `loomctl logs FILE STEP` and `status RUN` read
# them; they take their place among the others by start (`last` stays
# the newest). A copy of the folder beside the original does not take the
# original's run ids: those stay the original's.
. "$(dirname "$0")/lib.sh"

export PATH="/usr/bin:$PATH"
A="$TEST_TMP/a"
mkdir -p "$A/tasks"
COUNT="$TEST_TMP/count"
printf '#!/bin/sh\nn=$(($(cat "%s" 2>/dev/null || echo 0) + 1))\necho $n >"%s"\necho "hello $n"\nfor o; do :; done\n: >"$o"\n' \
    "$COUNT" "$COUNT" >"$A/tasks/say.sh"
chmod +x "$A/tasks/say.sh"
printf 'pipeline:\n  - {name: say, task: tasks/say.sh, outputs: {-o: said}}\n' >"$A/exp.yml"
printf 'pipeline:\n  - {name: say, task: tasks/say.sh, outputs: {-o: other}}\n' >"$A/other.yml"
OUT="$TEST_TMP/out"
start_loomd

"$LOOMCTL" run "$A/exp.yml" >/dev/null || fail "first run failed"
"$LOOMCTL" run --force "$A/exp.yml" >/dev/null || fail "second run failed"
"$LOOMCTL" run "$A/other.yml" >/dev/null || fail "run of other.yml failed"
first=$(rpc call run.list '{"limit": 3}' | jq -r '.result.runs[2].run')
second=$(rpc call run.list '{"limit": 3}' | jq -r '.result.runs[1].run')

note "the folder moved: the index names the old place"
B="$TEST_TMP/moved/b"
mkdir -p "$TEST_TMP/moved"
mv "$A" "$B"
rpc call run.list "{\"file\": \"$B/exp.yml\", \"limit\": 10}" >"$OUT" ||
	fail "run.list with file failed"
[ "$(jq -r '[.result.runs[].run] | join(" ")' "$OUT")" = "$second $first" ] ||
	fail "runs of the moved exp.yml, newest first: $(cat "$OUT")"
[ "$(jq -r '[.result.runs[].file] | unique | join(" ")' "$OUT")" = "$B/exp.yml" ] ||
	fail "the moved runs are not under the new path: $(cat "$OUT")"
"$LOOMCTL" logs "$B/exp.yml" say >"$OUT" 2>&1 ||
	fail "logs of the moved file failed: $(cat "$OUT")"
[ "$(cat "$OUT")" = "hello 2" ] || fail "logs of the moved file: $(cat "$OUT")"
rpc call run.status "{\"run\": \"$first\"}" >"$OUT" || fail "run.status $first failed"
[ "$(jq -r '.result.file' "$OUT")" = "$B/exp.yml" ] && [ "$(jq -r '.result.dir' "$OUT")" = "$B/.loom/runs/$first" ] ||
	fail "run.status of a moved run: $(jq -c '.result | {file, dir}' "$OUT")"
"$LOOMCTL" logs "$first" say >"$OUT" 2>&1 || fail "logs $first failed: $(cat "$OUT")"
[ "$(cat "$OUT")" = "hello 1" ] || fail "logs $first: $(cat "$OUT")"
# other.yml's run stays its own.
rpc call run.list "{\"file\": \"$B/other.yml\"}" >"$OUT" || fail "run.list other.yml failed"
[ "$(jq '.result.runs | length' "$OUT")" = 1 ] || fail "runs of other.yml: $(cat "$OUT")"

note "a copy beside it keeps no run id of the original"
cp -a "$B" "$TEST_TMP/copy"
rpc call run.list "{\"file\": \"$TEST_TMP/copy/exp.yml\"}" >"$OUT" || fail "run.list of the copy failed"
[ "$(jq '.result.runs | length' "$OUT")" = 0 ] || fail "the copy took the original's runs: $(cat "$OUT")"
rpc call run.status "{\"run\": \"$first\"}" >"$OUT" || fail "run.status $first after the copy failed"
[ "$(jq -r '.result.file' "$OUT")" = "$B/exp.yml" ] || fail "$first is no longer the original's: $(jq -r .result.file "$OUT")"
stop_loomd

note "a new state folder: nothing indexed yet"
export XDG_STATE_HOME="$TEST_TMP/state2"
start_loomd
# A run made here first: the runs found later are older, and go before it.
"$LOOMCTL" run --force "$B/other.yml" >/dev/null || fail "run of other.yml failed"
newest=$(rpc call run.list '{"limit": 1}' | jq -r '.result.runs[0].run')
"$LOOMCTL" logs "$B/exp.yml" say >"$OUT" 2>&1 ||
	fail "logs with a new state folder failed: $(cat "$OUT")"
[ "$(cat "$OUT")" = "hello 2" ] || fail "logs with a new state folder: $(cat "$OUT")"
# Found once: a second call adds nothing twice.
rpc call run.list "{\"file\": \"$B/exp.yml\"}" >/dev/null
[ "$(grep -c "^$first	" "$XDG_STATE_HOME/loom/runs.index")" = 1 ] ||
	fail "the index lists $first more than once: $(cat "$XDG_STATE_HOME/loom/runs.index")"
"$LOOMCTL" status >"$OUT" || fail "status failed"
grep -q "$second" "$OUT" || fail "status does not list the found runs: $(cat "$OUT")"
rpc call run.list '{"limit": 10}' >"$OUT" || fail "run.list failed"
[ "$(jq -r '.result.runs[0].run' "$OUT")" = "$newest" ] &&
    [ "$(jq -r '[.result.runs[].run] | index("'"$second"'")' "$OUT")" -lt \
    "$(jq -r '[.result.runs[].run] | index("'"$first"'")' "$OUT")" ] ||
	fail "the found runs are not in the order they started: $(jq -c '[.result.runs[].run]' "$OUT") (newest $newest)"
"$LOOMCTL" logs last say >"$OUT" 2>&1 || fail "logs last failed: $(cat "$OUT")"
[ "$(cat "$OUT")" = "hello 4" ] || fail "logs last is not the newest run: $(cat "$OUT")"

note "a relative file is refused"
rpc call run.list '{"file": "exp.yml"}' >"$OUT" 2>&1 || true
[ "$(jq -r '.error.code' "$OUT")" = -32602 ] && grep -q "absolute path" "$OUT" ||
	fail "a relative file: $(cat "$OUT")"
stop_loomd
