#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One request, one error: run.start and pipeline.freshness make their
# pipeline through the same plan (common/plan/plan.c), so the same mistake
# gets the same answer from the real loomd whichever method carries it:
#  - a --set of a name the file does not have: -32004 with the same
#    message and data (file, line, column, hint) from both
#  - a --var that is not NAME=PATH: the same again
#  - an invalid file: -32001 from both with the same diagnostics, the
#    first error's file:line:col in the message
#  - a bad selection (run.start only): -32004 naming where and how
# Nothing runs: no run folder is made.
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
printf 'exit 0\n' >"$EXP/tasks/t.sh"
cat >"$EXP/p.yml" <<'YML'
parameters:
  n: 1
pipeline:
  - name: a
    task: tasks/t.sh
YML
cat >"$EXP/bad.yml" <<'YML'
pipeline:
  - name: a
    task: tasks/t.sh
  - name: a
    task: tasks/t.sh
YML

start_loomd
ask() {	# METHOD FILE EXTRA_JSON -> the error object, compact
	rpc call "$1" "$(jq -nc --arg f "$2" --argjson x "$3" \
	    '{file: $f, env: {PATH: env.PATH}} + $x')" | jq -c .error
}
same() {	# WHAT EXTRA_JSON FILE CODE
	local a b
	a=$(ask run.start "$3" "$2")
	b=$(ask pipeline.freshness "$3" "$2")
	[ "$(jq -r .code <<<"$a")" = "$4" ] || fail "$1: run.start said $a"
	[ "$a" = "$b" ] || fail "$1: run.start said $a, pipeline.freshness $b"
	echo "$a"
}

note "a --set of an unknown name"
e=$(same "--set" '{"set": ["nosuch=2"]}' "$EXP/p.yml" -32004)
jq -e '.data | has("file") and has("line") and has("column") and
    has("hint")' <<<"$e" >/dev/null || fail "--set: data lacks a place: $e"

note "a --var without ="
same "--var" '{"var": ["novalue"]}' "$EXP/p.yml" -32004 >/dev/null

note "an invalid file"
e=$(same "invalid" '{}' "$EXP/bad.yml" -32001)
jq -e '.data.diagnostics | length > 0' <<<"$e" >/dev/null ||
    fail "invalid: no diagnostics: $e"
jq -r .message <<<"$e" | grep -q "bad.yml:[0-9]*:[0-9]*: " ||
    fail "invalid: no file:line:col in $e"

note "a bad selection"
e=$(ask run.start "$EXP/p.yml" '{"steps": ["nosuch"]}')
[ "$(jq -r .code <<<"$e")" = -32004 ] || fail "selection: $e"
jq -e '.data.hint != null' <<<"$e" >/dev/null || fail "selection: no hint: $e"

[ ! -e "$EXP/.loom/runs" ] || fail "a run folder was made"
stop_loomd
echo ok
