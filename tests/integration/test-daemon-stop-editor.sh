#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# RELIABILITY X8, stop with an editor open: `loomctl ui`, an editor
# connection held open (webbridge.py hold), then `loomctl ui` once more
# (the bridge now also waits for a browser that never comes), then
# `loomctl daemon stop`. PASS: when stop returns, the daemon is gone
# (socket removed, pid file's lock released), and the very next command
# gets a new daemon instead of "already running"; the editor's
# connection was closed by the daemon.
source "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
exp="$TEST_TMP/exp"
make_hello_exp "$exp"

url=$(timeout 60 "$LOOMCTL" ui --no-browser "$exp") || fail "loomctl ui failed"
old=$(daemon_pid)
[ -n "$old" ] || fail "no daemon pid"
coproc HOLD { "$PYTHON" "$LOOM_SRC/tests/integration/webbridge.py" hold "$url"; }
LIB_PIDS+=("$HOLD_PID")
read -r -t 20 line <&"${HOLD[0]}" || fail "no answer from the editor client"
[ "$line" = open ] || fail "editor connection: $line"
timeout 60 "$LOOMCTL" ui --no-browser "$exp" >/dev/null ||
    fail "second loomctl ui failed"

note "X8 daemon stop with an editor open"
out=$(timeout 60 "$LOOMCTL" daemon stop 2>&1) || fail "daemon stop: $out"
[ "$out" = "loomd stopped" ] || fail "daemon stop said: $out"
# Right now, without waiting: the daemon is gone.
[ ! -e "$LOOM_SOCKET" ] || fail "the socket is still there after stop"
if [ -e "$LOOM_SOCKET.pid" ]; then
	flock -n "$LOOM_SOCKET.pid" true ||
	    fail "the pid file is still locked after stop"
fi
out=$(timeout 60 "$LOOMCTL" --timeout 20 daemon start 2>&1) ||
    fail "the next command failed: $out"
new=$(daemon_pid)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "no new daemon ($old, $new)"
wait_gone 20 "$old"
timeout 60 "$LOOMCTL" daemon stop >/dev/null || fail "second stop failed"
exec {HOLD[1]}>&-
note "ok"
