#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An editor that says nothing for longer than the bridge's request
# timeout is still heard: the WebSocket has no deadline. evhttp's idle
# timeout still fired on the socket after the upgrade (once a first
# message had gone both ways), and the daemon then stopped reading that
# editor without closing it; the editor's next change (an edit's dry
# run, a save) got no answer.
. "$(dirname "$0")/lib.sh"
# The request deadline, short: a whole HTTP request within 1 s.
export LOOMD_HTTP_TIMEOUT=1

mkdir -p "$TEST_TMP/exp"
cp -r "$LOOM_SRC/examples/diamond/." "$TEST_TMP/exp/"
url=$("$LOOMCTL" ui --no-browser "$TEST_TMP/exp/experiment.yml") || fail "loomctl ui failed"

note "silent for 2.5 s, three times, then a call each time"
python3 "$LOOM_SRC/tests/integration/webbridge.py" quiet "$url" 2.5 3 ||
	fail "a quiet editor was not answered"
grep -q "no whole request" "$XDG_STATE_HOME/loom/loomd.log" 2>/dev/null &&
	fail "the editor's connection was taken for a slow HTTP request"
lib_check_sanitizers || fail "sanitizer errors in loomd"
echo PASS
