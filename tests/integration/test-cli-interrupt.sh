#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Ctrl-C of an attached run on a terminal (a pseudo-terminal from
# script(1), so the progress line is drawn):
#  - the first SIGINT cancels the run; the notice starts on a clean line
#    (the progress line is erased, "\r\e[K", before it is written);
#  - a second SIGINT leaves at once with "loomctl: left run ...", again
#    after the progress line is erased; loomctl exits 130.
. "$(dirname "$0")/lib.sh"

: "${FAKE_TASK:?FAKE_TASK must name the fake-task helper}"
command -v script >/dev/null || skip "script (util-linux) missing"
mkdir -p "$TEST_TMP/p"
# The step ignores SIGTERM for a while, so the run is still cancelling
# when the second Ctrl-C comes.
cat >"$TEST_TMP/p/trap.sh" <<'SH'
#!/bin/sh
trap '' TERM
echo started
sleep 30
SH
chmod +x "$TEST_TMP/p/trap.sh"
cat >"$TEST_TMP/p/p.yml" <<'YML'
pipeline:
  - name: stubborn
    task: trap.sh
  - name: after
    task: trap.sh
YML
export LOOMD_KILL_GRACE=20 NO_COLOR=1
TRANSCRIPT="$TEST_TMP/tty.out"
script -qfec "'$LOOMCTL' run '$TEST_TMP/p/p.yml'; echo \"exit=\$?\"" \
    "$TRANSCRIPT" >/dev/null </dev/null &
scr=$!
wait_for 60 grep -q "\[stubborn\] started" "$TRANSCRIPT"
client=""
find_client() { client=$(pgrep -f -x "$LOOMCTL run $TEST_TMP/p/p.yml") && [ -n "$client" ]; }
wait_for 10 find_client
kill -INT "$client"
wait_for 30 grep -q "cancelling run" "$TRANSCRIPT"
kill -INT "$client"
wait_gone 30 "$client"
wait "$scr" || true
grep -q "exit=130" "$TRANSCRIPT" || fail "exit status: $(cat -v "$TRANSCRIPT")"
# Every message on stderr follows an erased line or a newline, never the
# progress text.
esc=$'\033'
for msg in "loomctl: cancelling run" "loomctl: left run"; do
	grep -q "$msg" "$TRANSCRIPT" || fail "no '$msg': $(cat -v "$TRANSCRIPT")"
	line=$(grep -a "$msg" "$TRANSCRIPT")
	before=${line%%"$msg"*}
	[ -z "$before" ] || [[ $before == *$'\r'"$esc[K" ]] ||
	    fail "'$msg' glued to another line: $(cat -v "$TRANSCRIPT")"
done
"$LOOMCTL" daemon stop >/dev/null
wait_for 60 no_loomd
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
