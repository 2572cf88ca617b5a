#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Freshness of loop items whose file names are not UTF-8 (JSON cannot
# carry them), with the real loomd and loomctl:
#  - pipeline.freshness answers with a result, not an error
#  - such an item is left out of stale_items but counted in items_stale
#  - a reason naming such a path has its bad bytes written as \xNN
#  - loomctl status FILE prints the same bytes and exit status (0) with a
#    daemon and without, text and --json (valid JSON both ways)
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
LATIN="caf$(printf '\351').txt"
mkdir -p "$EXP/tasks" "$EXP/in"
cat >"$EXP/tasks/w.sh" <<'SH'
#!/bin/sh
# Copy its input to -o.
# ---
# inputs:
#   --in: {type: text}
# outputs:
#   -o: {type: text}
# ---
while [ $# -gt 0 ]; do
	case $1 in -o) out=$2; shift 2 ;; --in) in=$2; shift 2 ;;
	*) in=$1; shift ;; esac
done
cat "$in" >"$out"
SH
chmod +x "$EXP/tasks/w.sh"
echo a >"$EXP/in/a.txt"
echo e >"$EXP/in/$LATIN"
cat >"$EXP/p.yml" <<'YML'
data:
  in: {path: in}
pipeline:
  - name: one
    task: tasks/w.sh
    loop: {over: $in, into: out1}
    inputs: {--in: $loop_item}
    outputs: {-o: $loop_output}
  - name: both
    task: tasks/w.sh
    loop: {over: $in, into: out2}
    inputs: {--in: $loop_item}
    outputs: {-o: $loop_output}
YML
cd "$EXP"

# status p.yml, text and --json, into $1/ (stdout, stderr, exit status).
capture() {
	local rc
	mkdir -p "$1"
	rc=0
	"$LOOMCTL" status p.yml >"$1/text.out" 2>"$1/text.err" || rc=$?
	echo "$rc" >"$1/text.rc"
	rc=0
	"$LOOMCTL" status p.yml --json >"$1/json.out" 2>"$1/json.err" || rc=$?
	echo "$rc" >"$1/json.rc"
}
# What status printed in $1/ is what is expected here.
check() {
	local k
	for k in text json; do
		[ "$(cat "$1/$k.rc")" = 0 ] ||
		    fail "status ($k) exit $(cat "$1/$k.rc"): $(cat "$1/$k.err")"
	done
	grep -qxF 'one   stale    1 of 2 items out of date (caf\xe9.txt: input in/caf\xe9.txt changed)' \
	    "$1/text.out" || fail "text: $(cat "$1/text.out")"
	grep -q '^both  missing  2 of 2 items out of date (a.txt: ' \
	    "$1/text.out" || fail "text: $(cat "$1/text.out")"
	jq -e '.steps[0] | .items == 2 and .items_stale == 1 and
	    .stale_items == [] and .state == "stale" and .reason ==
	    "1 of 2 items out of date (caf\\xe9.txt: input in/caf\\xe9.txt changed)"' \
	    "$1/json.out" >/dev/null || fail "json: $(cat "$1/json.out")"
	jq -e '.steps[1] | .items == 2 and .items_stale == 2 and
	    .stale_items == ["a.txt"] and .state == "missing"' \
	    "$1/json.out" >/dev/null || fail "json: $(cat "$1/json.out")"
	jq -e '.file == "p.yml" and .stale == 1 and .missing == 1' \
	    "$1/json.out" >/dev/null || fail "json: $(cat "$1/json.out")"
}

start_loomd
note "a run over a file named in Latin-1"
"$LOOMCTL" run p.yml >"$TEST_TMP/run.out" 2>&1 ||
    fail "run p.yml: $(cat "$TEST_TMP/run.out")"
[ "$(cat "out1/$LATIN")" = e ] || fail "item $LATIN did not run"
# One item of each loop out of date by its stamp, both of the second.
echo changed >>"in/$LATIN"
rm out2/*

note "pipeline.freshness answers with a result"
rpc call pipeline.freshness "{\"file\": \"$EXP/p.yml\"}" \
    >"$TEST_TMP/raw.out" || fail "pipeline.freshness: $(cat "$TEST_TMP/raw.out")"
jq -e '.result.steps[0] | .items_stale == 1 and .stale_items == [] and
    (.reason | test("caf\\\\xe9"))' "$TEST_TMP/raw.out" >/dev/null ||
    fail "pipeline.freshness: $(cat "$TEST_TMP/raw.out")"

note "status FILE with a daemon"
capture "$TEST_TMP/on"
check "$TEST_TMP/on"

note "status FILE without one: the same bytes"
stop_loomd
capture "$TEST_TMP/off"
no_loomd || fail "status FILE started a daemon"
check "$TEST_TMP/off"
for f in text.out text.err text.rc json.out json.err json.rc; do
	diff "$TEST_TMP/off/$f" "$TEST_TMP/on/$f" >&2 ||
	    fail "status: $f differs with a daemon"
done
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
