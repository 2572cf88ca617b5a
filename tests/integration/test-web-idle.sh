#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The editor and the daemon's idle rule (docs/editor.md, `loomctl ui`):
# an open editor keeps the daemon alive past its idle timeout, and once
# the last editor closes the daemon exits by itself. With nobody
# connecting after `loomctl ui`, the bridge waits max(idle timeout, 10 s)
# for a browser to start, then the daemon exits too.
. "$(dirname "$0")/lib.sh"
export LOOMD_IDLE_TIMEOUT=2

mkdir -p "$TEST_TMP/exp"
cp -r "$LOOM_SRC/examples/diamond/." "$TEST_TMP/exp/"

alive() { "$LOOMCTL" daemon status >/dev/null 2>&1; }
pid_alive() { kill -0 "$1" 2>/dev/null; }

note "an open editor keeps the daemon alive"
url=$("$LOOMCTL" ui --no-browser "$TEST_TMP/exp/experiment.yml") || fail "loomctl ui failed"
pid=$(daemon_pid)
[ -n "$pid" ] || fail "no daemon pid"
coproc HOLD { python3 "$LOOM_SRC/tests/integration/webbridge.py" hold "$url"; }
read -r -t 20 line <&"${HOLD[0]}" || fail "no answer from the editor client"
[ "$line" = open ] || fail "editor connection: $line"
# Several idle timeouts pass: the daemon must still be there. This is a
# lower bound on its life, not a speed claim.
end=$(($(date +%s) + 6))
while [ "$(date +%s)" -lt "$end" ]; do
	pid_alive "$pid" || fail "the daemon exited with an editor open"
	sleep 0.2
done
note "the last editor closes: the daemon exits when idle"
exec {HOLD[1]}>&-
wait "$HOLD_PID" 2>/dev/null
wait_gone 30 "$pid"
[ ! -e "$LOOM_SOCKET" ] || fail "socket left behind"

note "nobody connects: the bridge gives up after the idle timeout too"
"$LOOMCTL" ui --no-browser "$TEST_TMP/exp" >/dev/null || fail "loomctl ui failed"
pid=$(daemon_pid)
wait_gone 60 "$pid"
lib_check_sanitizers || fail "sanitizer errors in loomd"
echo PASS
