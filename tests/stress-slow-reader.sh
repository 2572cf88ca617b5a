#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Stress run of the slow-reader case of tests/integration/test-cli-run.sh,
# outside the default CTest run: an attached `loomctl run` whose stdout is
# a pipe nobody reads for a while must still print every line of a 14 MB
# step output, in order. Runs the case N times (default 100) while one
# core is kept busy, and prints the pass count. Exit status 0 only when
# every round passed. Each round prints a line, so a run cut short
# still shows how far it got.
#
#   LOOM_BIN=build-test/bin FAKE_TASK=build-test/tests/fake-task \
#       tests/stress-slow-reader.sh [N]
#
# Each round: the step prints 1,000,000 numbered lines (14 MB, more than
# the daemon queues for one client), pauses 4 s and prints "abc...z"; the
# reader stalls 3 s. loomctl follows the step's log file (log.open);
# LOOMCTL_NO_LOG_FILE=1 in the environment stresses the log.read path. Passes when every line came, in order, the last
# piece too, and loomctl exited 0.
. "$(dirname "$0")/integration/lib.sh"

: "${FAKE_TASK:?FAKE_TASK must name the fake-task helper}"
rounds=${1:-100}
cat >"$TEST_TMP/flood.yml" <<YML
pipeline:
  - name: flood
    task: $FAKE_TASK
    args: {lines: 1000000, sleep: 4000, print: 26}
YML

# One core kept busy for the whole run; stopped by its pid on exit.
( while :; do :; done ) &
busy=$!
trap 'kill "$busy" 2>/dev/null; lib_cleanup' EXIT

pass=0
for ((i = 1; i <= rounds; i++)); do
	st=0
	"$LOOMCTL" run --force "$TEST_TMP/flood.yml" 2>"$TEST_TMP/err" |
	    { sleep 3; awk '
		/^\[flood\] line / { n++; if ($3 != n) { print "out of order at " n; exit 1 } }
		/^\[flood\] abcdefghijklmnopqrstuvwxyz$/ { tail++ }
		END { print n, tail }'; } >"$TEST_TMP/out" || st=$?
	got=$(cat "$TEST_TMP/out")
	if [ "$st" = 0 ] && [ "$got" = "1000000 1" ]; then
		pass=$((pass + 1))
		echo "round $i: ok"
	else
		echo "round $i: status $st, got '$got' lines; $(head -c 500 "$TEST_TMP/err")"
	fi
done
echo "slow reader: $pass/$rounds passed"
"$LOOMCTL" daemon stop >/dev/null 2>&1
[ "$pass" = "$rounds" ]
