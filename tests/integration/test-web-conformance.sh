#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# F1: offline WebSocket conformance of the editor bridge. webconf.py
# speaks raw frames for the Autobahn categories 1-7, 9 (up to the 1 MiB
# message cap) and 10 against the JSON-RPC endpoint of a daemon started
# by `loomctl ui`, writes an Autobahn-shaped index.json into the test's
# temp folder, and fails on any FAILED, WRONG CODE or UNCLEAN case.
. "$(dirname "$0")/lib.sh"

exp="$TEST_TMP/exp"
make_hello_exp "$exp"

url=$("$LOOMCTL" ui --no-browser "$exp/experiment.yml") || fail "loomctl ui failed"
/usr/bin/python3 "$LOOM_SRC/tests/integration/webconf.py" "$url" "$TEST_TMP/reports" ||
	fail "conformance cases failed (see $TEST_TMP/reports/index.json)"
n=$(jq '[.loomd[] | select(.behavior != "OK" or .behaviorClose != "OK")] | length' \
	"$TEST_TMP/reports/index.json") || fail "index.json unreadable"
[ "$n" = 0 ] || fail "$n case(s) not OK in index.json"

"$LOOMCTL" daemon status >/dev/null || fail "daemon not alive after the cases"
pid=$(daemon_pid)
"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop failed"
wait_gone 20 "$pid"
lib_check_sanitizers || fail "sanitizer errors in loomd"
echo PASS
